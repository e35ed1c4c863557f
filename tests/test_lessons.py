"""The lessons: every preset is a valid run, every string exists in both languages, the page
renders each lesson in each language (and in the classroom view), and every outcome a lesson
claims is checked here by training that very preset on the CPU.

Each claim test names its claim key; `CLAIM_TESTS` ties the keys in playground.lessons to the
tests, so a new claim without a test fails `test_every_claim_has_a_test`.
"""
import functools
import json
import math
import string
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig, config_from_query, validate
from playground.data import load_dataset
from playground.experiment import build_experiment, summarize
from playground.i18n import LANGS, STRINGS, pick_lang, t
from playground.lessons import LESSONS, all_presets, get_lesson, parse_lesson, preset_query
from playground.runs import Limits
from playground.tasks import check_combination

torch.set_num_threads(1)

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "lessons.py")


def step(key: str):
    return next(s for lesson in LESSONS for s in lesson.steps if s.key == key)


@functools.cache
def _trained(preset_json: str) -> dict:
    cfg = RunConfig(**json.loads(preset_json))
    exp = build_experiment(cfg)
    assert exp.trainer.run() == "completed", exp.trainer.reason
    return {"summary": summarize(exp), "last": exp.trainer.evals[-1],
            "grad_norms": [r["grad_norm"] for r in exp.trainer.history.rows]}


def train(preset: dict, **overrides) -> dict:
    """Train a lesson preset exactly as given, on the CPU; each preset trains once per session."""
    return _trained(json.dumps({**preset, **overrides, "device": "cpu"}, sort_keys=True))


def presets(key: str) -> dict[str, dict]:
    return step(key).presets


# ---------------------------------------------------------------- data and strings

def test_every_preset_is_a_valid_run_a_classroom_host_allows():
    assert all_presets()
    for key, label, preset in all_presets():
        cfg = validate(RunConfig(**preset))
        check_combination(cfg)
        Limits.hosted().check(cfg)  # thirty students on a 2-core box: nano, short, allowed sets
        assert cfg.model == "nano", (key, label)


def test_preset_links_round_trip_through_the_train_page_parameters():
    for key, label, preset in all_presets():
        query = preset_query(preset, lesson=2, lang="zh", teacher=True)
        assert query["autostart"] == "1" and query["lesson"] == "2" and query["lang"] == "zh"
        assert query["teacher"] == "1" and "teacher" not in preset_query(preset, lesson=2, lang="zh")
        cfg, warnings = config_from_query(query)
        assert not warnings and cfg == RunConfig(**preset), (key, label)


def test_both_languages_have_the_same_keys_no_empty_value_and_the_same_placeholders():
    en, zh = STRINGS["en"], STRINGS["zh"]
    assert set(en) == set(zh)
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)
    for k in en:
        assert en[k].strip() and zh[k].strip(), k
        assert fields(en[k]) == fields(zh[k]), k


def test_every_lesson_string_exists():
    for lesson in LESSONS:
        for lang in LANGS:
            t(lesson.title_key, lang), t(lesson.intro_key, lang)
            for s in lesson.steps:
                t(f"{s.key}.title", lang), t(f"{s.key}.body", lang)
                if s.claim:
                    t(s.claim, lang)
                for label in s.presets:
                    t(label, lang)


def test_language_choice_prefers_a_valid_url_value_and_falls_back_to_english():
    assert pick_lang("zh") == "zh" and pick_lang("ZH ") == "zh"
    assert pick_lang("fr", "zh") == "en"  # a bad link value reads as English
    assert pick_lang(None, "zh") == "zh" and pick_lang(None, None) == "en" and pick_lang(None, 3) == "en"
    assert t("lessons.title", "xx") == STRINGS["en"]["lessons.title"]


@pytest.mark.parametrize("raw, expect", [("1", 1), ("4", 4), (" 2 ", 2), ("0", None), ("5", None), ("-1", None),
                                         ("1.5", None), ("abc", None), ("", None), (None, None), ("9" * 50, None)])
