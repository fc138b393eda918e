import re
from tests.conftest import ARTIFACTS, wait_idle
from tests.test_browser_roi import _segment_by_country

def test_debug(page):
    _segment_by_country(page)
    page.get_by_role("link", name="Acquisition & ROI").click()
    page.get_by_role("heading", name="Acquisition & ROI").first.wait_for()
    wait_idle(page)
    page.get_by_text("Spend per channel, entered here").click()
    page.get_by_text(re.compile("No acquisition spend is recorded yet")).wait_for()
    wait_idle(page)
    editor = page.get_by_test_id("stDataFrame").first
    box = editor.bounding_box()
    for row, amount in enumerate(["60000", "30000", "2000", "4000"]):
        editor.dblclick(position={"x": box["width"] * 0.75, "y": 36 + 17 + 35 * row})
        field = page.locator("input.gdg-input")
        field.fill(amount)
        field.press("Enter")
        field.wait_for(state="detached")
    page.get_by_role("button", name="Apply spend").click()
    page.get_by_text(re.compile(r"returns [\d.,]+x its acquisition cost")).first.wait_for()
    wait_idle(page)
    print("FIRST", page.get_by_test_id("stMetric").filter(has_text="Acquisition spend").inner_text())
    page.get_by_role("button", name="Apply spend").click()
    wait_idle(page)
    print("SECOND", page.get_by_test_id("stMetric").filter(has_text="Acquisition spend").inner_text())
