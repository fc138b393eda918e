"""Streamlit pieces of the Playbook page (the page itself only lays them out).

Editable tables (tone rules, channel merges) follow one rule so that no edit is ever lost:
the table handed to ``st.data_editor`` (the *base*) stays the same object while the editor lives;
the editor's output is kept as the *applied* table (and saved in the project, when one is open);
the base is rebuilt from the applied table only when the editor is shown afresh (its widget state
is gone, e.g. after visiting another page) or on an explicit reset.
"""

from __future__ import annotations

import logging
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from segdash import economics as econ
from segdash.act import channels as ch
from segdash.act import playbook as pb
from segdash.act import tone as tn
from segdash.errors import SegdashError
from segdash.report import playbook_charts
from segdash.report.text import escape_markdown as md
from segdash.ui import components, state
from segdash.workspace import Workspace

log = logging.getLogger(__name__)

_KEY = "segdash.playbook."
#: The rules table given to the editor (kept stable while the editor lives).
RULES_BASE = _KEY + "rules_base"
#: The rules as last edited (what the playbook uses).
RULES_APPLIED = _KEY + "rules_applied"
#: The rules document last written to the project (to write only on change).
RULES_SAVED = _KEY + "rules_saved"
RULES_EDITOR = _KEY + "rules_editor"
#: The project the rules were read from (its folder; another project reloads them).
RULES_PROJECT = _KEY + "rules_project"
MAP_BASE = _KEY + "map_base"
MAP_APPLIED = _KEY + "map_applied"
MAP_EDITOR = _KEY + "map_editor"
MAP_SAVED = _KEY + "map_saved"
SOURCE_KIND = _KEY + "source_kind"
COUNT_COLUMNS = _KEY + "count_columns"
INTERACTIONS_FILE = _KEY + "interactions_file"
INTERACTIONS_LOADED = _KEY + "interactions_loaded"
INTERACTION_KEY = _KEY + "interaction_key"
INTERACTION_CHANNEL = _KEY + "interaction_channel"
CUSTOMER_KEY = _KEY + "customer_key"
PURCHASE_COLUMN = _KEY + "purchase_column"
#: Team notes: ``{notes document name: {segment label: text}}``.
NOTES = _KEY + "notes"
_NOTE_WIDGET = _KEY + "note."

SOURCE_LABELS = {"column": "A service-channel column", "counts": "Contact counts per channel",
                 "interactions": "An interactions or tickets file", "survey": "Survey answers"}
SURVEY_QUESTION = _KEY + "survey_question"
RULE_COLUMN_CONFIG = {
    "on": st.column_config.CheckboxColumn("On", help="Switch a rule off without deleting it.", width="small"),
    "trait": st.column_config.TextColumn("When (trait)", help="A column name, or a word: age, life stage, values, "
                                         "lifestyle, satisfaction, tenure, signup.", required=True),
    "test": st.column_config.SelectboxColumn("Test", options=list(tn.TESTS), required=True),
    "value": st.column_config.TextColumn("Value (for shares)", help="The text to look for, e.g. Convenience."),
    "threshold": st.column_config.NumberColumn("Threshold", help="A number (age 55), or a share in % (25)."),
    "tone": st.column_config.SelectboxColumn("Suggest tone", options=["", *tn.TONES]),
    "approach": st.column_config.SelectboxColumn("Suggest approach", options=["", *tn.APPROACHES]),
    "why": st.column_config.TextColumn("Why", width="large"),
}


def _project(ws: Workspace) -> Any:
    return getattr(ws, "project", None)


def _save_doc(ws: Workspace, *, kind: str, name: str, data: dict[str, Any]) -> None:
    project = _project(ws)
    if project is None:
        return
    try:
        project.put_doc(kind, name, data)
    except SegdashError as err:
        st.error(f"Could not save to the project: {md(err)}")


# -- rules --------------------------------------------------------------------------------------


def _saved_rules(ws: Workspace) -> pd.DataFrame:
    project = _project(ws)
    if project is not None:
        try:
            return tn.rules_from_doc(project.get_doc("playbook", "rules"))
        except SegdashError as err:
            st.warning(f"The saved rules could not be read ({md(err)}); showing the defaults.")
    return tn.default_rules()


