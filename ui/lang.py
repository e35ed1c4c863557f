"""The page language: which one a page shows, the one switch that changes it, and the lookup
of registry descriptions. The strings themselves live in playground.i18n.

The URL's `lang` (a shared link) wins, then the session's choice; the switch writes both, so a
copied address keeps the language and a page opened from the menu keeps the session's.
"""
from __future__ import annotations

import streamlit as st

from playground.i18n import LANG_NAMES, LANGS, has, pick_lang, t


def current_language() -> str:
    """The language to show, without drawing anything (app.py reads it to title the menu)."""
    return pick_lang(st.query_params.get("lang"), st.session_state.get("lang"))


def _switched() -> None:
    st.session_state["lang"] = st.session_state["_lang_switch"]
    st.query_params["lang"] = st.session_state["lang"]


def language() -> str:
    """This page's language, with the switch drawn at the top of the sidebar. Call it once per
    page, before anything else goes into the sidebar."""
    lang = current_language()
    st.session_state["lang"] = lang
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang  # also replaces an invalid value
    st.session_state["_lang_switch"] = lang
    st.sidebar.radio(t("app.language", lang), LANGS, format_func=LANG_NAMES.get, key="_lang_switch",
                     horizontal=True, on_change=_switched)
    return lang


def described(key: str, english: str, lang: str) -> str:
    """A registry text (`task.<name>`, `dataset.<name>`, `loss.<name>.desc`, ...) in `lang`; the
    registry's own English text where i18n has no key (a test keeps that from happening)."""
    return t(key, lang) if has(key) else english


def chart_words(lang: str) -> dict:
    """The words playground.figures draws inside charts, in `lang`."""
    from playground.figures import WORDS
    return {name: t(f"chart.word.{name}", lang) for name in WORDS}
