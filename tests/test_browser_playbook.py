"""The Playbook in a real browser: segment by age band, open the playbook, edit a tone rule, see the card change."""

from __future__ import annotations

import re

import pytest

from tests.conftest import full_page_screenshot, wait_idle

pytestmark = pytest.mark.browser


def _segment_by_age(page) -> None:
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    wait_idle(page)
    page.get_by_text("By dimensions", exact=True).click()
    page.get_by_text("Segment by (one to three columns)").wait_for()
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    picker.locator("input").click()
    picker.locator("input").fill("age")
    page.get_by_role("option", name=re.compile(r": age$", re.IGNORECASE)).first.click()
    page.get_by_text("Choose at least one column above.").wait_for(state="detached")
    page.keyboard.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Make segments").click()
    page.get_by_text(re.compile(r"Done: \d+ segments")).wait_for()
    wait_idle(page)


def _card(page, name_pattern: str):
    """The bordered card whose title matches: the nearest block around the title."""
    heading = page.get_by_role("heading", name=re.compile(name_pattern)).first
    return heading.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def test_edit_a_tone_rule_and_see_the_card_change(page) -> None:
    _segment_by_age(page)
    page.get_by_role("link", name="Playbook").click()
    page.get_by_role("heading", name="One card per segment").wait_for()
    wait_idle(page)
    # the oldest age band is served formally on the phone
    oldest = _card(page, r"^age (5|6)\d-\d+$")
    oldest.get_by_text("formal", exact=True).wait_for()
    oldest.get_by_text("Phone", exact=True).first.wait_for()
    full_page_screenshot(page, "playbook_page.png")

    # Open the rules and change rule 1 (average age 55 or more) from formal to casual.
    page.get_by_text("Tone and approach rules").click()
    editor = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="Suggest tone"))
    editor.locator("canvas").first.wait_for()
    headers = [h.text_content() for h in editor.locator("th").all()]
    assert headers[:6] == ["On", "When (trait)", "Test", "Value (for shares)", "Threshold", "Suggest tone"]
    wait_idle(page)
    editor.click(position={"x": 60, "y": 36 + 17})  # rule 1, "On" column (right of the row marker)
    for _ in range(headers.index("Suggest tone")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.get_by_role("option", name="casual").wait_for()  # the tone choices open
    page.keyboard.type("casual")
    page.keyboard.press("Enter")
    # The card of the oldest band follows: casual now, and the evidence names rule 1.
    oldest = _card(page, r"^age (5|6)\d-\d+$")
    oldest.get_by_text("casual", exact=True).wait_for()
    wait_idle(page)
    assert oldest.get_by_text("formal", exact=True).count() == 0
    oldest.get_by_text("Why this tone and approach").click()
    oldest.get_by_text(re.compile(r"Rule 1 \(age: average at least 55\) fired: .* → casual, reassuring")).wait_for()
    # The routing table shows the new tone too.
    routing = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="Preferred channel"))
    routing.locator("td", has_text="casual").first.wait_for(state="attached")
    full_page_screenshot(page, "playbook_rule_edited.png")
