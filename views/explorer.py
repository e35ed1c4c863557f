"""Loss Explorer: one prediction's loss values and gradients, the shape of each loss against
the error, the saturation and outlier demos, and where a run's own errors fall on those
curves. The maths is playground.explorer (plain numbers in and out); this page only draws."""
from __future__ import annotations

import math
import statistics

import plotly.graph_objects as go
import streamlit as st

from playground import explorer as ex
from playground import figures
from playground.i18n import t
from ui.lang import language
from ui.state import get_manager, load_run

DEFAULT_LOGITS = (2.0, 0.5, -1.0, 0.0, 0.0)
LIVE_REFRESH_S = 2.0
CHART = {"displaylogo": False}


def loss_settings(lang: str) -> dict:
    with st.sidebar:
        st.subheader(t("explorer.settings", lang))
        return {
            "label_smoothing": st.slider(t("explorer.label_smoothing", lang), 0.0, 0.5, 0.1, 0.05, key="ex_eps"),
            "focal_gamma": st.slider(t("explorer.focal_gamma", lang), 0.0, 5.0, 2.0, 0.5, key="ex_gamma"),
            "huber_delta": st.slider(t("explorer.huber_delta", lang), 0.1, 3.0, 1.0, 0.1, key="ex_delta"),
        }


def loss_names(names, lang: str, params: dict) -> dict[str, str]:
    """Display names; the knob in use is part of the name, so a legend says what was drawn."""
    extra = {"cross_entropy": f" (ε = {params['label_smoothing']:g})", "focal": f" (γ = {params['focal_gamma']:g})",
             "huber": f" (δ = {params['huber_delta']:g})"}
    return {n: t(f"loss.{n}", lang) + extra.get(n, "") for n in names}


def point_table(point: dict, lang: str, params: dict, grad_cols: dict[str, callable]) -> None:
    names = loss_names(point, lang, params)
    table = {t("explorer.col.loss", lang): [names[n] for n in point],
             t("explorer.col.value", lang): [round(v["value"], 5) for v in point.values()]}
    for col, pick in grad_cols.items():
        table[col] = [round(pick(v["grad"]), 5) for v in point.values()]
    st.dataframe(table, hide_index=True)


def classification_tab(lang: str, params: dict) -> None:
    c1, c2 = st.columns(2)
    C = c1.slider(t("explorer.classes", lang), 2, 5, 3, key="ex_C")
    if st.session_state.get("ex_y", 0) >= C:
        st.session_state["ex_y"] = 0  # the class chosen before no longer exists
    y = c2.selectbox(t("explorer.target_class", lang), list(range(C)), key="ex_y")
    cols = st.columns(C)
    logits = [cols[c].slider(t("explorer.logit", lang, c=c), -8.0, 8.0, DEFAULT_LOGITS[c], 0.1, key=f"ex_z{c}")
              for c in range(C)]
    probs = ex.softmax(logits)
    st.caption(t("explorer.probs", lang, probs=", ".join(f"{p:.3f}" for p in probs)))
    point = ex.classification_point(logits, y, params)
    point_table(point, lang, params, {t("explorer.col.grad", lang, c=c): (lambda g, c=c: g[c]) for c in range(C)})
    st.caption(t("explorer.cls.note", lang))
    names = loss_names(point, lang, params)
    left, right = st.columns(2)
    left.plotly_chart(figures.metric_bars({names[n]: v["value"] for n, v in point.items()},
                                          title=t("explorer.values_title", lang)), key="ex_cls_values", config=CHART)
    right.plotly_chart(figures.metric_bars({names[n]: v["grad"][y] for n, v in point.items()},
                                           title=t("explorer.grad_true_title", lang)), key="ex_cls_grad", config=CHART)
    classification_shapes(lang, params, C, probs[y])