def reset_rules() -> None:
    """Button callback: back to the default rules (the editor is rebuilt)."""
    st.session_state[RULES_APPLIED] = tn.default_rules()
    st.session_state.pop(RULES_EDITOR, None)
    st.session_state.pop(RULES_BASE, None)


def rules_editor(ws: Workspace) -> pd.DataFrame:
    """The editable tone/approach rules; returns the rules as edited (saved in the project when open).

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    pandas.DataFrame
        The rules table to use.
    """
    project = _project(ws)
    project_id = str(getattr(project, "path", id(project))) if project is not None else None
    if st.session_state.get(RULES_PROJECT, "unset") != project_id or RULES_APPLIED not in st.session_state:
        st.session_state[RULES_APPLIED] = _saved_rules(ws)
        st.session_state[RULES_PROJECT] = project_id
        st.session_state.pop(RULES_BASE, None)
        st.session_state.pop(RULES_EDITOR, None)
    if RULES_EDITOR not in st.session_state or RULES_BASE not in st.session_state:
        st.session_state[RULES_BASE] = st.session_state[RULES_APPLIED].reset_index(drop=True)
    st.caption("Rules are read top to bottom: the first rule that fires sets the tone, the first that fires "
               "sets the approach. Add a row for a rule of your own; untick **On** to switch one off.")
    edited = st.data_editor(st.session_state[RULES_BASE], key=RULES_EDITOR, num_rows="dynamic", hide_index=True,
                            placeholder="", width="stretch", column_config=RULE_COLUMN_CONFIG, on_change=_keep_rules, args=(ws,))
    _keep_rules(ws, edited)
    rules, problems = tn.clean_rules(edited)
    for problem in problems:
        st.error(md(problem))
    status = tn.rules_status(rules, roles=ws.roles, types=ws.column_types())
    looks = [f"{i}. {md(r.describe())}: {md(s)}" for i, (r, s) in enumerate(zip(rules, status, strict=True), start=1)
             if r.test]
    if looks:
        with st.popover("Which columns each rule looks at"):
            st.markdown("\n".join(f"- {line}" for line in looks))
    st.button("Back to the default rules", on_click=reset_rules, key=_KEY + "reset_rules")
    return edited


def _keep_rules(ws: Workspace, edited: pd.DataFrame | None = None) -> None:
    """Keep the rules as edited (``None``: from the editor's state) and save them in the project on change.

    Also the editor's ``on_change``, so an edit sent as the person leaves the page is kept (see
    :mod:`segdash.ui.components`, table editors).
    """
    if edited is None:
        if RULES_BASE not in st.session_state:
            return
        edited = components.table_edit_arrived(RULES_EDITOR, st.session_state[RULES_BASE])
    st.session_state[RULES_APPLIED] = edited
    doc = tn.rules_to_doc(edited)
    if _project(ws) is not None and st.session_state.get(RULES_SAVED) != doc:
        _save_doc(ws, kind="playbook", name="rules", data=doc)
        st.session_state[RULES_SAVED] = doc


# -- channel source and merges ------------------------------------------------------------------------


def channel_source(ws: Workspace) -> ch.ChannelSource | None:
    """Widgets choosing where each customer's service channel comes from.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    ChannelSource | None
        ``None`` when nothing usable is chosen (the page explains why).
    """
    types = ws.column_types()
    suggested = ch.suggest_source(ws.roles, types=types)
    text_columns = [c for c, t in types.items() if t == "text" and ws.roles.get(c) not in ("pii",)]
    number_columns = [c for c, t in types.items() if t == "number" and ws.roles.get(c) not in ("pii", "id")]
    kinds = list(SOURCE_LABELS)
    default = kinds.index(suggested.kind) if suggested is not None else 2
    kind = st.radio("Where does each customer's service channel come from?", kinds, index=default,
                    format_func=SOURCE_LABELS.get, key=SOURCE_KIND, horizontal=True)
    if kind == "column":
        options = [c for c in text_columns if ws.roles.get(c) != "id"]
        preferred = suggested.column if suggested is not None and suggested.kind == "column" else None
        if not options:
            st.info("The file has no text column to read a channel from.")
            return None
        column = st.selectbox("Service-channel column", options,
                              index=options.index(preferred) if preferred in options else 0, key=_KEY + "column")
        return ch.ChannelSource(kind="column", column=column)
    if kind == "counts":
        guessed = ch.contact_count_columns(ws.roles, types=types)
        picked = st.multiselect("Columns counting contacts per channel (calls, emails, chats ...)", number_columns,
                                default=[c for c in guessed.values() if c in number_columns], key=COUNT_COLUMNS)
        if not picked:
            st.info("Pick the number columns that count contacts per channel.")
            return None
        names = {column: channel for channel, column in guessed.items()}
        return ch.ChannelSource(kind="counts", counts=tuple((names.get(c, c), c) for c in picked))
    if kind == "survey":
        return _survey_source(ws)
    return _interactions_source(ws)


