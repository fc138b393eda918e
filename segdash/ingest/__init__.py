"""Import a customer file into the workspace's DuckDB: format, parsing, types, reconciliation.

``import_file`` is the one entry point. It reads the file into a staging table, types
every column from all its values (:mod:`segdash.ingest.coerce`), suggests roles, and only
then replaces ``customers``: a failed import leaves the earlier data untouched.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import sniff
from segdash.ingest.coerce import Coerced, coerce_table
from segdash.ingest.delimited import RawTable, load_delimited
from segdash.schema import ImportResult

__all__ = ["import_file"]


def import_file(
    con: duckdb.DuckDBPyConnection,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Import a CSV/TSV/text, Excel or Parquet file as the table ``customers``.

    The format comes from the file's content, not its extension. The table's first
    column is ``_row`` (the line, or sheet row, where each record starts); the others are
    the file's columns with unique names, typed number, date, boolean or text.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    path
        The file on disk.
    name
        Name to show for the file (defaults to the file name).
    sheet
        Excel sheet to read (defaults to the first sheet that holds a table).

    Returns
    -------
    ImportResult
        The full report; ``rows_in_file == rows_loaded + rows_rejected``.

    Raises
    ------
    DataImportError
        When the file cannot be read or holds no table; ``customers`` is then unchanged.
    """
    started = time.perf_counter()
    shown = name or Path(path).name
    kind = sniff.detect_format(path)
    raw: RawTable | None = None
    try:
        try:
            raw = _load_raw(con, path, kind, sheet)
        except DataImportError as err:
            raise DataImportError(str(err).replace(Path(path).name, shown)) from err
        coerced = coerce_table(
            con, table=raw.relation, columns=raw.columns, native_types=raw.native_types,
            native_tokens=raw.native_tokens, sampled=raw.sampled,
        )
        from segdash.columns import suggest_roles

        _codes_as_text(con, raw.relation, coerced)
        roles = suggest_roles(con, table=raw.relation, types={c.name: c.type for c in coerced.columns})
        for info, original in zip(coerced.columns, raw.originals, strict=True):
            info.role = roles.get(info.name, "other")
            info.original_name = None if original is None else str(original)
            if kind == "xlsx":
                info.note = info.note.replace(" on line ", " on row ")
        if kind == "xlsx":
            coerced.notes = [n.replace(" on line ", " on row ") for n in coerced.notes]
        _swap(con, raw.relation)
    except (duckdb.Error, OSError, UnicodeError) as err:
        # The reader's own failures (not a bad line): its text goes to the log via ``from err``.
        raise DataImportError(_read_failure(shown, kind, err)) from err
    finally:
        if raw is not None:
            raw.drop(con)
    loaded = coerced.rows
    result = ImportResult(
        source=shown,
        format=kind if kind != "text" else "csv",
        rows_in_file=raw.rows_in_file,
        rows_loaded=loaded,
        rows_rejected=len(raw.rejected),
        rejected=raw.rejected,
        columns=coerced.columns,
        repairs=raw.repairs,
        notes=[*raw.notes, *coerced.notes],
        missing_tokens=coerced.missing_tokens,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        sheet=raw.sheet,
        sheets=raw.sheets,
    )
    if result.rows_in_file != result.rows_loaded + result.rows_rejected:  # pragma: no cover - a bug guard
        raise DataImportError(
            f"{shown}: {result.rows_in_file:,} rows were read but {result.rows_loaded + result.rows_rejected:,} "
            "accounted for; the import was stopped so that no row is lost silently."
        )
    result.seconds = time.perf_counter() - started
    return result


def _read_failure(shown: str, kind: str, err: BaseException) -> str:
    """One plain sentence for a failure of the reader itself (DuckDB, the disk, decoding)."""
    if isinstance(err, PermissionError):
        return (
            f"The file {shown} could not be read because access to it was refused; close it in any other "
            "program or copy it to a folder you own, then import it again."
        )
    if isinstance(err, (OSError, duckdb.IOException)):
        return (
            f"The file {shown} could not be read from disk; it may have been moved, deleted or still be "
            "copying, so check that it is there and complete, then import it again."
        )
    if isinstance(err, duckdb.OutOfMemoryException):
        return (
            f"The file {shown} is too large to import in the memory available; split it into smaller "
            "files and import them one at a time."
        )
    if isinstance(err, UnicodeError):
        return (
            f"The file {shown} holds characters that could not be read as text; save it again as CSV "
            "(UTF-8) and import the new file."
        )
    if kind == "parquet":
        return (
            f"The file {shown} looks like Parquet but could not be read; it may be damaged or incomplete, "
            "so export it again and import the new file."
        )
    if kind == "xlsx":
        return (
            f"The workbook {shown} could not be read; open it in Excel, save it again as .xlsx "
            "and import the new file."
        )
    return (
        f"The file {shown} could not be read as a table (for example it mixes line endings or is cut off); "
        "open it in Excel or a text editor, save it again as CSV and import the new file."
    )


def _load_raw(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], kind: str, sheet: str | None) -> RawTable:
    if kind == "xlsx":
        from segdash.ingest.spreadsheet import load_sheet

        return load_sheet(con, path, sheet=sheet)
    if kind == "parquet":
        from segdash.ingest.parquet import load_parquet

        return load_parquet(con, path)
    return load_delimited(con, path)


def _codes_as_text(con: duckdb.DuckDBPyConnection, stage: str, coerced: Coerced) -> None:
    """Store whole-number code columns (``Region`` 1-9, zip codes) as text, so every page treats
    them as categories (no bands like "Region 4-9", no means); a note says so."""
    from segdash.columns import code_columns

    codes = code_columns(con, table=stage, types={c.name: c.type for c in coerced.columns})
    for info in coerced.columns:
        if info.name in codes:
            con.execute(
                "ALTER TABLE " + db.quote_ident(stage) + " ALTER COLUMN " + db.quote_ident(info.name)
                + " SET DATA TYPE VARCHAR"
            )
            info.type, info.note = "text", codes[info.name]
            coerced.notes.append(
                f"Column '{info.name}' holds codes, not amounts ({codes[info.name].split('(')[-1].rstrip(')')}), "
                "so it is read as categories."
            )


def _swap(con: duckdb.DuckDBPyConnection, stage: str) -> None:
    """Replace ``customers`` with the staging table in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DROP TABLE IF EXISTS " + db.quote_ident(db.TABLE))
        con.execute("ALTER TABLE " + db.quote_ident(stage) + " RENAME TO " + db.quote_ident(db.TABLE))
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
