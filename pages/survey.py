"""Survey: confirm the segments by surveying a sample of each, and read the verdict from the answers."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import survey as view

ws = components.page_setup(
    "Survey",
    "Confirm your segments: invite a random sample of each, ask the questions that define them, "
    "upload the answers and see which segments hold up.",
)
if ws.engine is not None:  # the sample, the contact list and the answers are DuckDB work on a loaded file
    st.info(components.not_on_engine("the survey (drawing a sample of each segment to invite, the contact list "
                                      "and reading the answers back work on a loaded file only). Load a file on "
                                      "the Data page to survey its segments"), icon=":material/database:")
elif components.require_segmentation(ws):
    st.subheader("1. Who to invite")
    view.sample_form(ws)
    view.show_plan(ws)

    st.subheader("2. Contact list for your survey tool")
    view.contact_export(ws)

    st.subheader("3. Questions")
    view.question_kit(ws)

    st.subheader("4. Answers back")
    view.answers_upload(ws)
    result = view.analyse(ws)

    st.subheader("5. Verdict")
    view.show_verdict(ws, result)
