"""Streamlit pieces of the Profiles page (the page itself only lays them out)."""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from segdash import profile as prof
from segdash.labels import questions_help
from segdash.report import plain, segment_charts
from segdash.report import profile_charts as charts
from segdash.segment import workspace_profile
from segdash.ui import state
from segdash.ui.components import segment_colors, sizes_chart
from segdash.workspace import Workspace

#: Most segment cards drawn (the rest are in the tables).
MAX_CARDS = 12
#: Customers shown on screen in the drill-down (the download has all of them).
DRILL_ROWS = 200
_KEY = "segdash.profiles."

#: The Profiles page's sections, in order (the tabs are its table of contents).
SECTIONS = ("At a glance", "What sets them apart", "Are the differences real?", "Map of customers",
            "Compare one attribute", "Customers in a segment")
#: The open section (tab): only its content is computed and drawn (issue 14: the browser drew every
#: tab's charts on each visit, hidden or not).
SECTION_TAB = _KEY + "section"

METHOD_NOTE = (
    "How this is checked: numbers are compared with ANOVA, or with the Kruskal-Wallis test when they "
    "are skewed (like spend), on up to 2,000 customers per segment; categories with a chi-square test "
    "on all customers. The chance that a difference is luck is corrected for testing many attributes "
    "at once (Benjamini-Hochberg). **Differs?** is *Yes* when that chance is under 5% and the "
    "strength is at least small (eta squared ≥ 0.01 or Cramér's V ≥ 0.1)."
)


def load_profile(ws: Workspace) -> prof.Profile:
    """The current segmentation's profile (computed once per segmentation, with a spinner).

    Segments whose label says nothing ("3", "Segment 2") get their suggested name unless the
    user already named them.

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).

    Returns
    -------
    segdash.profile.Profile
    """
    with st.spinner("Profiling your segments..."):
        profile = workspace_profile(ws)  # reuses the aggregates a clustering run named its segments from
    for label, name in profile.names.items():
        if label not in ws.segment_names and prof.is_generic_label(label):
            ws.rename_segment(label, name)
    return profile


def _unit(ws: Workspace) -> str:
    """What one labelled row is: ``"customers"``, or ``"order lines"`` for RFM on a transactions file."""
    seg = ws.segmentation
    return str(seg.extra.get("unit", "customers")) if seg is not None else "customers"


def _names(ws: Workspace, profile: prof.Profile) -> dict[str, str]:
    return ws.display_names(profile.sizes["segment"])


