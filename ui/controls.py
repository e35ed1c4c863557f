"""The run controls: widgets in, a RunConfig out (plus the messages about bad URL values).

Every widget's key is `cfg_<field>`, so the session state holds exactly one config. A shared
link fills it once per session through `config_from_query`, which validates and clamps each
value and says what it changed (Streamlit's own query binding drops bad values silently; a
learner opening a mangled link deserves to be told). Labels and descriptions come from
playground.i18n in the page's language; option values stay the ids a link uses.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import streamlit as st

from playground.config import LIMITS, ConfigError, RunConfig, config_from_query, config_to_query
from playground.data import DATASETS
from playground.i18n import has, t
from playground.losses import LOSSES
from playground.models import MODEL_DESCRIPTIONS
from playground.tasks import PARADIGMS, TASKS, check_combination, default_task, tasks_for
from ui.lang import described

UPLOAD_MAX_BYTES = 2_000_000  # a text corpus upload; larger files are refused with a message
PAGE_PARAMS = ("run", "autostart", "lesson", "lang", "teacher")  # URL parameters that are not config fields
KEPT_PARAMS = ("lesson", "lang", "teacher")  # page parameters a shareable address keeps

# Which knobs matter for which choice: the rest stay hidden so the panel stays short.
LOSS_KNOBS = {"cross_entropy": ["label_smoothing"], "focal": ["focal_gamma"], "huber": ["huber_delta"]}
TASK_KNOBS = {
    "next_token": ["seq_len", "vocab_size", "levels"],
    "prompt_answer": ["loss_on_prompt", "seq_len", "vocab_size"],
    "reconstruction": ["outlier_frac"],
    "masked_reconstruction": ["mask_ratio"],
    "denoising": ["noise_std", "outlier_frac"],
    "masked_tokens": ["mask_ratio", "seq_len", "vocab_size"],
    "classification": ["label_noise"],
    "sequence_labelling": ["seq_len", "vocab_size"],
    "recon_classification": ["lam"],
}
FLOAT_STEP = {"lr": 1e-4, "label_smoothing": 0.05, "focal_gamma": 0.5, "huber_delta": 0.1, "z_loss": 1e-4,
              "lam": 0.05, "mask_ratio": 0.05, "noise_std": 0.05, "label_noise": 0.05, "outlier_frac": 0.01,
              "grad_clip": 0.5, "weight_decay": 0.01}


def key(field: str) -> str:
    return f"cfg_{field}"


def init_from_url() -> list[str]:
    """Once per session: fill the controls from the URL; return one message per bad value."""
    if st.session_state.get("_url_loaded"):
        return st.session_state.get("_url_warnings", [])
    query = {k: v for k, v in st.query_params.to_dict().items() if k not in PAGE_PARAMS}
    cfg, warnings = config_from_query(query)
    try:
        check_combination(cfg)
    except ConfigError as e:
        warnings.append(f"{e}; using the defaults for paradigm, task, dataset, loss and model")
        d = RunConfig()
        cfg = dataclasses.replace(cfg, paradigm=d.paradigm, task=d.task, dataset=d.dataset, loss=d.loss, model=d.model)
    set_config(cfg)
    st.session_state._url_loaded, st.session_state._url_warnings = True, warnings
    return warnings


def set_config(cfg: RunConfig) -> None:
    """Put a whole config into the widgets (a preset, a lesson, a loaded JSON file)."""
    for f in dataclasses.fields(cfg):
        st.session_state[key(f.name)] = getattr(cfg, f.name)


def sync_url(cfg: RunConfig, run_id: str | None) -> None:
    """Keep the address bar a shareable link: the fields that differ from the defaults."""
    params = config_to_query(cfg)
    if run_id:
        params["run"] = run_id
    for name in KEPT_PARAMS:
        if name in st.query_params:
            params[name] = st.query_params[name]
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


def _help(field: str, lang: str) -> str | None:
    return t(f"help.{field}", lang) if has(f"help.{field}") else None


def _select(field: str, label: str, options: list[str], fmt=str, help: str | None = None) -> str:
    if st.session_state.get(key(field)) not in options:
        st.session_state[key(field)] = options[0]  # an earlier choice that no longer fits
    return st.selectbox(label, options, key=key(field), format_func=fmt, help=help)


def _number(field: str, lang: str):
    lo, hi = LIMITS[field]
    default = getattr(RunConfig(), field)
    label, tip = t(f"field.{field}", lang), _help(field, lang)
    if isinstance(default, int):
        return st.number_input(label, int(lo), int(hi), step=1, key=key(field), help=tip)
    return st.number_input(label, float(lo), float(hi), step=FLOAT_STEP.get(field, 0.01), key=key(field),
                           help=tip, format="%g")


def _knob(field: str, lang: str):
    if field == "loss_on_prompt":
        return st.toggle(t(f"field.{field}", lang), key=key(field), help=_help(field, lang))
    return _number(field, lang)


def choose_names(lang: str) -> dict:
    """Paradigm, task, dataset, model, loss: each list offers only what fits the choices above."""
    paradigm = st.radio(t("train.paradigm", lang), list(PARADIGMS), key=key("paradigm"), horizontal=True,
                        format_func=lambda p: described(f"paradigm.{p}.name", p.capitalize(), lang))
    st.caption(described(f"paradigm.{paradigm}", PARADIGMS[paradigm], lang))
    tasks = tasks_for(paradigm)
    if st.session_state.get(key("task")) not in tasks:
        st.session_state[key("task")] = default_task(paradigm, st.session_state.get(key("dataset"), "digits"))
    chosen = st.session_state[key("task")]
    task = st.selectbox(t("train.task", lang), tasks, key=key("task"),
                        help=described(f"task.{chosen}", TASKS[chosen].description, lang))
    spec = TASKS[task]
    chosen = st.session_state.get(key("dataset"))
    shown = chosen if chosen in spec.datasets else spec.datasets[0]  # the help describes the choice
    dataset = _select("dataset", t("train.dataset", lang), list(spec.datasets),
                      help=described(f"dataset.{shown}", DATASETS[shown].description, lang))
    model = _select("model", t("train.model", lang), list(spec.models),
                    fmt=lambda m: f"{m}: {described(f'model.{m}', MODEL_DESCRIPTIONS[m], lang)}")
    loss = _select("loss", t("train.loss", lang), spec.losses,
                   fmt=lambda n: f"{n}: {described(f'loss.{n}.desc', LOSSES[n].description, lang)}")
    return {"paradigm": paradigm, "task": task, "dataset": dataset, "model": model, "loss": loss}


def choose_knobs(names: dict, lang: str, teacher: bool = False) -> None:
    """The knobs of the chosen loss and task; the training settings too, except in a classroom
    (`teacher`), where students change what the lesson is about and nothing else."""
    with st.expander(t("train.loss_settings", lang), expanded=True):
        fields = list(LOSS_KNOBS.get(names["loss"], []))
        if TASKS[names["task"]].loss_kind == "classification":
            fields.append("z_loss")
        for f in TASK_KNOBS[names["task"]]:
            if f == "levels" and DATASETS[names["dataset"]].kind != "image":
                continue
            if f in ("seq_len", "vocab_size") and DATASETS[names["dataset"]].kind == "image":
                continue
            if f == "vocab_size" and names["dataset"] == "text":
                continue
            fields.append(f)
        for f in fields:
            _knob(f, lang)
        if names["dataset"] == "text":
            _text_upload(lang)
    if teacher:
        return
    with st.expander(t("train.training", lang), expanded=False):
        for f in ("steps", "batch_size", "lr", "seed", "grad_clip", "eval_every", "threads"):
            _number(f, lang)
        _select("device", t("train.device", lang), ["auto", "cpu", "cuda", "mps"])


def _text_upload(lang: str) -> None:
    """A user's own corpus: saved to a private temp file whose path goes into the config."""
    up = st.file_uploader(t("train.upload", lang), type=["txt", "md", "py", "csv"], key="text_upload")
    if up is None:
        st.session_state.pop("_uploaded_name", None)
        return
    if up.size > UPLOAD_MAX_BYTES:
        st.error(t("train.upload_too_big", lang, size=f"{up.size:,}", limit=f"{UPLOAD_MAX_BYTES:,}"))
        st.session_state.pop("_uploaded_name", None)
        return
    if st.session_state.get("_uploaded_name") != up.file_id:
        path = Path(tempfile.mkdtemp(prefix="playground-upload-")) / "corpus.txt"
        path.write_bytes(up.getvalue())
        st.session_state._uploaded_path, st.session_state._uploaded_name = str(path), up.file_id


def config_from_state() -> RunConfig:
    """The config the widgets hold now (a button callback runs before the widgets are drawn
    again, so it must read the session state, not a config captured at the last render)."""
    default = RunConfig()
    values = {f.name: st.session_state.get(key(f.name), getattr(default, f.name))
              for f in dataclasses.fields(RunConfig)}
    values["data_dir"] = ""  # the server's default folder; never a path typed into a page
    text = values["dataset"] == "text" and st.session_state.get("_uploaded_name")
    values["text_path"] = st.session_state.get("_uploaded_path", "") if text else ""
    return RunConfig(**values)


def run_controls(lang: str, teacher: bool = False) -> RunConfig:
    """The whole control panel; returns the config the widgets describe."""
    names = choose_names(lang)
    choose_knobs(names, lang, teacher)
    return config_from_state()
