"""Taking a run home: its metrics as CSV, a Python script that trains it again, and where its
trained weights live.

Pure builders (plain data in, text out) plus the weights file's path and clean-up. Holds no
Streamlit and no torch: the run manager writes the weights file, pages offer the downloads.
The config as JSON is `playground.config.config_to_json`; figures download as PNG from
Plotly's own toolbar.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from pathlib import Path

from .config import config_from_dict

METRIC_COLUMNS = ("step", "loss", "grad_norm", "lr", "time")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # run ids become file names: nothing else gets in


def _check_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not _SAFE_ID.fullmatch(run_id):
        raise ValueError(f"run id: {run_id!r} is not 1-64 letters, digits, '_' or '-'")
    return run_id


# ---------------------------------------------------------------- weights

def weights_path(store, run_id: str) -> Path:
    """Where a run's trained weights (a torch state dict) are kept: beside the store's file."""
    return Path(store.path).parent / "weights" / f"{_check_id(run_id)}.pt"


def delete_weights(store, run_id: str) -> bool:
    """Remove a run's weights file; False when there was none."""
    path = weights_path(store, run_id)
    if not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


def prune_weights(store) -> int:
    """Remove weights files whose run is no longer in the store (retention deleted it)."""
    folder = Path(store.path).parent / "weights"
    removed = 0
    for path in folder.glob("*.pt") if folder.is_dir() else ():
        if store.get_run(path.stem) is None:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# ---------------------------------------------------------------- metrics

def _scalar(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)  # repr: every digit, round-trips


def metrics_csv(metrics: list[dict], evals: list[dict]) -> str:
    """One row per step: the train metrics (step, loss, grad_norm, lr, time, any extra scalar
    columns), then the eval scalars (val_loss, val_nll, ...) on the rows of their `step`.

    Steps are as the charts draw them: a train row's `step` counts from 0, an eval's `step` is
    the number of steps done when it ran, so the final eval sits one row past the last train
    row. Missing and non-finite values are empty cells. Eval artifacts (lists, images) and the
    eval's own `time` are left out.
    """
    columns = list(METRIC_COLUMNS)
    rows: dict[int, dict] = {}
    for source, skip in ((metrics, ()), (evals, ("step", "time"))):
        for record in source:
            row = rows.setdefault(int(record["step"]), {"step": int(record["step"])})
            for key, value in record.items():
                if key in skip or not (_scalar(value) or value is None):
                    continue
                if key not in columns:
                    columns.append(key)
                row[key] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for step in sorted(rows):
        writer.writerow([_cell(rows[step].get(c)) for c in columns])
    return out.getvalue()


# ---------------------------------------------------------------- the reproduction script

_SCRIPT = '''\
"""Train run {run_id} of the Transformer Loss Playground again.

    python {filename}

needs the `playground` package importable (pip install -e . in its repository, or run it
from there). It trains with the same config and seed, writes the metrics to
{csv_name} next to this file and prints the final losses as one line of JSON.
The same seed on the same device gives the same curve; another device or torch version may
differ in the last digits.
{paths_note}"""
import json
import sys
from pathlib import Path

from playground.config import config_from_dict
from playground.experiment import build_experiment, summarize
from playground.export import metrics_csv

RUN_ID = {run_id_literal}
CONFIG = {config_literal}


def main() -> int:
    exp = build_experiment(config_from_dict(CONFIG))
    status = exp.trainer.run()
    summary = summarize(exp)
    out = Path(__file__).resolve().with_name({csv_literal})
    out.write_text(metrics_csv(exp.trainer.history.rows, exp.trainer.evals))
    print(json.dumps({{"run_id": RUN_ID, "status": status, "reason": summary["reason"],
                      "steps": summary["steps"], "train_loss": summary["train_loss"],
                      "val_loss": summary["val_loss"], "metrics_csv": str(out)}}))
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
'''
_PATHS_NOTE = ("\nThe config names files on the machine that trained it (text_path / data_dir); "
               "point them at\nyour own copies.\n")


def script_name(run_id: str) -> str:
    return f"run_{_check_id(run_id)}.py"


def reproduce_script(config: dict, run_id: str) -> str:
    """The source of a standalone script that trains this config again and prints the final
    train/val loss as JSON. The config is validated first (ConfigError on a bad one) and
    embedded as a Python literal, so no stored string reaches the code unescaped."""
    cfg = dataclasses.asdict(config_from_dict(dict(config)))
    csv_name = f"run_{_check_id(run_id)}_metrics.csv"
    return _SCRIPT.format(
        run_id=run_id, filename=script_name(run_id), csv_name=csv_name,
        paths_note=_PATHS_NOTE if cfg["text_path"] or cfg["data_dir"] else "",
        run_id_literal=repr(run_id), csv_literal=repr(csv_name),
        config_literal="{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in cfg.items()) + "}",
    )
