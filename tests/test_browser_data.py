"""The Data page in a real browser: the sample is there at once; an uploaded file shows its rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, wait_for_grids, wait_idle

pytestmark = pytest.mark.browser

#: Semicolon-separated, Windows line ends, line 4 has a field too many (header is line 1).
UPLOAD = (
    "customer;city;spend\r\n"
    "A-1;Lyon;12,5\r\n"
    "A-2;Nantes;7\r\n"
    "A-3;Paris;1;2;3;4\r\n"
    "A-4;Lille;30\r\n"
)


def _screenshot(page, name: str, *, tables: int) -> None:
    """The whole page (Streamlit scrolls inside the app, so the window is made tall enough first)."""
    wait_for_grids(page, tables)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(int(height) + 100, 6000))})
    wait_idle(page)
    wait_for_grids(page, tables)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_sample_is_loaded_on_first_visit(page) -> None:
    page.get_by_role("heading", name="Data").first.wait_for()
    page.get_by_text("5,000 rows in the file · 5,000 loaded · 0 rejected").wait_for()
    page.get_by_text("First 100 rows").wait_for()
    _screenshot(page, "data_page_sample.png", tables=2)


def test_upload_shows_row_count_rejected_line_and_preview(page, tmp_path: Path) -> None:
    upload = tmp_path / "shop export.csv"
    upload.write_bytes(UPLOAD.encode("utf-8"))
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text(re.compile(r"4 rows in the file · 3 loaded · 1 rejected")).wait_for()
    wait_idle(page)
    assert page.get_by_role("heading", name=re.compile("shop export.csv")).count() == 1
    assert page.get_by_text(re.compile(r"Rejected: line 4\b")).count() == 1
    page.get_by_role("heading", name=re.compile(r"Rejected rows \(1\)")).wait_for()
    page.get_by_role("heading", name="First 100 rows").wait_for()
    # the preview grid lists the loaded customers (the grid keeps an accessible copy of its cells)
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.get_by_text("A-4", exact=True).wait_for(state="attached")
    assert grid.get_by_text("A-3", exact=True).count() == 0
    _screenshot(page, "data_page_upload_rejected.png", tables=3)


def test_workbook_sheet_picker_in_the_browser(page, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Column", "Meaning"])
    about.append(["id", "Customer number"])
    about.append(["spend", "Total spend in euros"])
    customers = book.create_sheet("Customers")
    customers.append(["id", "spend"])
    for row in [(1, 10.5), (2, 20), (3, 30)]:
        customers.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)

    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_text("3 rows in the file · 3 loaded · 0 rejected").wait_for()
    wait_idle(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Sheet")
    assert picker.locator("input").input_value() == "Customers · 3 rows · a table"
    picker.click()
    page.get_by_role("option", name=re.compile(r"^About · 2 rows · not a table")).click()
    page.get_by_text("2 rows in the file · 2 loaded · 0 rejected").wait_for()
    wait_idle(page)
    _screenshot(page, "data_page_workbook.png", tables=2)
