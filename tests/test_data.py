"""Tests for playground.data: shapes, determinism, entropy floors from first principles, errors."""

import math
import socket
import struct
import time
import urllib.error
import urllib.request
from collections import Counter

import numpy as np
import pytest
import torch

from playground.data import (
    DATASETS, DataError, data_root, dequantize, load_dataset, markov_entropy_rate, names,
    quantize, stationary_distribution,
)


def _conditional_entropy(context: np.ndarray, target: np.ndarray) -> float:
    """Plug-in estimate of H(target | context) in nats; context rows are tuples of ids."""
    pair_counts = Counter(zip(map(tuple, context), target))
    context_counts = Counter(map(tuple, context))
    n = len(target)
    return -sum(c / n * math.log(c / context_counts[ctx]) for (ctx, _), c in pair_counts.items())


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- registry


def test_registry_lists_every_dataset_with_a_one_line_description():
    assert names() == list(DATASETS)
    assert {"digits", "mnist", "fashion_mnist", "text", "copy", "markov", "reverse",
            "tagging"} <= set(names())
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.kind in ("image", "sequence")
        assert spec.description and "\n" not in spec.description


def test_offline_datasets_match_their_registry_entry():
    for name, spec in DATASETS.items():
        if name in ("mnist", "fashion_mnist"):
            continue
        data = load_dataset(name, n_train=8, n_val=4, seq_len=9)
        assert data.name == name and data.kind == spec.kind
        assert (data.y_train is not None) == spec.has_labels
        assert len(data.x_train) == 8 and len(data.x_val) == 4


def test_unknown_dataset_names_the_valid_ones():
    with pytest.raises(DataError, match="dataset: unknown 'nope'; choose one of digits") as err:
        load_dataset("nope")
    _one_line(err)


# ---------------------------------------------------------------- digits


def test_digits_shapes_ranges_and_labels():
    from sklearn.datasets import load_digits

    reference = load_digits()
    data = load_dataset("digits")
    assert data.x_train.shape == (1497, 1, 8, 8) and data.x_val.shape == (300, 1, 8, 8)
    assert data.x_train.dtype == torch.float32 and data.y_train.dtype == torch.int64
    assert data.image_shape == (1, 8, 8) and data.num_classes == 10 and data.vocab_size is None
    x = torch.cat([data.x_train, data.x_val])
    assert x.min() == 0 and x.max() == 1
    # train + val is a partition of the 1797 images: same labels, same total ink.
    y = torch.cat([data.y_train, data.y_val])
    assert np.array_equal(np.bincount(y.numpy()), np.bincount(reference.target))
    assert math.isclose(x.sum().item(), reference.data.sum() / 16, rel_tol=1e-6)


def test_digits_same_seed_same_split_other_seed_other_split():
    a, b, c = load_dataset("digits", seed=3), load_dataset("digits", seed=3), load_dataset("digits")
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_val, b.y_val)
    assert not torch.equal(a.x_val, c.x_val)


def test_digits_n_val_beyond_the_split_is_an_error():
    with pytest.raises(DataError, match="n_val: digits has 300") as err:
        load_dataset("digits", n_val=301)
    _one_line(err)


# ---------------------------------------------------------------- mnist


def _block_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network disabled by the test")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_mnist_offline_without_files_names_the_folder(tmp_path, monkeypatch):
    _block_network(monkeypatch)
    timeout = socket.getdefaulttimeout()
    start = time.monotonic()
    for name, folder in (("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")):
        with pytest.raises(DataError) as err:
            load_dataset(name, data_dir=str(tmp_path))
        message = _one_line(err)
        assert message.startswith(f"{name}: no files in {tmp_path / folder / 'raw'}")
        assert "pick dataset 'digits'" in message
        assert list((tmp_path / folder / "raw").iterdir()) == []
    assert time.monotonic() - start < 10
    assert socket.getdefaulttimeout() == timeout


def test_failed_download_leaves_no_partial_file(tmp_path, monkeypatch):
    import torchvision.datasets.mnist as tv_mnist

    def half_download(url, download_root, filename, md5):
        (tmp_path / "MNIST" / "raw" / filename).write_bytes(b"\x1f\x8b truncated")
        raise urllib.error.URLError("connection reset")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", half_download)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "notes.txt").write_text("a file the user put here")
    with pytest.raises(DataError, match="download failed"):
        load_dataset("mnist", data_dir=str(tmp_path))
    assert [p.name for p in raw.iterdir()] == ["notes.txt"]


