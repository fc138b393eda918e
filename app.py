"""segdash: the Streamlit entry point (navigation only; each page lives in pages/)."""

from __future__ import annotations

import logging

import streamlit as st

from segdash.errors import SegdashError
from segdash.limits import is_out_of_memory
from segdash.ui import auth as ui_auth
from segdash.ui import limits

st.set_page_config(page_title="segdash", page_icon=":material/donut_small:", layout="wide")
limits.start_up()  # once per server: leftover upload folders removed, the idle sweep started
ui_auth.gate()  # stops here until someone signs in (when sign-in is set up)
limits.touch()  # this session is in use (idle sessions free their data)

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
    with limits.in_use():
        page.run()
except SegdashError as err:
    st.error(str(err))
except Exception as err:  # noqa: BLE001 - a memory limit is the user's data, anything else a bug
    if is_out_of_memory(err):
        st.error(limits.memory_error_message())
    else:  # a bug: log it for us, show plain words to the user, keep the app usable
        logging.getLogger("segdash").exception("page %s failed", page.title)
        st.error(
            "Something went wrong on this page. Your data is still loaded; try another setting "
            "or reload the page. (The details are in the server log.)"
        )
