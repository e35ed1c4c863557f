"""Tests for the core engine: the trainer's loop and its statuses, the eval's NLL bookkeeping
(checked against F.cross_entropy), learning down to known floors, seeding, baselines, and a
smoke run of every task and loss. Tiny models and few steps; the few longer runs are the
ones that must reach a floor."""

import math

import pytest
import torch
import torch.nn.functional as F

from playground.config import RunConfig
from playground.experiment import build_experiment
from playground.tasks import TASKS
from playground.tasks.base import EVAL_EXAMPLES
from playground.train import History, Trainer

# The synthetic prompt/answer sets at their defaults (seq_len 32, vocab_size 8): a prompt of
# L = (32 - 1) // 2 = 15 uniform symbols, SEP, the answer, one trailing SEP. Next-token targets
# x[1..31] sit at positions 0..30; the answer's targets x[16..30] at positions 15..29.
V, T, L = 8, 31, 15
ANSWER = [L <= t < 2 * L for t in range(T)]


def train(**overrides):
    exp = build_experiment(RunConfig(**overrides))
    exp.trainer.run()
    return exp


def val_logits(exp):
    """The trained model's next-token logits on the held-out examples the eval scores."""
    x = exp.data.x_val[:EVAL_EXAMPLES]
    exp.model.eval()
    with torch.no_grad():
        return exp.model(x[:, :-1]), x[:, 1:]  # (B, T, V), (B, T)


def toy_trainer(loss_fn, steps=10):
    """A Trainer on a one-weight model, for the loop's own behaviour."""
    w = torch.nn.Parameter(torch.ones(1))
    model = torch.nn.Module()
    model.w = w
    cfg = RunConfig(steps=steps, warmup_steps=0)
    return Trainer(model, cfg, get_batch=lambda: torch.tensor([2.0]), loss_fn=lambda b: loss_fn(w, b))


# ---------------------------------------------------------------- the loop


def test_trainer_completes_and_fires_each_event():
    seen = []
    t = toy_trainer(lambda w, b: ((w - b) ** 2).sum(), steps=10)
    for event in ("on_start", "on_step", "on_end"):
        t.add_callback(event, lambda tr, e=event: seen.append(e))
    assert t.run() == "completed"
    assert t.step == 10 and t.reason == ""
    assert seen == ["on_start"] + ["on_step"] * 10 + ["on_end"]


def test_nan_loss_gives_diverged_with_the_step_in_the_reason():
    k = 4

    def loss_fn(w, b):
        return (w * float("nan")).sum() if t.step == k else ((w - b) ** 2).sum()

    t = toy_trainer(loss_fn)
    assert t.run() == "diverged"
    assert f"step {k}" in t.reason
    assert math.isfinite(t.model.w.item())  # the NaN step never reached the weights


def test_stop_flag_set_at_step_k_stops_after_step_k():
    k = 3
    t = toy_trainer(lambda w, b: ((w - b) ** 2).sum(), steps=100)
    t.add_callback("on_step", lambda tr: tr.stop_flag.set() if tr.step == k else None)
    assert t.run() == "stopped"
    assert t.step == k + 1
    assert t.history.rows[-1]["step"] == k


def test_exception_in_loss_fn_gives_failed_with_a_one_line_reason():
    def loss_fn(w, b):
        raise RuntimeError("shapes do not match\nsecond line of detail")

    t = toy_trainer(loss_fn)
    assert t.run() == "failed"
    assert t.reason == "RuntimeError: shapes do not match"


def test_history_keeps_at_most_cap_rows_evenly_strided_from_step_0():
    h = History(cap=100)
    for step in range(10_000):
        h.add(step, {"step": step})
    steps = [r["step"] for r in h.rows]
    # the stride doubles 1, 2, ..., 64 (157 rows: too many), 128: steps 0, 128, ..., 9984
    assert steps == list(range(0, 10_000, 128))
    assert len(steps) <= 100


# ---------------------------------------------------------------- eval bookkeeping


def test_next_token_val_nll_is_the_mean_of_the_per_timestep_nll_and_matches_cross_entropy():
    exp = train(dataset="markov", model="nano", steps=20, eval_every=20)
    ev = exp.trainer.evals[-1]
    logits, y = val_logits(exp)
    ce = F.cross_entropy(logits.transpose(1, 2), y, reduction="none").double()  # (B, T)
    assert len(ev["nll_per_timestep"]) == T
    assert sum(ev["nll_per_timestep"]) / T == pytest.approx(ev["val_nll"], rel=1e-9)
    assert ev["val_nll"] == pytest.approx(float(ce.mean()), rel=1e-5)
    assert ev["nll_per_timestep"] == pytest.approx(ce.mean(0).tolist(), rel=1e-5)
    assert ev["val_loss"] == pytest.approx(ev["val_nll"], rel=1e-6)  # loss nll: the same number
    assert ev["perplexity"] == pytest.approx(math.exp(ev["val_nll"]))
    assert ev["bits"] == pytest.approx(ev["val_nll"] / math.log(2))


