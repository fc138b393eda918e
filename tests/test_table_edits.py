"""Table editors: edits applied as Streamlit applies them, and an edit that arrives after its page was left."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.elements.lib.column_config_utils import determine_dataframe_schema
from streamlit.elements.widgets.data_editor import _apply_dataframe_edits

from segdash.act import tone as tn
from segdash.ui import components, state


def test_edits_are_applied_cells_then_deletions_then_additions() -> None:
    base = pd.DataFrame({"name": ["a", "b", "c"], "n": [1.0, 2.0, 3.0]})
    edits = {"edited_rows": {"0": {"n": 10.0}, 2: {"name": "C"}}, "deleted_rows": [1],
             "added_rows": [{"name": "d"}, {"n": 5.0}]}
    got = components.apply_table_edits(base, edits)
    # worked by hand: a -> 10, c renamed C, b deleted, then d (no n) and a row with only n = 5 (labels 3, 4)
    assert got.index.tolist() == [0, 2, 3, 4]
    assert got["name"].tolist()[:3] == ["a", "C", "d"] and pd.isna(got["name"].iloc[3])
    assert got["n"].tolist()[:2] == [10.0, 3.0] and pd.isna(got["n"].iloc[2]) and got["n"].iloc[3] == 5.0
    assert base["n"].tolist() == [1.0, 2.0, 3.0]  # the table given to the editor is left as it was


def test_no_edits_or_edits_outside_the_table_leave_it_as_it_is() -> None:
    base = pd.DataFrame({"name": ["a"], "n": [1]})
    for edits in (None, {}, "garbage", {"edited_rows": {5: {"n": 9}, 0: {"nope": 1}}, "deleted_rows": [7]}):
        pd.testing.assert_frame_equal(components.apply_table_edits(base, edits), base)


def test_the_playbook_rules_come_out_as_streamlit_itself_applies_the_edits() -> None:
    base = tn.default_rules().reset_index(drop=True)
    edits = {"edited_rows": {0: {"on": False, "threshold": 42, "why": "x"}, 2: {"tone": tn.TONES[0]}},
             "deleted_rows": [1],
             "added_rows": [{"trait": "age", "test": list(tn.TESTS)[0], "threshold": 3.5}, {"why": "only why"}]}
    theirs = _apply_dataframe_edits(base.copy(), edits, determine_dataframe_schema(base, pa.Schema.from_pandas(base)))
    pd.testing.assert_frame_equal(components.apply_table_edits(base, edits), theirs)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict:
    fake: dict = {"asked": ""}
    monkeypatch.setattr(state.st, "session_state", fake)
    monkeypatch.setattr(state, "asked_page", lambda: fake["asked"])
    return fake


def _run(session: dict, page: str, *, edit: bool = False) -> str | None:
    """One run asked for ``page``: a table edit's ``on_change`` (when ``edit``), then the run's first line."""
    session["asked"] = page
    if edit:
        state.table_edited()
    state.note_page_asked()
    return state.page_after_late_edit(page)


def test_an_edit_sent_after_its_page_was_left_takes_the_person_on_to_the_page_they_opened(session: dict) -> None:
    assert _run(session, "") is None  # the first run, from an address: nothing known before it
    assert _run(session, "data") is None
    assert _run(session, "data", edit=True) is None  # an edit while on the page: no detour
    assert _run(session, "segments") is None  # the person clicks Segments; the run may be stopped at once
    # the table's last edit arrives now, asking for the Data page again: saved, then on to Segments
    assert _run(session, "data", edit=True) == "segments"
    assert _run(session, "segments") is None  # the detour's own run
    assert _run(session, "data") is None  # a later visit to Data is a visit


def test_a_late_edit_drawn_on_another_page_changes_nothing(session: dict) -> None:
    _run(session, "playbook")
    session["asked"] = "survey"
    state.table_edited()  # noted as late (asked for Survey after Playbook) ...
    session["asked"] = "playbook"
    state.note_page_asked()
    # ... but this run draws another page than the edit's (e.g. a page given by the address): no detour, once
    assert state.page_after_late_edit("report") is None
    assert state.LATE_EDIT not in session and state.page_after_late_edit("survey") is None


def test_a_run_asked_for_the_address_alone_is_for_the_default_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    fake: dict = {}
    monkeypatch.setattr(state.st, "session_state", fake)
    ctx = SimpleNamespace(page_script_hash="app", pages_manager=SimpleNamespace(main_script_hash="app"))
    monkeypatch.setattr(state, "get_script_run_ctx", lambda: ctx)
    assert state.asked_page() == ""  # before any page was drawn: not known
    state.note_page_drawn("data", default="data")
    assert state.asked_page() == "data"  # the entry script's hash means the default page
    ctx.page_script_hash = "segments"
    assert state.asked_page() == "segments"
    monkeypatch.setattr(state, "get_script_run_ctx", lambda: None)
    assert state.asked_page() == ""
