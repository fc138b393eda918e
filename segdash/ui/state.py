"""Session-state keys and the per-session workspace. All keys live here."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from segdash import config
from segdash.errors import SegdashError
from segdash.workspace import Workspace

log = logging.getLogger(__name__)

#: The session's Workspace (its own DuckDB: two people on one server never share data).
WORKSPACE = "segdash.workspace"
#: A confirmation to show on the next runs of a page (e.g. after a load or a rename); see ``pop_flash``.
FLASH = "segdash.flash"
#: The last error from loading a file, shown on the Data page until the next load.
LOAD_ERROR = "segdash.load_error"
#: The signed-in user (``None`` when sign-in is off).
USER = "segdash.user"
#: The page (Streamlit's hash) the last run was asked for (see :func:`table_edited`).
LAST_ASKED = "segdash.last_asked_page"
#: The default page's hash (a run asked for the app's address alone draws it).
DEFAULT_PAGE = "segdash.default_page"
#: ``(editor's page, page asked for before)``: a table edit that arrived after the person had left its page.
LATE_EDIT = "segdash.late_edit"

# -- Report & presentation ---------------------------------------------------------------
#: ``((data_id, segmentation_id), EconomicsResult)``: the economics as last set up on the ROI page,
#: so the report shows the same figures.
ROI_RESULT = "segdash.roi.last_result"
#: ``((data_id, segmentation_id), Playbook)``: the playbook as last built on the Playbook page (names
#: applied), so the report and the workbook show the same.
PLAYBOOK_RESULT = "segdash.playbook.last_result"
#: The presentation view toggle (large type, settings hidden); mirrored in the URL as ``?present=1``.
PRESENT = "segdash.present"
#: The sidebar toggle's widget key (its value is copied into ``PRESENT``).
PRESENT_TOGGLE = "segdash.present_toggle"

# -- Data page -------------------------------------------------------------------------
#: Where the loaded data came from: ``{"path": str | None, "kind": "sample"|"folder"|"upload"|"engine",
#: "temp": bool}`` (``temp``: a private copy of an upload, removed when another file loads).
SOURCE = "segdash.data.source"
#: ``file_id`` of the upload last imported (or tried), so reruns never import it again.
UPLOAD_ID = "segdash.data.upload_id"
#: This session's private temporary folder for uploads (a ``tempfile.TemporaryDirectory``).
TEMP_DIR = "segdash.data.temp_dir"
#: ``(data_id, profile DataFrame)`` of the loaded data (roles do not change it).
PROFILE = "segdash.data.profile"
#: A sheet the user picked, to load on this run.
PENDING_SHEET = "segdash.data.pending_sheet"
#: Widget keys of the Data page.
UPLOADER = "segdash.data.uploader"
FOLDER_FILE = "segdash.data.folder_file"
FOLDER_FORM = "segdash.data.folder_form"
#: "Connect to a database" (issue 15): the form and its URL and table fields (the connected table
#: itself lives in the workspace: ``Workspace.engine``).
ENGINE_FORM = "segdash.data.engine_form"
ENGINE_URL = "segdash.data.engine_url"
ENGINE_TABLE = "segdash.data.engine_table"
#: The customer id column typed in the "Connect to a database" form (blank: found in the table).
ENGINE_KEY = "segdash.data.engine_key"
#: Set for the run after a connection: the address field then shows the address without its password.
ENGINE_CONNECTED = "segdash.data.engine_connected"
SHEET_PICK = "segdash.data.sheet"
#: Prefix of the column table's widget key (the loaded data, and the page of a wide file, follow it).
ROLE_EDITOR = "segdash.data.role_editor"
#: ``{"key": editor key, "labels": {column: label}}``: the labels the column table was first drawn with.
LABELS_UNDER_EDITOR = "segdash.data.labels_under_editor"
SHOW_PII = "segdash.data.show_pii"
#: Data page: show every column of the Columns table (type, distinct values, how it was read).
COLUMN_DETAILS = "segdash.data.column_details"
#: Data page: text typed to find columns, and the page of the column table (wide files).
COLUMN_SEARCH = "segdash.data.column_search"
COLUMN_PAGE = "segdash.data.column_page"


def workspace() -> Workspace:
    """This browser session's workspace, created (with the sample data loaded) on first use."""
    if WORKSPACE not in st.session_state:
        ws = Workspace()
        sample = config.sample_file()
        if sample is not None:
            try:
                with st.spinner(f"Loading the sample data ({sample.name})…"):
                    ws.load(sample)
                st.session_state[SOURCE] = {"path": str(sample), "kind": "sample", "temp": False}
            except SegdashError as err:  # a broken sample must not block the app
                log.warning("sample data not loaded: %s", err)
        st.session_state[WORKSPACE] = ws
        from segdash.ui import projects

        projects.start_session(ws)
    return st.session_state[WORKSPACE]


def source_from_store(ws: Workspace) -> None:
    """Note that the loaded data came from the open project (not the bundled sample, not an upload)."""
    if ws.stored_dataset_id:
        st.session_state[SOURCE] = {"path": None, "kind": "project", "temp": False}


#: How long a confirmation stays on screen after it was first shown, in seconds.
FLASH_SECONDS = 8.0


def flash(message: str) -> None:
    """Queue ``message`` (a confirmation such as "Saved: ...") to show from the next run on."""
    st.session_state[FLASH] = {"message": message, "first_shown": None}


