"""Tests for the command line as a user runs it (`python -m playground ...` in a subprocess):
the list, the train contract (JSON last line, metrics.jsonl, summary.json), the default
settings of each synthetic dataset reaching its entropy floor, one-line errors, the bench."""

import json
import math
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from playground.cli import main
from playground.data import load_dataset

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def train_json(dataset, out, *extra):
    """Run `train --json` with the CLI defaults; return (summary, wall seconds)."""
    start = time.time()
    proc = cli("train", "--paradigm", "autoregressive", "--dataset", dataset, "--loss", "nll",
               "--json", "--out", str(out), *extra)
    seconds = time.time() - start
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), seconds


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A CLI run with the default settings, per dataset, made once for this module."""
    runs = {}

    def get(dataset):
        if dataset not in runs:
            out = tmp_path_factory.mktemp(dataset)
            runs[dataset] = (*train_json(dataset, out), out)
        return runs[dataset]

    return get


def markov_entropy_rate_estimate(x):
    """Plug-in H(x[t+1] | x[t]) in nats over all transitions of the sequences x (N, T)."""
    pairs = Counter(zip(x[:, :-1].flatten().tolist(), x[:, 1:].flatten().tolist()))
    context = Counter(x[:, :-1].flatten().tolist())
    n = sum(pairs.values())
    return -sum(c / n * math.log(c / context[a]) for (a, _), c in pairs.items())


# ---------------------------------------------------------------- list


def test_list_json_is_one_object_naming_everything():
    proc = cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    names = {key: {item["name"] for item in out[key]}
             for key in ("paradigms", "tasks", "datasets", "losses", "models")}
    assert names["paradigms"] == {"autoregressive", "autoencoding"}
    assert {"next_token", "prompt_answer", "reconstruction", "masked_reconstruction", "denoising",
            "masked_tokens", "classification", "sequence_labelling", "recon_classification"} <= names["tasks"]
    assert {"digits", "mnist", "fashion_mnist", "text", "copy", "markov", "reverse", "tagging"} <= names["datasets"]
    assert {"nll", "cross_entropy", "focal", "mse", "l1", "huber", "bce"} <= names["losses"]
    assert {"nano", "tiny", "small", "lstm", "conv_ae"} <= names["models"]
    assert {c["task"] for c in out["combinations"]} == names["tasks"]


# ---------------------------------------------------------------- train: the contract


def test_train_json_last_line_metrics_jsonl_and_summary_json(default_run):
    summary, _, out = default_run("copy")
    for key in ("status", "steps", "train_loss", "val_loss", "seconds", "entropy_floor"):
        assert key in summary
    assert summary["status"] == "completed" and summary["steps"] == 300
    assert len(summary["val_nll_per_timestep"]) == 31  # seq_len 32: 31 next-token targets
    assert json.loads((out / "summary.json").read_text()) == summary
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    kinds = Counter(e["event"] for e in events)
    assert kinds["eval"] == 300 // 50  # eval_every 50; the last step is an eval point too
    assert kinds["step"] == 300  # one row per step: History keeps every step of a short run
    assert events[-1] == {"event": "end", "status": "completed", "reason": None}


def test_train_json_on_digits_has_no_entropy_floor_and_a_per_pixel_nll(tmp_path):
    summary, _ = train_json("digits", tmp_path, "--model", "nano", "--steps", "3")
    assert summary["entropy_floor"] is None
    assert len(summary["val_nll_per_timestep"]) == 64  # one per pixel of an 8x8 image
    assert summary["steps"] == 3 and math.isfinite(summary["val_loss"])


# ---------------------------------------------------------------- train: the default settings reach the floor


def test_copy_defaults_reach_the_entropy_floor_within_a_minute(default_run):
    summary, seconds, _ = default_run("copy")
    floor = 14 * math.log(8) / 31  # 14 of 31 targets are uniform over 8 symbols, the rest determined
    assert summary["entropy_floor"] == pytest.approx(floor, rel=1e-6)
    assert 0.97 * floor <= summary["val_nll"] <= 1.1 * floor
    assert seconds < 60


def test_markov_defaults_reach_the_entropy_rate_within_a_minute(default_run):
    summary, seconds, _ = default_run("markov")
    x = load_dataset("markov").x_train  # the CLI's defaults: seq_len 32, vocab_size 8, seed 0
    floor = summary["entropy_floor"]
    assert floor == pytest.approx(markov_entropy_rate_estimate(x.numpy()), rel=0.02)
    # The val NLL is a mean over 512 x 31 sampled transitions, so it scatters around the true
    # cross-entropy: the sd of -log p under this chain is about 0.89 nats, so the mean's sd is
    # 0.89 / sqrt(15872) = 0.007 nats, 0.7% of the floor, and a model at the floor can land a
    # little below it. 3% below is over four standard deviations: further down is a bug.
    assert 0.97 * floor <= summary["val_nll"] <= 1.1 * floor
    assert seconds < 60


def test_reverse_defaults_learn_the_answer_within_a_minute(default_run):
    summary, seconds, _ = default_run("reverse")
    assert summary["entropy_floor"] == 0.0  # the answer is determined by the prompt
    assert summary["val_nll"] < 0.05
    assert summary["answer_accuracy"] > 0.99
    assert seconds < 60


# ---------------------------------------------------------------- errors

BASE = ["train", "--paradigm", "autoregressive", "--dataset", "copy", "--loss", "nll"]
TEXT_MISSING = ["train", "--paradigm", "autoregressive", "--dataset", "text", "--loss", "nll",
                "--set", "text_path=/nonexistent"]


@pytest.mark.parametrize("args,field", [
    (["train", "--paradigm", "nope", "--dataset", "copy", "--loss", "nll"], "paradigm"),
    (BASE + ["--task", "nope"], "task"),
    (["train", "--paradigm", "autoregressive", "--dataset", "nope", "--loss", "nll"], "dataset"),
    (["train", "--paradigm", "autoregressive", "--dataset", "copy", "--loss", "nope"], "loss"),
    (BASE + ["--model", "nope"], "model"),
    (["train", "--paradigm", "autoencoding", "--task", "reconstruction", "--dataset", "digits", "--loss", "nll"], "loss"),
    (BASE + ["--steps", "0"], "steps"),
    (BASE + ["--set", "lr=abc"], "lr"),
    (BASE + ["--set", "nope=1"], "nope"),
    (TEXT_MISSING, "text_path"),
])
def test_invalid_input_exits_2_with_one_line_naming_the_field(args, field, tmp_path, capsys):
    # in-process (a subprocess each would cost a torch import); the next test runs the real entry point
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {field}:")
    assert out == ""


def test_unreadable_text_file_exits_2_with_one_line_from_the_command_line(tmp_path):
    # the file is only read when the data loads, after the config has passed validation
    proc = cli(*TEXT_MISSING, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: text_path:") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


# ---------------------------------------------------------------- bench


def test_bench_json_reports_its_figures():
    proc = cli("bench", "--steps", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("trainer_steps_per_s", "bare_steps_per_s", "ratio", "overhead_pct", "overhead_cpu_pct",
                "first_eval_s", "peak_rss_mb"):
        assert isinstance(result[key], (int, float)) and math.isfinite(result[key]), key
    assert result["steps"] == 5
    assert result["same_final_loss"] is True  # the two loops did the same work
