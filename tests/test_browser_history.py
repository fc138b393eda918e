"""Over time in a real browser: two snapshots saved (the second after loading a changed export), compared;
the Sankey and a plain sentence are on screen.

The snapshots are saved through the workspace (``Workspace.save_segmentation``, what the Segments page's
Save button calls) into a temporary ``SEGDASH_HOME`` before this module's server starts, so the test does
not depend on clicking through two uploads and two segmentations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from segdash.history import okr
from segdash.history.kpi import ALL, Kpi
from segdash.segment import rfm as rfm_core
from segdash.segment import run_segmentation
from segdash.store import Store
from segdash.workspace import Workspace
from tests.conftest import ARTIFACTS, SAMPLE, serve_app, wait_idle

pytestmark = pytest.mark.browser


def _exports(folder: Path) -> tuple[Path, Path]:
    """January: customers 1-300 of the sample. March: 51-350, with spend and orders up for a third of them."""
    sample = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    january = sample.iloc[:300]
    march = sample.iloc[50:350].copy()
    boosted = march.index % 3 == 0
    march.loc[boosted, "total_spend"] = (march.loc[boosted, "total_spend"].astype(float) * 3).round(2).astype(str)
    march.loc[boosted, "orders"] = (march.loc[boosted, "orders"].astype(int) + 6).astype(str)
    paths = folder / "january_customers.csv", folder / "march_customers.csv"
    january.to_csv(paths[0], index=False)
    march.to_csv(paths[1], index=False)
    return paths


def _saved_project(home: Path, folder: Path) -> str:
    """A project with two RFM snapshots, made and saved as the app does."""
    project = Store(home).create_project("Loyalty over time")
    ws = Workspace()
    ws.open_project(project, restore=False)
    for path, name in zip(_exports(folder), ("RFM January", "RFM March"), strict=True):
        ws.load(path)
        run_segmentation(ws, lambda report: rfm_core.segment_rfm(ws.data, roles=ws.roles, types=ws.column_types()))
        ws.save_segmentation(name)
    largest = max(ws.segmentation.sizes, key=ws.segmentation.sizes.get)
    objective = okr.new_objective("Grow our best customers")
    start, due = date.today() - timedelta(days=30), date.today() + timedelta(days=60)
    objective.key_results += [
        okr.new_key_result(Kpi("share"), segment=largest, target=40.0, due=due, start=start),
        okr.new_key_result(Kpi("revenue_per_customer"), segment=ALL, target=2000.0, due=due, start=start),
    ]
    okr.save_objectives(project, [objective])
    return project.id


@pytest.fixture(scope="module")
def history_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server over a store holding the project; yields (url, project id)."""
    folder = tmp_path_factory.mktemp("history")
    project_id = _saved_project(folder / "home", folder)
    env = {"SEGDASH_SAMPLE": str(SAMPLE), "SEGDASH_HOME": str(folder / "home")}
    with serve_app(env, log_name="server_history.log") as url:
        yield url, project_id


def test_compare_two_saved_snapshots(browser, history_app) -> None:
    url, project_id = history_app
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{url}/?project={project_id}")
        wait_idle(page)
        page.get_by_role("link", name="Over time").first.click()
        page.get_by_role("heading", name="Over time").first.wait_for()
        sentence = page.get_by_text("of the 250 customers in both snapshots stayed in their segment").first
        sentence.wait_for()
        assert "50 customers are new and 50 are gone" in sentence.inner_text()
        page.get_by_text("drifted").first.wait_for()
        page.locator(".js-plotly-plot .sankey").first.wait_for()
        labels = page.locator(".js-plotly-plot .sankey .node-label").evaluate_all(
            "nodes => nodes.map(n => n.textContent)")
        assert "New customers" in labels and "Gone customers" in labels, labels
        assert labels.count("At risk") == 2, labels  # once on each side
        wait_idle(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1440, "height": 2600})  # the app scrolls inside its own frame
        page.locator(".js-plotly-plot .sankey").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "over_time_compare.png"), full_page=True)
        page.get_by_role("tab", name="Drift").click()
        page.get_by_text("dates are compared as days before each export's latest date").wait_for()
        page.set_viewport_size({"width": 1440, "height": 900})
        page.get_by_role("tab", name="Drift").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "over_time_drift_dates.png"))
        page.set_viewport_size({"width": 1440, "height": 2600})
        page.get_by_role("tab", name="Objectives & KPIs").click()
        page.get_by_text("Grow our best customers: 2 key results").wait_for()
        page.get_by_label("New objective").fill("Win back lapsed customers")
        page.get_by_role("button", name="Add objective").click()
        page.get_by_text("Added the objective 'Win back lapsed customers'.").wait_for()
        page.get_by_text("Win back lapsed customers: no key results yet.").wait_for()
        wait_idle(page)
        page.locator(".js-plotly-plot:visible").nth(1).wait_for()  # a small chart per key result
        page.screenshot(path=str(ARTIFACTS / "over_time_okrs.png"), full_page=True)
        # edit an objective in the page: reword it; the table and the sentence follow, the project keeps it
        page.get_by_text("Edit an objective or a key result").click()
        box = page.get_by_label("Objective in words")
        box.fill("Grow our best customers in the north")
        box.press("Enter")
        page.get_by_role("button", name="Save the objective").click()
        page.get_by_text("Saved the objective.").wait_for()
        page.get_by_text("Grow our best customers in the north: 2 key results").wait_for()
        wait_idle(page)
        page.get_by_text("Survey results per segment").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "over_time_okr_edited.png"), full_page=True)
    finally:
        context.close()
