"""From a config to a ready Trainer, and from a finished Trainer to its summary.

The one place that wires config -> data -> task runner -> model -> trainer, used alike by the
CLI, the benchmark and the run manager behind the page.
"""
from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass

import torch

from .config import RunConfig, validate
from .data import Data, load_dataset
from .models import count_params
from .tasks import TASKS, TaskRunner, check_combination
from .train import Trainer, resolve_device, seed_everything


_INIT_LOCK = threading.Lock()


@dataclass
class Experiment:
    cfg: RunConfig
    data: Data
    runner: TaskRunner
    model: torch.nn.Module
    trainer: Trainer


def load_data(cfg: RunConfig) -> Data:
    return load_dataset(cfg.dataset, seq_len=cfg.seq_len, vocab_size=cfg.vocab_size, levels=cfg.levels,
                        seed=cfg.seed, text_path=cfg.text_path, data_dir=cfg.data_dir)


def build_experiment(cfg: RunConfig) -> Experiment:
    """Validate, load, build. Raises ConfigError / DataError / ValueError with one-line messages."""
    validate(cfg)
    task = check_combination(cfg)
    device = resolve_device(cfg.device)
    data = load_data(cfg)
    runner = task.runner(cfg, data, device)
    # Weight init draws from torch's global generator, which all threads share: build under a
    # lock with a forked, seeded generator so concurrent runs cannot perturb each other's init.
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        gen = seed_everything(cfg.seed)
        model = runner.build_model()
    model = model.to(device)
    trainer = Trainer(model, cfg, get_batch=lambda: runner.get_batch(gen),
                      loss_fn=lambda batch: runner.step(model, batch, gen).loss,
                      evaluate=lambda final: runner.evaluate(model, final), device=device)
    return Experiment(cfg, data, runner, model, trainer)


def run_info(exp: Experiment) -> dict:
    """What a reader needs before the first eval: sizes, reference lines, the floor."""
    r = exp.runner
    return {
        "params": count_params(exp.model),
        "device": str(exp.trainer.device),
        "paradigm": TASKS[exp.cfg.task].paradigm,
        "entropy_floor": r.floor,
        "entropy_floor_per_timestep": getattr(r, "floor_per_timestep", None),
        "reference_lines": r.reference_lines(),
        "image_shape": list(exp.data.image_shape) if exp.data.image_shape else None,
    }


def _finite(x):
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def summarize(exp: Experiment) -> dict:
    """The run's summary: the last line of `train --json` and what the store keeps."""
    t = exp.trainer
    last = t.evals[-1] if t.evals else {}
    recent = [r["loss"] for r in t.history.rows[-20:]]
    out = {
        "status": t.status,
        "reason": t.reason or None,
        "steps": t.step,
        "train_loss": _finite(sum(recent) / len(recent)) if recent else None,
        "val_loss": _finite(last.get("val_loss")),
        "seconds": round(t.seconds, 3),
        **run_info(exp),
        "config": asdict(exp.cfg),
    }
    for key in ("val_nll", "perplexity", "bits", "accuracy", "val_mse", "answer_accuracy"):
        if key in last:
            out[key] = _finite(last[key])
    if "nll_per_timestep" in last:
        out["val_nll_per_timestep"] = last["nll_per_timestep"]
    return out
