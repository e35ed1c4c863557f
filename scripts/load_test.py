"""A classroom against one server, then the faults: measured, on loopback only.

    python scripts/load_test.py                 # 30 students, 4 of them in real Chromium; then faults
    python scripts/load_test.py --students 10 --browsers 2 --no-faults --json out.json
    python scripts/load_test.py --steps 300 --no-faults        # longer runs: the queue fills

It starts the app itself (`streamlit run app.py` on a free port of 127.0.0.1, hosted mode, a
temporary store) and sends traffic to nothing else.

Load: `--students` arrive spread over `--window` seconds; each loads the page and starts a short
run (`?autostart=1&steps=60&model=nano`, the teacher's link). A few (`--browsers`) are real
Chromium sessions (one browser, a context each) that keep the page open, live panel and all, until
their run ends. The rest are lighter: a GET of the HTML shell and of /_stcore/health, then one call
to Streamlit's agent API (`POST /_stcore/agent/interact` with the link's query parameters): a real
server-side session that runs the page script, so the autostart submits a real run, without a
browser's CPU cost on this 2-core machine. The agent API is switched on for this test's server
only; the Dockerfile and .streamlit/config.toml leave it off. A prober asks for /_stcore/health
every second and renders the page (agent API) every five seconds while runs train, alternately
bare and with a student's run in the panel: that is the "does the page stay responsive" figure.
Afterwards a finished run's page is rendered on the idle server: what one refresh of a live
panel costs (each open browser asks for one a second while its run trains). The client side runs at lower CPU priority (nice +5), as
if the students' machines were elsewhere; the server keeps normal priority.

Measured: page-load and health latency p50/p95, runs completed (read from the store), queue waits
(first seen running minus created, polled every 0.25 s), run durations, server memory (psutil,
RSS), server CPU, errors (HTTP, error elements on the page, tracebacks in the server log).

Live panels against training: one tiny run (2000 steps) watched by 0, 1, 2 and 4 Chromium pages:
its steps/s over 6 s (from the store's metric rows), then three renders of its page (agent API). It ends by
pressing the run's Stop button through its own session.

Faults, each checked to end in a clear state with a message:
  over the limit      ?steps=50000 and ?model=small -> an error naming the limit, no run
  a run that raises   ?device=cuda on a CPU-only server -> failed, with the reason;
                      a text run on a missing / empty file and a NaN loss, in-process through
                      RunManager + Store (a link cannot name a server file)
  a run that diverges ?lr=1&grad_clip=0&warmup_steps=0 on digits: reported as it ends (AdamW
                      bounds each step by lr, so it does not blow up); the diverged path is the
                      NaN-loss case above
  client disconnects  a browser starts a run and is closed mid-run -> the run completes
  server killed       SIGKILL mid-run, restart -> history intact; after one page load the run is
                      'interrupted' with the reason, its metric rows kept
All loops are bounded in count and time; the whole script takes about 3-6 minutes here.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TITLE = "Transformer Loss Playground"
TERMINAL = ("completed", "stopped", "diverged", "failed", "interrupted")
LINK = {"autostart": "1", "steps": "60", "model": "nano"}


# ---- small helpers --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no data."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, min(len(v) - 1, math.ceil(q / 100 * len(v)) - 1))]


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}s"


def summary_of(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95),
            "max": max(values) if values else None}


def line(name: str, values: list[float]) -> str:
    s = summary_of(values)
    return f"{name:42s} n={s['n']:3d}  p50 {fmt_s(s['p50'])}  p95 {fmt_s(s['p95'])}  max {fmt_s(s['max'])}"


class Log:
    """Thread-safe collection of measurements and errors."""

    def __init__(self):
        self.lock = threading.Lock()
        self.t: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def add(self, key: str, value: float) -> None:
        with self.lock:
            self.t.setdefault(key, []).append(value)

    def error(self, msg: str) -> None:
        with self.lock:
            self.errors.append(msg)
        print(f"  ! {msg}", flush=True)


# ---- the server -----------------------------------------------------------------------------------
class Server:
    def __init__(self, store: Path, log_path: Path):
        self.store, self.log_path = store, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> float:
        env = dict(os.environ, PLAYGROUND_HOSTED="1", PLAYGROUND_STORE=str(self.store),
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.enableAgentApi", "true", "--server.agentWaitTimeout", "60",
               "--server.agentMaxSessions", "500",
               "--browser.gatherUsageStats", "false"]
        t0 = time.time()
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=open(self.log_path, "a"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    return time.time() - t0
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server was not healthy after {timeout:.0f}s; see {self.log_path}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tracebacks(self) -> int:
        return self.log_path.read_text(errors="replace").count("Traceback (most recent call last)")


def get(url: str, timeout: float = 30.0) -> tuple[int, float]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        r.read()
        return r.status, time.perf_counter() - t0


def interact(server: Server, query: dict | None = None, timeout: float = 90.0) -> tuple[dict, float]:
    """One agent-API call: a new server-side session that runs the page with these query params."""
    body = {} if query is None else {"query_params": {k: [str(v)] for k, v in query.items()}}
    return interact_raw(server, body, timeout)


def interact_raw(server: Server, body: dict, timeout: float = 90.0) -> tuple[dict, float]:
    req = urllib.request.Request(server.url + "/_stcore/agent/interact", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        data = json.load(r)
    return data, time.perf_counter() - t0


def messages(tree, kinds=("error", "exception", "warning")) -> list[tuple[str, str]]:
    """(type, text) of the error-like elements of an agent-API tree."""
    out = []

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") in kinds:
                props = n.get("props") or {}
                out.append((n["type"], str(props.get("body") or props.get("message") or props)[:300]))
            for c in n.get("children") or []:
                walk(c)
    walk(tree)
    return out


def buttons(tree) -> dict[str, tuple[str, bool]]:
    """label -> (key, disabled) of the buttons in an agent-API tree."""
    out = {}

    def walk(n):
        if isinstance(n, dict):
            if n.get("type") == "button":
                props = n.get("props") or {}
                out[str(props.get("label"))] = (n.get("key"), bool(props.get("disabled")))
            for c in n.get("children") or []:
                walk(c)
    walk(tree)
    return out


def press(server: Server, session_id: str, label: str) -> bool:
    """Press a button in an existing agent-API session (a rerun first, so it is up to date)."""
    data, _ = interact_raw(server, {"session_id": session_id})
    key, disabled = buttons(data.get("tree")).get(label, (None, True))
    if key is None or disabled:
        return False
    interact_raw(server, {"session_id": session_id, "trigger": {"key": key}})
    return True


def rows(store: Path, sql: str, args=()) -> list[tuple]:
    if not store.exists():
        return []
    con = sqlite3.connect(store, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # tables not made yet
        return []
    finally:
        con.close()


def run_row(store: Path, run_id: str) -> dict | None:
    r = rows(store, "select status, reason, summary from runs where id = ?", (run_id,))
    if not r:
        return None
    return {"status": r[0][0], "reason": r[0][1], "summary": json.loads(r[0][2]) if r[0][2] else None}


def wait_status(store: Path, run_id: str, want, timeout: float) -> dict | None:
    """Poll the store until the run's status is in `want` (bounded); return its row."""
    deadline = time.time() + timeout
    row = None
    while time.time() < deadline:
        row = run_row(store, run_id)
        if row and row["status"] in want:
            return row
        time.sleep(0.25)
    return row