def test_lesson_number_from_the_url_is_validated(raw, expect):
    assert parse_lesson(raw) == expect


# ---------------------------------------------------------------- the claims, one test each

def test_claim_l1_shift_copy_positions_reach_their_floors():
    run = train(presets("l1.shift")["preset.copy"])
    nll = np.array(run["last"]["nll_per_timestep"])
    V, L = 8, (12 - 1) // 2  # seq_len 12: 5 prompt symbols, SEP, the copy, one SEP of padding
    floor = np.zeros(11)
    floor[: L - 1] = math.log(V)  # prompt symbols 1..4 are fresh uniform draws; symbol 0 is given
    assert np.all(np.abs(nll - floor) < 0.1), nll.round(3)


def test_claim_l1_floor_markov_nll_meets_entropy_rate():
    preset = presets("l1.floor")["preset.markov"]
    run = train(preset)
    # the floor from the data alone: the plug-in conditional entropy H(x[t+1] | x[t])
    x = load_dataset("markov", seq_len=preset.get("seq_len", 32), vocab_size=8, seed=0).x_train.numpy()
    counts = np.zeros((8, 8))
    np.add.at(counts, (x[:, :-1].ravel(), x[:, 1:].ravel()), 1)
    rows = counts / counts.sum(1, keepdims=True)
    h = -np.sum(counts / counts.sum() * np.log(np.where(rows > 0, rows, 1)))
    s = run["summary"]
    assert s["entropy_floor"] == pytest.approx(h, abs=0.02) and s["entropy_floor"] == pytest.approx(1.07, abs=0.01)
    assert abs(s["val_nll"] - s["entropy_floor"]) < 0.05
    assert s["val_nll"] < math.log(8) - 0.9
    assert s["perplexity"] == pytest.approx(math.exp(s["val_nll"])) and 2.8 < s["perplexity"] < 3.0
    assert s["bits"] == pytest.approx(s["val_nll"] / math.log(2)) and 1.5 < s["bits"] < 1.6


def test_claim_l1_smoothing_raises_the_lowest_reachable_nll():
    runs = presets("l1.smoothing")
    plain, smooth = train(runs["preset.reverse_ce"])["summary"], train(runs["preset.reverse_ls"])["summary"]
    eps, C = 0.2, 9  # 8 symbols + the separator
    bound = -math.log(1 - eps + eps / C)
    assert bound == pytest.approx(0.196, abs=5e-4)
    assert plain["val_nll"] < 0.05
    assert abs(smooth["val_nll"] - bound) < 0.02


def mean_image_mse() -> float:
    data = load_dataset("digits", seed=0)
    return float(((data.x_val - data.x_train.mean(0)) ** 2).mean())


def test_claim_l2_recon_all_three_losses_beat_the_mean_image():
    baseline = mean_image_mse()
    assert baseline == pytest.approx(0.072, abs=0.002)
    for label, preset in presets("l2.recon").items():
        assert train(preset)["summary"]["val_mse"] < baseline / 10, label


def test_claim_l2_masked_reconstruction_is_far_harder_than_copying():
    runs, baseline = presets("l2.masked"), mean_image_mse()
    masked = train(runs["preset.mae"])["summary"]["val_mse"]
    plain = train(runs["preset.recon_mse"])["summary"]["val_mse"]
    assert abs(masked - baseline) < 0.1 * baseline
    assert masked > 10 * plain


def test_claim_l2_classify_cross_entropy_beats_chance():
    assert train(presets("l2.classify")["preset.classify_ce"])["summary"]["accuracy"] > 0.8


def test_claim_l3_mse_gives_worse_nll_and_similar_accuracy():
    runs = presets("l3.mse")
    for seed in (0, 1, 2):
        ce = train(runs["preset.classify_ce"], seed=seed)["summary"]
        mse = train(runs["preset.classify_mse"], seed=seed)["summary"]
        assert ce["val_nll"] < mse["val_nll"], seed
        assert abs(ce["accuracy"] - mse["accuracy"]) < 0.10, seed


