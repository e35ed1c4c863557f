"""Figure builders: plain Python data (lists, dicts, floats) in, a plotly Figure (or HTML) out.

Every function here is pure: no Streamlit, no torch, no I/O. Pages read the eval artifacts
described in docs/ARCHITECTURE.md ("Eval artifacts") and hand them to these functions.
What they do not do: read the store, format numbers for tables, or decide what to show.

Conventions shared by all figures: the `plotly_white` template, one colour per series
(train blue, validation red, reference lines grey/green/purple), units in axis titles,
small margins, height about 300-360 px. NLL colours use one fixed scale (light -> dark red)
clamped to [0, zmax], so a colour means the same number of nats in every figure and step.
"""
from __future__ import annotations

import html
import math

import plotly.graph_objects as go
from plotly.colors import qualitative, sample_colorscale
from plotly.subplots import make_subplots

TEMPLATE = "plotly_white"
HEIGHT = 320
MARGIN = dict(l=50, r=20, t=40, b=40)
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#d62728"
REFERENCE_COLORS = ["#7f7f7f", "#2ca02c", "#9467bd", "#8c564b"]
RUN_COLORS = qualitative.D3  # one colour per run / curve, in order
NLL_COLORSCALE = "Reds"  # light at 0 nats, dark red at zmax: the same scale for heatmaps and text
GREY_SCALE = [[0.0, "black"], [1.0, "white"]]  # pixel 0 = black, 1 = white, as the data is drawn
RAW_OPACITY = 0.35  # the raw train line stays visible under the smoothed one
LN2 = math.log(2.0)
ROW_LABELS = {"inputs": "input", "corrupted": "masked / noisy", "outputs": "output"}
_X_TITLES = {"step": "step", "time": "time (s)"}


# ---------------------------------------------------------------- helpers (plain lists)

def ema(values: list[float], smoothing: float) -> list[float]:
    """Exponential moving average s_t = a*s_{t-1} + (1-a)*y_t with s_0 = y_0 (a = smoothing)."""
    if not 0.0 <= smoothing <= 0.99:
        raise ValueError(f"smoothing: must lie in [0, 0.99], got {smoothing}")
    out: list[float] = []
    for y in values:
        out.append(y if not out else smoothing * out[-1] + (1.0 - smoothing) * y)
    return out


def downsample_indices(n: int, max_points: int) -> list[int]:
    """At most max_points indices spread evenly over range(n), always keeping the first and last."""
    if max_points < 2:
        raise ValueError(f"max_points: must be at least 2, got {max_points}")
    if n <= max_points:
        return list(range(n))
    # the stride (n-1)/(max_points-1) > 1, so rounding never repeats an index
    return [round(i * (n - 1) / (max_points - 1)) for i in range(max_points)]


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _xy(rows: list[dict], x: str, y: str) -> tuple[list[float], list[float]]:
    """(xs, ys) from rows holding both keys with finite values; NaN / inf / missing are dropped."""
    pairs = [(r[x], r[y]) for r in rows if _finite(r.get(x)) and _finite(r.get(y))]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _thin(xs: list, ys: list, max_points: int) -> tuple[list, list]:
    idx = downsample_indices(len(xs), max_points)
    return [xs[i] for i in idx], [ys[i] for i in idx]


def _check_x(x: str) -> None:
    if x not in _X_TITLES:
        raise ValueError(f"x: must be one of {sorted(_X_TITLES)}, got {x!r}")


def _style(fig: go.Figure, *, title: str = "", x_title: str = "", y_title: str = "",
           height: int = HEIGHT, uirevision: str | None = None) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE, height=height, margin=MARGIN,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=14)) if title else None,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        transition=dict(duration=0),  # live updates redraw at once instead of animating
    )
    if uirevision is not None:
        fig.update_layout(uirevision=uirevision)  # zoom and legend clicks survive live updates
    if x_title:
        fig.update_xaxes(title_text=x_title)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    return fig


def _is_text_rows(images: list) -> bool:
    return any(isinstance(img, str) for img in images)


def _as_2d(img: list) -> list[list[float]]:
    """An H x W image; a single-channel 1 x H x W image is squeezed."""
    if img and isinstance(img[0], list) and img[0] and isinstance(img[0][0], list):
        if len(img) != 1:
            raise ValueError(f"images must be H x W (grey); got {len(img)} channels")
        return img[0]
    return img


