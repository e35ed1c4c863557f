"""Compare: pick runs from the history, overlay their curves, tabulate their settings and final
metrics, put their heatmaps and reconstructions side by side at one step, take a run home
(CSV, JSON, weights, a script), and rename, tag or delete this session's own runs.

Reads runs through ui.state (live ones from the run manager, the rest from the store); draws
with playground.figures; every word comes from playground.i18n in the page's language. Trains
nothing, and changes only runs this browser session started.
"""
from __future__ import annotations

import html
import math

import pandas as pd
import streamlit as st

from playground import figures
from playground.config import ConfigError, RunConfig, config_from_dict, config_to_json
from playground.export import metrics_csv, reproduce_script, script_name, weights_path
from playground.i18n import t
from ui.lang import chart_words, described, language
from ui.panels import fmt, status_word
from ui.state import (delete_run, enforce_retention, get_manager, load_run, max_runs, owner_id,
                      rename_run)

LIVE_REFRESH_S = 2.0
MAX_CHOSEN = 6  # columns side by side stay readable up to about this many
FACETS = {"paradigm": "train.paradigm", "dataset": "train.dataset", "loss": "train.loss", "status": "compare.status"}
# fields that most often tell two runs apart, in the order a legend should name them
LABEL_FIELDS = ("loss", "task", "dataset", "model", "paradigm", "label_smoothing", "focal_gamma",
                "huber_delta", "lr", "steps", "seed")
# final metrics: (key, better: "min" | "max" | None when runs are not measured alike); the row
# label is i18n's `metric.<key>`
METRICS = [("status", None), ("train_loss", None), ("val_loss", None), ("val_nll", "min"), ("perplexity", "min"),
           ("bits", "min"), ("accuracy", "max"), ("answer_accuracy", "max"), ("val_mse", "min"),
           ("entropy_floor", None), ("params", None), ("steps", None), ("seconds", None)]
# curves a run can be drawn by -> the metric that names them
CURVE_KEYS = {"loss": "train_loss", "val_loss": "val_loss", "val_nll": "val_nll", "perplexity": "perplexity",
              "bits": "bits", "accuracy": "accuracy", "val_mse": "val_mse"}
DIFF_STYLE = "background-color: #fff3bf"
BEST_STYLE = "font-weight: bold; color: #2b8a3e"


def chart_config(name: str) -> dict:
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": name}}


# ---------------------------------------------------------------- choosing runs

def curve_label(key: str, lang: str) -> str:
    return t(f"metric.{CURVE_KEYS.get(key, key)}", lang)


def state(status: str, lang: str) -> str:
    return described(f"run_state.{status}", status, lang)


def describe(run: dict, lang: str) -> str:
    """The picker's line for a run: name or id · task · dataset · loss · status (· #tags)."""
    cfg = run["config"]
    parts = [run["name"] or run["id"], cfg.get("task", "?"), cfg.get("dataset", "?"),
             cfg.get("loss", "?"), state(run["status"], lang)]
    return " · ".join(parts + ["#" + t for t in run["tags"]])


def facet(run: dict, name: str) -> str:
    return run["status"] if name == "status" else str(run["config"].get(name, "?"))


def facet_value(name: str, value: str, lang: str) -> str:
    """A filter option as shown: statuses and paradigms in words, other values as the ids they are."""
    if name == "status":
        return state(value, lang)
    return described(f"paradigm.{value}.name", value, lang) if name == "paradigm" else value


def filters(runs: list[dict], lang: str) -> list[dict]:
    """Multiselects over the values present; an empty one means any."""
    cols = st.columns(len(FACETS) + 1)
    for col, (name, label) in zip(cols, FACETS.items()):
        wanted = col.multiselect(t(label, lang), sorted({facet(r, name) for r in runs}), key=f"flt_{name}",
                                 format_func=lambda v, name=name: facet_value(name, v, lang),
                                 placeholder=t("compare.any", lang))
        runs = [r for r in runs if not wanted or facet(r, name) in wanted]
    if cols[-1].toggle(t("compare.mine", lang), key="flt_mine", help=t("compare.mine_help", lang)):
        runs = [r for r in runs if r["owner"] == owner_id()]
    return runs


