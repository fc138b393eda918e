"""UI helpers tested without a browser: thread-safe downloads, the ROI export, state after a load."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest

from segdash import economics
from segdash.data import Data
from segdash.economics import Assumptions, EconomicsColumns
from segdash.report.export import to_safe_csv
from segdash.schema import Segmentation
from segdash.segment.base import write_labels
from segdash.ui import data as data_ui
from segdash.ui import profiles as profiles_ui
from segdash.ui import roi as roi_ui
from segdash.ui import state
from segdash.workspace import Workspace

CUSTOMERS = """customer_id,full_name,total_spend,orders,acquisition_cost
C1,Ann Lee,100,2,10
C2,Bob Ray,50,1,-5
C3,Cy Dee,80,4,20
C4,Di Fox,10,1,5
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Four customers loaded through the real import, segmented A A B B."""
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS)
    workspace = Workspace()
    workspace.load(path)
    rows = workspace.con.execute("SELECT _row FROM customers ORDER BY _row").df()["_row"].to_numpy()
    sizes = write_labels(Data.duckdb(workspace.con), rows, np.array(["A", "A", "B", "B"]))
    workspace.set_segmentation(Segmentation(method="rules", settings={}, sizes=sizes, k=2))
    return workspace


class _OnlyCursors:
    """Stands in for the session's connection: hands out cursors, refuses to be used itself."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.cursors: list[duckdb.DuckDBPyConnection] = []

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._con.cursor()
        self.cursors.append(cursor)
        return cursor

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the download used the shared connection ({name})")


def test_segment_download_uses_its_own_cursor_and_closes_it(ws: Workspace) -> None:
    ws.rename_segment("A", "=Big")
    proxy = _OnlyCursors(ws.con)
    ws.con = proxy  # type: ignore[assignment]
    csv = profiles_ui.segment_download(ws, label="A", show_personal=False).decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert len(lines) == 3  # header + the two customers of A
    assert all(line.startswith("'=Big,") for line in lines[1:])
    assert "Ann Lee" not in csv  # personal data left out
    assert len(proxy.cursors) == 1
    with pytest.raises(duckdb.Error):  # closed after the export
        proxy.cursors[0].execute("SELECT 1").fetchall()


def test_roi_export_is_numeric_with_names_and_empty_undefined_cells(ws: Workspace) -> None:
    ws.rename_segment("A", "+Loyal")
    segments = pd.DataFrame({"segment": ["A", "B"], "customers": [2, 2], "spend": [0.0, 25.0],
                             "roi": [np.nan, 2.9], "frequency": [0.5, 1.0], "predicted_ltv": [43303.4, np.inf]})
    total = pd.DataFrame({"segment": [economics.TOTAL_LABEL], "customers": [4], "spend": [25.0], "roi": [2.9],
                          "frequency": [0.75], "predicted_ltv": [np.nan]})
    segments = segments.reindex(columns=list(economics.SEGMENT_COLUMNS))  # the other figures undefined
    total = total.reindex(columns=list(economics.SEGMENT_COLUMNS))
    frame = roi_ui.export_frame(ws, result=SimpleNamespace(segments=segments, total=total))  # type: ignore[arg-type]
    frame = frame[["Segment", "Customers", "Acquisition spend", "ROI to date (%)", "Orders per customer per year",
                   "Predicted lifetime value"]]
    assert frame["Segment"].tolist() == ["+Loyal", "B", "All customers"]
    assert frame["ROI to date (%)"].tolist()[1:] == pytest.approx([290.0, 290.0])
    assert frame["Orders per customer per year"].tolist() == pytest.approx([6.0, 12.0, 9.0])
    csv = to_safe_csv(frame).decode("utf-8-sig").splitlines()
    assert csv[0] == ("Segment,Customers,Acquisition spend,ROI to date (%),Orders per customer per year,"
                      "Predicted lifetime value")
    assert csv[1] == "'+Loyal,2,0.0,,6.0,43303.4"  # undefined ROI: empty, no "n/a" text, no separators
    assert csv[2] == "B,2,25.0,290.0,12.0,"  # infinite value: empty too


def test_roi_export_from_a_real_result_has_every_metric(ws: Workspace) -> None:
    result = economics.compute_economics(ws.data, columns=EconomicsColumns(revenue="total_spend", orders="orders"))
    frame = roi_ui.export_frame(ws, result=result)
    assert list(frame.columns) == ["Segment", *(economics.EXPORT_HEADERS[m] for m in economics.METRICS)]
    assert frame["Customers"].tolist() == [2, 2, 4]
    assert all(pd.api.types.is_float_dtype(frame[c]) for c in frame.columns[2:])
    assert frame.set_index("Segment").loc["A", "Revenue"] == pytest.approx(150.0)


