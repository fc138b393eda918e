"""The project store: atomic writes, a kill -9 mid-save, two writers, refusing pickles, disk errors."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from segdash.store import SCHEMA_VERSION, Store, StoreError, read_json, write_json_atomic

REPO = Path(__file__).resolve().parents[1]


def _record(name: str = "Tiers") -> dict:
    return {"name": name, "method": "dimensions", "settings": {}, "model": {"kind": "dimensions"},
            "names": {"a": "A"}, "sizes": {"a": 2, "b": 1}, "dataset_id": "", "dataset_name": "f.csv",
            "key_column": "id", "customers": 3}


def _labels() -> pa.Table:
    return pa.table({"key": ["1", "2", "3"], "segment": ["a", "a", "b"]})


def test_projects_are_created_listed_renamed_and_deleted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.create_project("  Spring   launch ")
    store.create_project("Autumn")
    assert [p.name for p in store.projects()] == ["Autumn", "Spring launch"]
    first.rename("Spring 2027")
    assert store.find_project("Spring 2027").id == first.id
    store.delete_project(first.id)
    assert [p.name for p in store.projects()] == ["Autumn"]
    with pytest.raises(StoreError, match="no longer exists"):
        store.open_project(first.id)
    with pytest.raises(StoreError, match="Give the project a name"):
        store.create_project("   ")
    assert read_json(tmp_path / "store.json")["schema"] == SCHEMA_VERSION


def test_a_project_id_cannot_escape_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    store.ensure()
    with pytest.raises(StoreError):
        store.open_project("../../etc")
    with pytest.raises(StoreError):
        store.delete_project("../home")
    assert (tmp_path / "home" / "store.json").exists()


def test_snapshot_round_trip_and_rename(tmp_path: Path) -> None:
    project = Store(tmp_path).create_project("P")
    snapshot = project.save_segmentation(_record(), _labels())
    assert [s["name"] for s in project.segmentations()] == ["Tiers"]
    record = project.segmentation(snapshot)
    assert record["sizes"] == {"a": 2, "b": 1} and record["schema"] == SCHEMA_VERSION
    assert project.segmentation_labels(snapshot).to_pydict() == _labels().to_pydict()
    project.update_segmentation(snapshot, name="Value tiers", names={"a": "Loyal"})
    assert project.find_segmentation("Value tiers")["names"] == {"a": "Loyal"}
    project.delete_segmentation(snapshot)
    assert project.segmentations() == []


def test_documents_and_tables_round_trip(tmp_path: Path) -> None:
    project = Store(tmp_path).create_project("P")
    project.put_doc("playbook", "rules", {"rules": [1, 2]})
    project.put_doc("playbook", "rules", {"rules": [3]})  # replaced whole
    assert project.get_doc("playbook", "rules") == {"rules": [3]}
    assert project.list_docs("playbook") == ["rules"]
    assert project.get_doc("playbook", "other", default={}) == {}
    frame = pd.DataFrame({"customer": ["a", "b"], "segment": ["x", "y"]})
    project.put_table("survey_samples", "March ../ sample", frame, meta={"seed": 3})
    assert project.get_table("survey_samples", "March ../ sample").equals(frame)
    assert project.table_meta("survey_samples", "March ../ sample") == {"seed": 3}
    # the name is only inside the file: nothing is written outside the project folder
    assert all(project.path in p.parents for p in tmp_path.rglob("*") if p.is_file() and p.name != "store.json")


def test_a_pickle_or_code_in_a_store_file_is_refused(tmp_path: Path) -> None:
    project = Store(tmp_path).create_project("P")
    snapshot = project.save_segmentation(_record(), _labels())
    target = project.path / "segmentations" / snapshot / "segmentation.json"

    class Boom:
        def __reduce__(self):  # would run code if anyone unpickled it
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    target.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(StoreError, match="not a segdash file"):
        project.segmentation(snapshot)
    target.write_text("import os; os.system('touch pwned')", encoding="utf-8")
    with pytest.raises(StoreError, match="not a segdash file"):
        project.segmentation(snapshot)
    labels = project.path / "segmentations" / snapshot / "labels.parquet"
    labels.write_bytes(pickle.dumps({"key": ["1"]}))
    with pytest.raises(StoreError, match="not a segdash data file"):
        project.segmentation_labels(snapshot)
    assert not (tmp_path / "pwned").exists()
    assert project.segmentations() == []  # a damaged snapshot is not listed


def test_a_file_from_a_newer_release_is_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1}), encoding="utf-8")
    with pytest.raises(StoreError, match="newer segdash"):
        read_json(path)


def test_full_or_read_only_disk_gives_a_plain_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Store(tmp_path).create_project("P")
    project.put_doc("notes", "n", {"v": 1})

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(StoreError, match="the disk is full.*not saved"):
        project.put_doc("notes", "n", {"v": 2})
    monkeypatch.undo()
    assert project.get_doc("notes", "n") == {"v": 1}  # the old version is whole
    assert not [p for p in (project.path / "docs" / "notes").iterdir() if p.name.startswith(".tmp-")]


def test_read_only_filesystem_error_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Store(tmp_path).create_project("P")

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "rename", read_only)
    with pytest.raises(StoreError, match="read-only"):
        project.save_segmentation(_record(), _labels())
    monkeypatch.undo()
    assert project.segmentations() == []
    assert not [p for p in (project.path / "segmentations").iterdir()]


_SAVER = textwrap.dedent("""
    import sys, pyarrow as pa
    from segdash.store import Store
    project = Store(sys.argv[1]).open_project(sys.argv[2])
    n = 400_000
    labels = pa.table({"key": [str(i) for i in range(n)], "segment": ["s" + str(i % 7) for i in range(n)]})
    print("ready", flush=True)
    i = 0
    while True:  # saves until killed
        i += 1
        project.save_segmentation({"name": "run %d" % i, "method": "dimensions", "sizes": {}}, labels)
        project.put_doc("notes", "current", {"i": i, "text": "x" * 200_000})
