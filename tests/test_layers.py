"""The layout is the architecture: the engine holds no Streamlit, the pages hold no torch."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_engine_never_imports_streamlit():
    offenders = [p.name for p in (ROOT / "playground").rglob("*.py") if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_pages_and_ui_never_import_torch():
    files = [*(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]
    offenders = [p.name for p in files if "torch" in imported_modules(p)]
    assert files and offenders == []
