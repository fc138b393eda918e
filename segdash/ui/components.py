"""Shared page pieces: page set-up, guards, and showing errors without tracebacks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segdash.report.text import escape_markdown
from segdash.schema import ROLE_LABELS
from segdash.ui import state
from segdash.workspace import Workspace


def page_setup(title: str, caption: str = "") -> Workspace:
    """Title, caption, what data is loaded (when it is the sample) and any queued message.

    Also keeps the inputs of other pages (see :func:`segdash.ui.state.kept`). Returns the
    session's workspace.
    """
    state.remember_inputs()
    ws = state.workspace()
    st.title(title)
    if caption:
        st.caption(caption)
    sample_notice(ws, on_data_page=title == "Data")
    message = state.pop_flash()
    if message:
        st.success(message)
    return ws


#: Anchor of the Data page's "load a file" heading (the sample notice links to it).
LOADER_ANCHOR = "load-your-own-file"


def sample_notice(ws: Workspace, *, on_data_page: bool = False) -> None:
    """When the bundled sample is loaded, say so plainly, with one click to load one's own file.

    Parameters
    ----------
    ws
        The session's workspace.
    on_data_page
        On the Data page the loader is on the page itself, so the link jumps to it.
    """
    source = st.session_state.get(state.SOURCE) or {}
    if not ws.has_data or source.get("kind") != "sample":
        return
    name = ws.imported.source if ws.imported is not None else "the sample"
    with st.container(border=True, key="segdash-sample-notice"):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f":material/science: **You are looking at sample data** ({escape_markdown(name)}: "
                      "made-up customers that come with segdash), not your own file.")
        if on_data_page:
            right.markdown(f":material/upload_file: [Load your own file ↓](#{LOADER_ANCHOR})")
        else:
            right.page_link("pages/data.py", label="Load your own file", icon=":material/upload_file:")


def segment_colors(ws: Workspace) -> dict[str, str]:
    """Display name -> colour of every segment, the same on every page, table and chart.

    Colours follow the segments' order by size (largest first), so a segment keeps its colour
    wherever it is drawn, whatever else is on that chart.

    Parameters
    ----------
    ws
        The session's workspace.

    Returns
    -------
    dict[str, str]
        Empty without a segmentation.
    """
    from segdash.report.profile_charts import segment_colours

    if ws.segmentation is None:
        return {}
    ordered = sorted(ws.segmentation.sizes.items(), key=lambda item: (-int(item[1]), str(item[0])))
    names = ws.display_names(label for label, _ in ordered)
    return segment_colours([names[str(label)] for label, _ in ordered])


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
