"""Tests for playground.figures: assertions on the figure objects, from hand-made inputs with
known answers, plus one pass of a real CLI run's metrics.jsonl through every builder."""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.colors import sequential

from playground import figures as F

REPO = Path(__file__).resolve().parents[1]
LN2 = math.log(2.0)


def rows(losses, start=0):
    """History rows as the trainer writes them; time = step / 10 seconds."""
    return [{"step": start + i, "loss": v, "time": (start + i) / 10} for i, v in enumerate(losses)]


def by_name(fig, name):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def rgb(colour):
    """(r, g, b) numbers from an 'rgb(...)' string, however it is spaced."""
    return tuple(float(v) for v in re.findall(r"[\d.]+", colour))


def span_colours(html_text):
    return re.findall(r"background:([^;]+);", html_text)


# ---------------------------------------------------------------- loss_curves

def test_smoothed_train_line_is_ema_started_at_first_value():
    # a = 0.5: s0 = 1, s1 = .5*1 + .5*0 = .5, s2 = .25, s3 = .5*.25 + .5*1 = .625
    fig = F.loss_curves(rows([1.0, 0.0, 0.0, 1.0]), [], smoothing=0.5)
    smooth = by_name(fig, "train (smoothed 0.5)")
    assert list(smooth.y) == pytest.approx([1.0, 0.5, 0.25, 0.625])
    assert list(smooth.x) == [0, 1, 2, 3]


def test_raw_train_line_stays_visible_under_smoothed_line():
    fig = F.loss_curves(rows([1.0, 0.5, 0.7]), [], smoothing=0.9)
    raw = by_name(fig, "train (raw)")
    assert list(raw.y) == [1.0, 0.5, 0.7]
    assert 0 < raw.opacity < 1 and raw.visible is not False
    assert raw.line.width < by_name(fig, "train (smoothed 0.9)").line.width


def test_zero_smoothing_draws_no_smoothed_trace():
    fig = F.loss_curves(rows([1.0, 0.5]), [], smoothing=0.0)
    assert [t.name for t in fig.data if t.name.startswith("train")] == ["train"]


@pytest.mark.parametrize("smoothing", [-0.1, 0.995, 1.0])
def test_smoothing_outside_allowed_range_raises(smoothing):
    with pytest.raises(ValueError, match="smoothing"):
        F.loss_curves(rows([1.0]), [], smoothing=smoothing)


def test_downsampling_bounds_points_and_keeps_last_and_smooths_full_series():
    losses = [1.0 / (1 + i) for i in range(5000)]
    fig = F.loss_curves(rows(losses), [], smoothing=0.9, max_points=100)
    raw, smooth = by_name(fig, "train (raw)"), by_name(fig, "train (smoothed 0.9)")
    assert len(raw.x) == len(smooth.x) == 100
    assert raw.x[0] == 0 and raw.x[-1] == 4999 and raw.y[-1] == losses[-1]
    # the EMA is taken over all 5000 points before thinning, not over the 100 kept
    s = losses[0]
    for v in losses[1:]:
        s = 0.9 * s + 0.1 * v
    assert smooth.y[-1] == pytest.approx(s)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), max_points=st.integers(2, 500))
def test_downsample_indices_are_even_unique_and_keep_both_ends(n, max_points):
    idx = F.downsample_indices(n, max_points)
    assert len(idx) == min(n, max_points)
    assert all(a < b for a, b in zip(idx, idx[1:]))
    if n:
        assert idx[0] == 0 and idx[-1] == n - 1
    if n > max_points:  # even: gaps differ by at most one
        gaps = {b - a for a, b in zip(idx, idx[1:])}
        assert max(gaps) - min(gaps) <= 1


def test_val_points_are_drawn_at_their_eval_step():
    evals = [{"step": 10, "val_loss": 2.0, "time": 1.0}, {"step": 20, "val_loss": 1.5, "time": 2.0}]
    val = by_name(F.loss_curves(rows([3.0] * 21), evals), "validation")
    assert "markers" in val.mode
    assert list(val.x) == [10, 20] and list(val.y) == [2.0, 1.5]


def test_time_axis_uses_the_time_column_for_train_and_val():
    evals = [{"step": 10, "val_loss": 2.0, "time": 1.25}]
    fig = F.loss_curves(rows([3.0, 2.0, 1.0]), evals, x="time")
    assert list(by_name(fig, "train").x) == [0.0, 0.1, 0.2]
    assert list(by_name(fig, "validation").x) == [1.25]
    assert fig.layout.xaxis.title.text == "time (s)"
    with pytest.raises(ValueError, match="x"):
        F.loss_curves([], [], x="epoch")


