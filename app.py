"""segdash: the Streamlit entry point (navigation only; each page lives in pages/)."""

from __future__ import annotations

import logging

import streamlit as st

from segdash.errors import SegdashError
from segdash.ui import state

st.set_page_config(page_title="segdash", page_icon=":material/donut_small:", layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
    st.Page("pages/segments.py", title="Segments", icon=":material/category:"),
    st.Page("pages/profiles.py", title="Profiles", icon=":material/groups:"),
    st.Page("pages/roi.py", title="Acquisition & ROI", icon=":material/payments:"),
    st.Page("pages/history.py", title="Over time", icon=":material/timeline:"),
    st.Page("pages/playbook.py", title="Playbook", icon=":material/support_agent:"),
    st.Page("pages/survey.py", title="Survey", icon=":material/quiz:"),
    st.Page("pages/report.py", title="Report & exports", icon=":material/summarize:"),
    st.Page("pages/projects.py", title="Projects", icon=":material/folder_open:"),
]
page = st.navigation(pages)
try:
    with state.one_run_at_a_time():
        page.run()
except SegdashError as err:
    st.error(str(err))
except Exception:  # a bug: log it for us, show plain words to the user, keep the app usable
    logging.getLogger("segdash").exception("page %s failed", page.title)
    st.error(
        "Something went wrong on this page. Your data is still loaded; try another setting "
        "or reload the page. (The details are in the server log.)"
    )
