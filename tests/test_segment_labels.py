"""Storing labels: staged, validated, swapped in with the segmentation; display names; app = command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segdash import cli, db
from segdash.data import Data
from segdash.errors import SettingsError
from segdash.schema import Segmentation, is_modelling_role
from segdash.segment import (
    PROFILE_BASE_KEY,
    PROFILE_CACHE_KEY,
    default_cluster_features,
    labels_frame,
    run_segmentation,
    workspace_profile,
)
from segdash.segment.base import STAGING, commit_labels, write_label_table, write_labels
from segdash.segment.cluster import cluster_customers
from segdash.ui.components import with_segment_names
from segdash.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "customers.csv"


class Stopped(BaseException):
    """Like Streamlit's rerun/stop exception: not an ``Exception``."""


def _workspace(tmp_path: Path) -> Workspace:
    path = tmp_path / "c.csv"
    path.write_text("customer_id,age,spend\nc1,20,10\nc2,30,20\nc3,60,30\nc4,70,40\n", encoding="utf-8")
    ws = Workspace()
    ws.load(path)
    return ws


def _labels(ws: Workspace) -> list[str]:
    return [s for _, s in db.fetch_all(ws.con, f"SELECT _row, segment FROM {db.LABELS} ORDER BY _row")]


def _fit(ws: Workspace, labels: list[str], *, after: BaseException | None = None):
    """A segmentation that writes ``labels`` (one per row, in row order), reports progress, then maybe fails."""
    def fit(progress):
        rows = [r for (r,) in db.fetch_all(ws.con, f"SELECT _row FROM {db.TABLE} ORDER BY _row")]
        sizes = write_labels(Data.duckdb(ws.con), rows, labels)
        progress(0.9, "Saving ...")
        if after is not None:
            raise after
        return Segmentation(method="dimensions", settings={"labels": tuple(labels)}, sizes=sizes,
                            k=len(sizes))
    return fit


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = _workspace(tmp_path)
    run_segmentation(workspace, _fit(workspace, ["A", "A", "B", "B"]))
    workspace.rename_segment("A", "Young")
    return workspace


def test_write_labels_stages_and_returns_sizes_of_the_new_labels(ws: Workspace) -> None:
    rows = [r for (r,) in db.fetch_all(ws.con, f"SELECT _row FROM {db.TABLE} ORDER BY _row")]
    sizes = write_labels(Data.duckdb(ws.con), rows, ["X", "Y", "Y", "Y"])
    assert sizes == {"Y": 3, "X": 1}
    assert _labels(ws) == ["A", "A", "B", "B"]  # not current until swapped in
    assert db.table_exists(ws.con, STAGING)
    assert commit_labels(Data.duckdb(ws.con)) is True
    assert _labels(ws) == ["X", "Y", "Y", "Y"] and not db.table_exists(ws.con, STAGING)
    assert commit_labels(Data.duckdb(ws.con)) is False  # nothing staged: current labels kept
    assert _labels(ws) == ["X", "Y", "Y", "Y"]


@pytest.mark.parametrize("rows", [[2, 3, 4], [2, 3, 4, 4], [2, 3, 4, 5, 99]])
def test_label_table_must_hold_every_loaded_row_once(ws: Workspace, rows: list[int]) -> None:
    table = pa.table({"_row": pa.array(rows, pa.int64()), "segment": ["Z"] * len(rows)})
    with pytest.raises(ValueError, match="exactly one label"):
        write_label_table(Data.duckdb(ws.con), table)
    assert not db.table_exists(ws.con, STAGING)
    assert _labels(ws) == ["A", "A", "B", "B"]


@pytest.mark.parametrize("error", [SettingsError("bad settings"), Stopped()])
def test_a_run_that_fails_after_writing_keeps_the_previous_segmentation(ws: Workspace,
                                                                       error: BaseException) -> None:
    before, before_id, cached = ws.segmentation, ws.segmentation_id, ws.cached("x", lambda: 1)
    with pytest.raises(type(error)):
        run_segmentation(ws, _fit(ws, ["C", "D", "D", "D"], after=error))
    assert _labels(ws) == ["A", "A", "B", "B"]
    assert ws.segmentation is before and ws.segmentation_id == before_id
    assert ws.segment_names == {"A": "Young"} and ws.cached("x", lambda: 2) == cached
    assert not db.table_exists(ws.con, STAGING)


def test_clustering_stopped_at_its_last_progress_call_keeps_the_previous_labels(ws: Workspace) -> None:
    def progress(fraction: float, message: str) -> None:
        if fraction >= 1.0:  # cluster_customers reports "Done." after writing its labels
            raise Stopped

    with pytest.raises(Stopped):
        run_segmentation(ws, lambda report: cluster_customers(
            ws.data, features=["age", "spend"], types=ws.column_types(), k=2, progress=report),
            progress=progress)
    assert _labels(ws) == ["A", "A", "B", "B"] and ws.segmentation.method == "dimensions"
    assert not db.table_exists(ws.con, STAGING)


