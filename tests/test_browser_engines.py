"""A table in a database, in a real browser: connect on the Data page, segment by RFM, see the sizes (issue 15)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE, full_page_screenshot

pytestmark = pytest.mark.browser

ROWS = 200


def test_connect_to_a_duckdb_file_and_segment_it(page, tmp_path: Path) -> None:
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv(?) ORDER BY customer_id LIMIT {ROWS}",
                [str(SAMPLE)])
    con.close()
    page.get_by_role("tab", name="Connect to a database").click()
    page.get_by_label("Database address").fill(f"duckdb://{path}")
    page.get_by_label("Table of customers").fill("customers")
    page.get_by_role("button", name="Connect").click()
    page.get_by_text(f"{ROWS} customers, each identified by").wait_for()
    page.get_by_role("link", name="Segments").first.click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    page.get_by_text("Working on table customers in DuckDB").first.wait_for()
    page.get_by_text("RFM", exact=True).first.click()
    page.get_by_role("button", name="Score customers").click()
    page.get_by_text("Your segments").wait_for(timeout=180_000)
    page.get_by_text(f"segments of {ROWS} customers").wait_for()
    page.get_by_text("customers_segments").first.wait_for()
    bars = page.locator('[data-testid="stVegaLiteChart"] .mark-rect.role-mark path')  # the sizes chart
    bars.first.wait_for()
    assert bars.count() >= 3
    full_page_screenshot(page, "engines_segments_connected.png")