def test_prompt_answer_val_nll_is_the_mean_over_the_answer_positions():
    exp = train(paradigm="autoregressive", task="prompt_answer", dataset="reverse", model="nano",
                steps=20, eval_every=20)
    ev = exp.trainer.evals[-1]
    assert ev["loss_mask"] == ANSWER
    answer = [v for v, m in zip(ev["nll_per_timestep"], ANSWER) if m]
    assert sum(answer) / len(answer) == pytest.approx(ev["val_nll"], rel=1e-9)
    logits, y = val_logits(exp)
    ce = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")[:, torch.tensor(ANSWER)]
    assert ev["val_nll"] == pytest.approx(float(ce.double().mean()), rel=1e-5)
    assert ev["val_loss"] == pytest.approx(ev["val_nll"], rel=1e-6)


def test_label_smoothing_changes_val_loss_but_not_val_nll():
    exp = train(dataset="copy", model="nano", loss="cross_entropy", label_smoothing=0.1, steps=10, eval_every=10)
    ev = exp.trainer.evals[-1]
    logits, y = val_logits(exp)
    logits = logits.transpose(1, 2)
    assert ev["val_loss"] == pytest.approx(float(F.cross_entropy(logits, y, label_smoothing=0.1)), rel=1e-5)
    assert ev["val_nll"] == pytest.approx(float(F.cross_entropy(logits, y)), rel=1e-5)


# ---------------------------------------------------------------- learning


def test_copy_task_reaches_the_entropy_floor_in_300_steps():
    exp = train(dataset="copy", model="nano", steps=300, eval_every=300)
    per_t = exp.trainer.evals[-1]["nll_per_timestep"]
    # prompt targets x[1..14] are fresh uniform symbols (ln V each); SEP and the copy are
    # determined by what came before (0 each)
    floor = (L - 1) * math.log(V) / T
    assert all(abs(v - math.log(V)) < 0.1 * math.log(V) for v in per_t[: L - 1]), per_t
    assert all(v < 0.1 for v in per_t[L - 1:]), per_t
    assert 0.97 * floor <= exp.trainer.evals[-1]["val_nll"] <= 1.1 * floor


def test_reconstruction_error_on_digits_falls_below_the_mean_image():
    exp = train(paradigm="autoencoding", task="reconstruction", dataset="digits", loss="mse", model="nano",
                steps=100, eval_every=10)
    first, last = exp.trainer.evals[0], exp.trainer.evals[-1]
    x_train, x_val = exp.data.x_train, exp.data.x_val[:EVAL_EXAMPLES]
    mean_image_mse = float(((x_val - x_train.mean(0)) ** 2).mean())
    assert last["val_mse"] < 0.5 * first["val_mse"]
    assert last["val_mse"] < mean_image_mse


def test_lstm_baseline_learns_to_classify_digits():
    exp = train(paradigm="autoencoding", task="classification", dataset="digits", loss="nll", model="lstm",
                steps=200, eval_every=20)
    first, last = exp.trainer.evals[0], exp.trainer.evals[-1]
    assert last["val_loss"] < 0.5 * first["val_loss"]
    assert last["val_nll"] < 0.5 * math.log(10)  # a uniform guess costs ln 10
    assert last["accuracy"] > 0.7                 # chance is 0.1


def test_conv_autoencoder_baseline_learns_to_reconstruct_digits():
    exp = train(paradigm="autoencoding", task="reconstruction", dataset="digits", loss="mse", model="conv_ae",
                steps=200, eval_every=20)
    first, last = exp.trainer.evals[0], exp.trainer.evals[-1]
    x_train, x_val = exp.data.x_train, exp.data.x_val[:EVAL_EXAMPLES]
    assert last["val_loss"] < 0.5 * first["val_loss"]
    assert last["val_mse"] < float(((x_val - x_train.mean(0)) ** 2).mean())


# ---------------------------------------------------------------- seeds


def run_losses(seed):
    exp = train(model="nano", steps=15, eval_every=15, seed=seed)
    return [r["loss"] for r in exp.trainer.history.rows], exp.trainer.evals[-1]["val_loss"]


def test_same_seed_gives_identical_metrics_and_another_seed_does_not():
    a, b, c = run_losses(0), run_losses(0), run_losses(1)
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


# ---------------------------------------------------------------- every task, every loss


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_trains_on_its_first_dataset_to_a_finite_val_loss(task):
    t = TASKS[task]
    exp = train(paradigm=t.paradigm, task=task, dataset=t.datasets[0], loss=t.losses[0], model="nano",
                steps=3, eval_every=3)
    assert exp.trainer.status == "completed", exp.trainer.reason
    assert math.isfinite(exp.trainer.evals[-1]["val_loss"])


@pytest.mark.parametrize("task,dataset,loss", [("next_token", "markov", n) for n in TASKS["next_token"].losses]
                         + [("reconstruction", "digits", n) for n in TASKS["reconstruction"].losses])
def test_every_fitting_loss_trains_5_steps(task, dataset, loss):
    exp = train(paradigm=TASKS[task].paradigm, task=task, dataset=dataset, loss=loss, model="nano",
                steps=5, eval_every=5)
    assert exp.trainer.status == "completed", exp.trainer.reason
    assert exp.trainer.step == 5
    assert math.isfinite(exp.trainer.evals[-1]["val_loss"])
