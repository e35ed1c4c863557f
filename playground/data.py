"""Datasets for the playground: images, text and synthetic sequences with a known entropy floor.

Holds `load_dataset` (plain keyword arguments -> `Data`), the `DATASETS` registry, the Markov
entropy-rate maths and the pixel <-> token helpers (`quantize`, `dequantize`). It does not
hold batching, shifting or masking for a paradigm (that is playground.tasks), and it does not
read the run config: callers pass plain values.

Every loader is deterministic for a seed: each draw comes from a local
`numpy.random.default_rng([seed, stream])`, with separate streams for the train set, the val
set and dataset parameters (the Markov matrix, the digits split), so changing n_val never
changes the train set. Nothing touches the global RNGs.
"""

from __future__ import annotations

import functools
import math
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import Tensor

DEFAULT_DATA_DIR = "~/.cache/transformer-loss-playground/data"
MAX_TEXT_BYTES = 20 * 2**20
_TRAIN, _VAL, _PARAMS = 0, 1, 2  # RNG streams, see the module docstring
_SYMBOLS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SEP_SYMBOL = "|"


class DataError(ValueError):
    """A dataset cannot be loaded; the message is one line naming the field and the fix."""


@dataclass
class Data:
    name: str
    kind: str                      # "image" | "sequence"
    x_train: Tensor
    y_train: Tensor | None
    x_val: Tensor
    y_val: Tensor | None
    vocab_size: int | None         # sequences: number of token ids (incl. specials)
    image_shape: tuple | None      # (C, H, W), images are float in [0, 1]
    num_classes: int | None        # labels (classification / tagging)
    entropy_floor: Tensor | None   # (T-1,) nats: floor of predicting x[t+1] from x[:t+1]
    loss_mask: Tensor | None       # (T-1,) bool: next-token targets counted by default
    decode: Callable | None        # token ids -> str, for text and synthetic
    sep: int | None                # separator token id (copy, reverse)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    kind: str          # "image" | "sequence"
    description: str   # one line, for the CLI list and the UI
    has_labels: bool   # y is not None
    synthetic: bool    # generated from the seed, with a known entropy floor where defined


@dataclass(frozen=True)
class Vocab:
    """Token ids <-> text. Calling it decodes; it is what `Data.decode` holds."""

    symbols: tuple[str, ...]  # symbols[i] prints token id i

    def __call__(self, ids) -> str:
        ids = ids.tolist() if hasattr(ids, "tolist") else ids
        return "".join(self.symbols[i] for i in ids)

    def encode(self, text: str) -> Tensor:
        """Characters -> int64 ids; meaningful where every symbol is one character."""
        index = {s: i for i, s in enumerate(self.symbols)}
        missing = sorted(set(text) - index.keys())
        if missing:
            raise DataError(f"text: characters {missing[:5]} are not in the vocabulary")
        return torch.tensor([index[c] for c in text], dtype=torch.long)


@dataclass(frozen=True)
class _Request:
    """The arguments of load_dataset, passed whole to each loader."""

    name: str
    seq_len: int
    vocab_size: int
    levels: int
    n_train: int | None
    n_val: int | None
    seed: int
    text_path: str
    data_dir: str


def load_dataset(name: str, *, seq_len: int = 32, vocab_size: int = 8, levels: int = 4,
                 n_train: int | None = None, n_val: int | None = None, seed: int = 0,
                 text_path: str = "", data_dir: str = "") -> Data:
    """Load dataset `name` (see DATASETS). Raises DataError with a one-line message.

    seq_len and vocab_size apply to sequence sets (vocab_size to synthetic ones only);
    levels is checked for image sets so a bad value fails here, but images stay float:
    the autoregressive task turns them into tokens with `quantize`.
    """
    if name not in DATASETS:
        raise DataError(f"dataset: unknown {name!r}; choose one of {', '.join(DATASETS)}")
    for field, value in (("n_train", n_train), ("n_val", n_val)):
        if value is not None and value < 1:
            raise DataError(f"{field}: must be at least 1 (or unset for the default), got {value}")
    if seed < 0:
        raise DataError(f"seed: must be 0 or more, got {seed}")
    req = _Request(name, seq_len, vocab_size, levels, n_train, n_val, seed, text_path, data_dir)
    return _LOADERS[name](req)


def names() -> list[str]:
    """Dataset names in registry order, for the CLI list."""
    return list(DATASETS)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _check_range(field: str, value: int, lo: int, hi: int, dataset: str) -> None:
    if not lo <= value <= hi:
        raise DataError(f"{field}: must be {lo}..{hi} for dataset {dataset!r}, got {value}")


