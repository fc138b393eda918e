"""AppTest of the Report & exports page and of the presentation view."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from segdash import db
from segdash.data import Data
from segdash.report import meeting
from segdash.schema import Segmentation
from segdash.segment.base import write_labels
from segdash.ui import report as ui
from segdash.ui import state

PAGE = "pages/report.py"
# Our constant: two segments by acquisition channel.
_SEGMENT_SQL = """SELECT _row, CASE WHEN acquisition_channel IN ('Paid search', 'Social', 'Affiliate')
                  THEN 'Paid' ELSE 'Free' END AS segment FROM customers ORDER BY _row"""


def _segment(at: object, name: str = "Paid channels") -> None:
    ws = at.session_state[state.WORKSPACE]
    labels = db.fetch_df(ws.con, _SEGMENT_SQL)
    sizes = write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    ws.set_segmentation(Segmentation(method="dimensions", settings={"dimensions": ["acquisition_channel"]},
                                     sizes=sizes, k=len(sizes)))
    ws.rename_segment("Paid", name)


def _open(make_app: Callable[..., object], *, segment: bool = True) -> object:
    at = make_app()
    at.run()
    if segment:
        _segment(at)
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _buttons(at: object) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_without_segments_only_the_data_report(make_app: Callable[..., object]) -> None:
    at = _open(make_app, segment=False)
    assert "Download the report (HTML)" in _buttons(at)
    assert "Download the workbook (XLSX)" not in _buttons(at)
    assert any("No segments yet" in info.value for info in at.info)
    sections = at.multiselect(key=ui.SECTIONS)
    assert sections.value == ["data"]


def test_sections_title_and_downloads(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    sections = at.multiselect(key=ui.SECTIONS)
    assert sections.value == ["data", "method", "sizes", "traits", "proof", "economics", "playbook"]
    assert at.text_input(key=ui.TITLE).value == "Customer segments: customers.csv"
    assert set(_buttons(at)) >= {"Download the report (HTML)", "Download the workbook (XLSX)",
                                 "Download customer labels (CSV)"}
    sections.set_value(["sizes", "proof"]).run()
    assert any("2 sections" in c.value for c in at.caption)


def test_no_chromium_page_says_so(make_app: Callable[..., object], monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SEGDASH_CHROMIUM", str(tmp_path / "missing"))
    at = _open(make_app)
    assert "Download the report (PDF)" not in _buttons(at)
    assert any(meeting.no_pdf_message() == info.value for info in at.info)
    assert "Download the report (HTML)" in _buttons(at)


def test_with_chromium_pdf_is_offered(make_app: Callable[..., object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGDASH_CHROMIUM", raising=False)
    at = _open(make_app)
    assert ("Download the report (PDF)" in _buttons(at)) == (meeting.chromium_path() is not None)


def test_personal_columns_need_confirmation(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    picker = at.multiselect(key=ui.LABEL_COLUMNS)
    assert "email" in picker.options or "email (personal data)" in picker.options
    picker.set_value(["country", "email"]).run()
    assert "Download customer labels (CSV)" not in _buttons(at)
    assert any("Personal data is chosen" in w.value for w in at.warning)
    at.checkbox(key=ui.CONFIRM_PERSONAL).check().run()
    assert "Download customer labels (CSV)" in _buttons(at)


def test_presentation_view_in_the_url(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    toggle = at.sidebar.toggle(key=state.PRESENT_TOGGLE)
    assert toggle.value is False and "present" not in at.query_params
    toggle.set_value(True).run()
    assert at.query_params["present"] in (["1"], "1")
    at.switch_page("pages/profiles.py").run()  # the view and the URL survive a page switch
    assert at.sidebar.toggle(key=state.PRESENT_TOGGLE).value is True
    assert at.query_params["present"] in (["1"], "1")
    # a new session opened from that link starts in the presentation view
    fresh = make_app()
    fresh.query_params["present"] = "1"
    fresh.run()
    assert fresh.sidebar.toggle(key=state.PRESENT_TOGGLE).value is True
    assert not fresh.exception


def test_a_shared_link_opens_the_project_and_snapshot(make_app: Callable[..., object], tmp_path) -> None:
    from tests.test_cli_report import _saved_project

    store, project = _saved_project(tmp_path)
    snapshot = project.find_segmentation("By age")["id"]
    at = make_app(home=store.home)
    at.query_params["project"] = project.id
    at.query_params["snapshot"] = snapshot
    at.query_params["present"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    ws = at.session_state[state.WORKSPACE]
    assert ws.project is not None and ws.project.id == project.id and ws.snapshot_id == snapshot
    assert ws.segmentation is not None and sum(ws.segmentation.sizes.values()) == 12
    assert ws.display_name("young") == "Young shoppers"
    assert at.sidebar.toggle(key=state.PRESENT_TOGGLE).value is True
    assert at.multiselect(key=ui.SECTIONS).value == ["data", "method", "sizes", "traits", "proof", "economics", "playbook"]


def test_a_feature_section_is_offered_when_it_has_something(make_app: Callable[..., object],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    summary = {"value": (["Grow repeat buyers by 10%."], {"OKRs": pd.DataFrame({"Objective": ["Grow"]})})}
    monkeypatch.setattr(ui, "feature_sections",
                        lambda ws: [meeting.summary_section("okrs", summary["value"])])
    summary["value"] = ([], {})
    at = _open(make_app)
    at.multiselect(key=ui.SECTIONS).set_value(["sizes", "proof"]).run()
    summary["value"] = (["Grow repeat buyers by 10%."], {"OKRs": pd.DataFrame({"Objective": ["Grow"]})})
    at.run()  # OKRs were saved meanwhile: offered and added to the user's choice
    assert at.multiselect(key=ui.SECTIONS).options[-1] == "OKRs and KPIs"
    assert at.multiselect(key=ui.SECTIONS).value == ["sizes", "proof", "okrs"]
    summary["value"] = ([], {})  # nothing any more: the section is no longer offered (not memoised)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "OKRs and KPIs" not in at.multiselect(key=ui.SECTIONS).options


def test_the_playbook_built_on_its_page_is_in_the_report_and_workbook(make_app: Callable[..., object]) -> None:
    at = make_app()
    at.run()
    _segment(at)
    at.switch_page(PAGE).run()
    assert "playbook" in at.multiselect(key=ui.SECTIONS).value  # built with the default rules
    at.switch_page("pages/playbook.py").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    sections = at.multiselect(key=ui.SECTIONS)
    assert sections.value[-1] == "playbook" and sections.options[-1] == "Playbook: channel and tone per segment"
    assert any("Playbook and routing" in c.value for c in at.caption)  # a workbook sheet
    # what the report then shows: the playbook's sentences and routing table, escaped, no personal data
    from segdash.act import playbook as pb

    ws = at.session_state[state.WORKSPACE]
    playbook = at.session_state[state.PLAYBOOK_RESULT][1]
    section = meeting.summary_section("playbook", pb.report_summary(playbook), personal=ws.columns_with_role("pii"))
    page = meeting.render_html([section], title="t")
    assert "Paid channels" in page and "<h3>Routing</h3>" in page and "<h3>Channel mix</h3>" in page
    assert "@example.com" not in page
