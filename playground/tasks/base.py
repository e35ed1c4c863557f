"""What every task runner shares: the step output, loss lookup, batching and exact means.

A *task* is the paradigm glue: it alone knows how a batch becomes a per-element loss (the
shift for autoregressive models, the masks of MAE / MLM, the CLS head, the weighted sum).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..config import RunConfig
from ..data import Data
from ..losses import LossParams, get_loss, masked_mean

EVAL_EXAMPLES = 512  # held-out examples per eval: enough for a stable mean, cheap on a CPU
SHOW_EXAMPLES = 8    # fixed examples whose reconstructions / samples are shown


@dataclass
class StepOut:
    loss: Tensor            # scalar that backward() sees
    per_elem: Tensor        # the per-element loss from the same forward pass
    mask: Tensor | None     # which elements count (bool, same shape); None = all


def loss_params(cfg: RunConfig) -> LossParams:
    return LossParams(label_smoothing=cfg.label_smoothing, focal_gamma=cfg.focal_gamma,
                      huber_delta=cfg.huber_delta, z_loss=cfg.z_loss)


class TaskRunner:
    """One task on one dataset for one run. Subclasses fill in build_model, step, evaluate."""

    def __init__(self, cfg: RunConfig, data: Data, device: torch.device):
        self.cfg, self.data, self.device = cfg, data, device
        self.loss_spec = get_loss(cfg.loss)
        self.params = loss_params(cfg)
        self.floor: float | None = None  # entropy floor of the loss positions, nats (None = unknown)
        self.train_tensors: tuple[Tensor, ...] = ()
        self.val_tensors: tuple[Tensor, ...] = ()

    def per_elem(self, pred: Tensor, target: Tensor) -> Tensor:
        return self.loss_spec.fn(pred, target, self.params)

    def get_batch(self, gen: torch.Generator) -> tuple[Tensor, ...]:
        """A random training batch (indices drawn on the CPU generator: same seed, same data)."""
        n = self.train_tensors[0].shape[0]
        idx = torch.randint(n, (min(self.cfg.batch_size, n),), generator=gen)
        return tuple(t[idx].to(self.device, non_blocking=True) for t in self.train_tensors)

    def val_batches(self, size: int = 256):
        """The fixed held-out subset in chunks; the eval sums and divides once (exact mean)."""
        n = min(self.val_tensors[0].shape[0], EVAL_EXAMPLES)
        for i in range(0, n, size):
            yield tuple(t[i : min(i + size, n)].to(self.device) for t in self.val_tensors)

    def reference_lines(self) -> dict[str, float]:
        """Horizontal lines worth drawing on the loss chart (name -> value)."""
        return {}


def exact_mean(total: float, count: float) -> float:
    return total / count if count else float("nan")


__all__ = ["StepOut", "TaskRunner", "loss_params", "masked_mean", "exact_mean", "EVAL_EXAMPLES", "SHOW_EXAMPLES"]
