"""The process-wide run manager: the only owner of training threads.

Pages submit configs and read snapshots; they never touch a trainer. Each run has its own
background thread, at most `limits.max_concurrent` at once, the rest wait in a queue served
fairly between owners. With workers="thread" the run trains in that thread (the CLI-like
default, and the tests); with workers="process" the thread pumps a spawned child process that
trains, which is what the web server uses: a tiny model's loop is mostly Python, so in a thread
it fights the page's rendering for the GIL (measured in the README: 4x slower while a page
watched). All shared state sits behind one lock and is read as copies. The store, when given,
is written as the run goes: metric rows about once a second, each eval as it lands, the
status at the end, always from the server process.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import multiprocessing
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from .config import RunConfig, validate
from .export import weights_path
from .tasks import check_combination
from .train import History, thin_evals

WORKERS = ("thread", "process")  # where a run trains: a thread of this process, or a child process
MAX_FINISHED_IN_MEMORY = 50  # finished runs kept in memory; older ones are read from the store
STORE_FLUSH_S = 1.0  # how often metric rows go to the store: a crash loses at most this much


class LimitError(ValueError):
    """A run over a host's limit; the message names the limit."""


@dataclass
class Limits:
    """What a host allows. The defaults are a laptop's (generous); hosted mode tightens them."""
    max_steps: int = 100_000
    max_batch_size: int = 1024
    max_threads: int = 64            # torch CPU threads per run
    models: tuple[str, ...] = ("nano", "tiny", "small", "lstm", "conv_ae")
    max_concurrent: int = 2          # runs training at once, all sessions together
    max_per_owner: int = 4           # running + queued runs of one browser session
    max_queue: int = 50              # waiting runs, all sessions together
    ttl_s: float = 0.0               # a run is stopped after this many seconds; 0 = no limit
    datasets: tuple[str, ...] | None = None  # None = all

    @classmethod
    def hosted(cls) -> "Limits":
        """Sized for a 2-core box with thirty students: short runs, small models, a queue."""
        return cls(max_steps=2000, max_batch_size=128, max_threads=1, models=("nano", "tiny", "lstm", "conv_ae"),
                   max_concurrent=2, max_per_owner=1, max_queue=40, ttl_s=120.0,
                   datasets=("digits", "text", "copy", "markov", "reverse", "tagging"))

    @classmethod
    def from_env(cls) -> "Limits":
        return cls.hosted() if os.environ.get("PLAYGROUND_HOSTED", "") not in ("", "0", "false") else cls()

    def check(self, cfg: RunConfig) -> None:
        if cfg.steps > self.max_steps:
            raise LimitError(f"steps: {cfg.steps} is over this host's limit of {self.max_steps}")
        if cfg.threads > self.max_threads:
            raise LimitError(f"threads: {cfg.threads} is over this host's limit of {self.max_threads}")
        if cfg.batch_size > self.max_batch_size:
            raise LimitError(f"batch_size: {cfg.batch_size} is over this host's limit of {self.max_batch_size}")
        if cfg.model not in self.models:
            raise LimitError(f"model: {cfg.model} is not allowed on this host; allowed: {', '.join(self.models)}")
        if self.datasets is not None and cfg.dataset not in self.datasets:
            raise LimitError(f"dataset: {cfg.dataset} is not allowed on this host; allowed: {', '.join(self.datasets)}")


@dataclass
class RunState:
    """Everything a reader may see of one run; mutated only under the manager's lock."""
    id: str
    config: RunConfig
    owner: str
    status: str = "queued"
    reason: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    step: int = 0
    loss: float | None = None
    grad_norm: float | None = None
    lr: float | None = None
    steps_per_s: float = 0.0
    info: dict = field(default_factory=dict)
    summary: dict | None = None
    history: History = field(default_factory=History)
    evals: list = field(default_factory=list)
    stop_flag: threading.Event = field(default_factory=threading.Event)


TERMINAL = ("completed", "stopped", "diverged", "failed", "interrupted")


