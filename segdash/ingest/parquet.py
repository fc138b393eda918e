"""Parquet files into a raw staging table (native types kept; text columns typed later)."""

from __future__ import annotations

import os
import uuid

import duckdb

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import sniff
from segdash.ingest.delimited import RawTable
from segdash.ingest.names import unique_names


def load_parquet(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> RawTable:
    """Load a Parquet file; ``_row`` is the row's position in the file plus one.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    path
        The Parquet file.

    Returns
    -------
    RawTable
        The staging relation, with the DuckDB type of every column in ``native_types``.

    Raises
    ------
    DataImportError
        When the file cannot be read as Parquet or holds no rows.
    """
    name = sniff.describe(path)
    table = "_segdash_stage_" + uuid.uuid4().hex[:12]
    try:
        described = db.fetch_all(con, "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)])
    except duckdb.Error as err:
        raise DataImportError(f"The file {name} looks like Parquet but could not be read; it may be damaged.") from err
    headers = [row[0] for row in described]
    names, repairs = unique_names(headers)
    select = ", ".join(
        db.quote_ident(old) + " AS " + db.quote_ident(new) for old, new in zip(headers, names, strict=True)
    )
    try:
        con.execute(
            "CREATE TABLE " + db.quote_ident(table) + " AS SELECT file_row_number + 1 AS "
            + db.quote_ident(db.ROW) + ", " + select + " FROM read_parquet(?, file_row_number = true)",
            [str(path)],
        )
    except duckdb.Error as err:
        con.execute("DROP TABLE IF EXISTS " + db.quote_ident(table))
        raise DataImportError(f"The file {name} looks like Parquet but could not be read; it may be damaged.") from err
    rows = db.fetch_scalar(con, "SELECT count(*) FROM " + db.quote_ident(table))
    raw = RawTable(
        relation=table,
        columns=names,
        originals=headers,
        rows_in_file=rows,
        repairs=repairs,
        native_types={new: str(row[1]) for new, row in zip(names, described, strict=True)},
        objects=[("TABLE", table)],
    )
    if rows == 0:
        raw.drop(con)
        raise DataImportError(f"The file {name} has column names but no rows of data: there is nothing to import.")
    raw.notes.append("Read as Parquet; number, date and yes/no columns keep the types stored in the file.")
    return raw
