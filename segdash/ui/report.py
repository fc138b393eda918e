"""Streamlit pieces of the "Report & exports" page: the meeting report, the workbook, the labels CSV.

Every key lives here and starts with ``segdash.report.``. The files are made when a download
button is clicked (Streamlit runs the callable then, on another thread: database work there uses
its own cursor); what they are made from (profile, economics, sections) is computed once per
segmentation and memoised in the workspace.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from segdash.economics import EconomicsResult
from segdash.report import meeting, workbook
from segdash.report.text import escape_markdown as md
from segdash.segment import PROFILE_CACHE_KEY, workspace_profile
from segdash.ui import state
from segdash.workspace import Workspace

PREFIX = "segdash.report."
TITLE = PREFIX + "title"
SUMMARY = PREFIX + "summary"
SECTIONS = PREFIX + "sections"
#: The sections offered on the last run (a new one is added to the choice).
OFFERED = PREFIX + "offered"
PAPER = PREFIX + "paper"
LABEL_COLUMNS = PREFIX + "label_columns"
CONFIRM_PERSONAL = PREFIX + "confirm_personal"


def _economics(ws: Workspace) -> EconomicsResult | None:
    """The economics as last set up on the Acquisition & ROI page, else the defaults (40% margin)."""
    if ws.segmentation is None or ws.segmentation.extra.get("unit", "customers") != "customers":
        return None
    last = st.session_state.get(state.ROI_RESULT)
    if last is not None and last[0] == (ws.data_id, ws.segmentation_id):
        return last[1]
    return meeting.workspace_economics(ws)


def _page_summaries(ws: Workspace) -> dict[str, Any]:
    """Feature summaries, preferring what this session's pages built (edited playbook rules, the
    latest survey verdict) over what is saved."""
    from segdash.report import features
    from segdash.ui import survey

    overrides = {"survey": lambda: survey.report_summary_for(ws) or features.survey_summary(ws)}
    last = st.session_state.get(state.PLAYBOOK_RESULT)
    if last is not None and last[0] == (ws.data_id, ws.segmentation_id):
        overrides["playbook"] = lambda: features.playbook_summary(ws, playbook=last[1])
    return features.summaries(ws, overrides=overrides)


def feature_sections(ws: Workspace) -> list[meeting.Section]:
    """Sections of other features (playbook, survey, OKRs, changes since the previous snapshot).

    See :mod:`segdash.report.features`: one ``report_summary(...)`` call per feature; a feature
    with nothing to show adds no section, one that fails is left out.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    list[meeting.Section]
    """
    from segdash.report import features

    return features.sections(ws, _page_summaries(ws))


def feature_sheets(ws: Workspace) -> dict[str, pd.DataFrame]:
    """Workbook sheets of other features (playbook and routing, OKRs): sheet name -> table.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    dict[str, pandas.DataFrame]
    """
    from segdash.report import features

    return features.sheets(_page_summaries(ws))


def build_sections(ws: Workspace) -> list[meeting.Section]:
    """Every section there is something for (memoised per segmentation and ROI set-up).

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    list[meeting.Section]
    """
    result = _economics(ws)
    key = ("report", "sections", id(result), tuple(sorted(ws.segment_names.items())))
    with st.spinner("Preparing the report..."):
        core = ws.cached(key, lambda: meeting.workspace_sections(ws, economics_result=result))
    # other features' sections are small and change on their own pages: made fresh on every run
    extra = meeting.workspace_extra(ws, feature_sections(ws))
    return meeting.order_sections([*core, *extra])


def report_form(ws: Workspace, *, sections: list[meeting.Section]) -> tuple[str, str, list[meeting.Section], str]:
    """Title, summary, sections and paper size.

    Parameters
    ----------
    ws
        The session's workspace.
    sections
        The sections there are.

    Returns
    -------
    tuple
        Title, summary, the chosen sections (in report order), paper size.
    """
    titles = {s.key: s.title for s in sections}
    st.session_state.setdefault(TITLE, meeting.report_title(ws))
    title = st.text_input("Title", key=TITLE, max_chars=200)
    summary = st.text_area("Summary (what was decided, next steps)", key=SUMMARY, height=110,
                           placeholder="E.g. We focus next quarter's budget on the two segments that pay back.")
    offered = list(titles)
    before = st.session_state.get(OFFERED)
    if SECTIONS in st.session_state and before is not None:  # a section that appeared since is chosen too
        kept = [key for key in st.session_state[SECTIONS] if key in titles]
        st.session_state[SECTIONS] = kept + [key for key in offered if key not in before and key not in kept]
    st.session_state[OFFERED] = offered
    chosen = st.multiselect("Sections", offered, default=offered, key=SECTIONS,
                            format_func=lambda key: titles.get(key, key),
                            help="Only sections with something to show are offered.")
    paper = st.radio("Paper size when printed", meeting.PAPER_SIZES, horizontal=True, key=PAPER)
    return title.strip() or meeting.report_title(ws), summary, [s for s in sections if s.key in chosen], paper


def report_downloads(ws: Workspace, *, title: str, summary: str, sections: list[meeting.Section], paper: str) -> None:
    """The HTML download (one click) and, when Chromium is installed, the PDF download.

    Parameters
    ----------
    ws
        The session's workspace.
    title, summary
        The user's title and summary (escaped in the file).
    sections
        The chosen sections.
    paper
        ``"A4"`` or ``"Letter"``.
    """
    if not sections:
        st.info("Choose at least one section.")
        return
    charts = sum(s.charts for s in sections)
    stamp = datetime.now().strftime("%Y-%m-%d")
    browser = meeting.chromium_path()
    notes = [] if browser is not None else [meeting.no_pdf_message()]

    def html_bytes() -> bytes:
        return meeting.render_html(sections, title=title, summary=summary, paper=paper, notes=notes).encode("utf-8")

    left, right = st.columns(2)
    with left:
        st.download_button("Download the report (HTML)", html_bytes, file_name=f"segdash-report-{stamp}.html",
                           mime="text/html", type="primary", icon=":material/download:", key=PREFIX + "html",
                           width="stretch")
    with right:
        if browser is not None:
            def pdf_bytes() -> bytes:
                with tempfile.TemporaryDirectory(prefix="segdash-report-") as folder:
                    page = Path(folder) / "report.html"
                    page.write_bytes(html_bytes())
                    return meeting.print_pdf(page, out=Path(folder) / "report.pdf", chromium=browser).read_bytes()

            st.download_button("Download the report (PDF)", pdf_bytes, file_name=f"segdash-report-{stamp}.pdf",
                               mime="application/pdf", icon=":material/picture_as_pdf:", key=PREFIX + "pdf",
                               width="stretch")
        else:
            st.info(meeting.no_pdf_message(), icon=":material/info:")
    st.caption(f"{len(sections)} section{'s' if len(sections) != 1 else ''}, {charts} interactive "
               f"chart{'s' if charts != 1 else ''}. The file opens offline in any browser; "
               "its print layout puts each section on its own page. No personal data is included.")


def workbook_download(ws: Workspace) -> None:
    """The XLSX workbook: a sheet per table, made on click.

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).
    """
    profile = workspace_profile(ws)
    names = meeting.report_names(ws, profile)
    sheets = workbook.workspace_sheets(ws, profile=profile, economics_result=_economics(ws),
                                       extra=feature_sheets(ws), include_labels=False)
    roles = dict(ws.roles)
    customers = sum(ws.segmentation.sizes.values())

    def build() -> bytes:  # runs on click, in another thread: its own cursor
        with ws.cursor_data() as data:
            full = dict(sheets)
            if customers < workbook.EXCEL_MAX_ROWS:
                full["Customer labels"] = workbook.labels_table(data, roles=roles, names=names)
            return workbook.write_workbook(full)

    st.download_button("Download the workbook (XLSX)", build, file_name="segdash-workbook.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table_view:", key=PREFIX + "xlsx")
    listed = ", ".join(sheets) + (", Customer labels" if customers < workbook.EXCEL_MAX_ROWS else "")
    st.caption(f"Sheets: {md(listed)}. Numbers stay numbers; money has a number format.")


def labels_download(ws: Workspace) -> None:
    """The labels CSV for a CRM or an ad platform: id, segment id, segment name, chosen columns.

    Parameters
    ----------
    ws
        The session's workspace (with a segmentation).
    """
    profile = ws.peek(PROFILE_CACHE_KEY)
    names = meeting.report_names(ws, profile) if profile is not None else ws.display_names(ws.segmentation.sizes)
    options = [c for c in ws.roles if c not in ws.columns_with_role("id")]
    personal = set(ws.columns_with_role("pii"))
    chosen = st.multiselect("Add columns (optional)", options, key=LABEL_COLUMNS,
                            format_func=lambda c: f"{c} (personal data)" if c in personal else c,
                            help="Customer id, segment id and segment name are always included.")
    allow = True
    if personal & set(chosen):
        allow = st.checkbox("I confirm this export may include personal data, and that it will be handled "
                            "under our data protection rules.", key=CONFIRM_PERSONAL)
        if not allow:
            st.warning("Personal data is chosen: confirm above, or leave those columns out.", icon=":material/lock:")
            return
    roles = dict(ws.roles)

    def build() -> bytes:  # runs on click, in another thread: its own cursor
        with ws.cursor_data() as data:
            frame = workbook.labels_table(data, roles=roles, names=names, columns=chosen, allow_personal=allow)
            return workbook.labels_csv(frame)

    st.download_button("Download customer labels (CSV)", build, file_name="segment-labels.csv", mime="text/csv",
                       icon=":material/download:", key=PREFIX + "labels")