class RunManager:
    def __init__(self, store=None, limits: Limits | None = None, workers: str = "thread"):
        if workers not in WORKERS:
            raise ValueError(f"workers: {workers!r} is not one of {', '.join(WORKERS)}")
        self.store, self.limits, self.workers = store, limits or Limits(), workers
        self._lock = threading.Lock()
        self._runs: dict[str, RunState] = {}
        self._queue: list[str] = []
        self._threads: dict[str, threading.Thread] = {}

    # ---- what pages call -------------------------------------------------------------------
    def submit(self, cfg: RunConfig, owner: str = "", name: str = "") -> str:
        """Validate and queue a run; raise ConfigError / LimitError with a one-line message."""
        cfg = validate(dataclasses.replace(cfg))
        check_combination(cfg)
        self.limits.check(cfg)
        run_id = uuid.uuid4().hex[:10]
        with self._lock:
            mine = sum(1 for r in self._runs.values() if r.owner == owner and r.status in ("queued", "running"))
            if owner and mine >= self.limits.max_per_owner:
                raise LimitError(f"runs per session: you already have {mine} running or waiting "
                                 f"(this host allows {self.limits.max_per_owner}); stop one first")
            if len(self._queue) >= self.limits.max_queue:
                raise LimitError(f"queue: {len(self._queue)} runs are waiting, the most this host allows; try again soon")
            self._runs[run_id] = RunState(run_id, cfg, owner)  # counts for the caps from now on
        try:
            if self.store:  # the row exists before any thread can pick the run from the queue
                self.store.create_run(run_id, dataclasses.asdict(cfg), name=name, owner=owner)
        except Exception:
            with self._lock:
                del self._runs[run_id]
            raise
        with self._lock:
            self._queue.append(run_id)
        self._schedule()
        return run_id

    def stop(self, run_id: str, owner: str | None = None) -> bool:
        """Ask a run to stop (a queued run is dropped from the queue). Owner-checked if given."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or (owner is not None and run.owner != owner) or run.status in TERMINAL:
                return False
            run.stop_flag.set()
            if run.status != "queued":
                return True
            self._queue.remove(run_id)
            run.status, run.reason = "stopped", "stopped before it started"
        if self.store:
            self.store.set_status(run_id, "stopped", run.reason)
        return True

    def snapshot(self, run_id: str) -> dict | None:
        """A copy of the run's state, safe to read while it trains."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return None
            snap = {k: getattr(run, k) for k in ("id", "owner", "status", "reason", "step", "loss", "grad_norm",
                                                 "lr", "steps_per_s", "submitted", "started")}
            snap["summary"] = copy.deepcopy(run.summary)  # small, nested (config, reference lines)
            snap["config"] = dataclasses.asdict(run.config)
            snap["info"] = copy.deepcopy(run.info)
            snap["history"] = [dict(r) for r in run.history.rows]
            snap["evals"] = list(run.evals)  # eval dicts are never mutated after they land
            snap["queue_position"] = self._queue.index(run_id) + 1 if run_id in self._queue else None
        steps = snap["config"]["steps"]
        left = max(0, steps - snap["step"])
        snap["eta_s"] = left / snap["steps_per_s"] if snap["steps_per_s"] else None
        return snap

    def active(self) -> list[dict]:
        """Short rows for the runs in memory: training first, then queued, then the rest,
        newest first within each."""
        with self._lock:
            place = {run_id: i + 1 for i, run_id in enumerate(self._queue)}
            rows = [{"id": r.id, "owner": r.owner, "status": r.status, "step": r.step,
                     "steps": r.config.steps, "task": r.config.task, "dataset": r.config.dataset,
                     "loss": r.config.loss, "queue_position": place.get(r.id), "submitted": r.submitted}
                    for r in self._runs.values()]
        order = {"running": 0, "queued": 1}
        return sorted(rows, key=lambda r: (order.get(r["status"], 2), -r["submitted"]))

    def is_active(self, run_id: str) -> bool:
        with self._lock:
            run = self._runs.get(run_id)
            return run is not None and run.status in ("queued", "running")

    def any_active(self, owner: str | None = None) -> bool:
        with self._lock:
            return any(r.status in ("queued", "running") and (owner is None or r.owner == owner)
                       for r in self._runs.values())

    def wait(self, run_id: str, timeout: float | None = None) -> str:
        """Block until the run ends (tests, CLI-like use); return its status."""
        deadline = None if timeout is None else time.time() + timeout
        while True:
            with self._lock:
                run = self._runs.get(run_id)
                if run is None:  # finished and evicted from memory: the store has the outcome
                    row = self.store.get_run(run_id) if self.store else None
                    return row["status"] if row else "unknown"
                status = run.status
                thread = self._threads.get(run_id)
            if status in TERMINAL:
                return status
            if thread is not None:
                thread.join(0.05)
            else:
                time.sleep(0.05)
            if deadline is not None and time.time() > deadline:
                return status

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop everything: queued runs are dropped first, so no finishing thread starts one."""
        with self._lock:
            dropped = list(self._queue)
            self._queue.clear()
            for run_id in dropped:
                self._runs[run_id].status, self._runs[run_id].reason = "stopped", "the server shut down"
            for run in self._runs.values():
                run.stop_flag.set()
            threads = list(self._threads.values())
        if self.store:
            for run_id in dropped:
                self.store.set_status(run_id, "stopped", "the server shut down")
        for t in threads:
            t.join(timeout)

    def forget(self, run_id: str) -> bool:
        """Drop a finished run from memory (after it was deleted from the store)."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None or run.status not in TERMINAL:
                return False
            del self._runs[run_id]
            return True

    def _evict(self) -> None:
        """Bounded memory: past MAX_FINISHED_IN_MEMORY finished runs, the oldest leave memory
        (the store still has them, and pages read them from there)."""
        with self._lock:
            done = [r for r in self._runs.values() if r.status in TERMINAL]
            for run in sorted(done, key=lambda r: r.submitted)[: max(0, len(done) - MAX_FINISHED_IN_MEMORY)]:
                if self.store is not None:  # without a store, memory is the only copy
                    del self._runs[run.id]

    # ---- scheduling --------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Start queued runs while there is room; the next run comes from the owner with the
        fewest runs training, then the owner served least recently (round robin: with one slot
        nobody is training when the choice is made, so load alone would serve the queue in
        order and one session could starve the others)."""
        while True:
            with self._lock:
                running = [r for r in self._runs.values() if r.status == "running"]
                if not self._queue or len(running) >= self.limits.max_concurrent:
                    return
                load, last_start = {}, {}
                for r in running:
                    load[r.owner] = load.get(r.owner, 0) + 1
                for r in self._runs.values():
                    if r.started is not None:
                        last_start[r.owner] = max(last_start.get(r.owner, 0.0), r.started)
                run_id = min(self._queue, key=lambda i: (load.get(self._runs[i].owner, 0),
                                                         last_start.get(self._runs[i].owner, 0.0),
                                                         self._queue.index(i)))
                self._queue.remove(run_id)
                run = self._runs[run_id]
                run.status, run.started = "running", time.time()
                thread = threading.Thread(target=self._work, args=(run,), name=f"run-{run_id}", daemon=True)
                self._threads[run_id] = thread
            if self.store:  # before the thread starts, so a fast failure is not overwritten
                with contextlib.suppress(Exception):  # a store error must not strand the slot
                    self.store.set_status(run_id, "running")
            thread.start()

    def _work(self, run: RunState) -> None:
        try:
            _Worker(self, run).run()
        finally:
            with self._lock:
                self._threads.pop(run.id, None)
            self._schedule()


def train_run(cfg: RunConfig, report: Callable[[str, object], None], stop_flag, weights_file: str | None) -> None:
    """Build, train and summarise one run; every outcome goes out through report(kind, payload)
    with kind in info, step, eval, end. The same function runs in a thread or in a process."""
    from .experiment import build_experiment, run_info, summarize

    try:
        exp = build_experiment(cfg)
    except Exception as e:  # bad data file, missing MNIST, ...: the run fails, the app lives
        report("end", ("failed", one_line(e), None))
        return
    t = exp.trainer
    t.stop_flag = stop_flag
    report("info", run_info(exp))
    t.add_callback("on_step", lambda t: report("step", _step_record(t)))
    t.add_callback("on_eval", lambda t: report("eval", t.evals[-1]))
    t.run()
    summary = summarize(exp)
    if weights_file:
        save_weights(exp.model, Path(weights_file), summary)
    report("end", (t.status, t.reason or None, summary))


def _step_record(t) -> dict:
    return {"step": t.step, "loss": t.loss, "grad_norm": t.grad_norm, "lr": t.lr, "step_dt": t.step_dt,
            "row": t.history.row_at(t.step)}


def save_weights(model, path: Path, summary: dict) -> None:
    """The trained state dict, on the CPU; written to a temporary name first so a reader never
    sees half a file. A disk problem is noted, never fatal (torch's zip writer reports a full
    disk as a RuntimeError, not an OSError)."""
    tmp = path.with_suffix(".pt.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        summary["weights_error"] = f"the weights were not saved: {getattr(e, 'strerror', None) or e}"


def _process_context():
    """Children forked from a fork server that has imported torch and the engine once: a run
    starts in a fraction of a second instead of the ~3 s a fresh interpreter needs, and no
    child is forked from the threaded web server itself (which is unsafe)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["playground.experiment", "sklearn.datasets"])
    return ctx


