"""The XLSX workbook and the labels export: numbers as numbers, formulas neutralised, no surprise personal data."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segdash.report import meeting, workbook
from segdash.segment import PROFILE_CACHE_KEY
from tests.report_helpers import EMAILS, HOSTILE, tiny_workspace


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_round_trip_numbers_formulas_headers_widths() -> None:
    frame = pd.DataFrame({
        "Segment": ["=HYPERLINK(\"http://x\")", "+Gold", "Plain"],
        "Customers": pd.array([1200, 35, None], dtype="Int64"),
        "Acquisition spend": [1234.5, 0.25, float("nan")],
        "ROI to date (%)": [12.5, -3.0, 0.0],
        "Note": ["@me", "-5", "ok"],
    })
    book = _open(workbook.write_workbook({"ROI by segment": frame}))
    sheet = book["ROI by segment"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(frame.columns)
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "'+Gold" and sheet["E2"].value == "'@me" and sheet["E3"].value == "'-5"
    assert sheet["A4"].value == "Plain"
    assert sheet["B2"].value == 1200 and isinstance(sheet["B2"].value, int) and sheet["B2"].number_format == "#,##0"
    assert sheet["B4"].value is None
    assert sheet["C2"].value == 1234.5 and sheet["C2"].number_format == workbook.MONEY_FORMAT
    assert sheet["C4"].value is None  # NaN: an empty cell, not the text "nan"
    assert sheet["D3"].value == -3.0 and sheet["D3"].number_format == "General"  # a percentage is not money
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.column_dimensions["A"].width >= len("=HYPERLINK(\"http://x\")")
    assert 6 <= sheet.column_dimensions["B"].width <= 60


def test_money_columns_by_header() -> None:
    assert workbook.is_money("CAC (cost per customer)") and workbook.is_money("Predicted lifetime value")
    assert workbook.is_money("Gross profit") and workbook.is_money("Average order value")
    assert not workbook.is_money("ROI to date (%)") and not workbook.is_money("LTV : CAC (times)")
    assert not workbook.is_money("Payback (months)") and not workbook.is_money("Customers")


def test_sheet_titles_valid_and_unique() -> None:
    taken: set[str] = set()
    first = workbook.sheet_title("Playbook: routing / channels [2024]?", taken=taken)
    assert first == "Playbook routing channels 2024"[:31]
    assert workbook.sheet_title("playbook routing channels 2024", taken=taken).endswith("(2)")
    assert len(workbook.sheet_title("x" * 40, taken=taken)) == 31


def test_too_many_rows_for_excel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(workbook.ExportError, match="Export it as CSV"):
        workbook.write_workbook({"Customer labels": pd.DataFrame({"a": [1, 2, 3]})})


def test_labels_table_and_personal_data_needs_confirmation(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path, name_young="=Young")
    names = ws.display_names(ws.segmentation.sizes)
    frame = workbook.labels_table(ws.data, roles=ws.roles, names=names, columns=["age"])
    assert list(frame.columns) == ["Customer id", "Segment id", "Segment", "age"]
    assert frame["Customer id"].tolist()[:2] == ["C01", "C02"] and len(frame) == 12
    assert frame.loc[0, "Segment id"] == "young" and frame.loc[0, "Segment"] == "=Young"
    assert frame.loc[11, "Segment"] == "old" and int(frame.loc[11, "age"]) == 66
    with pytest.raises(workbook.ExportError, match="personal data"):
        workbook.labels_table(ws.data, roles=ws.roles, names=names, columns=["email"])
    with pytest.raises(workbook.ExportError, match="no column 'nope'"):
        workbook.labels_table(ws.data, roles=ws.roles, names=names, columns=["nope"])
    confirmed = workbook.labels_table(ws.data, roles=ws.roles, names=names, columns=["email"], allow_personal=True)
    assert confirmed["email"].tolist() == EMAILS
    text = workbook.labels_csv(frame).decode("utf-8-sig")
    assert text.splitlines()[0] == "Customer id,Segment id,Segment,age"
    assert text.splitlines()[1] == "C01,young,'=Young,21"  # formula neutralised


def test_workspace_workbook_has_every_table_without_personal_data(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path, name_young=HOSTILE)
    meeting.workspace_sections(ws)  # builds and memoises the profile
    profile = ws.cached(PROFILE_CACHE_KEY, lambda: None)
    extra = {"Playbook": pd.DataFrame({"Segment": ["old"], "email": [EMAILS[0]], "Tone": ["calm"]}),
             "OKRs": pd.DataFrame({"Objective": ["Grow"], "Progress (%)": [40.0]})}
    sheets = workbook.workspace_sheets(ws, profile=profile, economics_result=meeting.workspace_economics(ws),
                                       extra=extra)
    assert list(sheets) == ["Segments", "Traits", "Proof", "ROI by segment", "ROI by channel",
                            "ROI by segment and channel", "Playbook", "OKRs", "Customer labels"]
    book = _open(workbook.write_workbook(sheets))
    assert book.sheetnames == list(sheets)
    segments = book["Segments"]
    rows = {r[0]: r for r in segments.iter_rows(min_row=2, values_only=True)}
    assert rows["young"][1] == HOSTILE and rows["young"][2] == 6 and rows["young"][3] == 50.0
    roi = book["ROI by segment"]
    header = [c.value for c in roi[1]]
    spend = header.index("Acquisition spend") + 1
    values = {r[0]: r for r in roi.iter_rows(min_row=2, values_only=True)}
    assert values["All customers"][spend - 1] == pytest.approx(240.0)  # 60 + 180, a number
    assert roi.cell(row=2, column=spend).number_format == workbook.MONEY_FORMAT
    every_value = [c for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row]
    assert not any(isinstance(v, str) and "@example.com" in v for v in every_value)
    assert [c.value for c in book["Playbook"][1]] == ["Segment", "Tone"]
    assert book["Customer labels"].max_row == 13