def _survey_source(ws: Workspace) -> ch.ChannelSource | None:
    """Survey answers matched on the Survey page, as a channel source (a question such as "how to contact you")."""
    from segdash.labels import questions_help
    from segdash.survey.answers import TYPE_LABELS
    from segdash.ui.survey import matched_answers

    matched = matched_answers(ws)
    if matched is None:
        st.info("Draw a sample and load the answers on the **Survey** page first: answers matched to customers "
                "can then say which channel each respondent wants.")
        return None
    answers, questions, key = matched
    choices = [c for c, q in questions.items() if q.type in ("single", "multi")]
    if not choices:
        st.info("The survey has no one- or several-choice question to read a channel from.")
        return None
    guess = ch.survey_channel_question(questions)
    question = st.selectbox("Question with the channel", choices, index=choices.index(guess) if guess in choices else 0,
                            format_func=lambda c: f"{questions[c].label} ({TYPE_LABELS[questions[c].type]})",
                            help="For example 'How would you like to be contacted?'"
                                 + ("\n\n" + asked if (asked := questions_help(choices)) else ""),
                            key=SURVEY_QUESTION)
    spec = questions[question]
    rows = ch.survey_channel_rows(answers, question=question, key="_key",
                                  separator=spec.separator if spec.type == "multi" else None)
    signature = (question, len(rows), hash(tuple(map(tuple, rows.to_numpy().tolist()))))
    if ws.memo.get(("playbook", "survey_rows")) != signature:
        ch.load_survey_channels(ws.data, rows)
        ws.memo.clear()
        ws.memo[("playbook", "survey_rows")] = signature
    st.caption(f"{rows['customer'].nunique():,} respondents named a channel. Customers who did not answer count as "
               "unknown, so the shares are among those who answered"
               + (" (several channels chosen: each counts once)." if spec.type == "multi" else "."))
    return ch.survey_source(key=key, question=spec.label)


def _interactions_source(ws: Workspace) -> ch.ChannelSource | None:
    upload = st.file_uploader("Interactions or tickets file (one row per contact, with a customer id and a channel)",
                              key=INTERACTIONS_FILE)
    if upload is not None and st.session_state.get(INTERACTIONS_LOADED, {}).get("file_id") != upload.file_id:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            try:
                with st.spinner("Reading the interactions file..."):
                    columns = ch.load_interactions(ws.data, path)
            except SegdashError as err:
                st.error(md(err))
                return None
        st.session_state[INTERACTIONS_LOADED] = {"file_id": upload.file_id, "columns": columns, "name": upload.name}
        ws.memo.clear()
    loaded = st.session_state.get(INTERACTIONS_LOADED)
    if not loaded:
        st.info("Upload a file of contacts or tickets to read each customer's most used channel from it.")
        return None
    columns = loaded["columns"]
    customer_columns = [c for c in ws.column_types() if ws.roles.get(c) in ("id", "pii")] or list(ws.column_types())
    key_guess, channel_guess = ch.guess_interaction_columns(columns, customer_columns=customer_columns)
    left, middle, right = st.columns(3)
    table_key = left.selectbox("Customer id in that file", columns,
                               index=columns.index(key_guess) if key_guess in columns else 0, key=INTERACTION_KEY)
    channel = middle.selectbox("Channel in that file", columns,
                               index=columns.index(channel_guess) if channel_guess in columns else 0,
                               key=INTERACTION_CHANNEL)
    same = next((c for c in customer_columns if c.lower() == table_key.lower()), customer_columns[0])
    key = right.selectbox("Matches this column of the customer file", customer_columns,
                          index=customer_columns.index(same), key=CUSTOMER_KEY)
    return ch.ChannelSource(kind="interactions", key=key, table_key=table_key, table_channel=channel)


