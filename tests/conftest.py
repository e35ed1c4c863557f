"""Shared test setup: one torch thread, as the runs themselves use. Two threads are about ten
times slower when the other core is busy, and the whole suite has a budget of ten minutes."""
import os

import pytest
import torch

torch.set_num_threads(1)

# Pages make their run manager from PLAYGROUND_WORKERS (default: a process per run, as served).
# The AppTests start many tiny runs, and spawning a process costs ~2 s each, so they train in
# threads; tests/test_runs.py and the real-browser tests cover the process mode.
os.environ.setdefault("PLAYGROUND_WORKERS", "thread")


@pytest.fixture
def private_store(tmp_path, monkeypatch):
    """A fresh run manager with a store of its own, for tests of the pages; stopped after."""
    monkeypatch.setenv("PLAYGROUND_STORE", str(tmp_path / "runs.sqlite3"))
    from ui.state import get_manager
    get_manager.clear()
    yield get_manager()
    get_manager().shutdown()
    get_manager.clear()
