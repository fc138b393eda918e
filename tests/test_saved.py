"""Saved segmentations: save, restart, reopen; apply to the same file (identical) and to a newer export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from segdash import profile as prof
from segdash.saved import label_key, snapshot_labels
from segdash.segment import run_segmentation
from segdash.segment.cluster import cluster_customers
from segdash.segment.rfm import segment_rfm
from segdash.segment.rules import Dimension, segment_by_dimensions
from segdash.store import Store, StoreError
from segdash.workspace import Workspace
from tests.conftest import SAMPLE, TRANSACTIONS

REPO = Path(__file__).resolve().parents[1]
FEATURES = ["age", "total_spend", "orders", "acquisition_channel"]

METHODS: dict[str, Callable[[Workspace], object]] = {
    "dimensions": lambda ws: segment_by_dimensions(ws.data, dimensions=[Dimension("age", bands=3), "country"],
                                                   types=ws.column_types(), min_size=40),
    "rfm": lambda ws: segment_rfm(ws.data, roles=ws.roles, types=ws.column_types()),
    "kmeans": lambda ws: cluster_customers(ws.data, features=_features(ws), types=ws.column_types(), k=4),
    "gmm": lambda ws: cluster_customers(ws.data, features=_features(ws), types=ws.column_types(), algorithm="gmm",
                                        k=3),
    "hierarchical": lambda ws: cluster_customers(ws.data, features=_features(ws), types=ws.column_types(),
                                                 algorithm="hierarchical", k=3),
}


def _features(ws: Workspace) -> list[str]:
    return [f for f in FEATURES if f in ws.roles] or list(ws.modelling_columns())[:4]


def _labels(ws: Workspace) -> pd.DataFrame:
    key = label_key(ws.data, ws.segmentation, roles=ws.roles)
    return snapshot_labels(ws.data, key).to_pandas().set_index("key")["segment"]


@pytest.fixture
def project(tmp_path: Path) -> object:
    return Store(tmp_path / "home").create_project("Test")


def _open(project: object, path: Path = SAMPLE) -> Workspace:
    ws = Workspace()
    ws.open_project(project, restore=False)
    ws.load(path)
    return ws


def test_sample_columns_used_here_exist() -> None:
    header = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("customer_id", "age", "country"):
        assert column in header


@pytest.mark.parametrize("method", list(METHODS))
def test_applying_a_saved_segmentation_to_the_same_file_gives_the_saved_labels(project: object, method: str) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS[method](ws))
    before = _labels(ws)
    snapshot = ws.save_segmentation(f"{method} tiers")
    assert project.segmentation(snapshot)["key_column"] == "customer_id"
    report = ws.apply_snapshot(snapshot)
    after = _labels(ws)
    assert after.equals(before)
    assert (report.customers, report.matched, report.new_customers, report.gone_customers) == (5000, 5000, 0, 0)


def test_reopen_after_a_restart_gives_identical_labels_names_and_figures(project: object, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["kmeans"](ws))
    ws.rename_segment("Segment 1", "Loyal <b>big</b> spenders")
    ws.inputs["roi"] = {"margin": 0.55, "channel_spend": {"Store": 5000.0}}
    snapshot = ws.save_segmentation("Value tiers")
    ws.rename_segment("Segment 2", "Bargain hunters")  # a rename after saving is saved too
    profile = prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types())
    expected = {"labels": _labels(ws).to_dict(), "sizes": ws.segmentation.sizes,
                "names": {label: ws.display_name(label) for label in ws.segmentation.sizes},
                "means": profile.sizes.to_dict() if hasattr(profile, "sizes") else None,
                "inputs": {"roi": {"margin": 0.55, "channel_spend": {"Store": 5000.0}}}}
    (tmp_path / "expected.json").write_text(json.dumps(expected, default=str), encoding="utf-8")
    script = f"""
