"""Draw one run from its snapshot: status and progress, metrics, loss curves, the
per-timestep NLL heatmap, reconstructions and samples. Plain data and the page's language in,
Streamlit out; every word comes from playground.i18n."""
from __future__ import annotations

import math

import streamlit as st

from playground import figures
from playground.i18n import t
from playground.losses import LOSSES
from playground.tasks import TASKS
from ui.lang import chart_words, described

EXPLAINED = ("diverged", "failed", "interrupted")  # statuses with a sentence on what to do
# the reference lines a task draws (playground.tasks), by the name it gives them
REFERENCE_KEYS = {"uniform guess (ln V)": "chart.ref.uniform_v", "uniform guess (ln C)": "chart.ref.uniform_c",
                  "entropy floor": "chart.ref.entropy_floor", "predict the mean image (MSE)": "chart.ref.mean_image"}
NLL_COLOR_MAX = 4.0  # nats: the fixed top of the text colour scale, so colours mean the same at every step


def fmt(x, digits: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}g}"


def status_word(status: str, lang: str) -> str:
    return described(f"train.status.{status}", status, lang)  # an unknown status shows as it is


def loss_card(cfg: dict, lang: str) -> None:
    """What is being trained, and the loss's formula, above the run."""
    spec, task = LOSSES[cfg["loss"]], TASKS[cfg["task"]]
    paradigm = described(f"paradigm.{cfg['paradigm']}.name", cfg["paradigm"], lang)
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.markdown(f"**{paradigm}** · {task.name.replace('_', ' ')} · {cfg['dataset']} · {cfg['model']}  \n"
                  f"**{spec.name}**: {described(f'loss.{spec.name}.desc', spec.description, lang)}")
    right.latex(spec.formula)
    if spec.kind == "both" and task.loss_kind == "classification" and spec.note:
        st.caption(t("train.on_class_labels", lang, note=described(f"loss.{spec.name}.note", spec.note, lang)))


def status_block(snap: dict, lang: str) -> None:
    status, cfg = snap["status"], snap["config"]
    words = status_word(status, lang)
    if status == "queued":
        st.info(t("train.progress.queued", lang, words=words, place=snap.get("queue_position") or "?"))
    elif status == "running":
        done = snap["step"] / max(1, cfg["steps"])
        eta = snap.get("eta_s")
        text = t("train.progress.running", lang, words=words, step=snap["step"], steps=cfg["steps"],
                 speed=f"{snap['steps_per_s']:.1f}")
        text += t("train.progress.eta", lang, eta=f"{eta:.0f}") if eta is not None else ""
        st.progress(min(1.0, done), text=text)
    elif status == "completed":
        summary = snap.get("summary") or {}
        st.success(t("train.progress.completed", lang, words=words, steps=snap["step"],
                     seconds=f"{summary.get('seconds', 0):.1f}"))
    else:
        explain = t(f"train.explain.{status}", lang) if status in EXPLAINED else ""
        st.warning(t("train.progress.other", lang, words=words, explain=explain))
        if snap.get("reason"):
            st.caption(t("train.progress.reason", lang, reason=snap["reason"]))


def metric_row(snap: dict, lang: str) -> None:
    last = snap["evals"][-1] if snap["evals"] else {}
    info = snap.get("info") or {}
    items = [("train_loss", snap.get("loss")), ("val_loss", last.get("val_loss"))]
    if "val_nll" in last:
        items.append(("val_nll", last["val_nll"]))
    if "perplexity" in last:
        unit = "bits_dim" if info.get("image_shape") else "bits_token"
        items += [("perplexity", last["perplexity"]), (unit, last["bits"])]
    if info.get("entropy_floor") is not None:
        items.append(("entropy_floor", info["entropy_floor"]))
    for name in ("accuracy", "answer_accuracy", "val_mse"):
        if name in last:
            items.append((name, last[name]))
    items += [("grad_norm", snap.get("grad_norm")), ("lr", snap.get("lr"))]
    cols = st.columns(min(len(items), 5))
    for i, (name, value) in enumerate(items):
        cols[i % len(cols)].metric(t(f"metric.{name}", lang), fmt(value))


def chart_controls(key: str, lang: str) -> tuple[float, bool, str]:
    """Smoothing, log scale and x axis for the loss charts: (smoothing, log_y, x_axis)."""
    c1, c2, c3 = st.columns([2, 1, 1])
    smoothing = c1.slider(t("chart.smoothing", lang), 0.0, 0.99, 0.8, 0.01, key=f"{key}_smooth")
    log_y = c2.toggle(t("chart.log_y", lang), key=f"{key}_logy")
    x_axis = c3.radio(t("chart.x_axis", lang), ["step", "time"], horizontal=True, key=f"{key}_x",
                      format_func=lambda x: t(f"chart.x.{x}", lang))
    return smoothing, log_y, x_axis


def reference_lines(refs: dict[str, float], lang: str) -> dict[str, float]:
    """A task's reference lines under their names in `lang` (a name i18n does not know stays)."""
    return {t(REFERENCE_KEYS[name], lang) if name in REFERENCE_KEYS else name: value
            for name, value in refs.items()}


def curve(rows: list[dict], x_axis: str, y_title: str, lang: str, refs: dict | None = None):
    return (figures.loss_curves(rows, [], x=x_axis, y_title=y_title, reference_lines=refs, words=chart_words(lang))
            .update_layout(height=240).update_xaxes(title_text=t(f"chart.x_title.{x_axis}", lang)))