def show_verdict_and_sizes(ws: Workspace, *, profile: prof.Profile) -> None:
    """The one-line verdict, notes, and the sizes chart and table.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    if len(profile.sizes) < 2:
        st.warning(profile.verdict)
    else:
        st.markdown(f"**{prof.escape_markdown(profile.verdict)}**")
    names = _names(ws, profile)
    for note in profile.display_notes(names):
        st.caption(prof.escape_markdown(note))
    summary = prof.segment_summary(profile, names=names)
    unit = _unit(ws)
    if unit != "customers":
        st.info(f"Your file has one row per {unit[:-1]}, so the sizes and figures below count {unit}, "
                "not customers. The Segments page shows how many customers each RFM group holds.",
                icon=":material/info:")
    left, right = st.columns([1, 1])
    with left:
        # keyed by label, as on Segments: the same order, the same grey for "Not segmented" whatever its name
        sizes_chart(ws, dict(zip(summary["label"], summary["customers"], strict=True)),
                    names=dict(zip(summary["label"], summary["segment"], strict=True)), unit=unit, key=_KEY + "sizes")
    with right:
        with st.popover("Rename segments", icon=":material/edit:"):
            show_rename_form(ws, profile=profile)
        table = pd.DataFrame({"Segment": summary["segment"], unit.capitalize(): summary["customers"],
                              "Share": summary["share"] * 100})
        st.dataframe(
            table, hide_index=True, width="stretch",
            column_config={unit.capitalize(): st.column_config.NumberColumn(format="localized"),
                           "Share": st.column_config.NumberColumn(format="%.1f%%")},
        )
        st.caption(f"Total: {int(summary['customers'].sum()):,} {unit}")


def show_cards(ws: Workspace, *, profile: prof.Profile) -> None:
    """One bordered card per segment: name, size, top traits and a small comparison chart.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    names = _names(ws, profile)
    sizes = profile.sizes.head(MAX_CARDS)
    columns = st.columns(3 if len(sizes) > 4 else max(len(sizes), 1))
    for i, row in enumerate(sizes.itertuples(index=False)):
        top = profile.top_traits[profile.top_traits["segment"] == row.segment]
        with columns[i % len(columns)], st.container(border=True):
            st.markdown(f"#### {prof.escape_markdown(names[row.segment])}")
            st.caption(f"{row.customers:,} {_unit(ws)} · {row.share:.0%} of all")
            if top.empty:
                st.write("Close to average on every attribute.")
            else:
                st.markdown("\n".join(f"- {prof.escape_markdown(text)}" for text in top["text"]))
                # built once per segmentation, not on every rerun (issue 14): the cards are the page's first view
                bars, spec = ws.cached(("profile", "card_chart", row.segment), lambda top=top: charts.comparison_spec(top))
                st.vega_lite_chart(bars, spec, key=f"{_KEY}card{i}", width="stretch")
    if len(profile.sizes) > MAX_CARDS:
        st.caption(f"Cards for the {MAX_CARDS} largest segments; every segment is in the tables below.")
    asked = questions_help([a.name for a in profile.attributes], labels=ws.column_labels)
    if asked:
        st.caption(":material/quiz: Some columns are survey questions: they are shown by a short label. Hover the "
                   "question mark for each one in full.", help=asked)


def show_heatmap(ws: Workspace, *, profile: prof.Profile) -> None:
    """Segments x traits heatmap.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    if profile.traits.empty:
        st.info("No attribute to profile: every column is personal data or an id.")
        return
    quiet = prof.quiet_attributes(profile.traits)
    note = f" Left out because every segment is about average on them: {', '.join(quiet)}." if quiet else ""
    st.caption("Blue: higher than average; red: lower. Where more is worse (marked “fewer is better”, such as "
               "days since the last purchase), the colours swap, so blue is always the good side. "
               "Hover a square for the figures." + note)
    st.plotly_chart(charts.traits_heatmap(profile.traits, names=_names(ws, profile), hide_quiet=True),
                    key=_KEY + "heatmap", width="stretch")


def show_traits(ws: Workspace, *, profile: prof.Profile) -> None:
    """The "What sets them apart" section: the heatmap, and every trait as a table on request.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The segments' profile.
    """
    show_heatmap(ws, profile=profile)
    with st.expander("All traits as a table"):
        show_traits_table(ws, profile=profile)


def show_traits_table(ws: Workspace, *, profile: prof.Profile) -> None:
    """All traits: each segment next to everyone, with the lift.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    st.caption("Average (numbers) or share (categories); in brackets: compared with everyone (1.0x = same).")
    st.dataframe(prof.traits_table(profile.traits, names=_names(ws, profile)), hide_index=True, width="stretch",
                 column_config={"Full question": st.column_config.TextColumn(
                     "Full question", help="The survey question behind a short label (hover a cell to read it)")})


