"""Lessons: a guided sequence of short texts, each step with buttons that open the Train page
with a preset run (in a new tab, so the Train page reads the link as a fresh session and
starts the run). `?lesson=N&teacher=1` shows one lesson alone, without the advanced controls.
The lesson data lives in playground.lessons, every string in playground.i18n."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from playground.config import RunConfig, config_to_query
from playground.i18n import t
from playground.lessons import LESSONS, get_lesson, parse_lesson, preset_query
from ui.lang import language

TRAIN_URL = "./"  # the Train page is the app's default page; relative, so a base path still works


def choose_lesson(lang: str, teacher: bool) -> int:
    raw = st.query_params.get("lesson")
    number = parse_lesson(raw)
    if raw is not None and number is None:
        st.warning(t("lessons.bad_lesson", lang, value=str(raw)[:20], n=len(LESSONS)))
    number = number or 1
    if teacher:
        return number
    chosen = st.sidebar.radio(t("lessons.pick", lang), [lesson.id for lesson in LESSONS], index=number - 1,
                              format_func=lambda n: t(get_lesson(n).title_key, lang), key="_lesson_pick")
    if str(chosen) != raw:
        st.query_params["lesson"] = str(chosen)
    return chosen


def share_box(number: int, lang: str) -> None:
    with st.sidebar.expander(t("lessons.share", lang)):
        st.caption(t("lessons.share_caption", lang))
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode({'lesson': number, 'teacher': 1, 'lang': lang})}", language=None,
                wrap_lines=True)


def preset_buttons(step, number: int, lang: str, teacher: bool) -> None:
    cols = st.columns(len(step.presets))
    for col, (label, preset) in zip(cols, step.presets.items()):
        url = TRAIN_URL + "?" + urlencode(preset_query(preset, lesson=number, lang=lang, teacher=teacher))
        col.link_button(t("lessons.open", lang, label=t(label, lang)), url, help=t("lessons.open_help", lang),
                        width="stretch")
    if not teacher:
        with st.expander(t("lessons.settings", lang)):
            shown = {t(label, lang): config_to_query(RunConfig(**preset)) for label, preset in step.presets.items()}
            st.code(json.dumps(shown, ensure_ascii=False, indent=1), language="json")


def show_lesson(number: int, lang: str, teacher: bool) -> None:
    lesson = get_lesson(number)
    st.header(t(lesson.title_key, lang))
    st.markdown(t(lesson.intro_key, lang))
    for i, step in enumerate(lesson.steps, start=1):
        st.subheader(t("lessons.step", lang, i=i, title=t(f"{step.key}.title", lang)))
        st.markdown(t(f"{step.key}.body", lang))
        if step.claim:
            st.info(f"**{t('lessons.claim', lang)}** {t(step.claim, lang)}")
        preset_buttons(step, number, lang, teacher)


def page() -> None:
    lang = language()
    teacher = st.query_params.get("teacher") == "1"
    st.title(t("lessons.title", lang))
    number = choose_lesson(lang, teacher)
    if teacher:
        st.caption(t("lessons.classroom", lang, n=number, total=len(LESSONS)))
    else:
        st.markdown(t("lessons.intro", lang))
        share_box(number, lang)
    show_lesson(number, lang, teacher)


page()
