"""The training loop. Knows nothing of tasks or models beyond "a batch gives a loss".

minGPT's shape: named events with callbacks that receive the trainer, progress as plain
attributes (`step`, `loss`, `grad_norm`, `lr`, `step_dt`), a stop flag checked every step.
Logging, storing and the UI are callbacks or readers of those attributes, never code here.
Device and seed are decided here, in `resolve_device` and `seed_everything`, and nowhere else.
"""
from __future__ import annotations

import math
import random
import threading
import time
from collections import defaultdict
from typing import Callable

import torch

from .config import RunConfig

EVENTS = ("on_start", "on_step", "on_eval", "on_end")
EVAL_CAP = 120  # evals kept in memory per run (each holds artifacts: grids, samples)
STATUSES = ("queued", "running", "completed", "stopped", "diverged", "failed", "interrupted")


def resolve_device(name: str) -> torch.device:
    """auto picks cuda, then mps, then cpu; asking for a device that is absent is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: cuda was asked for but no CUDA GPU is available; use auto or cpu")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("device: mps was asked for but is not available; use auto or cpu")
    return torch.device(name)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch and Python; return the CPU generator that draws batches."""
    random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def lr_at(step: int, cfg: RunConfig) -> float:
    """Linear warm-up to cfg.lr, then cosine decay to cfg.lr / 10 at the last step."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    span = max(1, cfg.steps - cfg.warmup_steps)
    progress = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


class History:
    """Per-step records with bounded memory: past `cap` rows, every other row is dropped and
    the stride doubles, so a run of any length keeps an even picture in at most `cap` rows."""

    def __init__(self, cap: int = 2000):
        self.cap, self.stride, self.rows = cap, 1, []

    def row_at(self, step: int) -> dict | None:
        """The row of `step` if it was kept (past the cap most steps are not)."""
        return self.rows[-1] if self.rows and self.rows[-1]["step"] == step else None

    def add(self, step: int, row: dict) -> None:
        if step % self.stride:
            return
        self.rows.append(row)
        if len(self.rows) > self.cap:
            self.stride *= 2
            self.rows = [r for r in self.rows if r["step"] % self.stride == 0]


def thin_evals(evals: list[dict]) -> list[dict]:
    """Bounded memory for eval artifacts: past EVAL_CAP, thin the older half, keep the newest."""
    if len(evals) <= EVAL_CAP:
        return evals
    return evals[: EVAL_CAP // 2 : 2] + evals[EVAL_CAP // 2 :]


def make_optimizer(model: torch.nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    """AdamW; no weight decay on biases, norms and embeddings' 1-d parameters (nanoGPT)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr)


class Trainer:
    """Runs `steps` optimizer steps of `loss_fn(get_batch())`, evaluating every `eval_every`."""

    def __init__(self, model, cfg: RunConfig, get_batch: Callable, loss_fn: Callable,
                 evaluate: Callable[[bool], dict] | None = None, device: torch.device | None = None):
        self.model, self.cfg = model, cfg
        self.get_batch, self.loss_fn, self.evaluate = get_batch, loss_fn, evaluate
        self.device = device or torch.device("cpu")
        self.optimizer = make_optimizer(model, cfg)
        self.callbacks: dict[str, list[Callable]] = defaultdict(list)
        self.stop_flag = threading.Event()
        self.history = History()
        self.evals: list[dict] = []
        self.status, self.reason = "queued", ""
        self.step = 0
        self.loss = self.grad_norm = self.lr = float("nan")
        self.step_dt, self.started, self.seconds = 0.0, 0.0, 0.0

    def add_callback(self, event: str, fn: Callable) -> None:
        if event not in EVENTS:
            raise ValueError(f"event: unknown {event!r}; choose one of: {', '.join(EVENTS)}")
        self.callbacks[event].append(fn)

    def trigger(self, event: str) -> None:
        for fn in self.callbacks[event]:
            fn(self)

    def run(self) -> str:
        """Train; return the final status. Exceptions become status 'failed' with a reason."""
        self.started, self.status = time.time(), "running"
        if self.device.type == "cpu":
            torch.set_num_threads(self.cfg.threads)  # per thread: must be set in the thread that trains
        try:
            self.trigger("on_start")
            self._loop()
            if self.status == "running":
                self.status = "completed"
        except Exception as e:  # a run's failure is reported, never raised into the app
            self.status = "failed"
            self.reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no message'}"
        self.seconds = time.time() - self.started
        self.trigger("on_end")
        return self.status

    def _loop(self) -> None:
        cfg, model = self.cfg, self.model
        autocast = self.device.type == "cuda"  # bf16 on CUDA; losses cast to fp32 themselves
        model.train()
        for self.step in range(cfg.steps):
            if self.stop_flag.is_set():
                self.status, self.reason = "stopped", f"stopped by the user at step {self.step}"
                return
            t0 = time.perf_counter()
            self.lr = lr_at(self.step, cfg)
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=autocast):
                loss = self.loss_fn(self.get_batch())
            self.loss = loss.detach().item()  # one sync per step: the finiteness check needs it
            if not math.isfinite(self.loss):
                self.status = "diverged"
                self.reason = (f"the loss became {self.loss} at step {self.step}: the weights blew up; "
                               "try a lower learning rate or gradient clipping")
                return
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clip = cfg.grad_clip if cfg.grad_clip > 0 else float("inf")
            self.grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip))
            self.optimizer.step()
            self.step_dt = time.perf_counter() - t0
            self.history.add(self.step, {"step": self.step, "loss": self.loss, "grad_norm": self.grad_norm,
                                         "lr": self.lr, "time": time.time() - self.started})
            self.trigger("on_step")
            if self.evaluate and ((self.step + 1) % cfg.eval_every == 0 or self.step + 1 == cfg.steps):
                self.run_eval(final=self.step + 1 == cfg.steps)
        self.step = cfg.steps

    def run_eval(self, final: bool = False) -> dict:
        self.model.eval()
        with torch.no_grad(), torch.autocast(self.device.type, dtype=torch.bfloat16,
                                             enabled=self.device.type == "cuda"):
            result = {"step": self.step + 1, "time": time.time() - self.started, **self.evaluate(final)}
        self.model.train()
        self.evals = thin_evals([*self.evals, result])
        self.trigger("on_eval")
        return result