def show_proof(ws: Workspace, *, profile: prof.Profile) -> None:
    """The tests table, merge suggestions, and how it was checked.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    if len(profile.sizes) < 2:
        st.info("Only one segment: there is nothing to compare. Segment again with at least two segments.")
        return
    st.dataframe(plain.tests_table(profile.tests), hide_index=True, width="stretch")
    for sentence in prof.merge_suggestions(profile.pairs, names=_names(ws, profile)):
        st.warning(prof.escape_markdown(sentence))
    with st.expander("Details for analysts"):
        st.dataframe(prof.tests_table(profile.tests), hide_index=True, width="stretch")
        st.caption(METHOD_NOTE)


def show_map(ws: Workspace, *, profile: prof.Profile) -> None:
    """2-D map of up to 3,000 customers coloured by segment.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    points = ws.segmentation.map_points() if ws.segmentation is not None else None
    explained = points.attrs.get("explained", []) if points is not None else []
    if points is None:
        features = list(getattr(ws.segmentation, "features", []) or [])
        points = ws.cached(("profile", "map"), lambda: prof.pca_map(ws.data, attributes=profile.attributes,
                                                                    features=features))
        explained = points.attrs.get("explained", [])
    points = points.head(3000)
    if points.empty:
        st.info("The map needs at least two number columns.")
        return
    names = _names(ws, profile)
    named = points.assign(segment=points["segment"].astype(str).map(lambda s: names.get(s, s)))
    kept = f" This flat picture keeps about {sum(explained[:2]):.0%} of how customers differ." if explained else ""
    st.caption(f"Each dot is a customer ({len(named):,} drawn at random). Customers close together are alike."
               + kept)
    st.plotly_chart(charts.pca_map_chart(named, order=[names[s] for s in profile.sizes["segment"]],
                                         colours=segment_colors(ws)),
                    key=_KEY + "map", width="stretch")


def show_distribution(ws: Workspace, *, profile: prof.Profile) -> None:
    """Box or violin plot of a chosen number per segment (from a sample).

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    numeric = [a for a in profile.attributes if a.numeric]
    if not numeric:
        st.info("There is no number column to compare.")
        return
    left, right = st.columns([3, 1])
    attribute = left.selectbox("Attribute", numeric, format_func=lambda a: a.label,
                               key=state.kept(_KEY + "dist_attr", options=numeric),
                               help=questions_help([a.name for a in numeric], labels=ws.column_labels))
    shape = right.radio("Chart", ["Box", "Violin"], horizontal=True,
                        key=state.kept(_KEY + "dist_kind", default="Box", options=["Box", "Violin"]))
    sizes = dict(zip(profile.sizes["segment"], profile.sizes["customers"].astype(int), strict=True))
    sample = ws.cached(("profile", "dist", attribute.name),
                       lambda: prof.distribution_sample(ws.data, attribute=attribute, sizes=sizes))
    names = _names(ws, profile)
    named = sample.assign(segment=sample["segment"].map(lambda s: names.get(s, s)))
    st.plotly_chart(
        charts.distribution_chart(named, label=attribute.label, kind=shape.lower(),
                                  order=[names[s] for s in profile.sizes["segment"]], colours=segment_colors(ws)),
        key=_KEY + "dist", width="stretch",
    )
    st.caption("Box: the middle half of customers, the line is the median and the dashed line the average "
               "(up to 1,000 customers per segment).")


def show_drilldown(ws: Workspace, *, profile: prof.Profile) -> None:
    """Pick a segment, see its customers, download them as CSV (personal data only on request).

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    labels = list(profile.sizes["segment"])
    names = _names(ws, profile)
    left, right = st.columns([3, 2])
    # the key follows the names, so a renamed segment shows its new name in the box at once
    names_version = zlib.crc32("\x1f".join(names.values()).encode())
    label = left.selectbox("Segment", labels, format_func=lambda s: names[s],
                           key=state.kept(f"{_KEY}drill_segment.{names_version}", options=labels))
    show_personal = right.toggle("Show personal data (names, emails, phones)",
                                 key=state.kept(_KEY + "drill_pii", default=False))
    columns = prof.drilldown_columns(ws.roles, show_personal=show_personal)
    size = int(profile.sizes.loc[profile.sizes["segment"] == label, "customers"].iloc[0])
    rows = prof.segment_customers(ws.data, segment=label, columns=columns, limit=DRILL_ROWS)
    types = ws.column_types()
    dates = {c: st.column_config.DateColumn(format="YYYY-MM-DD") for c in columns if types.get(c) == "date"}
    st.dataframe(rows, hide_index=True, width="stretch", column_config=dates)
    st.caption(f"Showing {len(rows):,} of {size:,} customers." + ("" if show_personal else
               " Personal data is hidden."))
    st.download_button(
        f"Download all {size:,} customers (CSV)",
        data=lambda: segment_download(ws, label=label, show_personal=show_personal),
        file_name="segment_customers.csv", mime="text/csv", key=_KEY + "drill_download",
        icon=":material/download:",
    )