def merge_editor(ws: Workspace, *, source: ch.ChannelSource) -> dict[str, str]:
    """The editable table merging channel labels that mean the same; returns raw label -> channel.

    Parameters
    ----------
    ws
        The session's workspace.
    source
        The chosen channel source.

    Returns
    -------
    dict[str, str]
    """
    raws = ws.cached(("playbook.raw_labels", source), lambda: ch.raw_labels(ws.data, source=source))
    saved = {}
    if _project(ws) is not None:
        try:
            saved = dict((_project(ws).get_doc("channel_map", "channel_map") or {}).get("map", {}))
        except SegdashError:
            saved = {}
    applied = st.session_state.get(MAP_APPLIED)
    base = st.session_state.get(MAP_BASE)
    if MAP_EDITOR not in st.session_state or base is None or base["label"].tolist() != raws:
        previous = {**saved, **(ch.label_map(applied) if applied is not None else {})}
        base = ch.label_map_frame(raws, saved=previous)
        st.session_state[MAP_BASE] = base
    st.caption("Labels that mean the same are counted as one channel. Change **Counted as** to merge or split them.")
    edited = st.data_editor(base, key=MAP_EDITOR, hide_index=True, width="stretch", disabled=["label"], placeholder="",
                            column_config={"label": st.column_config.TextColumn("Label in the data"),
                                           "channel": st.column_config.TextColumn("Counted as")},
                            on_change=_keep_merges, args=(ws,))
    return _keep_merges(ws, edited)


def _keep_merges(ws: Workspace, edited: pd.DataFrame | None = None) -> dict[str, str]:
    """Keep the merge table as edited (``None``: from the editor's state), saved in the project on change.

    Also the editor's ``on_change`` (see :func:`_keep_rules`). Returns raw label -> channel.
    """
    if edited is None:
        if MAP_BASE not in st.session_state:
            return {}
        edited = components.table_edit_arrived(MAP_EDITOR, st.session_state[MAP_BASE])
    st.session_state[MAP_APPLIED] = edited
    mapping = ch.label_map(edited)
    doc = {"map": mapping}
    if _project(ws) is not None and st.session_state.get(MAP_SAVED) != doc:
        _save_doc(ws, kind="channel_map", name="channel_map", data=doc)
        st.session_state[MAP_SAVED] = doc
    return mapping


# -- the playbook -----------------------------------------------------------------------------------


def _economics(ws: Workspace) -> pd.DataFrame | None:
    def run() -> pd.DataFrame | None:
        types = ws.column_types()
        columns = econ.suggest_columns(ws.roles, types=types)
        if columns.revenue is None and columns.cost is None:
            return None
        try:
            result = econ.compute_economics(ws.data, columns=columns,
                                            date_columns=[c for c, t in types.items() if t == "date"])
        except SegdashError as err:
            log.info("playbook without economics: %s", err)
            return None
        return result.segments

    return ws.cached("playbook.economics", run)


def _who(ws: Workspace) -> dict[str, list[str]]:
    from segdash.ui.profiles import load_profile

    profile = load_profile(ws)
    return {str(s): pb.who_they_are(profile.top_traits, segment=str(s)) for s in profile.sizes["segment"]}


def _frame_key(frame: pd.DataFrame | None) -> int:
    if frame is None:
        return 0
    return zlib.crc32(frame.to_json(orient="values", default_handler=str).encode())


def build(ws: Workspace, *, rules: pd.DataFrame, source: ch.ChannelSource | None,
          mapping: dict[str, str]) -> pb.Playbook:
    """The playbook for the current segmentation (memoised per session), named with the current names.

    Parameters
    ----------
    ws
        The session's workspace.
    rules
        The rules table as edited.
    source
        Where the service channel comes from (``None``: no channel section).
    mapping
        Raw label -> channel.

    Returns
    -------
    Playbook
    """
    who = _who(ws)
    economics = _economics(ws)
    key = ("playbook", _frame_key(rules), source, tuple(sorted(mapping.items())))
    with st.spinner("Building the playbook..."):
        playbook = ws.cached(key, lambda: pb.build_playbook(
            ws.data, roles=ws.roles, types=ws.column_types(), rules=rules, source=source, mapping=mapping,
            economics=economics, who=who, use_channels=source is not None))
    sizes = [card.segment for card in playbook.cards]
    named = pb.rename(playbook, names=ws.display_names(sizes))
    st.session_state[state.PLAYBOOK_RESULT] = ((ws.data_id, ws.segmentation_id), named)  # for the report
    return named


