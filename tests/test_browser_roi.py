"""Acquisition & ROI in a real browser: segment by country, enter channel spend, see ROI per segment."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ARTIFACTS, full_page_screenshot, wait_idle

pytestmark = pytest.mark.browser


def _segment_by_country(page) -> None:
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    wait_idle(page)
    page.get_by_text("By dimensions", exact=True).click()
    page.get_by_text("Segment by (one to three columns)").wait_for()
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    picker.locator("input").click()
    picker.locator("input").fill("country")
    page.get_by_role("option", name=re.compile(r"country$", re.I)).first.click()
    # Choosing a column reruns the page; the banding form then drops its "choose a column" hint.
    page.get_by_text("Choose at least one column above.").wait_for(state="detached")
    page.keyboard.press("Tab")
    wait_idle(page)
    picker.get_by_text(re.compile(r"country$", re.I)).wait_for()
    page.get_by_role("button", name="Make segments").click()
    page.get_by_text(re.compile(r"Done: \d+ segments")).wait_for()
    wait_idle(page)


def _enter_spend(page, amounts: list[str]) -> None:
    """Type amounts into the spend boxes, one per channel, in order (figures update as each is left)."""
    boxes = page.get_by_test_id("stNumberInput").filter(has=page.get_by_placeholder("not entered"))
    boxes.first.wait_for()
    for row, amount in enumerate(amounts):
        boxes.nth(row).locator("input").fill(amount)
        boxes.nth(row).locator("input").press("Enter")
    wait_idle(page)


def test_channel_spend_changes_roi_per_segment(page) -> None:
    _segment_by_country(page)
    page.get_by_role("link", name="Acquisition & ROI").click()
    page.get_by_role("heading", name="Acquisition & ROI").first.wait_for()
    wait_idle(page)
    summary = page.get_by_text(re.compile(r"returns [\d.,]+x its acquisition cost"))
    summary.first.wait_for()
    before = summary.all_inner_texts()
    roi_metric = page.get_by_test_id("stMetric").filter(has_text="ROI to date")
    roi_before = roi_metric.inner_text()

    page.get_by_text("Spend per channel, entered here").click()
    page.get_by_text(re.compile("No acquisition spend is recorded yet")).wait_for()
    wait_idle(page)
    _enter_spend(page, ["60000", "30000", "2000", "4000", "500", "3000", "20000"])
    page.get_by_test_id("stMetric").filter(has_text="Acquisition spend").filter(has_text="119,500").wait_for()
    wait_idle(page)
    after = page.get_by_text(re.compile(r"returns [\d.,]+x its acquisition cost")).all_inner_texts()
    assert after and after != before
    assert "n/a" not in roi_metric.inner_text() and roi_metric.inner_text() != roi_before
    full_page_screenshot(page, "roi_page_channel_spend.png", max_height=9000)
    for tab, name in [("ROI by segment", "roi_chart_bars.png"), ("Cost vs lifetime value", "roi_chart_bubbles.png"),
                      ("Segment × channel", "roi_chart_heatmap.png")]:
        page.get_by_role("tab", name=tab).click()
        chart = page.get_by_role("tabpanel", name=tab).locator(".js-plotly-plot")
        chart.wait_for()
        if tab == "ROI by segment":  # one "+1,234%" label per segment
            assert chart.locator("text").get_by_text(re.compile(r"^[+-][\d,]+%$")).count() >= 2
        chart.screenshot(path=str(ARTIFACTS / name))
