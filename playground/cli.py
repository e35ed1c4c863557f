"""The headless command line: `list`, `train` and `bench` (see README for the contract).

Any invalid input exits with code 2 and one line naming the field and what is allowed.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from .config import ConfigError, RunConfig, parse_value


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage + message; one line is the contract
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m playground", description="Transformer Loss Playground, headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    ls = sub.add_parser("list", help="paradigms, tasks, datasets, losses, models and what fits what")
    ls.add_argument("--json", action="store_true")
    tr = sub.add_parser("train", help="one training run")
    tr.add_argument("--paradigm", required=True)
    tr.add_argument("--task")
    tr.add_argument("--dataset", required=True)
    tr.add_argument("--loss", required=True)
    tr.add_argument("--model")
    tr.add_argument("--steps")
    tr.add_argument("--seed")
    tr.add_argument("--device")
    tr.add_argument("--out", default="runs/cli", help="folder for metrics.jsonl and summary.json")
    tr.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config field")
    tr.add_argument("--json", action="store_true", help="last line of stdout: the summary as JSON")
    be = sub.add_parser("bench", help="trainer vs a bare PyTorch loop, time to first eval, peak RSS")
    be.add_argument("--steps", type=int, default=200)
    be.add_argument("--json", action="store_true")
    return p


def config_from_args(args) -> RunConfig:
    from .tasks import default_task

    values = {"paradigm": args.paradigm, "dataset": args.dataset, "loss": args.loss}
    for name in ("task", "model", "steps", "seed", "device"):
        if getattr(args, name) is not None:
            values[name] = parse_value(name, getattr(args, name))
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"--set: expected KEY=VALUE, got {item!r}")
        values[key.strip()] = parse_value(key.strip(), text)
    values.setdefault("task", default_task(args.paradigm, args.dataset))
    known = {f.name for f in fields(RunConfig)}
    return RunConfig(**{k: v for k, v in values.items() if k in known})


def cmd_list(args) -> int:
    from .data import DATASETS
    from .losses import LOSSES
    from .models import MODEL_DESCRIPTIONS
    from .tasks import PARADIGMS, TASKS, combinations

    out = {
        "paradigms": [{"name": n, "description": d} for n, d in PARADIGMS.items()],
        "tasks": [{"name": t.name, "paradigm": t.paradigm, "description": t.description} for t in TASKS.values()],
        "datasets": [{"name": d.name, "kind": d.kind, "description": d.description} for d in DATASETS.values()],
        "losses": [{"name": s.name, "kind": s.kind, "description": s.description, "formula": s.formula}
                   for s in LOSSES.values()],
        "models": [{"name": n, "description": d} for n, d in MODEL_DESCRIPTIONS.items()],
        "combinations": combinations(),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    for key in ("paradigms", "tasks", "datasets", "losses", "models"):
        print(f"{key}:")
        for item in out[key]:
            print(f"  {item['name']:<22} {item.get('description', '')}")
    return 0


class JsonlWriter:
    """Trainer callback: one JSON event a line, flushed at each eval and at the end."""

    def __init__(self, path: Path):
        self.f = path.open("w")

    def step(self, t):
        row = t.history.row_at(t.step)
        if row:
            self.f.write(json.dumps({"event": "step", **row}) + "\n")

    def eval(self, t):
        self.f.write(json.dumps({"event": "eval", **t.evals[-1]}) + "\n")
        self.f.flush()

    def end(self, t):
        self.f.write(json.dumps({"event": "end", "status": t.status, "reason": t.reason or None}) + "\n")
        self.f.close()


def cmd_train(args) -> int:
    from .experiment import build_experiment, summarize

    cfg = config_from_args(args)
    exp = build_experiment(cfg)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        writer = JsonlWriter(out / "metrics.jsonl")
    except OSError as e:
        raise UsageError(f"--out: cannot write to {out} ({e.strerror})") from None
    t = exp.trainer
    t.add_callback("on_step", writer.step)
    t.add_callback("on_eval", writer.eval)
    t.add_callback("on_end", writer.end)
    if not args.json:
        t.add_callback("on_eval", lambda t: print(
            f"step {t.evals[-1]['step']:>6}  train {t.loss:.4f}  val {t.evals[-1]['val_loss']:.4f}", flush=True))
    t.run()
    summary = summarize(exp)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{summary['status']} after {summary['steps']} steps in {summary['seconds']:.1f}s"
              + (f": {summary['reason']}" if summary["reason"] else ""))
    return 0 if summary["status"] == "completed" else 1


def main(argv=None) -> int:
    from .data import DataError

    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list(args)
        if args.command == "bench":
            from .bench import main as bench_main
            return bench_main(args)
        return cmd_train(args)
    except (UsageError, ConfigError, DataError, ValueError, KeyError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        print(f"error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
