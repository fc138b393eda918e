"""Streamlit pieces of the Survey page: sample, contact list, question kit, answers back, verdict.

Every key lives here and starts with ``segdash.survey.``. What the page makes (the sample, the kit,
the answers) is kept in the open project (``survey_samples``, ``survey``, ``survey_answers``) and
otherwise in this session only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from segdash.data import Data
from segdash.errors import SegdashError
from segdash.report import survey_charts
from segdash.report.export import to_safe_csv
from segdash.report.text import escape_markdown as md
from segdash.segment import labels_key_column
from segdash.survey import answers as ans
from segdash.survey import kit as kits
from segdash.survey import sample as smp
from segdash.survey.confirm import Confirmation, confirm_survey, email_column_of, matching_frame
from segdash.survey.sizes import ALLOCATION_LABELS, ALLOCATIONS, SampleSettings
from segdash.survey.verdict import questions_table, verdict_summary
from segdash.ui import components
from segdash.workspace import Workspace

log = logging.getLogger(__name__)

PREFIX = "segdash.survey."
#: This session's survey: ``{"sample", "sample_name", "sample_for", "kit", "answers", "kinds",
#: "answers_name", "upload_id", "loaded_from"}`` (see :func:`survey_state`), and the question table's
#: ``"kit_base"`` (as drawn), ``"kit_edited"`` (as edited) and ``"kit_draft"`` (the edits kept in the project).
STATE = PREFIX + "state"
SAMPLE_FORM = PREFIX + "sample_form"
CONFIDENCE = PREFIX + "confidence"
MARGIN = PREFIX + "margin"
RESPONSE = PREFIX + "response_rate"
ALLOCATION = PREFIX + "allocation"
BACKUPS = PREFIX + "backups"
SEED = PREFIX + "seed"
CONTACT = PREFIX + "contact_column"
OPT_OUT = PREFIX + "opt_out_column"
RECENT_DAYS = PREFIX + "recent_days"
TOOL = PREFIX + "tool"
CONTACT_COLUMNS = PREFIX + "contact_columns"
WITH_BACKUPS = PREFIX + "with_backups"
CONFIRM_PERSONAL = PREFIX + "confirm_personal"
KIT_EDITOR = PREFIX + "kit_editor"
KIT_VERSION = PREFIX + "kit_version"
#: The project document that keeps the question table's unsaved edits (across a reload or a restart).
KIT_DRAFT = "kit draft"
UPLOADER = PREFIX + "uploader"
MATCH_COLUMN = PREFIX + "match_column"
MATCH_FIELD = PREFIX + "match_field"
TYPE_EDITOR = PREFIX + "type_editor"
CHART_QUESTION = PREFIX + "chart_question"

NONE = "(none)"
AUTO = "Automatic"
VERDICT_MARK = {"confirmed": ":green[**Confirmed**]", "partly confirmed": ":orange[**Partly confirmed**]",
                "not confirmed": ":red[**Not confirmed**]", "not enough answers": ":gray[**Not enough answers**]"}


# -- state ---------------------------------------------------------------------------------------------------

def survey_state(ws: Workspace) -> dict[str, Any]:
    """This session's survey work; on first use with a project open, the latest saved sample, kit and answers.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    dict
    """
    current = st.session_state.setdefault(STATE, {})
    project = ws.project
    project_id = getattr(project, "id", None)
    if project is not None and current.get("loaded_from") != project_id:
        current.clear()
        current["loaded_from"] = project_id
        try:
            samples = project.list_tables("survey_samples")
            if samples:
                name = str(samples[-1]["name"])
                current["sample"] = smp.load_sample(project, name)
                current["sample_name"] = name
                current["sample_for"] = (samples[-1].get("meta") or {}).get("segmentation_id")
            kit = project.get_doc("survey", "kit")
            if kit:
                current["kit"] = list(kit.get("items", []))
            draft = project.get_doc("survey", KIT_DRAFT)
            if isinstance(draft, dict) and isinstance(draft.get("rows"), list):  # edits not saved yet: shown again
                try:
                    current["kit_edited"] = kits.table_from_rows(draft["rows"])
                    current["kit_draft"] = list(draft["rows"])
                except (AttributeError, TypeError, ValueError):  # not what segdash writes: the saved questions
                    st.warning("The unsaved edits of the survey questions could not be read; the saved questions "
                               "are shown.")
            answers = project.list_tables("survey_answers")
            if answers:
                entry = answers[-1]
                current["answers"] = project.get_table("survey_answers", entry["name"])
                current["kinds"] = dict((entry.get("meta") or {}).get("kinds", {}))
                current["answers_name"] = str((entry.get("meta") or {}).get("file", entry["name"]))
        except SegdashError as err:
            st.warning(f"The survey saved in this project could not be read: {err}")
    return current


def _names(ws: Workspace) -> dict[str, str]:
    return ws.display_names(list(ws.segmentation.sizes)) if ws.segmentation is not None else {}


@contextlib.contextmanager
def _cursor(ws: Workspace) -> Iterator[Data]:
    """The data over a cursor of its own for this run: DuckDB refuses a second call on a busy connection,
    and a click can start a new run while the last one still has a query in flight."""
    with ws.cursor_data() as data:
        yield data


def _key_column(ws: Workspace) -> str:
    def find() -> str:
        with _cursor(ws) as data:
            return labels_key_column(data, roles=ws.roles) or "_row"

    return ws.cached(("survey", "key"), find)


def _save(ws: Workspace, what: str, action: Any) -> bool:
    """Run a project save; a failure is shown, and the work stays in this session. ``False`` if it failed."""
    if ws.project is None:
        return True
    try:
        action()
    except SegdashError as err:
        st.warning(f"The {what} is kept in this session but could not be saved in the project: {err}")
        return False
    return True


# -- 1. the sample -------------------------------------------------------------------------------------------

def _contact_choices(ws: Workspace) -> list[str]:
    personal = [c for c, r in ws.roles.items() if r == "pii"]
    emails = [c for c in personal if smp.is_email_column(c)]
    return [*emails, *[c for c in personal if c not in emails]]


def sample_form(ws: Workspace) -> None:
    """The sample settings form; drawing saves the sample (project or session).

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).
    """
    current = survey_state(ws)
    types = ws.column_types()
    contacts = _contact_choices(ws)
    flags = [c for c, t in types.items() if t == "boolean" or (t == "text" and ws.roles.get(c) != "pii")]
    with st.form(SAMPLE_FORM):
        left, middle, right = st.columns(3)
        confidence = left.selectbox("Confidence level", [0.90, 0.95, 0.99], index=1, key=CONFIDENCE,
                                    format_func=lambda v: f"{v:.0%}",
                                    help="How sure you want to be that the answers reflect the whole segment.")
        margin = left.number_input("Margin of error (± percentage points)", min_value=1.0, max_value=20.0, value=5.0,
                                   step=1.0, key=MARGIN, help="±5 means a 40% answer really lies between 35% and 45%.")
        response = middle.number_input("Expected response rate (%)", min_value=1.0, max_value=100.0, value=30.0,
                                       step=5.0, key=RESPONSE, help="Share of invited customers you expect to answer.")
        allocation = middle.radio("Allocation", ALLOCATIONS, key=ALLOCATION, format_func=ALLOCATION_LABELS.get)
        backups = right.number_input("Backups (% of invitations)", min_value=0.0, max_value=200.0, value=20.0,
                                     step=5.0, key=BACKUPS, help="Extra customers per segment to invite if too few answer.")
        seed = right.number_input("Random seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key=SEED,
                                  help="The same seed and settings always pick the same customers.")
        st.markdown("**Who may be invited**")
        a, b, c = st.columns(3)
        contact = a.selectbox("Contact column (customers without one are left out)", [NONE, *contacts], key=CONTACT,
                              index=1 if contacts else 0)
        opt_out = b.selectbox("Opt-out column (yes = never invite)", [NONE, *flags], key=OPT_OUT)
        days = c.number_input("Leave out customers surveyed in the last … days", min_value=0, max_value=3650,
                              value=90, step=30, key=RECENT_DAYS, disabled=ws.project is None,
                              help="Uses the samples saved in this project.")
        if ws.project is None:
            c.caption("Open a project to leave out customers surveyed before.")
        drawn = st.form_submit_button("Draw the sample", type="primary", icon=":material/casino:")
    if not drawn:
        return
    settings = SampleSettings(confidence=float(confidence), margin=float(margin) / 100,
                              response_rate=float(response) / 100, allocation=str(allocation),
                              backup_share=float(backups) / 100, random_state=int(seed))
    with st.spinner("Drawing the sample…"), _cursor(ws) as data:
        recent = smp.recently_surveyed(ws.project, days=int(days)) if ws.project is not None else None
        sample = smp.draw_sample(data, key_column=_key_column(ws), settings=settings, types=types,
                                 contact_column=None if contact == NONE else contact,
                                 opt_out_column=None if opt_out == NONE else opt_out, exclude_keys=recent)
    name = f"Sample {sample.drawn.replace('T', ' ')[:19]}"
    current.update(sample=sample, sample_name=name, sample_for=ws.segmentation_id)
    _save(ws, "sample", lambda: smp.save_sample(ws.project, name, sample, extra={
        "segmentation_id": ws.segmentation_id, "snapshot_id": ws.snapshot_id, "names": _names(ws)}))


def show_plan(ws: Workspace) -> None:
    """The drawn sample: invitations per segment, the totals and plain notes."""
    current = survey_state(ws)
    sample: smp.SurveySample | None = current.get("sample")
    if sample is None:
        st.info("Choose the settings and press **Draw the sample**: segdash works out how many customers to invite "
                "in each segment and picks them at random.")
        return
    if current.get("sample_for") and current.get("sample_for") != ws.segmentation_id:
        st.warning("This sample was drawn for an earlier segmentation; draw it again to sample the current segments.")
    names = _names(ws)
    plan = sample.plan
    table = pd.DataFrame({
        "Segment": [names.get(s, s) for s in plan["segment"]],
        "Customers": plan["population"], "Can be invited": plan["eligible"],
        "Answers needed": plan["completes_needed"], "Invite": plan["invites"], "Backups": plan["backups"],
        "Everyone invited": ["Yes (too small)" if e else "" for e in plan["everyone"]],
    })
    total = pd.DataFrame([{"Segment": "Total", "Customers": int(plan["population"].sum()),
                           "Can be invited": int(plan["eligible"].sum()),
                           "Answers needed": int(plan["completes_needed"].sum()), "Invite": int(plan["invites"].sum()),
                           "Backups": int(plan["backups"].sum()), "Everyone invited": ""}])
    s = sample.settings
    st.markdown(f"**{md(current.get('sample_name', 'Sample'))}**: {s.confidence:.0%} confidence, ±{s.margin:.0%}, "
                f"{s.response_rate:.0%} expected response, seed {s.random_state}.")
    counts = {c: st.column_config.NumberColumn(c, format="localized") for c in
              ("Customers", "Can be invited", "Answers needed", "Invite", "Backups")}
    st.dataframe(pd.concat([table, total], ignore_index=True), hide_index=True, width="stretch",
                 column_config=counts)
    for note in sample.notes[:1]:
        st.markdown(md(note))
    more = sample.notes[1:]
    if more:
        with st.expander(f"Notes ({len(more)})"):
            for note in more:
                st.markdown(f"- {md(note)}")


# -- 2. contact list -----------------------------------------------------------------------------------------

def contact_export(ws: Workspace) -> None:
    """Download the contact list; personal data only after an explicit confirmation."""
    current = survey_state(ws)
    sample: smp.SurveySample | None = current.get("sample")
    if sample is None:
        st.caption("Draw a sample first.")
        return
    choices = _contact_choices(ws)
    left, right = st.columns(2)
    tool = left.selectbox("Survey tool", smp.TOOLS, format_func=smp.TOOL_LABELS.get, key=TOOL)
    columns = right.multiselect("Contact columns", choices, default=choices[:1], key=CONTACT_COLUMNS,
                                help="Personal data carried to the survey tool. Extra columns become embedded "
                                     "data (Qualtrics) or attributes (LimeSurvey).")
    with_backups = left.checkbox("Include the backups (column 'role')", key=WITH_BACKUPS)
    confirmed = st.checkbox(
        "I confirm these customers may be contacted for research, and I will keep this personal data safe and "
        "delete the file once the survey is sent.", key=CONFIRM_PERSONAL)
    names = _names(ws)
    stamp = current.get("sample_name", "sample").replace(" ", "_").replace(":", "-")
    if confirmed and columns:
        try:
            with _cursor(ws) as data:
                contacts = smp.sample_contacts(data, sample, columns=list(columns))
            listing = smp.contact_list(contacts, names=names, contact_columns=list(columns), tool=tool,
                                       confirmed=True, include_backups=with_backups)
        except SegdashError as err:
            st.error(str(err))
            return
        a, b = st.columns(2)
        a.download_button("Download contact list (CSV)", to_safe_csv(listing), file_name=f"contacts_{stamp}.csv",
                          mime="text/csv", icon=":material/download:", type="primary")
        b.download_button("Download contact list (Excel)", smp.to_safe_xlsx(listing), file_name=f"contacts_{stamp}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:")
        st.caption(f"{len(listing):,} customers with {', '.join(listing.columns)}.")
    else:
        listing = smp.contact_list(sample.frame, names=names, tool="generic", include_backups=with_backups)
        st.download_button("Download the sample without personal data (CSV)", to_safe_csv(listing),
                           file_name=f"sample_{stamp}.csv", mime="text/csv", icon=":material/download:")
        st.caption("Tick the confirmation above to add the contact columns (email, name) the survey tool needs.")


# -- 3. question kit -----------------------------------------------------------------------------------------

def _draft(ws: Workspace) -> list[dict[str, Any]]:
    seg = ws.segmentation
    edges = {}
    if seg is not None and seg.method == "dimensions":
        edges = {d["column"]: tuple(d.get("edges") or ()) for d in seg.settings.get("dimensions", [])
                 if d.get("banding") == "edges"}
    with _cursor(ws) as data:
        return kits.draft_kit(data, roles=ws.roles, types=ws.column_types(),
                              features=list(seg.features) if seg is not None else [], edges=edges)


def _keep_draft(ws: Workspace, current: dict[str, Any],
                edited: pd.DataFrame) -> tuple[list[dict[str, Any]] | None, SegdashError | None]:
    """Keep the question table as edited in the session and, while it differs from the questions last saved
    or drafted, in the project too (a reload or a restart shows the edits again); written only when changed.

    Returns the table read as questions, or why it does not read as questions yet.
    """
    current["kit_edited"] = edited
    try:
        kit, problem = kits.kit_from_frame(edited), None
    except SegdashError as err:
        kit, problem = None, err  # a table that does not read as questions yet is still the person's work
    rows = None if kit is not None and kit == current.get("kit") else kits.table_rows(edited)
    if rows != current.get("kit_draft"):
        current["kit_draft"] = rows
        if rows is None:
            _save(ws, "draft of the questions", lambda: ws.project.delete_doc("survey", KIT_DRAFT))
        else:
            _save(ws, "draft of the questions", lambda: ws.project.put_doc("survey", KIT_DRAFT, {"rows": rows}))
    return kit, problem


def _keep_kit_edits(ws: Workspace, key: str, current: dict[str, Any]) -> None:
    """``on_change`` of the question table: keep the questions as edited, so leaving the page (even by
    finishing an edit with a click on another page) or reloading it loses none before they are saved."""
    if current.get("kit_base") is not None:
        _keep_draft(ws, current, components.table_edit_arrived(key, current["kit_base"]))


def _new_kit_table(ws: Workspace, current: dict[str, Any], version: int) -> None:
    """Start the question table afresh on ``current["kit"]`` (after a save or a new draft): no edits kept."""
    current.pop("kit_edited", None)
    current.pop("kit_base", None)
    if current.pop("kit_draft", None) is not None:
        _save(ws, "draft of the questions", lambda: ws.project.delete_doc("survey", KIT_DRAFT))
    st.session_state[KIT_VERSION] = version + 1


def question_kit(ws: Workspace) -> None:
    """The question kit: drafted from the segments, edited and reordered in a table, exported."""
    current = survey_state(ws)
    if not current.get("kit"):
        current["kit"] = _draft(ws)
    version = st.session_state.setdefault(KIT_VERSION, 0)
    key = f"{KIT_EDITOR}.{version}"
    if key not in st.session_state or current.get("kit_base") is None:
        # shown afresh (e.g. back from another page): on the questions as last edited, saved or not
        edits = current.get("kit_edited")
        current["kit_base"] = (edits.reset_index(drop=True) if edits is not None else kits.kit_frame(current["kit"]))
    st.caption("Edit the wording and options (separate options with ' | '), add or delete rows, and change "
               "**Order** to move a question. Ratings are 1-5 with labelled ends.")
    edited = st.data_editor(
        current["kit_base"], key=key, num_rows="dynamic", hide_index=True, width="stretch", placeholder="",
        on_change=_keep_kit_edits, args=(ws, key, current),
        column_config={
            "order": st.column_config.NumberColumn("Order", min_value=1, step=1, width="small"),
            "question": st.column_config.TextColumn("Question", width="large", required=True),
            "type": st.column_config.SelectboxColumn("Type", options=list(kits.KIT_TYPES), required=True),
            "options": st.column_config.TextColumn("Options", width="large"),
            "purpose": st.column_config.SelectboxColumn("Purpose", options=list(kits.PURPOSES)),
            "column": st.column_config.TextColumn("Checks column", disabled=True,
                                                  help="The customer column this question confirms."),
        },
    )
    kit, problem = _keep_draft(ws, current, edited)
    if problem is not None:
        st.error(str(problem))
        kit = current["kit"]
    if kit != current["kit"]:
        st.caption(":material/edit: Changed since the questions were last saved or drafted. Your edits are kept "
                   "(also after a reload); **Save questions** makes them the saved questions." if ws.project is not None
                   else ":material/edit: Changed since the questions were last saved or drafted. Open a project to "
                        "keep your edits after a reload.")
    left, middle, right, last = st.columns(4)
    if (left.button("Save questions", icon=":material/save:")
            and _save(ws, "question kit", lambda: ws.project.put_doc("survey", "kit", {"items": kit}))):
        current["kit"] = kit
        _new_kit_table(ws, current, version)
        st.rerun()  # (a failed save: the warning stays on screen, and the edits stay kept as a draft)
    if middle.button("Draft again from the segments", icon=":material/restart_alt:"):
        current["kit"] = _draft(ws)
        _new_kit_table(ws, current, version)
        st.rerun()
    right.download_button("Questions as text", kits.kit_text(kit).encode("utf-8"), file_name="survey_questions.txt",
                          mime="text/plain", icon=":material/description:")
    last.download_button("Questions as CSV", kits.kit_csv(kit), file_name="survey_questions.csv", mime="text/csv",
                         icon=":material/table:")


# -- 4. answers back -----------------------------------------------------------------------------------------

def answers_upload(ws: Workspace) -> None:
    """Upload a survey export; it is imported once, with the customer-file import, on its own connection."""
    from segdash.ui.data import save_upload

    current = survey_state(ws)
    uploaded = st.file_uploader("Survey answers (CSV or Excel export from Google Forms, SurveyMonkey, Qualtrics, "
                                "Typeform, LimeSurvey)", key=UPLOADER, type=["csv", "tsv", "txt", "xlsx"])
    if uploaded is not None and current.get("upload_id") != uploaded.file_id:
        current["upload_id"] = uploaded.file_id
        path = save_upload(uploaded)
        try:
            with st.spinner("Reading the answers…"):
                frame, kinds = ans.load_answers(path, name=uploaded.name)
        except SegdashError as err:
            st.error(str(err))
            return
        finally:
            Path(path).unlink(missing_ok=True)
        current.update(answers=frame, kinds=kinds, answers_name=uploaded.name, type_overrides={})
        st.session_state.pop(MATCH_COLUMN, None)
        st.session_state.pop(MATCH_FIELD, None)
        name = f"Answers to {current.get('sample_name') or 'the survey'}"
        _save(ws, "answers", lambda: ws.project.put_table("survey_answers", name, frame.drop(columns=["_row"]),
                                                          meta={"file": uploaded.name, "kinds": kinds,
                                                                "sample": current.get("sample_name")}))


def analyse(ws: Workspace) -> Confirmation | None:
    """Match the answers and build the verdict (with the match and type choices on the page).

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    Confirmation or None
        ``None`` before answers are uploaded.
    """
    current = survey_state(ws)
    answers: pd.DataFrame | None = current.get("answers")
    if answers is None:
        st.info("When answers come back, upload the survey tool's export here. Answers are matched to the "
                "sample by the survey token, the email or the customer id; anonymous answers are placed in "
                "segments by the segments' rules when they hold the columns those use.")
        return None
    answers = answers.drop(columns=["_row"], errors="ignore")
    st.markdown(f"**{md(current.get('answers_name', 'Answers'))}**: {len(answers):,} answers, "
                f"{answers.shape[1]:,} questions.")
    sample: smp.SurveySample | None = current.get("sample")
    types = ws.column_types()
    email = email_column_of(ws.roles, types)
    key_column = _key_column(ws)
    with _cursor(ws) as data:
        if sample is not None:
            matching = matching_frame(data, sample, email_column=email)
        else:
            from segdash.survey.confirm import population_sample

            matching = population_sample(data, key_column=key_column, email_column=email)
    left, right = st.columns(2)
    column = left.selectbox("Match answers by the column", [AUTO, *answers.columns], key=MATCH_COLUMN)
    field = right.selectbox("…to the sample's", [AUTO, *[f for f in ans.SAMPLE_FIELDS if f in matching.columns]],
                            key=MATCH_FIELD, format_func=lambda f: ans.FIELD_LABELS.get(f, f),
                            disabled=column == AUTO)
    overrides = current.setdefault("type_overrides", {})
    def compute() -> Confirmation:
        with _cursor(ws) as data:
            return confirm_survey(
                data, answers, matching=matching, segmentation=ws.segmentation, roles=ws.roles,
                types=types, key_column=key_column, kinds=current.get("kinds"),
                kit=current.get("kit"), names=_names(ws),
                answer_column=None if column == AUTO else column,
                sample_field=None if column == AUTO or field == AUTO else field,
                type_overrides=overrides)

    with st.spinner("Matching the answers and testing every question…"):
        result = ws.cached(("survey", "confirm", id(answers), column, field, tuple(sorted(overrides.items())),
                            repr(current.get("kit")), current.get("sample_name")), compute)
    current["result"] = result
    st.markdown(md(result.message))
    if result.placed is not None:
        for note in result.placed.notes:
            st.caption(md(note))
    if result.joined is not None and len(result.joined.unmatched):
        with st.expander(f"Answers that match no one ({len(result.joined.unmatched):,})"):
            st.caption("These answers are kept but cannot be placed in a segment: the token, email or id they carry "
                       "is not in the sample. Check for typos, or choose another column to match by.")
            st.dataframe(result.joined.unmatched, hide_index=True, width="stretch")
    _types_editor(result, overrides)
    if result.response is not None:
        names = _names(ws)
        rates = result.response
        st.markdown("**Response rate per segment**")
        st.dataframe(pd.DataFrame({"Segment": [names.get(s, s) for s in rates["segment"]], "Invited": rates["invited"],
                                   "Answered": rates["answered"], "Response rate": rates["response_rate"] * 100}),
                     hide_index=True, width="stretch",
                     column_config={"Response rate": st.column_config.ProgressColumn(
                         "Response rate", format="%.0f%%", min_value=0, max_value=100)})
        if result.bias_warning:
            st.warning(result.bias_warning, icon=":material/warning:")
    if ws.project is not None and result.verdict is not None and current.get("verdict_saved") != id(result):
        from datetime import UTC, datetime

        doc = {"sample": current.get("sample_name"), "answers": current.get("answers_name"),
               "snapshot_id": ws.snapshot_id, "saved_at": datetime.now(UTC).isoformat(),
               **result.to_json(names=_names(ws))}
        from segdash.survey.verdict import report_summary

        sentences, tables = report_summary(result.verdict, names=_names(ws), response=result.response)
        doc["report"] = {"sentences": list(sentences),  # for the meeting report made elsewhere (CLI)
                         "tables": {name: frame.astype(object).where(frame.notna(), None).to_dict("records")
                                    for name, frame in tables.items()}}
        _save(ws, "verdict", lambda: ws.project.put_doc("survey", "verdict", doc))
        if ws.snapshot_id:  # kept per saved snapshot, for the KPIs over time (segdash.survey.results)
            from segdash.survey.results import verdict_name

            _save(ws, "verdict", lambda: ws.project.put_doc("survey", verdict_name(ws.snapshot_id), doc))
        current["verdict_saved"] = id(result)  # once per verdict, not on every rerun
    return result


def _types_editor(result: Confirmation, overrides: dict[str, str]) -> None:
    with st.expander("How each question is read"):
        st.caption("segdash guesses each question's type from its answers; change it here if it guessed wrong. "
                   "Ordered choices are compared by their order (Never < Rarely < Often).")
        frame = pd.DataFrame({
            "Question": [q.label for q in result.questions.values()],
            "Type": [q.type for q in result.questions.values()],
            "Order or options": [" < ".join(str(o) for o in q.order) if q.order else ", ".join(q.options[:8])
                                 for q in result.questions.values()],
            "Full question": list(result.questions),
        })
        edited = st.data_editor(frame, key=TYPE_EDITOR, hide_index=True, width="stretch", placeholder="",
                                disabled=["Question", "Order or options", "Full question"],
                                column_config={"Type": st.column_config.SelectboxColumn(
                                    "Type", options=list(ans.QUESTION_TYPES), required=True)},
                                on_change=_keep_types, args=(frame, overrides))
        changed = _type_changes(frame, edited, overrides)
        if changed:  # set from code: a person's edit was kept by on_change
            overrides.update(changed)
            st.rerun()


def _type_changes(frame: pd.DataFrame, edited: pd.DataFrame, overrides: dict[str, str]) -> dict[str, str]:
    """Question -> type changed in the types table and not yet in ``overrides``."""
    return {full: kind for full, kind, before in zip(edited["Full question"], edited["Type"], frame["Type"],
                                                     strict=True) if kind != before and overrides.get(full) != kind}


def _keep_types(frame: pd.DataFrame, overrides: dict[str, str]) -> None:
    """``on_change`` of the types table: keep the types chosen before any page draws (see
    :mod:`segdash.ui.components`, table editors)."""
    overrides.update(_type_changes(frame, components.table_edit_arrived(TYPE_EDITOR, frame), overrides))


# -- 5. the verdict ------------------------------------------------------------------------------------------

#: Columns of the per-question tests table that name statistics: shown under "Details for analysts" only.
ANALYST_COLUMNS = ("Effect size", "How tested")


def show_verdict(ws: Workspace, result: Confirmation | None) -> None:
    """Per-segment verdict cards, the tests per question, charts, KPIs and a download."""
    if result is None:
        st.caption("The verdict appears when answers are uploaded.")
        return
    verdict = result.verdict
    if verdict is None:
        st.info("No answer could be placed in a segment, so there is no verdict yet.")
        return
    names = _names(ws)
    for note in verdict.notes:
        st.markdown(f"**{md(note)}**")
    rows = list(verdict.segments.itertuples())
    for start in range(0, len(rows), 3):
        for column, row in zip(st.columns(3), rows[start:start + 3], strict=False):
            with column.container(border=True):
                st.markdown(f"**{md(names.get(row.segment, row.segment))}** · {VERDICT_MARK[row.verdict]}")
                for sentence in row.evidence:
                    st.markdown(f"- {md(sentence)}")
                for sentence in row.advice:
                    st.markdown(f":material/lightbulb: {md(sentence)}")
    st.markdown("**Do answers differ between segments?**")
    tests = questions_table(verdict)
    # plain words first (as on the Profiles page); the test names and effect sizes are for analysts
    st.dataframe(tests[[c for c in tests.columns if c not in ANALYST_COLUMNS]], hide_index=True, width="stretch",
                 column_config={"Full question": st.column_config.TextColumn("Full question", width="large")})
    with st.expander("Details for analysts"):
        st.caption("One test per question (one per option for several-choice questions): chi-square with Cramér's "
                   "V for choices, Kruskal-Wallis with eta squared for ratings and ordered answers. The chance that "
                   "a difference is luck is corrected for testing many questions (Benjamini-Hochberg), as on the "
                   "Profiles page.")
        st.dataframe(tests, hide_index=True, width="stretch",
                     column_config={"Full question": st.column_config.TextColumn("Full question", width="large")})
    tested = [c for c, q in result.questions.items() if q.type in ("single", "multi", *ans.RANKED)]
    if tested:
        differing = list(dict.fromkeys(verdict.questions.loc[verdict.questions["differs"], "question"]))
        default = differing[0] if differing else tested[0]
        chosen = st.selectbox("Answers per segment for", tested, index=tested.index(default), key=CHART_QUESTION,
                              format_func=lambda c: result.questions[c].label)
        segments = list(verdict.segments["segment"])
        st.plotly_chart(survey_charts.answers_chart(result.answers, question=result.questions[chosen], names=names,
                                                    segments=segments), width="stretch")
    kpis = verdict.kpis
    if len(kpis):
        st.markdown("**For the playbook and the KPIs**")
        st.dataframe(pd.DataFrame({
            "Segment": [names.get(s, s) for s in kpis["segment"]], "Answers": kpis["answers"],
            "Confirmation rate": kpis["confirmation_rate"] * 100, "Average satisfaction": kpis["average_satisfaction"],
            "Preferred channel": kpis["preferred_channel"].fillna("– (not asked)"),
            "Preferred tone": kpis["preferred_tone"].fillna("– (not asked)")}),
            hide_index=True, width="stretch",
            column_config={"Confirmation rate": st.column_config.NumberColumn(format="%.0f%%"),
                           "Average satisfaction": st.column_config.NumberColumn(format="%.1f")})
    summary = verdict_summary(verdict, names=names)
    st.download_button("Download the verdict (CSV)", to_safe_csv(summary), file_name="survey_verdict.csv",
                       mime="text/csv", icon=":material/download:")


def kpis_for(ws: Workspace) -> pd.DataFrame | None:
    """Per-segment survey KPIs for the current segmentation, or ``None`` when it has not been surveyed.

    This session's verdict when it was drawn for the current segmentation, else the verdict saved
    in the project for the open snapshot (:func:`segdash.survey.results.survey_kpis`).

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    pandas.DataFrame or None
        :data:`segdash.survey.results.KPI_COLUMNS`.
    """
    from segdash.survey.results import survey_kpis

    current = st.session_state.get(STATE, {})
    result: Confirmation | None = current.get("result")
    if (result is not None and result.verdict is not None
            and current.get("sample_for") in (None, ws.segmentation_id)):
        return result.verdict.kpis
    if ws.project is not None and ws.snapshot_id:
        return survey_kpis(ws.project).get(ws.snapshot_id)
    return None


def matched_answers(ws: Workspace) -> tuple[pd.DataFrame, dict[str, Any], str] | None:
    """This session's answers matched to customers (for the playbook), or ``None`` before there are any.

    Returns
    -------
    tuple or None
        The answers (``_key``: customer id as text, ``_segment``), their questions, and the
        customers' id column the keys come from.
    """
    current = st.session_state.get(STATE, {})
    result: Confirmation | None = current.get("result")
    if result is None or result.answers is None or "_key" not in result.answers.columns:
        return None
    if current.get("sample_for") not in (None, ws.segmentation_id) or not result.answers["_key"].notna().any():
        return None
    return result.answers, result.questions, _key_column(ws)


def report_summary_for(ws: Workspace) -> tuple[list[str], dict[str, pd.DataFrame]] | None:
    """The survey verdict of this session for the meeting report, or ``None`` before one exists.

    For ``meeting.summary_section("survey", survey.report_summary_for(ws))`` in
    :func:`segdash.ui.report.feature_sections`.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    tuple or None
        :func:`segdash.survey.verdict.report_summary` of the latest verdict.
    """
    from segdash.survey.verdict import report_summary

    result: Confirmation | None = st.session_state.get(STATE, {}).get("result")
    if result is None or result.verdict is None:
        return None
    return report_summary(result.verdict, names=_names(ws), response=result.response)
