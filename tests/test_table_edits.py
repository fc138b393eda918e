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
    fake: dict = {}
    monkeypatch.setattr(state.st, "session_state", fake)
    return fake


def test_an_edit_sent_after_its_page_was_left_takes_the_person_back_to_the_page_they_opened(session: dict) -> None:
    assert state.page_after_late_edit("Data") is None  # the first run: nothing was shown before
    state.table_edited("Data")  # an edit while the Data page is shown: no detour
    assert state.page_after_late_edit("Data") is None
    assert state.page_after_late_edit("Segments") is None  # the person opens Segments
    # the table's last edit arrives now, asking for the Data page again: saved, then back to Segments
    state.table_edited("Data")
    assert state.page_after_late_edit("Data") == "Segments"
    assert session[state.LAST_PAGE] == "Segments"
    assert state.page_after_late_edit("Data") is None  # once only: a later visit to Data is a visit


def test_a_late_edit_that_arrives_with_the_page_change_itself_changes_nothing(session: dict) -> None:
    state.page_after_late_edit("Playbook")
    state.page_after_late_edit("Survey")
    state.table_edited("Playbook")  # the edit and the click in one run, which draws Survey: keep it
    assert state.page_after_late_edit("Survey") is None
    assert session[state.LAST_PAGE] == "Survey" and state.LATE_EDIT not in session
