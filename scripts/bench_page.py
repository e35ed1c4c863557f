"""Benchmark: training throughput with the page open and watching vs the headless CLI, on the
same config, and the server's latency (health endpoint and page load) while a run trains.

    python3 scripts/bench_page.py [--steps 600] [--json]

Runs on loopback only; starts and stops its own server. Prints a table (or one JSON line).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def headless_steps_per_s(steps: int) -> float:
    """The CLI on the same config; steps/s from its step events, as the store's are read."""
    out = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "playground", "train", "--paradigm", "autoregressive", "--dataset", "digits",
                    "--loss", "nll", "--steps", str(steps), "--set", "eval_every=100", "--out", str(out)],
                   cwd=ROOT, capture_output=True, check=True)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return rate([(r["step"], r["time"]) for r in rows if r["event"] == "step"])


def rate(rows) -> float:
    (s0, t0), (s1, t1) = rows[0], rows[-1]
    return (s1 - s0) / (t1 - t0)


def steps_per_s_from_store(db: Path) -> float:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT step, time FROM metrics ORDER BY step").fetchall()
    con.close()
    return rate(rows)


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    headless = headless_steps_per_s(args.steps)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Path(tempfile.mkdtemp()) / "runs.sqlite3"
    env = {**os.environ, "PLAYGROUND_STORE": str(db)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/?steps={args.steps}&eval_every=100&autostart=1", wait_until="domcontentloaded")
            page.get_by_text("Training: step").first.wait_for(timeout=60_000)
            health, loads = [], []
            while not page.get_by_text("Finished").count():
                t0 = time.perf_counter()
                urllib.request.urlopen(url + "/_stcore/health", timeout=10).read()
                health.append(time.perf_counter() - t0)
                if len(health) % 5 == 0:
                    t0 = time.perf_counter()
                    urllib.request.urlopen(url + "/", timeout=10).read()
                    loads.append(time.perf_counter() - t0)
                time.sleep(0.2)
            browser.close()
        watched = steps_per_s_from_store(db)
    finally:
        server.terminate()
        server.wait(10)
    result = {
        "headless_steps_per_s": round(headless, 2), "watched_steps_per_s": round(watched, 2),
        "ratio": round(watched / headless, 3),
        "health_ms_p50": round(1000 * statistics.median(health), 1), "health_ms_p95": round(1000 * percentile(health, 0.95), 1),
        "page_ms_p50": round(1000 * statistics.median(loads), 1) if loads else None,
        "page_ms_p95": round(1000 * percentile(loads, 0.95), 1) if loads else None,
        "samples": len(health),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:<24} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