# The words drawn inside charts; a page in another language passes its own `words`.
WORDS = {
    "train": "train", "raw": "raw", "smoothed": "smoothed", "validation": "validation", "val": "val",
    "position": "position", "eval_step": "eval step", "grey_not_in_loss": "grey: not in the loss",
    "in_loss": "in the loss", "not_in_loss": "not in the loss", "entropy_floor": "entropy floor",
    "nll_at_step": "NLL at step {step}", "nll_per_pixel": "NLL per pixel",
}


def _words(words: dict | None) -> dict:
    return {**WORDS, **(words or {})}


# ---------------------------------------------------------------- training curves

def _train_traces(history: list[dict], x: str, smoothing: float, max_points: int, *,
                  color: str, name: str, group: str | None = None, words: dict = WORDS) -> list[go.Scatter]:
    xs, ys = _xy(history, x, "loss")
    # over every point, before thinning; ema() rejects values outside [0, 0.99]
    smooth = ema(ys, smoothing) if smoothing != 0 else None
    tx, ty = _thin(xs, ys, max_points)
    traces = [go.Scatter(
        x=tx, y=ty, mode="lines", name=f"{name} ({words['raw']})" if smooth else name,
        line=dict(color=color, width=1), opacity=RAW_OPACITY if smooth else 1.0,
        legendgroup=group, hovertemplate="%{y:.4f}",
    )]
    if smooth:
        sx, sy = _thin(xs, smooth, max_points)
        traces.append(go.Scatter(
            x=sx, y=sy, mode="lines", name=f"{name} ({words['smoothed']} {smoothing:g})",
            line=dict(color=color, width=2.5), legendgroup=group, hovertemplate="%{y:.4f}",
        ))
    return traces


def _eval_trace(evals: list[dict], x: str, key: str, max_points: int, *,
                color: str, name: str, group: str | None = None) -> go.Scatter:
    vx, vy = _thin(*_xy(evals, x, key), max_points)
    return go.Scatter(
        x=vx, y=vy, mode="lines+markers", name=name, legendgroup=group,
        line=dict(color=color, width=1, dash="dot"), marker=dict(color=color, size=7),
        hovertemplate="%{y:.4f}",
    )


def _reference_traces(reference_lines: dict[str, float], x_span: tuple[float, float],
                      log_y: bool) -> list[go.Scatter]:
    """Dashed horizontal lines as traces (not shapes), so they toggle in the legend and stay
    right on a log axis. None, NaN and (on a log axis) values <= 0 cannot be drawn: skipped."""
    traces = []
    for i, (label, value) in enumerate(reference_lines.items()):
        if not _finite(value) or (log_y and value <= 0):
            continue
        color = REFERENCE_COLORS[i % len(REFERENCE_COLORS)]
        traces.append(go.Scatter(
            x=list(x_span), y=[value, value], mode="lines+text", name=label,
            text=["", f"{label}: {value:.3g}"], textposition="top left",
            textfont=dict(color=color, size=11), line=dict(color=color, width=1.5, dash="dash"),
            hovertemplate=f"{html.escape(label)}: %{{y:.4f}}<extra></extra>",
        ))
    return traces


def _x_span(traces: list[go.Scatter]) -> tuple[float, float]:
    xs = [v for t in traces for v in (t.x or ())]
    return (min(xs), max(xs)) if xs else (0.0, 1.0)


def loss_curves(history: list[dict], evals: list[dict], *, smoothing: float = 0.0,
                log_y: bool = False, reference_lines: dict[str, float] | None = None,
                x: str = "step", max_points: int = 1000, y_title: str = "loss",
                words: dict | None = None) -> go.Figure:
    """Train loss (raw, plus an EMA line when smoothing > 0), val_loss markers, reference lines.

    history: `step` rows {step, loss, time, ...}; evals: rows with `val_loss` and step/time.
    y_title: the unit is the caller's to know ("loss (nats)" for NLL, "loss" for MSE).
    """
    _check_x(x)
    w = _words(words)
    traces = _train_traces(history, x, smoothing, max_points, color=TRAIN_COLOR, name=w["train"], words=w)
    traces.append(_eval_trace(evals, x, "val_loss", max_points, color=VAL_COLOR, name=w["validation"]))
    traces += _reference_traces(reference_lines or {}, _x_span(traces), log_y)
    fig = go.Figure(traces)
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(type="log" if log_y else "linear")
    return _style(fig, x_title=_X_TITLES[x], y_title=y_title, uirevision=f"loss-{x}-{log_y}")


