"""Streamlit pieces of the "Over time" page: compare two saved snapshots, objectives and KPIs.

Every key lives here and starts with ``segdash.history.``. The computing is in
:mod:`segdash.history`; results are memoised per session with ``Workspace.cached``.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from segdash.errors import SegdashError
from segdash.history import compare as compare_core
from segdash.history import kpi as kpi_core
from segdash.history import okr as okr_core
from segdash.history.snapshots import Snapshot, load_snapshot, snapshot_choice_label
from segdash.report import history_charts
from segdash.report.export import to_safe_csv, to_safe_xlsx
from segdash.report.text import escape_markdown as md
from segdash.workspace import Workspace

PREFIX = "segdash.history."
#: The page's two tabs (kept across reruns, so saving an objective stays on its tab).
TABS = PREFIX + "tabs"
OLD = PREFIX + "old"
NEW = PREFIX + "new"
MATRIX_SHARES = PREFIX + "matrix_shares"
KPI_PICK = PREFIX + "kpi_pick"
KPI_COLUMN = PREFIX + "kpi_column"
KPI_VALUE = PREFIX + "kpi_value"
KPI_DAYS = PREFIX + "kpi_days"
OBJECTIVE_FORM = PREFIX + "objective_form"
KR_OBJECTIVE = PREFIX + "kr_objective"
KR_KPI = PREFIX + "kr_kpi"
KR_COLUMN = PREFIX + "kr_column"
KR_VALUE = PREFIX + "kr_value"
KR_DAYS = PREFIX + "kr_days"
KR_SEGMENT = PREFIX + "kr_segment"
KR_TARGET = PREFIX + "kr_target"
KR_DUE = PREFIX + "kr_due"
REMOVE_PICK = PREFIX + "remove_pick"
#: The edit picker: ``EDIT_PICK + "." + <a version of the listed wording>``.
EDIT_PICK = PREFIX + "edit_pick"
#: Edit boxes: ``EDIT + <field> + "." + <objective or key result id>`` (pre-filled per item).
EDIT = PREFIX + "edit."

STATUS_ICONS = {"on track": ":material/check_circle:", "at risk": ":material/warning:",
                "behind": ":material/error:", "n/a": ":material/help:"}
NO_PROJECT = ("Comparing over time needs saved segmentations in a project. Open or create a project "
              "(in the sidebar or on the **Projects** page), save your segments on the **Segments** page, "
              "and save them again after loading a newer export: then pick the two here.")


def require_project(ws: Workspace) -> bool:
    """Say plainly what is needed when no project is open. Returns whether one is open."""
    if ws.project is not None:
        return True
    st.info(NO_PROJECT, icon=":material/history:")
    st.page_link("pages/projects.py", label="Go to Projects", icon=":material/folder_open:")
    return False


def listed_snapshots(ws: Workspace) -> list[dict[str, Any]]:
    """The open project's snapshots, oldest first (a store problem is shown and gives none)."""
    try:
        return list(ws.project.segmentations())
    except SegdashError as err:
        st.error(str(err))
        return []


def snapshot(ws: Workspace, snapshot_id: str) -> Snapshot:
    """A loaded snapshot, memoised for this session (its survey results read afresh: a verdict may be new)."""
    from dataclasses import replace

    from segdash.survey.results import survey_kpis

    loaded = ws.cached(("history.snapshot", ws.project.id, snapshot_id), lambda: load_snapshot(ws.project, snapshot_id))
    return replace(loaded, survey=survey_kpis(ws.project).get(snapshot_id))


# -- compare ------------------------------------------------------------------------------------------
def pick_two(entries: list[dict[str, Any]]) -> tuple[str, str] | None:
    """Two selectboxes (before, now); defaults: the two newest. ``None`` when the same is picked twice."""
    ids = [e["id"] for e in entries]
    labels = {e["id"]: snapshot_choice_label(e) for e in entries}
    left, right = st.columns(2)
    old = left.selectbox("Before", ids, index=len(ids) - 2, format_func=labels.get, key=OLD,
                         help="The earlier saved segmentation.")
    new = right.selectbox("Now", ids, index=len(ids) - 1, format_func=labels.get, key=NEW,
                          help="The later saved segmentation (usually the same segmentation on a newer export).")
    if old == new:
        st.warning("Pick two different saved segmentations to compare.")
        return None
    return old, new


