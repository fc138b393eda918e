"""Spend per channel on Acquisition & ROI: every value typed arrives, even briskly and on a busy CPU."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import wait_idle
from tests.test_browser_roi import _segment_by_country

pytestmark = pytest.mark.browser

#: Each one a different power of two (x1000), so the total says exactly which entries arrived.
AMOUNTS = [1000, 2000, 4000, 8000, 16000, 32000, 64000]
BUSY_SECONDS = 240


@pytest.fixture
def busy_cpu() -> Iterator[None]:
    """Two busy-loop processes (one per core), each ending by itself after BUSY_SECONDS at most."""
    code = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end:\n    pass\n"
    workers = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    try:
        yield
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=10)


def _open_spend_boxes(page) -> object:
    _segment_by_country(page)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Acquisition & ROI").click()
    page.get_by_role("heading", name="Acquisition & ROI").first.wait_for()
    wait_idle(page)
    page.get_by_text("Spend per channel, entered here").click()
    page.get_by_text(re.compile("No acquisition spend is recorded yet")).first.wait_for()
    wait_idle(page)
    boxes = page.get_by_test_id("stNumberInput").filter(has=page.get_by_placeholder("not entered"))
    boxes.first.wait_for()
    return boxes


def _type_amounts_briskly(page, boxes, amounts: list[int]) -> None:
    """Alternate: click a box once and type; double-click a box and type. Leaving a box (clicking the
    next one) or pressing Enter applies it. No waiting for the app between entries."""
    for row, amount in enumerate(amounts):
        field = boxes.nth(row).locator("input")
        if row % 2 == 0:
            field.click()
        else:
            field.dblclick()
        page.keyboard.type(str(amount))
    page.keyboard.press("Enter")


def _spend_metric(page) -> object:
    return page.get_by_test_id("stMetric").filter(has_text="Acquisition spend")


def test_every_spend_value_typed_briskly_arrives_on_a_busy_cpu(page, busy_cpu) -> None:
    boxes = _open_spend_boxes(page)
    assert boxes.count() == len(AMOUNTS)  # one box per acquisition channel of the sample
    _type_amounts_briskly(page, boxes, AMOUNTS)
    total = f"{sum(AMOUNTS):,}"
    # The total only reads 127,000 when all seven entries arrived (each is a distinct power of two):
    # first in the line under the boxes, then in the figures worked out from them.
    page.get_by_text(f"Entered for 7 of 7 channels, {total} in total").wait_for(timeout=120_000)
    _spend_metric(page).filter(has_text=total).wait_for(timeout=180_000)
    wait_idle(page)
    assert total in _spend_metric(page).inner_text()
    # ... and it stays: a later rerun must not drop what was typed
    page.get_by_test_id("stRadio").filter(has_text="Split the budget by").get_by_text("Acquisition channel").click()
    page.get_by_text("Share of the budget per channel").wait_for()
    wait_idle(page)
    assert total in _spend_metric(page).inner_text()


def test_single_click_then_type_sets_the_number_typed(page) -> None:
    boxes = _open_spend_boxes(page)
    boxes.first.locator("input").click()
    page.keyboard.type("5000")
    page.keyboard.press("Enter")
    _spend_metric(page).filter(has_text="5,000").wait_for()
    wait_idle(page)
    assert "5,000" in _spend_metric(page).inner_text()
