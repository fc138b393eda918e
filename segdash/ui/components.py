"""Shared page pieces: page set-up, guards, and showing errors without tracebacks."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

import pandas as pd
import streamlit as st

from segdash.errors import SegdashError
from segdash.report.text import escape_markdown
from segdash.schema import ROLE_LABELS
from segdash.ui import state
from segdash.ui.auth import require_signed_in
from segdash.ui.limits import touch
from segdash.workspace import Workspace

#: Presentation view: bigger type; settings (forms, expanders, inputs in the page body) hidden.
#: Our constant CSS, no user text.
_PRESENT_CSS = """<style>
[data-testid="stMain"] [data-testid="stForm"], [data-testid="stMain"] [data-testid="stExpander"],
[data-testid="stMain"] [data-testid="stFileUploader"], [data-testid="stMain"] [data-testid="stSelectbox"],
[data-testid="stMain"] [data-testid="stMultiSelect"], [data-testid="stMain"] [data-testid="stRadio"],
[data-testid="stMain"] [data-testid="stNumberInput"], [data-testid="stMain"] [data-testid="stSlider"],
[data-testid="stMain"] [data-testid="stTextInput"], [data-testid="stMain"] [data-testid="stTextArea"],
[data-testid="stMain"] [data-testid="stCheckbox"], [data-testid="stMain"] [data-testid="stToggle"],
[data-testid="stMain"] [data-testid="stDateInput"], [data-testid="stMain"] [data-testid="stDataEditor"]
{ display: none !important; }
[data-testid="stMain"] [data-testid="stElementContainer"]:has(> [data-testid="stTextInput"], > [data-testid="stTextArea"],
 > [data-testid="stSelectbox"], > [data-testid="stMultiSelect"], > [data-testid="stRadio"],
 > [data-testid="stNumberInput"], > [data-testid="stSlider"], > [data-testid="stCheckbox"]) { display: none !important; }