def comparison(ws: Workspace, old_id: str, new_id: str) -> compare_core.Comparison:
    """The comparison of two snapshots, memoised for this session."""
    def run() -> compare_core.Comparison:
        with st.spinner("Comparing the two snapshots ..."):
            return compare_core.compare_snapshots(ws.project, snapshot(ws, old_id), snapshot(ws, new_id))

    return ws.cached(("history.compare", ws.project.id, old_id, new_id), run)


def show_comparison(result: compare_core.Comparison) -> None:
    """Sentences, headline figures, the Sankey and the detail tabs."""
    for sentence in result.sentences():
        st.markdown(f"- {md(sentence)}")
    cols = st.columns(4)
    cols[0].metric("Stayed in their segment", "n/a" if result.stayed_share is None else f"{result.stayed_share:.0%}",
                   help="Of the customers in both snapshots" + ("" if result.same_segments else
                                                                 ", staying in the matched segment"))
    cols[1].metric("New customers", f"{result.new_customers:,}")
    cols[2].metric("Gone customers", f"{result.gone_customers:,}")
    cols[3].metric("How alike the two groupings are", "n/a" if result.ari is None else f"{result.ari:.2f}",
                   help="1 means the two snapshots group customers the same way; 0 means no more alike than chance "
                        "(for analysts: the adjusted Rand index).")
    old, new = result.old, result.new
    st.plotly_chart(history_charts.sankey(result.transitions, old_names=old.names, new_names=new.names,
                                          old_title=f"Before: {old.title}", new_title=f"Now: {new.title}"),
                    width="stretch", key=PREFIX + "sankey")
    for note in result.notes:
        st.caption(md(note))
    tabs = ["Transitions", "Size change", "Largest flows", "Drift"] + ([] if result.same_segments else ["Matching"])
    shown = st.tabs(tabs)
    with shown[0]:
        shares = st.toggle("Show row shares (each row adds up to 100%)", key=MATRIX_SHARES)
        matrix = compare_core.transition_matrix(result.transitions, shares=shares, old_names=old.names,
                                                new_names=new.names)
        st.caption("Rows: the segment before (and new customers). Columns: the segment now (and gone customers).")
        if shares:
            st.dataframe((matrix * 100).round(1), width="stretch",
                         column_config={c: st.column_config.NumberColumn(c, format="%.1f%%") for c in matrix.columns})
        else:
            st.dataframe(matrix, width="stretch")
    with shown[1]:
        sizes = size_frame(result)
        st.plotly_chart(history_charts.size_change_bars(sizes.rename(columns={"Segment": "segment", "Before": "old",
                                                                              "Now": "new"})),
                        width="stretch", key=PREFIX + "sizes")
        st.dataframe(sizes, hide_index=True, width="stretch",
                     column_config={"Change %": st.column_config.NumberColumn(format="%+.0f%%")})
    with shown[2]:
        moves = result.same_segments
        st.caption("Customers who stayed in their segment are left out." if moves else
                   "All flows between the two segmentations.")
        left, right = st.columns(2)
        left.markdown("**Largest in customers**")
        left.dataframe(compare_core.named_flows(result, compare_core.largest_flows(result.transitions,
                                                                                    moves_only=moves)),
                       hide_index=True, width="stretch",
                       column_config={"Revenue": st.column_config.NumberColumn(format="%,.0f")})
        right.markdown("**Largest in revenue**")
        by_revenue = compare_core.largest_flows(result.transitions, by="revenue", moves_only=moves)
        if by_revenue.empty:
            right.caption("No revenue column in the exports, so flows cannot be measured in revenue.")
        else:
            right.dataframe(compare_core.named_flows(result, by_revenue), hide_index=True, width="stretch",
                            column_config={"Revenue": st.column_config.NumberColumn(format="%,.0f")})
            right.caption(f"Revenue from '{md(result.revenue_column)}': the newer export's figure "
                          "(the older one for customers who are gone).")
    with shown[3]:
        if result.drift.empty:
            st.info("No attribute to compare between the two exports.")
        else:
            st.plotly_chart(history_charts.drift_bars(result.drift), width="stretch", key=PREFIX + "drift")
            st.dataframe(compare_core.drift_display(result.drift), hide_index=True, width="stretch",
                         column_config={"PSI": st.column_config.NumberColumn(format="%.3f"),
                                        "Full question": st.column_config.TextColumn(
                                            help="The survey question behind a short label")})
            st.caption("Population stability index: under 0.1 the attribute drifted little, 0.1-0.25 moderately, "
                       "0.25 or more strongly. Numbers are cut at the deciles of the earlier export; dates are "
                       "compared as days before each export's latest date (so tenure and recency, not the "
                       "calendar); each category is its own group; missing values are a group of their own.")
    if not result.same_segments:
        with shown[4]:
            matching = result.matching
            st.dataframe(pd.DataFrame({
                "Before": [old.display(v) for v in matching["old"]],
                "Matches now": [new.display(v) for v in matching["new"]],
                "Customers in both": matching["overlap"],
                "Share of the old segment": matching["share_of_old"] * 100,
                "Overlap (Jaccard)": matching["jaccard"],
                "One-to-one": matching["one_to_one"],
            }), hide_index=True, width="stretch",
                column_config={"Share of the old segment": st.column_config.NumberColumn(format="%.0f%%"),
                               "Overlap (Jaccard)": st.column_config.NumberColumn(format="%.2f")})
            st.caption("Each old segment is matched to the new one that keeps most of its customers together "
                       "(one new segment per old one where possible).")