def multi_run_curves(runs: list[dict], *, key: str = "loss", smoothing: float = 0.0,
                     log_y: bool = False, x: str = "step", max_points: int = 1000,
                     y_title: str | None = None, words: dict | None = None) -> go.Figure:
    """Several runs overlaid, one colour each. runs: [{label, history, evals}].

    key "loss": train curves (smoothed if asked) and val points; any other key is drawn as a
    line from the history rows if they carry it (grad_norm, lr), else from the evals
    (val_loss, val_nll, perplexity, accuracy, ...).
    """
    _check_x(x)
    w = _words(words)
    traces: list[go.Scatter] = []
    for i, run in enumerate(runs):
        label, history, evals = run["label"], run.get("history") or [], run.get("evals") or []
        color, group = RUN_COLORS[i % len(RUN_COLORS)], f"run-{i}"
        if key == "loss":
            traces += _train_traces(history, x, smoothing, max_points, color=color,
                                    name=label, group=group, words=w)
            val = _eval_trace(evals, x, "val_loss", max_points, color=color,
                              name=f"{label} ({w['val']})", group=group)
            val.update(mode="markers", marker_symbol="diamond")
            traces.append(val)
        elif any(key in r for r in history):
            hx, hy = _thin(*_xy(history, x, key), max_points)
            traces.append(go.Scatter(x=hx, y=hy, mode="lines", name=label,
                                     line=dict(color=color, width=1.5), legendgroup=group))
        else:
            val = _eval_trace(evals, x, key, max_points, color=color, name=label, group=group)
            val.update(line_dash="solid", line_width=2)
            traces.append(val)
    fig = go.Figure(traces)
    fig.update_layout(hovermode="x unified")
    fig.update_yaxes(type="log" if log_y else "linear")
    return _style(fig, x_title=_X_TITLES[x], y_title=y_title or key,
                  uirevision=f"runs-{key}-{x}-{log_y}")


# ---------------------------------------------------------------- NLL per position

def _data_max(rows: list[list[float]]) -> float:
    vals = [v for row in rows for v in row if _finite(v)]
    top = max(vals, default=0.0)
    return top if top > 0 else 1.0  # a flat all-zero map still needs zmin < zmax


def _nll_layers(rows: list[dict], zmax: float | None, bar_len: float, w: dict) -> list[go.Heatmap]:
    """The NLL heatmap and, over it, a flat grey layer on the positions outside the loss
    (a heatmap cannot be hatched)."""
    z = [[v if _finite(v) else None for v in e["nll_per_timestep"]] for e in rows]
    steps = [e.get("step") for e in rows]
    positions = list(range(max((len(r) for r in z), default=0)))
    masks = [e.get("loss_mask") or [True] * len(e["nll_per_timestep"]) for e in rows]
    heat = go.Heatmap(
        z=z, x=positions, y=steps, zmin=0.0, zmax=_data_max(z) if zmax is None else zmax,
        colorscale=NLL_COLORSCALE, name="NLL",
        customdata=[[None if v is None else v / LN2 for v in row] for row in z],
        text=[[w["in_loss"] if m else w["not_in_loss"] for m in mask] for mask in masks],
        colorbar=dict(title=dict(text="nats"), thickness=12, len=bar_len, y=1.0, yanchor="top"),
        hovertemplate=("step %{y}, position %{x}<br>%{z:.3f} nats = %{customdata:.3f} bits"
                       "<br>%{text}<extra></extra>"),
    )
    cover = go.Heatmap(
        z=[[None if m else 1 for m in mask] for mask in masks], x=positions, y=steps,
        zmin=0, zmax=1, showscale=False, hoverinfo="skip", name=w["not_in_loss"],
        colorscale=[[0.0, "rgba(120,120,120,0.6)"], [1.0, "rgba(120,120,120,0.6)"]],
    )
    return [heat, cover]