def test_claim_l3_masking_decides_what_the_loss_measures():
    runs = presets("l3.masking")
    answer, both = train(runs["preset.answer_only"]), train(runs["preset.with_prompt"])
    assert answer["summary"]["answer_accuracy"] >= 0.95 and both["summary"]["answer_accuracy"] >= 0.95
    floor = 4 * math.log(8) / 11  # 4 unpredictable prompt symbols among 11 scored positions
    assert floor == pytest.approx(0.756, abs=1e-3)
    assert abs(both["summary"]["val_nll"] - floor) < 0.03
    assert answer["summary"]["val_nll"] < 0.05
    mask = answer["last"]["loss_mask"]
    assert sum(mask) == 5 and mask[-1] is False  # the answer's 5 symbols; the padding slot is out


def test_claim_l4_balance_lambda_trades_reconstruction_for_accuracy():
    runs = presets("l4.balance")
    low, high = train(runs["preset.lam_low"])["summary"], train(runs["preset.lam_high"])["summary"]
    assert high["val_mse"] * 5 < low["val_mse"]
    assert low["accuracy"] - high["accuracy"] > 0.10


def test_claim_l4_gradients_clipping_does_not_rescue_a_too_high_learning_rate():
    runs = presets("l4.gradients")
    ok, high, clipped = (train(runs[k]) for k in ("preset.lr_ok", "preset.lr_high", "preset.lr_high_clip"))
    assert ok["summary"]["accuracy"] > 0.6
    assert high["summary"]["accuracy"] < 0.2 and clipped["summary"]["accuracy"] < 0.2
    assert max(high["grad_norms"]) > 2 * max(ok["grad_norms"])
    assert max(clipped["grad_norms"]) > 1.0  # recorded before clipping


def test_claim_l4_outliers_pull_mse_far_more_than_huber_and_l1():
    runs = presets("l4.outliers")
    mse, huber, l1 = (train(runs[f"preset.out_{k}"])["summary"]["val_mse"] for k in ("mse", "huber", "l1"))
    assert mse > 5 * huber
    assert l1 < huber and l1 < mse


def test_claim_l4_noise_labels_floor_the_training_loss():
    runs = presets("l4.noise")
    clean, noisy, smooth = (train(runs[k])["summary"]
                            for k in ("preset.noise_clean", "preset.noise_ce", "preset.noise_ls"))
    keep = 0.7 + 0.3 / 10  # kept, or replaced by a uniform draw that happens to be right
    h = -(keep * math.log(keep) + 9 * (0.3 / 10) * math.log(0.3 / 10))
    assert h == pytest.approx(1.18, abs=0.005)
    assert noisy["train_loss"] > 1.18 and smooth["train_loss"] > 1.18
    assert abs(clean["accuracy"] - noisy["accuracy"]) < 0.06
    assert abs(smooth["accuracy"] - noisy["accuracy"]) < 0.03


CLAIM_TESTS = {
    "l1.shift.claim": test_claim_l1_shift_copy_positions_reach_their_floors,
    "l1.floor.claim": test_claim_l1_floor_markov_nll_meets_entropy_rate,
    "l1.smoothing.claim": test_claim_l1_smoothing_raises_the_lowest_reachable_nll,
    "l2.recon.claim": test_claim_l2_recon_all_three_losses_beat_the_mean_image,
    "l2.masked.claim": test_claim_l2_masked_reconstruction_is_far_harder_than_copying,
    "l2.classify.claim": test_claim_l2_classify_cross_entropy_beats_chance,
    "l3.mse.claim": test_claim_l3_mse_gives_worse_nll_and_similar_accuracy,
    "l3.masking.claim": test_claim_l3_masking_decides_what_the_loss_measures,
    "l4.balance.claim": test_claim_l4_balance_lambda_trades_reconstruction_for_accuracy,
    "l4.gradients.claim": test_claim_l4_gradients_clipping_does_not_rescue_a_too_high_learning_rate,
    "l4.outliers.claim": test_claim_l4_outliers_pull_mse_far_more_than_huber_and_l1,
    "l4.noise.claim": test_claim_l4_noise_labels_floor_the_training_loss,
}