def pick(runs: list[dict], lang: str) -> list[str]:
    """The chosen run ids. A first visit starts with the two newest runs that have curves,
    this session's own first (on a shared server the newest may be anyone's)."""
    ids = [r["id"] for r in runs]
    if "cmp_runs" not in st.session_state:
        drawn = [r for r in runs if r["status"] not in ("queued", "failed")]
        drawn.sort(key=lambda r: r["owner"] != owner_id())  # stable: newest first within each
        st.session_state.cmp_runs = [r["id"] for r in drawn[:2]]
    # a run filtered out (or deleted) leaves the choice; set before the widget is drawn
    st.session_state.cmp_runs = [i for i in st.session_state.cmp_runs if i in ids][:MAX_CHOSEN]
    labels = {r["id"]: describe(r, lang) for r in runs}
    return st.multiselect(t("compare.runs", lang), ids, format_func=labels.get, key="cmp_runs",
                          max_selections=MAX_CHOSEN, placeholder=t("compare.choose_runs", lang))


def short_labels(runs: list[dict]) -> dict[str, str]:
    """Legend and column names: a run's name, else the settings that tell it apart
    ("loss=nll, lr=0.003"), with the id added where two would read alike."""
    fields = [f for f in LABEL_FIELDS if len({str(r["config"].get(f)) for r in runs}) > 1][:2]
    labels = {r["id"]: r["name"] or ", ".join(f"{f}={r['config'].get(f)}" for f in fields) or r["id"]
              for r in runs}
    seen = list(labels.values())
    return {i: (v if seen.count(v) == 1 or v == i else f"{v} · {i}") for i, v in labels.items()}


# ---------------------------------------------------------------- curves

def curves_section(snaps: list[dict], labels: dict[str, str], lang: str) -> None:
    st.subheader(t("compare.curves", lang))
    keys = [k for k in CURVE_KEYS if k in ("loss", "val_loss")
            or all(any(k in e for e in s["evals"]) for s in snaps)]
    if st.session_state.get("cmp_key") not in keys:
        st.session_state.cmp_key = "loss"  # a curve the new choice of runs does not have
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    key = c1.radio(t("compare.curve", lang), keys, format_func=lambda k: curve_label(k, lang), horizontal=True,
                   key="cmp_key")
    smoothing = c2.slider(t("chart.smoothing", lang), 0.0, 0.99, 0.6, 0.01, key="cmp_smooth",
                          disabled=key != "loss")
    log_y = c3.toggle(t("chart.log_y", lang), key="cmp_logy")
    x_axis = c4.radio(t("chart.x_axis", lang), ["step", "time"], horizontal=True, key="cmp_x",
                      format_func=lambda x: t(f"chart.x.{x}", lang))
    if key in ("loss", "val_loss") and len({loss_signature(s) for s in snaps}) > 1:
        st.caption(t("compare.units_differ", lang))
    runs = [{"label": html.escape(labels[s["id"]]), "history": s["history"], "evals": s["evals"]}
            for s in snaps]
    fig = figures.multi_run_curves(runs, key=key, smoothing=smoothing, log_y=log_y, x=x_axis,
                                   y_title=curve_label(key, lang), words=chart_words(lang))
    fig.update_xaxes(title_text=t(f"chart.x_title.{x_axis}", lang))
    st.plotly_chart(fig, key="cmp_curves", config=chart_config(f"compare_{key}"))


def loss_signature(snap: dict) -> tuple:
    cfg = snap["config"]
    knob = {"cross_entropy": "label_smoothing", "focal": "focal_gamma", "huber": "huber_delta"}
    return cfg.get("loss"), cfg.get(knob.get(cfg.get("loss"), "loss")), cfg.get("z_loss")


# ---------------------------------------------------------------- table

