"""The Loss Explorer's maths: one prediction's loss values and gradients, the shape of each loss
against the error, the saturation and outlier demos, and the errors of a run's last eval.

Every function takes and returns plain Python numbers, lists and dicts, so the page holds no
torch. Values come from the registry functions in `playground.losses` (the same code a run
trains with); gradients come from torch autograd. No Streamlit, no figures here.
"""
from __future__ import annotations

import math

import torch

from .losses import LOSSES, LossParams, losses_for

CLASSIFICATION = tuple(losses_for("classification"))  # nll, cross_entropy, focal, mse, l1, huber, bce
REGRESSION = tuple(losses_for("regression"))          # mse, l1, huber, bce
REGRESSION_CURVES = ("mse", "l1", "huber")            # losses of the error alone (bce needs a target)
CLASSIFICATION_CURVES = ("nll", "cross_entropy", "focal", "mse")
PARAM_NAMES = ("label_smoothing", "focal_gamma", "huber_delta", "z_loss")
LINE_LOSSES = ("mse", "l1", "huber")


def loss_params(params: dict | None) -> LossParams:
    """LossParams from a plain dict; an unknown key raises, naming the known ones."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(PARAM_NAMES))
    if unknown:
        raise KeyError(f"unknown loss setting {unknown[0]!r}; choose from: {', '.join(PARAM_NAMES)}")
    return LossParams(**{k: float(v) for k, v in params.items()})


def _value_and_grad(name: str, pred: torch.Tensor, target: torch.Tensor, p: LossParams):
    """(loss of the single example, d loss / d pred) through the registry function."""
    pred = pred.detach().double().requires_grad_(True)
    loss = LOSSES[name].fn(pred, target, p).sum()  # one example: the sum is its loss
    (grad,) = torch.autograd.grad(loss, pred)
    return float(loss.detach()), grad


# ---------------------------------------------------------------- one prediction

def softmax(logits: list[float]) -> list[float]:
    return torch.softmax(torch.tensor(logits, dtype=torch.float64), -1).tolist()


def classification_point(logits: list[float], target: int, params: dict | None = None) -> dict:
    """Every classification loss of one example: {name: {"value": float, "grad": [d/d z_c]}}.

    `mse`, `l1` and `huber` act on the softmax probabilities against the one-hot target and
    `bce` on one sigmoid per class, as in playground.losses.
    """
    if not 0 <= target < len(logits):
        raise ValueError(f"target: must be a class in 0..{len(logits) - 1}, got {target}")
    p = loss_params(params)
    z, y = torch.tensor([logits], dtype=torch.float64), torch.tensor([target])  # (1, C), (1,)
    out = {}
    for name in CLASSIFICATION:
        value, grad = _value_and_grad(name, z, y, p)
        out[name] = {"value": value, "grad": grad[0].tolist()}
    return out


def regression_point(pred: float, target: float, params: dict | None = None) -> dict:
    """Every regression loss of one prediction: {name: {"value": float, "grad": d/d pred}}.

    `bce` reads `pred` as a logit and needs a target in [0, 1]; it is left out otherwise.
    """
    p = loss_params(params)
    x, y = torch.tensor([pred], dtype=torch.float64), torch.tensor([target], dtype=torch.float64)
    out = {}
    for name in REGRESSION:
        if name == "bce" and not 0.0 <= target <= 1.0:
            continue
        value, grad = _value_and_grad(name, x, y, p)
        out[name] = {"value": value, "grad": float(grad[0])}
    return out


# ---------------------------------------------------------------- loss shapes

def regression_curves(params: dict | None = None, lo: float = -4.0, hi: float = 4.0, n: int = 161) -> dict:
    """Loss and d loss / d pred against the error e = pred - target, for MSE, L1 and Huber.

    -> {"x": errors, "loss": {name: [...]}, "grad": {name: [...]}}
    """
    p = loss_params(params)
    e = torch.linspace(lo, hi, n, dtype=torch.float64)
    out = {"x": e.tolist(), "loss": {}, "grad": {}}
    for name in REGRESSION_CURVES:
        pred = e.clone().requires_grad_(True)
        per = LOSSES[name].fn(pred, torch.zeros_like(e), p)  # (n,) each point its own example
        (grad,) = torch.autograd.grad(per.sum(), pred)
        out["loss"][name], out["grad"][name] = per.detach().tolist(), grad.tolist()
    return out


def margin_for(p_true: float, num_classes: int) -> float:
    """The logit z_y (others at 0) at which the softmax gives the true class p_true."""
    return math.log(p_true * (num_classes - 1) / (1.0 - p_true))


def classification_curves(params: dict | None = None, num_classes: int = 3, n: int = 199) -> dict:
    """Loss and d loss / d z_y against p_y, the probability given to the true class.

    The logits are [z_y, 0, ..., 0] (the wrong classes share the rest of the mass), so p_y
    runs from confidently wrong (near 0) to confidently right (near 1).
    -> {"x": p_y, "loss": {name: [...]}, "grad": {name: [...]}}
    """
    if num_classes < 2:
        raise ValueError(f"num_classes: must be at least 2, got {num_classes}")
    p = loss_params(params)
    p_true = [(i + 1) / (n + 1) for i in range(n)]
    z = torch.zeros(n, num_classes, dtype=torch.float64)
    z[:, 0] = torch.tensor([margin_for(q, num_classes) for q in p_true], dtype=torch.float64)
    y = torch.zeros(n, dtype=torch.long)
    out = {"x": p_true, "loss": {}, "grad": {}}
    for name in CLASSIFICATION_CURVES:
        logits = z.clone().requires_grad_(True)
        per = LOSSES[name].fn(logits, y, p)  # (n,)
        (grad,) = torch.autograd.grad(per.sum(), logits)
        out["loss"][name], out["grad"][name] = per.detach().tolist(), grad[:, 0].tolist()
    return out


def smoothing_optimum(eps: float, num_classes: int) -> dict:
    """Where label-smoothed cross-entropy is lowest (Szegedy et al. 2016).

    The loss is minimised when the softmax equals the smoothed target: p_y = 1 - eps + eps/C,
    every other class eps/C. So the best logit gap is log(p_y / (eps/C)): finite for eps > 0
    (plain NLL wants it infinite), and the NLL there is -log p_y > 0.
    -> {"p_true", "margin" (inf when eps = 0), "nll"}
    """
    p_true = 1.0 - eps + eps / num_classes
    margin = math.inf if eps == 0 else math.log(p_true / (eps / num_classes))
    return {"p_true": p_true, "margin": margin, "nll": -math.log(p_true)}


def focal_weight(p_true: float, gamma: float) -> float:
    """How much of the NLL focal loss keeps for one example: (1 - p_y)^gamma."""
    return (1.0 - p_true) ** gamma


# ---------------------------------------------------------------- saturation demo

def saturation_demo(steps: int = 200, lr: float = 1.0, num_classes: int = 3,
                    wrong_logit: float = 8.0, losses: tuple[str, ...] = ("cross_entropy", "mse")) -> dict:
    """One example whose model is confidently wrong (a wrong class has logit `wrong_logit`, the
    rest 0), trained by plain gradient descent on its logits with each loss.

    Plain gradient descent on purpose: the step is the gradient itself, so a vanishing gradient
    shows as a stalled curve (AdamW would rescale it). -> {"step": [...], "p_true": {name: [...]}}
    """
    p = LossParams()
    y = torch.tensor([0])
    out = {"step": list(range(steps + 1)), "p_true": {}}
    for name in losses:
        z = torch.zeros(1, num_classes, dtype=torch.float64)
        z[0, 1] = wrong_logit
        z.requires_grad_(True)
        trace = [float(torch.softmax(z.detach(), -1)[0, 0])]
        for _ in range(steps):
            (grad,) = torch.autograd.grad(LOSSES[name].fn(z, y, p).sum(), z)
            with torch.no_grad():
                z -= lr * grad
            trace.append(float(torch.softmax(z.detach(), -1)[0, 0]))
        out["p_true"][name] = trace
    return out


# ---------------------------------------------------------------- outliers and a line fit

def fit_line(x: list[float], y: list[float], loss: str, steps: int = 300,
             params: dict | None = None) -> tuple[float, float]:
    """(slope, intercept) of y ~ a x + b minimising the mean of `loss`, by full-batch Adam
    with a cosine-decayed step (deterministic: no randomness anywhere)."""
    return fit_lines(x, [y], [loss], steps, params)[0]


def fit_lines(x: list[float], ys: list[list[float]], losses: list[str], steps: int = 300,
              params: dict | None = None) -> list[tuple[float, float]]:
    """One line per (y, loss) pair, all in one optimisation: the summed objective has no term
    shared between lines and Adam updates each parameter on its own, so every line follows
    exactly the path of its own separate fit, at a fraction of the cost.

    x is standardised inside so one step size fits any scale; the decay to zero lets L1,
    whose gradient never shrinks, settle instead of hopping around its minimum.
    """
    for loss in losses:
        if loss not in LINE_LOSSES:
            raise KeyError(f"unknown line loss {loss!r}; choose one of: {', '.join(LINE_LOSSES)}")
    p = loss_params(params)
    xt, yt = torch.tensor(x, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)  # (n,), (k, n)
    mx, sx = xt.mean(), xt.std().clamp_min(1e-12)
    u = (xt - mx) / sx
    w = torch.zeros(len(losses), 2, dtype=torch.float64)  # (k, 2): slope on u, intercept
    w[:, 1] = yt.median(dim=1).values
    w.requires_grad_(True)
    opt = torch.optim.Adam([w], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0)
    for _ in range(steps):
        opt.zero_grad()
        pred = w[:, :1] * u + w[:, 1:]  # (k, n)
        total = sum(LOSSES[loss].fn(pred[i], yt[i], p).mean() for i, loss in enumerate(losses))
        total.backward()
        opt.step()
        sched.step()
    out = []
    for a, b in w.detach().tolist():
        slope = a / float(sx)
        out.append((slope, b - slope * float(mx)))
    return out


OUTLIER_JUMP = 4.0  # how far above the line an outlier sits (the noise is 0.1)


def outlier_demo(n_outliers: int, seed: int = 0, n_points: int = 30, params: dict | None = None) -> dict:
    """Points on y = 2x + 1 plus small noise; `n_outliers` of them (the ones with the largest x,
    where they pull the slope hardest) are pushed up by OUTLIER_JUMP. Each loss fits a line
    with and without the outliers; `shift` is how far its line moved over x in [0, 1].

    -> {"x", "y", "outlier": [bool], "fits": {loss: (a, b)}, "clean_fits": {...}, "shift": {loss: float}}
    """
    if not 0 <= n_outliers <= n_points // 2:
        raise ValueError(f"n_outliers: must be 0..{n_points // 2}, got {n_outliers}")
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_points, generator=g, dtype=torch.float64).sort().values
    clean = 2.0 * x + 1.0 + 0.1 * torch.randn(n_points, generator=g, dtype=torch.float64)
    outlier = torch.zeros(n_points, dtype=torch.bool)
    if n_outliers:
        outlier[-n_outliers:] = True
    y = torch.where(outlier, clean + OUTLIER_JUMP, clean)
    k = len(LINE_LOSSES)
    lines = fit_lines(x.tolist(), [y.tolist()] * k + [clean.tolist()] * k, list(LINE_LOSSES) * 2, params=params)
    fits, clean_fits = dict(zip(LINE_LOSSES, lines[:k])), dict(zip(LINE_LOSSES, lines[k:]))
    # a line's largest move over [0, 1] is at an end point
    shift = {name: max(abs(fits[name][1] - clean_fits[name][1]),
                       abs(sum(fits[name]) - sum(clean_fits[name]))) for name in LINE_LOSSES}
    return {"x": x.tolist(), "y": y.tolist(), "outlier": outlier.tolist(), "fits": fits,
            "clean_fits": clean_fits, "shift": shift}


# ---------------------------------------------------------------- a run's own errors

def error_kind(ev: dict) -> str | None:
    """What `errors_from_eval` returns for this eval: "nll" (nats per token or pixel),
    "pixel" (output - input per pixel), or None when the eval has nothing per element."""
    if ev.get("text_sample_nll") or ev.get("nll_per_timestep"):
        return "nll"
    recon = ev.get("recon") or {}
    inputs, outputs = recon.get("inputs"), recon.get("outputs")
    if inputs and outputs and not isinstance(inputs[0], str):
        return "pixel"
    return None


def _finite(values) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def _scored(values: list, mask: list | None) -> list:
    """The values the loss counts (loss_mask), when the mask lines up with them."""
    if mask and len(mask) == len(values):
        return [v for v, m in zip(values, mask) if m]
    return values


def _flatten(x) -> list:
    return [v for item in x for v in _flatten(item)] if isinstance(x, list) else [x]


def errors_from_eval(ev: dict) -> list[float]:
    """Per-element errors of one eval, for a histogram beside the loss curves.

    Autoregressive: the per-token NLL of the held-out text sample (`text_sample_nll`), else the
    per-position mean NLL (`nll_per_timestep`, per pixel for images), counting only positions
    in the loss mask. Autoencoding images: output - input for every pixel of the shown
    reconstructions. Anything else (token reconstructions, classification): [].
    """
    kind, mask = error_kind(ev), ev.get("loss_mask")
    if kind == "nll":
        values = ev.get("text_sample_nll") or ev.get("nll_per_timestep")
        return _finite(_scored(values, mask))
    if kind == "pixel":
        recon = ev["recon"]
        inputs, outputs = _flatten(recon["inputs"]), _flatten(recon["outputs"])
        return _finite(o - i for o, i in zip(outputs, inputs))
    return []


def run_options(active: list[dict], stored: list[dict]) -> list[dict]:
    """Runs to choose from, live ones first, each once: [{"id", "label"}]."""
    seen, out = set(), []
    for row in active + stored:
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        cfg = row.get("config") or row  # manager rows are flat, store rows carry the config
        out.append({"id": row["id"], "label": f"{row['id']} · {cfg.get('task')} · {cfg.get('dataset')} · "
                                              f"{cfg.get('loss')} · {row.get('status', '')}"})
    return out
