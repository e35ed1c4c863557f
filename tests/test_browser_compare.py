"""The Compare page in a real browser: two short runs started from links, then both overlaid on
/compare. A full-page screenshot goes to artifacts/compare.png (not committed).

The server and browser fixtures are test_browser's own, imported rather than copied."""
import time
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, ROOT, browser, server  # noqa: F401  (pytest fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
RUN_LINKS = ["/?steps=40&model=nano&eval_every=20&autostart=1",
             "/?steps=40&model=nano&eval_every=20&loss=cross_entropy&autostart=1"]


def test_compare_two_runs_in_a_real_browser(server, browser):  # noqa: F811
    pages = []
    for link in RUN_LINKS:  # both train at once: the manager runs two side by side
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server + link, wait_until="domcontentloaded")
        pages.append(page)
    for page in pages:
        page.get_by_text("Finished").first.wait_for(timeout=90_000)
        page.close()

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server + "/compare", wait_until="domcontentloaded")
    page.get_by_text("Runs to compare").wait_for(timeout=30_000)
    chosen = page.locator("[data-tag]")  # the chips of a multiselect's chosen values
    chosen.nth(1).wait_for(timeout=30_000)  # the two newest runs are chosen on arrival
    labels = " ".join(chosen.all_inner_texts())
    assert "nll" in labels and "cross_entropy" in labels, labels
    # the overlay: each run draws a raw and a smoothed train line and its val points
    page.wait_for_function(
        """() => { const g = document.querySelector('.js-plotly-plot');
                   return g && g.data && g.data.length >= 6 && g.data.every(t => t.x.length > 0); }""",
        timeout=30_000)
    legend = page.evaluate("() => document.querySelector('.js-plotly-plot').data.map(t => t.name)")
    assert any("loss=nll" in n for n in legend) and any("loss=cross_entropy" in n for n in legend), legend
    page.get_by_text("Side by side at one step").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 5", timeout=30_000)
    # the page scrolls inside Streamlit's main block, so a full-page shot needs a tall window
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 4000)})
    time.sleep(1)  # let the charts redraw at the new size before the screenshot
    Path(ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "compare.png"), full_page=True)
    page.close()