import json
from segdash import profile as prof
from segdash.store import Store
from segdash.workspace import Workspace
from segdash.saved import label_key, snapshot_labels
ws = Workspace()
ws.open_project(Store({str(project.store.home)!r}).open_project({project.id!r}))
assert ws.snapshot_id == {snapshot!r}, ws.snapshot_id
labels = snapshot_labels(ws.data, label_key(ws.data, ws.segmentation, roles=ws.roles)).to_pandas()
profile = prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types())
print(json.dumps({{"labels": dict(zip(labels["key"], labels["segment"])), "sizes": ws.segmentation.sizes,
    "names": {{label: ws.display_name(label) for label in ws.segmentation.sizes}},
    "means": profile.sizes.to_dict() if hasattr(profile, "sizes") else None, "inputs": ws.inputs}}, default=str))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    assert json.loads(done.stdout)["names"]["Segment 2"] == "Bargain hunters"


def _next_month(tmp_path: Path) -> Path:
    """The sample without its first 100 customers, with 50 new ones and every age one year older."""
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    new = frame.iloc[:50].copy()
    new["customer_id"] = [f"N{i:06d}" for i in range(50)]
    month = pd.concat([frame.iloc[100:], new])
    month["age"] = (pd.to_numeric(month["age"]) + 1).astype(str)
    path = tmp_path / "next_month.csv"
    month.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("method", ["dimensions", "rfm", "kmeans"])
def test_a_newer_export_counts_new_and_gone_customers(project: object, method: str, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS[method](ws))
    saved_sizes = set(ws.segmentation.sizes)
    snapshot = ws.save_segmentation("March")
    ws.load(_next_month(tmp_path))
    report = ws.apply_snapshot(snapshot)
    assert (report.customers, report.matched, report.new_customers, report.gone_customers) == (4950, 4900, 50, 100)
    assert sum(report.sizes.values()) == 4950
    assert set(report.sizes) <= saved_sizes | {"Other"}
    assert "50 are new" in report.sentences()[0] and "100 customers" in report.sentences()[1]
    assert len(project.datasets()) == 2


def test_dimensions_keep_their_saved_bands_on_new_data(project: object, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: segment_by_dimensions(ws.data, dimensions=[Dimension("age", bands=3)],
                                                                types=ws.column_types()))
    bands = set(ws.segmentation.sizes)
    snapshot = ws.save_segmentation("Age bands")
    ws.load(_next_month(tmp_path))  # everyone a year older: quantiles would move, saved bands do not
    ws.apply_snapshot(snapshot)
    assert set(ws.segmentation.sizes) <= bands | {"Other"}
    assert ws.segmentation.model["bands"] == project.segmentation(snapshot)["model"]["bands"]


def test_rfm_can_use_the_saved_cut_points_or_new_ones(project: object, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: segment_rfm(ws.data, roles=ws.roles, types=ws.column_types()))
    snapshot = ws.save_segmentation("RFM")
    cuts = project.segmentation(snapshot)["model"]["cuts"]
    assert set(cuts) == {"R", "F", "M"} and all(set(v) <= {"2", "3", "4", "5"} for v in cuts.values())
    ws.load(_next_month(tmp_path))
    ws.apply_snapshot(snapshot)
    assert ws.segmentation.model["cuts"] == cuts
    ws.apply_snapshot(snapshot, new_cuts=True)
    assert "saved cut points" not in " ".join(ws.segmentation.notes)


def test_transactions_rfm_is_keyed_by_customer(project: object) -> None:
    ws = _open(project, TRANSACTIONS)
    run_segmentation(ws, lambda progress: segment_rfm(ws.data, roles=ws.roles, types=ws.column_types()))
    snapshot = ws.save_segmentation("Orders RFM")
    record = project.segmentation(snapshot)
    labels = project.segmentation_labels(snapshot).to_pandas()
    assert record["key_column"] == ws.segmentation.settings["customer"]
    assert labels["key"].is_unique and len(labels) == ws.segmentation.extra["customers"] + sum(
        1 for g in ws.segmentation.sizes if g.startswith("Only"))
    before = _labels(ws)
    ws.apply_snapshot(snapshot)
    assert _labels(ws).equals(before)


def test_cluster_model_handles_unseen_categories_and_missing_columns(project: object, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["kmeans"](ws))
    snapshot = ws.save_segmentation("Clusters")
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame.loc[:9, "acquisition_channel"] = "Carrier pigeon"  # a value never seen when the model was fitted
    changed = tmp_path / "changed.csv"
    frame.to_csv(changed, index=False)
    ws.load(changed)
    report = ws.apply_snapshot(snapshot)
    assert report.customers == 5000 and sum(report.sizes.values()) == 5000
    frame.drop(columns=["age"]).to_csv(tmp_path / "no_age.csv", index=False)
    ws.load(tmp_path / "no_age.csv")
    with pytest.raises(Exception, match="needs the column 'age'"):
        ws.apply_snapshot(snapshot)
    assert ws.has_data  # the data stays loaded after the refusal