[data-testid="stMain"] h1 { font-size: 3.2rem !important; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2.2rem !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.45rem !important; line-height: 1.5; }
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] *
{ font-size: 3rem !important; font-weight: 700; line-height: 1.2; }
[data-testid="stMain"] [data-testid="stMetricLabel"], [data-testid="stMain"] [data-testid="stMetricLabel"] *
{ font-size: 1.3rem !important; white-space: normal !important; overflow: visible !important; }
</style>"""


def presentation_mode() -> bool:
    """Whether the presentation view is on (pages may leave settings out when it is)."""
    return bool(st.session_state.get(state.PRESENT, False))


def _sync_url() -> None:
    """Keep the view in the URL (``?present=1``); the page is in its path, the project and snapshot
    are written by :func:`segdash.ui.projects.sync_url`."""
    if presentation_mode():
        if st.query_params.get("present") != "1":
            st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def _keep_presentation_choice() -> None:
    st.session_state[state.PRESENT] = bool(st.session_state.get(state.PRESENT_TOGGLE))


def presentation_toggle() -> bool:
    """The sidebar toggle for the presentation view, kept in the URL (``?present=1``).

    Returns
    -------
    bool
        Whether the view is on.
    """
    if state.PRESENT not in st.session_state:
        st.session_state[state.PRESENT] = st.query_params.get("present") == "1"
    # the widget's own state does not survive a page switch: the choice lives in state.PRESENT
    st.session_state[state.PRESENT_TOGGLE] = presentation_mode()
    st.sidebar.toggle("Presentation view", key=state.PRESENT_TOGGLE, on_change=_keep_presentation_choice,
                      help="Large type for a projector; settings are hidden. The link keeps this view.")
    _sync_url()
    if presentation_mode():
        st.html(_PRESENT_CSS)  # shared-ok: our constant CSS, no user text
    return presentation_mode()


def page_setup(title: str, caption: str = "") -> Workspace:
    """Title, caption, the presentation toggle, what data is loaded (when it is the sample) and any queued message.

    Only for a signed-in user when sign-in is on: a page file can run without app.py (see
    segdash.ui.auth.require_signed_in), so the gate and the idle notice are checked here too. Also
    keeps the inputs of other pages (see :func:`segdash.ui.state.kept`). Returns the session's
    workspace.
    """
    require_signed_in()
    touch()
    state.remember_inputs()
    ws = state.workspace()
    from segdash.ui import projects

    projects.keep_for_reload(ws)  # segments made in the last run, if its end did not keep them
    projects.sidebar(ws)
    projects.sync_url(ws)
    presentation_toggle()
    st.title(title)
    if caption:
        st.caption(caption)
    sample_notice(ws, on_data_page=title == "Data")
    engine_notice(ws)
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


def engine_notice(ws: Workspace) -> None:
    """When the session works on a table in a database, say which (engine and table) on every page.

    Parameters
    ----------
    ws
        The session's workspace.
    """
    if ws.engine is None:
        return
    data = ws.engine.data
    st.info(f"Working on table **{escape_markdown(data.table)}** in **{escape_markdown(ws.engine_label)}** "
            f"({escape_markdown(ws.engine.source.url)}), where it lives: every figure is computed there.",
            icon=":material/database:")


@contextlib.contextmanager
def engine_feature(ws: Workspace, what: str) -> Iterator[None]:
    """Run a part of a page; on a table in a database, a part that cannot run there says so in one sentence.

    On a file nothing is caught (errors reach app.py as before). On a table in an engine, a
    ``SegdashError`` is shown as it is (a plain sentence), and any other failure as "Not available on a
    database table yet: <what>." (the details go to the server log). Streamlit's own rerun and stop
    are never caught.

    Parameters
    ----------
    ws
        The session's workspace.
    what
        What that part shows, in plain words ("the traits that set each segment apart").
    """
    if ws.engine is None:
        yield
        return
    try:
        yield
    except SegdashError as err:
        st.info(str(err), icon=":material/database:")
    except Exception:  # noqa: BLE001 - an engine that cannot run a query of this part: say so plainly
        logging.getLogger("segdash").info("not available on %s: %s", ws.engine_label, what, exc_info=True)
        st.info(not_on_engine(what), icon=":material/database:")


def not_on_engine(what: str) -> str:
    """"Not available on a database table yet: <what>." """
    return f"Not available on a database table yet: {what}."


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


def sizes_chart(ws: Workspace, sizes: dict[str, int], *, names: dict[str, str], unit: str, key: str) -> None:
    """Draw the segment sizes chart (Segments and Profiles): the page's colours, the theme's text colour.

    Parameters
    ----------
    ws
        The session's workspace (its segments' colours).
    sizes
        Segment label -> rows.
    names
        Segment label -> display name.
    unit
        What is counted ("customers" or "order lines").
    key
        The chart's widget key.
    """
    from segdash.report.segment_charts import sizes_spec

    bars, spec = sizes_spec(sizes, names=names, unit=unit, colors=segment_colors(ws), text_colour=chart_text_colour())
    st.vega_lite_chart(bars, spec, width="stretch", key=key)


def chart_text_colour() -> str:
    """Colour of text drawn inside a chart (a size bar's label): dark on the light theme, light on the dark.

    Returns
    -------
    str
        Streamlit's own text colour of the theme the browser uses; the light one when unknown.
    """
    try:
        dark = st.context.theme.type == "dark"
    except Exception:  # noqa: BLE001 - no browser (a bare run): the light theme
        dark = False
    return "#FAFAFA" if dark else "#31333F"


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


# -- table editors: an edit is saved by the run it arrives with, whichever page that run draws ----------
#
# A person who edits a cell and then clicks a page in the sidebar sends the edit with the run that
# opens the other page: the editing page's script never runs again to read its table, so an edit read
# after ``st.data_editor`` returns would be lost, and an ``st.rerun()`` after saving it would replace
# the pending page change with the editing page (the click lost). Editors therefore save through
# ``on_change``: Streamlit calls it at the start of that run, before any page draws.


def apply_table_edits(base: pd.DataFrame, edits: object) -> pd.DataFrame:
    """``base`` with a table editor's edits applied, as ``st.data_editor`` applies them.

    Cell edits first (row position -> column -> value), then deleted rows (positions), then added
    rows (column -> value; columns left out are empty). ``base`` is not changed.

    Parameters
    ----------
    base
        The table given to the editor (a plain 0..n-1 index).
    edits
        The editor's state (``st.session_state[key]``): ``edited_rows``, ``deleted_rows``,
        ``added_rows``; anything else counts as no edit.

    Returns
    -------
    pandas.DataFrame
    """
    table = base.copy()
    if not isinstance(edits, dict):
        return table
    columns = list(table.columns)
    for row, changes in (edits.get("edited_rows") or {}).items():
        position = int(row)
        if not 0 <= position < len(table):
            continue
        for column, value in (changes or {}).items():
            if column in columns:
                table = _with_cell(table, position, columns.index(column), value)
    deleted = [int(row) for row in edits.get("deleted_rows") or () if 0 <= int(row) < len(table)]
    if deleted:
        table = table.drop(table.index[deleted])
    next_label = int(table.index.max()) + 1 if len(table) else 0
    for row in edits.get("added_rows") or ():
        if not isinstance(row, dict):
            continue
        with warnings.catch_warnings():  # pandas warns when a new row's empty cells change a column's type
            warnings.simplefilter("ignore", FutureWarning)
            table.loc[next_label] = {column: row.get(column) for column in columns}
        next_label += 1
    return table


def _with_cell(table: pd.DataFrame, row: int, column: int, value: object) -> pd.DataFrame:
    try:
        table.iat[row, column] = value
    except (TypeError, ValueError):  # e.g. text into a number column: the column becomes general
        table[table.columns[column]] = table[table.columns[column]].astype(object)
        table.iat[row, column] = value
    return table


def table_edit_arrived(key: str, base: pd.DataFrame) -> pd.DataFrame:
    """For a table editor's ``on_change``: the table as edited so far (``base`` with editor ``key``'s edits).

    Also notes the edit's arrival, so an edit sent as the person left its page takes them on to the
    page they opened (:func:`segdash.ui.state.table_edited`).
    """
    state.table_edited()
    return apply_table_edits(base, st.session_state.get(key))