def test_cost_column_error_is_computed_once(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str | None] = []
    real = economics.compute_economics

    def counting(con: object, **kwargs: object) -> object:
        calls.append(kwargs["columns"].cost)  # type: ignore[attr-defined]
        return real(con, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(economics, "compute_economics", counting)
    inputs = roi_ui.Inputs(columns=EconomicsColumns(cost="acquisition_cost", revenue="total_spend"),
                           assumptions=Assumptions())
    first = roi_ui.compute(ws, inputs=inputs)
    second = roi_ui.compute(ws, inputs=inputs)
    assert first[1] is not None and "negative acquisition cost" in first[1]
    assert second[1] == first[1] and second[0] is first[0]
    assert calls == ["acquisition_cost", None]  # the failing aggregate is not run again on a rerun


def test_spend_period_resets_when_other_data_loads() -> None:
    session: dict[str, object] = {}
    roi_ui.sync_period(session, data_id="a", signup_range=(date(2020, 1, 1), date(2020, 12, 31)))
    assert session[roi_ui.PERIOD] == (date(2020, 1, 1), date(2020, 12, 31))
    session[roi_ui.PERIOD] = (date(2020, 3, 1), date(2020, 4, 1))  # the user picks a period
    roi_ui.sync_period(session, data_id="a", signup_range=(date(2020, 1, 1), date(2020, 12, 31)))
    assert session[roi_ui.PERIOD] == (date(2020, 3, 1), date(2020, 4, 1))  # kept on a rerun
    roi_ui.sync_period(session, data_id="b", signup_range=(date(2020, 1, 1), date(2020, 12, 31)))
    assert session[roi_ui.PERIOD] == (date(2020, 1, 1), date(2020, 12, 31))  # another file: back to its range
    del session[roi_ui.PERIOD]  # Streamlit forgets a widget's value when its page is left
    roi_ui.sync_period(session, data_id="b", signup_range=(date(2020, 1, 1), date(2020, 12, 31)))
    assert session[roi_ui.PERIOD] == (date(2020, 1, 1), date(2020, 12, 31))


class _Stopped(Exception):
    """What Streamlit raises at its next call when the user clicked during a long import."""


class _StatusThatStops:
    def __enter__(self) -> _StatusThatStops:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def update(self, **kwargs: object) -> None:
        raise _Stopped


def test_state_and_temp_files_are_settled_before_the_next_streamlit_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_copy = tmp_path / "upload-old.csv"
    old_copy.write_text("a\n1\n")
    new_copy = tmp_path / "upload-new.csv"
    shutil.copy(Path(__file__).parents[1] / "sample_data" / "customers.csv", new_copy)
    session = {state.SOURCE: {"path": str(old_copy), "kind": "upload", "temp": True},
               state.PROFILE: ("old", None), state.LOAD_ERROR: "old error"}
    fake_st = SimpleNamespace(session_state=session, status=lambda *a, **k: _StatusThatStops(),
                              rerun=lambda: None)
    monkeypatch.setattr(data_ui, "st", fake_st)
    workspace = Workspace()
    with pytest.raises(_Stopped):
        data_ui.load_file(workspace, new_copy, name="customers.csv", kind="upload", temp=True)
    assert workspace.imported is not None and workspace.imported.source == "customers.csv"
    assert session[state.SOURCE] == {"path": None, "kind": "upload", "temp": True}
    assert state.PROFILE not in session and state.LOAD_ERROR not in session
    assert not new_copy.exists() and not old_copy.exists()


def test_failed_load_records_error_before_the_next_streamlit_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "upload-bad.csv"
    bad.write_text("")
    session: dict[str, object] = {}
    monkeypatch.setattr(data_ui, "st", SimpleNamespace(session_state=session,
                                                       status=lambda *a, **k: _StatusThatStops(),
                                                       rerun=lambda: None))
    with pytest.raises(_Stopped):
        data_ui.load_file(Workspace(), bad, name="empty_file.csv", kind="upload", temp=True)
    assert "could not be loaded" in str(session[state.LOAD_ERROR])
    assert r"empty\_file" in str(session[state.LOAD_ERROR])  # the name is escaped for Markdown
    assert not bad.exists()