def segment_download(ws: Workspace, *, label: str, show_personal: bool) -> bytes:
    """A segment's customers as safe CSV, read through its own cursor.

    Streamlit runs a download's callable in a worker thread, possibly while the session reruns
    and queries ``ws.con``; a DuckDB connection must not be shared between threads, so the
    export uses a cursor of its own, closed afterwards.

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).
    label
        Segment label.
    show_personal
        Include personal-data columns.

    Returns
    -------
    bytes
        The CSV (see :func:`segdash.profile.segment_csv`).
    """
    with ws.cursor_data() as data:
        return prof.segment_csv(data, segment=label, roles=ws.roles, name=ws.display_name(label),
                                show_personal=show_personal)


def _apply_names(ws: Workspace, labels: list[str]) -> None:
    for i, label in enumerate(labels):
        key = f"{_KEY}rename.{ws.segmentation_id}.{i}"
        if key in st.session_state:
            ws.rename_segment(label, st.session_state[key])
    state.flash("Segment names saved. They are used on every page and in exports.")


def _use_suggested(ws: Workspace, profile: prof.Profile) -> None:
    for i, label in enumerate(profile.sizes["segment"]):
        ws.rename_segment(label, profile.names.get(label, label))
        st.session_state.pop(f"{_KEY}rename.{ws.segmentation_id}.{i}", None)
    state.flash("Suggested names applied.")


def show_rename_form(ws: Workspace, *, profile: prof.Profile) -> None:
    """A small form: one name box per segment, saved for every page.

    Parameters
    ----------
    ws
        The session's workspace.
    profile
        The current segmentation's profile (:func:`load_profile`).
    """
    labels = list(profile.sizes["segment"])
    with st.form(_KEY + "rename_form", border=True):
        st.caption("Give segments names your team will recognise. Suggested names come from their top traits.")
        for i, label in enumerate(labels):
            head = label if label.lower().startswith("segment") else f"Segment {label}"
            st.text_input(
                prof.escape_markdown(f"{head} (suggested: {profile.names.get(label, label)})"),
                value=ws.display_name(label), max_chars=80, key=f"{_KEY}rename.{ws.segmentation_id}.{i}",
            )
        st.form_submit_button("Save names", type="primary", on_click=_apply_names, args=(ws, labels))
    st.button("Use the suggested names", on_click=_use_suggested, args=(ws, profile), key=_KEY + "suggested")


def show_sizes_only(ws: Workspace) -> None:
    """The segments' sizes (known from the segmentation itself), when the full profile cannot be made.

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).
    """
    seg = ws.segmentation
    if seg is None:
        return
    names = ws.display_names(seg.sizes)
    unit = _unit(ws)
    sizes_chart(ws, seg.sizes, names=names, unit=unit, key=_KEY + "sizes_only")
    st.dataframe(segment_charts.sizes_table(seg.sizes, names=names), hide_index=True, width="stretch",
                 key=_KEY + "sizes_only_table", column_config={
                     "Customers": st.column_config.NumberColumn(unit.capitalize(), format="localized"),
                     "Share": st.column_config.NumberColumn("Share", format="%.1f%%")})
