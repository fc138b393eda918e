"""Excel sheets into a raw text staging table, via :mod:`segdash.ingest.excel`."""

from __future__ import annotations

import os
import uuid

import duckdb
import pyarrow as pa

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import excel, sniff
from segdash.ingest.delimited import RawTable
from segdash.ingest.names import unique_names


def load_sheet(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], *, sheet: str | None) -> RawTable:
    """Load one sheet of a workbook as text, with ``_row`` the sheet's row number.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    path
        The workbook.
    sheet
        The sheet to read, or ``None`` for the first sheet that holds a table.

    Returns
    -------
    RawTable
        The staging relation plus the sheet chosen and the sheets listed in ``notes``.

    Raises
    ------
    DataImportError
        When the workbook is damaged, the sheet does not exist, or no sheet holds a table.
    """
    name = sniff.describe(path)
    sheets = excel.list_sheets(path)
    chosen = excel.choose_sheet(sheets, sheet)
    arrow = excel.read_sheet(path, chosen)
    headers = arrow.column_names[1:]
    names, repairs = unique_names(headers)
    arrow = pa.Table.from_arrays(arrow.columns, names=[db.ROW, *names])
    rows = arrow.num_rows
    if rows == 0:
        raise DataImportError(
            f"The sheet '{chosen}' of {name} has column names but no rows of data. Choose another sheet."
        )
    table = "_segdash_stage_" + uuid.uuid4().hex[:12]
    view = "_segdash_arrow_" + uuid.uuid4().hex[:12]
    con.register(view, arrow)
    try:
        con.execute("CREATE TABLE " + db.quote_ident(table) + " AS SELECT * FROM " + db.quote_ident(view))
    finally:
        con.unregister(view)
    raw = RawTable(
        relation=table,
        columns=names,
        originals=list(headers),
        rows_in_file=rows,
        repairs=repairs,
        objects=[("TABLE", table)],
    )
    skipped = [s for s in sheets if s.name != chosen]
    raw.notes.append(f"Read sheet '{chosen}' of {len(sheets)}.")
    for other in skipped:
        raw.notes.append(f"Sheet '{other.name}': {other.reason}.")
    raw.sheet = chosen
    raw.sheets = [s.name for s in sheets]
    return raw