# ---- monitor: server memory and CPU, and when each run is first seen running ------------------------
class Monitor(threading.Thread):
    def __init__(self, server: Server, store: Path):
        super().__init__(daemon=True)
        self.server, self.store = server, store
        self.stop_evt = threading.Event()
        self.rss: list[float] = []
        self.cpu: list[float] = []
        self.seen_running: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    def run(self):
        import psutil
        proc = psutil.Process(self.server.proc.pid)
        proc.cpu_percent(None)
        n = 0
        while not self.stop_evt.is_set():
            try:
                self.rss.append(proc.memory_info().rss / 2**20)
                if n % 4 == 0:
                    self.cpu.append(proc.cpu_percent(None))
            except psutil.Error:
                return
            now = time.time()
            for run_id, status in rows(self.store, "select id, status from runs"):
                if status != "queued":
                    self.seen_running.setdefault(run_id, now)
                if status in TERMINAL:
                    self.ended.setdefault(run_id, now)
            n += 1
            self.stop_evt.wait(0.25)


# ---- the classroom --------------------------------------------------------------------------------
def light_student(i: int, server: Server, log: Log, run_ids: dict) -> None:
    try:
        code, dt = get(server.url + "/")
        log.add("GET / (HTML shell)", dt)
        code, dt = get(server.url + "/_stcore/health")
        log.add("GET /_stcore/health", dt)
        data, dt = interact(server, LINK)
        log.add("page script run, with autostart (agent API)", dt)
        if data.get("status") != "ready":
            log.error(f"student {i}: the page did not finish: {data.get('status')}")
        for kind, text in messages(data.get("tree")):
            if kind != "warning":
                log.error(f"student {i}: {kind} on the page: {text}")
        run = (data.get("query_params") or {}).get("run")
        if run:
            run_ids[i] = run[0]
        else:
            log.error(f"student {i}: no run started")
    except Exception as e:  # noqa: BLE001 -- a failed student is a measurement, not a crash
        log.error(f"student {i}: {type(e).__name__}: {e}")


