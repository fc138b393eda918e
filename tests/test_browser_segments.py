"""The Segments page in a real browser: clustering with automatic k on the preloaded sample."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import ARTIFACTS, new_project_with_the_sample, wait_idle

pytestmark = pytest.mark.browser

#: The bars of the Segments page's sizes chart (Vega-Lite, drawn as SVG) and their labels.
SIZE_BARS = '[data-testid="stVegaLiteChart"] .mark-rect.role-mark path'
SIZE_LABELS = '[data-testid="stVegaLiteChart"] .mark-text.role-mark text'


def _full_screenshot(page, name: str) -> None:
    """The whole page (Streamlit scrolls inside the app, so the window is made tall enough first)."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(int(height) + 100, 6000))})
    wait_idle(page)
    page.locator(SIZE_BARS).first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_clustering_with_automatic_k_shows_segment_sizes(page) -> None:
    new_project_with_the_sample(page, "Clusters")  # the segments come back after a reload (end of the test)
    page.get_by_role("link", name="Segments").first.click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    page.get_by_text("Clustering", exact=True).first.click()
    page.get_by_text("Choose for me").first.wait_for()
    page.get_by_role("button", name="Find segments").click()
    page.get_by_text("Your segments").wait_for(timeout=180_000)
    page.get_by_text("segments of 5,000 customers").wait_for()
    page.get_by_text("Segment sizes (5,000 customers in total)").wait_for()
    page.get_by_text("How good are these segments?").wait_for()
    bars = page.locator(SIZE_BARS)
    bars.first.wait_for()
    assert 2 <= bars.count() <= 10  # automatic k tries 2-10
    # each bar is labelled with its count and share, and the counts add up to every customer
    labels = page.locator(SIZE_LABELS).all_text_contents()
    assert len(labels) == bars.count()
    assert sum(int(label.split(" (")[0].replace(",", "")) for label in labels) == 5000
    page.get_by_role("link", name="Profiles").last.wait_for()
    _full_screenshot(page, "segments_clustering_auto_k.png")
    # the CSV is built on click (in the server's download thread) and carries the segments' names
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the segment of every customer (CSV)").click()
    labels = pd.read_csv(download.value.path(), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(labels.columns) == ["customer_id", "segment"] and len(labels) == 5000
    assert 2 <= labels["segment"].nunique() <= 10
    assert not labels["segment"].str.fullmatch(r"(?i)(segment|cluster)?\s*\d+").any()  # names, not numbers
    # the analysts' details (the chart of every k's scores) are drawn when opened, not on the click
    assert page.get_by_text("Silhouette (higher is better)").count() == 0
    page.get_by_text("Details for analysts").click()
    page.get_by_text("Silhouette (higher is better)").first.wait_for()
    page.get_by_text(re.compile("adjusted Rand index")).first.wait_for()
    _full_screenshot(page, "segments_clustering_details_open.png")
    # a reload (nothing saved under a name): the same segments, sizes and names come back
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("They come back after a reload.").wait_for()
    page.wait_for_function("() => location.search.includes('unsaved=')")  # what the reload opens
    before = sorted(page.locator(SIZE_LABELS).all_text_contents())
    names = sorted(set(labels["segment"]))
    page.reload()
    page.get_by_text("Your segments").wait_for()
    page.get_by_text("segments of 5,000 customers").wait_for()
    page.locator(SIZE_BARS).first.wait_for()
    wait_idle(page)
    assert sorted(page.locator(SIZE_LABELS).all_text_contents()) == before
    sidebar.get_by_text("not saved under a name yet").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the segment of every customer (CSV)").click()
    again = pd.read_csv(download.value.path(), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert sorted(set(again["segment"])) == names and again.equals(labels)
    _full_screenshot(page, "segments_after_reload.png")