def _subset(rng: np.random.Generator, size: int, n: int | None) -> np.ndarray:
    """Indices of a seeded random subset of n out of size (all of them, shuffled, if None)."""
    return rng.permutation(size)[:n]


# ---------------------------------------------------------------- images

def _image_data(name: str, x_train: Tensor, y_train: Tensor, x_val: Tensor, y_val: Tensor) -> Data:
    return Data(name=name, kind="image", x_train=x_train, y_train=y_train, x_val=x_val,
                y_val=y_val, vocab_size=None, image_shape=tuple(x_train.shape[1:]),
                num_classes=10, entropy_floor=None, loss_mask=None, decode=None, sep=None)


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[Tensor, Tensor]:
    """All 1797 sklearn digits as (N, 1, 8, 8) floats in [0, 1] and int64 labels.

    Cached; callers only index these (which copies), never hand them out.
    """
    from sklearn.datasets import load_digits  # slow import, only needed here

    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32).reshape(-1, 1, 8, 8)  # pixels are 0..16
    return x / 16.0, torch.tensor(bunch.target, dtype=torch.long)


def _digits(req: _Request) -> Data:
    _check_range("levels", req.levels, 2, 256, req.name)
    n_val_pool = 300  # a fixed seeded split: 1497 train / 300 val
    if req.n_val is not None and req.n_val > n_val_pool:
        raise DataError(f"n_val: digits has {n_val_pool} validation images, got {req.n_val}")
    x, y = _digits_arrays()
    n_train_pool = len(x) - n_val_pool
    if req.n_train is not None and req.n_train > n_train_pool:
        raise DataError(f"n_train: digits has {n_train_pool} training images, got {req.n_train}")
    perm = torch.from_numpy(_rng(req.seed, _PARAMS).permutation(len(x)))
    val, train = perm[:n_val_pool][:req.n_val], perm[n_val_pool:][:req.n_train]
    return _image_data(req.name, x[train], y[train], x[val], y[val])


_TORCHVISION = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}


