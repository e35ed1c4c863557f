"""Draw one run from its snapshot: status and progress, metrics, loss curves, the
per-timestep NLL heatmap, reconstructions and samples. Plain data in, Streamlit out."""
from __future__ import annotations

import math

import streamlit as st

from playground import figures
from playground.losses import LOSSES
from playground.tasks import TASKS

STATUS_WORDS = {
    "queued": "Waiting for a free trainer",
    "running": "Training",
    "completed": "Finished",
    "stopped": "Stopped",
    "diverged": "Diverged",
    "failed": "Failed",
    "interrupted": "Interrupted",
}
EXPLAIN = {
    "diverged": "The loss stopped being a finite number, so training was halted. Usually the steps "
                "were too large: lower the learning rate, or set gradient clipping above 0.",
    "failed": "Something went wrong before or during training; the message below says what.",
    "interrupted": "The server stopped while this run was training; what was saved up to then is shown.",
}
NLL_COLOR_MAX = 4.0  # nats: the fixed top of the text colour scale, so colours mean the same at every step


def fmt(x, digits: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}g}"


def loss_card(cfg: dict) -> None:
    """What is being trained, and the loss's formula, above the run."""
    spec, task = LOSSES[cfg["loss"]], TASKS[cfg["task"]]
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.markdown(f"**{cfg['paradigm']}** · {task.name.replace('_', ' ')} · {cfg['dataset']} · {cfg['model']}  \n"
                  f"**{spec.name}**: {spec.description}")
    right.latex(spec.formula)
    if spec.kind == "both" and task.loss_kind == "classification" and spec.note:
        st.caption(f"On class labels: {spec.note}")


def status_block(snap: dict) -> None:
    status, cfg = snap["status"], snap["config"]
    words = STATUS_WORDS.get(status, status)
    if status == "queued":
        st.info(f"{words}: place {snap.get('queue_position') or '?'} in the queue.")
    elif status == "running":
        done = snap["step"] / max(1, cfg["steps"])
        eta = snap.get("eta_s")
        text = f"{words}: step {snap['step']} / {cfg['steps']} · {snap['steps_per_s']:.1f} steps/s"
        text += f" · about {eta:.0f} s left" if eta is not None else ""
        st.progress(min(1.0, done), text=text)
    elif status == "completed":
        summary = snap.get("summary") or {}
        st.success(f"{words}: {snap['step']} steps in {summary.get('seconds', 0):.1f} s.")
    else:
        st.warning(f"{words}. {EXPLAIN.get(status, '')}")
        if snap.get("reason"):
            st.caption(f"Reason: {snap['reason']}")


def metric_row(snap: dict) -> None:
    last = snap["evals"][-1] if snap["evals"] else {}
    info = snap.get("info") or {}
    items = [("train loss", snap.get("loss")), ("val loss", last.get("val_loss"))]
    if "val_nll" in last:
        items.append(("val NLL (nats)", last["val_nll"]))
    if "perplexity" in last:
        unit = "bits/dim" if info.get("image_shape") else "bits/token"
        items += [("perplexity", last["perplexity"]), (unit, last["bits"])]
    if info.get("entropy_floor") is not None:
        items.append(("entropy floor (nats)", info["entropy_floor"]))
    for name in ("accuracy", "answer_accuracy", "val_mse"):
        if name in last:
            items.append((name.replace("_", " "), last[name]))
    items += [("grad norm", snap.get("grad_norm")), ("learning rate", snap.get("lr"))]
    cols = st.columns(min(len(items), 5))
    for i, (label, value) in enumerate(items):
        cols[i % len(cols)].metric(label, fmt(value))


def loss_tab(snap: dict, key: str) -> None:
    c1, c2, c3 = st.columns([2, 1, 1])
    smoothing = c1.slider("smoothing", 0.0, 0.99, 0.8, 0.01, key=f"{key}_smooth")
    log_y = c2.toggle("log y", key=f"{key}_logy")
    x_axis = c3.radio("x axis", ["step", "time"], horizontal=True, key=f"{key}_x")
    refs = (snap.get("info") or {}).get("reference_lines") or {}
    unit = "loss (nats)" if snap["config"]["loss"] in ("nll", "cross_entropy") else "loss"
    fig = figures.loss_curves(snap["history"], snap["evals"], smoothing=smoothing, log_y=log_y,
                              reference_lines=refs, x=x_axis, y_title=unit)
    st.plotly_chart(fig, key=f"{key}_loss", config={"displaylogo": False})
    hist = snap["history"]
    if hist:
        c1, c2 = st.columns(2)
        grad = [{"step": r["step"], "loss": r["grad_norm"], "time": r["time"]} for r in hist]
        lr = [{"step": r["step"], "loss": r["lr"], "time": r["time"]} for r in hist]
        clip = snap["config"]["grad_clip"]
        # the norm before clipping: it shows an explosion; the update applied is capped at the line
        refs = {"clip threshold": clip} if clip > 0 else None
        c1.plotly_chart(figures.loss_curves(grad, [], x=x_axis, y_title="gradient norm (before clipping)",
                                            reference_lines=refs).update_layout(height=240), key=f"{key}_grad")
        c2.plotly_chart(figures.loss_curves(lr, [], x=x_axis, y_title="learning rate").update_layout(height=240),
                        key=f"{key}_lr")


