"""AppTest of the Playbook page: cards, rules editing (never lost), renames, notes and rules saved in a project."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from segdash.act import tone as tn
from segdash.segment.rules import segment_by_dimensions
from segdash.store import Store
from segdash.ui import playbook as ui

PAGE = "pages/playbook.py"


def _segment_by_age(at: object) -> object:
    ws = at.session_state["segdash.workspace"]
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["age"], types=ws.column_types(), min_size=50))
    return ws


def _open(make_app: Callable[..., object]) -> tuple[object, object]:
    at = make_app()
    at.run()
    ws = _segment_by_age(at)
    at.switch_page(PAGE).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    return at, ws


def _card_titles(at: object) -> list[str]:
    return [m.value[5:] for m in at.markdown if m.value.startswith("#### ")]


def _tone_of(at: object, name: str) -> str:
    titles = [m.value for m in at.markdown]
    start = titles.index(f"#### {name}")
    return next(t for t in titles[start:] if t.startswith("**Tone:**"))


def test_needs_a_segmentation_first(make_app: Callable[..., object]) -> None:
    at = make_app()
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No segments yet" in info.value for info in at.info)


def test_cards_routing_and_test_sentence(make_app: Callable[..., object]) -> None:
    at, ws = _open(make_app)
    assert _card_titles(at)[:4] == ["age 41-50", "age 51-88", "age 18-26", "age 27-40"]
    # plain words first; the test's name and numbers are in "Details for analysts"
    sentence = next(m.value for m in at.markdown if m.value.startswith("**Channel preference differs clearly"))
    assert "very unlikely to be chance" in sentence and "Cramér" not in sentence and "p <" not in sentence
    details = next(e for e in at.expander if e.label == "Details for analysts")
    assert any("Cramér's V" in m.value for m in details.markdown)
    assert "formal" in _tone_of(at, "age 51-88") and "casual" in _tone_of(at, "age 18-26")
    assert any("Serve them on:** :green-badge[Phone]" in m.value for m in at.markdown)
    routing = next(d.value for d in at.dataframe if "Preferred channel" in d.value.columns)
    assert routing.set_index("Segment").loc["age 51-88", "Preferred channel"] == "Phone"
    assert not at.error
    # the channel mix chart: Vega-Lite, one bar per segment and channel (no plotly.js on this page)
    (chart,) = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["encoding"]["x"]["field"] == "Share"
    assert len(at.get("plotly_chart")) == 0


def test_editing_a_rule_changes_the_card_and_is_kept(make_app: Callable[..., object]) -> None:
    at, ws = _open(make_app)
    # AppTest cannot type into a data editor: hand the editor a base table with the edit already made
    base = at.session_state[ui.RULES_BASE].copy()
    base.loc[0, "tone"] = "casual"  # older customers: casual instead of formal
    at.session_state[ui.RULES_BASE] = base
    at.run(timeout=120)
    assert "casual" in _tone_of(at, "age 51-88")
    # the edit survives another run and a visit to another page
    at.switch_page("pages/profiles.py").run(timeout=120)
    at.switch_page(PAGE).run(timeout=120)
    assert at.session_state[ui.RULES_APPLIED].loc[0, "tone"] == "casual"
    assert "casual" in _tone_of(at, "age 51-88")


def test_renames_follow(make_app: Callable[..., object]) -> None:
    at, ws = _open(make_app)
    ws.rename_segment("age 51-88", "Seniors")
    at.run(timeout=120)
    assert "Seniors" in _card_titles(at)
    routing = next(d.value for d in at.dataframe if "Preferred channel" in d.value.columns)
    assert "Seniors" in routing["Segment"].tolist()


def test_rules_and_notes_saved_in_the_project(make_app: Callable[..., object], tmp_path: Path) -> None:
    at = make_app()
    at.run()
    ws = _segment_by_age(at)
    project = Store(tmp_path).create_project("Shop")
    rules = tn.default_rules()
    rules.loc[0, "tone"] = "neutral"
    project.put_doc("playbook", "rules", tn.rules_to_doc(rules))
    ws.project = project
    at.switch_page(PAGE).run(timeout=120)
    assert not at.exception
    assert at.session_state[ui.RULES_APPLIED].loc[0, "tone"] == "neutral"  # read back from the project
    assert "neutral" in _tone_of(at, "age 51-88")
    note = next(t for t in at.text_area if t.label == "Team notes")
    note.input("Call before noon").run(timeout=120)
    saved = project.get_doc("notes", "current")
    assert list(saved.values()) == ["Call before noon"]
    routing = next(d.value for d in at.dataframe if "Preferred channel" in d.value.columns)
    assert "Call before noon" in routing["Notes"].tolist()
    # an edit of the rules is saved too
    base = at.session_state[ui.RULES_BASE].copy()
    base.loc[1, "on"] = False
    at.session_state[ui.RULES_BASE] = base
    at.run(timeout=120)
    assert project.get_doc("playbook", "rules")["rules"][1]["on"] is False
    assert isinstance(tn.rules_from_doc(project.get_doc("playbook", "rules")), pd.DataFrame)


def test_channel_from_an_interactions_file(make_app: Callable[..., object], tmp_path: Path) -> None:
    from segdash.act import channels as ch

    at, ws = _open(make_app)
    tickets = tmp_path / "tickets.csv"
    ids = pd.read_csv("sample_data/customers.csv", usecols=["customer_id"])["customer_id"]
    rows = [f"{customer},{'Mobile Phone' if i % 3 else 'Twitter'}" for i, customer in enumerate(ids[:600])]
    tickets.write_text("customer_id,channel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    columns = ch.load_interactions(ws.data, tickets)  # what the uploader does with the file
    at.session_state[ui.INTERACTIONS_LOADED] = {"file_id": "test", "columns": columns, "name": "tickets.csv"}
    at.radio(key=ui.SOURCE_KIND).set_value("interactions").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=ui.INTERACTION_KEY).value == "customer_id"
    assert at.selectbox(key=ui.INTERACTION_CHANNEL).value == "channel"
    # 600 customers have tickets: Mobile Phone merges into Phone, Twitter into Social media; the rest unknown
    merge = next(d.value for d in at.dataframe if "label" in d.value.columns)
    assert dict(zip(merge["label"], merge["channel"], strict=True)) == {"Mobile Phone": "Phone",
                                                                         "Twitter": "Social media"}
    assert any("4,400 customers have no known service channel" in c.value for c in at.caption)


def test_survey_answers_as_channel_source_and_survey_results_on_cards(make_app: Callable[..., object],
                                                                      tmp_path: Path) -> None:
    from types import SimpleNamespace

    from segdash.survey import results
    from segdash.survey.answers import Question
    from segdash.ui import survey as survey_ui

    at, ws = _open(make_app)
    # answers matched on the Survey page (this session): 60 of the oldest band want a Letter, 60 others Email
    customers = ws.con.execute("SELECT c.customer_id, l.segment FROM customers c JOIN segment_labels l USING (_row)"
                               ).df()
    old = customers[customers["segment"] == "age 51-88"]["customer_id"].head(60)
    rest = customers[customers["segment"] != "age 51-88"]["customer_id"].head(60)
    question = "How would you like us to contact you?"
    answers = pd.DataFrame({"_key": [*old, *rest], question: ["Letter"] * 60 + ["E-mail"] * 60})
    questions = {question: Question(column=question, type="single", label="Contact you")}
    at.session_state[survey_ui.STATE] = {"result": SimpleNamespace(answers=answers, questions=questions, verdict=None),
                                         "sample_for": ws.segmentation_id}
    at.radio(key=ui.SOURCE_KIND).set_value("survey").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=ui.SURVEY_QUESTION).value == question
    assert any("120 respondents named a channel" in c.value for c in at.caption)
    routing = next(d.value for d in at.dataframe if "Preferred channel" in d.value.columns)
    # 60 of 60 answering in the oldest band chose Letter: n >= 30 and a clear lead
    assert routing.set_index("Segment").loc["age 51-88", "Preferred channel"] == "Letter"
    # a verdict saved in the project for the open snapshot: its KPIs on the cards
    project = Store(tmp_path).create_project("Shop")
    ws.project, ws.snapshot_id = project, "snap1"
    at.session_state[survey_ui.STATE] = {}
    project.put_doc("survey", results.verdict_name("snap1"), {"snapshot_id": "snap1", "kpis": [
        {"segment": "age 51-88", "answers": 40, "confirmation_rate": 0.9, "average_satisfaction": 4.4,
         "preferred_channel": "Letter", "preferred_tone": "formal"}]})
    at.radio(key=ui.SOURCE_KIND).set_value("column").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    lines = [m.value for m in at.markdown if "**Survey:**" in m.value]
    assert lines == [":material/forum: **Survey:** 40 answers\\: 90% of the checks against the data agree; "
                     "satisfaction 4.4; prefer Letter; tone formal."]


def test_rules_without_a_tone_show_an_empty_cell_not_the_word_none(make_app: Callable[..., object]) -> None:
    at, _ = _open(make_app)
    rules = at.data_editor(key=ui.RULES_EDITOR)
    assert (rules.value["tone"].fillna("") == "").any()  # some default rules set only an approach
    assert rules.proto.placeholder == ""  # drawn empty (Streamlit's default is the word "None")
    assert at.data_editor(key=ui.MAP_EDITOR).proto.placeholder == ""
