"""Run configuration: one typed dataclass, its validation, and its JSON / URL forms.

Holds no torch and no Streamlit. Every field has a tiny default that trains on a CPU in
seconds; `LIMITS` states the allowed range of every numeric field so that the CLI, the page
and a shared link all refuse (or clamp) the same values with the same message.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields


class ConfigError(ValueError):
    """A bad setting; the message is one line that names the field and what is allowed."""


@dataclass
class RunConfig:
    paradigm: str = "autoregressive"  # autoregressive | autoencoding
    task: str = "next_token"          # see playground.tasks.TASKS
    dataset: str = "digits"           # see playground.data.DATASETS
    loss: str = "nll"                 # see playground.losses.LOSSES
    model: str = "tiny"               # size preset (nano, tiny, small) or baseline (lstm, conv_ae)
    steps: int = 300                  # optimizer steps
    batch_size: int = 64
    lr: float = 3e-3                  # peak learning rate (AdamW)
    warmup_steps: int = 20            # linear warm-up, then cosine decay to lr/10
    weight_decay: float = 0.01
    grad_clip: float = 1.0            # max global grad norm; 0 turns clipping off
    seed: int = 0
    device: str = "auto"              # auto | cpu | cuda | mps
    threads: int = 1                  # torch CPU threads per run: one is fastest on a busy 2-core box
    eval_every: int = 50              # steps between evals (and one at the end)
    # loss knobs
    label_smoothing: float = 0.1      # cross_entropy only
    focal_gamma: float = 2.0          # focal only
    huber_delta: float = 1.0          # huber only
    z_loss: float = 0.0               # coefficient of logsumexp(logits)^2 (PaLM); 0 = off
    lam: float = 0.5                  # recon_classification: lam*recon + (1-lam)*classification
    # task knobs
    mask_ratio: float = 0.5           # masked_reconstruction / masked_tokens
    noise_std: float = 0.3            # denoising: Gaussian noise on pixels in [0, 1]
    loss_on_prompt: bool = False      # prompt_answer: also train on the prompt tokens
    label_noise: float = 0.0          # classification: fraction of training labels replaced at random
    outlier_frac: float = 0.0         # reconstruction: fraction of training pixels set to outliers
    # data knobs
    levels: int = 4                   # pixel quantisation levels for images read as sequences
    seq_len: int = 32                 # tokens per sequence (text and synthetic data)
    vocab_size: int = 8               # symbols of synthetic data
    text_path: str = ""               # a UTF-8 file for dataset 'text'; empty = Python's pydoc topics
    data_dir: str = ""                # where mnist/fashion_mnist live; empty = the default cache


# (min, max) for every numeric field; the same table validates the CLI, widgets and URLs.
LIMITS: dict[str, tuple[float, float]] = {
    "steps": (1, 100_000),
    "batch_size": (1, 1024),
    "lr": (1e-6, 1.0),
    "warmup_steps": (0, 10_000),
    "weight_decay": (0.0, 1.0),
    "grad_clip": (0.0, 100.0),
    "seed": (0, 2**31 - 1),
    "threads": (1, 64),
    "eval_every": (1, 100_000),
    "label_smoothing": (0.0, 0.99),
    "focal_gamma": (0.0, 10.0),
    "huber_delta": (1e-3, 100.0),
    "z_loss": (0.0, 1.0),
    "lam": (0.0, 1.0),
    "mask_ratio": (0.05, 0.95),
    "noise_std": (0.0, 2.0),
    "label_noise": (0.0, 1.0),
    "outlier_frac": (0.0, 0.5),
    "levels": (2, 256),
    "seq_len": (4, 512),
    "vocab_size": (2, 256),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "paradigm": ("autoregressive", "autoencoding"),
    "device": ("auto", "cpu", "cuda", "mps"),
}
SERVER_PATHS = ("text_path", "data_dir")  # never taken from a link: it would read the host's files
FIELD_TYPES: dict[str, type] = {f.name: type(f.default) for f in fields(RunConfig)}


def validate(cfg: RunConfig) -> RunConfig:
    """Check types, ranges and choices of every field; raise ConfigError on the first bad one.

    Names (task, dataset, loss, model) and how they fit together are checked by
    `playground.tasks.check_combination`, which knows the registries.
    """
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        want = FIELD_TYPES[f.name]
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
            setattr(cfg, f.name, value)
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise ConfigError(f"{f.name}: expected {want.__name__}, got {value!r}")
        if f.name in LIMITS:
            lo, hi = LIMITS[f.name]
            if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
                raise ConfigError(f"{f.name}: {value!r} is out of range; allowed {lo:g} to {hi:g}")
        if f.name in CHOICES and value not in CHOICES[f.name]:
            raise ConfigError(f"{f.name}: {value!r} is not one of {', '.join(CHOICES[f.name])}")
    return cfg


def parse_value(name: str, text: str):
    """Turn a string (CLI `--set`, URL parameter) into the field's type, or raise ConfigError."""
    if name not in FIELD_TYPES:
        raise ConfigError(f"{name}: unknown setting; known: {', '.join(FIELD_TYPES)}")
    want = FIELD_TYPES[name]
    try:
        if want is bool:
            low = text.strip().lower()
            if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError
            return low in ("1", "true", "yes", "on")
        return want(text) if want is not int else int(text.strip(), 10)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a valid {want.__name__}") from None


def config_from_dict(d: dict) -> RunConfig:
    """Build and validate a config from a plain dict (JSON); unknown keys are an error."""
    if not isinstance(d, dict):
        raise ConfigError(f"config: expected a JSON object, got {type(d).__name__}")
    unknown = sorted(set(d) - set(FIELD_TYPES))
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown setting; known: {', '.join(FIELD_TYPES)}")
    return validate(RunConfig(**d))


def config_to_json(cfg: RunConfig) -> str:
    return json.dumps(dataclasses.asdict(cfg), indent=2, sort_keys=True)


def config_from_json(text: str) -> RunConfig:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"config: not valid JSON ({e.msg} at line {e.lineno})") from None
    return config_from_dict(d)


def config_to_query(cfg: RunConfig) -> dict[str, str]:
    """The fields that differ from the defaults, as strings: a short shareable URL."""
    default = RunConfig()
    out = {}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if value != getattr(default, f.name):
            out[f.name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def config_from_query(query: dict[str, str]) -> tuple[RunConfig, list[str]]:
    """Fill a config from URL parameters. Never raises: each bad value gives a warning and
    keeps the default, and a numeric value out of range is clamped into range."""
    cfg, warnings = RunConfig(), []
    for name, raw in query.items():
        if name not in FIELD_TYPES:
            continue  # other parameters (run id, lesson, autostart) belong to the page
        if name in SERVER_PATHS:
            warnings.append(f"{name}: a link cannot name a file on the server; upload the file instead")
            continue
        text = raw[-1] if isinstance(raw, list) else str(raw)
        try:
            value = parse_value(name, text[:500])
        except ConfigError as e:
            warnings.append(f"{e}; using the default")
            continue
        if name in LIMITS:
            lo, hi = LIMITS[name]
            if not math.isfinite(value):
                warnings.append(f"{name}: {text!r} is not a finite number; using the default")
                continue
            if not lo <= value <= hi:
                clamped = type(value)(min(max(value, lo), hi))
                warnings.append(f"{name}: {text!r} is out of range {lo:g} to {hi:g}; using {clamped:g}")
                value = clamped
        if name in CHOICES and value not in CHOICES[name]:
            warnings.append(f"{name}: {text!r} is not one of {', '.join(CHOICES[name])}; using the default")
            continue
        setattr(cfg, name, value)
    return cfg, warnings