def loss_tab(snap: dict, key: str, lang: str) -> None:
    smoothing, log_y, x_axis = chart_controls(key, lang)
    refs = reference_lines((snap.get("info") or {}).get("reference_lines") or {}, lang)
    unit = t("chart.loss_nats" if snap["config"]["loss"] in ("nll", "cross_entropy") else "chart.loss", lang)
    fig = figures.loss_curves(snap["history"], snap["evals"], smoothing=smoothing, log_y=log_y,
                              reference_lines=refs, x=x_axis, y_title=unit, words=chart_words(lang))
    fig.update_xaxes(title_text=t(f"chart.x_title.{x_axis}", lang))
    st.plotly_chart(fig, key=f"{key}_loss", config={"displaylogo": False})
    hist = snap["history"]
    # off by default: two more charts a second cost the training thread CPU time on small boxes
    if hist and st.toggle(t("chart.show_grad_lr", lang), key=f"{key}_gradlr"):
        c1, c2 = st.columns(2)
        grad = [{"step": r["step"], "loss": r["grad_norm"], "time": r["time"]} for r in hist]
        lr = [{"step": r["step"], "loss": r["lr"], "time": r["time"]} for r in hist]
        clip = snap["config"]["grad_clip"]
        # the norm before clipping: it shows an explosion; the update applied is capped at the line
        clip_line = {t("chart.clip", lang): clip} if clip > 0 else None
        c1.plotly_chart(curve(grad, x_axis, t("chart.grad_norm", lang), lang, clip_line), key=f"{key}_grad")
        c2.plotly_chart(curve(lr, x_axis, t("chart.lr", lang), lang), key=f"{key}_lr")


def nll_tab(snap: dict, key: str, lang: str) -> None:
    evals = [e for e in snap["evals"] if "nll_per_timestep" in e]
    if not evals:
        st.caption(t("train.nll.wait", lang))
        return
    info = snap.get("info") or {}
    st.caption(t("train.nll.caption", lang))
    uniform = (info.get("reference_lines") or {}).get("uniform guess (ln V)")
    zmax = 1.5 * uniform if uniform else None  # fixed: a colour means the same nats at every eval
    st.plotly_chart(figures.nll_heatmap(evals, floor=info.get("entropy_floor_per_timestep"), zmax=zmax,
                                        words=chart_words(lang)), key=f"{key}_heat")
    last = evals[-1]
    if "image_nll" in last:
        st.caption(t("train.nll.pixels", lang))
        st.plotly_chart(figures.pixel_nll_image(last["image_nll"], zmax=zmax, words=chart_words(lang)),
                        key=f"{key}_pix")
    if last.get("text_sample") and last.get("text_sample_nll"):
        st.caption(t("train.nll.text", lang, vmax=f"{NLL_COLOR_MAX:g}"))
        st.html(figures.text_nll_html(last["text_sample"], last["text_sample_nll"], vmax=NLL_COLOR_MAX))


def recon_tab(snap: dict, key: str, lang: str) -> None:
    evals = [e for e in snap["evals"] if e.get("recon")]
    if not evals:
        st.caption(t("train.recon.wait", lang))
        return
    steps = [e["step"] for e in evals]
    chosen = (st.select_slider(t("chart.eval_step", lang), steps, value=steps[-1], key=f"{key}_rstep")
              if len(steps) > 1 else steps[0])
    recon = next(e for e in evals if e["step"] == chosen)["recon"]
    if recon["inputs"] and isinstance(recon["inputs"][0], str):
        rows = {"recon.input": recon["inputs"], "recon.masked": recon.get("corrupted"),
                "recon.output": recon["outputs"]}
        for name, texts in rows.items():
            if texts:
                st.markdown(f"**{t(name, lang)}**")
                st.code("\n".join(texts), language=None)
        return
    rows = {"inputs": recon["inputs"], "corrupted": recon.get("corrupted"), "outputs": recon["outputs"]}
    titles = {"inputs": t("recon.input", lang), "corrupted": t("recon.noisy", lang), "outputs": t("recon.output", lang)}
    st.plotly_chart(figures.image_grid(rows, titles=titles), key=f"{key}_grid")


def samples_tab(snap: dict, key: str, lang: str) -> None:
    evals = [e for e in snap["evals"] if e.get("samples")]
    if not evals:
        st.caption(t("train.samples.wait", lang))
        return
    samples = evals[-1]["samples"]
    st.caption(t("train.samples.caption", lang, step=evals[-1]["step"]))
    if isinstance(samples[0], str):
        st.code("\n".join(samples), language=None)
    else:
        st.plotly_chart(figures.image_samples(samples, title=t("train.samples.title", lang)), key=f"{key}_samples")


def run_view(snap: dict, lang: str, key: str = "live") -> None:
    """Everything about one run; `key` keeps widget and chart identities stable across reruns."""
    status_block(snap, lang)
    metric_row(snap, lang)
    autoregressive = snap["config"]["paradigm"] == "autoregressive"
    if autoregressive:
        names = ["train.tab.loss", "train.tab.nll", "train.tab.samples"]
    elif snap["config"]["task"] == "classification":
        names = ["train.tab.loss"]  # a label per image: the accuracy above says it all
    else:
        names = ["train.tab.loss", "train.tab.recon"]
    tabs = st.tabs([t(name, lang) for name in names])
    with tabs[0]:
        loss_tab(snap, key, lang)
    if len(tabs) > 1:
        with tabs[1]:
            (nll_tab if autoregressive else recon_tab)(snap, key, lang)
    if len(tabs) > 2:
        with tabs[2]:
            samples_tab(snap, key, lang)