def test_saving_needs_a_project_and_a_name(tmp_path: Path) -> None:
    ws = Workspace()
    ws.load(SAMPLE)
    run_segmentation(ws, lambda progress: METHODS["rfm"](ws))
    with pytest.raises(StoreError, match="Open or create a project"):
        ws.save_segmentation("x")
    ws.open_project(Store(tmp_path).create_project("P"), restore=False)
    with pytest.raises(StoreError, match="name"):
        ws.save_segmentation("  ")


def test_opening_a_project_restores_the_last_dataset_and_snapshot(project: object) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))
    snapshot = ws.save_segmentation("Dims")
    again = Workspace()
    again.open_project(project)
    assert again.snapshot_id == snapshot and again.imported.rows_loaded == 5000
    assert again.segmentation.sizes == ws.segmentation.sizes
    assert again.roles == ws.roles


def test_column_labels_and_roles_are_kept_with_the_project(project: object) -> None:
    ws = _open(project)
    ws.set_column_label("age", "Age in years")
    ws.set_role("city", "other")
    again = Workspace()
    again.open_project(project)
    assert again.column_label("age") == "Age in years"
    assert again.roles["city"] == "other"


@pytest.mark.parametrize("method", ["dimensions", "kmeans"])
def test_segments_not_saved_yet_come_back_after_a_reload_with_their_names(project: object, method: str) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS[method](ws))
    ws.inputs["segments"] = {"segdash.segments.k": 4}
    first = sorted(ws.segmentation.sizes)[0]
    ws.rename_segment(first, "Renamed before keeping")
    assert ws.keep_working() is True
    assert ws.keep_working() is False  # the same segments: nothing written again
    ws.rename_segment(first, "Big spenders")  # a rename after keeping is kept too
    assert project.segmentations() == []  # not a saved segmentation: not in the project's list

    again = Workspace()
    again.open_project(project)  # a reload
    assert again.snapshot_id == "" and again.segmentation is not None
    assert again.segmentation.method == ws.segmentation.method
    assert again.segmentation.sizes == ws.segmentation.sizes
    assert _labels(again).equals(_labels(ws))
    assert again.display_name(first) == "Big spenders"
    assert again.inputs["segments"] == {"segdash.segments.k": 4}
    # and a second reload (the first noted them again after opening the dataset)
    third = Workspace()
    third.open_project(project)
    assert third.segmentation is not None and _labels(third).equals(_labels(ws))


def test_only_the_newest_unsaved_segments_are_kept_and_saving_ends_the_copy(project: object) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))
    ws.keep_working()
    run_segmentation(ws, lambda progress: METHODS["rfm"](ws))
    ws.keep_working()
    assert len(list((project.path / "working").iterdir())) == 1
    again = Workspace()
    again.open_project(project)
    assert again.segmentation.method == "rfm"
    snapshot = ws.save_segmentation("RFM")
    assert not list((project.path / "working").iterdir())  # saved: the copy is gone
    assert ws.keep_working() is False  # saved segments need no copy
    again = Workspace()
    again.open_project(project)
    assert again.snapshot_id == snapshot


def test_kept_segments_of_other_data_or_unreadable_ones_are_not_brought_back(project: object, tmp_path: Path) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))
    ws.keep_working()
    other = tmp_path / "other.csv"
    pd.read_csv(SAMPLE).head(300).to_csv(other, index=False)
    ws.load(other)  # new data: no segments yet, and the last open dataset is this one
    ws.store_dataset()
    again = Workspace()
    again.open_project(project)
    assert again.imported.rows_loaded == 300 and again.segmentation is None

    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))
    ws.keep_working()
    (project.path / "working" / ws.working_id / "labels.parquet").write_bytes(b"not parquet")
    again = Workspace()
    again.open_project(project)  # opens, without segments
    assert again.imported.rows_loaded == 5000 and again.segmentation is None