def nll_heatmap(evals: list[dict], *, floor: list[float] | None = None,
                zmax: float | None = None, words: dict | None = None) -> go.Figure:
    """Eval step (y) x position (x) heatmap of `nll_per_timestep` in nats, colours fixed to
    [0, zmax] (default: the data's maximum; pass a fixed zmax for a stable scale while a run
    grows). Positions outside `loss_mask` are greyed over and say so in the hover.
    With `floor`, a second row plots the entropy floor and the latest eval's NLL per position.
    """
    w = _words(words)
    rows = [e for e in evals if e.get("nll_per_timestep")]
    heat, cover = _nll_layers(rows, zmax, bar_len=1.0 if floor is None else 0.7, w=w)
    masked = any(v is not None for row in cover.z for v in row)
    x_title = w["position"] + (f" ({w['grey_not_in_loss']})" if masked else "")
    if floor is None:
        fig = go.Figure([heat, cover])
        fig.update_yaxes(title_text=w["eval_step"])
        return _style(fig, x_title=x_title, uirevision="nll-heatmap")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                        vertical_spacing=0.06)
    fig.add_traces([heat, cover], rows=1, cols=1)
    fig.add_trace(go.Scatter(
        x=list(range(len(floor))), y=floor, mode="lines", name=w["entropy_floor"],
        line=dict(color=REFERENCE_COLORS[1], dash="dash"),
        hovertemplate="floor %{y:.3f} nats<extra></extra>"), row=2, col=1)
    if rows:
        fig.add_trace(go.Scatter(
            x=heat.x, y=heat.z[-1], mode="lines+markers", name=w["nll_at_step"].format(step=heat.y[-1]),
            marker=dict(size=4), line=dict(color=VAL_COLOR, width=1.5),
            hovertemplate="%{y:.3f} nats<extra></extra>"), row=2, col=1)
    fig.update_yaxes(title_text=w["eval_step"], row=1, col=1)
    fig.update_yaxes(title_text="nats", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    return _style(fig, height=360, uirevision="nll-heatmap")


def pixel_nll_image(image_nll: list[list[float]], *, zmax: float | None = None,
                    words: dict | None = None) -> go.Figure:
    """Per-pixel NLL (nats) of an image model, drawn as the image it scores."""
    z = [[v if _finite(v) else None for v in row] for row in image_nll]
    zmax = _data_max(z) if zmax is None else zmax
    bits = [[None if v is None else v / LN2 for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, zmin=0.0, zmax=zmax, colorscale=NLL_COLORSCALE, customdata=bits,
        colorbar=dict(title=dict(text="nats"), thickness=12),
        hovertemplate="row %{y}, col %{x}<br>%{z:.3f} nats = %{customdata:.3f} bits<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=1, showticklabels=False,
                     showgrid=False)
    fig.update_xaxes(showticklabels=False, showgrid=False, constrain="domain")
    return _style(fig, title=_words(words)["nll_per_pixel"], height=300, uirevision="pixel-nll")


# ---------------------------------------------------------------- images

def _strip(images: list) -> tuple[list[list], list[list], list[list]]:
    """Images side by side in one matrix with a blank (None) column between them, plus each
    cell's image index and column within its image for the hover. One heatmap per row draws
    far faster than one per image."""
    imgs = [_as_2d(img) for img in images]
    height = max((len(img) for img in imgs), default=0)
    z: list[list] = [[] for _ in range(height)]
    which: list[list] = [[] for _ in range(height)]
    cols: list[list] = [[] for _ in range(height)]
    for k, img in enumerate(imgs):
        w = max((len(r) for r in img), default=0)
        gap = [None] if k < len(imgs) - 1 else []
        for y in range(height):
            row = list(img[y]) if y < len(img) else []
            z[y] += row + [None] * (w - len(row)) + gap
            which[y] += [str(k)] * w + gap
            cols[y] += list(range(w)) + gap
    return z, which, cols


def image_grid(rows: dict[str, list | None], *, titles: dict[str, str] | None = None,
               title: str = "") -> go.Figure:
    """Small multiples of grey H x W images in [0, 1], one labelled row per key.

    rows: e.g. an eval's `recon` dict {"inputs": [...], "corrupted": None, "outputs": [...]};
    None or empty rows are skipped. titles: row key -> label; recon keys have default labels.
    """
    labels = {**ROW_LABELS, **(titles or {})}
    kept = {k: v for k, v in rows.items() if v}
    for key, images in kept.items():
        if _is_text_rows(images):
            raise ValueError(f"image_grid: row {key!r} holds strings, not images; "
                             "token tasks are shown as text")
    n = max(len(kept), 1)
    fig = make_subplots(rows=n, cols=1, vertical_spacing=0.04 if n > 1 else 0.0)
    for r, (key, images) in enumerate(kept.items(), start=1):
        z, which, cols = _strip(images)
        fig.add_trace(go.Heatmap(
            z=z, text=which, customdata=cols, zmin=0.0, zmax=1.0, colorscale=GREY_SCALE,
            showscale=False, name=labels.get(key, key),
            hovertemplate="image %{text}, row %{y}, col %{customdata}: %{z:.2f}<extra></extra>",
        ), row=r, col=1)
        fig.update_yaxes(title_text=labels.get(key, key), row=r, col=1)
    # each row's y is scaled to its own x, so pixels are square and rows line up
    for r in range(1, n + 1):
        suffix = "" if r == 1 else str(r)
        fig.update_yaxes(autorange="reversed", scaleanchor=f"x{suffix}", scaleratio=1,
                         row=r, col=1)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, title_standoff=4)
    fig.update_layout(plot_bgcolor="white")
    return _style(fig, title=title, height=min(360, 60 + 100 * n), uirevision="image-grid")


def image_samples(images: list, *, title: str = "") -> go.Figure:
    """One row of generated images (grey, H x W in [0, 1])."""
    return image_grid({"samples": images}, titles={"samples": ""}, title=title)


# ---------------------------------------------------------------- text

_VISIBLE = {"\n": "↵", "\t": "⇥", "\r": "␍"}
# characters that Markdown would read as markup, written as entities for st.markdown
_MD_ENTITIES = {c: f"&#{ord(c)};" for c in "*_`$[]~#\\|"}


def nll_color(nll: float, vmax: float = 4.0) -> str:
    """The background for one NLL value: the fixed NLL scale, clamped to [0, vmax]."""
    t = min(max(nll / vmax, 0.0), 1.0)
    return sample_colorscale(NLL_COLORSCALE, [t])[0]


def _char_html(ch: str) -> str:
    shown = _VISIBLE.get(ch) or (chr(0x2400 + ord(ch)) if ord(ch) < 32 else ch)
    return "".join(_MD_ENTITIES.get(c, html.escape(c, quote=True)) for c in shown)


def text_nll_html(text: str, nll: list[float], *, vmax: float = 4.0) -> str:
    """One <span> per character, coloured by its NLL on a fixed scale clamped at vmax,
    with the value in nats and bits as the hover title.

    nll has one value per character, or len(text) - 1 values (the first character is given,
    not predicted). The result is one line of HTML (no raw newline, so Markdown leaves it as
    an HTML block) for st.markdown(unsafe_allow_html=True) or st.html.
    """
    offset = len(text) - len(nll)
    if offset not in (0, 1):
        raise ValueError(f"nll: needs len(text)={len(text)} or len(text)-1 values, got {len(nll)}")
    spans = []
    for i, ch in enumerate(text):
        v = nll[i - offset] if i >= offset else None
        if _finite(v):
            bg, tip = nll_color(v, vmax), f"{v:.3f} nats = {v / LN2:.3f} bits"
            fg = "white" if v / vmax > 0.6 else "black"
        else:
            bg, tip, fg = "#eeeeee", "no prediction", "black"
        style = f"background:{bg};color:{fg}" + (";opacity:0.7" if ch in _VISIBLE else "")
        spans.append(f'<span style="{style}" title="{html.escape(tip)}">{_char_html(ch)}</span>'
                     + ("<br>" if ch == "\n" else ""))
    return ('<div style="font-family:monospace;white-space:pre-wrap;line-height:1.7">'
            + "".join(spans) + "</div>")


# ---------------------------------------------------------------- comparisons and loss shapes

def metric_bars(values: dict[str, float], *, title: str = "", y_title: str = "") -> go.Figure:
    """One bar per name, the value printed on it."""
    names = list(values)
    ys = [values[k] for k in names]
    fig = go.Figure(go.Bar(
        x=names, y=ys, text=[f"{v:.3g}" if _finite(v) else "" for v in ys], textposition="auto",
        marker_color=[RUN_COLORS[i % len(RUN_COLORS)] for i in range(len(names))],
        hovertemplate="%{x}: %{y:.4f}<extra></extra>",
    ))
    return _style(fig, title=title, y_title=y_title)


def loss_shape_curves(x: list[float], curves: dict[str, list[float]], *,
                      marker_x: float | None = None, title: str = "", y_title: str = "",
                      x_title: str = "") -> go.Figure:
    """Named curves over one x grid (e.g. loss against the error), with an optional marker."""
    fig = go.Figure([
        go.Scatter(x=list(x), y=list(ys), mode="lines", name=name,
                   line=dict(color=RUN_COLORS[i % len(RUN_COLORS)], width=2))
        for i, (name, ys) in enumerate(curves.items())
    ])
    if marker_x is not None:
        fig.add_vline(x=marker_x, line=dict(color="#444444", width=1, dash="dot"))
    fig.update_layout(hovermode="x unified")
    return _style(fig, title=title, x_title=x_title, y_title=y_title, uirevision="loss-shape")


def error_histogram(errors: list[float], *, title: str = "", x_title: str = "error",
                    nbins: int | None = None) -> go.Figure:
    """Distribution of errors (prediction - target); non-finite values are left out."""
    fig = go.Figure(go.Histogram(x=[e for e in errors if _finite(e)], nbinsx=nbins,
                                 marker_color=TRAIN_COLOR, opacity=0.85))
    fig.update_layout(bargap=0.05)
    return _style(fig, title=title, x_title=x_title, y_title="count")