def size_frame(result: compare_core.Comparison) -> pd.DataFrame:
    """Size change per segment with display names."""
    sizes = result.sizes
    names = [result.new.display(s) if s in result.new.names else result.old.display(s) for s in sizes["segment"]]
    return pd.DataFrame({"Segment": names, "Before": sizes["old"], "Now": sizes["new"], "Change": sizes["change"],
                         "Change %": sizes["change_pct"] * 100})


# -- objectives and KPIs ---------------------------------------------------------------------------
def _kpi_inputs(snap: Snapshot, *, keys: tuple[str, str, str, str], label: str) -> kpi_core.Kpi | None:
    """A KPI picker with the column / category / days it needs (from the newest snapshot's export)."""
    metric_key, column_key, value_key, days_key = keys
    metrics = list(kpi_core.METRICS)
    metric = st.selectbox(label, metrics, format_func=lambda m: kpi_core.METRICS[m][0], key=metric_key)
    needs = kpi_core.METRICS[metric][1]
    column = value = days = None
    if needs:
        options = kpi_core.kpi_columns(snap, metric)
        if not options:
            st.caption(f"The newest export has no {needs} column for this KPI.")
            return None
        column = st.selectbox("Column", options, key=column_key)
        if metric == "category_share":
            values = kpi_core.category_values(snap, column)
            if not values:
                st.caption("That column has no values.")
                return None
            value = st.selectbox("Category", values, key=value_key)
        if metric == "active_share":
            days = int(st.number_input("Active within the last ... days", min_value=1, max_value=3650, value=90,
                                       step=1, key=days_key))
    try:
        return kpi_core.Kpi(metric, column=column, value=value, days=days)
    except SegdashError as err:
        st.error(str(err))
        return None


def _names(snapshots: list[Snapshot]) -> dict[str, str]:
    names: dict[str, str] = {}
    for snap in snapshots:
        names.update(snap.names)
    return names


def live_roi_inputs(ws: Workspace) -> dict[str, dict[str, Any]]:
    """The Acquisition & ROI page's current inputs for the snapshot that is open (``{}`` if none typed).

    Other snapshots use the inputs saved with them (:func:`segdash.history.kpi.saved_roi_inputs`).
    """
    import json

    from segdash.economics import SAVED_INPUTS_PREFIX
    from segdash.ui import state

    if not ws.snapshot_id:
        return {}
    values = {}
    for key, value in st.session_state.get(state.KEPT_VALUES, {}).items():
        if str(key).startswith(SAVED_INPUTS_PREFIX):
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                continue  # e.g. the spend period (dates): not kept with a snapshot either
            values[key] = value
    return {ws.snapshot_id: values} if values else {}


