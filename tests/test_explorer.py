"""The Loss Explorer: its values and gradients against hand formulas (numpy, finite differences,
scikit-learn and scipy as independent references), the claims its page makes about the
saturation, smoothing, focal and outlier demos, the errors read from real evals, and the
page itself in both languages."""
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.optimize import minimize
from sklearn.linear_model import QuantileRegressor
from streamlit.testing.v1 import AppTest

from playground import explorer as ex
from playground.config import RunConfig
from playground.experiment import build_experiment
from playground.i18n import STRINGS

torch.set_num_threads(1)

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "explorer.py")
RNG = np.random.default_rng(0)
TOL = dict(rel=1e-4, abs=1e-5)  # the losses compute in fp32


# ---------------------------------------------------------------- hand references (numpy)

def np_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def numeric_grad(f, z, h=1e-5):
    """Central differences of a numpy function: a reference that shares no code with torch."""
    g = np.zeros_like(z)
    for i in range(len(z)):
        d = np.zeros_like(z)
        d[i] = h
        g[i] = (f(z + d) - f(z - d)) / (2 * h)
    return g


def hand_class_losses(y, eps, gamma, delta):
    """name -> f(logits) in numpy, written from the formulas in docs/ARCHITECTURE.md."""
    def onehot(C):
        v = np.zeros(C)
        v[y] = 1.0
        return v

    def huber(e):
        return np.where(np.abs(e) < delta, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta))

    return {
        "nll": lambda z: -np.log(np_softmax(z)[y]),
        "cross_entropy": lambda z: (1 - eps) * -np.log(np_softmax(z)[y]) + eps * np.mean(-np.log(np_softmax(z))),
        "focal": lambda z: -((1 - np_softmax(z)[y]) ** gamma) * np.log(np_softmax(z)[y]),
        "mse": lambda z: np.sum((np_softmax(z) - onehot(len(z))) ** 2),
        "l1": lambda z: np.sum(np.abs(np_softmax(z) - onehot(len(z)))),
        "huber": lambda z: np.sum(huber(np_softmax(z) - onehot(len(z)))),
        "bce": lambda z: np.sum(np.logaddexp(0, z) - onehot(len(z)) * z),
    }


@pytest.mark.parametrize("C", [2, 3, 5])
def test_classification_point_matches_hand_formulas(C):
    params = {"label_smoothing": 0.2, "focal_gamma": 2.0, "huber_delta": 0.3}
    for _ in range(3):
        z, y = RNG.normal(0, 2, C), int(RNG.integers(C))
        point = ex.classification_point(z.tolist(), y, params)
        hand = hand_class_losses(y, 0.2, 2.0, 0.3)
        assert set(point) == set(hand)
        p, onehot = np_softmax(z), np.eye(C)[y]
        exact_grads = {  # the closed forms every textbook gives
            "nll": p - onehot,
            "cross_entropy": p - ((1 - 0.2) * onehot + 0.2 / C),
            "bce": 1 / (1 + np.exp(-z)) - onehot,
            "mse": (np.diag(p) - np.outer(p, p)) @ (2 * (p - onehot)),
        }
        for name, f in hand.items():
            assert point[name]["value"] == pytest.approx(f(z), **TOL), name
            ref = exact_grads.get(name, numeric_grad(f, z))
            assert np.allclose(point[name]["grad"], ref, rtol=1e-3, atol=1e-5), name


def test_regression_point_matches_hand_formulas():
    delta = 0.7
    for x, y in [(1.5, 0.5), (0.2, 0.6), (-2.0, 0.0), (0.9, 1.0)]:
        e = x - y
        point = ex.regression_point(x, y, {"huber_delta": delta})
        s = 1 / (1 + math.exp(-x))
        expect = {
            "mse": (e * e, 2 * e),
            "l1": (abs(e), math.copysign(1.0, e)),
            "huber": ((0.5 * e * e, e) if abs(e) < delta
                      else (delta * (abs(e) - 0.5 * delta), delta * math.copysign(1, e))),
            "bce": (-(y * math.log(s) + (1 - y) * math.log(1 - s)), s - y),
        }
        for name, (value, grad) in expect.items():
            assert point[name]["value"] == pytest.approx(value, **TOL), name
            assert point[name]["grad"] == pytest.approx(grad, **TOL), name