def classification_shapes(lang: str, params: dict, C: int, p_y: float) -> None:
    st.subheader(t("explorer.curves", lang))
    curves = ex.classification_curves(params, num_classes=C)
    names = loss_names(curves["loss"], lang, params)
    eps, gamma = params["label_smoothing"], params["focal_gamma"]
    opt = ex.smoothing_optimum(eps, C)
    left, right = st.columns(2)
    for col, part, title, y_title in ((left, "loss", "explorer.curves.cls_loss", "explorer.curves.y_loss"),
                                      (right, "grad", "explorer.curves.cls_grad", "explorer.curves.y_grad")):
        fig = figures.loss_shape_curves(curves["x"], {names[n]: ys for n, ys in curves[part].items()}, marker_x=p_y,
                                        title=t(title, lang), y_title=t(y_title, lang),
                                        x_title=t("explorer.curves.x_p", lang))
        if eps > 0:  # where the smoothed loss is lowest: its gradient crosses zero
            fig.add_vline(x=opt["p_true"], line=dict(color=figures.RUN_COLORS[1], width=1, dash="dash"))
        col.plotly_chart(fig, key=f"ex_cls_shape_{part}", config=CHART)
    gap = "∞" if math.isinf(opt["margin"]) else f"{opt['margin']:.2f}"
    st.caption(t("explorer.curves.cls_caption", lang, p=p_y, eps=eps, p_opt=opt["p_true"], gap=gap, gamma=gamma,
                 keep=ex.focal_weight(0.9, gamma)))


def regression_tab(lang: str, params: dict) -> None:
    c1, c2 = st.columns(2)
    pred = c1.slider(t("explorer.pred", lang), -3.0, 4.0, 1.5, 0.05, key="ex_pred")
    target = c2.slider(t("explorer.target", lang), -1.0, 2.0, 0.5, 0.05, key="ex_target")
    point = ex.regression_point(pred, target, params)
    point_table(point, lang, params, {t("explorer.col.grad_pred", lang): lambda g: g})
    st.caption(t("explorer.reg.note", lang))
    st.subheader(t("explorer.curves", lang))
    curves = ex.regression_curves(params)
    names = loss_names(curves["loss"], lang, params)
    left, right = st.columns(2)
    for col, part, title, y_title in ((left, "loss", "explorer.curves.reg_loss", "explorer.curves.y_loss"),
                                      (right, "grad", "explorer.curves.reg_grad", "explorer.curves.y_grad")):
        fig = figures.loss_shape_curves(curves["x"], {names[n]: ys for n, ys in curves[part].items()},
                                        marker_x=pred - target, title=t(title, lang), y_title=t(y_title, lang),
                                        x_title=t("explorer.curves.x_error", lang))
        col.plotly_chart(fig, key=f"ex_reg_shape_{part}", config=CHART)
    st.caption(t("explorer.curves.reg_caption", lang, e=pred - target, delta=params["huber_delta"]))


@st.cache_data(max_entries=4)
def _saturation() -> dict:
    return ex.saturation_demo()


def saturation_section(lang: str) -> None:
    st.subheader(t("explorer.saturation", lang))
    st.markdown(t("explorer.saturation.body", lang))
    demo = _saturation()
    curves = {t(f"loss.{n}", lang): trace for n, trace in demo["p_true"].items()}
    st.plotly_chart(figures.loss_shape_curves(demo["step"], curves, y_title=t("explorer.saturation.y", lang),
                                              x_title=t("explorer.saturation.x", lang)),
                    key="ex_saturation", config=CHART)
    st.info(f"**{t('explorer.claim_label', lang)}** {t('explorer.saturation.claim', lang)}")


@st.cache_data(max_entries=64)
def _outliers(n: int, delta: float) -> dict:
    return ex.outlier_demo(n, params={"huber_delta": delta})


