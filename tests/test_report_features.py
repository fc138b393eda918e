"""The meeting report brings in the playbook, the OKRs and what changed since the previous snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from segdash.segment import run_segmentation
from segdash.segment.rules import Dimension, segment_by_dimensions
from segdash.store import Store
from segdash.workspace import Workspace
from tests.conftest import SAMPLE


def test_feature_sections_playbook_okrs_and_changes(tmp_path: Path) -> None:
    from segdash.history import okr
    from segdash.history.kpi import Kpi
    from segdash.ui.report import feature_sections, feature_sheets

    project = Store(tmp_path).create_project("P")
    ws = Workspace()
    ws.open_project(project, restore=False)
    ws.load(SAMPLE)
    age = [Dimension("age", banding="edges", edges=(35, 55))]
    run_segmentation(ws, lambda progress: segment_by_dimensions(ws.data, dimensions=age, types=ws.column_types()))
    ws.save_segmentation("January")
    run_segmentation(ws, lambda progress: segment_by_dimensions(ws.data, dimensions=age, types=ws.column_types()))
    ws.save_segmentation("February")
    objective = okr.new_objective("Grow our older customers")
    kpi = Kpi("customers")
    objective.key_results.append(okr.new_key_result(kpi, segment=next(iter(ws.segmentation.sizes)), target=3000,
                                                    due=date.today() + timedelta(days=60)))
    okr.save_objectives(project, [objective])
    keys = [section.key for section in feature_sections(ws)]
    assert keys == ["playbook", "okrs", "changes"]
    sheets = feature_sheets(ws)
    assert "Playbook and routing" in sheets and "OKRs" in sheets


def test_command_line_report_of_a_project_has_the_feature_sections(tmp_path: Path) -> None:
    from segdash.cli import main
    from segdash.report.meeting import SECTION_TITLES

    project = Store(tmp_path / "home").create_project("P")
    ws = Workspace()
    ws.open_project(project, restore=False)
    ws.load(SAMPLE)
    age = [Dimension("age", banding="edges", edges=(35, 55))]
    for name in ("January", "February"):
        run_segmentation(ws, lambda progress: segment_by_dimensions(ws.data, dimensions=age, types=ws.column_types()))
        ws.save_segmentation(name)
    out = tmp_path / "report.html"
    assert main(["report", "--project", str(tmp_path / "home"), "--segmentation", "February", "--out", str(out),
                 "--xlsx", str(tmp_path / "book.xlsx")]) == 0
    page = out.read_text(encoding="utf-8")
    assert SECTION_TITLES["playbook"] in page and SECTION_TITLES["changes"] in page
    import openpyxl

    assert "Playbook and routing" in openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True).sheetnames
