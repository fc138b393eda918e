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
if components.require_segmentation(ws):
    # on a table in a database, a part its engine cannot run says so in one sentence (components.engine_feature)
    st.subheader("1. Who to invite")
    with components.engine_feature(ws, "drawing a survey sample of each segment (it works on a loaded file)"):
        view.sample_form(ws)
        view.show_plan(ws)

    st.subheader("2. Contact list for your survey tool")
    with components.engine_feature(ws, "the contact list of the sample (it works on a loaded file)"):
        view.contact_export(ws)

    st.subheader("3. Questions")
    with components.engine_feature(ws, "the question kit (it works on a loaded file)"):
        view.question_kit(ws)

    st.subheader("4. Answers back")
    result = None
    with components.engine_feature(ws, "reading the survey answers back (it works on a loaded file)"):
        view.answers_upload(ws)
        result = view.analyse(ws)

    st.subheader("5. Verdict")
    with components.engine_feature(ws, "the survey verdict (it works on a loaded file)"):
        view.show_verdict(ws, result)
