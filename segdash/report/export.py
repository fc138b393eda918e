"""Exports that are safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) can run as a formula
in Excel or Sheets. Text cells like that are prefixed with an apostrophe; numbers are left alone.
"""

from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return ``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula.

    Parameters
    ----------
    value
        Any cell value. Only strings are changed.

    Returns
    -------
    object
        The same value, or the string prefixed with ``'``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore_cell(value: object) -> object:
    """Undo :func:`neutralise_cell`: drop the apostrophe put before formula-like text.

    Parameters
    ----------
    value
        A cell read back from a file this module wrote. Only strings are changed.

    Returns
    -------
    object
        The value without the leading ``'`` when the next character is one of
        :data:`FORMULA_STARTS`; otherwise unchanged.
    """
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with every formula-like text cell (and header) neutralised.

    Vectorised per column: only string cells are changed; numbers, dates and missing values
    (also inside mixed object columns) are left as they are.

    Parameters
    ----------
    frame
        The table to export.

    Returns
    -------
    pandas.DataFrame
        A copy with the same column types.
    """
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(column)) for column in safe.columns]
    for position in range(safe.shape[1]):
        series = safe.iloc[:, position]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            # mixed object column: only its strings may change
            text = series.where(series.map(lambda value: isinstance(value, str)).astype(bool), None).astype("str")
        else:
            text = series.astype("str")  # vectorised string kernels (Arrow)
        mask = text.str.startswith(FORMULA_STARTS, na=False)
        if not mask.any():
            continue
        if series.dtype == object:  # keep the other cells (numbers, None) exactly as they were
            values = series.to_numpy(dtype=object, copy=True)
            values[mask.to_numpy(dtype=bool)] = ("'" + text[mask]).to_numpy(dtype=object)
            safe.isetitem(position, pd.Series(values, index=series.index, name=series.name, dtype=object))
        else:  # a text column stays a text column (no per-cell Python objects)
            safe.isetitem(position, text.mask(mask, "'" + text))
    return safe


def neutralise_arrow(table: pa.Table) -> pa.Table:
    """:func:`neutralise_formulas` for an Arrow table: formula-like text cells and headers get a ``'``.

    Parameters
    ----------
    table
        The table to export.

    Returns
    -------
    pyarrow.Table
        Text columns changed where needed; other columns as they were.
    """
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.starts_with(column, FORMULA_STARTS[0])
            for start in FORMULA_STARTS[1:]:
                risky = pc.or_(risky, pc.starts_with(column, start))
            column = pc.if_else(pc.fill_null(risky, False), pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=[str(neutralise_cell(str(name))) for name in table.column_names])


def write_arrow_csv(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write ``table`` as CSV (UTF-8 with BOM, text quoted, formulas neutralised) with Arrow's writer.

    ``pandas`` took several seconds per million rows (objects, then ``to_csv``); Arrow a fraction.

    Parameters
    ----------
    table
        The table to export.
    path
        The file to write (replaced).

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    import pyarrow.csv as pa_csv

    with open(path, "wb") as handle:
        handle.write("\ufeff".encode())
        pa_csv.write_csv(neutralise_arrow(table), handle, write_options=pa_csv.WriteOptions(quoting_style="needed"))


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel reads accents) with formulas neutralised.

    Parameters
    ----------
    frame
        The table to export.

    Returns
    -------
    bytes
    """
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_safe_xlsx(frame: pd.DataFrame, *, sheet: str = "Sheet1") -> bytes:
    """Excel workbook bytes (openpyxl) with formulas neutralised, so no cell runs when opened.

    Parameters
    ----------
    frame
        The table to export.
    sheet
        Worksheet name (at most 31 characters; our own text, not the user's).

    Returns
    -------
    bytes
    """
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()