""")


def test_kill_9_during_saves_leaves_every_snapshot_whole(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.create_project("P")
    project.save_segmentation(_record("before"), _labels())
    project.put_doc("notes", "current", {"i": 0, "text": ""})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(3):
        saver = subprocess.Popen([sys.executable, "-c", _SAVER, str(tmp_path), project.id], cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert saver.stdout.readline().strip() == "ready"
        # kill it while it is writing: wait until a temporary folder (a save in progress) appears
        folder = project.path / "segmentations"
        for _ in range(2_000_000):
            if any(p.name.startswith(".tmp-") for p in folder.iterdir()) or saver.poll() is not None:
                break
        os.kill(saver.pid, signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
    listed = project.segmentations()
    assert listed[0]["name"] == "before"
    for entry in listed:  # every listed snapshot reads whole
        labels = project.segmentation_labels(entry["id"])
        assert labels.num_rows in (3, 400_000)
    note = project.get_doc("notes", "current")
    assert note["i"] >= 0 and len(note["text"]) in (0, 200_000)
    store.clean()  # fresh temporary leftovers stay (a live save may own them); nothing breaks


_CONCURRENT = textwrap.dedent("""
    import sys, pyarrow as pa
    from segdash.store import Store
    project = Store(sys.argv[1]).open_project(sys.argv[2])
    who = sys.argv[3]
    labels = pa.table({"key": [str(i) for i in range(20_000)], "segment": [who] * 20_000})
    for i in range(15):
        project.save_segmentation({"name": who + " %d" % i, "method": "rfm", "sizes": {who: 20_000}}, labels)
        project.put_doc("notes", "shared", {"who": who, "i": i})
""")


def test_two_processes_saving_at_once_never_corrupt_the_project(tmp_path: Path) -> None:
    project = Store(tmp_path).create_project("P")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [subprocess.Popen([sys.executable, "-c", _CONCURRENT, str(tmp_path), project.id, who], cwd=REPO,
                                env=env) for who in ("alice", "bob")]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    listed = project.segmentations()
    assert len(listed) == 30
    for entry in listed:
        who = entry["name"].split()[0]
        assert set(project.segmentation_labels(entry["id"]).column("segment").to_pylist()) == {who}
    assert project.get_doc("notes", "shared")["i"] == 14


def test_write_json_atomic_replaces_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_json_atomic(path, {"v": 1})
    write_json_atomic(path, {"v": 2})
    assert read_json(path)["v"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_the_server_cleans_the_store_at_start_up(tmp_path, monkeypatch) -> None:
    from segdash.ui import limits as ui_limits

    monkeypatch.setenv("SEGDASH_HOME", str(tmp_path))
    project = Store(tmp_path).create_project("P")
    old = project.path / "working" / "20200101T000000000000-abcdef"
    old.mkdir(parents=True)
    (old / "segmentation.json").write_text("{}")
    os.utime(old / "segmentation.json", (0, 0))
    recent = project.path / "working" / "20261201T000000000000-abcdef"
    recent.mkdir()
    (recent / "segmentation.json").write_text("{}")
    ui_limits._clean_store()  # what start_up runs in its own thread
    assert not old.exists() and recent.exists()