def _write_idx(path, magic, array):
    """The IDX format of the MNIST files: magic, big-endian dims, then uint8 data."""
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_mnist_reads_files_in_data_dir(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = {"train": rng.integers(0, 256, (20, 28, 28)), "t10k": rng.integers(0, 256, (10, 28, 28))}
    for split, x in images.items():
        _write_idx(raw / f"{split}-images-idx3-ubyte", 2051, x)
        # Label i on image i, so each loaded row can be traced back to the image it came from.
        _write_idx(raw / f"{split}-labels-idx1-ubyte", 2049, np.arange(len(x)))
    data = load_dataset("mnist", data_dir=str(tmp_path), n_val=5)
    assert data.x_train.shape == (20, 1, 28, 28) and data.x_val.shape == (5, 1, 28, 28)
    assert data.image_shape == (1, 28, 28) and data.y_train.dtype == torch.int64
    assert sorted(data.y_train.tolist()) == list(range(20))
    for split, x, y in (("train", data.x_train, data.y_train), ("t10k", data.x_val, data.y_val)):
        expected = torch.tensor(images[split], dtype=torch.float32)[y] / 255
        assert torch.allclose(x[:, 0], expected)


def test_data_root_prefers_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    assert data_root("/somewhere") == data_root("/somewhere/.")
    assert str(data_root("/somewhere")) == "/somewhere"
    assert data_root("") == tmp_path
    monkeypatch.delenv("PLAYGROUND_DATA_DIR")
    assert str(data_root("")).endswith(".cache/transformer-loss-playground/data")


# ---------------------------------------------------------------- text


def _pydoc_corpus() -> str:
    from pydoc_data.topics import topics

    return "\n".join(topics[key] for key in sorted(topics))


def test_default_text_corpus_loads_offline_and_decodes():
    corpus = _pydoc_corpus()
    data = load_dataset("text", seq_len=16, n_train=64, n_val=8)
    assert data.x_train.shape == (64, 16) and data.x_val.shape == (8, 16)
    assert data.vocab_size == len(set(corpus)) and data.entropy_floor is None
    split = len(corpus) * 9 // 10
    assert all(data.decode(x) in corpus[:split] for x in data.x_train)
    assert all(data.decode(x) in corpus[split:] for x in data.x_val)
    snippet = "def f(x):\n    return x"
    assert data.decode(data.decode.encode(snippet)) == snippet


def test_text_vocab_is_the_sorted_characters_of_a_user_file(tmp_path):
    text = "hello world, the quick brown fox. " * 10
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    data = load_dataset("text", text_path=str(path), seq_len=8, n_train=32, n_val=4)
    assert data.decode(range(data.vocab_size)) == "".join(sorted(set(text)))
    assert all(data.decode(x) in text for x in torch.cat([data.x_train, data.x_val]))


def test_text_windows_are_deterministic_per_seed():
    a, b = load_dataset("text", seed=1, n_train=16), load_dataset("text", seed=1, n_train=16)
    assert torch.equal(a.x_train, b.x_train)
    assert not torch.equal(a.x_train, load_dataset("text", seed=2, n_train=16).x_train)


@pytest.mark.parametrize("content, problem", [
    (None, "not found"),
    (b"caf\xe9 au lait" * 100, "not UTF-8"),
    (b"", "is empty"),
    (b"too short", "too few for seq_len=32"),
])
def test_bad_text_file_gives_one_line_error_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "mine.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as err:
        load_dataset("text", text_path=str(path))
    message = _one_line(err)
    assert message.startswith("text_path:") and str(path) in message and problem in message


def test_text_file_over_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.truncate(21 * 2**20)  # sparse: costs no disk or time
    with pytest.raises(DataError, match="the limit is 20 MB") as err:
        load_dataset("text", text_path=str(path))
    _one_line(err)


# ---------------------------------------------------------------- copy / reverse


def test_copy_floor_from_first_principles():
    # V=4, T=9: L=4 prompt symbols x[0..3], SEP x[4], copy x[5..8]. floor[t] is for x[t+1]:
    # x[1], x[2], x[3] are fresh uniform symbols (log 4); SEP and the copy are determined.
    data = load_dataset("copy", vocab_size=4, seq_len=9, n_train=64, n_val=8)
    log4 = math.log(4)
    assert torch.allclose(data.entropy_floor, torch.tensor([log4, log4, log4, 0, 0, 0, 0, 0]))
    assert data.loss_mask.all() and data.loss_mask.shape == (8,)
    assert data.sep == 4 and data.vocab_size == 5
    x = data.x_train
    assert (x[:, :4] < 4).all() and (x[:, 4] == 4).all()
    assert torch.equal(x[:, 5:9], x[:, :4])
    assert data.decode([0, 1, 2, 3, 4]) == "abcd|"


def test_copy_with_even_length_pads_with_sep():
    # T=10: L=(10-1)//2=4, so x[0..8] as for T=9 and one extra SEP at x[9] (floor 0).
    data = load_dataset("copy", vocab_size=4, seq_len=10, n_train=64, n_val=8)
    assert torch.allclose(data.entropy_floor, torch.tensor([math.log(4)] * 3 + [0.0] * 6))
    assert (data.x_train[:, 4] == 4).all() and (data.x_train[:, 9] == 4).all()
    assert torch.equal(data.x_train[:, 5:9], data.x_train[:, :4])


def test_reverse_answer_is_the_prompt_reversed_and_only_it_is_masked_in():
    data = load_dataset("reverse", vocab_size=4, seq_len=9, n_train=64, n_val=8)
    log4 = math.log(4)
    assert torch.allclose(data.entropy_floor, torch.tensor([log4, log4, log4, 0, 0, 0, 0, 0]))
    # Targets x[5..8] (the answer) sit at floor indices 4..7; SEP (index 3) is not trained on.
    assert data.loss_mask.tolist() == [False] * 4 + [True] * 4
    x = data.x_val
    assert (x[:, 4] == 4).all() and torch.equal(x[:, 5:9], x[:, :4].flip(1))


def test_copy_prompt_symbols_are_uniform():
    data = load_dataset("copy", vocab_size=4, seq_len=9, n_train=4000, n_val=1)
    counts = torch.bincount(data.x_train[:, :4].flatten(), minlength=4).float()
    assert (counts / counts.sum() - 0.25).abs().max() < 0.02


def test_synthetic_sets_are_deterministic_and_seed_dependent():
    for name in ("copy", "markov", "reverse", "tagging"):
        a, b = load_dataset(name, seed=5, n_train=32), load_dataset(name, seed=5, n_train=32)
        assert torch.equal(a.x_train, b.x_train) and torch.equal(a.x_val, b.x_val)
        assert not torch.equal(a.x_train, load_dataset(name, seed=6, n_train=32).x_train)


def test_copy_needs_room_for_a_prompt():
    with pytest.raises(DataError, match="seq_len: must be 3..") as err:
        load_dataset("copy", seq_len=2)
    _one_line(err)


# ---------------------------------------------------------------- markov


def test_markov_entropy_rate_of_a_hand_chain():
    P = [[0.9, 0.1], [0.5, 0.5]]  # pi = (5/6, 1/6) solves pi P = pi
    assert np.allclose(stationary_distribution(P), [5 / 6, 1 / 6])
    h_row0 = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    assert math.isclose(markov_entropy_rate(P), 5 / 6 * h_row0 + 1 / 6 * math.log(2), rel_tol=1e-9)
    assert markov_entropy_rate([[0.0, 1.0], [1.0, 0.0]]) == pytest.approx(0.0, abs=1e-12)


def test_markov_samples_have_the_stated_floor():
    data = load_dataset("markov", vocab_size=4, seq_len=6, n_train=40000, n_val=1, seed=2)
    floor = data.entropy_floor
    assert floor.shape == (5,) and torch.allclose(floor, floor[0].expand(5))
    assert 0.05 < floor[0] < math.log(4) - 0.05  # neither deterministic nor uniform
    x = data.x_train.numpy()
    # Position 0 checks x[0] ~ pi; the 2-token context checks that older history adds nothing.
    assert _conditional_entropy(x[:, :1], x[:, 1]) == pytest.approx(floor[0].item(), abs=0.02)
    assert _conditional_entropy(x[:, 2:4], x[:, 4]) == pytest.approx(floor[0].item(), abs=0.02)
    pooled = _conditional_entropy(x[:, :-1].reshape(-1, 1), x[:, 1:].reshape(-1))
    assert pooled == pytest.approx(floor[0].item(), abs=0.01)


# ---------------------------------------------------------------- tagging


@pytest.mark.parametrize("vocab_size, k", [(8, 4), (3, 3)])
def test_tagging_labels_follow_the_rule(vocab_size, k):
    data = load_dataset("tagging", vocab_size=vocab_size, seq_len=12, n_train=256, n_val=8)
    x, y = data.x_train, data.y_train
    assert y.shape == x.shape and y.dtype == torch.int64 and data.num_classes == k
    assert torch.equal(y[:, 0], x[:, 0] % k)  # x[-1] := 0
    assert torch.equal(y[:, 1:], (x[:, 1:] + x[:, :-1]) % k)
    assert data.entropy_floor is None and data.loss_mask is None


# ---------------------------------------------------------------- pixels as tokens


def test_quantize_is_raster_order_and_round_trips():
    images = torch.zeros(2, 1, 8, 8)
    images[0, 0, 1, 2] = 1.0
    tokens = quantize(images, levels=4)
    assert tokens.shape == (2, 64) and tokens.dtype == torch.int64
    assert tokens[0, 1 * 8 + 2] == 3 and tokens.sum() == 3
    x = torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    t = quantize(x, levels=4)
    assert 0 <= t.min() and t.max() <= 3
    assert (dequantize(t, 4, (1, 8, 8)) - x).abs().max() <= 0.5 / 3 + 1e-6
    assert torch.equal(quantize(dequantize(t, 4, (1, 8, 8)), 4), t)
