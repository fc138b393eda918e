"""Shared page pieces: page set-up, guards, and showing errors without tracebacks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segdash.schema import ROLE_LABELS
from segdash.ui import state
from segdash.ui.auth import require_signed_in
from segdash.ui.limits import touch
from segdash.workspace import Workspace


def page_setup(title: str, caption: str = "") -> Workspace:
    """Title, caption and any queued message; returns the session's workspace (signed-in users only)."""
    require_signed_in()  # also here: a page file can run without app.py (see segdash.ui.auth)
    touch()  # idle clean-up notice, for the same reason
    ws = state.workspace()
    from segdash.ui import projects

    projects.sidebar(ws)
    projects.sync_url(ws)
    st.title(title)
    if caption:
        st.caption(caption)
    message = state.pop_flash()
    if message:
        st.success(message)
    return ws


def require_data(ws: Workspace) -> bool:
    """Tell the user to load data first when there is none. Returns whether data is loaded."""
    if ws.has_data:
        return True
    st.info("No customer file is loaded yet. Open or upload one on the **Data** page.")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
    return False


def require_segmentation(ws: Workspace) -> bool:
    """Tell the user to segment first when there is no segmentation. Returns whether there is one."""
    if not require_data(ws):
        return False
    if ws.segmentation is not None:
        return True
    st.info("No segments yet. Choose how to segment your customers on the **Segments** page.")
    st.page_link("pages/segments.py", label="Go to Segments", icon=":material/category:")
    return False


def with_segment_names(ws: Workspace, frame: pd.DataFrame, column: str = "segment") -> pd.DataFrame:
    """Copy of ``frame`` whose ``column`` shows the segments' display names (unique: see ``Workspace.display_names``).

    Parameters
    ----------
    ws
        The session's workspace.
    frame
        Any table with a column of segment labels.
    column
        That column's name.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when it has no such column.
    """
    if column not in frame.columns:
        return frame
    current = list(ws.segmentation.sizes) if ws.segmentation is not None else []
    names = ws.display_names([*current, *(str(label) for label in frame[column])])
    named = frame.copy()
    named[column] = named[column].map(lambda label: names[str(label)])
    return named


def role_label(role: str) -> str:
    """Plain words for a role."""
    return ROLE_LABELS.get(role, role)
