"""A marketer's first hour in a real browser: nothing typed is lost, plain words, forms that fit (issue 8).

Runs while two busy-loop processes keep both cores busy (see ``busy_cpu``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import leave_for, wait_idle
from tests.test_browser_spend_entry import busy_cpu  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

PAGES = ["Data", "Segments", "Profiles", "Acquisition & ROI"]


def _go(page, name: str) -> None:
    """Open page ``name`` from the sidebar (one click, as a person would)."""
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name).click()
    page.get_by_role("heading", name=name, exact=True).first.wait_for()
    wait_idle(page)


def _number_box(page, label: str):
    return page.get_by_test_id("stNumberInput").filter(has=page.get_by_text(label, exact=True)).locator("input")


def _type_number(page, label: str, value: str) -> None:
    box = _number_box(page, label)
    box.fill(value)
    box.press("Enter")
    page.wait_for_function(
        "([label, value]) => [...document.querySelectorAll('[data-testid=\"stNumberInput\"]')]"
        ".some(e => e.innerText.includes(label) && e.querySelector('input').value.replace(/,/g, '') === value)",
        arg=[label, value])
    wait_idle(page)


def _find_segments_with_fixed_number(page, k: int) -> None:
    _go(page, "Segments")
    page.get_by_text("Clustering", exact=True).first.click()
    page.get_by_text("Numbers of segments to try").wait_for()
    assert page.get_by_text("How many segments").count() == 0  # only the field that applies
    page.get_by_text("Fixed number", exact=True).click()
    page.get_by_text("How many segments").wait_for()
    page.get_by_text("Numbers of segments to try").wait_for(state="detached")
    wait_idle(page)
    box = _number_box(page, "How many segments")
    box.fill(str(k))
    box.press("Tab")
    page.get_by_role("button", name="Find segments").click()
    page.get_by_text(re.compile(rf"Done: {k} segments")).wait_for(timeout=180_000)
    wait_idle(page)


def test_every_input_survives_leaving_each_page_and_coming_back(page, busy_cpu) -> None:  # noqa: F811
    _find_segments_with_fixed_number(page, 4)
    # Segments: the form is as it was left
    _go(page, "Data")
    _go(page, "Segments")
    page.get_by_text("How many segments").wait_for()
    assert _number_box(page, "How many segments").input_value() == "4"
    assert page.get_by_text("Numbers of segments to try").count() == 0
    # plain words first; the statistics are in "Details for analysts"
    page.get_by_text("How clearly customers fall into these groups").wait_for()
    assert not page.get_by_text(re.compile("Calinski|Davies|silhouette", re.I)).first.is_visible()
    page.get_by_text("Details for analysts").click()
    page.get_by_text(re.compile("adjusted Rand index")).first.wait_for()

    # Acquisition & ROI: cost source, spend, assumptions, what-if
    _go(page, "Acquisition & ROI")
    page.get_by_text("Spend per channel, entered here").click()
    page.get_by_text(re.compile("No acquisition spend is recorded yet")).first.wait_for()
    wait_idle(page)
    first_channel = page.get_by_test_id("stNumberInput").first.locator("label").inner_text()
    _type_number(page, first_channel, "12345")
    _type_number(page, "Gross margin (%)", "55.0")
    _type_number(page, "Expected lifetime (months)", "48")
    _type_number(page, "Total budget", "50000")
    page.get_by_text("Budget entered: 50,000").wait_for()
    # The suggestion's own box (bold "Suggested split"), not the cap's label "... in a suggested split
    # (%)", which a case-insensitive substring wait matches at once: the shares were then read before
    # the suggestion arrived, and came back "different" (the suggested split) after leaving the page.
    suggested = page.get_by_text("Suggested split", exact=True)
    assert suggested.count() == 0
    page.get_by_role("button", name="Suggest a split", exact=True).click()
    suggested.wait_for()
    wait_idle(page)
    shares_before = page.get_by_test_id("stSlider").all_inner_texts()
    assert any("50.0%" in share for share in shares_before)  # the suggestion (cap 50%) is on the sliders
    _go(page, "Profiles")
    # Profiles choices: the attribute compared and the personal-data switch
    page.get_by_role("tab", name="Compare one attribute").click()
    attribute = page.get_by_test_id("stSelectbox").filter(has_text="Attribute")
    attribute.wait_for()  # the tab's content is drawn by a run of its own
    wait_idle(page)
    attribute.click()
    page.get_by_role("option", name="Income").click()
    page.locator(".js-plotly-plot:visible .xtitle").filter(has_text="Income").wait_for()
    wait_idle(page)
    page.get_by_role("tab", name="Customers in a segment").click()
    page.get_by_text("Show personal data (names, emails, phones)").wait_for()
    wait_idle(page)
    page.get_by_text("Show personal data (names, emails, phones)").click()
    # the switch is on (the app has had the click) before leaving, as a person would see it
    page.get_by_role("switch", name="Show personal data (names, emails, phones)", checked=True).wait_for()
    wait_idle(page)

    _go(page, "Acquisition & ROI")
    assert page.get_by_role("radio", name="Spend per channel, entered here").is_checked()
    assert _number_box(page, first_channel).input_value().replace(",", "") == "12345"
    assert _number_box(page, "Gross margin (%)").input_value() == "55.0"
    assert _number_box(page, "Expected lifetime (months)").input_value() == "48"
    assert _number_box(page, "Total budget").input_value().replace(",", "") == "50000"
    assert page.get_by_test_id("stSlider").all_inner_texts() == shares_before
    suggested.wait_for()  # still explained: nothing moved the split while the page was away
    spend = page.get_by_test_id("stMetric").filter(has_text="Acquisition spend")
    assert "12,345" in spend.inner_text()

    _go(page, "Profiles")
    page.get_by_role("tab", name="Compare one attribute").click()
    page.locator(".js-plotly-plot:visible .xtitle").filter(has_text="Income").wait_for()
    page.get_by_role("tab", name="Customers in a segment").click()
    switch = page.get_by_role("switch", name="Show personal data (names, emails, phones)")
    switch.wait_for()  # the open tab's content is drawn by a run of its own
    assert switch.is_checked()


def test_every_page_says_the_sample_is_loaded(page) -> None:
    for name in PAGES:
        _go(page, name)
        page.get_by_text("You are looking at sample data").wait_for()
        page.get_by_role("link", name=re.compile("Load your own file")).wait_for()
        assert page.get_by_role("link", name=re.compile("Load your own file")).count() == 1
    # one click from any page to the loader
    page.get_by_role("link", name=re.compile("Load your own file")).click()
    page.get_by_role("heading", name="Data", exact=True).first.wait_for()
    page.get_by_text("Upload from your computer").wait_for()


def test_a_column_label_edited_on_the_data_page_is_used_in_profiles(page) -> None:
    editor = page.get_by_test_id("stDataFrame").first
    editor.locator("canvas").first.wait_for()
    box = editor.bounding_box()
    assert box is not None
    row = 8  # customer_id, name, email, phone, country, region, city, gender, age
    saved = page.get_by_text("Saved: 'age' is shown as 'Age in years'")
    # the edit is sent when Enter is pressed; the confirmation stays long enough to be read even
    # when the table sends one more run of its own right after the save
    editor.dblclick(position={"x": 140 + 95, "y": 36 + 17 + 35 * row})
    field = page.locator(".gdg-input")
    field.wait_for()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Age in years", delay=30)
    page.keyboard.press("Enter")
    field.wait_for(state="detached")
    saved.wait_for()
    wait_idle(page)
    _find_segments_with_fixed_number(page, 3)
    _go(page, "Profiles")
    page.get_by_role("tab", name="Compare one attribute").click()
    # the first number column is compared first: its axis carries the label typed on the Data page
    page.locator(".js-plotly-plot:visible .xtitle").filter(has_text="Age in years").wait_for()


def test_a_label_typed_and_left_by_clicking_another_page_is_saved_and_that_page_opens(page) -> None:
    # the table sends its last edit a moment after the click on the sidebar: the edit must be saved
    # and the page clicked must open (before, the app went back to the Data page)
    editor = page.get_by_test_id("stDataFrame").first
    editor.locator("canvas").first.wait_for()
    row = 8  # customer_id, name, email, phone, country, region, city, gender, age
    editor.dblclick(position={"x": 140 + 95, "y": 36 + 17 + 35 * row})
    expect(page.locator(".gdg-input")).to_be_focused(timeout=30_000)  # under load: a moment after it shows
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Age in years", delay=30)
    expect(page.locator(".gdg-input")).to_have_value("Age in years", timeout=30_000)
    if leave_for(page, "Segments") == 1:  # no Enter
        page.get_by_text("Saved: 'age' is shown as 'Age in years'").wait_for()
    # (a page change lost under a heavy load: the one-time "Saved" was shown on Data before the second click)
    assert page.get_by_role("heading", name="Data", exact=True).count() == 0
    page.get_by_text("By dimensions", exact=True).first.click()
    page.get_by_test_id("stMultiSelect").filter(has_text="Segment by").first.click()
    page.get_by_role("option", name=re.compile(r": Age in years$")).wait_for()


#: Statistics words that belong under "Details for analysts", never in a page's first view.
JARGON = re.compile(r"silhouette|Calinski|Davies|Bouldin|Cram[eé]r|eta squared|η²|ANOVA|Benjamini|Kruskal|"
                    r"chi-square|χ²|p-value|\bPSI\b", re.IGNORECASE)


def test_the_first_view_of_every_page_speaks_plainly(page) -> None:
    _find_segments_with_fixed_number(page, 3)
    for name in ["Segments", "Profiles", "Acquisition & ROI", "Over time", "Playbook", "Survey",
                 "Report & exports"]:
        _go(page, name)
        # what is on screen without opening anything: collapsed expanders and other tabs are not
        text = page.get_by_test_id("stMain").inner_text()
        found = sorted({match.group(0) for match in JARGON.finditer(text)})
        assert not found, f"{name}: statistics words in the first view: {found}"
    # the check reads only what is on screen: a collapsed expander's text is not in it until opened
    _go(page, "Segments")
    page.get_by_text("How clearly customers fall into these groups").wait_for()
    assert "adjusted Rand index" not in page.get_by_test_id("stMain").inner_text()
    page.get_by_text("Details for analysts").click()
    page.get_by_text(re.compile("adjusted Rand index")).first.wait_for()
    assert "adjusted Rand index" in page.get_by_test_id("stMain").inner_text()