def kpi_history(ws: Workspace, snapshots: list[Snapshot], kpis: list[kpi_core.Kpi]) -> pd.DataFrame:
    """KPI values on every snapshot (economics with the ROI page's inputs), memoised for this session."""
    roi_inputs = live_roi_inputs(ws)
    survey = tuple((s.id, s.survey.to_json()) for s in snapshots if s.survey is not None)
    key = ("history.kpis", ws.project.id, tuple(s.id for s in snapshots), tuple(k.key for k in kpis),
           repr(sorted((sid, sorted(v.items(), key=str)) for sid, v in roi_inputs.items())), survey)

    def run() -> pd.DataFrame:
        with st.spinner("Working out the KPIs on every saved snapshot ..."):
            return kpi_core.kpi_history(snapshots, kpis, roi_inputs=roi_inputs)

    return ws.cached(key, run)


def kpi_explorer(ws: Workspace, snapshots: list[Snapshot]) -> None:
    """One KPI per segment and per snapshot."""
    st.subheader("KPIs per segment", anchor=False)
    st.caption("Any figure segdash works out, for every segment, on every saved snapshot of this project.")
    chosen = _kpi_inputs(snapshots[-1], keys=(KPI_PICK, KPI_COLUMN, KPI_VALUE, KPI_DAYS), label="KPI")
    if chosen is None:
        return
    history = kpi_history(ws, snapshots, [chosen])
    st.dataframe(kpi_core.kpi_table(history, chosen, names=_names(snapshots)), hide_index=True, width="stretch")
    if chosen.metric in kpi_core.ECONOMICS:
        st.caption(economics_caption(ws, snapshots))
    if chosen.metric == "active_share":
        st.caption("'Active' counts customers whose date is within that many days of the latest date in the same "
                   "export (an export is a picture of one moment).")


def survey_section(ws: Workspace, snapshots: list[Snapshot]) -> None:
    """What the newest surveyed snapshot's survey found per segment (the survey KPIs)."""
    from segdash.survey.results import kpi_table

    st.subheader("Survey results per segment", anchor=False)
    surveyed = [s for s in snapshots if s.survey is not None and len(s.survey)]
    if not surveyed:
        st.caption("No survey verdict is saved for a snapshot yet. Survey a saved segmentation on the **Survey** "
                   "page: its confirmation rate and satisfaction then become KPIs here.")
        return
    newest = surveyed[-1]
    st.caption(f"From the survey of '{md(newest.title)}'. The confirmation rate and the average satisfaction are "
               "also KPIs: pick them in a key result or in the table below.")
    st.dataframe(kpi_table(newest.survey, names=newest.names), hide_index=True, width="stretch",
                 column_config={"Confirmed %": st.column_config.NumberColumn(format="%.0f%%"),
                                "Average satisfaction": st.column_config.NumberColumn(format="%.1f")})


def economics_caption(ws: Workspace, snapshots: list[Snapshot]) -> str:
    """Which Acquisition & ROI inputs the economics KPIs used, in words."""
    live = set(live_roi_inputs(ws))
    saved = [s for s in snapshots if s.id in live or kpi_core.saved_roi_inputs(s)]
    words = ("Worked out as on the Acquisition & ROI page, with the inputs saved with each snapshot "
             "(columns, cost source, spend per channel, margin, lifetime, discount)")
    if live:
        words += "; for the snapshot that is open, the page's current inputs"
    if len(saved) < len(snapshots):
        words += (". A snapshot saved without them uses the page's defaults (the columns it suggests, "
                  "40% margin, 36 months lifetime)")
    return words + "."


