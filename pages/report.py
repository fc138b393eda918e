"""Report & exports: the one-click meeting report, the workbook, and the labels for a CRM or ad platform."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import report as view

ws = components.page_setup(
    "Report & exports",
    "Take the meeting with you: one report file that opens offline in any browser, a workbook with every "
    "table, and each customer's segment for your CRM or ad platform.",
)
if components.require_data(ws):
    with components.engine_feature(ws, "the meeting report and exports"):
        st.subheader("Meeting report")
        sections = view.build_sections(ws)
        title, summary, chosen, paper = view.report_form(ws, sections=sections)
        view.report_downloads(ws, title=title, summary=summary, sections=chosen, paper=paper)
        if components.require_segmentation(ws):
            st.subheader("Workbook")
            view.workbook_download(ws)
            st.subheader("Customer labels for your CRM or ad platform")
            view.labels_download(ws)
