"""End to end in a real browser: Debian's Chromium driven by Playwright against the app served
on a free loopback port. Start on the defaults, watch the chart gain points, see the heatmap
and samples render, Stop, check the status. A screenshot of the page mid-run is saved to
artifacts/ (not committed)."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "PLAYGROUND_STORE": str(tmp_path_factory.mktemp("store") / "runs.sqlite3"),
           "PLAYGROUND_WORKERS": "process"}  # as served: each run in its own process
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the server did not become healthy within 60 s")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def chart_points(page, index: int = 0) -> int:
    """Points in the first trace of the index-th Plotly chart on the page."""
    return page.evaluate(
        """(i) => { const g = document.querySelectorAll('.js-plotly-plot')[i];
                     return g && g.data && g.data.length ? g.data[0].x.length : 0; }""", index)


def test_start_watch_and_stop_in_a_real_browser(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "/?steps=2000&eval_every=25", wait_until="domcontentloaded")
    page.get_by_test_id("stSidebarUserContent").get_by_role("button", name="Start").click()
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')?.data?.[0]?.x?.length > 5",
                           timeout=60_000)
    first = chart_points(page)
    time.sleep(4)
    assert chart_points(page) > first, "the loss chart did not gain points while training"
    assert "run=" in page.url  # the run id is in the URL: a reload reattaches

    Path(ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "train_page_mid_run.png"), full_page=True)

    page.get_by_role("tab", name="Per-timestep NLL").click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=30_000)
    page.get_by_role("tab", name="Samples").click()

    reloaded = browser.new_page(viewport={"width": 1400, "height": 1000})
    reloaded.goto(page.url, wait_until="domcontentloaded")
    reloaded.get_by_text("Training: step").first.wait_for(timeout=30_000)
    reloaded.close()

    # the sidebar's Stop: under load Streamlit's own header shows a "Stop" (script) button too
    page.get_by_test_id("stSidebarUserContent").get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ROOT / "artifacts" / "train_page_stopped.png"), full_page=True)
    page.close()


def test_autoencoding_reconstructions_render(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "/?paradigm=autoencoding&task=masked_reconstruction&loss=mse&steps=60&eval_every=20"
              "&model=nano&autostart=1", wait_until="domcontentloaded")
    page.get_by_text("Finished").first.wait_for(timeout=90_000)
    page.get_by_role("tab", name="Reconstructions").click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=30_000)
    page.screenshot(path=str(ROOT / "artifacts" / "reconstructions.png"), full_page=True)
    page.close()