def nll_tab(snap: dict, key: str) -> None:
    evals = [e for e in snap["evals"] if "nll_per_timestep" in e]
    if not evals:
        st.caption("The per-timestep NLL appears at the first eval.")
        return
    info = snap.get("info") or {}
    st.caption("Each row is one eval; each column a position. Darker = more nats to predict that token. "
               "Positions learnt first turn light first.")
    uniform = (info.get("reference_lines") or {}).get("uniform guess (ln V)")
    zmax = 1.5 * uniform if uniform else None  # fixed: a colour means the same nats at every eval
    st.plotly_chart(figures.nll_heatmap(evals, floor=info.get("entropy_floor_per_timestep"), zmax=zmax),
                    key=f"{key}_heat")
    last = evals[-1]
    if "image_nll" in last:
        st.caption("Per-pixel NLL at the last eval: where in the image the model is still unsure.")
        st.plotly_chart(figures.pixel_nll_image(last["image_nll"], zmax=zmax), key=f"{key}_pix")
    if last.get("text_sample") and last.get("text_sample_nll"):
        st.caption(f"A held-out snippet coloured by each character's NLL (fixed scale, 0 to {NLL_COLOR_MAX:g} nats).")
        st.html(figures.text_nll_html(last["text_sample"], last["text_sample_nll"], vmax=NLL_COLOR_MAX))


def recon_tab(snap: dict, key: str) -> None:
    evals = [e for e in snap["evals"] if e.get("recon")]
    if not evals:
        st.caption("Reconstructions appear at the first eval.")
        return
    steps = [e["step"] for e in evals]
    chosen = st.select_slider("eval step", steps, value=steps[-1], key=f"{key}_rstep") if len(steps) > 1 else steps[0]
    recon = next(e for e in evals if e["step"] == chosen)["recon"]
    if recon["inputs"] and isinstance(recon["inputs"][0], str):
        rows = {"input": recon["inputs"], "masked": recon.get("corrupted"), "output": recon["outputs"]}
        for name, texts in rows.items():
            if texts:
                st.markdown(f"**{name}**")
                st.code("\n".join(texts), language=None)
        return
    rows = {"input": recon["inputs"], "masked / noisy input": recon.get("corrupted"), "output": recon["outputs"]}
    st.plotly_chart(figures.image_grid(rows), key=f"{key}_grid")


def samples_tab(snap: dict, key: str) -> None:
    evals = [e for e in snap["evals"] if e.get("samples")]
    if not evals:
        st.caption("Samples appear at the first eval (for 28x28 images, at the end of the run).")
        return
    samples = evals[-1]["samples"]
    st.caption(f"Sampled from the model at step {evals[-1]['step']}.")
    if isinstance(samples[0], str):
        st.code("\n".join(samples), language=None)
    else:
        st.plotly_chart(figures.image_samples(samples, title="drawn pixel by pixel"), key=f"{key}_samples")


def run_view(snap: dict, key: str = "live") -> None:
    """Everything about one run; `key` keeps widget and chart identities stable across reruns."""
    status_block(snap)
    metric_row(snap)
    autoregressive = snap["config"]["paradigm"] == "autoregressive"
    if autoregressive:
        names = ["Loss curves", "Per-timestep NLL", "Samples"]
    elif snap["config"]["task"] == "classification":
        names = ["Loss curves"]  # a label per image: the accuracy above says it all
    else:
        names = ["Loss curves", "Reconstructions"]
    tabs = st.tabs(names)
    with tabs[0]:
        loss_tab(snap, key)
    if len(tabs) > 1:
        with tabs[1]:
            (nll_tab if autoregressive else recon_tab)(snap, key)
    if len(tabs) > 2:
        with tabs[2]:
            samples_tab(snap, key)