def pop_flash(now: float | None = None) -> str | None:
    """The queued confirmation while it is still due, else ``None`` (and it is dropped).

    A confirmation stays for ``FLASH_SECONDS`` after the run that first showed it, on every run in
    that time, rather than for exactly one run: a widget often sends one more run right after a
    save (a table editor clearing its edits, say), and a one-run message would be wiped by it
    before anyone could read it.
    """
    entry = st.session_state.get(FLASH)
    if entry is None:
        return None
    if isinstance(entry, str):  # queued by an older session of this code
        entry = {"message": entry, "first_shown": None}
    now = time.monotonic() if now is None else now
    if entry["first_shown"] is None:
        st.session_state[FLASH] = {**entry, "first_shown": now}
    elif now - entry["first_shown"] > FLASH_SECONDS:
        del st.session_state[FLASH]
        return None
    return str(entry["message"])


# -- inputs that survive moving between pages ------------------------------------------------------
# Streamlit forgets the value of a widget that is not drawn on a run (e.g. when the user opens
# another page). A widget whose key goes through ``kept`` gets its last value back when its page is
# drawn again: the value is copied under a plain (non-widget) key at the start of every run, and put
# back into the widget's key just before the widget is made. Buttons, uploads and table editors
# cannot be given a value, so they never go through ``kept``.

#: Widget key -> the last value the user gave it (a plain dict: Streamlit never drops it).
KEPT_VALUES = "segdash.kept_values"


def kept(key: str, *, default: Any = None, options: Sequence[Any] | None = None, multi: bool = False) -> str:
    """Remember the widget ``key`` across pages; call it as the widget's ``key=`` argument.

    The widget must then be made without its own default (``value=``, ``index=``, ``default=``):
    the default goes here, so Streamlit never sees two competing starting values.

    Parameters
    ----------
    key
        The widget's session-state key.
    default
        The value on first show (``None``: the widget's own first option or empty value).
    options
        The widget's options, when it has any: a remembered value no longer among them (the data
        changed) is dropped, and the default is used instead.
    multi
        The widget holds a list of options (multiselect): keep the remembered ones still offered.

    Returns
    -------
    str
        ``key``, ready to pass to the widget.
    """
    store: dict[str, Any] = st.session_state.setdefault(KEPT_VALUES, {})
    in_widget = key in st.session_state
    if in_widget:
        store[key] = st.session_state[key]
        value = st.session_state[key]
    else:  # first show, or the page was left: start from the remembered value (or the default)
        value = store.get(key, default)
    fixed = _fit_options(value, options=options, multi=multi, default=default)
    if not in_widget or fixed is not value:
        if fixed is None and default is None and not multi:
            st.session_state.pop(key, None)  # let the widget start from its own first value
        else:
            st.session_state[key] = fixed
    return key


def _fit_options(value: Any, *, options: Sequence[Any] | None, multi: bool, default: Any) -> Any:
    if options is None:
        return value
    offered = list(options)
    if multi:
        if not isinstance(value, list | tuple):
            return default if default is not None else []
        kept_values = [v for v in value if v in offered]
        return value if len(kept_values) == len(value) else kept_values
    if value in offered:
        return value
    return default if default in offered else None


def remember_inputs() -> None:
    """Copy the value of every kept widget still in the session (called once at the start of a run)."""
    store: dict[str, Any] = st.session_state.setdefault(KEPT_VALUES, {})
    for key in list(store):
        if key in st.session_state:
            store[key] = st.session_state[key]


def forget_inputs(prefix: str) -> None:
    """Forget the remembered values (and current widget values) of every key starting with ``prefix``."""
    store: dict[str, Any] = st.session_state.setdefault(KEPT_VALUES, {})
    for key in [k for k in store if k.startswith(prefix)]:
        store.pop(key, None)
        st.session_state.pop(key, None)


# -- table edits that arrive after the page was left --------------------------------------------


def asked_page() -> str:
    """The page this run was asked for (Streamlit's page hash; ``""`` when not known).

    A run asked for the app's address alone carries the entry script's hash: that is the default page.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return ""
    asked = str(getattr(ctx, "page_script_hash", "") or "")
    if not asked or asked == getattr(getattr(ctx, "pages_manager", None), "main_script_hash", None):
        return str(st.session_state.get(DEFAULT_PAGE, ""))
    return asked


def note_page_drawn(page: str, *, default: str) -> None:
    """Remember the page this run draws (``page``; ``default``: the default page's hash)."""
    st.session_state[DEFAULT_PAGE] = default
    st.session_state[LAST_ASKED] = page


def note_page_asked() -> None:
    """Remember the page this run was asked for: call first thing in a run, before anything draws.

    A run is stopped as soon as another is asked for, so what it remembers must be written before
    its first Streamlit call.
    """
    st.session_state[LAST_ASKED] = asked_page()


def table_edited() -> None:
    """Note, from a table editor's ``on_change``, that an edit of the table arrived.

    The browser sends a table's last edit a moment after the cell closes, so an edit finished by
    clicking another page in the sidebar arrives *after* the run that was asked to open that page,
    and asks for the editing page again: the click would be lost. The edit is saved by the
    ``on_change``; this records where the person had gone (the page the last run was asked for),
    so that :func:`page_after_late_edit` can take them there.
    """
    here, before = asked_page(), st.session_state.get(LAST_ASKED)
    if here and before and before != here:
        st.session_state[LATE_EDIT] = (here, before)


def page_after_late_edit(page: str) -> str | None:
    """The page (hash) to show instead of ``page`` (the one this run draws), or ``None`` to draw it.

    Another page only when this run was asked for by a late table edit from ``page`` (see
    :func:`table_edited`): the page the person had opened. Call once per run, before the page draws.
    """
    late = st.session_state.pop(LATE_EDIT, None)
    if late is not None and late[0] == page and late[1] != page:
        return str(late[1])
    return None