def test_reference_lines_are_dashed_horizontal_and_labelled():
    refs = {"entropy floor": 0.5, "uniform guess (ln V)": math.log(8), "missing": None}
    fig = F.loss_curves(rows([2.0] * 11), [], reference_lines=refs)
    for label, value in [("entropy floor", 0.5), ("uniform guess (ln V)", math.log(8))]:
        line = by_name(fig, label)
        assert line.line.dash == "dash"
        assert list(line.y) == [value, value] and list(line.x) == [0, 10]
        assert any(label in t for t in line.text)
    assert "missing" not in [t.name for t in fig.data]


def test_log_y_sets_log_axis_and_skips_reference_lines_at_zero():
    fig = F.loss_curves(rows([2.0, 1.0]), [], log_y=True,
                        reference_lines={"entropy floor": 0.0, "uniform guess (ln V)": 2.0})
    assert fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data if t.line.dash == "dash"] == ["uniform guess (ln V)"]
    assert F.loss_curves(rows([1.0]), []).layout.yaxis.type == "linear"


def test_uirevision_is_constant_across_updates_and_transitions_are_off():
    early = F.loss_curves(rows([2.0]), [])
    later = F.loss_curves(rows([2.0, 1.5, 1.0]), [{"step": 2, "val_loss": 1.2}], smoothing=0.5)
    assert early.layout.uirevision and early.layout.uirevision == later.layout.uirevision
    assert later.layout.transition.duration == 0


def test_non_finite_losses_are_left_out():
    fig = F.loss_curves(rows([1.0, float("nan"), float("inf"), 0.5]), [])
    assert list(by_name(fig, "train").x) == [0, 3]


def test_empty_history_gives_a_figure_without_error():
    fig = F.loss_curves([], [], smoothing=0.5, reference_lines={"entropy floor": 1.0})
    assert isinstance(fig, go.Figure)


# ---------------------------------------------------------------- multi_run_curves

def test_multi_run_curves_gives_each_run_its_own_colour_and_val_points():
    runs = [{"label": name, "history": rows([2.0, 1.0]), "evals": [{"step": 1, "val_loss": 1.1}]}
            for name in ("nll", "focal")]
    fig = F.multi_run_curves(runs, smoothing=0.5)
    names = [t.name for t in fig.data]
    assert names == ["nll (raw)", "nll (smoothed 0.5)", "nll (val)",
                     "focal (raw)", "focal (smoothed 0.5)", "focal (val)"]
    colours = {}
    for trace in fig.data:
        colours.setdefault(trace.name.split()[0], set()).add(trace.line.color)
    assert len(colours["nll"]) == len(colours["focal"]) == 1
    assert colours["nll"] != colours["focal"]
    assert by_name(fig, "focal (val)").mode == "markers"


def test_multi_run_val_loss_key_draws_val_lines_only():
    runs = [{"label": "a", "history": rows([2.0, 1.0]), "evals": [{"step": 1, "val_loss": 1.1}]},
            {"label": "b", "history": rows([3.0]), "evals": [{"step": 1, "val_loss": 1.4}]}]
    fig = F.multi_run_curves(runs, key="val_loss")
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[1].y) == [1.4]


def test_multi_run_other_keys_read_history_when_it_has_them():
    history = [{"step": 0, "loss": 1.0, "grad_norm": 3.0},
               {"step": 1, "loss": 0.9, "grad_norm": 2.0}]
    fig = F.multi_run_curves([{"label": "a", "history": history, "evals": []}], key="grad_norm")
    assert list(fig.data[0].y) == [3.0, 2.0]
    assert fig.layout.yaxis.title.text == "grad_norm"


# ---------------------------------------------------------------- nll_heatmap

NLL = [[2.0, 1.0, 0.5], [1.5, 0.5, 0.25]]
EVALS = [{"step": 10, "nll_per_timestep": NLL[0], "loss_mask": [False, True, True]},
         {"step": 20, "nll_per_timestep": NLL[1], "loss_mask": [False, True, True]}]


def test_heatmap_z_equals_input_and_colour_range_is_fixed():
    heat = F.nll_heatmap(EVALS, zmax=5.0).data[0]
    assert isinstance(heat, go.Heatmap)
    assert [list(r) for r in heat.z] == NLL
    assert list(heat.y) == [10, 20] and list(heat.x) == [0, 1, 2]
    assert (heat.zmin, heat.zmax) == (0.0, 5.0)
    assert F.nll_heatmap(EVALS).data[0].zmax == 2.0  # default: the data's maximum


def test_heatmap_hover_gives_bits_as_nats_over_ln2():
    heat = F.nll_heatmap(EVALS).data[0]
    assert [list(r) for r in heat.customdata] == [[v / LN2 for v in r] for r in NLL]
    assert "nats" in heat.hovertemplate and "bits" in heat.hovertemplate


