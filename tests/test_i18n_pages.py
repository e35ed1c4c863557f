"""Every page in Chinese shows no English UI text; the menu, the registries' descriptions and
the classroom view of the Train page.

"English UI text" is any English string of playground.i18n that differs from its Chinese: an
element whose whole label, option or text is one, or a text containing a sentence of one. The
collector reads every label, option, help text, body and tab title the page sends, except the
content of charts, tables, code and formulas (numbers, ids and figure internals).
"""
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.data import DATASETS
from playground.i18n import LANGS, STRINGS, t
from playground.losses import LOSSES
from playground.models import MODEL_DESCRIPTIONS
from playground.tasks import PARADIGMS, TASKS

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["views/train.py", "views/compare.py", "views/explorer.py", "views/lessons.py"]
TEXT_FIELDS = {"label", "body", "options", "help", "placeholder", "text"}
# ids, numbers and figures; AppTest has no class of its own for a Plotly chart: UnknownElement
SKIPPED = {"Code", "Latex", "Html", "Dataframe", "UnknownElement"}
# phrases a reader sees on the English Train page; the collector must find them there
TRAIN_PHRASES = ["Start", "Stop", "Paradigm", "Loss and task settings", "Training", "Share and save",
                 "How to use it"]


pytestmark = pytest.mark.usefixtures("private_store")  # tests/conftest.py: a fresh manager and store


