"""AppTest of the project picker and the Projects page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from segdash.store import Store
from segdash.ui.state import WORKSPACE

K = "segdash.projects."


def test_first_start_opens_a_ready_sample_project(make_app: Callable[..., object], tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = make_app(home=home)
    at.run()
    assert not at.exception
    ws = at.session_state[WORKSPACE]
    assert ws.project is not None and ws.project.name == "Sample"
    assert at.query_params["project"] == [ws.project.id] or at.query_params["project"] == ws.project.id
    assert [d["rows"] for d in Store(home).open_project(ws.project.id).datasets()] == [5000]


def test_create_rename_and_delete_a_project(make_app: Callable[..., object], tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = make_app(home=home)
    at.run()
    at.switch_page("pages/projects.py")
    at.run()
    at.text_input[0].input("Autumn review")
    at.button[0].click()  # Create project (the form's submit button)
    at.run()
    assert not at.exception
    ws = at.session_state[WORKSPACE]
    assert ws.project.name == "Autumn review"
    assert sorted(p.name for p in Store(home).projects()) == ["Autumn review", "Sample"]
    project_id = ws.project.id
    at.text_input(key=K + f"name.{project_id}").input("Autumn review 2027")
    at.button(key=K + f"rename.{project_id}").click()
    at.run()
    assert Store(home).open_project(project_id).name == "Autumn review 2027"
    assert at.button(key=K + f"delete.{project_id}").disabled
    at.checkbox(key=K + f"sure.{project_id}").check()
    at.run()
    at.button(key=K + f"delete.{project_id}").click()
    at.run()
    assert not at.exception
    assert [p.name for p in Store(home).projects()] == ["Sample"]
    assert at.session_state[WORKSPACE].project is None


def _rfm_on_segments(make_app: Callable[..., object], home: Path) -> object:
    """A session on ``home`` that made RFM segments on the Segments page."""
    at = make_app(home=home, timeout=180)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    at.radio(key="segdash.segments.method").set_value("RFM")
    at.run()
    at.button(key="segdash.segments.rfm_run").click()
    at.run()
    return at


def _save_as(at: object, name: str) -> None:
    at.text_input(key=K + "save_name").input(name)
    next(b for b in at.button if b.label == "Save segmentation").click()
    at.run()


def test_save_box_saves_the_current_segmentation(make_app: Callable[..., object], tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = _rfm_on_segments(make_app, home)
    _save_as(at, "RFM March")
    assert not at.exception and not at.error
    ws = at.session_state[WORKSPACE]
    assert ws.snapshot_id
    assert [s["name"] for s in ws.project.segmentations()] == ["RFM March"]


def test_segments_made_and_not_saved_come_back_after_a_reload(make_app: Callable[..., object], tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = _rfm_on_segments(make_app, home)
    at.run()  # the next click (AppTest runs a page without app.py, which keeps them at the end of a run)
    assert not at.exception and not at.error
    ws = at.session_state[WORKSPACE]
    assert ws.segmentation is not None and not ws.snapshot_id and ws.working_id  # kept in the project
    assert "come back after a reload" in " ".join(c.value for c in at.sidebar.caption)

    again = make_app(home=home, timeout=180)  # a reload: a new session, the address names the project
    again.query_params["project"] = ws.project.id
    again.switch_page("pages/segments.py")
    again.run()
    assert not again.exception and not again.error
    back = again.session_state[WORKSPACE]
    assert back.segmentation is not None and back.segmentation.method == "rfm"
    assert back.segmentation.sizes == ws.segmentation.sizes
    assert back.display_names(list(ws.segmentation.sizes)) == ws.display_names(list(ws.segmentation.sizes))
    assert ws.project.segmentations() == []  # kept for the reload, not saved under a name


def test_new_segments_made_over_a_saved_one_are_what_a_reload_opens(make_app: Callable[..., object],
                                                                      tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = _rfm_on_segments(make_app, home)
    _save_as(at, "RFM March")
    ws = at.session_state[WORKSPACE]
    saved = ws.snapshot_id
    assert saved and at.query_params["snapshot"] in (saved, [saved])
    at.button(key="segdash.segments.rfm_run").click()  # new segments (the same settings), not saved
    at.run()
    at.run()
    assert not ws.snapshot_id and ws.working_current
    assert "snapshot" not in at.query_params and at.query_params["unsaved"] in (ws.working_id, [ws.working_id])
    again = make_app(home=home, timeout=180)  # the reload, with the address as it is now
    for name, values in at.query_params.items():
        again.query_params[name] = values[0] if isinstance(values, list) else values
    again.switch_page("pages/segments.py")
    again.run()
    back = again.session_state[WORKSPACE]
    assert not again.exception and not back.snapshot_id and back.working_id == ws.working_id


def test_a_broken_store_leaves_the_app_usable(make_app: Callable[..., object], tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "store.json").write_bytes(b"\x80\x04 not json")
    at = make_app(home=home)
    at.run()
    assert not at.exception
    ws = at.session_state[WORKSPACE]
    assert ws.has_data and ws.project is None
    assert any("not a segdash file" in w.value for w in at.warning)


def test_command_line_saves_into_a_project_the_app_has_open(make_app: Callable[..., object], tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO, SAMPLE

    home = tmp_path / "home"
    at = make_app(home=home)
    at.run()
    ws = at.session_state[WORKSPACE]
    assert ws.project.name == "Sample"
    done = subprocess.run([sys.executable, "-m", "segdash", "segment", str(SAMPLE), "--method", "rfm", "--out",
                           str(tmp_path / "labels.csv"), "--project", str(home), "--in", "Sample", "--save",
                           "From the command line"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    at.switch_page("pages/projects.py")
    at.run()
    assert not at.exception
    assert any("From the command line" in m.value for m in at.markdown)
    assert [s["name"] for s in ws.project.segmentations()] == ["From the command line"]
