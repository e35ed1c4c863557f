"""Train: pick a paradigm, task, dataset and loss; Start trains in the background; the live
panel follows the run. The page never trains: the run manager does, in its own thread."""
from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import streamlit as st

from playground.config import ConfigError, config_from_json, config_to_json, config_to_query
from playground.runs import LimitError
from ui.controls import config_from_state, init_from_url, run_controls, set_config, sync_url
from ui.panels import loss_card, run_view
from ui.state import get_manager, load_run, owner_id

LIVE_REFRESH_S = 1.0


def start(manager, owner) -> None:
    try:
        st.session_state.run_id = manager.submit(config_from_state(), owner=owner)
    except (ConfigError, LimitError) as e:
        st.session_state.start_error = str(e)


def sidebar(manager, owner):
    with st.sidebar:
        cfg = run_controls()
        run_id = st.session_state.get("run_id")
        running = bool(run_id) and manager.is_active(run_id)
        c1, c2 = st.columns(2)
        c1.button("Start", type="primary", width="stretch", on_click=start, args=(manager, owner))
        if c2.button("Stop", width="stretch", disabled=not running):
            manager.stop(run_id, owner=owner)
        if err := st.session_state.pop("start_error", None):
            st.error(err)
        share_box(cfg)
    return cfg


def share_box(cfg) -> None:
    with st.expander("Share and save"):
        st.caption("The address bar always holds this configuration. Copy the link below (the icon "
                   "at its right) to share it; with `autostart=1` the run starts when the link opens.")
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode({**config_to_query(cfg), 'autostart': 1})}", language=None, wrap_lines=True)
        st.download_button("Save config (JSON)", config_to_json(cfg), "playground-config.json", "application/json")
        up = st.file_uploader("Load config (JSON)", type=["json"], key="cfg_upload")
        if up is not None and st.session_state.get("_cfg_loaded") != up.file_id:
            st.session_state._cfg_loaded = up.file_id
            try:
                set_config(config_from_json(up.getvalue()[:100_000].decode("utf-8", errors="replace")))
                st.rerun()
            except ConfigError as e:
                st.error(f"config file: {e}")


def live_panel(run_id: str | None, manager, cfg) -> None:
    active = bool(run_id) and manager.is_active(run_id)

    @st.fragment(run_every=LIVE_REFRESH_S if active else None)
    def panel():
        snap = load_run(run_id) if run_id else None
        if snap is None:
            if run_id:
                st.warning(f"run {run_id}: not found on this server (it may have been deleted).")
            loss_card(dataclasses.asdict(cfg))
            welcome()
            return
        loss_card(snap["config"])
        run_view(snap, key="live")
        if active and snap["status"] not in ("queued", "running"):
            st.rerun()  # the run ended: a full rerun turns the refresh off and re-enables Start

    panel()


def welcome() -> None:
    st.markdown(
        "**How to use it.** Choose a paradigm, a task, a dataset and a loss on the left, then press "
        "**Start**. The run trains in the background; the loss curves, the per-timestep NLL heatmap and "
        "the reconstructions update here about once a second, and you can keep changing settings or "
        "start another run meanwhile. The defaults train a tiny causal Transformer on 8x8 digits read "
        "pixel by pixel: about 20 seconds on a laptop CPU.")


def page() -> None:
    manager, owner = get_manager(), owner_id()
    st.title("Transformer Loss Playground")
    st.caption("See what the final loss function of a Transformer does: train, watch, compare.")
    for w in init_from_url():
        st.warning(f"Link: {w}")
    if manager.store is not None and getattr(manager.store, "warning", None):
        st.warning(manager.store.warning)
    if "run_id" not in st.session_state and "run" in st.query_params:
        st.session_state.run_id = st.query_params["run"][:64]  # reattach after a reload
    cfg = sidebar(manager, owner)
    if st.query_params.get("autostart") == "1" and not st.session_state.get("_autostarted"):
        st.session_state._autostarted = True
        start(manager, owner)
        if err := st.session_state.pop("start_error", None):
            st.error(err)
    run_id = st.session_state.get("run_id")
    sync_url(cfg, run_id)
    live_panel(run_id, manager, cfg)


page()
