"""AppTest of the Survey page: draw a sample, the contact list, the question kit, answers and the verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segdash.segment.rules import segment_by_dimensions
from segdash.ui import state
from segdash.ui import survey as view


def segment_by_country(at) -> object:
    at.run()
    ws = at.session_state[state.WORKSPACE]
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["country"], types=ws.column_types()))
    return ws


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_survey_without_segments_points_to_segments(make_app):
    at = make_app()
    at.run()
    at.switch_page("pages/survey.py").run()
    assert not at.exception
    assert "No segments yet" in texts(at.info)


def test_survey_page_draws_sample_and_judges_answers(make_app):
    at = make_app()
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["1. Who to invite", "2. Contact list for your survey tool",
                                               "3. Questions", "4. Answers back", "5. Verdict"]
    at.number_input(key=view.MARGIN).set_value(10.0)
    at.button[0].click().run()  # the form's "Draw the sample"
    assert not at.exception, at.exception
    current = at.session_state[view.STATE]
    sample = current["sample"]
    plan = at.dataframe[0].value
    assert plan["Segment"].iloc[-1] == "Total"
    assert int(plan["Invite"].iloc[-1]) == int((sample.frame["role"] == "invite").sum())
    # without the confirmation only the list without personal data can be downloaded
    labels = [b.label for b in at.get("download_button")]
    assert "Download the sample without personal data (CSV)" in labels
    assert not any("contact list" in label for label in labels)
    at.checkbox(key=view.CONFIRM_PERSONAL).check().run()
    labels = [b.label for b in at.get("download_button")]
    assert "Download contact list (CSV)" in labels and "Download contact list (Excel)" in labels
    # the question kit is drafted from the segments: the country question comes first
    kit = current["kit"]
    assert kit[0]["column"] == "country" and kit[0]["purpose"] == "confirm"

    # answers back: the invited answer the country question truthfully, the rest at random
    invited = sample.frame[sample.frame["role"] == "invite"].head(400)
    country = ws.con.execute("SELECT customer_id, country FROM customers").df().set_index("customer_id")["country"]
    rng = np.random.default_rng(0)
    answers = pd.DataFrame({
        "_row": range(1, len(invited) + 2),
        "token": [*invited["token"], "not-a-token"],
        "Which country do you live in?": [*country.loc[invited["key"]].to_numpy(), "France"],
        "How satisfied are you with us overall?": rng.integers(1, 6, size=len(invited) + 1),
    })
    current.update(answers=answers, kinds={}, answers_name="answers.csv")
    at.run()
    assert not at.exception, at.exception
    markdown = texts(at.markdown)
    assert "Matched 400 answers to the sample by survey token" in markdown
    assert any("Answers that match no one (1)" in e.label for e in at.expander)
    assert "Confirmed" in markdown
    verdict_rows = [d.value for d in at.dataframe if "Differs?" in d.value.columns]
    assert verdict_rows and "Yes" in set(verdict_rows[0]["Differs?"])
    # plain words first: the test names and effect sizes only under "Details for analysts" (issue 8)
    assert "Effect size" not in verdict_rows[0].columns and "How tested" not in verdict_rows[0].columns
    details = next(e for e in at.expander if e.label == "Details for analysts")
    assert "Cramér" in texts(details.caption) and "Effect size" in details.dataframe[0].value.columns
    # what the meeting report gets (view.report_summary_for reads this result)
    from segdash.survey.verdict import report_summary

    sentences, tables = report_summary(current["result"].verdict, response=current["result"].response)
    assert any(": confirmed." in s for s in sentences) and "Response rates" in tables


def test_survey_is_kept_in_the_project_and_reopened(make_app, tmp_path):
    home = tmp_path / "home"
    at = make_app(home=home)
    ws = segment_by_country(at)
    assert ws.project is not None  # the first start opens the "Sample" project
    at.switch_page("pages/survey.py").run()
    at.number_input(key=view.MARGIN).set_value(10.0)
    at.button[0].click().run()
    assert not at.exception, at.exception
    first = at.session_state[view.STATE]["sample"]
    saved = ws.project.list_tables("survey_samples")
    assert len(saved) == 1 and saved[0]["meta"]["settings"]["margin"] == 0.1
    save = next(b for b in at.button if b.label == "Save questions")
    save.click().run()
    assert ws.project.get_doc("survey", "kit")["items"][0]["column"] == "country"

    # a second sample in the same project leaves out everyone invited in the first (last 90 days)
    at.button[0].click().run()
    second = at.session_state[view.STATE]["sample"]
    invited = set(first.frame.loc[first.frame["role"] == "invite", "key"])
    assert not second.frame["key"].isin(invited).any()
    assert int(second.plan["surveyed"].sum()) == len(invited)

    # a new browser session on the same project finds the latest sample and the kit again
    again = make_app(home=home)
    again.run()
    reopened = again.session_state[state.WORKSPACE]
    assert reopened.project is None  # no URL naming the project here: open it as the picker would
    reopened.open_project(ws.project)
    again.session_state[state.WORKSPACE].set_segmentation(
        segment_by_dimensions(reopened.data, dimensions=["country"], types=reopened.column_types()))
    again.switch_page("pages/survey.py").run()
    assert not again.exception, again.exception
    current = again.session_state[view.STATE]
    assert set(current["sample"].frame["key"]) == set(second.frame["key"])
    assert current["kit"][0]["column"] == "country"


def test_verdict_is_saved_in_the_project_for_the_playbook(make_app):
    at = make_app()
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    at.button[0].click().run()
    current = at.session_state[view.STATE]
    invited = current["sample"].frame.query("role == 'invite'").groupby("segment").head(15)
    current.update(answers=pd.DataFrame({"token": invited["token"].to_numpy(),
                                         "How do you prefer to contact us?": np.where(
                                             invited["segment"] == "France", "Phone", "Email")}),
                   kinds={}, answers_name="answers.csv")
    at.run()
    assert not at.exception, at.exception
    doc = ws.project.get_doc("survey", "verdict")
    assert doc["answers"] == "answers.csv" and {"questions", "verdicts", "kpis"} <= set(doc)
    assert {k["segment"]: k["preferred_channel"] for k in doc["kpis"]}["France"] == "Phone"


def test_unsaved_question_edits_are_kept_when_the_page_is_left_and_saved_on_request(make_app):
    at = make_app()
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    assert not at.exception, at.exception
    changed = "Changed since the questions were last saved"
    assert changed not in texts(at.caption)  # the draft as drafted: nothing to save
    drafted = at.session_state[view.STATE]["kit"][0]["question"]
    key = f"{view.KIT_EDITOR}.{at.session_state[view.KIT_VERSION]}"
    # AppTest cannot type into a table: the state the editor would send (first question reworded, one added)
    at.session_state[key] = {"edited_rows": {0: {"question": "Where do you live?"}}, "deleted_rows": [],
                             "added_rows": [{"order": 99, "question": "Anything else?", "type": "text"}]}
    at.run()
    assert changed in texts(at.caption)
    at.switch_page("pages/segments.py").run()
    at.switch_page("pages/survey.py").run()
    assert not at.exception, at.exception
    table = at.data_editor(key=f"{view.KIT_EDITOR}.{at.session_state[view.KIT_VERSION]}").value
    assert table["question"].iloc[0] == "Where do you live?" and "Anything else?" in table["question"].tolist()
    assert changed in texts(at.caption)  # still not saved: said so
    assert ws.project.get_doc("survey", "kit") is None or \
        ws.project.get_doc("survey", "kit")["items"][0]["question"] == drafted
    next(b for b in at.button if b.label == "Save questions").click().run()
    saved = [item["question"] for item in ws.project.get_doc("survey", "kit")["items"]]
    assert "Where do you live?" in saved and "Anything else?" in saved
    assert changed not in texts(at.caption)


def test_unsaved_question_edits_survive_a_reload_and_end_when_saved_or_drafted_again(make_app, tmp_path):
    home = tmp_path / "home"
    at = make_app(home=home)
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is None  # nothing edited: no draft written
    key = f"{view.KIT_EDITOR}.{at.session_state[view.KIT_VERSION]}"
    at.session_state[key] = {"edited_rows": {0: {"question": "Where do you live?"}}, "deleted_rows": [],
                             "added_rows": [{"order": 99, "question": "Anything else?", "type": "text"}]}
    at.run()
    draft = ws.project.get_doc("survey", view.KIT_DRAFT)["rows"]
    assert draft[0]["question"] == "Where do you live?" and draft[-1]["question"] == "Anything else?"

    def reopened():  # a reload: a new session on the same project
        again = make_app(home=home)
        again.run()
        other = again.session_state[state.WORKSPACE]
        other.open_project(ws.project)
        other.set_segmentation(segment_by_dimensions(other.data, dimensions=["country"], types=other.column_types()))
        again.switch_page("pages/survey.py").run()
        assert not again.exception, again.exception
        return again

    again = reopened()
    table = again.data_editor(key=f"{view.KIT_EDITOR}.{again.session_state[view.KIT_VERSION]}").value
    assert table["question"].iloc[0] == "Where do you live?" and table["question"].iloc[-1] == "Anything else?"
    assert "Your edits are kept (also after a reload)" in texts(again.caption)
    # a mistake in the table (a choice with one option) is kept too, with the error on the page
    key = f"{view.KIT_EDITOR}.{again.session_state[view.KIT_VERSION]}"
    again.session_state[key] = {"edited_rows": {1: {"type": "single", "options": "Only"}}, "deleted_rows": [],
                                "added_rows": []}
    again.run()
    assert any("needs at least two options" in e.value for e in again.error)
    assert ws.project.get_doc("survey", view.KIT_DRAFT)["rows"][1]["options"] == "Only"
    again = reopened()
    assert any("needs at least two options" in e.value for e in again.error)
    key = f"{view.KIT_EDITOR}.{again.session_state[view.KIT_VERSION]}"
    again.session_state[key] = {"edited_rows": {1: {"options": "Yes | No"}}, "deleted_rows": [], "added_rows": []}
    again.run()
    next(b for b in again.button if b.label == "Save questions").click().run()
    saved = ws.project.get_doc("survey", "kit")["items"]
    assert saved[0]["question"] == "Where do you live?" and saved[1]["options"] == ["Yes", "No"]
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is None  # saved: the draft has done its job
    assert "Your edits are kept" not in texts(again.caption)
    assert reopened().session_state[view.STATE]["kit"] == saved  # and a reload shows the saved questions

    # edits thrown away with "Draft again" are not brought back by a reload
    key = f"{view.KIT_EDITOR}.{again.session_state[view.KIT_VERSION]}"
    again.session_state[key] = {"edited_rows": {0: {"question": "Scrap this"}}, "deleted_rows": [], "added_rows": []}
    again.run()
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is not None
    next(b for b in again.button if b.label == "Draft again from the segments").click().run()
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is None
    assert "Scrap this" not in reopened().data_editor(key=f"{view.KIT_EDITOR}.0").value["question"].tolist()


def test_a_question_edit_undone_by_hand_leaves_no_draft(make_app):
    at = make_app()
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    key = f"{view.KIT_EDITOR}.{at.session_state[view.KIT_VERSION]}"
    drafted = at.session_state[view.STATE]["kit"][0]["question"]
    at.session_state[key] = {"edited_rows": {0: {"question": "Where do you live?"}}, "deleted_rows": [],
                             "added_rows": []}
    at.run()
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is not None
    at.session_state[key] = {"edited_rows": {0: {"question": drafted}}, "deleted_rows": [], "added_rows": []}
    at.run()
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is None
    assert "Changed since" not in texts(at.caption)


def test_a_question_save_that_fails_says_so_and_keeps_the_edits(make_app, monkeypatch):
    from segdash.store import Project, StoreError

    at = make_app()
    ws = segment_by_country(at)
    at.switch_page("pages/survey.py").run()
    key = f"{view.KIT_EDITOR}.{at.session_state[view.KIT_VERSION]}"
    at.session_state[key] = {"edited_rows": {0: {"question": "Where do you live?"}}, "deleted_rows": [],
                             "added_rows": []}
    at.run()
    put_doc = Project.put_doc

    def disk_full(self, kind, name, data):
        if name == "kit":
            raise StoreError("The disk is full.")
        return put_doc(self, kind, name, data)

    monkeypatch.setattr(Project, "put_doc", disk_full)
    next(b for b in at.button if b.label == "Save questions").click().run()
    assert not at.exception, at.exception
    assert any("could not be saved in the project: The disk is full." in w.value for w in at.warning)
    assert "Changed since the questions were last saved" in texts(at.caption)  # still not saved, and said so
    assert ws.project.get_doc("survey", view.KIT_DRAFT)["rows"][0]["question"] == "Where do you live?"
    monkeypatch.setattr(Project, "put_doc", put_doc)
    next(b for b in at.button if b.label == "Save questions").click().run()
    assert ws.project.get_doc("survey", "kit")["items"][0]["question"] == "Where do you live?"
    assert ws.project.get_doc("survey", view.KIT_DRAFT) is None