def outlier_figure(demo: dict, lang: str, params: dict) -> go.Figure:
    xs, ys, out = demo["x"], demo["y"], demo["outlier"]
    fig = go.Figure([
        go.Scatter(x=[x for x, o in zip(xs, out) if not o], y=[y for y, o in zip(ys, out) if not o], mode="markers",
                   name=t("explorer.outliers.points", lang), marker=dict(color="#444444", size=7)),
        go.Scatter(x=[x for x, o in zip(xs, out) if o], y=[y for y, o in zip(ys, out) if o], mode="markers",
                   name=t("explorer.outliers.outlier_points", lang), marker=dict(color=figures.VAL_COLOR, size=9,
                                                                                  symbol="x")),
    ])
    names = loss_names(demo["fits"], lang, params)
    for i, (name, (a, b)) in enumerate(demo["fits"].items()):
        color = figures.RUN_COLORS[i % len(figures.RUN_COLORS)]
        fig.add_trace(go.Scatter(x=[0, 1], y=[b, a + b], mode="lines", line=dict(color=color, width=2.5),
                                 name=t("explorer.outliers.fit", lang, loss=names[name]), legendgroup=name))
        a0, b0 = demo["clean_fits"][name]
        fig.add_trace(go.Scatter(x=[0, 1], y=[b0, a0 + b0], mode="lines", showlegend=False, legendgroup=name,
                                 line=dict(color=color, width=1, dash="dash"), hoverinfo="skip"))
    fig.update_layout(template=figures.TEMPLATE, height=figures.HEIGHT, margin=figures.MARGIN,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    return fig.update_xaxes(title_text="x").update_yaxes(title_text="y")


def outlier_section(lang: str, params: dict) -> None:
    st.subheader(t("explorer.outliers", lang))
    st.markdown(t("explorer.outliers.body", lang))
    n = st.slider(t("explorer.outliers.count", lang), 0, 10, 3, key="ex_outliers")
    demo = _outliers(n, params["huber_delta"])
    left, right = st.columns([2, 1])
    left.plotly_chart(outlier_figure(demo, lang, params), key="ex_outlier_fig", config=CHART)
    names = loss_names(demo["fits"], lang, params)
    right.dataframe({
        t("explorer.col.loss", lang): [names[k] for k in demo["fits"]],
        t("explorer.outliers.col.slope", lang): [round(a, 3) for a, _ in demo["fits"].values()],
        t("explorer.outliers.col.intercept", lang): [round(b, 3) for _, b in demo["fits"].values()],
        t("explorer.outliers.col.shift", lang): [round(s, 3) for s in demo["shift"].values()],
    }, hide_index=True)
    st.info(f"**{t('explorer.claim_label', lang)}** {t('explorer.outliers.claim', lang)}")


def run_errors_section(lang: str, params: dict) -> None:
    st.subheader(t("explorer.errors", lang))
    st.markdown(t("explorer.errors.body", lang))
    manager = get_manager()
    stored = manager.store.list_runs(limit=50) if manager.store else []
    options = ex.run_options(manager.active(), stored)
    if not options:
        st.info(t("explorer.errors.none", lang))
        return
    labels = {o["id"]: o["label"] for o in options}
    run_id = st.selectbox(t("explorer.errors.pick", lang), list(labels), format_func=labels.get, key="ex_run")
    live = manager.is_active(run_id)

    @st.fragment(run_every=LIVE_REFRESH_S if live else None)
    def panel():
        snap = load_run(run_id)
        evals = (snap or {}).get("evals") or []
        if not evals:
            st.caption(t("explorer.errors.no_evals", lang))
        else:
            error_histogram(evals[-1], lang, params)
        if live and snap is not None and snap["status"] not in ("queued", "running"):
            st.rerun()  # the run ended: a full rerun turns the refresh off

    panel()


def error_histogram(ev: dict, lang: str, params: dict) -> None:
    errors, kind = ex.errors_from_eval(ev), ex.error_kind(ev)
    if not errors:
        st.caption(t("explorer.errors.empty", lang))
        return
    step = ev.get("step", "?")
    st.plotly_chart(figures.error_histogram(errors, title=t(f"explorer.errors.title_{kind}", lang, step=step),
                                            x_title=t(f"explorer.errors.x_{kind}", lang)),
                    key="ex_errors", config=CHART)
    if kind == "nll":
        median = statistics.median(errors)
        share = sum(e > math.log(10) for e in errors) / len(errors)  # NLL > ln 10 <=> p_y < 0.1
        st.caption(t("explorer.errors.caption_nll", lang, median=median, p=math.exp(-median), share=share))
    else:
        delta = params["huber_delta"]
        share = sum(abs(e) > delta for e in errors) / len(errors)
        st.caption(t("explorer.errors.caption_pixel", lang, share=share, delta=delta,
                     max=max(abs(e) for e in errors)))


def page() -> None:
    lang = language()
    st.title(t("explorer.title", lang))
    st.markdown(t("explorer.intro", lang))
    params = loss_settings(lang)
    cls_tab, reg_tab = st.tabs([t("explorer.tab.classification", lang), t("explorer.tab.regression", lang)])
    with cls_tab:
        classification_tab(lang, params)
        saturation_section(lang)
    with reg_tab:
        regression_tab(lang, params)
        outlier_section(lang, params)
    run_errors_section(lang, params)


page()