def final_metrics(snap: dict, lang: str) -> dict:
    """The numbers a finished run ends with; a live run's latest ones."""
    summary, info = snap.get("summary") or {}, snap.get("info") or {}
    last = snap["evals"][-1] if snap["evals"] else {}
    out = {"status": status_word(snap["status"], lang), "steps": snap["step"],
           "train_loss": summary.get("train_loss", snap.get("loss")), "params": info.get("params"),
           "entropy_floor": info.get("entropy_floor"), "seconds": summary.get("seconds")}
    for key in ("val_loss", "val_nll", "perplexity", "bits", "accuracy", "answer_accuracy", "val_mse"):
        out[key] = summary.get(key, last.get(key))
    return out


def cell(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value if isinstance(value, str) else fmt(value)


def metrics_frame(snaps: list[dict], labels: dict[str, str], lang: str):
    """Rows = metrics, columns = runs; the best value of each comparable row in bold green."""
    values = {labels[s["id"]]: final_metrics(s, lang) for s in snaps}
    rows = [(key, t(f"metric.{key}", lang), better) for key, better in METRICS
            if any(v.get(key) is not None for v in values.values())]
    frame = pd.DataFrame({col: [cell(v[key]) for key, _, _ in rows] for col, v in values.items()},
                         index=[label for _, label, _ in rows])
    same_loss = len({loss_signature(s) for s in snaps}) == 1
    goal = {label: (key, better or ("min" if same_loss and key in ("train_loss", "val_loss") else None))
            for key, label, better in rows}

    def best(row: pd.Series) -> list[str]:
        key, better = goal[row.name]
        nums = [values[col][key] for col in row.index]
        finite = [n for n in nums if isinstance(n, (int, float)) and math.isfinite(n)]
        if better is None or len(finite) < 2:
            return [""] * len(nums)
        target = min(finite) if better == "min" else max(finite)
        return [BEST_STYLE if n == target else "" for n in nums]

    return frame.style.apply(best, axis=1)


def settings_frame(snaps: list[dict], labels: dict[str, str], only_diff: bool):
    fields = list(RunConfig.__dataclass_fields__)
    differ = {f for f in fields if len({repr(s["config"].get(f)) for s in snaps}) > 1}
    shown = [f for f in fields if f in differ or not only_diff]
    frame = pd.DataFrame({labels[s["id"]]: {f: str(s["config"].get(f, "")) for f in shown} for s in snaps},
                         index=shown)
    return frame.style.apply(lambda row: [DIFF_STYLE if row.name in differ else ""] * len(row), axis=1)


def table_section(snaps: list[dict], labels: dict[str, str], lang: str) -> None:
    st.subheader(t("compare.table", lang))
    left, right = st.columns(2)
    with left:
        st.caption(t("compare.best_caption", lang))
        st.dataframe(metrics_frame(snaps, labels, lang), key="cmp_metrics")
    with right:
        only_diff = st.toggle(t("compare.only_diff", lang), value=True, key="cmp_only_diff")
        if only_diff and len(snaps) == 1:
            st.caption(t("compare.second_run", lang))
        st.dataframe(settings_frame(snaps, labels, only_diff), key="cmp_settings")


# ---------------------------------------------------------------- side by side

def nearest(evals: list[dict], step: int) -> dict:
    return min(evals, key=lambda e: (abs(e["step"] - step), e["step"]))


def nll_values(ev: dict) -> list[float]:
    grid = ev.get("image_nll") or []
    vals = list(ev.get("nll_per_timestep") or []) + [v for row in grid for v in row]
    return [v for v in vals if isinstance(v, (int, float)) and math.isfinite(v)]


def side_by_side_section(snaps: list[dict], labels: dict[str, str], lang: str) -> None:
    st.subheader(t("compare.side_by_side", lang))
    with_evals = [s for s in snaps if s["evals"]]
    if not with_evals:
        st.caption(t("compare.no_evals", lang))
        return
    per_run = [{e["step"] for e in s["evals"]} for s in with_evals]
    shared = sorted(set.intersection(*per_run)) or sorted(set.union(*per_run))
    if st.session_state.get("cmp_step") not in shared:
        st.session_state.pop("cmp_step", None)  # the chosen runs changed: start at the last step
    step = shared[-1] if len(shared) == 1 else st.select_slider(
        t("chart.eval_step", lang), shared, value=shared[-1], key="cmp_step", help=t("compare.step_help", lang))
    chosen = {s["id"]: nearest(s["evals"], step) for s in with_evals}
    nll = [v for ev in chosen.values() for v in nll_values(ev)]
    zmax = max(nll, default=0.0) or 1.0  # a scale needs zmin < zmax
    if nll:
        st.caption(t("compare.scale_caption", lang, zmax=zmax))
    colours = {s["id"]: figures.RUN_COLORS[i % len(figures.RUN_COLORS)] for i, s in enumerate(snaps)}
    for col, s in zip(st.columns(len(with_evals)), with_evals):
        with col:
            eval_column(s, chosen[s["id"]], step, labels[s["id"]], colours[s["id"]], zmax, lang)


def eval_column(snap: dict, ev: dict, step: int, label: str, colour: str, zmax: float, lang: str) -> None:
    st.html(f'<div style="font-weight:600"><span style="color:{colour}">&#9632;</span> '
            f"{html.escape(label)}</div>")
    scalars = [f"{curve_label(k, lang)} {fmt(ev[k])}" for k in ("val_loss", "val_nll", "accuracy", "val_mse")
               if k in ev]
    note = "" if ev["step"] == step else t("compare.nearest", lang, step=step)
    st.caption(t("compare.at_step", lang, step=ev["step"]) + note + " · " + " · ".join(scalars))
    key = f"cmp_{snap['id']}"
    if ev.get("nll_per_timestep"):
        heat = figures.nll_heatmap([ev], zmax=zmax, words=chart_words(lang)).update_layout(height=170, title=t("compare.nll_position", lang))
        heat.update_yaxes(showticklabels=False, title_text="")  # one eval: a strip, not a y axis
        heat.update_traces(showscale=not ev.get("image_nll"))  # the pixel map below has the scale
        st.plotly_chart(heat, key=f"{key}_heat", config=chart_config(f"nll_{snap['id']}"))
    if ev.get("image_nll"):
        st.plotly_chart(figures.pixel_nll_image(ev["image_nll"], zmax=zmax, words=chart_words(lang)), key=f"{key}_pix",
                        config=chart_config(f"pixel_nll_{snap['id']}"))
    if ev.get("text_sample") and ev.get("text_sample_nll"):
        st.html(figures.text_nll_html(ev["text_sample"], ev["text_sample_nll"], vmax=zmax))
    recon = ev.get("recon")
    if recon and recon.get("inputs") and isinstance(recon["inputs"][0], str):
        rows = {"inputs": "recon.input", "corrupted": "recon.masked", "outputs": "recon.output"}
        st.code("\n".join(f"{t(row, lang)}: {text}" for name, row in rows.items()
                          for text in (recon.get(name) or [])[:4]), language=None)
    elif recon:
        titles = {"inputs": t("recon.input", lang), "corrupted": t("recon.noisy", lang),
                  "outputs": t("recon.output", lang)}
        st.plotly_chart(figures.image_grid(recon, titles=titles, title=t("compare.recon_title", lang)),
                        key=f"{key}_grid",
                        config=chart_config(f"recon_{snap['id']}"))


# ---------------------------------------------------------------- export and manage

def export_section(chosen: list[str], labels: dict[str, str], lang: str) -> None:
    st.subheader(t("compare.export", lang))
    st.caption(t("compare.export_caption", lang))
    run_id = st.selectbox(t("compare.run", lang), chosen, format_func=labels.get, key="exp_run")
    snap = load_run(run_id) if run_id else None
    if snap is None:
        return
    store = get_manager().store
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(t("compare.csv", lang), lambda: metrics_csv(snap["history"], snap["evals"]),
                       f"run_{run_id}_metrics.csv", "text/csv", on_click="ignore", key="exp_csv")
    try:
        cfg = config_from_dict(snap["config"])
    except ConfigError as e:  # a run stored by an older version with a field since renamed
        c2.caption(t("compare.no_config", lang, error=e))
    else:
        c2.download_button(t("compare.json", lang), config_to_json(cfg), f"run_{run_id}_config.json",
                           "application/json", on_click="ignore", key="exp_json")
        c4.download_button(t("compare.script", lang), reproduce_script(snap["config"], run_id),
                           script_name(run_id), "text/x-python", on_click="ignore", key="exp_py",
                           help=t("compare.script_help", lang, script=script_name(run_id)))
    path = weights_path(store, run_id)
    if path.exists():
        c3.download_button(t("compare.weights", lang), path.read_bytes, f"run_{run_id}.pt",
                           "application/octet-stream", on_click="ignore", key="exp_pt",
                           help=t("compare.weights_help", lang))
    else:
        why = (t("compare.weights_later", lang) if snap["status"] in ("queued", "running")
               else (snap.get("summary") or {}).get("weights_error") or t("compare.weights_none", lang))
        c3.caption(t("compare.no_weights", lang, why=why))


def manage_section(runs: list[dict], lang: str) -> None:
    st.subheader(t("compare.manage", lang))
    mine = [r for r in runs if r["owner"] == owner_id()]
    if not mine:
        st.caption(t("compare.manage_empty", lang))
        return
    by_id = {r["id"]: r for r in mine}
    run_id = st.selectbox(t("compare.your_run", lang), list(by_id), format_func=lambda i: describe(by_id[i], lang),
                          key="mg_run")
    run = by_id[run_id]
    c1, c2 = st.columns(2)
    c1.text_input(t("compare.name", lang), run["name"], max_chars=80, key=f"mg_name_{run_id}")
    c2.text_input(t("compare.tags", lang), ", ".join(run["tags"]), max_chars=200, key=f"mg_tags_{run_id}")
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.button(t("compare.save", lang), on_click=save_meta, args=(run_id, lang), key="mg_save")
    busy = get_manager().is_active(run_id)
    sure = c3.checkbox(t("compare.sure", lang), key=f"mg_sure_{run_id}", disabled=busy)
    c2.button(t("compare.delete", lang), on_click=remove, args=(run_id, lang), disabled=busy or not sure,
              key="mg_delete", help=t("compare.delete_help", lang) if busy else None)


def save_meta(run_id: str, lang: str) -> None:
    tags = st.session_state.get(f"mg_tags_{run_id}", "").split(",")
    if rename_run(run_id, st.session_state.get(f"mg_name_{run_id}", ""), tags):
        st.toast(t("compare.saved", lang))


def remove(run_id: str, lang: str) -> None:
    if delete_run(run_id):
        st.session_state.pop("mg_run", None)
        st.toast(t("compare.deleted", lang))


# ---------------------------------------------------------------- the page

def comparison(chosen: list[str], labels: dict[str, str], lang: str) -> None:
    """Curves, tables and the side-by-side view; refreshed while a chosen run still trains."""
    manager = get_manager()
    active = any(manager.is_active(i) for i in chosen)

    @st.fragment(run_every=LIVE_REFRESH_S if active else None)
    def view():
        snaps = [s for s in (load_run(i) for i in chosen) if s is not None]
        curves_section(snaps, labels, lang)
        table_section(snaps, labels, lang)
        side_by_side_section(snaps, labels, lang)
        if active and not any(manager.is_active(i) for i in chosen):
            st.rerun()  # they all ended: a full rerun turns the refresh off

    view()


def page() -> None:
    lang = language()
    st.title(t("compare.title", lang))
    st.caption(t("compare.caption", lang))
    store = get_manager().store
    if not st.session_state.get("_retention_done"):
        st.session_state._retention_done = True
        enforce_retention(store)  # once per visit: keeps the history bounded on a long-lived server
    runs = store.list_runs(limit=max_runs())
    if not runs:
        st.info(t("compare.empty", lang))
        return
    shown = filters(runs, lang)
    chosen = pick(shown, lang)
    if not shown:
        st.info(t("compare.no_match", lang))
    elif not chosen:
        st.info(t("compare.choose", lang))
    else:
        by_id = {r["id"]: r for r in runs}
        labels = short_labels([by_id[i] for i in chosen])
        comparison(chosen, labels, lang)
        export_section(chosen, labels, lang)
    manage_section(runs, lang)


page()
