"""Process-wide objects (one run manager, one store) and per-session identity."""
from __future__ import annotations

import uuid

import streamlit as st

from playground.runs import Limits, RunManager
from playground.store import Store, default_store_path


@st.cache_resource
def get_manager() -> RunManager:
    """One manager for the whole server process, created on the first page load. Runs left
    'running' by a server that died are marked interrupted here, once."""
    store = Store(default_store_path())
    store.mark_interrupted()
    return RunManager(store=store, limits=Limits.from_env())


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
