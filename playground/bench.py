"""The benchmark behind `python -m playground bench`: what the trainer's bookkeeping costs.

On the default config (digits as pixel sequences, next_token, the tiny model, batch 64, one
torch thread, on the CPU) it measures:

1. the Trainer's steps/s with evaluation off;
2. the canonical bare PyTorch loop (pytorch/examples' five lines) on the same model class,
   batches, loss, optimizer, clipping and learning-rate schedule; both start from the same
   seed, so their final losses must agree, which shows the two do the same work;
3. their ratio and the trainer's overhead in %, on the wall clock and on this thread's CPU
   time (steadier when other processes share the cores);
4. the seconds from a config in hand to the first eval point of a normal run (eval_every=10),
   measured first, while the dataset is not yet cached, as a fresh process would see it;
5. the process's peak RSS.

The two loops alternate over ROUNDS rounds (each round swaps which goes first) and the medians
are reported, so a burst of background load does not land on one side only. It asserts
nothing: it prints numbers for the README.
"""
from __future__ import annotations

import dataclasses
import json
import resource
import statistics
import sys
import time

import torch

from .config import RunConfig, validate
from .experiment import build_experiment
from .train import lr_at, make_optimizer, seed_everything

ROUNDS = 3
WARMUP_STEPS = 10  # one untimed bare run first: allocator and kernel warm-up land on neither side


def bench_config(steps: int) -> RunConfig:
    return validate(RunConfig(steps=steps, device="cpu"))


class Clock:
    """Wall-clock and this thread's CPU seconds of a block. With one torch thread all the work
    runs in the calling thread, so CPU time leaves out the time other processes took the core:
    the overhead it gives is steadier than the wall-clock one on a busy machine."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.thread_time() - self.cpu


def time_trainer(cfg: RunConfig) -> tuple[Clock, float]:
    """The Trainer's cfg.steps steps with eval off: their clock and the last loss."""
    exp = build_experiment(cfg)
    t = exp.trainer
    t.evaluate = None
    with Clock() as clock:
        t.run()
    if t.status != "completed":
        raise RuntimeError(f"bench: the trainer ended {t.status}: {t.reason}")
    return clock, t.loss


def time_bare_loop(cfg: RunConfig) -> tuple[Clock, float]:
    """The same work as the trainer's loop, without events, history or checks."""
    exp = build_experiment(cfg)
    model, runner = exp.model, exp.runner
    gen = seed_everything(cfg.seed)  # the batch generator the trainer draws from, in the same state
    optimizer = make_optimizer(model, cfg)
    with Clock() as clock:
        torch.set_num_threads(cfg.threads)
        model.train()
        for step in range(cfg.steps):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, cfg)
            loss = runner.step(model, runner.get_batch(gen), gen).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
    return clock, loss.item()


def time_to_first_eval(cfg: RunConfig) -> float:
    """Seconds from a config in hand (build included) to the first eval of a normal run."""
    cfg = dataclasses.replace(cfg, steps=RunConfig().steps, eval_every=10)
    start = time.perf_counter()
    exp = build_experiment(cfg)
    seconds = []

    def first_eval(t):
        seconds.append(time.perf_counter() - start)
        t.stop_flag.set()

    exp.trainer.add_callback("on_eval", first_eval)
    exp.trainer.run()
    return seconds[0]


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def run_bench(steps: int) -> dict:
    cfg = bench_config(steps)
    first_eval_s = time_to_first_eval(cfg)
    time_bare_loop(dataclasses.replace(cfg, steps=WARMUP_STEPS))
    clocks = {time_trainer: [], time_bare_loop: []}
    final_loss = {}
    for i in range(ROUNDS):
        for fn in (time_trainer, time_bare_loop) if i % 2 == 0 else (time_bare_loop, time_trainer):
            clock, final_loss[fn] = fn(cfg)
            clocks[fn].append(clock)

    def median(fn, kind):
        return statistics.median(getattr(c, kind) for c in clocks[fn])

    t, b = median(time_trainer, "wall"), median(time_bare_loop, "wall")
    t_cpu, b_cpu = median(time_trainer, "cpu"), median(time_bare_loop, "cpu")
    return {
        "steps": steps,
        "rounds": ROUNDS,
        "trainer_steps_per_s": round(steps / t, 2),
        "bare_steps_per_s": round(steps / b, 2),
        "ratio": round(b / t, 4),  # trainer speed / bare speed
        "overhead_pct": round(100 * (t / b - 1), 2),
        "overhead_cpu_pct": round(100 * (t_cpu / b_cpu - 1), 2),
        "round_seconds": {"trainer": [round(c.wall, 3) for c in clocks[time_trainer]],
                          "bare": [round(c.wall, 3) for c in clocks[time_bare_loop]]},  # their spread is the noise
        "first_eval_s": round(first_eval_s, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "same_final_loss": final_loss[time_trainer] == final_loss[time_bare_loop],
        "config": {k: getattr(cfg, k) for k in ("dataset", "task", "model", "batch_size", "threads", "device")},
        "torch": torch.__version__,
    }


def main(args) -> int:
    result = run_bench(args.steps)
    if args.json:
        print(json.dumps(result))
        return 0
    c = result["config"]
    print(f"{c['dataset']} {c['task']}, model {c['model']}, batch {c['batch_size']}, {c['threads']} thread(s), "
          f"{c['device']}; {result['steps']} steps, median of {result['rounds']} alternating rounds")
    rows = [
        ("trainer", f"{result['trainer_steps_per_s']:.1f} steps/s"),
        ("bare loop", f"{result['bare_steps_per_s']:.1f} steps/s"),
        ("ratio", f"{result['ratio']:.3f} (trainer / bare)"),
        ("overhead", f"{result['overhead_pct']:.1f} % wall-clock, {result['overhead_cpu_pct']:.1f} % CPU time"),
        ("first eval", f"{result['first_eval_s']:.2f} s from config to the first eval point (eval_every=10)"),
        ("peak RSS", f"{result['peak_rss_mb']:.0f} MB"),
        ("same loss", "yes" if result["same_final_loss"] else "NO: the two loops did different work"),
    ]
    for name, value in rows:
        print(f"  {name:<11} {value}")
    return 0