def test_heatmap_marks_positions_outside_the_loss_mask():
    fig = F.nll_heatmap(EVALS)
    heat, cover = fig.data[0], fig.data[1]
    assert [list(r) for r in cover.z] == [[1, None, None], [1, None, None]]
    assert heat.text[0][0] == "not in the loss" and heat.text[0][1] != "not in the loss"
    assert "not in the loss" in fig.layout.xaxis.title.text


def test_heatmap_with_floor_adds_a_floor_line_per_position():
    fig = F.nll_heatmap(EVALS, floor=[1.0, 0.0, 0.0])
    floor = by_name(fig, "entropy floor")
    assert list(floor.y) == [1.0, 0.0, 0.0] and list(floor.x) == [0, 1, 2]
    assert list(by_name(fig, "NLL at step 20").y) == NLL[1]


# ---------------------------------------------------------------- images

def test_pixel_nll_image_is_drawn_like_an_image_with_fixed_scale():
    fig = F.pixel_nll_image([[0.1, 0.2], [0.3, 0.4]], zmax=3.0)
    heat = fig.data[0]
    assert [list(r) for r in heat.z] == [[0.1, 0.2], [0.3, 0.4]]
    assert (heat.zmin, heat.zmax) == (0.0, 3.0) and heat.colorbar.title.text == "nats"
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.scaleanchor == "x"


def test_image_grid_skips_none_rows_and_draws_grey_in_zero_one():
    a, b = [[0.0, 1.0], [0.5, 0.25]], [[1.0, 1.0], [0.0, 0.0]]
    fig = F.image_grid({"inputs": [a, b], "corrupted": None, "outputs": [b, a]})
    assert len(fig.data) == 2 and all(isinstance(t, go.Heatmap) for t in fig.data)
    assert [t.name for t in fig.data] == ["input", "output"]
    first = fig.data[0]
    assert (first.zmin, first.zmax) == (0.0, 1.0)
    assert first.colorscale[0][1] == "black" and first.colorscale[-1][1] == "white"
    # the two images side by side with one blank column between them
    assert [list(r) for r in first.z] == [[0.0, 1.0, None, 1.0, 1.0], [0.5, 0.25, None, 0.0, 0.0]]
    assert fig.layout.xaxis.showticklabels is False and fig.layout.yaxis.showticklabels is False


def test_image_grid_takes_custom_row_titles_and_single_channel_images():
    fig = F.image_grid({"inputs": [[[[0.0, 1.0]]]]}, titles={"inputs": "clean"})
    assert fig.data[0].name == "clean" and [list(r) for r in fig.data[0].z] == [[0.0, 1.0]]


def test_image_grid_rejects_token_rows_with_a_message():
    with pytest.raises(ValueError, match="strings"):
        F.image_grid({"inputs": ["hello"], "outputs": ["hallo"]})


def test_image_samples_draws_one_row():
    fig = F.image_samples([[[0.0]], [[1.0]], [[0.5]]], title="samples")
    assert len(fig.data) == 1 and [list(r) for r in fig.data[0].z] == [[0.0, None, 1.0, None, 0.5]]
    assert fig.layout.title.text == "samples"


# ---------------------------------------------------------------- text_nll_html

def test_text_nll_html_escapes_markup():
    out = F.text_nll_html("<script>alert(1)</script>", [1.0] * 25)
    assert "<script>" not in out and "</script>" not in out
    assert "&lt;" in out and "&gt;" in out


def test_text_nll_html_clamps_colour_at_vmax_and_zero():
    colours = span_colours(F.text_nll_html("abcd", [4.0, 10.0, 0.0, -1.0], vmax=4.0))
    assert colours[0] == colours[1]  # 10 nats is drawn like vmax
    assert colours[2] == colours[3]
    assert rgb(colours[0]) == rgb(sequential.Reds[-1])  # the ends of plotly's Reds scale
    assert rgb(colours[2]) == rgb(sequential.Reds[0])


def test_text_nll_html_has_one_span_per_character_with_nats_and_bits():
    out = F.text_nll_html("ab", [LN2, 2 * LN2])
    assert out.count("<span") == 2
    assert re.findall(r'title="([^"]+)"', out) == ["0.693 nats = 1.000 bits",
                                                   "1.386 nats = 2.000 bits"]


def test_text_nll_html_shows_whitespace_and_keeps_markdown_inert():
    out = F.text_nll_html("a\n*b*", [1.0] * 5)
    assert "↵" in out and "<br>" in out
    assert "\n" not in out  # one line: Markdown treats it as an HTML block
    assert "*" not in out  # written as &#42; so Markdown sees no emphasis