def test_a_successful_run_swaps_labels_segmentation_and_names_together(ws: Workspace) -> None:
    seg = run_segmentation(ws, _fit(ws, ["C", "C", "C", "D"]))
    assert ws.segmentation is seg and seg.sizes == {"C": 3, "D": 1}
    assert _labels(ws) == ["C", "C", "C", "D"] and ws.segment_names == {}


def test_named_clustering_keeps_its_aggregates_for_the_profiles_page(ws: Workspace,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from segdash import profile as prof

    seg = run_segmentation(ws, lambda report: cluster_customers(
        ws.data, features=["age", "spend"], types=ws.column_types(), k=2, progress=report), named=True)
    # naming computed the aggregates only: the tests of the full profile wait for a page that shows them
    assert ws.peek(PROFILE_CACHE_KEY) is None
    base = ws.peek(PROFILE_BASE_KEY)
    assert base is not None and {label: ws.display_name(label) for label in seg.sizes} == base.names

    def again(*args: object, **kwargs: object) -> None:
        pytest.fail("the Profiles page must reuse the aggregates of the run's naming")

    monkeypatch.setattr(prof, "segment_aggregates", again)
    profile = workspace_profile(ws)
    assert list(profile.sizes["segment"]) == list(seg.sizes)
    assert profile.names == base.names and profile.traits is base.traits
    assert not profile.tests.empty  # the full profile adds the tests
    assert workspace_profile(ws) is profile  # built once per segmentation


def test_display_names_are_unique_and_deterministic(ws: Workspace) -> None:
    ws.rename_segment("B", "Young")
    assert ws.display_names(["A", "B"]) == {"A": "Young", "B": "Young (2)"}
    assert ws.display_names(["B", "A"]) == {"B": "Young", "A": "Young (2)"}
    ws.rename_segment("C", "Young (2)")  # a name already taken by another segment is skipped
    assert ws.display_names(["A", "B", "C"]) == {"A": "Young", "B": "Young (3)", "C": "Young (2)"}
    frame = pd.DataFrame({"segment": ["B", "A", "A"], "n": [2, 1, 1]})
    assert with_segment_names(ws, frame)["segment"].tolist() == ["Young (2)", "Young", "Young"]


def test_labels_frame_shows_display_names_through_a_cursor(ws: Workspace) -> None:
    ws.rename_segment("B", "Young")
    cursor = ws.con.cursor()
    try:
        frame = labels_frame(Data.duckdb(cursor), roles=ws.roles, names=ws.display_names(ws.segmentation.sizes))
    finally:
        cursor.close()
    assert frame.values.tolist() == [["c1", "Young"], ["c2", "Young"], ["c3", "Young (2)"], ["c4", "Young (2)"]]
    assert labels_frame(ws.data, roles=ws.roles)["segment"].tolist() == ["A", "A", "B", "B"]


def test_is_modelling_role() -> None:
    assert not is_modelling_role("pii") and not is_modelling_role("id")
    assert is_modelling_role("behavioral") and is_modelling_role("other")
    roles = {"customer_id": "id", "email": "pii", "age": "demographic", "score": "other"}
    types = {"customer_id": "number", "email": "text", "age": "text", "score": "number"}
    assert default_cluster_features(roles, types) == ["score"]


def test_app_path_and_command_line_give_the_same_labels(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 3: same settings and seed (k-means, k chosen automatically, seed 0) -> same label per customer."""
    ws = Workspace()
    ws.load(SAMPLE)
    types = ws.column_types()
    offered = ws.modelling_columns()
    features = [c for c in default_cluster_features(ws.roles, types, data=ws.data) if c in offered]  # the page's default
    seg = run_segmentation(ws, lambda report: cluster_customers(
        ws.data, features=features, types=types, algorithm="kmeans", k="auto", k_range=(2, 10),
        scaling="standard", log_skewed=True, missing="impute", random_state=0, progress=report), named=True)
    app = labels_frame(ws.data, roles=ws.roles)

    out = tmp_path / "labels.csv"
    assert cli.main(["segment", str(SAMPLE), "--method", "kmeans", "--k", "auto", "--seed", "0",
                     "--out", str(out)]) == 0
    capsys.readouterr()
    command_line = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert len(app) == len(command_line) == 5000 and seg.k >= 2
    assert list(command_line.columns) == list(app.columns) == ["customer_id", "segment"]
    assert np.array_equal(command_line["customer_id"].to_numpy(), app["customer_id"].astype(str).to_numpy())
    assert np.array_equal(command_line["segment"].to_numpy(), app["segment"].astype(str).to_numpy())


def test_features_come_in_row_order_whatever_the_insertion_order() -> None:
    from segdash.segment.features import pull_features

    con = db.connect(threads=1)
    frame = pd.DataFrame({"_row": np.array([5, 2, 9, 3], dtype=np.int64), "spend": [50.0, 20.0, 90.0, 30.0]})
    con.register("_frame", frame)
    con.execute(f"CREATE TABLE {db.TABLE} AS SELECT * FROM _frame")
    con.unregister("_frame")
    data = pull_features(Data.duckdb(con), features=["spend"], types={"spend": "number"})
    assert data.rows.tolist() == [2, 3, 5, 9]
    assert data.matrix[:, 0].tolist() == [20.0, 30.0, 50.0, 90.0]
