"""Train: pick a paradigm, task, dataset and loss; Start trains in the background; the live
panel follows the run. The page never trains: the run manager does, in its own thread.

`?teacher=1` (a lesson's link) is the classroom view: the training settings and the share box
are hidden, leaving the choices a lesson is about, their knobs, and Start / Stop."""
from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import streamlit as st

from playground.config import ConfigError, config_from_json, config_to_json, config_to_query
from playground.i18n import t
from playground.runs import LimitError
from ui.controls import config_from_state, init_from_url, run_controls, set_config, sync_url
from ui.lang import language
from ui.panels import loss_card, run_view
from ui.state import get_manager, load_run, owner_id

LIVE_REFRESH_S = 1.0


def start(manager, owner) -> None:
    try:
        st.session_state.run_id = manager.submit(config_from_state(), owner=owner)
    except (ConfigError, LimitError) as e:
        st.session_state.start_error = str(e)


def sidebar(manager, owner, lang: str, teacher: bool):
    with st.sidebar:
        cfg = run_controls(lang, teacher)
        run_id = st.session_state.get("run_id")
        running = bool(run_id) and manager.is_active(run_id)
        c1, c2 = st.columns(2)
        c1.button(t("train.start", lang), type="primary", width="stretch", on_click=start, args=(manager, owner))
        if c2.button(t("train.stop", lang), width="stretch", disabled=not running):
            manager.stop(run_id, owner=owner)
        if err := st.session_state.pop("start_error", None):
            st.error(err)
        if not teacher:
            share_box(cfg, lang)
    return cfg


def share_box(cfg, lang: str) -> None:
    with st.expander(t("train.share", lang)):
        st.caption(t("train.share_caption", lang))
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode({**config_to_query(cfg), 'autostart': 1})}", language=None, wrap_lines=True)
        st.download_button(t("train.save_config", lang), config_to_json(cfg), "playground-config.json",
                           "application/json")
        up = st.file_uploader(t("train.load_config", lang), type=["json"], key="cfg_upload")
        if up is not None and st.session_state.get("_cfg_loaded") != up.file_id:
            st.session_state._cfg_loaded = up.file_id
            try:
                set_config(config_from_json(up.getvalue()[:100_000].decode("utf-8", errors="replace")))
                st.rerun()
            except ConfigError as e:
                st.error(t("train.config_file_error", lang, error=e))


def live_panel(run_id: str | None, manager, cfg, lang: str) -> None:
    active = bool(run_id) and manager.is_active(run_id)

    @st.fragment(run_every=LIVE_REFRESH_S if active else None)
    def panel():
        snap = load_run(run_id) if run_id else None
        if snap is None:
            if run_id:
                st.warning(t("train.not_found", lang, run=run_id))
            loss_card(dataclasses.asdict(cfg), lang)
            st.markdown(t("train.welcome", lang))
            return
        loss_card(snap["config"], lang)
        run_view(snap, lang, key="live")
        if active and snap["status"] not in ("queued", "running"):
            st.rerun()  # the run ended: a full rerun turns the refresh off and re-enables Start

    panel()


def page() -> None:
    manager, owner = get_manager(), owner_id()
    lang = language()
    teacher = st.query_params.get("teacher") == "1"
    st.title(t("train.title", lang))
    st.caption(t("train.caption", lang))
    for w in init_from_url():
        st.warning(t("train.link_warning", lang, warning=w))
    if manager.store is not None and getattr(manager.store, "warning", None):
        st.warning(manager.store.warning)
    if "run_id" not in st.session_state and "run" in st.query_params:
        st.session_state.run_id = st.query_params["run"][:64]  # reattach after a reload
    cfg = sidebar(manager, owner, lang, teacher)
    if st.query_params.get("autostart") == "1" and not st.session_state.get("_autostarted"):
        st.session_state._autostarted = True
        start(manager, owner)
        if err := st.session_state.pop("start_error", None):
            st.error(err)
    run_id = st.session_state.get("run_id")
    sync_url(cfg, run_id)
    live_panel(run_id, manager, cfg, lang)


page()