def test_text_nll_html_accepts_one_value_fewer_and_rejects_other_lengths():
    out = F.text_nll_html("abc", [1.0, 2.0])
    assert re.findall(r'title="([^"]+)"', out)[0] == "no prediction"
    with pytest.raises(ValueError, match="nll"):
        F.text_nll_html("abc", [1.0])


# ---------------------------------------------------------------- small charts

def test_metric_bars_draws_one_bar_per_name():
    fig = F.metric_bars({"nll": 1.2, "focal": 0.8}, title="val loss")
    bar = fig.data[0]
    assert isinstance(bar, go.Bar) and list(bar.x) == ["nll", "focal"] and list(bar.y) == [1.2, 0.8]
    assert fig.layout.title.text == "val loss"


def test_loss_shape_curves_draws_named_curves_and_a_marker():
    xs = [-1.0, 0.0, 1.0]
    fig = F.loss_shape_curves(xs, {"mse": [1.0, 0.0, 1.0], "l1": [1.0, 0.0, 1.0]}, marker_x=0.5)
    assert [t.name for t in fig.data] == ["mse", "l1"]
    assert fig.data[0].line.color != fig.data[1].line.color
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(0.5, 0.5)]
    assert not F.loss_shape_curves(xs, {"mse": [1.0, 0.0, 1.0]}).layout.shapes


def test_error_histogram_leaves_out_non_finite_errors():
    hist = F.error_histogram([0.1, -0.2, float("nan"), 0.3]).data[0]
    assert isinstance(hist, go.Histogram) and list(hist.x) == [0.1, -0.2, 0.3]


def test_figures_share_the_theme():
    figs = [F.loss_curves(rows([1.0]), []), F.nll_heatmap(EVALS), F.metric_bars({"a": 1.0}),
            F.error_histogram([0.0]), F.pixel_nll_image([[0.0]])]
    for fig in figs:
        assert 280 <= fig.layout.height <= 360
        assert fig.layout.template == pio.templates["plotly_white"]


# ---------------------------------------------------------------- a real run

CLI_RUNS = {
    "ar": ["--paradigm", "autoregressive", "--dataset", "digits", "--loss", "nll"],
    "ae": ["--paradigm", "autoencoding", "--task", "masked_reconstruction", "--dataset", "digits",
           "--loss", "mse"],
}
TINY = ["--steps", "20", "--model", "nano", "--set", "eval_every=10"]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Two tiny runs through the CLI's main() in one child process (torch is imported once),
    read back as (history, evals, summary)."""
    root = tmp_path_factory.mktemp("cli")
    argvs = {name: ["train", *args, *TINY, "--out", str(root / name)]
             for name, args in CLI_RUNS.items()}
    script = ("import sys, json; from playground.cli import main\n"
              "sys.exit(max(main(a) for a in json.loads(sys.argv[1])))")
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(list(argvs.values()))],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for name in argvs:
        lines = (root / name / "metrics.jsonl").read_text().splitlines()
        events = [json.loads(line) for line in lines]
        out[name] = ([e for e in events if e["event"] == "step"],
                     [e for e in events if e["event"] == "eval"],
                     json.loads((root / name / "summary.json").read_text()))
    return out


def test_real_cli_run_goes_through_every_figure(cli_runs):
    history, evals, summary = cli_runs["ar"]
    ae_history, ae_evals, ae_summary = cli_runs["ae"]
    last = evals[-1]
    figs = [
        F.loss_curves(history, evals, smoothing=0.6, log_y=True, x="time",
                      reference_lines=summary["reference_lines"]),
        F.loss_curves(ae_history, ae_evals, reference_lines=ae_summary["reference_lines"]),
        F.multi_run_curves([{"label": "ar", "history": history, "evals": evals},
                            {"label": "ae", "history": ae_history, "evals": ae_evals}],
                           smoothing=0.5),
        F.multi_run_curves([{"label": "ar", "history": history, "evals": evals}], key="val_loss"),
        F.nll_heatmap(evals, floor=summary["entropy_floor_per_timestep"] or [0.0] * 64),
        F.pixel_nll_image(last["image_nll"]),
        F.image_samples(last["samples"]),
        F.image_grid(ae_evals[-1]["recon"]),
        F.metric_bars({"ar": summary["val_loss"], "ae": ae_summary["val_loss"]}),
    ]
    for fig in figs:
        json.loads(fig.to_json())  # what st.plotly_chart serialises
    assert len(figs[0].data[0].x) == len(history)
    assert [list(r) for r in figs[4].data[0].z] == [e["nll_per_timestep"] for e in evals]
    assert len(figs[7].data) == 3  # input, masked, output
    html_text = F.text_nll_html("digits", last["nll_per_timestep"][:6])
    assert html_text.count("<span") == 6
