"""Full-page screenshots of every page with the bundled sample (for reviewing the look of a change).

Usage: python scripts/screenshots.py OUT_DIR   (starts its own server on a free port, no file watcher)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "customers.csv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _idle(tab) -> None:
    tab.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && app.getAttribute('data-test-connection-state') === 'CONNECTED';
        }""", timeout=120_000)


def _shot(tab, out: Path, name: str) -> None:
    _idle(tab)
    tab.wait_for_timeout(1500)  # let charts finish drawing (a screenshot tool, not a test)
    height = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    tab.set_viewport_size({"width": 1440, "height": max(900, min(int(height) + 100, 12000))})
    _idle(tab)
    tab.wait_for_timeout(800)
    tab.screenshot(path=str(out / name), full_page=True)
    tab.set_viewport_size({"width": 1440, "height": 1000})


def _go(tab, link: str, heading: str) -> None:
    tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link).click()
    tab.get_by_role("heading", name=heading).first.wait_for()
    _idle(tab)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "SEGDASH_SAMPLE": str(SAMPLE), "SEGDASH_DATA_DIR": str(SAMPLE.parent)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            tab = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            tab.set_default_timeout(180_000)
            tab.goto(url)
            _idle(tab)
            _shot(tab, out, "1_data.png")
            _go(tab, "Segments", "Segments")
            _shot(tab, out, "2_segments_clustering_form.png")
            tab.get_by_role("button", name="Find segments").click()
            tab.get_by_text(re.compile(r"Done: \d+ segments")).wait_for()
            _shot(tab, out, "3_segments_clustering_result.png")
            tab.get_by_text("RFM", exact=True).click()
            tab.get_by_role("button", name="Score customers").wait_for()
            _shot(tab, out, "4_segments_rfm_form.png")
            tab.get_by_text("By dimensions", exact=True).click()
            tab.get_by_text("Segment by (one to three columns)").wait_for()
            _shot(tab, out, "5_segments_dimensions_form.png")
            _go(tab, "Profiles", "Profiles")
            tab.locator(".js-plotly-plot").first.wait_for()
            _shot(tab, out, "6_profiles.png")
            _go(tab, "Acquisition & ROI", "Acquisition & ROI")
            tab.locator(".js-plotly-plot:visible").first.wait_for()
            _shot(tab, out, "7_roi.png")
            for expander in ("More figures", "Today's figures next to the what-if"):
                tab.get_by_test_id("stExpander").filter(has_text=expander).locator("summary").click()
            tab.get_by_role("tab", name="Segment × channel").click()
            _shot(tab, out, "8_roi_details_open.png")
            _go(tab, "Segments", "Segments")
            tab.get_by_text("By dimensions", exact=True).click()
            picker = tab.get_by_test_id("stMultiSelect").first
            for column in ("age", "country"):
                picker.locator("input").click()
                picker.locator("input").fill(column)
                tab.get_by_role("option", name=re.compile(rf": {column}$", re.I)).first.click()
                _idle(tab)
            tab.keyboard.press("Escape")
            tab.get_by_role("button", name="Make segments").click()
            tab.get_by_text(re.compile(r"Done: \d+ segments")).wait_for()
            _shot(tab, out, "9_segments_dimensions_result.png")
            _go(tab, "Playbook", "Playbook")
            tab.get_by_text("Details for analysts").first.wait_for()
            _shot(tab, out, "10_playbook.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
