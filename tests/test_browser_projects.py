"""Projects in a real browser: create one, upload, segment, save, reload, and everything is still there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, SAMPLE, wait_idle

pytestmark = pytest.mark.browser


def _small_file(tmp_path: Path) -> Path:
    """The first 400 customers of the sample, as an upload."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:401]
    path = tmp_path / "spring_customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_project_survives_a_browser_reload(page, tmp_path: Path) -> None:
    page.get_by_role("link", name="Projects").first.click()
    page.get_by_role("heading", name="Projects").first.wait_for()
    page.get_by_label("New project name").fill("Spring launch")
    page.get_by_role("button", name="Create project").click()
    page.get_by_text("Created project 'Spring launch'").wait_for()
    assert "project=" in page.url

    page.get_by_role("link", name="Data").first.click()
    page.get_by_role("heading", name="Data").first.wait_for()
    page.locator('input[type="file"]').set_input_files(str(_small_file(tmp_path)))
    page.get_by_text("spring_customers.csv").first.wait_for()
    page.get_by_text("400 loaded").first.wait_for()

    page.get_by_role("link", name="Segments").first.click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    page.get_by_text("Clustering", exact=True).first.click()
    page.get_by_role("button", name="Find segments").click()
    page.get_by_text("Your segments").wait_for(timeout=180_000)
    page.get_by_label("Name for this segmentation").fill("Spring value tiers")
    page.get_by_role("button", name="Save segmentation").click()
    page.get_by_text("Saved 'Spring value tiers' in project 'Spring launch'").wait_for()
    page.wait_for_function("() => location.search.includes('snapshot=')")
    sizes_before = page.get_by_text("segments of 400 customers").first.inner_text()

    page.reload()
    wait_idle(page)
    page.get_by_text("Your segments").wait_for()
    page.get_by_text("segments of 400 customers").first.wait_for()
    assert page.get_by_text("segments of 400 customers").first.inner_text() == sizes_before
    page.get_by_text("The segments shown are saved.").wait_for()
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    assert "Spring launch" in (picker.inner_text() + picker.locator("input").input_value())

    page.get_by_role("link", name="Projects").first.click()
    page.get_by_text("Spring value tiers").first.wait_for()
    page.get_by_text("open now").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "projects_after_reload.png"), full_page=True)