def data_root(data_dir: str = "") -> Path:
    """Folder for MNIST-style files: data_dir, else $PLAYGROUND_DATA_DIR, else the user cache."""
    return Path(data_dir or os.environ.get("PLAYGROUND_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()


def _mnist(req: _Request) -> Data:
    _check_range("levels", req.levels, 2, 256, req.name)
    x_tr, y_tr, x_va, y_va = _torchvision_arrays(req.name, str(data_root(req.data_dir)))
    for field, n, size in (("n_train", req.n_train, len(x_tr)), ("n_val", req.n_val, len(x_va))):
        if n is not None and n > size:
            raise DataError(f"{field}: {req.name} has {size} images for this split, got {n}")
    train = torch.from_numpy(_subset(_rng(req.seed, _TRAIN), len(x_tr), req.n_train))
    val = torch.from_numpy(_subset(_rng(req.seed, _VAL), len(x_va), req.n_val))
    return _image_data(req.name, _to_unit_float(x_tr[train]), y_tr[train].long(),
                       _to_unit_float(x_va[val]), y_va[val].long())


def _to_unit_float(x: Tensor) -> Tensor:
    """uint8 (N, H, W) -> float (N, 1, H, W) in [0, 1]; the cache stays uint8 (4x smaller)."""
    return x.float().div(255.0).unsqueeze(1)


@functools.lru_cache(maxsize=2)
def _torchvision_arrays(name: str, root: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """uint8 images and labels of the train and test splits, downloading once if absent.

    Failures raise, so lru_cache never stores them and a later call tries again.
    """
    import torchvision  # slow import, only needed for these two datasets

    cls = getattr(torchvision.datasets, _TORCHVISION[name])
    raw = Path(root) / cls.__name__ / "raw"
    try:
        cls(root, train=True, download=False)
    except RuntimeError:  # torchvision's "Dataset not found"
        _download(cls, name, root, raw)
    try:
        train, test = cls(root, train=True), cls(root, train=False)
    except Exception as e:  # truncated or foreign files
        raise DataError(f"{name}: files in {raw} are unreadable ({type(e).__name__}); "
                        "delete them to download again") from e
    return train.data, train.targets, test.data, test.targets


def _download(cls, name: str, root: str, raw: Path) -> None:
    """Fetch the four .gz files (or just extract them if a user put them in `raw`).

    Anything this attempt created is removed when it fails, so a half-written file never
    passes torchvision's existence check on a later try.
    """
    before = set(raw.iterdir()) if raw.is_dir() else set()
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(5)  # offline machines must fail in seconds, not hang on a connect
    try:
        cls(root, train=True, download=True)
    except Exception as e:
        _remove_new_files(raw, before)
        raise DataError(f"{name}: no files in {raw} and download failed (offline?); put the four "
                        f"{cls.__name__} .gz files there or pick dataset 'digits'") from e
    except BaseException:  # Ctrl-C mid-download: clean up, then let it through
        _remove_new_files(raw, before)
        raise
    finally:
        socket.setdefaulttimeout(old_timeout)


def _remove_new_files(folder: Path, before: set[Path]) -> None:
    if folder.is_dir():
        for path in set(folder.iterdir()) - before:
            if path.is_file():
                path.unlink()


# ---------------------------------------------------------------- text

def _text(req: _Request) -> Data:
    _check_range("seq_len", req.seq_len, 2, 100_000, req.name)
    ids, vocab = _text_corpus(req.text_path)
    split = len(ids) * 9 // 10  # first 90% train, last 10% val
    if len(ids) - split < req.seq_len:
        source = f"file {req.text_path!r}" if req.text_path else "the built-in corpus"
        raise DataError(f"text_path: {source} has {len(ids)} characters, too few for "
                        f"seq_len={req.seq_len}; need at least {10 * req.seq_len} (90/10 split)")
    n_train = 4096 if req.n_train is None else req.n_train
    n_val = 256 if req.n_val is None else req.n_val
    x_train = _windows(ids[:split], req.seq_len, n_train, _rng(req.seed, _TRAIN))
    x_val = _windows(ids[split:], req.seq_len, n_val, _rng(req.seed, _VAL))
    return Data(name=req.name, kind="sequence", x_train=x_train, y_train=None, x_val=x_val,
                y_val=None, vocab_size=len(vocab.symbols), image_shape=None, num_classes=None,
                entropy_floor=None, loss_mask=None, decode=vocab, sep=None)


def _windows(ids: np.ndarray, seq_len: int, n: int, rng: np.random.Generator) -> Tensor:
    """n windows of seq_len ids at random offsets (they may overlap)."""
    starts = rng.integers(0, len(ids) - seq_len + 1, size=n)
    return torch.from_numpy(ids[starts[:, None] + np.arange(seq_len)].astype(np.int64))  # (n, T)


def _text_corpus(text_path: str) -> tuple[np.ndarray, Vocab]:
    if not text_path:
        return _default_corpus()
    path = Path(text_path).expanduser()
    if not path.exists():
        raise DataError(f"text_path: file {text_path!r} not found; give a UTF-8 text file "
                        "or leave text_path empty for the built-in corpus")
    if not path.is_file():
        raise DataError(f"text_path: {text_path!r} is not a file")
    stat = path.stat()
    if stat.st_size > MAX_TEXT_BYTES:
        raise DataError(f"text_path: file {text_path!r} is {stat.st_size / 2**20:.1f} MB; "
                        f"the limit is {MAX_TEXT_BYTES // 2**20} MB, use an excerpt")
    # mtime and size are part of the cache key so an edited file is read again.
    return _file_corpus(str(path.resolve()), stat.st_mtime_ns, stat.st_size, text_path)


@functools.lru_cache(maxsize=1)
def _default_corpus() -> tuple[np.ndarray, Vocab]:
    """Python's pydoc topics (~465k characters): English prose and code, always offline."""
    from pydoc_data.topics import topics

    return _encode_corpus("\n".join(topics[key] for key in sorted(topics)))


@functools.lru_cache(maxsize=2)
def _file_corpus(path: str, mtime_ns: int, size: int, shown: str) -> tuple[np.ndarray, Vocab]:
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"text_path: file {shown!r} is not UTF-8 (bad byte at offset {e.start}); "
                        "save it as UTF-8") from e
    except OSError as e:
        raise DataError(f"text_path: cannot read file {shown!r} ({type(e).__name__})") from e
    if not text:
        raise DataError(f"text_path: file {shown!r} is empty")
    return _encode_corpus(text)


def _encode_corpus(text: str) -> tuple[np.ndarray, Vocab]:
    """Character ids (read-only, as they are cached) and the vocab of sorted distinct chars."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")  # one code point per char
    points, ids = np.unique(codes, return_inverse=True)  # sorted code points = sorted chars
    ids = ids.astype(np.int32)
    ids.flags.writeable = False
    return ids, Vocab(tuple(chr(p) for p in points))


# ---------------------------------------------------------------- synthetic sequences

def _synthetic_vocab(vocab_size: int, with_sep: bool) -> Vocab:
    symbols = [_SYMBOLS[i] if i < len(_SYMBOLS) else f"<{i}>" for i in range(vocab_size)]
    return Vocab(tuple(symbols + [_SEP_SYMBOL] * with_sep))


def _synthetic(req: _Request, sample: Callable, *, vocab_size: int, entropy_floor: Tensor | None,
               loss_mask: Tensor | None, sep: int | None = None,
               num_classes: int | None = None) -> Data:
    """Shared shell of the generated sets: sample(rng, n) -> (x, y or None)."""
    n_train = 4096 if req.n_train is None else req.n_train
    n_val = 512 if req.n_val is None else req.n_val
    x_train, y_train = sample(_rng(req.seed, _TRAIN), n_train)
    x_val, y_val = sample(_rng(req.seed, _VAL), n_val)
    return Data(name=req.name, kind="sequence", x_train=x_train, y_train=y_train, x_val=x_val,
                y_val=y_val, vocab_size=vocab_size, image_shape=None, num_classes=num_classes,
                entropy_floor=entropy_floor, loss_mask=loss_mask,
                decode=_synthetic_vocab(req.vocab_size, sep is not None), sep=sep)


def _check_synthetic(req: _Request, min_seq_len: int) -> None:
    _check_range("vocab_size", req.vocab_size, 2, 256, req.name)
    _check_range("seq_len", req.seq_len, min_seq_len, 100_000, req.name)


def _prompt_answer(req: _Request, reverse: bool) -> Data:
    """copy / reverse: L = (T-1)//2 uniform symbols, SEP (= V), then the prompt (reversed).

    An even T leaves one slot after the answer, filled with another SEP (deterministic).
    """
    _check_synthetic(req, min_seq_len=3)
    V, T = req.vocab_size, req.seq_len
    L = (T - 1) // 2

    def sample(rng: np.random.Generator, n: int) -> tuple[Tensor, None]:
        prompt = rng.integers(0, V, size=(n, L))
        x = np.full((n, T), V)  # SEP everywhere, then overwrite prompt and answer
        x[:, :L] = prompt
        x[:, L + 1:2 * L + 1] = prompt[:, ::-1] if reverse else prompt
        return torch.from_numpy(x).long(), None

    floor = torch.zeros(T - 1)
    floor[:L - 1] = math.log(V)  # targets x[1..L-1] are fresh uniform symbols; x[0] is no target
    mask = torch.ones(T - 1, dtype=torch.bool)
    if reverse:  # train on the answer only: targets x[L+1..2L] sit at indices L..2L-1
        mask = torch.zeros(T - 1, dtype=torch.bool)
        mask[L:2 * L] = True
    return _synthetic(req, sample, vocab_size=V + 1, entropy_floor=floor, loss_mask=mask, sep=V)


def _copy(req: _Request) -> Data:
    return _prompt_answer(req, reverse=False)


def _reverse(req: _Request) -> Data:
    return _prompt_answer(req, reverse=True)


def random_transition_matrix(vocab_size: int, rng: np.random.Generator,
                             alpha: float = 0.3) -> np.ndarray:
    """Rows ~ Dirichlet(alpha): alpha < 1 makes rows peaked (learnable) yet not one-hot."""
    return rng.dirichlet(np.full(vocab_size, alpha), size=vocab_size)


def stationary_distribution(P: np.ndarray) -> np.ndarray:
    """pi with pi P = pi, sum(pi) = 1, by least squares on the stacked linear system."""
    P = np.asarray(P, dtype=np.float64)
    V = len(P)
    A = np.vstack([P.T - np.eye(V), np.ones((1, V))])
    b = np.zeros(V + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(A, b, rcond=None)[0]


def markov_entropy_rate(P) -> float:
    """H = sum_i pi_i H(P_i) in nats (Cover & Thomas, Thm 4.2.4), for a stationary chain."""
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or not np.allclose(P.sum(1), 1.0):
        raise ValueError("P must be a square matrix whose rows sum to 1")
    row_entropy = -np.sum(P * np.log(np.where(P > 0, P, 1.0)), axis=1)  # 0 log 0 = 0
    return float(stationary_distribution(P) @ row_entropy)


def _sample_categorical(cum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row of cumulative probabilities cum (n, V)."""
    u = rng.random((len(cum), 1))
    return np.minimum((u > cum).sum(1), cum.shape[1] - 1)  # min: cum[-1] may round below 1


def _markov(req: _Request) -> Data:
    """A first-order chain started from pi, so every position has the same floor: the rate."""
    _check_synthetic(req, min_seq_len=2)
    V, T = req.vocab_size, req.seq_len
    P = random_transition_matrix(V, _rng(req.seed, _PARAMS))
    cum_P = P.cumsum(1)
    cum_pi = stationary_distribution(P).cumsum()

    def sample(rng: np.random.Generator, n: int) -> tuple[Tensor, None]:
        x = np.empty((n, T), dtype=np.int64)
        x[:, 0] = _sample_categorical(np.broadcast_to(cum_pi, (n, V)), rng)
        for t in range(1, T):
            x[:, t] = _sample_categorical(cum_P[x[:, t - 1]], rng)
        return torch.from_numpy(x), None

    floor = torch.full((T - 1,), markov_entropy_rate(P))
    return _synthetic(req, sample, vocab_size=V, entropy_floor=floor,
                      loss_mask=torch.ones(T - 1, dtype=torch.bool))


def _tagging(req: _Request) -> Data:
    """Sequence labelling: y[t] = (x[t] + x[t-1]) mod K, x[-1] := 0, K = min(V, 4).

    The tags are a function of the input, so the floor is 0 everywhere; entropy_floor is
    None because it describes next-token prediction of x, which is not this set's task.
    """
    _check_synthetic(req, min_seq_len=2)
    V, T = req.vocab_size, req.seq_len
    K = min(V, 4)

    def sample(rng: np.random.Generator, n: int) -> tuple[Tensor, Tensor]:
        x = rng.integers(0, V, size=(n, T))
        prev = np.concatenate([np.zeros((n, 1), dtype=x.dtype), x[:, :-1]], axis=1)
        return torch.from_numpy(x).long(), torch.from_numpy((x + prev) % K).long()

    return _synthetic(req, sample, vocab_size=V, entropy_floor=None, loss_mask=None,
                      num_classes=K)


# ---------------------------------------------------------------- pixels as sequences

def quantize(images: Tensor, levels: int) -> Tensor:
    """Images in [0, 1], (N, C, H, W) -> int64 tokens (N, C*H*W) in raster order, 0..levels-1."""
    if levels < 2:
        raise DataError(f"levels: must be at least 2, got {levels}")
    return torch.round(images.clamp(0, 1) * (levels - 1)).long().flatten(1)


def dequantize(tokens: Tensor, levels: int, shape: tuple) -> Tensor:
    """Tokens (N, C*H*W) -> float images (N, *shape) in [0, 1]; inverse of quantize."""
    return (tokens.float() / (levels - 1)).reshape(-1, *shape)


# ---------------------------------------------------------------- registry

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in [
    DatasetSpec("digits", "image", "8x8 handwritten digits from scikit-learn (1797, offline)",
                has_labels=True, synthetic=False),
    DatasetSpec("mnist", "image", "28x28 handwritten digits (70k; downloaded once or data_dir)",
                has_labels=True, synthetic=False),
    DatasetSpec("fashion_mnist", "image", "28x28 clothing images, 10 classes (70k; like mnist)",
                has_labels=True, synthetic=False),
    DatasetSpec("text", "sequence", "characters of Python's pydoc topics, or your own UTF-8 file",
                has_labels=False, synthetic=False),
    DatasetSpec("copy", "sequence", "random prefix, SEP, the prefix again; the copy has floor 0",
                has_labels=False, synthetic=True),
    DatasetSpec("markov", "sequence", "first-order Markov chain; the floor is its entropy rate",
                has_labels=False, synthetic=True),
    DatasetSpec("reverse", "sequence", "prompt, SEP, the prompt reversed; loss on the answer only",
                has_labels=False, synthetic=True),
    DatasetSpec("tagging", "sequence", "label each token with (x[t] + x[t-1]) mod K",
                has_labels=True, synthetic=True),
]}

_LOADERS: dict[str, Callable[[_Request], Data]] = {
    "digits": _digits, "mnist": _mnist, "fashion_mnist": _mnist, "text": _text,
    "copy": _copy, "markov": _markov, "reverse": _reverse, "tagging": _tagging,
}