def test_every_claim_has_a_test():
    claims = {s.claim for lesson in LESSONS for s in lesson.steps if s.claim}
    assert claims == set(CLAIM_TESTS)


# ---------------------------------------------------------------- the page

@pytest.fixture(autouse=True)
def _page_store(private_store):
    """Every test here gets a fresh manager and store (tests/conftest.py)."""


def open_page(**query):
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def english_only_strings() -> list[str]:
    en, zh = STRINGS["en"], STRINGS["zh"]
    return [v.split("{")[0] for k, v in en.items() if v != zh[k] and len(v.split("{")[0]) >= 12]


def page_text(at) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info")
    parts = [e.value for kind in kinds for e in getattr(at, kind)]
    parts += [w.label for kind in ("radio", "expander") for w in getattr(at, kind)]
    parts += [b.proto.label for b in at.get("link_button")]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("number", [lesson.id for lesson in LESSONS])
def test_each_lesson_renders_in_each_language_with_working_preset_links(number, lang):
    at = open_page(lesson=str(number), lang=lang)
    assert not at.exception, at.exception
    lesson = get_lesson(number)
    assert at.header[0].value == t(lesson.title_key, lang)
    claims = [t(s.claim, lang) for s in lesson.steps if s.claim]
    assert all(any(c in i.value for i in at.info) for c in claims)
    links = at.get("link_button")
    expected = [p for s in lesson.steps for p in s.presets.values()]
    assert len(links) == len(expected)
    for link, preset in zip(links, expected):
        query = dict(parse_qsl(urlsplit(link.proto.url).query))
        cfg, warnings = config_from_query(query)
        assert not warnings and cfg == RunConfig(**preset)
        assert query["autostart"] == "1" and query["lang"] == lang and query["lesson"] == str(number)
    if lang == "zh":
        leaked = [s for s in english_only_strings() if s in page_text(at)]
        assert not leaked, leaked


def test_teacher_link_shows_one_lesson_without_the_advanced_controls():
    at = open_page(lesson="3", teacher="1", lang="zh")
    assert not at.exception, at.exception
    assert at.header[0].value == t("lesson3.title", "zh")
    assert not [r for r in at.radio if r.key == "_lesson_pick"]
    assert not at.expander  # no preset settings, no share box
    assert all("teacher=1" in b.proto.url for b in at.get("link_button"))
    assert any(t("lessons.classroom", "zh", n=3, total=len(LESSONS)) == c.value for c in at.caption)


def test_normal_view_offers_the_lesson_picker_and_a_teacher_link():
    at = open_page(lesson="2")
    assert at.radio(key="_lesson_pick").value == 2
    share = " ".join(c.value for c in at.code)
    assert "lesson=2" in share and "teacher=1" in share and "lang=en" in share
    at.radio(key="_lesson_pick").set_value(4).run()
    assert at.header[0].value == t("lesson4.title", "en")
    assert at.query_params["lesson"] in ("4", ["4"])


@pytest.mark.parametrize("bad", ["0", "99", "abc", "-2"])
def test_a_bad_lesson_number_says_so_and_shows_lesson_1(bad):
    at = open_page(lesson=bad, lang="zh")
    assert not at.exception
    assert at.header[0].value == t("lesson1.title", "zh")
    assert [w.value for w in at.warning] == [t("lessons.bad_lesson", "zh", value=bad, n=len(LESSONS))]


def test_language_switch_rewrites_the_page_and_the_url():
    at = open_page(lesson="1")
    assert at.title[0].value == "Lessons"
    at.radio(key="_lang_switch").set_value("zh").run()
    assert at.title[0].value == STRINGS["zh"]["lessons.title"]
    assert at.session_state["lang"] == "zh"
    assert at.query_params["lang"] in ("zh", ["zh"])
