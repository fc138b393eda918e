"""The Survey page in a real browser: draw a sample, download the contact list, upload answers, see the verdict."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, SAMPLE, leave_for, wait_idle

pytestmark = pytest.mark.browser


def _full_screenshot(page, name: str) -> None:
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(int(height) + 100, 9000))})
    wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _segment_by_country(page) -> None:
    """Segment the preloaded sample customers by country (8 segments)."""
    page.get_by_role("link", name="Segments").first.click()
    page.get_by_text("By dimensions", exact=True).first.click()
    page.get_by_text("Segment by (one to three columns)").wait_for()
    page.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=re.compile(r"country$", re.IGNORECASE)).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Make segments").click()
    page.get_by_text(re.compile(r"^Done: 8 segments")).first.wait_for(timeout=120_000)
    wait_idle(page)


def test_sample_contact_list_answers_and_verdict(page, tmp_path: Path) -> None:
    _segment_by_country(page)

    # 1. draw the sample at ±10 points
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Survey").click()
    page.get_by_role("heading", name="1. Who to invite").wait_for()
    margin = page.get_by_role("spinbutton", name="Margin of error (± percentage points)")
    margin.fill("10")
    margin.press("Tab")
    page.get_by_role("button", name="Draw the sample").click()
    page.get_by_text(re.compile(r"^Invite 2,173 customers in total")).wait_for()

    # 2. the contact list needs the confirmation first
    assert page.get_by_role("button", name="Download contact list (CSV)").count() == 0
    page.get_by_text("I confirm these customers may be contacted for research").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download contact list (CSV)").click()
    contacts = pd.read_csv(download.value.path(), dtype=str, encoding="utf-8-sig")
    assert list(contacts.columns) == ["email", "customer_id", "token", "segment_id", "segment_name"]
    assert len(contacts) == 2173 and contacts["email"].str.contains("@").all()

    # 4. answers come back from 500 of them, keyed by the token, plus one stranger
    customers = pd.read_csv(SAMPLE, dtype=str).set_index("customer_id")
    answered = contacts.sample(500, random_state=0)
    rng = np.random.default_rng(0)
    answers = pd.DataFrame({
        "Timestamp": "2019/10/01 12:38:43 PM GMT+8",
        "token": [*answered["token"], "0000000000000000"],
        "Which country do you live in?": [*customers.loc[answered["customer_id"], "country"], "France"],
        "How satisfied are you with us overall?": rng.integers(1, 6, size=501),
        "How would you like us to contact you?": [
            *np.where(pd.to_numeric(customers.loc[answered["customer_id"], "age"], errors="coerce").fillna(0).to_numpy()
                      >= 55, "Letter", "E-mail"), "Phone"],
    })
    upload = tmp_path / "survey export.csv"
    answers.to_csv(upload, index=False)
    wait_idle(page)
    page.locator('input[type="file"]').set_input_files(str(upload))
    try:
        page.get_by_text("Matched 500 answers to the sample by survey token").wait_for(timeout=240_000)
    except Exception:
        _full_screenshot(page, "survey_failed.png")
        raise
    page.get_by_text("Answers that match no one (1)").wait_for()

    # 5. the verdict: every country segment is confirmed by its answers
    page.get_by_role("heading", name="5. Verdict").wait_for()
    page.get_by_text(re.compile(r"^8 of 8 segments are confirmed by the survey")).wait_for()
    assert page.get_by_text(re.compile(r"\bnot confirmed\b", re.IGNORECASE)).count() == 0
    _full_screenshot(page, "survey_page_verdict.png")

    # 6. the answers as the playbook's channel source, and what the survey found on each card
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Playbook").click()
    page.get_by_role("heading", name="One card per segment").wait_for(timeout=120_000)
    wait_idle(page)
    page.get_by_text("Service channels: where they come from").click()
    page.get_by_text("Survey answers", exact=True).click()
    page.get_by_text("500 respondents named a channel").wait_for(timeout=120_000)
    wait_idle(page)
    page.get_by_text(re.compile(r"Survey: \d+ answers")).first.wait_for()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("heading", name="One card per segment").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "playbook_survey_source.png"))


def test_a_question_edit_finished_by_leaving_the_page_is_still_there_on_return(page) -> None:
    # in a project of its own (the server is shared by the tests: whether this session opened one depends on order)
    page.get_by_role("link", name="Projects").first.click()
    page.get_by_label("New project name").fill("Survey edits")
    page.get_by_text("Start it with the data loaded now").click()
    page.get_by_role("button", name="Create project").click()
    page.get_by_text("Created project 'Survey edits' with the data loaded now.").wait_for()
    _segment_by_country(page)
    nav = page.get_by_test_id("stSidebarNavItems")
    nav.get_by_role("link", name="Survey").click()
    page.get_by_role("heading", name="3. Questions").wait_for()
    wait_idle(page)
    changed = page.get_by_text("Changed since the questions were last saved")
    assert changed.count() == 0
    table = page.get_by_test_id("stDataFrame").last  # the question table, after the sample's tables
    table.scroll_into_view_if_needed()
    table.locator("canvas").first.wait_for()
    table.dblclick(position={"x": 200, "y": 36 + 17})  # the first question's wording
    expect(page.locator(".gdg-input")).to_be_focused(timeout=30_000)  # under load: a moment after it shows
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("In which country do you live?", delay=20)
    expect(page.locator(".gdg-input")).to_have_value("In which country do you live?", timeout=30_000)
    leave_for(page, "Profiles")  # without Enter: the edit is sent on the way out
    nav.get_by_role("link", name="Survey").click()
    page.get_by_role("heading", name="3. Questions").wait_for()
    changed.wait_for()  # the edit is back in the table, not saved yet, and the page says so
    page.reload()  # a new session on the same project: the edit, still not saved, is there again
    page.get_by_role("heading", name="3. Questions").wait_for()
    changed.wait_for()
    page.get_by_text("Your edits are kept (also after a reload)").wait_for()
    page.get_by_role("button", name="Save questions").click()
    changed.wait_for(state="detached")
    page.reload()  # saved: the wording is in the saved questions, and nothing is left to save
    page.get_by_role("heading", name="3. Questions").wait_for()
    wait_idle(page)
    assert changed.count() == 0
    text = page.get_by_role("button", name="Questions as text")
    with page.expect_download() as download:
        text.click()
    assert "In which country do you live?" in Path(download.value.path()).read_text(encoding="utf-8")