def browser_students(schedule: list[tuple[int, float]], server: Server, log: Log, run_ids: dict,
                     t_start: float, deadline: float) -> None:
    """All real-browser students, in this one thread (Playwright's sync API is per thread)."""
    from playwright.sync_api import sync_playwright
    query = "&".join(f"{k}={v}" for k, v in LINK.items())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        open_pages = []
        try:
            for i, at in schedule:
                time.sleep(max(0.0, t_start + at - time.time()))
                ctx = browser.new_context()
                page = ctx.new_page()
                t0 = time.perf_counter()
                try:
                    page.goto(f"{server.url}/?{query}", wait_until="domcontentloaded", timeout=60_000)
                    page.get_by_role("heading", name=TITLE).wait_for(timeout=60_000)
                    log.add("browser page load, to the title drawn", time.perf_counter() - t0)
                    # the address bar gains run=<id> once the autostart has submitted
                    for _ in range(80):
                        if "run=" in page.url:
                            break
                        page.wait_for_timeout(250)
                    run = page.url.split("run=")[1].split("&")[0] if "run=" in page.url else None
                    if run:
                        run_ids[i] = run
                    else:
                        log.error(f"student {i} (browser): no run id in the address bar")
                except Exception as e:  # noqa: BLE001
                    log.error(f"student {i} (browser): {type(e).__name__}: {str(e)[:200]}")
                open_pages.append((i, ctx, page))
            # keep the pages open (their live panels refresh every second) until their runs end
            while time.time() < deadline and any(
                    (run_row(server.store, run_ids.get(i, "")) or {}).get("status") not in TERMINAL
                    for i, _, _ in open_pages if i in run_ids):
                time.sleep(1.0)
            for i, ctx, page in open_pages:
                if page.locator("[data-testid=stException]").count():
                    log.error(f"student {i} (browser): the page shows an exception")
                if page.get_by_text("Connection error").count():
                    log.error(f"student {i} (browser): the page lost its connection")
                ctx.close()
        finally:
            browser.close()