def objectives_section(ws: Workspace, snapshots: list[Snapshot], *, today: date | None = None) -> None:
    """The OKR table, a small chart per key result, exports, and forms to add or remove."""
    st.subheader("Objectives and key results", anchor=False)
    objectives = okr_core.load_objectives(ws.project)
    names = _names(snapshots)
    if objectives and any(o.key_results for o in objectives):
        history = kpi_history(ws, snapshots, okr_core.all_kpis(objectives))
        evaluated = okr_core.evaluate(objectives, history, today=today, names=names)
        for sentence in okr_core.status_sentences(objectives, evaluated):
            st.markdown(f"- {md(sentence)}")
        table = okr_core.export_table(evaluated)
        st.dataframe(table[list(okr_core.SCREEN_COLUMNS)], hide_index=True, width="stretch",
                     column_config={"Key result": st.column_config.TextColumn(width="large")})
        left, right = st.columns(2)
        left.download_button("Download the OKR table (CSV)", to_safe_csv(table), file_name="okrs.csv",
                             mime="text/csv", key=PREFIX + "csv")
        right.download_button("Download the OKR table (Excel)", to_safe_xlsx(table, sheet="OKRs"),
                              file_name="okrs.xlsx", key=PREFIX + "xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.caption("Progress is measured from the value when the key result was set to the target; the status "
                   "compares it with the share of time gone by: on track, at risk (up to 25 points behind the "
                   "calendar) or behind.")
        charts = st.columns(3)
        position = 0
        for objective in objectives:
            for kr in objective.key_results:
                row = evaluated[evaluated["key_result_id"] == kr.id].iloc[0]
                series = okr_core.series_for(kr, history)
                with charts[position % 3]:
                    title = f"{row['Segment']}: {kr.kpi.label}"
                    st.plotly_chart(history_charts.key_result_chart(
                        series, target=kr.target, unit=kr.kpi.unit, title=title),
                        width="stretch", key=PREFIX + f"kr.{kr.id}", config={"displayModeBar": False})
                    st.caption(f"{STATUS_ICONS.get(row['Status'], '')} {md(row['Status'])} · progress "
                               f"{md(row['Progress %'])}" + (f" · {md(row['Note'])}" if row["Note"] else ""))
                position += 1
    elif objectives:
        st.info("Add a key result to an objective below to follow it.")
    else:
        st.info("No objectives yet. Write one in words below, then add key results: a KPI, a segment, a target "
                "and a date.")
    _add_objective(ws, objectives)
    if objectives:
        _add_key_result(ws, objectives, snapshots[-1])
        _edit(ws, objectives, snapshots[-1])
        _remove(ws, objectives)


def _save(ws: Workspace, objectives: list[okr_core.Objective], message: str) -> None:
    from segdash.ui import state

    try:
        okr_core.save_objectives(ws.project, objectives)
    except SegdashError as err:
        st.error(str(err))
        return
    state.flash(message)
    st.rerun()


def _add_objective(ws: Workspace, objectives: list[okr_core.Objective]) -> None:
    with st.form(OBJECTIVE_FORM, clear_on_submit=True):
        title = st.text_input("New objective", placeholder="e.g. Grow our loyal phone customers")
        if st.form_submit_button("Add objective", icon=":material/flag:"):
            try:
                objective = okr_core.new_objective(title)
            except SegdashError as err:
                st.error(str(err))
                return
            _save(ws, [*objectives, objective], f"Added the objective '{objective.title}'.")


def _add_key_result(ws: Workspace, objectives: list[okr_core.Objective], newest: Snapshot) -> None:
    with st.expander("Add a key result", expanded=not any(o.key_results for o in objectives)):
        ids = [o.id for o in objectives]
        titles = {o.id: o.title for o in objectives}
        objective_id = st.selectbox("Objective", ids, format_func=titles.get, key=KR_OBJECTIVE)
        kpi = _kpi_inputs(newest, keys=(KR_KPI, KR_COLUMN, KR_VALUE, KR_DAYS), label="KPI")
        segments = [kpi_core.ALL, *sorted(newest.sizes, key=lambda s: newest.display(s))]
        segment = st.selectbox("Segment", segments, key=KR_SEGMENT,
                               format_func=lambda s: kpi_core.ALL_NAME if s == kpi_core.ALL else newest.display(s))
        left, right = st.columns(2)
        unit = kpi.unit if kpi is not None else ""
        target = left.number_input(f"Target ({unit})" if unit else "Target", value=0.0, step=1.0, key=KR_TARGET)
        due = right.date_input("By", value=date.today() + timedelta(days=90), min_value=date.today() + timedelta(days=1),
                               key=KR_DUE)
        if st.button("Add key result", icon=":material/add_task:", disabled=kpi is None, key=PREFIX + "add_kr"):
            try:
                key_result = okr_core.new_key_result(kpi, segment=segment, target=target, due=due)
            except SegdashError as err:
                st.error(str(err))
                return
            for objective in objectives:
                if objective.id == objective_id:
                    objective.key_results.append(key_result)
            _save(ws, objectives, "Added the key result.")