def _notes_name(ws: Workspace) -> str:
    return pb.notes_doc_name(getattr(ws, "snapshot_id", "") or "")


def team_notes(ws: Workspace) -> dict[str, str]:
    """The team's notes of the current segmentation (from the project when one is open)."""
    name = _notes_name(ws)
    store = st.session_state.setdefault(NOTES, {})
    scope = f"{name}:{ws.segmentation_id}"
    if scope not in store:
        # notes typed before the segmentation was saved ("current") carry over to its snapshot
        saved: dict[str, str] = dict(store.get(f"current:{ws.segmentation_id}", {}))
        if _project(ws) is not None:
            try:
                saved.update(_project(ws).get_doc("notes", name) or {})
            except SegdashError as err:
                st.warning(f"The team notes could not be read ({md(err)}).")
        store[scope] = {str(k): str(v) for k, v in saved.items()}
    return store[scope]


def _save_note(ws: Workspace, label: str, widget: str) -> None:
    notes = team_notes(ws)
    notes[label] = str(st.session_state.get(widget, ""))
    _save_doc(ws, kind="notes", name=_notes_name(ws), data=dict(notes))


def _widget_key(ws: Workspace, label: str) -> str:
    return f"{_NOTE_WIDGET}{ws.segmentation_id}.{zlib.crc32(label.encode()):08x}"


def _lines(items: list[str]) -> str:
    return "\n".join(f"- {md(item)}" for item in items)


def show_card(ws: Workspace, card: pb.SegmentCard, *, survey: pd.DataFrame | None = None) -> None:
    """One segment's card (all user text escaped).

    Parameters
    ----------
    ws
        The session's workspace.
    card
        The card to draw.
    survey
        Per-segment survey KPIs (:func:`segdash.ui.survey.kpis_for`), or ``None``.
    """
    from segdash.survey.results import segment_sentence

    with st.container(border=True):
        st.markdown(f"#### {md(card.name)}")
        st.caption(f"{card.customers:,} customers · {card.share:.0%} of all")
        if card.who:
            st.markdown("**Who they are**\n\n" + _lines(card.who))
        pref = card.preference
        if pref is not None:
            if pref.channel:
                backup = f" · backup: **{md(pref.backup)}**" if pref.backup else ""
                st.markdown(f"**Serve them on:** :green-badge[{md(pref.channel)}]{backup}")
            else:
                st.markdown("**Serve them on:** :orange-badge[No clear preference]")
            st.caption(md(pref.reason))
            shown = [f"{md(m['channel'])} {m['share']:.0%} ({m['low']:.0%}–{m['high']:.0%}), "
                     f"{m['lift']:.1f}× average" for m in card.channel_mix[:4]]
            if shown:
                st.markdown("\n".join(f"- {line}" for line in shown))
        st.markdown(f"**Tone:** :blue-badge[{md(card.tone)}] **Approach:** :violet-badge[{md(card.approach)}]")
        with st.expander("Why this tone and approach"):
            st.markdown(_lines(card.evidence))
        heard = segment_sentence(survey, card.segment) if survey is not None else ""
        if heard:
            st.markdown(":material/forum: **Survey:** " + md(heard))
        if card.values:
            st.markdown("**What they value:** " + md("; ".join(card.values)))
        if card.marketing:
            st.markdown("**Won through:** " + md("; ".join(card.marketing)))
        if card.products:
            st.markdown("**Top products or categories:** " + md("; ".join(card.products)))
        figures = [(label, card.economics.get(key)) for label, key in (("CAC", "cac"), ("LTV", "predicted_ltv"))]
        if any(value is not None for _, value in figures):
            parts = [f"{label} {value:,.0f}" for label, value in figures if value is not None]
            roi = card.economics.get("roi")
            if roi is not None:
                parts.append(f"ROI to date {roi:,.0%}")
            st.markdown("**Economics:** " + md(" · ".join(parts)))
        st.markdown("**Do**\n\n" + "\n".join(f"- :material/check: {md(d)}" for d in card.dos))
        if card.donts:
            st.markdown("**Don't**\n\n" + "\n".join(f"- :material/close: {md(d)}" for d in card.donts))
        widget = _widget_key(ws, card.segment)
        if widget not in st.session_state:
            st.session_state[widget] = team_notes(ws).get(card.segment, "")
        st.text_area("Team notes", key=widget, on_change=_save_note, args=(ws, card.segment, widget),
                     placeholder="What your team knows about these customers", height=80)


