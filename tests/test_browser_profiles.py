"""Browser flow (issue 4): upload on the Data page -> segment -> rename on Profiles -> new name shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, SAMPLE, wait_idle

pytestmark = pytest.mark.browser

NEW_NAME = "Loyal <b>VIPs</b> =1+1"


def test_upload_segment_then_rename_on_profiles(page, tmp_path: Path):
    # Data page: upload sample_data/customers.csv (under its own name, so the upload, not the
    # preloaded sample, is what the reconciliation line and heading describe).
    upload = tmp_path / "uploaded customers.csv"
    shutil.copyfile(SAMPLE, upload)
    page.get_by_role("heading", name="Data").first.wait_for()
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_role("heading", name="uploaded customers.csv").wait_for()
    page.get_by_text("5,000 rows in the file · 5,000 loaded · 0 rejected").wait_for()
    wait_idle(page)

    # Segments page: clustering with automatic k is the default; run it.
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Segments").click()
    page.get_by_role("button", name="Find segments").click()
    page.get_by_text("Done:").first.wait_for()
    wait_idle(page)

    # Profiles page: verdict, cards, proof table.
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Profiles").click()
    page.get_by_role("tab", name="At a glance").wait_for()
    wait_idle(page)
    assert page.get_by_text("Segments differ clearly on").count() >= 1
    # the sections are tabs: the tab bar is the table of contents
    assert page.get_by_role("tab", name="Are the differences real?").is_visible()
    card_titles = page.locator("h4")
    assert card_titles.count() >= 2

    # Rename the first (largest) segment, right next to the names.
    page.get_by_text("Rename segments").first.click()
    first_box = page.locator('[data-testid="stForm"] [data-testid="stTextInput"] input').first
    first_box.wait_for()
    first_box.fill(NEW_NAME)
    page.get_by_role("button", name="Save names").click()
    page.get_by_text("Segment names saved").wait_for()
    wait_idle(page)

    # The new name is shown literally (not as HTML) as the first card's title and in the sizes table.
    heading = page.get_by_role("heading", name=NEW_NAME)
    heading.first.wait_for()
    assert heading.first.inner_text().strip() == NEW_NAME
    assert page.locator("b", has_text="VIPs").count() == 0
    assert page.get_by_text(NEW_NAME, exact=True).count() >= 2  # card title, sizes chart (and hidden tabs)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 6400})  # the app scrolls inside; show it all
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "profiles_renamed.png"), full_page=True)
