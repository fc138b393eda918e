"""Streamlit pieces of the Data page: loading a file, the import report, roles, preview.

Loading is always an explicit action (an upload, the *Open* button, a sheet choice) and never
happens again on a plain rerun. Every loading path goes through :func:`load_file`, which shows
progress, keeps the earlier data when the new file cannot be read, and reruns the page so
everything on it describes the data now loaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from segdash import config, db, labels, limits, preview
from segdash.errors import SegdashError
from segdash.report.export import to_safe_csv
from segdash.report.text import escape_markdown
from segdash.schema import ROLE_LABELS, ImportResult
from segdash.ui import components, state
from segdash.workspace import Workspace

#: Rows shown in the preview.
PREVIEW_ROWS = 100
#: Height of a table row in pixels (to show every column of the file without a scroll bar).
TABLE_ROW_PX = 35
#: Notes shown before the rest fold into an expander.
NOTES_SHOWN = 6
#: Escape user text (file and column names, values) shown as Markdown: the one core escaper.
md = escape_markdown


# -- files ------------------------------------------------------------------------------


def session_temp_dir() -> Path:
    """This session's private temporary folder (mode 0700).

    The folder is a ``tempfile.TemporaryDirectory`` kept in session state and on the session's
    workspace (``upload_folder``): it is removed when the idle sweep frees the workspace (a closed
    tab's session is idle too), when the session's state is garbage-collected, or at the next
    start-up after the server stopped.

    Returns
    -------
    pathlib.Path
    """
    folder = st.session_state.get(state.TEMP_DIR)
    if folder is None or not Path(folder.name).is_dir():
        # the server's pid in the name: start-up removes folders of servers that are gone (segdash.limits)
        folder = tempfile.TemporaryDirectory(prefix=limits.upload_prefix())
        st.session_state[state.TEMP_DIR] = folder
    ws = st.session_state.get(state.WORKSPACE)
    if ws is not None:
        ws.upload_folder = folder  # limits.release_workspace removes it with the session's data
    return Path(folder.name)


def save_upload(uploaded: Any) -> Path:
    """Write an uploaded file to a private temporary file (mode 0600), 1 MB at a time.

    Parameters
    ----------
    uploaded
        A ``streamlit.runtime.uploaded_file_manager.UploadedFile``. Its extension is kept
        (letters and digits only) next to a random name; the user's file name never becomes a path.

    Returns
    -------
    pathlib.Path
        The private copy, inside :func:`session_temp_dir`.
    """
    suffix = re.sub(r"[^A-Za-z0-9.]", "", Path(uploaded.name).suffix)[:12]
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=session_temp_dir())
    uploaded.seek(0)
    with os.fdopen(handle, "wb") as out:
        while block := uploaded.read(1 << 20):
            out.write(block)
    return Path(name)


def _remove(path: str | Path | None) -> None:
    if path:
        with contextlib.suppress(OSError):
            Path(path).unlink()


def load_file(
    ws: Workspace, path: Path, *, name: str, kind: str, sheet: str | None = None, temp: bool = False
) -> None:
    """Import ``path`` into the workspace with progress shown, then rerun the page.

    Parameters
    ----------
    ws
        The session's workspace.
    path
        The file on the server.
    name
        The name to show (an upload's own file name).
    kind
        ``"upload"``, ``"folder"`` or ``"sample"``.
    sheet
        Excel sheet to read (``None``: the one that holds a table).
    temp
        ``path`` is a private copy of an upload: it is removed once it is no longer needed (right
        after the import, or, for a workbook whose sheets can be switched, when another file loads).

    Notes
    -----
    Never returns: the page reruns. When the file cannot be read (a ``SegdashError``), the message
    is kept under :data:`segdash.ui.state.LOAD_ERROR` for :func:`show_load_error` and the earlier
    data stays loaded. Any other error still removes the private copy, then propagates to app.py.
    """
    previous = st.session_state.get(state.SOURCE) or {}
    # The session state and files are settled right after ws.load, before any further st.* call:
    # a click during a long import stops the run at the next Streamlit call (status.update), and
    # the state must already describe the data now in the workspace.
    with st.status(f"Loading {md(name)}…", expanded=False) as status:
        try:
            result = ws.load(path, name=name, sheet=sheet)
        except SegdashError as err:
            _record_load_error(name=name, error=err, path=path, temp=temp, previous=previous)
            status.update(label=f"Could not load {md(name)}", state="error")
        except BaseException:
            if temp and previous.get("path") != str(path):
                _remove(path)
            raise
        else:
            _record_loaded(path, kind=kind, temp=temp, keep=not temp or result.sheet is not None,
                           previous=previous)
            status.update(label=f"Loaded {md(name)}", state="complete")
    st.rerun()


def _record_load_error(*, name: str, error: SegdashError, path: Path, temp: bool, previous: dict[str, Any]) -> None:
    """Keep the message for :func:`show_load_error` and drop the unreadable upload's copy."""
    st.session_state.pop(state.SHEET_PICK, None)
    st.session_state[state.LOAD_ERROR] = f"**{md(name)}** could not be loaded. {md(error)}"
    if temp and previous.get("path") != str(path):
        _remove(path)


def _record_loaded(path: Path, *, kind: str, temp: bool, keep: bool, previous: dict[str, Any]) -> None:
    """Describe the file now loaded (``SOURCE``), forget the old report, remove copies not needed.

    ``keep``: a workbook's private copy stays to switch sheets; any other upload's copy goes now.
    """
    st.session_state.pop(state.SHEET_PICK, None)  # the picker shows the sheet loaded now
    st.session_state[state.SOURCE] = {"path": str(path) if keep else None, "kind": kind, "temp": temp}
    for key in (state.LOAD_ERROR, state.PROFILE):
        st.session_state.pop(key, None)
    _forget_column_table()
    if previous.get("temp") and previous.get("path") != str(path):
        _remove(previous.get("path"))
    if not keep:
        _remove(path)


def source_path() -> Path | None:
    """The loaded file on the server, when it is still there (sample, data folder, kept workbook).

    Returns
    -------
    pathlib.Path or None
    """
    source = st.session_state.get(state.SOURCE) or {}
    path = source.get("path")
    return Path(path) if path and Path(path).is_file() else None


# -- the report of what is loaded --------------------------------------------------------


def show_load_error(ws: Workspace) -> None:
    """Show the last failed load, if any, with a reminder that the earlier data is still there.

    Parameters
    ----------
    ws
        The session's workspace.
    """
    if ws.store_error:
        st.warning(ws.store_error, icon=":material/cloud_off:")
    message = st.session_state.get(state.LOAD_ERROR)
    if message:
        still = (
            f" Still loaded: **{md(ws.imported.source)}**." if ws.imported is not None else ""
        )
        st.error(message + still, icon=":material/error:")


def import_report(ws: Workspace) -> None:
    """Show the file name, the row reconciliation, what was found, the sheet picker and the notes.

    Parameters
    ----------
    ws
        The session's workspace, with data loaded.
    """
    result = ws.imported
    assert result is not None
    st.subheader(f":material/description: {md(result.source)}", anchor=False)
    line = preview.reconciliation_text(result)
    if result.rows_rejected:
        st.warning(
            f"**{line}**  \nRejected: {preview.rejected_lines_text(result)}. "
            "See *Rejected rows* below for the reasons and a download.",
            icon=":material/warning:",
        )
    else:
        st.success(f"**{line}**: every row arrived.", icon=":material/check_circle:")
    st.caption(md(preview.found_text(result)) + (f" · read in {result.seconds:,.1f} s" if result.seconds else ""))
    sheet_picker(ws)
    notes = preview.import_notes(result)
    if notes:
        st.markdown("**What segdash noticed while reading the file**")
        st.markdown("\n".join(f"- {md(note)}" for note in notes[:NOTES_SHOWN]))
        if len(notes) > NOTES_SHOWN:
            with st.expander(f"{len(notes) - NOTES_SHOWN:,} more notes"):
                st.markdown("\n".join(f"- {md(note)}" for note in notes[NOTES_SHOWN:]))


def transactions_hint(ws: Workspace) -> None:
    """Say so when the file is order lines rather than customers, and where to go with it.

    Parameters
    ----------
    ws
        The session's workspace, with data loaded.
    """
    from segdash.segment.rfm import detect_transactions

    types = ws.column_types()
    # same memo key as the Segments page, so the check runs once per data and roles
    found = ws.cached_data(("segments", "transactions"),
                           lambda: detect_transactions(ws.data, roles=ws.roles, types=types))
    if found is None:
        return
    if found.customer is None:
        st.info("This file looks like **order lines** (one row per purchase), but no column holds a customer id, "
                "so purchases cannot be added up per customer. Set the role of the customer column to "
                "*Customer id* below.", icon=":material/receipt_long:")
        return
    st.info(f"This file looks like **order lines**: one row per purchase, several per customer (customers "
            f"are told apart by “{md(found.customer)}”). On the **Segments** page, **RFM** adds them up per "
            "customer: how recently, how often and how much each one buys.", icon=":material/receipt_long:")


def sheet_label(info: Any) -> str:
    """How the sheet picker shows a sheet: ``"Customers · 5,000 rows · a table"``.

    Parameters
    ----------
    info
        A ``segdash.ingest.excel.SheetInfo`` (name, rows, has_table, reason).

    Returns
    -------
    str
    """
    what = "a table" if info.has_table else f"not a table: {info.reason}"
    return f"{info.name} · {info.rows:,} rows · {what}"


def _sheets(path: Path) -> list[Any]:
    from segdash.ingest.excel import list_sheets

    return list_sheets(path)


def _pick_sheet() -> None:
    st.session_state[state.PENDING_SHEET] = st.session_state.get(state.SHEET_PICK)


def sheet_picker(ws: Workspace) -> None:
    """For a workbook: pick a sheet among all, each with its row count and whether it is a table.

    The sheet the import chose is preselected; picking another loads it on the next run
    (:func:`apply_pending_sheet`).

    Parameters
    ----------
    ws
        The session's workspace.
    """
    result = ws.imported
    if result is None or not result.sheet:
        return
    path = source_path()
    if path is None:
        if len(result.sheets) > 1:
            st.caption(f"Other sheets in this workbook: {md(', '.join(s for s in result.sheets if s != result.sheet))}. "
                       "Upload it again to open another sheet.")
        return
    try:
        sheets = ws.cached(("data.sheets", str(path)), lambda: _sheets(path))
    except SegdashError as err:
        st.warning(f"The sheets of this workbook could not be listed. {md(err)}")
        return
    if len(sheets) < 2:
        return
    labels = {info.name: sheet_label(info) for info in sheets}
    names = list(labels)
    if st.session_state.get(state.SHEET_PICK) not in labels:
        st.session_state[state.SHEET_PICK] = result.sheet if result.sheet in labels else names[0]
    chosen = next((info for info in sheets if info.name == result.sheet), None)
    if chosen is not None and not chosen.has_table:
        st.warning(f"Sheet “{md(chosen.name)}” does not look like a table of customers: {md(chosen.reason)}. "
                   "Pick another sheet below if this is not what you meant.", icon=":material/warning:")
    st.selectbox(
        "Sheet",
        names,
        format_func=labels.get,
        key=state.SHEET_PICK,
        on_change=_pick_sheet,
        help="This workbook has several sheets. segdash chose the first one that looks like a table "
        "of customers; pick another to load it instead.",
    )


def apply_pending_sheet(ws: Workspace) -> None:
    """Load the sheet the user just picked, once (call it at the top of the page).

    Parameters
    ----------
    ws
        The session's workspace.
    """
    sheet = st.session_state.pop(state.PENDING_SHEET, None)
    path = source_path()
    if sheet is None or path is None or ws.imported is None or sheet == ws.imported.sheet:
        return
    source = st.session_state.get(state.SOURCE) or {}
    load_file(ws, path, name=ws.imported.source, kind=source.get("kind", "folder"), sheet=sheet,
              temp=bool(source.get("temp")))


# -- loading ----------------------------------------------------------------------------


def file_loader(ws: Workspace) -> None:
    """Upload a file, or open one from the server's data folder (each load happens once).

    Parameters
    ----------
    ws
        The session's workspace.
    """
    upload_tab, folder_tab, engine_tab = st.tabs([":material/upload: Upload from your computer",
                                                  ":material/folder_open: Open from the server's data folder",
                                                  ":material/database: Connect to a database"])
    with engine_tab:
        engine_connector(ws)
    with upload_tab:
        uploaded = st.file_uploader(
            "Customer file",
            key=state.UPLOADER,
            help="Text (CSV, TSV, any delimiter and encoding), Excel workbook (.xlsx) or Parquet, "
            "up to 1 GB. It is loaded as soon as it is uploaded.",
        )
        st.caption("CSV or other text with any delimiter, Excel (.xlsx) or Parquet, up to 1 GB. "
                   "Your file stays private to this browser session.")
        if uploaded is not None and st.session_state.get(state.UPLOAD_ID) != uploaded.file_id:
            st.session_state[state.UPLOAD_ID] = uploaded.file_id
            load_file(ws, save_upload(uploaded), name=uploaded.name, kind="upload", temp=True)
    with folder_tab:
        folder = config.data_dir()
        files = config.data_dir_files()
        where = f"`{folder}`" if folder is not None else "not set"
        st.caption(
            f"Files already on the server, opened without uploading (best for very large files). "
            f"Data folder: {where}. Your administrator chooses it with the **SEGDASH\\_DATA\\_DIR** setting."
        )
        if not files:
            st.info("There are no data files in this folder.")
            return
        by_name = {path.name: path for path in files}
        with st.form(state.FOLDER_FORM, border=False):
            choice = st.selectbox("File", list(by_name), key=state.FOLDER_FILE,
                                  format_func=lambda n: f"{n} ({_size(by_name[n])})")
            opened = st.form_submit_button("Open", icon=":material/folder_open:", type="primary")
        if opened and choice in by_name:
            # checked again now: a file swapped for a link out of the folder since listing is refused
            load_file(ws, config.data_dir_file(choice), name=choice, kind="folder")


def _source_environment() -> dict[str, str]:
    """The environment for a connection, with ``SEGDASH_SOURCE_PASSWORD`` from Streamlit's secrets when set there."""
    from segdash.engines import PASSWORD_ENV

    environ = dict(os.environ)
    with contextlib.suppress(Exception):  # no secrets file: the environment alone
        secret = st.secrets.get(PASSWORD_ENV)
        if secret:
            environ[PASSWORD_ENV] = str(secret)
    return environ


def engine_connector(ws: Workspace) -> None:
    """"Connect to a database": a URL, a table and (optionally) its customer id column; then work on it.

    The password never goes in the URL: it comes from ``SEGDASH_SOURCE_PASSWORD`` (environment or
    Streamlit secrets); only the URL without secrets is shown. ``SEGDASH_SOURCE`` and
    ``SEGDASH_SOURCE_TABLE`` pre-fill the form. Connecting makes the session's workspace work on that
    table (:meth:`Workspace.use_table`): every page then queries the engine, and segments are written
    back there. Loading a file again switches back.

    Parameters
    ----------
    ws
        The session's workspace.
    """
    from segdash.engines import (
        ENGINES,
        PASSWORD_ENV,
        SOURCE_ENV,
        EngineTable,
        display_url,
        source_table,
        source_url,
    )

    st.caption(f"A customers table in PostgreSQL, Spark, DuckDB or a warehouse, read where it lives (nothing is "
               f"copied). Your administrator can preset the address with **{SOURCE_ENV}**; the password comes from "
               f"**{PASSWORD_ENV}** (environment or secrets), never from the address.")
    # the fields start from the table connected now, else the preset; an address typed with a password
    # is shown without it once connected (the password is not kept anywhere on the page)
    if ws.engine is not None and st.session_state.pop(state.ENGINE_CONNECTED, False):
        st.session_state[state.ENGINE_URL] = ws.engine.source.url
    st.session_state.setdefault(state.ENGINE_URL, ws.engine.source.url if ws.engine is not None
                                else display_url(source_url() or ""))
    st.session_state.setdefault(state.ENGINE_TABLE, ws.engine.data.table if ws.engine is not None
                                else source_table() or "")
    with st.form(state.ENGINE_FORM, border=False):
        url = st.text_input("Database address", key=state.ENGINE_URL, placeholder="postgres://user@host:5432/database")
        table = st.text_input("Table of customers", key=state.ENGINE_TABLE, placeholder="customers")
        key = st.text_input("Customer id column (optional: found when left blank)", key=state.ENGINE_KEY,
                            placeholder="customer_id")
        connect = st.form_submit_button("Connect", icon=":material/database:", type="primary")
    if connect:
        try:
            configured = source_url()
            if configured and url.strip() == display_url(configured):  # the preset address, secrets and all
                url = configured
            with st.spinner("Connecting …"):
                opened = EngineTable.open(url, table.strip(), key=key.strip() or None,
                                          environ=_source_environment())
        except SegdashError as err:
            st.error(str(err), icon=":material/error:")
        else:
            previous = st.session_state.get(state.SOURCE) or {}
            ws.use_table(opened)
            if previous.get("temp"):
                _remove(previous.get("path"))
            st.session_state[state.SOURCE] = {"path": None, "kind": "engine", "temp": False}
            st.session_state[state.ENGINE_CONNECTED] = True
            for name in (state.LOAD_ERROR, state.PROFILE, state.SHEET_PICK):
                st.session_state.pop(name, None)
            _forget_column_table()
            st.rerun()
    if ws.engine is None:
        st.caption("Addresses: " + ", ".join(f"`{scheme}://`" for scheme in ENGINES if scheme != "postgresql"))


def engine_report(ws: Workspace) -> None:
    """What the session works on when it is a table in an engine: engine, table, size, key, where segments go.

    Parameters
    ----------
    ws
        The session's workspace, working on a table in an engine.
    """
    table = ws.engine
    assert table is not None
    summary = ws.cached(("data.engine_summary",), table.summary)
    st.subheader(f":material/database: Table {md(summary['table'])} in {md(summary['engine'])}", anchor=False)
    st.success(f"Working on table “{md(summary['table'])}” in **{md(summary['engine'])}** "
               f"({md(summary['source'])}): {summary['rows']:,} customers, each identified by "
               f"“{md(summary['key'])}”.", icon=":material/check_circle:")
    st.caption(f"Every page queries the table where it lives; nothing is copied here. Segments are written back "
               f"to table “{md(summary['labels_table'])}” in {md(summary['engine'])}. Load a file below to work "
               "on a file again.")
    with st.expander("The same from the command line"):
        st.code(summary["command"], language="bash")


def engine_columns(ws: Workspace) -> None:
    """The columns of the table in an engine: type and role (the role editable), then its first rows.

    Parameters
    ----------
    ws
        The session's workspace, working on a table in an engine.
    """
    st.subheader("Columns", anchor=False)
    st.caption("What each column holds, suggested from its name and its first rows. The **Role** tells segdash how "
               "to use a column; change it if the suggestion is wrong. Columns marked **Personal data** are "
               "excluded from segments and exports.")
    types = ws.column_types()
    overview = pd.DataFrame({"name": list(types), "type": list(types.values()),
                             "role": [ROLE_LABELS.get(ws.roles.get(name, "other"), ws.roles.get(name, "other"))
                                      for name in types]})
    key = column_table_key(ws)
    edited = st.data_editor(
        overview, key=key, hide_index=True, placeholder="", width="stretch", disabled=["name", "type"],
        on_change=_save_column_edits, args=(ws, key, overview[["name", "role"]].copy()),
        height=min(TABLE_ROW_PX * (len(overview) + 1) + 3, 36 * TABLE_ROW_PX),
        column_config={
            "name": st.column_config.TextColumn("Column", pinned=True, width=220),
            "type": st.column_config.TextColumn("Type", width=90),
            "role": st.column_config.SelectboxColumn("Role ✎", options=list(ROLE_LABELS.values()), required=True,
                                                     help="Click to change how segdash uses this column."),
        },
    )
    if _apply_column_edits(ws, edited):  # an edit set from code: a person's was saved by on_change
        st.rerun()
    st.subheader(f"First {PREVIEW_ROWS:,} rows", anchor=False)
    private = preview.private_columns(ws.roles)
    show_private = st.toggle("Show personal data", key=state.SHOW_PII, disabled=not private,
                             help="Columns whose role is Personal data are hidden here unless you turn this on.")
    columns = [name for name in types if show_private or name not in private]
    rows = ws.cached(("data.preview", tuple(columns)), lambda: ws.engine.preview(columns=columns, limit=PREVIEW_ROWS))
    if private and not show_private:
        st.caption(f"Hidden personal data: {md(', '.join(private))}.")
    st.dataframe(rows, width="stretch", hide_index=True)


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "?"
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover


# -- rejected rows, columns, preview -----------------------------------------------------


def rejected_rows(result: ImportResult) -> None:
    """Show the rejected lines (line, reason, text in the file) and offer them as a safe CSV.

    Parameters
    ----------
    result
        The import report.
    """
    if not result.rows_rejected:
        return
    st.subheader(f"Rejected rows ({result.rows_rejected:,})", anchor=False)
    table = preview.rejected_table(result)
    listed = len(table)
    st.caption("These lines of the file were not loaded. Fix them in the file and load it again, "
               "or go on without them." + (f" The first {listed:,} are listed." if listed < result.rows_rejected
                                           else ""))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "line": st.column_config.NumberColumn("Line in file", format="%d", width="small"),
            "reason": st.column_config.TextColumn("Why it was rejected", width="large"),
            "raw": st.column_config.TextColumn("Text in the file", width="large"),
        },
    )
    st.download_button(
        "Download rejected rows (CSV)",
        to_safe_csv(table.rename(columns={"line": "line in file", "raw": "text in the file"})),
        file_name=f"{Path(result.source).stem}-rejected-rows.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def _profile(ws: Workspace) -> pd.DataFrame:
    """The column profile of the loaded data, computed once per file.

    Kept in session state keyed by the data (not in ``ws.cached``) because the workspace memo is
    emptied on every role edit, and the profile does not depend on roles.
    """
    from segdash.columns import profile_columns

    cached = st.session_state.get(state.PROFILE)
    if cached is not None and cached[0] == ws.data_id:
        return cached[1]
    with st.spinner("Profiling the columns…"):
        profile = profile_columns(ws.con, table=db.TABLE, types=ws.column_types(), roles=ws.roles)
    st.session_state[state.PROFILE] = (ws.data_id, profile)
    return profile


#: Columns of the Columns table shown unless "Show all column details" is on (they fit 1440 px).
MAIN_OVERVIEW_COLUMNS = ("name", "label", "role", "used_for", "summary", "histogram", "missing_pct")


def column_roles(ws: Workspace) -> None:
    """The column table: one row per column, the role editable (saved with ``ws.set_role``).

    Parameters
    ----------
    ws
        The session's workspace, with data loaded.
    """
    st.subheader("Columns", anchor=False)
    st.caption(
        "What each column holds. The **Shown as** label is how segdash names the column in segment names, "
        "cards, charts and sentences: double-click it to change it. The **Role** tells segdash how to use a "
        "column; change it if the suggestion is wrong. Columns marked **Personal data** are excluded from "
        "segments and exports."
    )
    assert ws.imported is not None
    overview = preview.columns_overview(
        _profile(ws), roles=ws.roles, rows=ws.imported.rows_loaded,
        notes={column.name: column.note for column in ws.imported.columns},
        show_personal=bool(st.session_state.get(state.SHOW_PII, False)),
    )
    details = st.toggle("Show all column details (type, distinct values, how it was read)",
                        key=state.COLUMN_DETAILS)
    editor_key = column_table_key(ws)  # a new file gets a new table: edits belong to the file they were made on
    if len(overview) > preview.COLUMNS_PER_PAGE:  # a wide file: find columns by name, page through the rest
        search_box, page_box = st.columns([3, 1])
        search = search_box.text_input("Find a column", key=state.COLUMN_SEARCH, placeholder="Part of a column name")
        page = page_box.number_input("Page", min_value=1, step=1, key=state.COLUMN_PAGE)
        overview, pages, matched = preview.columns_page(overview, search=search, page=int(page))
        st.caption(f"{matched:,} of {len(ws.roles):,} columns match · page {min(int(page), pages)} of {pages}, "
                   f"{preview.COLUMNS_PER_PAGE} columns a page")
        editor_key = f"{editor_key}:{search}:{page}"  # an edit belongs to the rows shown when made
    overview.insert(1, "label", _labels_under_editor(ws, editor_key, overview["name"]))
    edited = st.data_editor(
        overview,
        key=editor_key,
        placeholder="",
        on_change=_save_column_edits, args=(ws, editor_key, overview[["name", "label", "role"]].copy()),
        hide_index=True,
        width="stretch",
        height=min(TABLE_ROW_PX * (len(overview) + 1) + 3, 36 * TABLE_ROW_PX),
        disabled=[c for c in preview.OVERVIEW_COLUMNS if c != "role"],
        # the main columns fit a 1440 px screen; the rest only when asked for
        column_order=("name", "label", *preview.OVERVIEW_COLUMNS[1:]) if details else MAIN_OVERVIEW_COLUMNS,
        column_config={
            "name": st.column_config.TextColumn("Column", pinned=True, width=140),
            "label": st.column_config.TextColumn(
                "Shown as ✎", width=190, max_chars=60,
                help="Plain words for this column in names, cards, charts and sentences. Double-click to edit."),
            "type": st.column_config.TextColumn("Type", width=70),
            "role": st.column_config.SelectboxColumn(
                "Role ✎", options=list(ROLE_LABELS.values()), required=True, width=145,
                help="Click to change how segdash uses this column.",
            ),
            "used_for": st.column_config.TextColumn("Used for", width=225,
                                                    help="Whether segdash builds segments and profiles from it"),
            "missing_pct": st.column_config.NumberColumn("Missing", format="%.1f%%", width=70,
                                                         help="Share of rows with no value"),
            "distinct": st.column_config.NumberColumn("Distinct", format="localized", width=75,
                                                      help="How many different values"),
            "histogram": st.column_config.BarChartColumn("Distribution", y_min=0, width=90),
            "summary": st.column_config.TextColumn("Summary", width=255),
            "note": st.column_config.TextColumn("How it was read", width="medium"),
        },
    )
    if _apply_column_edits(ws, edited):  # an edit set from code: a person's was saved by on_change
        st.rerun()


def _forget_column_table() -> None:
    """Drop the column table's edits and labels (new data: the table starts afresh)."""
    for key in [key for key in st.session_state if str(key).startswith(state.ROLE_EDITOR)]:
        st.session_state.pop(key, None)
    st.session_state.pop(state.LABELS_UNDER_EDITOR, None)


def column_table_key(ws: Workspace) -> str:
    """The column table's widget key for the loaded data (a new file starts a new table)."""
    return f"{state.ROLE_EDITOR}:{zlib.crc32(ws.data_id.encode()):08x}"


def _labels_under_editor(ws: Workspace, key: str, names: pd.Series) -> list[str]:
    """The labels the column table ``key`` is drawn on: as they were when the table was first shown.

    The table keeps the person's label edits on top of these, so a saved label does not change the
    data under it: changed data makes the browser clear its edits and send one more run, which can
    arrive after a click on another page and take the person back (see
    :func:`segdash.ui.state.table_edited`). Roles are drawn as they are: a role changes what other
    cells say ("Used for").
    """
    now = {str(name): ws.column_label(str(name)) for name in names}
    kept = st.session_state.get(state.LABELS_UNDER_EDITOR)
    edits = st.session_state.get(key)
    typed = {int(row) for row, cells in (edits.get("edited_rows") or {}).items() if "label" in (cells or {})} \
        if isinstance(edits, dict) else set()
    # a label changed some other way (not typed in this table) is drawn as it is now
    moved = isinstance(kept, dict) and any(
        kept["labels"].get(name, label) != label and position not in typed
        for position, (name, label) in enumerate(now.items()))
    if edits is None or not isinstance(kept, dict) or kept.get("key") != key or moved:
        kept = {"key": key, "labels": now}
        st.session_state[state.LABELS_UNDER_EDITOR] = kept
    return [kept["labels"].get(name, label) for name, label in now.items()]


def _save_column_edits(ws: Workspace, key: str, base: pd.DataFrame) -> None:
    """``on_change`` of a column table: save its roles and labels before any page draws.

    See :mod:`segdash.ui.components` (table editors) for why an edit is saved here and not after
    the table is drawn.
    """
    _apply_column_edits(ws, components.table_edit_arrived(key, base))


def _apply_column_edits(ws: Workspace, edited: pd.DataFrame) -> bool:
    """Save the roles and labels changed in ``edited`` (columns ``name``, ``role``, maybe ``label``).

    Returns whether anything changed; a changed label is confirmed on the next runs.
    """
    changes = preview.role_changes(ws.roles, edited)
    label_changes = (labels.label_changes(ws.column_labels, edited=zip(edited["name"], edited["label"], strict=True))
                     if "label" in edited else {})
    for column, role in changes.items():
        ws.set_role(column, role)
    for column, label in label_changes.items():
        ws.set_column_label(column, label)
    if label_changes:
        state.flash("Saved: " + "; ".join(f"'{escape_markdown(column)}' is shown as '{escape_markdown(label)}'"
                                          for column, label in label_changes.items())
                    + ". Segment names, cards and charts use it from now on.")
    return bool(changes or label_changes)


def preview_table(ws: Workspace) -> None:
    """Show the first rows (a ``LIMIT`` query), personal data hidden unless the user asks for it.

    Parameters
    ----------
    ws
        The session's workspace, with data loaded.
    """
    st.subheader(f"First {PREVIEW_ROWS:,} rows", anchor=False)
    private = preview.private_columns(ws.roles)
    show_private = st.toggle("Show personal data", key=state.SHOW_PII, disabled=not private,
                             help="Columns whose role is Personal data are hidden here unless you turn this on.")
    hidden = [] if show_private else private
    columns = [name for name in ws.roles if name not in hidden]
    rows = ws.cached(("data.preview", tuple(columns)),
                     lambda: preview.preview_rows(ws.con, limit=PREVIEW_ROWS, columns=columns))
    if hidden:
        st.caption(f"Hidden personal data: {md(', '.join(hidden))}.")
    st.dataframe(rows, width="stretch", column_config=_preview_formats(ws, rows))


def _preview_formats(ws: Workspace, rows: pd.DataFrame) -> dict[str, Any]:
    """Thousands separators for amounts, plain dates unless a value has a time of day."""
    with_times = set(preview.columns_with_times(rows))
    years = set(preview.year_columns(rows))
    where = "Row in sheet" if ws.imported is not None and ws.imported.sheet else "Line in file"
    formats: dict[str, Any] = {"_index": st.column_config.NumberColumn(where, format="%d")}
    for name, kind in ws.column_types().items():
        if kind == "number" and name in years:
            formats[name] = st.column_config.NumberColumn(format="%d")
        elif kind == "number" and ws.roles.get(name) != "id":
            formats[name] = st.column_config.NumberColumn(format="localized")
        elif kind == "date":
            formats[name] = st.column_config.DatetimeColumn(
                format="YYYY-MM-DD HH:mm" if name in with_times else "YYYY-MM-DD"
            )
    return formats
