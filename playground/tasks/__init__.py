"""The task registry: which paradigm, datasets, losses and models each task takes, and the
check that a configuration fits (one message naming what would fit, never a traceback)."""
from __future__ import annotations

from dataclasses import dataclass

from ..config import ConfigError, RunConfig
from ..data import DATASETS
from ..losses import LOSSES
from ..models import BASELINES, PRESETS
from .autoencoding import (ClassificationRunner, DenoisingRunner, MaskedReconstructionRunner,
                           MaskedTokensRunner, ReconClassificationRunner, ReconstructionRunner,
                           SequenceLabellingRunner)
from .autoregressive import NextTokenRunner, PromptAnswerRunner
from .base import StepOut, TaskRunner

IMAGES = ("digits", "mnist", "fashion_mnist")
SEQUENCES = ("text", "copy", "markov", "reverse")
SIZES = tuple(PRESETS)


@dataclass(frozen=True)
class Task:
    name: str
    paradigm: str
    description: str
    datasets: tuple[str, ...]
    loss_kind: str                 # "classification" or "regression": which losses fit
    models: tuple[str, ...]
    runner: type[TaskRunner]

    @property
    def losses(self) -> list[str]:
        return [n for n, s in LOSSES.items() if s.kind in (self.loss_kind, "both")]


TASKS: dict[str, Task] = {t.name: t for t in [
    Task("next_token", "autoregressive", "predict each token from the ones before it (text, synthetic, images as pixel sequences)",
         SEQUENCES + IMAGES, "classification", SIZES, NextTokenRunner),
    Task("prompt_answer", "autoregressive", "answer after a separator; the loss covers the answer only unless loss_on_prompt",
         ("reverse", "copy"), "classification", SIZES, PromptAnswerRunner),
    Task("reconstruction", "autoencoding", "image -> latent -> image",
         IMAGES, "regression", SIZES + ("conv_ae",), ReconstructionRunner),
    Task("masked_reconstruction", "autoencoding", "MAE: hide a fraction of patches, score only the hidden ones",
         IMAGES, "regression", SIZES, MaskedReconstructionRunner),
    Task("denoising", "autoencoding", "add Gaussian noise to the input, reconstruct the clean image",
         IMAGES, "regression", SIZES + ("conv_ae",), DenoisingRunner),
    Task("masked_tokens", "autoencoding", "BERT: hide a fraction of tokens, score only the hidden ones",
         SEQUENCES, "classification", SIZES, MaskedTokensRunner),
    Task("classification", "autoencoding", "one label per image from a CLS token (or the article's LSTM)",
         IMAGES, "classification", SIZES + ("lstm",), ClassificationRunner),
    Task("sequence_labelling", "autoencoding", "one tag per token",
         ("tagging",), "classification", SIZES, SequenceLabellingRunner),
    Task("recon_classification", "autoencoding", "lam * reconstruction + (1 - lam) * cross-entropy: balance two losses",
         IMAGES, "regression", SIZES, ReconClassificationRunner),
]}

PARADIGMS = {
    "autoregressive": "A decoder sees only the past and predicts the next token; trained with "
                      "NLL, the cost in nats of each true next token.",
    "autoencoding": "An encoder sees the whole (possibly corrupted) input and rebuilds it or "
                    "labels it; trained with MSE / L1 / BCE on pixels or cross-entropy on tokens.",
}


def _choose(field: str, value: str, allowed, why: str = "") -> None:
    if value not in allowed:
        raise ConfigError(f"{field}: {value!r} {why or 'is unknown'}; choose one of: {', '.join(allowed)}")


def tasks_for(paradigm: str, dataset: str | None = None) -> list[str]:
    return [t.name for t in TASKS.values()
            if t.paradigm == paradigm and (dataset is None or dataset in t.datasets)]


def default_task(paradigm: str, dataset: str) -> str:
    """The task a user most likely means when they give only a paradigm and a dataset."""
    _choose("paradigm", paradigm, list(PARADIGMS))  # an unknown one has no task to fall back on
    if paradigm == "autoregressive" and dataset == "reverse":
        return "prompt_answer"
    fits = tasks_for(paradigm, dataset)
    return fits[0] if fits else tasks_for(paradigm)[0]


def check_combination(cfg: RunConfig) -> Task:
    """Raise ConfigError if the names do not exist or do not fit together."""
    _choose("paradigm", cfg.paradigm, list(PARADIGMS))
    _choose("task", cfg.task, tasks_for(cfg.paradigm),
            "is not a task of this paradigm" if cfg.task in TASKS else "is unknown")
    task = TASKS[cfg.task]
    _choose("dataset", cfg.dataset, task.datasets,
            f"does not fit task {task.name}" if cfg.dataset in DATASETS else "is unknown")
    _choose("loss", cfg.loss, task.losses, f"does not fit task {task.name}" if cfg.loss in LOSSES else "is unknown")
    all_models = (*PRESETS, *BASELINES)
    _choose("model", cfg.model, task.models, f"does not fit task {task.name}" if cfg.model in all_models else "is unknown")
    return task


def combinations() -> list[dict]:
    return [{"paradigm": t.paradigm, "task": t.name, "datasets": list(t.datasets),
             "losses": t.losses, "models": list(t.models)} for t in TASKS.values()]


__all__ = ["TASKS", "PARADIGMS", "Task", "TaskRunner", "StepOut", "check_combination",
           "combinations", "default_task", "tasks_for"]
