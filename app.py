"""segdash: the Streamlit entry point (navigation only; each page lives in pages/).

Streamlit runs this file as ``__main__`` on every rerun; importing it (as multiprocessing's
``__mp_main__``, say) draws nothing. The model worker processes (:mod:`segdash.workers`) never
import it: they start with an empty ``__main__``.
"""

from __future__ import annotations

import logging

import streamlit as st

from segdash.errors import SegdashError
from segdash.limits import is_out_of_memory
from segdash.ui import auth as ui_auth
from segdash.ui import limits, projects, state

#: (script, title, icon) of each page; the first is the default.
PAGES = [
    ("pages/data.py", "Data", ":material/upload_file:"),
    ("pages/segments.py", "Segments", ":material/category:"),
    ("pages/profiles.py", "Profiles", ":material/groups:"),
    ("pages/roi.py", "Acquisition & ROI", ":material/payments:"),
    ("pages/history.py", "Over time", ":material/timeline:"),
    ("pages/playbook.py", "Playbook", ":material/support_agent:"),
    ("pages/survey.py", "Survey", ":material/quiz:"),
    ("pages/report.py", "Report & exports", ":material/summarize:"),
    ("pages/projects.py", "Projects", ":material/folder_open:"),
]


def run_page() -> None:
    """Sign-in, then the page the address asks for."""
    ui_auth.gate()  # stops here until someone signs in (when sign-in is set up)
    limits.touch()  # this session is in use (idle sessions free their data)
    pages = [st.Page(path, title=title, icon=icon, default=path == PAGES[0][0]) for path, title, icon in PAGES]
    page = st.navigation(pages)
    # a table's last edit, sent as the person left its page for another: saved, then on to that page
    back = state.page_after_late_edit(page._script_hash)
    state.note_page_drawn(page._script_hash, default=pages[0]._script_hash)
    target = next((p for p in pages if p._script_hash == back), None)
    if target is not None:
        st.switch_page(target)
    limits.note_page(page.title)
    try:
        with limits.in_use():
            page.run()
            ws = state.workspace()
            projects.keep_for_reload(ws)  # new segments not saved yet come back after a reload
            projects.sync_url(ws)  # the address names what a reload opens (the page may have changed it)
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


def main() -> None:
    """One script run: set-up, the page, and its line in the run log (``SEGDASH_RUN_LOG``)."""
    state.note_page_asked()  # before any Streamlit call: a run may be stopped at its first one
    limits.begin_run()  # the run log times every run from here
    ended_by = None
    try:
        st.set_page_config(page_title="segdash", page_icon=":material/donut_small:", layout="wide")
        limits.start_up()  # once per server: leftover upload folders removed, the idle sweep and workers started
        run_page()
    except BaseException as err:  # Streamlit's rerun and stop requests end a run this way
        ended_by = err
        raise
    finally:
        limits.end_run(ended_by)


if __name__ == "__main__":  # Streamlit's run; an import draws nothing
    main()
