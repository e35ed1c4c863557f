"""Loss functions for the playground: one signature, per-element output, one registry.

Every loss is ``fn(pred, target, p: LossParams) -> Tensor`` and returns the loss of each
element, never reduced, so a task can mask, weight or plot it (per-timestep NLL heatmaps).
Reductions live here too (``masked_mean``, ``weighted_sum``); what a paradigm feeds in
(shifting, masking, heads) lives in ``playground.tasks``.

How a loss reads its inputs, decided by ``target``:

- integer ``target`` (...) = class ids, ``pred`` = logits (..., C); ``IGNORE_INDEX``
  positions give exactly 0 loss and 0 gradient. Output (...).
- float ``target`` (..., C) to ``nll`` / ``cross_entropy`` / ``focal`` = soft targets (rows
  sum to 1). Output (...).
- float ``target`` to ``mse`` / ``l1`` / ``huber`` / ``bce`` = regression, same shape as
  ``pred``. Output that shape.

All maths runs in fp32 via log-softmax / log-sum-exp, so logits of 1e4 stay finite.
No UI code here: ``LOSSES`` carries the metadata (LaTeX formula, kind) that pages display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

IGNORE_INDEX = -100  # same convention as F.cross_entropy

# Soft-target rows must sum to 1 within this; loose enough for bf16 targets.
_ROW_SUM_TOL = 1e-2


@dataclass(frozen=True)
class LossParams:
    label_smoothing: float = 0.0  # eps in [0, 1]: target mass spread uniformly (cross_entropy)
    focal_gamma: float = 2.0  # gamma >= 0: focusing power of focal loss; 0 gives plain NLL
    huber_delta: float = 1.0  # delta > 0: where huber switches from quadratic to linear
    z_loss: float = 0.0  # >= 0: weight of logsumexp(logits)^2 added by classification losses

    def __post_init__(self) -> None:
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing: must be in [0, 1], got {self.label_smoothing}")
        if self.focal_gamma < 0.0:
            raise ValueError(f"focal_gamma: must be >= 0, got {self.focal_gamma}")
        if self.huber_delta <= 0.0:
            raise ValueError(f"huber_delta: must be > 0, got {self.huber_delta}")
        if self.z_loss < 0.0:
            raise ValueError(f"z_loss: must be >= 0, got {self.z_loss}")


# --------------------------------------------------------------------------- input checks


def _is_class_ids(target: Tensor) -> bool:
    return not target.dtype.is_floating_point and target.dtype != torch.bool


def _check_class_ids(name: str, pred: Tensor, target: Tensor) -> None:
    if target.shape != pred.shape[:-1]:
        raise ValueError(
            f"{name}: class ids of shape {tuple(target.shape)} need logits of shape "
            f"{tuple(target.shape)} + (C,), got {tuple(pred.shape)}"
        )
    # An out-of-range id is a device-side assert on CUDA, which poisons the CUDA context of
    # the whole (long-lived, shared) app process; a ValueError only fails this run.
    C = pred.shape[-1]
    valid = ((target >= 0) & (target < C)) | (target == IGNORE_INDEX)
    if not bool(valid.all()):
        raise ValueError(f"{name}: class ids must be in [0, {C}) or IGNORE_INDEX={IGNORE_INDEX}")


def _check_soft_or_ids(name: str, pred: Tensor, target: Tensor) -> None:
    """Accept class ids or soft targets; anything else is a regression target: say what fits."""
    if _is_class_ids(target):
        _check_class_ids(name, pred, target)
        return
    if target.shape == pred.shape and target.dtype.is_floating_point:
        t = target.float()
        if bool((t >= 0).all()) and bool(((t.sum(-1) - 1).abs() <= _ROW_SUM_TOL).all()):
            return
    raise ValueError(
        f"{name} is a classification loss: it needs int64 class ids (...) or soft targets "
        f"(..., C) whose rows sum to 1; for regression targets use one of: "
        f"{', '.join(losses_for('regression'))}"
    )


def _check_regression(name: str, pred: Tensor, target: Tensor) -> None:
    # F.mse_loss & co. would broadcast mismatched shapes with only a warning.
    if target.shape != pred.shape:
        raise ValueError(
            f"{name}: regression needs pred and target of the same shape, "
            f"got {tuple(pred.shape)} and {tuple(target.shape)}"
        )


# --------------------------------------------------------------------------- shared pieces


def _split_ids(target: Tensor) -> tuple[Tensor, Tensor]:
    """(ids safe to index with, keep mask): ignored positions index class 0, zeroed later."""
    keep = target != IGNORE_INDEX
    return torch.where(keep, target, 0).long(), keep  # gather / one_hot need int64


def _neg_log_lik(logp: Tensor, target: Tensor) -> tuple[Tensor, Tensor | None]:
    """-log p_y for class ids, -sum_c q_c log p_c for soft targets; plus the keep mask."""
    if _is_class_ids(target):
        ids, keep = _split_ids(target)
        return -logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1), keep  # (...)
    return -(target.float() * logp).sum(-1), None  # (...)


def _finish(loss: Tensor, logits: Tensor, keep: Tensor | None, p: LossParams) -> Tensor:
    """Add z-loss and zero ignored positions of a classification loss.

    z-loss, PaLM (Chowdhery et al. 2022): z * logsumexp(logits)^2 keeps the softmax
    normaliser near 1, i.e. logits from drifting.
    """
    if p.z_loss > 0:
        loss = loss + p.z_loss * torch.logsumexp(logits, dim=-1).square()
    # where, not loss * keep: a NaN/inf at an ignored position would survive the product
    return loss if keep is None else torch.where(keep, loss, 0.0)


# --------------------------------------------------------------------------- classification


def nll(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """Negative log-likelihood of the softmax: -log p_y, or -sum_c q_c log p_c (soft)."""
    _check_soft_or_ids("nll", pred, target)
    logits = pred.float()
    loss, keep = _neg_log_lik(F.log_softmax(logits, dim=-1), target)
    return _finish(loss, logits, keep, p)


def cross_entropy(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """Cross-entropy with label smoothing, equal to F.cross_entropy(reduction='none').

    (1 - eps) * (-log p_y) + eps * mean_c(-log p_c): the target is mixed with the uniform
    distribution (Szegedy et al. 2016, "Rethinking the Inception Architecture"). The same
    identity holds for soft targets q, with -sum_c q_c log p_c in place of -log p_y.
    """
    _check_soft_or_ids("cross_entropy", pred, target)
    logits = pred.float()
    logp = F.log_softmax(logits, dim=-1)
    loss, keep = _neg_log_lik(logp, target)
    eps = p.label_smoothing
    loss = (1 - eps) * loss + eps * (-logp.mean(-1))
    return _finish(loss, logits, keep, p)


def focal(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """Focal loss, Lin et al. 2017: -(1 - p_y)^gamma log p_y; down-weights easy examples.

    Soft targets: -sum_c q_c (1 - p_c)^gamma log p_c. gamma = 0 gives nll.
    """
    _check_soft_or_ids("focal", pred, target)
    logits = pred.float()
    logp = F.log_softmax(logits, dim=-1)
    # 1 - p = -expm1(log p) keeps precision near p = 1; the tiny floor keeps the gradient of
    # (1 - p)^gamma finite (not 0 * inf) when p rounds to exactly 1 and gamma < 1.
    weight = (-torch.expm1(logp)).clamp_min(torch.finfo(torch.float32).tiny) ** p.focal_gamma
    if _is_class_ids(target):
        ids, keep = _split_ids(target)
        pick = ids.unsqueeze(-1)
        loss = -(weight.gather(-1, pick) * logp.gather(-1, pick)).squeeze(-1)  # (...)
    else:
        loss, keep = -(target.float() * weight * logp).sum(-1), None  # (...)
    return _finish(loss, logits, keep, p)


# --------------------------------------------------------------------------- both kinds


def _elementwise_or_classes(
    name: str,
    elem: Callable[[Tensor, Tensor], Tensor],
    pred: Tensor,
    target: Tensor,
    p: LossParams,
    on_probs: bool = True,
) -> Tensor:
    """Regression: elem(pred, target). Class ids: sum_c elem(probs or logits, one-hot)."""
    if not _is_class_ids(target):
        _check_regression(name, pred, target)
        return elem(pred.float(), target.float())
    _check_class_ids(name, pred, target)
    logits = pred.float()
    ids, keep = _split_ids(target)
    one_hot = F.one_hot(ids, logits.shape[-1]).float()  # (..., C)
    x = F.softmax(logits, dim=-1) if on_probs else logits
    return _finish(elem(x, one_hot).sum(-1), logits, keep, p)  # (...)


def mse(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """(x - y)^2 elementwise; on classes sum_c (p_c - [c = y])^2 (the Brier score)."""
    return _elementwise_or_classes("mse", lambda x, y: (x - y).square(), pred, target, p)


def l1(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """|x - y| elementwise; on classes sum_c |p_c - [c = y]| = 2 (1 - p_y)."""
    return _elementwise_or_classes("l1", lambda x, y: (x - y).abs(), pred, target, p)


def huber(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """Huber 1964: quadratic for |e| < delta, linear beyond, so outliers pull less than MSE."""

    def elem(x: Tensor, y: Tensor) -> Tensor:
        return F.huber_loss(x, y, reduction="none", delta=p.huber_delta)

    return _elementwise_or_classes("huber", elem, pred, target, p)


def bce(pred: Tensor, target: Tensor, p: LossParams) -> Tensor:
    """-[y log s(x) + (1 - y) log(1 - s(x))], s = sigmoid, computed from logits (stable).

    Regression: targets in [0, 1] (e.g. pixel intensities). Classes: one sigmoid per class
    against the one-hot target, summed over classes (one-vs-rest, no softmax).
    """

    def elem(x: Tensor, y: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(x, y, reduction="none")

    return _elementwise_or_classes("bce", elem, pred, target, p, on_probs=False)


# --------------------------------------------------------------------------- reductions


def masked_mean(per_elem: Tensor, mask: Tensor | None) -> Tensor:
    """sum(per_elem * mask) / sum(mask) as a scalar; None = plain mean; empty mask = 0."""
    if mask is None:
        return per_elem.mean()
    if mask.shape != per_elem.shape:
        raise ValueError(
            f"masked_mean: mask shape {tuple(mask.shape)} != per_elem shape {tuple(per_elem.shape)}"
        )
    # where, not multiply: a NaN/inf at an unselected position must not leak into the mean
    total = torch.where(mask, per_elem, 0.0).sum()
    return total / mask.sum().clamp_min(1)


def weighted_sum(terms: list[Tensor], weights: list[float]) -> Tensor:
    """sum_i w_i * term_i, e.g. reconstruction + classification loss."""
    if len(terms) != len(weights):
        raise ValueError(f"weighted_sum: {len(terms)} terms but {len(weights)} weights")
    if not terms:
        raise ValueError("weighted_sum: needs at least one term")
    # start from the first term so the result keeps its device and dtype
    rest = zip(weights[1:], terms[1:], strict=True)
    return sum((w * t for w, t in rest), start=weights[0] * terms[0])


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class LossSpec:
    name: str
    fn: Callable[[Tensor, Tensor, LossParams], Tensor]
    formula: str  # LaTeX, for st.latex
    description: str  # one line
    kind: str  # "classification" | "regression" | "both"
    note: str = ""  # how it is defined when applied to the other kind
    higher_is_better: bool = False


def get_loss(name: str) -> LossSpec:
    if name not in LOSSES:
        raise KeyError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    return LOSSES[name]


def losses_for(kind: str) -> list[str]:
    """Names of the losses that apply to 'classification' or 'regression' targets."""
    if kind not in ("classification", "regression"):
        raise ValueError(f"kind: must be 'classification' or 'regression', got {kind!r}")
    return [name for name, spec in LOSSES.items() if spec.kind in (kind, "both")]


_ON_PROBS = (
    "On logits + class ids: softmax probabilities vs the one-hot target, summed over classes "
    "(the instructive 'MSE on probabilities' choice: bounded, so it never punishes a "
    "confident mistake as hard as NLL). A float target always means regression."
)

LOSSES: dict[str, LossSpec] = {
    "nll": LossSpec(
        name="nll",
        fn=nll,
        formula=r"\ell = -\log p_y, \quad p = \operatorname{softmax}(z)",
        description="Negative log-likelihood of the target under the softmax.",
        kind="classification",
        note="Soft targets q give -sum_c q_c log p_c. Ignores label smoothing.",
    ),
    "cross_entropy": LossSpec(
        name="cross_entropy",
        fn=cross_entropy,
        formula=r"\ell = (1-\varepsilon)(-\log p_y) + \frac{\varepsilon}{C}\sum_{c}(-\log p_c)",
        description="Cross-entropy with label smoothing (Szegedy et al. 2016).",
        kind="classification",
        note="Equals F.cross_entropy(label_smoothing=eps); eps = 0 gives nll.",
    ),
    "focal": LossSpec(
        name="focal",
        fn=focal,
        formula=r"\ell = -(1-p_y)^{\gamma}\log p_y",
        description="Focal loss: down-weights examples already predicted well (Lin et al. 2017).",
        kind="classification",
        note="gamma = 0 gives nll.",
    ),
    "mse": LossSpec(
        name="mse",
        fn=mse,
        formula=r"\ell = (x - y)^2 \quad\text{classes: } \sum_c (p_c - [c=y])^2",
        description="Squared error.",
        kind="both",
        note=_ON_PROBS,
    ),
    "l1": LossSpec(
        name="l1",
        fn=l1,
        formula=r"\ell = |x - y| \quad\text{classes: } \sum_c |p_c - [c=y]|",
        description="Absolute error: the median instead of the mean, robust to outliers.",
        kind="both",
        note=_ON_PROBS,
    ),
    "huber": LossSpec(
        name="huber",
        fn=huber,
        formula=(
            r"\ell = \begin{cases} \tfrac12 e^2 & |e| < \delta \\ "
            r"\delta(|e| - \tfrac12\delta) & \text{otherwise} \end{cases}, \quad e = x - y"
        ),
        description="Quadratic near zero, linear for large errors (Huber 1964).",
        kind="both",
        note=_ON_PROBS,
    ),
    "bce": LossSpec(
        name="bce",
        fn=bce,
        formula=r"\ell = -[\,y\log\sigma(x) + (1-y)\log(1-\sigma(x))\,]",
        description="Binary cross-entropy on logits; regression targets must lie in [0, 1].",
        kind="both",
        note=(
            "On logits + class ids: one sigmoid per class vs the one-hot target, summed over "
            "classes (one-vs-rest, no softmax). A float target always means regression."
        ),
    ),
}
