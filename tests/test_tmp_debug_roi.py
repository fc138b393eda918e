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
    print("BOX", box)
    editor.click(position={"x": box["width"] * 0.75, "y": 35 + 17})
    page.screenshot(path=str(ARTIFACTS / "dbg1.png"))
    page.keyboard.type("60000")
    page.screenshot(path=str(ARTIFACTS / "dbg2.png"))
    page.keyboard.press("Enter")
    page.screenshot(path=str(ARTIFACTS / "dbg3.png"))