def classroom(args, server: Server, log: Log) -> dict:
    store = server.store
    rng = random.Random(0)
    n, nb = args.students, min(args.browsers, args.students)
    arrivals = sorted(rng.uniform(0, args.window) for _ in range(n))
    step = max(1, n // nb) if nb else n + 1
    browser_idx = set(range(0, n, step)[:nb]) if nb else set()
    run_ids: dict[int, str] = {}
    mon = Monitor(server, store)
    mon.start()
    t_start = time.time()
    deadline = t_start + args.window + args.drain
    stop_probe = threading.Event()

    def prober():
        k = 0
        while not stop_probe.is_set() and time.time() < deadline:
            try:
                log.add("prober: GET /_stcore/health", get(server.url + "/_stcore/health", 10)[1])
                if k % 10 == 0:
                    data, dt = interact(server)  # the page, no autostart: a learner clicking around
                    log.add("prober: page script run while runs train", dt)
                elif k % 10 == 5 and run_ids:  # a student's run, as one live-panel refresh draws it
                    data, dt = interact(server, {"run": list(run_ids.values())[-1]})
                    log.add("prober: page with a run's panel, while runs train", dt)
            except Exception as e:  # noqa: BLE001
                log.error(f"prober: {type(e).__name__}: {e}")
            k += 1
            stop_probe.wait(1.0)

    threads = [threading.Thread(target=prober, daemon=True)]
    if browser_idx:
        sched = [(i, arrivals[i]) for i in sorted(browser_idx)]
        threads.append(threading.Thread(target=browser_students, daemon=True,
                                        args=(sched, server, log, run_ids, t_start, deadline)))
    for t in threads:
        t.start()
    light = []
    for i in range(n):
        if i in browser_idx:
            continue
        time.sleep(max(0.0, t_start + arrivals[i] - time.time()))
        th = threading.Thread(target=light_student, args=(i, server, log, run_ids), daemon=True)
        th.start()
        light.append(th)
    print(f"  {n} students arrived in {time.time() - t_start:.0f}s ({len(browser_idx)} in Chromium)", flush=True)
    for th in light:
        th.join(max(0.0, deadline - time.time()))
    # wait for the runs to drain (bounded)
    while time.time() < deadline:
        st = rows(store, "select status, count(*) from runs group by status")
        if sum(c for s, c in st if s in ("queued", "running")) == 0 and len(run_ids) >= n - len(log.errors):
            break
        time.sleep(0.5)
    t_end = time.time()
    for t in threads[1:]:
        t.join(max(0.0, deadline - time.time()) + 30)
    stop_probe.set()
    threads[0].join(15)
    mon.stop_evt.set()
    mon.join(5)

    # what one refresh of a live panel costs the server when nothing else runs
    done = [r for (r,) in rows(store, "select id from runs where status = 'completed' limit 1")]
    for _ in range(5 if done else 0):
        log.add("page with a finished run's panel, idle server", interact(server, {"run": done[0]})[1])

    created = dict(rows(store, "select id, created_at from runs"))
    by_status: dict[str, int] = {}
    for s, c in rows(store, "select status, count(*) from runs group by status"):
        by_status[s] = c
    waits = [mon.seen_running[r] - created[r] for r in created if r in mon.seen_running]
    durations = []
    for (summary,) in rows(store, "select summary from runs where status = 'completed'"):
        if summary and json.loads(summary).get("seconds") is not None:
            durations.append(json.loads(summary)["seconds"])
    ends = [mon.ended[r] - t_start for r in created if r in mon.ended]
    return {
        "students": n, "browsers": len(browser_idx), "window_s": args.window,
        "runs_started": len(run_ids), "runs_by_status": by_status,
        "last_run_ended_s": max(ends) if ends else None, "phase_s": t_end - t_start,
        "queue_wait": waits, "run_seconds": durations,
        "server_rss_mb": {"start": mon.rss[0] if mon.rss else None, "peak": max(mon.rss) if mon.rss else None,
                          "end": mon.rss[-1] if mon.rss else None},
        "server_cpu_pct_mean": sum(mon.cpu) / len(mon.cpu) if mon.cpu else None,
    }


# ---- live panels against training: one run, watched by 0, 1, 2, 4 open pages -----------------------
def viewers(server: Server, log: Log, counts=(0, 1, 2, 4), window: float = 6.0) -> list[dict]:
    """Training speed of one run, and the page's latency, while n browser pages watch it (each
    live panel asks the server for a refresh every second). The run is stopped with its page's
    Stop button at the end (which checks that Stop works)."""
    from playwright.sync_api import sync_playwright
    store = server.store
    data, _ = interact(server, {"autostart": 1, "steps": 2000, "model": "tiny"})
    sid = data.get("session_id")
    run = ((data.get("query_params") or {}).get("run") or [None])[0]
    if not run or not wait_status(store, run, ("running",), 60):
        log.error("viewers: the run did not start")
        return []

    def step_now() -> int:
        return rows(store, "select coalesce(max(step), 0) from metrics where run_id = ?", (run,))[0][0]

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in counts:
            ctxs = []
            for _ in range(n):
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(f"{server.url}/?run={run}", wait_until="domcontentloaded", timeout=60_000)
                page.get_by_role("heading", name=TITLE).wait_for(timeout=60_000)
                ctxs.append(ctx)
            time.sleep(2.0)  # let the panels settle into their refresh
            s0, t0 = step_now(), time.time()
            time.sleep(window)  # training speed first, with nothing but the pages asking
            rate = (step_now() - s0) / (time.time() - t0)
            renders = [interact(server, {"run": run})[1] for _ in range(3)]  # then the page's latency
            out.append({"pages": n, "steps_per_s": rate, "render_p50": pct(renders, 50)})
            print(f"  {n} page(s) watching: the run trains at {rate:.1f} steps/s; "
                  f"the page with its panel renders in {pct(renders, 50):.2f}s (p50 of {len(renders)})", flush=True)
            for ctx in ctxs:
                ctx.close()
        browser.close()
    row = run_row(store, run)
    if row and row["status"] in TERMINAL:  # slow pages: the hosted 120 s limit came first
        ok = row["status"] == "stopped" and "limit" in (row["reason"] or "")
        print(f"  the run had already ended: {row['status']} ({row['reason']})", flush=True)
    else:
        pressed = press(server, sid, "Stop") if sid else False
        row = wait_status(store, run, TERMINAL, 30)
        ok = pressed and row is not None and row["status"] == "stopped"
        print(f"  Stop pressed: {row and row['status']} ({row and row['reason']})", flush=True)
    if not ok:
        log.error(f"viewers: the run did not end as stopped ({row and row['status']})")
    return out


# ---- faults ---------------------------------------------------------------------------------------
def check(results: list, name: str, ok: bool, detail: str) -> None:
    results.append({"fault": name, "ok": bool(ok), "detail": detail})
    print(f"  [{'ok' if ok else 'FAIL'}] {name}: {detail}", flush=True)


def faults(server: Server, log: Log) -> list[dict]:
    out: list[dict] = []
    store = server.store

    # over the limit: a message naming the limit, and no run
    for query, want in (({"autostart": 1, "steps": 50000}, "limit of 2000"),
                        ({"autostart": 1, "model": "small"}, "not allowed on this host")):
        data, _ = interact(server, query)
        errs = [t for k, t in messages(data.get("tree")) if k == "error"]
        started = "run" in (data.get("query_params") or {})
        check(out, f"over the limit ({'&'.join(f'{k}={v}' for k, v in query.items())})",
              any(want in e for e in errs) and not started, f"page says: {errs[0] if errs else 'nothing'}")

    # torch threads from a link: a run with 64 threads would take both cores from everyone
    data, _ = interact(server, {"autostart": 1, "threads": 64, "steps": 60, "model": "nano"})
    errs = [t for k, t in messages(data.get("tree")) if k == "error"]
    run = ((data.get("query_params") or {}).get("run") or [None])[0]
    row = wait_status(store, run, TERMINAL, 60) if run else None
    check(out, "over the limit (threads=64)", bool(errs) and not run,
          f"page says: {errs[0]}" if errs else
          f"accepted: a run with 64 torch threads, {row and row['status']} (hosted mode has no thread cap)")

    # a run that raises, from a link: CUDA asked of a CPU-only server
    data, _ = interact(server, {"autostart": 1, "device": "cuda", "steps": 60, "model": "nano"})
    run = ((data.get("query_params") or {}).get("run") or [None])[0]
    row = wait_status(store, run, TERMINAL, 60) if run else None
    check(out, "a run that raises (?device=cuda on CPU)",
          row is not None and row["status"] == "failed" and bool(row["reason"]),
          f"status {row and row['status']}: {row and row['reason']}")

    # lr at its maximum, no clipping: does it diverge?
    data, _ = interact(server, {"autostart": 1, "lr": 1, "grad_clip": 0, "warmup_steps": 0,
                                "steps": 200, "model": "nano"})
    run = ((data.get("query_params") or {}).get("run") or [None])[0]
    row = wait_status(store, run, TERMINAL, 90) if run else None
    loss = (row or {}).get("summary") or {}
    check(out, "lr=1 grad_clip=0 warmup_steps=0 on digits (nano, 200 steps)",
          row is not None and row["status"] in ("completed", "diverged"),
          f"status {row and row['status']}, final loss {loss.get('train_loss')}"
          + (f": {row['reason']}" if row and row["reason"] else " (AdamW bounds each step by lr: no blow-up)"))

    out += engine_faults()

    # a client that disconnects mid-run: the run goes on
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{server.url}/?autostart=1&steps=400&model=nano", wait_until="domcontentloaded", timeout=60_000)
        page.get_by_role("heading", name=TITLE).wait_for(timeout=60_000)
        run = None
        for _ in range(80):
            if "run=" in page.url:
                run = page.url.split("run=")[1].split("&")[0]
                break
            page.wait_for_timeout(250)
        row = wait_status(store, run, ("running",) + TERMINAL, 60) if run else None
        time.sleep(1.0)
        steps_before = rows(store, "select count(*) from metrics where run_id = ?", (run,))[0][0] if run else 0
        browser.close()  # the student closes the laptop
    row = wait_status(store, run, TERMINAL, 120) if run else None
    check(out, "client disconnects mid-run (browser closed)",
          row is not None and row["status"] == "completed",
          f"closed at {steps_before} metric rows while {'running' if steps_before else 'starting'}; "
          f"then: {row and row['status']}, {((row or {}).get('summary') or {}).get('steps')} steps")

    # the server killed mid-run, restarted
    data, _ = interact(server, {"autostart": 1, "steps": 2000, "model": "tiny"})
    run = ((data.get("query_params") or {}).get("run") or [None])[0]
    wait_status(store, run, ("running",), 60)
    deadline = time.time() + 30
    while time.time() < deadline and rows(store, "select count(*) from metrics where run_id = ?", (run,))[0][0] < 20:
        time.sleep(0.25)
    n_runs_before = rows(store, "select count(*) from runs")[0][0]
    server.kill()
    metrics_at_kill = rows(store, "select count(*) from metrics where run_id = ?", (run,))[0][0]
    status_dead = run_row(store, run)["status"]
    restart_s = server.start()
    status_restarted = run_row(store, run)["status"]
    data, _ = interact(server)  # one page load creates the run manager, which marks it
    row = run_row(store, run)
    n_runs_after = rows(store, "select count(*) from runs")[0][0]
    metrics_after = rows(store, "select count(*) from metrics where run_id = ?", (run,))[0][0]
    check(out, "server killed mid-run (SIGKILL), restarted",
          row["status"] == "interrupted" and bool(row["reason"]) and n_runs_after == n_runs_before
          and metrics_after == metrics_at_kill and metrics_at_kill > 0,
          f"store right after the kill: {status_dead}; after restart ({restart_s:.1f}s to healthy): "
          f"{status_restarted}; after one page load: {row['status']} ({row['reason']}); "
          f"runs {n_runs_before} -> {n_runs_after}, the run's metric rows {metrics_at_kill} -> {metrics_after}")
    return out


def engine_faults() -> list[dict]:
    """What a link cannot reach, through the same RunManager + Store the server uses."""
    sys.path.insert(0, str(REPO))
    from playground.config import RunConfig
    from playground.runs import Limits, RunManager
    from playground.store import Store

    out: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "runs.sqlite3")
        manager = RunManager(store=store, limits=Limits.hosted())
        empty = Path(tmp) / "empty.txt"
        empty.write_text("")
        for name, path in (("missing", Path(tmp) / "nope.txt"), ("empty", empty)):
            cfg = RunConfig(paradigm="autoregressive", task="next_token", dataset="text", loss="nll",
                            model="nano", steps=30, text_path=str(path))
            run = manager.submit(cfg, owner=f"engine-{name}")
            status = manager.wait(run, timeout=60)
            row = store.get_run(run)
            check(out, f"a run that raises (text run, {name} file; engine)",
                  status == "failed" and row["status"] == "failed" and bool(row["reason"]),
                  f"status {row['status']}: {row['reason']}")
        # the diverged path: a loss that turns NaN mid-run
        import playground.experiment as experiment
        real_build = experiment.build_experiment

        def nan_build(cfg):
            exp = real_build(cfg)
            loss_fn, count = exp.trainer.loss_fn, [0]

            def loss_nan(batch):
                count[0] += 1
                loss = loss_fn(batch)
                return loss * float("nan") if count[0] > 10 else loss
            exp.trainer.loss_fn = loss_nan
            return exp
        experiment.build_experiment = nan_build
        try:
            run = manager.submit(RunConfig(model="nano", steps=60), owner="engine-nan")
            status = manager.wait(run, timeout=60)
        finally:
            experiment.build_experiment = real_build
        row = store.get_run(run)
        check(out, "a run that diverges (loss made NaN at step 10; engine)",
              row["status"] == "diverged" and bool(row["reason"]), f"status {row['status']}: {row['reason']}")
        manager.shutdown()
        store.close()
    return out