def _choices(objectives: list[okr_core.Objective], *, whole: str) -> tuple[list[tuple[str, str | None]],
                                                                         dict[tuple[str, str | None], str]]:
    """Pick-list entries: each objective and each of its key results."""
    options: list[tuple[str, str | None]] = []
    labels: dict[tuple[str, str | None], str] = {}
    for objective in objectives:
        options.append((objective.id, None))
        labels[(objective.id, None)] = f"Objective: {objective.title}{whole}"
        for kr in objective.key_results:
            options.append((objective.id, kr.id))
            labels[(objective.id, kr.id)] = f"Key result: {kr.kpi.label} ({objective.title})"
    return options, labels


def _edit(ws: Workspace, objectives: list[okr_core.Objective], newest: Snapshot) -> None:
    """Reword an objective, or change a key result's target, date or segment (saved in the project)."""
    with st.expander("Edit an objective or a key result"):
        options, labels = _choices(objectives, whole="")
        # the key follows the wording, so a reworded objective shows its new words in the box at once
        version = zlib.crc32("\x1f".join(labels.values()).encode())
        picked = st.selectbox("What to edit", options, format_func=labels.get, key=f"{EDIT_PICK}.{version}")
        if picked is None:
            return
        objective_id, kr_id = picked
        objective = next(o for o in objectives if o.id == objective_id)
        if kr_id is None:
            title = st.text_input("Objective in words", value=objective.title, key=f"{EDIT}title.{objective_id}")
            if st.button("Save the objective", icon=":material/save:", key=PREFIX + "edit_save_objective"):
                try:
                    edited = okr_core.edit_objective(objectives, objective_id, title=title)
                except SegdashError as err:
                    st.error(str(err))
                    return
                _save(ws, edited, "Saved the objective.")
            return
        kr = next(k for k in objective.key_results if k.id == kr_id)
        segments = [kpi_core.ALL, *sorted(newest.sizes, key=lambda s: newest.display(s))]
        if kr.segment not in segments:
            segments.append(kr.segment)
        segment = st.selectbox("Segment", segments, index=segments.index(kr.segment), key=f"{EDIT}segment.{kr_id}",
                               format_func=lambda s: kpi_core.ALL_NAME if s == kpi_core.ALL else newest.display(s))
        left, right = st.columns(2)
        target = left.number_input(f"Target ({kr.kpi.unit})", value=float(kr.target), step=1.0,
                                   key=f"{EDIT}target.{kr_id}")
        due = right.date_input("By", value=kr.due, min_value=kr.start + timedelta(days=1), key=f"{EDIT}due.{kr_id}")
        st.caption(f"{md(kr.kpi.label)}, set on {kr.start.isoformat()}: progress is still measured from then.")
        if st.button("Save the key result", icon=":material/save:", key=PREFIX + "edit_save_kr"):
            try:
                edited = okr_core.edit_key_result(objectives, kr_id, target=target, due=due, segment=segment)
            except SegdashError as err:
                st.error(str(err))
                return
            _save(ws, edited, "Saved the key result.")


def _remove(ws: Workspace, objectives: list[okr_core.Objective]) -> None:
    with st.expander("Remove an objective or a key result"):
        options, labels = _choices(objectives, whole=" (and its key results)")
        picked = st.selectbox("What to remove", options, format_func=labels.get, key=REMOVE_PICK)
        if st.button("Remove", icon=":material/delete:", key=PREFIX + "remove"):
            objective_id, kr_id = picked
            kept = []
            for objective in objectives:
                if objective.id != objective_id:
                    kept.append(objective)
                elif kr_id is not None:
                    objective.key_results = [k for k in objective.key_results if k.id != kr_id]
                    kept.append(objective)
            _save(ws, kept, "Removed.")
