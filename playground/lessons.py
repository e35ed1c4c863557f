"""The guided lessons as plain data: which steps, in which order, and the run presets of each.

A step's text lives in `playground.i18n` under its key (`<key>.title`, `<key>.body` and, when
the step claims an outcome, `<key>.claim`); preset labels are i18n keys too. Every preset is a
dict of RunConfig fields that must pass `playground.tasks.check_combination`, and every claim
is checked by a test in tests/test_lessons.py that trains exactly that preset. No Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import RunConfig, config_to_query

NANO = {"model": "nano"}  # every preset trains in seconds on one CPU core


def _ar(**kw) -> dict:
    return {"paradigm": "autoregressive", **NANO, **kw}


def _ae(**kw) -> dict:
    return {"paradigm": "autoencoding", **NANO, **kw}


# presets shared by more than one step
COPY = _ar(task="next_token", dataset="copy", seq_len=12, steps=300, eval_every=50)
MARKOV = _ar(task="next_token", dataset="markov", steps=300, eval_every=50)
REVERSE_CE = _ar(task="prompt_answer", dataset="reverse", seq_len=12, loss="cross_entropy",
                 label_smoothing=0.0, steps=300, eval_every=50)
RECON = {loss: _ae(task="reconstruction", dataset="digits", loss=loss, steps=100, eval_every=25)
         for loss in ("mse", "l1", "bce")}
CLASSIFY = {loss: _ae(task="classification", dataset="digits", loss=loss, label_smoothing=0.0,
                      steps=300, eval_every=50) for loss in ("cross_entropy", "mse")}


@dataclass(frozen=True)
class LessonStep:
    key: str                                   # i18n prefix of title, body and claim
    presets: dict[str, dict] = field(default_factory=dict)  # i18n label key -> RunConfig fields
    claim: str | None = None                   # i18n key of the outcome a test checks; None = no claim


@dataclass(frozen=True)
class Lesson:
    id: int                                    # 1-based, as in the URL (?lesson=N)
    steps: list[LessonStep]

    @property
    def title_key(self) -> str:
        return f"lesson{self.id}.title"

    @property
    def intro_key(self) -> str:
        return f"lesson{self.id}.intro"


LESSONS: list[Lesson] = [
    Lesson(1, [
        LessonStep("l1.shift", {"preset.copy": COPY}, claim="l1.shift.claim"),
        LessonStep("l1.floor", {"preset.markov": MARKOV}, claim="l1.floor.claim"),
        LessonStep("l1.smoothing", {"preset.reverse_ce": REVERSE_CE,
                                    "preset.reverse_ls": {**REVERSE_CE, "label_smoothing": 0.2}},
                   claim="l1.smoothing.claim"),
    ]),
    Lesson(2, [
        LessonStep("l2.recon", {"preset.recon_mse": RECON["mse"], "preset.recon_l1": RECON["l1"],
                                "preset.recon_bce": RECON["bce"]}, claim="l2.recon.claim"),
        LessonStep("l2.masked", {"preset.mae": _ae(task="masked_reconstruction", dataset="digits", loss="mse",
                                                   mask_ratio=0.5, steps=200, eval_every=50),
                                 "preset.recon_mse": RECON["mse"]}, claim="l2.masked.claim"),
        LessonStep("l2.classify", {"preset.classify_ce": CLASSIFY["cross_entropy"]}, claim="l2.classify.claim"),
    ]),
    Lesson(3, [
        LessonStep("l3.map", {
            "preset.lm_text": _ar(task="next_token", dataset="text", steps=300, eval_every=50),
            "preset.classify_ce": CLASSIFY["cross_entropy"],
            "preset.answer_only": REVERSE_CE,
            "preset.tagging": _ae(task="sequence_labelling", dataset="tagging", loss="cross_entropy",
                                  label_smoothing=0.0, steps=300, eval_every=50),
            "preset.pixels": _ar(task="next_token", dataset="digits", steps=300, eval_every=100),
        }),
        LessonStep("l3.mse", {"preset.classify_ce": CLASSIFY["cross_entropy"],
                              "preset.classify_mse": CLASSIFY["mse"]}, claim="l3.mse.claim"),
        LessonStep("l3.masking", {"preset.answer_only": REVERSE_CE,
                                  "preset.with_prompt": {**REVERSE_CE, "loss_on_prompt": True}},
                   claim="l3.masking.claim"),
    ]),
    Lesson(4, [
        LessonStep("l4.balance", {
            f"preset.lam_{name}": _ae(task="recon_classification", dataset="digits", loss="mse", lam=lam,
                                      steps=200, eval_every=50)
            for name, lam in (("low", 0.1), ("high", 0.9))}, claim="l4.balance.claim"),
        LessonStep("l4.gradients", {
            name: _ae(task="classification", dataset="digits", loss="cross_entropy", lr=lr, grad_clip=clip,
                      steps=150, eval_every=50)
            for name, lr, clip in (("preset.lr_ok", 0.003, 1.0), ("preset.lr_high", 1.0, 0.0),
                                   ("preset.lr_high_clip", 1.0, 1.0))}, claim="l4.gradients.claim"),
        LessonStep("l4.outliers", {
            f"preset.out_{loss}": _ae(task="reconstruction", dataset="digits", loss=loss, outlier_frac=0.05,
                                      steps=100, eval_every=25)
            for loss in ("mse", "huber", "l1")}, claim="l4.outliers.claim"),
        LessonStep("l4.noise", {
            "preset.noise_clean": CLASSIFY["cross_entropy"],
            "preset.noise_ce": {**CLASSIFY["cross_entropy"], "label_noise": 0.3},
            "preset.noise_ls": {**CLASSIFY["cross_entropy"], "label_noise": 0.3, "label_smoothing": 0.2},
        }, claim="l4.noise.claim"),
    ]),
]


def parse_lesson(raw) -> int | None:
    """The lesson number from a URL value ('2'), or None when it names no lesson."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit() or len(text) > 3:
        return None
    n = int(text)
    return n if 1 <= n <= len(LESSONS) else None


def get_lesson(n: int) -> Lesson:
    return LESSONS[n - 1]


def preset_query(preset: dict, *, lesson: int, lang: str, autostart: bool = True,
                 teacher: bool = False) -> dict[str, str]:
    """URL parameters that open the Train page with this preset (and start it); `teacher`
    passes the classroom view on, for a Train page that chooses to honour it."""
    query = config_to_query(RunConfig(**preset))
    query["lesson"], query["lang"] = str(lesson), lang
    if autostart:
        query["autostart"] = "1"
    if teacher:
        query["teacher"] = "1"
    return query


def all_presets() -> list[tuple[str, str, dict]]:
    """(step key, label key, preset) for every preset of every lesson."""
    return [(step.key, label, preset) for lesson in LESSONS for step in lesson.steps
            for label, preset in step.presets.items()]