def _process_main(cfg: dict, messages, stop_flag, weights_file: str | None) -> None:
    """Entry point of a training process: the same run, reported over a queue."""
    train_run(RunConfig(**cfg), lambda kind, payload: messages.put((kind, payload)), stop_flag, weights_file)


class _Worker:
    """Owns one run's training (in this thread, or in a child process it pumps) and turns its
    reports into the shared run state and the store."""

    def __init__(self, manager: RunManager, run: RunState):
        self.m, self.run_state = manager, run
        self.pending: list[dict] = []
        self.last_flush = time.time()
        self.ttl_hit = False
        self.weights_file = str(weights_path(manager.store, run.id)) if manager.store else None

    def run(self) -> None:
        try:
            if self.m.workers == "process":
                self._run_in_process()
            else:
                train_run(self.run_state.config, self.handle, self.run_state.stop_flag, self.weights_file)
        except Exception as e:  # a bug or a store failure must never leave a run 'running'
            self.finish("failed", one_line(e), None)

    def _run_in_process(self) -> None:
        """A child process per run: training holds no lock the page needs (the GIL), so the
        server stays responsive and the run keeps its speed while pages watch it."""
        ctx = _process_context()
        messages, stop_flag = ctx.Queue(), ctx.Event()
        proc = ctx.Process(target=_process_main, daemon=True, name=f"run-{self.run_state.id}",
                           args=(dataclasses.asdict(self.run_state.config), messages, stop_flag, self.weights_file))
        proc.start()
        ended = False
        while not ended:
            if self.run_state.stop_flag.is_set():
                stop_flag.set()
            try:
                kind, payload = messages.get(timeout=0.2)
            except queue.Empty:
                if not proc.is_alive() and messages.empty():
                    self.finish("failed", f"the training process ended unexpectedly (exit code {proc.exitcode})", None)
                    break
                continue
            self.handle(kind, payload)
            ended = kind == "end"
        proc.join(10)

    def handle(self, kind: str, payload) -> None:
        if kind == "info":
            with self.m._lock:
                self.run_state.info = payload
            if self.m.store:
                self.m.store.set_info(self.run_state.id, payload)
        elif kind == "step":
            self.on_step(payload)
        elif kind == "eval":
            self.on_eval(payload)
        elif kind == "end":
            status, reason, summary = payload
            if status == "stopped" and self.ttl_hit:
                reason = f"stopped after {self.m.limits.ttl_s:g} s, this host's time limit per run"
            if summary is not None:
                summary["reason"] = reason
            self.finish(status, reason, summary)

    def on_step(self, rec: dict) -> None:
        run, row = self.run_state, rec["row"]
        with self.m._lock:
            run.step, run.loss, run.grad_norm, run.lr = rec["step"] + 1, rec["loss"], rec["grad_norm"], rec["lr"]
            if rec["step_dt"] > 0:  # an exponential average keeps steps/s steady for the progress bar
                rate = 1.0 / rec["step_dt"]
                run.steps_per_s = rate if not run.steps_per_s else 0.9 * run.steps_per_s + 0.1 * rate
            if row:
                run.history.add(row["step"], row)
        if row:
            self.pending.append(row)
        ttl = self.m.limits.ttl_s
        if ttl and time.time() - run.started > ttl:
            self.ttl_hit = True
            run.stop_flag.set()
        if time.time() - self.last_flush > STORE_FLUSH_S:
            self.flush()

    def on_eval(self, ev: dict) -> None:
        with self.m._lock:
            self.run_state.evals = thin_evals([*self.run_state.evals, ev])
        self.flush()
        if self.m.store:
            self.m.store.add_eval(self.run_state.id, ev)

    def flush(self) -> None:
        if self.m.store and self.pending:
            self.m.store.append_metrics(self.run_state.id, self.pending)
        self.pending = []
        self.last_flush = time.time()

    def finish(self, status: str, reason: str | None, summary: dict | None) -> None:
        """Record the end in memory first (readers must see it whatever the store does)."""
        with self.m._lock:
            run = self.run_state
            run.status, run.reason, run.summary = status, reason, summary
        self.m._evict()
        if self.m.store:
            try:
                self.flush()
                self.m.store.set_status(run.id, status, reason, summary)
            except Exception as e:  # a full disk or a locked file: the run's end is still shown
                with self.m._lock:
                    run.reason = f"{reason or status}; the run store could not record it ({one_line(e)})"


def one_line(e: Exception) -> str:
    """An exception as one readable line: validation messages as they are, others with their type."""
    text = str(e).splitlines()[0] if str(e) else "no message"
    return text if isinstance(e, ValueError) else f"{type(e).__name__}: {text}"
