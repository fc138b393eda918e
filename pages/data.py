"""Data: what is loaded, loading another file, rejected rows, column roles, and a preview."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import data as data_ui

ws = components.page_setup(
    "Data",
    "Load your customer file, check that every row arrived, and tell segdash what each column means.",
)
data_ui.apply_pending_sheet(ws)
data_ui.show_load_error(ws)

if ws.engine is not None:
    data_ui.engine_report(ws)
elif ws.imported is not None:
    data_ui.import_report(ws)
    data_ui.transactions_hint(ws)
    data_ui.rejected_rows(ws.imported)
else:
    st.info("No customer file is loaded yet. Upload one, open one from the server's data folder, or connect to a "
            "table in a database below.", icon=":material/info:")

if ws.engine is not None:
    st.subheader("Load a file instead, or another table", anchor=components.LOADER_ANCHOR)
    st.caption("A file replaces the table you are working on (its segments stay in the database).")
else:
    st.subheader("Load another file" if ws.has_data else "Load a customer file", anchor=components.LOADER_ANCHOR)
    if ws.has_data:
        st.caption("A new file replaces the data loaded now, and any segments made from it.")
data_ui.file_loader(ws)

if ws.engine is not None:
    data_ui.engine_columns(ws)
elif ws.imported is not None:
    data_ui.column_roles(ws)
    data_ui.preview_table(ws)