def test_the_same_settings_made_again_are_kept_again(project: object) -> None:
    def by_age(ws: Workspace) -> object:  # the labels carry the column's label, which is not a setting
        return segment_by_dimensions(ws.data, dimensions=[Dimension("age", bands=3)], types=ws.column_types(),
                                     column_labels=ws.display_labels())

    ws = _open(project)
    run_segmentation(ws, lambda progress: by_age(ws))
    ws.keep_working()
    first = ws.working_id
    ws.set_column_label("age", "Customer age")  # the same settings, other names: new segments
    run_segmentation(ws, lambda progress: by_age(ws))
    assert ws.keep_working() is True and ws.working_id != first
    assert [p.name for p in (project.path / "working").iterdir()] == [ws.working_id]  # its own old copy removed
    again = Workspace()
    again.open_project(project)
    assert any("Customer age" in again.display_name(label) for label in again.segmentation.sizes)


def test_two_sessions_on_one_project_each_reload_their_own_segments(project: object) -> None:
    one = _open(project)
    run_segmentation(one, lambda progress: METHODS["dimensions"](one))
    one.keep_working()
    two = Workspace()
    two.open_project(project, restore=False)
    two.open_dataset(one.stored_dataset_id)
    run_segmentation(two, lambda progress: METHODS["rfm"](two))
    two.keep_working()
    assert len(list((project.path / "working").iterdir())) == 2  # neither removes the other's copy
    reload_one = Workspace()
    reload_one.open_project(project)  # the project remembers the last one made (session two's) ...
    assert reload_one.segmentation.method == "rfm"
    assert reload_one.open_working(one.working_id)  # ... and the address of session one's tab names its own
    assert reload_one.segmentation.method == "dimensions" and _labels(reload_one).equals(_labels(one))


def test_order_lines_rfm_comes_back_whole_including_rows_without_a_customer(project: object) -> None:
    ws = _open(project, TRANSACTIONS)
    run_segmentation(ws, lambda progress: segment_rfm(ws.data, roles=ws.roles, types=ws.column_types()))
    ws.keep_working()
    again = Workspace()
    again.open_project(project)
    assert again.segmentation.sizes == ws.segmentation.sizes  # row by row: nothing "not in the saved segmentation"
    per_row = "SELECT segment FROM segment_labels ORDER BY _row"
    assert again.con.execute(per_row).fetchall() == ws.con.execute(per_row).fetchall()


def test_inputs_typed_after_keeping_are_kept_too(project: object) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))
    ws.keep_working()
    assert ws.keep_working_inputs() is False  # nothing changed: nothing written
    ws.inputs["roi"] = {"segdash.roi.margin": 55.0}
    assert ws.keep_working_inputs() is True
    again = Workspace()
    again.open_project(project)
    assert again.inputs["roi"] == {"segdash.roi.margin": 55.0}


def test_a_copy_that_cannot_be_noted_is_not_claimed_and_week_old_copies_are_cleaned(project: object,
                                                                                    monkeypatch) -> None:
    ws = _open(project)
    run_segmentation(ws, lambda progress: METHODS["dimensions"](ws))

    def disk_full(*args, **kwargs):
        raise StoreError("The disk is full.")

    with monkeypatch.context() as patch:
        patch.setattr(type(project), "put_doc", disk_full)
        with pytest.raises(StoreError, match="disk is full"):
            ws.keep_working()
    assert not ws.working_current and ws.working_id == ""
    assert ws.keep_working() is True  # tried again later, and kept
    kept = project.path / "working" / ws.working_id
    os.utime(kept / "segmentation.json", (0, 0))  # a copy nobody wrote for a week (another session's)
    project.store.clean()
    assert not kept.exists()
    fresh = _open(project)
    run_segmentation(fresh, lambda progress: METHODS["rfm"](fresh))
    fresh.keep_working()
    project.store.clean()
    assert (project.path / "working" / fresh.working_id).exists()  # a recent copy stays


def test_no_project_or_no_segments_keeps_nothing(tmp_path: Path) -> None:
    ws = Workspace()
    ws.load(SAMPLE)
    run_segmentation(ws, lambda progress: METHODS["rfm"](ws))
    assert ws.keep_working() is False  # working in memory
    ws.open_project(Store(tmp_path).create_project("P"), restore=False)
    ws.clear_segmentation()
    assert ws.keep_working() is False