def test_bce_is_left_out_for_a_target_outside_0_1():
    assert "bce" not in ex.regression_point(1.0, 3.0)
    assert set(ex.regression_point(1.0, 0.5)) == {"mse", "l1", "huber", "bce"}


def test_unknown_setting_and_bad_target_raise_with_the_valid_names():
    with pytest.raises(KeyError, match="huber_delta"):
        ex.classification_point([0.0, 1.0], 0, {"huber": 1.0})
    with pytest.raises(ValueError, match="0..1"):
        ex.classification_point([0.0, 1.0], 2)


def test_regression_curves_are_the_textbook_shapes():
    c = ex.regression_curves({"huber_delta": 1.0}, lo=-3, hi=3, n=61)
    e = np.array(c["x"])
    assert np.allclose(c["loss"]["mse"], e**2, atol=1e-5)
    assert np.allclose(c["grad"]["mse"], 2 * e, atol=1e-5)
    assert np.allclose(c["loss"]["l1"], np.abs(e), atol=1e-5)
    assert np.allclose(c["grad"]["huber"], np.clip(e, -1, 1), atol=1e-5)


def test_classification_curves_show_saturation_of_mse_and_not_of_cross_entropy():
    C = 3
    c = ex.classification_curves({"label_smoothing": 0.0}, num_classes=C)
    p = np.array(c["x"])
    # the x grid is what the softmax of [z_y, 0, 0] gives
    for q in (p[0], p[len(p) // 2], p[-1]):
        assert np_softmax(np.array([ex.margin_for(q, C), 0.0, 0.0]))[0] == pytest.approx(q)
    assert np.allclose(c["grad"]["nll"], p - 1, atol=1e-5)  # d NLL / d z_y = p_y - 1
    wrong = p < 0.01  # confidently wrong
    assert np.all(np.array(c["grad"]["nll"])[wrong] < -0.98)
    assert np.all(np.abs(np.array(c["grad"]["mse"])[wrong]) < 0.03)


# ---------------------------------------------------------------- the page's claims

def test_claim_smoothing_gives_a_finite_optimal_logit_and_focal_downweights_easy_examples():
    """explorer.smoothing.claim"""
    for eps, C in [(0.1, 3), (0.2, 9), (0.4, 2)]:
        def smoothed_ce(m):  # logits [m, 0, ..., 0], target 0
            logp = np.log(np_softmax(np.array([m] + [0.0] * (C - 1))))
            return (1 - eps) * -logp[0] + eps * np.mean(-logp)
        best = minimize(lambda v: smoothed_ce(v[0]), x0=[0.0], tol=1e-12).x[0]
        opt = ex.smoothing_optimum(eps, C)
        assert opt["margin"] == pytest.approx(best, abs=1e-3)
        assert opt["margin"] == pytest.approx(math.log((1 - eps + eps / C) / (eps / C)))
        assert np_softmax(np.array([best] + [0.0] * (C - 1)))[0] == pytest.approx(opt["p_true"], abs=1e-4)
    assert math.isinf(ex.smoothing_optimum(0.0, 3)["margin"])
    nll = ex.classification_curves({"label_smoothing": 0.0})["loss"]["nll"]
    assert all(a > b for a, b in zip(nll, nll[1:]))  # plain NLL keeps falling toward p_y = 1
    for p_y, keep in [(0.9, 0.01), (0.1, 0.81)]:
        z = [ex.margin_for(p_y, 2), 0.0]
        point = ex.classification_point(z, 0, {"focal_gamma": 2.0})
        assert point["focal"]["value"] / point["nll"]["value"] == pytest.approx(keep, rel=1e-3)


def test_claim_mse_through_softmax_saturates_while_cross_entropy_recovers():
    """explorer.saturation.claim"""
    demo = ex.saturation_demo(steps=200)
    ce, mse = demo["p_true"]["cross_entropy"], demo["p_true"]["mse"]
    assert ce[0] == mse[0] == pytest.approx(1 / (math.exp(8) + 2))  # ≈ 0.0003
    assert max(ce[:21]) > 0.9
    assert mse[-1] < 0.01 and len(mse) == 201


def test_claim_huber_moves_less_than_mse_and_l1_least_under_outliers():
    """explorer.outliers.claim"""
    for n in range(1, 7):
        shift = ex.outlier_demo(n)["shift"]
        assert shift["l1"] < shift["huber"] < shift["mse"], (n, shift)
    assert ex.outlier_demo(8)["shift"]["l1"] > 1.0


def test_fit_line_matches_least_squares_median_regression_and_huber_minimum():
    demo = ex.outlier_demo(4)
    x, y = np.array(demo["x"]), np.array(demo["y"])
    assert demo["fits"]["mse"] == pytest.approx(tuple(np.polyfit(x, y, 1)), abs=2e-3)
    q = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(x[:, None], y)
    assert demo["fits"]["l1"] == pytest.approx((q.coef_[0], q.intercept_), abs=2e-2)

    def huber_mean(w):
        e = w[0] * x + w[1] - y
        return np.mean(np.where(np.abs(e) < 1, 0.5 * e**2, np.abs(e) - 0.5))
    ref = minimize(huber_mean, x0=[0.0, 0.0], method="Nelder-Mead", options=dict(xatol=1e-9, fatol=1e-12)).x
    assert demo["fits"]["huber"] == pytest.approx(tuple(ref), abs=2e-3)
    assert ex.fit_line(demo["x"], demo["y"], "huber") == demo["fits"]["huber"]  # deterministic, same path


# ---------------------------------------------------------------- a run's own errors

def test_errors_from_eval_reads_each_kind_of_artifact():
    text = {"text_sample_nll": [0.5, float("nan"), 2.0, 3.0], "nll_per_timestep": [9.0] * 4,
            "loss_mask": [False, True, True, True]}
    assert ex.errors_from_eval(text) == [2.0, 3.0] and ex.error_kind(text) == "nll"
    image_ar = {"nll_per_timestep": [0.1, 0.2], "loss_mask": [True, True]}
    assert ex.errors_from_eval(image_ar) == [0.1, 0.2]
    recon = {"recon": {"inputs": [[[0.0, 1.0]], [[0.5, 0.5]]], "corrupted": None,
                       "outputs": [[[0.25, 0.5]], [[0.5, 1.0]]]}}
    assert ex.errors_from_eval(recon) == [0.25, -0.5, 0.0, 0.5] and ex.error_kind(recon) == "pixel"
    tokens = {"recon": {"inputs": ["abc"], "corrupted": ["a_c"], "outputs": ["abc"]}, "accuracy": 1.0}
    assert ex.errors_from_eval(tokens) == [] and ex.error_kind(tokens) is None
    assert ex.errors_from_eval({"val_loss": 1.0, "accuracy": 0.5}) == []


@pytest.mark.parametrize("kw, expect", [
    (dict(paradigm="autoregressive", task="prompt_answer", dataset="reverse", seq_len=12), "answer"),
    (dict(paradigm="autoencoding", task="reconstruction", dataset="digits", loss="mse"), "pixels"),
])
def test_errors_from_a_real_eval(kw, expect):
    exp = build_experiment(RunConfig(model="nano", steps=3, eval_every=3, device="cpu", **kw))
    exp.trainer.run()
    ev = exp.trainer.evals[-1]
    errors = ex.errors_from_eval(ev)
    if expect == "answer":  # one held-out sequence, the answer positions only (the loss mask)
        assert len(errors) == sum(ev["loss_mask"]) == 5
        assert errors == pytest.approx([v for v, m in zip(ev["text_sample_nll"], ev["loss_mask"]) if m])
    else:
        ins, outs = np.array(ev["recon"]["inputs"]), np.array(ev["recon"]["outputs"])
        assert np.allclose(sorted(errors), sorted((outs - ins).ravel()))


def test_run_options_list_each_run_once_live_first():
    active = [{"id": "a", "task": "next_token", "dataset": "digits", "loss": "nll", "status": "running"}]
    stored = [{"id": "b", "status": "completed",
               "config": {"task": "reconstruction", "dataset": "digits", "loss": "mse"}},
              {"id": "a", "status": "running", "config": {"task": "next_token", "dataset": "digits", "loss": "nll"}}]
    opts = ex.run_options(active, stored)
    assert [o["id"] for o in opts] == ["a", "b"]
    assert "reconstruction" in opts[1]["label"] and "mse" in opts[1]["label"]


# ---------------------------------------------------------------- the page

def open_page(lang=None):
    at = AppTest.from_file(PAGE, default_timeout=60)
    if lang is not None:
        at.query_params["lang"] = lang
    return at.run()


def page_text(at) -> str:
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info") for e in getattr(at, kind)]
    parts += [w.label for kind in ("slider", "selectbox", "radio") for w in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def english_only_strings() -> list[str]:
    en, zh = STRINGS["en"], STRINGS["zh"]
    return [v.split("{")[0] for k, v in en.items() if v != zh[k] and len(v.split("{")[0]) >= 12]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_renders_in_each_language_without_the_other(private_store, lang):
    at = open_page(lang)
    assert not at.exception, at.exception
    assert at.title[0].value == STRINGS[lang]["explorer.title"]
    assert at.query_params["lang"] in (lang, [lang])
    if lang == "zh":
        text = page_text(at)
        leaked = [s for s in english_only_strings() if s in text]
        assert not leaked, leaked


def test_bad_language_falls_back_to_english(private_store):
    at = open_page("fr")
    assert not at.exception
    assert at.title[0].value == STRINGS["en"]["explorer.title"]
    assert at.session_state["lang"] == "en"


def test_moving_a_logit_updates_the_table_at_once(private_store):
    at = open_page("en")
    at.slider(key="ex_z0").set_value(-4.0).run()
    table = at.dataframe[0].value
    row = table[table[STRINGS["en"]["explorer.col.loss"]] == "NLL"].iloc[0]
    z = np.array([-4.0, 0.5, -1.0])  # the other sliders keep their defaults; class 0 is the target
    assert row[STRINGS["en"]["explorer.col.value"]] == pytest.approx(-np.log(np_softmax(z)[0]), abs=1e-4)
    assert row["∂loss/∂z0"] == pytest.approx(np_softmax(z)[0] - 1, abs=1e-4)


def test_language_switch_changes_the_page_and_the_url(private_store):
    at = open_page()
    at.radio(key="_lang_switch").set_value("zh").run()
    assert at.title[0].value == STRINGS["zh"]["explorer.title"]
    assert at.session_state["lang"] == "zh"
    assert at.query_params["lang"] in ("zh", ["zh"])


def test_a_stored_run_shows_its_error_histogram(private_store):
    store = private_store.store
    store.create_run("r1", {"paradigm": "autoencoding", "task": "reconstruction", "dataset": "digits", "loss": "mse"})
    store.add_eval("r1", {"step": 10, "val_loss": 0.1,
                          "recon": {"inputs": [[[0.0, 1.0], [0.5, 0.5]]], "corrupted": None,
                                    "outputs": [[[0.1, 0.9], [0.5, 2.0]]]}})
    store.set_status("r1", "completed")
    at = open_page("zh")
    assert not at.exception, at.exception
    assert at.selectbox(key="ex_run").value == "r1"
    share = 1 / 4  # one pixel of four has |e| > delta = 1
    expected = STRINGS["zh"]["explorer.errors.caption_pixel"].format(share=share, delta=1.0, max=1.5)
    assert expected in [c.value for c in at.caption]
