"""Report & exports in a real browser: click the report button, get the file; share a presentation link."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ARTIFACTS, wait_idle
from tests.test_browser_roi import _segment_by_country

pytestmark = pytest.mark.browser


def _go_to_report(page) -> None:
    page.get_by_role("link", name="Report & exports").click()
    page.get_by_role("heading", name="Report & exports").first.wait_for()
    page.get_by_role("button", name="Download the report (HTML)").wait_for()
    wait_idle(page)


def test_click_report_and_download_it(page, browser, tmp_path) -> None:
    _segment_by_country(page)
    wait_idle(page)
    _go_to_report(page)
    page.get_by_label("Title").fill("Q3 <review>")
    page.get_by_label("Title").press("Enter")
    page.get_by_text("6 sections").wait_for()
    wait_idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_page.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (HTML)").click()
    assert download.value.suggested_filename.endswith(".html")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    html_text = saved.read_text(encoding="utf-8")
    assert "<title>Q3 &lt;review&gt;</title>" in html_text
    assert not re.search(r"<script[^>]*\bsrc=", html_text)
    assert "1. The data" in html_text and "Acquisition cost, lifetime value and return" in html_text

    # the downloaded file opens on its own, offline
    context = browser.new_context(offline=True)
    report = context.new_page()
    report.goto(saved.as_uri())
    report.get_by_role("heading", name="Q3 <review>").wait_for()
    report.locator(".plotly-graph-div .main-svg").first.wait_for()
    context.close()

    with page.expect_download() as book_download:
        page.get_by_role("button", name="Download the workbook (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(book_download.value.path()).read_bytes()))
    assert book.sheetnames[:3] == ["Segments", "Traits", "Proof"] and "Customer labels" in book.sheetnames
    assert book["Customer labels"].max_row == 5001


def test_presentation_link_opens_the_same_view(page, browser, app_url: str) -> None:
    _go_to_report(page)
    page.get_by_text("Presentation view").click()
    page.wait_for_url(re.compile(r"/report\?.*present=1"))
    wait_idle(page)
    page.get_by_label("Title").wait_for(state="hidden")
    link = page.url
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    shared = context.new_page()
    shared.set_default_timeout(60_000)
    shared.goto(link)
    wait_idle(shared)
    shared.get_by_role("heading", name="Report & exports").first.wait_for()
    assert shared.get_by_role("switch", name="Presentation view").is_checked()
    shared.get_by_role("button", name="Download the report (HTML)").wait_for()
    wait_idle(shared)
    shared.get_by_label("Title").wait_for(state="hidden")
    assert shared.get_by_role("button", name="Download the report (HTML)").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    shared.screenshot(path=str(ARTIFACTS / "report_presentation_link.png"), full_page=True)
    context.close()