def open_page(path: str, owner: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    if owner:
        at.session_state.owner = owner  # what ui.state.owner_id() hands this session
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def train_runs(*runs: tuple[RunConfig, str]) -> list[str]:
    """Finished runs, each (config, owner), trained through the pages' own manager."""
    from ui.state import get_manager
    manager = get_manager()
    ids = [manager.submit(cfg, owner=owner) for cfg, owner in runs]
    assert [manager.wait(i, timeout=120) for i in ids] == ["completed"] * len(ids)
    return ids


def _strings(msg) -> list[str]:
    out = []
    for field, value in msg.ListFields():
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        values = list(value) if repeated else [value]
        if field.type == field.TYPE_STRING and field.name in TEXT_FIELDS:
            out += values
        elif field.type == field.TYPE_MESSAGE:
            out += [s for m in values for s in _strings(m)]
    return out


def ui_texts(at: AppTest) -> list[str]:
    """Every label, option, help, body and tab title on the page (main area and sidebar)."""
    texts = []
    for node in [*at.main, *at.sidebar]:  # a block iterates over everything inside it
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields") and type(node).__name__ not in SKIPPED:
            texts += _strings(proto)
    return [s for s in texts if s.strip()]


def phrases_on(texts: list[str], phrases: list[str]) -> list[str]:
    """The phrases shown: a short one as a whole label or text, a longer one anywhere in a text."""
    joined = "\n".join(texts)
    return [p for p in phrases if p in texts or (len(p) >= 12 and p in joined)]


def english_leaks(texts: list[str]) -> list[str]:
    en, zh = STRINGS["en"], STRINGS["zh"]
    english = [v for k, v in en.items() if v != zh[k]]
    whole = set(english)
    sentences = [v.split("{")[0] for v in english if len(v.split("{")[0]) >= 12]
    joined = "\n".join(texts)
    return sorted({s for s in texts if s in whole} | {s for s in sentences if s in joined})


def assert_chinese(at: AppTest) -> None:
    assert not at.exception, at.exception
    texts = ui_texts(at)
    assert texts
    leaks = english_leaks(texts)
    assert not leaks, leaks


# ---------------------------------------------------------------- the collector sees English

def test_the_collector_finds_the_english_train_page_phrases():
    texts = ui_texts(open_page("views/train.py"))
    assert phrases_on(texts, TRAIN_PHRASES) == TRAIN_PHRASES
    assert {"Start", "Stop", "Share and save", "Loss and task settings"} <= set(english_leaks(texts))


# ---------------------------------------------------------------- each page in Chinese

@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_chinese_without_english_ui_text(path):
    at = open_page(path, lang="zh")
    assert_chinese(at)
    assert not phrases_on(ui_texts(at), TRAIN_PHRASES)


@pytest.mark.parametrize("query", [
    {"paradigm": "autoregressive", "dataset": "text"},  # the upload box
    {"paradigm": "autoregressive", "task": "prompt_answer", "dataset": "reverse"},  # the prompt toggle
    {"paradigm": "autoencoding", "task": "denoising", "loss": "huber"},
    {"paradigm": "autoencoding", "task": "classification", "loss": "mse", "model": "lstm"},  # the class note
    {"paradigm": "autoencoding", "task": "recon_classification", "loss": "l1"},
    {"loss": "focal"},
])
def test_train_page_controls_are_chinese_for_every_kind_of_choice(query):
    assert_chinese(open_page("views/train.py", lang="zh", **query))


@pytest.mark.parametrize("cfg", [
    RunConfig(model="nano", steps=10, eval_every=5),  # loss curves, per-timestep NLL, samples
    RunConfig(paradigm="autoencoding", task="denoising", loss="mse", model="nano", steps=10, eval_every=5),
    RunConfig(paradigm="autoencoding", task="classification", loss="mse", model="nano", steps=10, eval_every=5),
], ids=["next_token", "denoising", "classification"])
def test_train_page_run_view_is_chinese(cfg):
    (run_id,) = train_runs((cfg, "me"))
    at = open_page("views/train.py", owner="me", lang="zh", run=run_id)
    assert_chinese(at)
    assert any(t("train.status.completed", "zh") in s.value for s in at.success)
    assert at.tabs[0].label == t("train.tab.loss", "zh")


def test_compare_page_with_runs_is_chinese():
    train_runs((RunConfig(model="nano", steps=10, eval_every=5), "me"),
               (RunConfig(paradigm="autoencoding", task="reconstruction", loss="mse", model="nano", steps=10,
                          eval_every=5), "someone-else"))
    at = open_page("views/compare.py", owner="me", lang="zh")
    assert_chinese(at)
    assert at.subheader[0].value == t("compare.curves", "zh")


# ---------------------------------------------------------------- one switch, the menu, the registries

@pytest.mark.parametrize("path", PAGES)
def test_each_page_draws_one_language_switch_that_rewrites_it(path):
    at = open_page(path)
    switches = [r for r in at.sidebar.radio if r.key == "_lang_switch"]
    assert len(switches) == 1 and not [r for r in at.main.radio if r.key == "_lang_switch"]
    before = at.title[0].value
    switches[0].set_value("zh").run()
    assert not at.exception, at.exception
    assert at.title[0].value != before
    assert at.session_state["lang"] == "zh" and at.query_params["lang"] in ("zh", ["zh"])


@pytest.mark.parametrize("lang", LANGS)
def test_menu_titles_follow_the_language(lang, monkeypatch):
    titles = []
    real_page = st.Page

    def recording_page(page, *, title=None, **kwargs):
        titles.append(title)
        return real_page(page, title=title, **kwargs)

    monkeypatch.setattr(st, "Page", recording_page)  # the app's own `st` is this module
    at = open_page("app.py", lang=lang)
    assert not at.exception, at.exception
    assert titles == [t(f"nav.{name}", lang) for name in ("train", "compare", "explorer", "lessons")]


def test_nav_keys_exist_in_both_languages_and_differ():
    for name in ("train", "compare", "explorer", "lessons"):
        assert STRINGS["en"][f"nav.{name}"] != STRINGS["zh"][f"nav.{name}"]


def registry_texts() -> dict[str, str]:
    """i18n key -> the registry's own English text, for every name in every registry."""
    texts = {f"paradigm.{p}": text for p, text in PARADIGMS.items()}
    texts |= {f"task.{name}": task.description for name, task in TASKS.items()}
    texts |= {f"dataset.{name}": spec.description for name, spec in DATASETS.items()}
    texts |= {f"model.{name}": text for name, text in MODEL_DESCRIPTIONS.items()}
    texts |= {f"loss.{name}.desc": spec.description for name, spec in LOSSES.items()}
    texts |= {f"loss.{name}.note": spec.note for name, spec in LOSSES.items() if spec.note}
    return texts


def test_every_registry_name_has_its_text_in_both_languages():
    for key, english in registry_texts().items():
        assert STRINGS["en"][key] == english, key  # a changed description must be translated again
        assert STRINGS["zh"][key] != english, key
    for p in PARADIGMS:
        assert STRINGS["zh"][f"paradigm.{p}.name"]


# ---------------------------------------------------------------- the classroom view

def test_teacher_link_hides_the_training_settings_and_the_share_box():
    at = open_page("views/train.py", teacher="1", lesson="2", paradigm="autoencoding", task="reconstruction",
                   loss="l1", model="nano", steps="7", eval_every="7")
    assert not at.exception, at.exception
    expanders = [e.label for e in at.expander]
    assert expanders == ["Loss and task settings"]  # no "Training", no "Share and save"
    assert not [n for n in at.number_input if n.key == "cfg_steps"]
    for field in ("paradigm", "task", "dataset", "model", "loss"):
        assert at.get_by_key(f"cfg_{field}") is not None
    assert any(n.key == "cfg_outlier_frac" for n in at.number_input)
    labels = [b.label for b in at.button]
    assert "Start" in labels and "Stop" in labels
    at.button[labels.index("Start")].click().run()
    assert not at.exception, at.exception
    assert at.query_params["teacher"] in ("1", ["1"]) and at.query_params["lesson"] in ("2", ["2"])
    from ui.state import get_manager
    config = get_manager().snapshot(at.session_state.run_id)["config"]
    assert config["steps"] == 7 and config["loss"] == "l1"  # the link's hidden settings still apply


def test_without_teacher_the_training_settings_and_share_box_are_there():
    labels = [e.label for e in open_page("views/train.py").expander]
    assert labels == ["Loss and task settings", "Training", "Share and save"]


def _running_status(lang: str) -> None:
    from ui.panels import status_block
    status_block({"status": "running", "step": 3, "steps_per_s": 12.0, "eta_s": 1.0,
                  "config": {"steps": 10}}, lang)


@pytest.mark.parametrize("lang, expect", [("en", "Training: step 3 / 10 · 12.0 steps/s · about 1 s left"),
                                          ("zh", "训练中：第 3 / 10 步 · 每秒 12.0 步 · 约剩 1 秒")])
def test_progress_line_reads_in_each_language(lang, expect):
    at = AppTest.from_function(_running_status, args=(lang,), default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.get("progress")[0].proto.text == expect


def test_chart_words_exist_in_both_languages_for_every_figure_word():
    from playground.figures import WORDS
    from playground.i18n import t
    for lang in ("en", "zh"):
        for name, english in WORDS.items():
            text = t(f"chart.word.{name}", lang)
            assert text and ("{step}" in text) == ("{step}" in english)
    assert t("chart.word.train", "en") == WORDS["train"]  # English is the figures' own default