# ---- main -----------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--browsers", type=int, default=4, help="how many students use a real Chromium")
    ap.add_argument("--window", type=float, default=60.0, help="seconds over which the students arrive")
    ap.add_argument("--drain", type=float, default=180.0, help="seconds allowed after that for the queue to empty")
    ap.add_argument("--steps", type=int, default=60, help="steps of each student's run (the link's steps=)")
    ap.add_argument("--model", default="nano", help="model of each student's run (the link's model=)")
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()
    LINK.update(steps=str(args.steps), model=args.model)
    if args.browsers and not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found: running without real browsers")
        args.browsers = 0

    tmp = Path(tempfile.mkdtemp(prefix="tlp-load-"))
    server = Server(tmp / "runs.sqlite3", tmp / "server.log")
    log = Log()
    t_all = time.time()
    load_before = os.getloadavg()[0]
    print(f"server: hosted mode, store {server.store}, log {server.log_path}", flush=True)
    print(f"  machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before starting "
          "(other work on the machine skews every figure)", flush=True)
    try:
        started_s = server.start()
        os.nice(5)  # the clients below (and the Chromium they launch) yield to the server
        print(f"  healthy {started_s:.1f}s after start; {server.url}", flush=True)
        get(server.url + "/")  # warm the static files
        print(f"load: {args.students} students over {args.window:.0f}s, link ?{'&'.join(f'{k}={v}' for k, v in LINK.items())}",
              flush=True)
        load = classroom(args, server, log)
        watch = []
        if args.browsers:
            print("live panels against training (tiny model, 2000 steps, stopped at the end):", flush=True)
            watch = viewers(server, log)
        print("faults:" if not args.no_faults else "", flush=True)
        fault_results = [] if args.no_faults else faults(server, log)
        tracebacks = server.tracebacks()
    finally:
        server.stop()
    total = time.time() - t_all

    print("\nresults")
    for key in ("GET / (HTML shell)", "GET /_stcore/health", "page script run, with autostart (agent API)",
                "browser page load, to the title drawn", "prober: GET /_stcore/health",
                "prober: page script run while runs train", "prober: page with a run's panel, while runs train",
                "page with a finished run's panel, idle server"):
        print("  " + line(key, log.t.get(key, [])))
    print("  " + line("queue wait (created -> running)", load["queue_wait"]))
    print("  " + line("run duration (completed runs)", load["run_seconds"]))
    rss = load["server_rss_mb"]
    print(f"  runs: {load['runs_started']} started of {load['students']}; by status {load['runs_by_status']}; "
          f"last one ended {load['last_run_ended_s'] or 0:.0f}s after the first student arrived")
    print(f"  server RSS: {rss['start']:.0f} MB before, peak {rss['peak']:.0f} MB, {rss['end']:.0f} MB after; "
          f"server CPU mean {load['server_cpu_pct_mean'] or 0:.0f}% (200% = both cores)")
    print(f"  errors: {len(log.errors)} client-side, {tracebacks} tracebacks in the server log")
    if fault_results:
        print(f"  faults: {sum(f['ok'] for f in fault_results)}/{len(fault_results)} ended as expected")
    print(f"  total time {total:.0f}s; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"server log {server.log_path}")

    ok = (not log.errors and not tracebacks and load["runs_by_status"].get("completed", 0) >= load["students"]
          and all(f["ok"] for f in fault_results))
    if args.json:
        args.json.write_text(json.dumps({
            "latency": {k: summary_of(v) for k, v in log.t.items()}, "load": {
                **{k: v for k, v in load.items() if k not in ("queue_wait", "run_seconds")},
                "queue_wait": summary_of(load["queue_wait"]), "run_seconds": summary_of(load["run_seconds"])},
            "viewers": watch, "errors": log.errors, "server_tracebacks": tracebacks, "faults": fault_results,
            "total_s": total, "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0],
            "ok": ok}, indent=2))
    print("PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
