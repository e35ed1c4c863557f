"""Process-wide objects (one run manager, one store), per-session identity, and the store's
housekeeping: the retention cap and the owner-checked rename, tag and delete of a session's runs."""
from __future__ import annotations

import os
import uuid

# Imported here, before any training thread exists: scikit-learn imports pandas lazily inside a
# run's thread, and plotly peeks at sys.modules["pandas"] while drawing, so a figure drawn
# during that import finds a half-initialised module and the page raises.
import pandas  # noqa: F401
import streamlit as st

from playground.export import delete_weights, prune_weights
from playground.runs import Limits, RunManager
from playground.store import Store, default_store_path

DEFAULT_MAX_RUNS = 500
NAME_MAX_CHARS, TAG_MAX_CHARS, MAX_TAGS = 80, 24, 8


@st.cache_resource
def get_manager() -> RunManager:
    """One manager for the whole server process, created on the first page load. Runs left
    'running' by a server that died are marked interrupted here, once."""
    store = Store(default_store_path())
    store.mark_interrupted()
    enforce_retention(store)
    # each run in its own process by default: it keeps its speed while pages watch it
    workers = os.environ.get("PLAYGROUND_WORKERS", "process")
    return RunManager(store=store, limits=Limits.from_env(), workers=workers)


def owner_id() -> str:
    """An id for this browser session: runs it starts are its own to stop, rename, delete."""
    if "owner" not in st.session_state:
        st.session_state.owner = uuid.uuid4().hex[:12]
    return st.session_state.owner


def load_run(run_id: str) -> dict | None:
    """A run as the panels draw it: live from the manager, or from the store once it has
    left memory (after a server restart, or for history)."""
    manager = get_manager()
    snap = manager.snapshot(run_id)
    if snap is not None:
        return snap
    row = manager.store.get_run(run_id) if manager.store else None
    if row is None:
        return None
    summary = row.get("summary") or {}
    history = manager.store.metrics(run_id)
    return {
        "id": row["id"], "owner": row.get("owner", ""), "name": row.get("name", ""),
        "status": row["status"], "reason": row.get("reason"),
        "step": summary.get("steps", history[-1]["step"] + 1 if history else 0),
        "loss": summary.get("train_loss"), "grad_norm": history[-1]["grad_norm"] if history else None,
        "lr": history[-1]["lr"] if history else None, "steps_per_s": 0.0, "eta_s": None,
        "summary": summary, "config": row["config"], "info": row.get("info") or {},
        "history": history, "evals": manager.store.evals(run_id), "queue_position": None,
    }


# ---- the store's housekeeping and a session's own runs (the Compare page's Manage section)

def max_runs() -> int:
    """How many finished runs the store keeps: $PLAYGROUND_MAX_RUNS, default 500."""
    try:
        return max(1, int(os.environ.get("PLAYGROUND_MAX_RUNS", DEFAULT_MAX_RUNS)))
    except ValueError:
        return DEFAULT_MAX_RUNS


def enforce_retention(store) -> int:
    """Delete the oldest finished runs past `max_runs()`, and the weights files of runs that
    are gone; return the number of runs deleted."""
    deleted = store.enforce_retention(max_runs())
    prune_weights(store)
    return deleted


def own_run(run_id: str) -> dict | None:
    """The stored run if this session started it, else None: a hosted session sees everyone's
    runs but changes only its own."""
    store = get_manager().store
    run = store.get_run(run_id) if store else None
    return run if run is not None and run["owner"] == owner_id() else None


def rename_run(run_id: str, name: str, tags: list[str]) -> bool:
    """Set an own run's name and tags (trimmed to sane lengths); False if it is not ours."""
    if own_run(run_id) is None:
        return False
    tags = [t.strip()[:TAG_MAX_CHARS] for t in tags if t.strip()][:MAX_TAGS]
    store = get_manager().store
    store.rename(run_id, name.strip()[:NAME_MAX_CHARS])
    store.set_tags(run_id, tags)
    return True


def delete_run(run_id: str) -> bool:
    """Delete an own, finished run with its metrics, evals and weights; False otherwise."""
    manager = get_manager()
    if own_run(run_id) is None or manager.is_active(run_id):
        return False
    manager.store.delete(run_id)
    manager.forget(run_id)
    delete_weights(manager.store, run_id)
    return True