def show_cards(ws: Workspace, playbook: pb.Playbook, *, per_row: int = 2) -> None:
    """All cards, ``per_row`` side by side."""
    from segdash.ui.survey import kpis_for

    notes = team_notes(ws)
    survey = kpis_for(ws)
    for card in playbook.cards:
        card.notes = notes.get(card.segment, "")
    if survey is not None and len(survey):
        st.caption(":material/forum: Each card says what the survey of this segmentation found (Survey page): how "
                   "many answered, how many answers agree with the data on file, satisfaction, and the channel and "
                   "tone they asked for.")
    for start in range(0, len(playbook.cards), per_row):
        columns = st.columns(per_row)
        for column, card in zip(columns, playbook.cards[start:start + per_row], strict=False):
            with column:
                show_card(ws, card, survey=survey)


def show_mix(playbook: pb.Playbook) -> None:
    """The test sentence, the channel-mix chart and the notes."""
    st.markdown(f"**{md(pb.mix_plain_sentence(playbook.mix))}**")
    if playbook.mix is None:
        return
    with st.expander("Details for analysts"):
        st.markdown(md(pb.mix_test_sentence(playbook.mix)))
    rows = [{"segment": card.name, **m} for card in playbook.cards for m in card.channel_mix]
    if rows:
        bars, spec = playbook_charts.channel_mix_spec(pd.DataFrame(rows))
        st.vega_lite_chart(bars, spec, width="stretch")
        st.caption("Bars: share of the segment's customers (with a known channel) who prefer each channel; "
                   "point at a bar for its 95% range (Wilson). A channel is called preferred only with at least "
                   f"{ch.MIN_KNOWN} customers and a lead over the next channel that is unlikely to be chance.")
    for note in playbook.notes:
        st.caption(md(note))


def show_crosstab(ws: Workspace, *, source: ch.ChannelSource, mapping: dict[str, str], names: dict[str, str]) -> None:
    """Purchase (or order) channel against service channel, per segment."""
    types = ws.column_types()
    options = [c for c, t in types.items() if t == "text" and ws.roles.get(c) not in ("pii", "id", "service_channel")
               and c != source.column]
    if not options:
        st.caption("The file has no purchase or order channel column to compare with.")
        return
    guess = next((c for c in options if any(w in c.lower() for w in ("purchase", "order", "sales"))), None)
    guess = guess or next((c for c in options if ws.roles.get(c) == "acquisition_channel"), options[0])
    purchase = st.selectbox("Purchase or order channel column", options, index=options.index(guess),
                            key=PURCHASE_COLUMN)
    cross = ws.cached(("playbook.cross", purchase, source, tuple(sorted(mapping.items()))),
                      lambda: ch.purchase_service_crosstab(ws.data, purchase=purchase, source=source, mapping=mapping))
    lines = ch.crosstab_highlights(cross, names=names)
    st.markdown(_lines(lines) if lines else "No group stands out: in each segment, buyers of every channel want "
                "to be served much like everyone else.")
    with st.expander("All combinations"):
        st.dataframe(ch.crosstab_display(cross, names=names, order=list(names)), hide_index=True, width="stretch",
                     column_config={"Customers": st.column_config.NumberColumn(format="%,d")})


def show_routing(playbook: pb.Playbook) -> None:
    """The routing table for the support desk and its downloads (CSV, Excel, Markdown)."""
    table = pb.routing_table(playbook)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Customers": st.column_config.NumberColumn(format="%,d")})
    left, middle, right = st.columns(3)
    left.download_button("Download CSV", pb.routing_csv(table), file_name="routing.csv", mime="text/csv")
    middle.download_button("Download Excel", pb.routing_xlsx(table), file_name="routing.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button("Download Markdown", pb.routing_markdown(table).encode("utf-8"), file_name="routing.md",
                          mime="text/markdown")
