"""Excel workbooks: list the sheets, find the one that holds a table, read it as text.

Reading uses python-calamine (Rust; ``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``).
Every cell comes back as text so that the import's coercion step decides the types
from the whole column, exactly as for a CSV file:

* numbers: integers without ``.0`` (``3``), other floats by ``repr`` (``2.08``);
* dates ``2010-12-01``, date-times ``2010-12-01 08:26:00``, times ``08:26:00``;
* booleans ``TRUE`` / ``FALSE``; empty cells ``None``.

The header is the first row whose cells are mostly filled with text, so title rows and
blank rows above a table are skipped. Fully blank rows inside the table are skipped too,
while ``_row`` keeps each data row's real row number in the sheet (1-based, as Excel shows it).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from segdash.errors import DataImportError

#: How many rows from the top may hold titles or notes before the header.
_HEADER_SEARCH_ROWS = 30
#: Rows looked at to decide whether a sheet is a data dictionary.
_DICTIONARY_SAMPLE_ROWS = 200
#: A sheet longer than this is never taken for a data dictionary.
_DICTIONARY_MAX_ROWS = 500
_DICTIONARY_HEADER_WORDS = frozenset(
    {"meaning", "description", "descriptions", "definition", "definitions", "explanation", "notes", "details"}
)


@dataclass
class SheetInfo:
    """One sheet of a workbook, as the sheet picker shows it.

    Attributes
    ----------
    name
        Sheet name as written in the workbook.
    rows
        Data rows under the header (blank rows not counted).
    columns
        Columns of the table (columns with neither a header nor any value are not counted).
    has_table
        Whether the sheet looks like a table of records that can be imported.
    reason
        Plain words saying why it is, or is not, a table.
    """

    name: str
    rows: int
    columns: int
    has_table: bool
    reason: str


@dataclass
class _Grid:
    """A sheet's header and data rows, before conversion to text."""

    header: list[Any]
    header_row: int
    rows: list[list[Any]]
    row_numbers: list[int]
    keep: list[int]


# -- workbook access -----------------------------------------------------------------


def _is_panic(error: BaseException) -> bool:
    """Whether ``error`` is a Rust panic surfaced by pyo3 (a ``BaseException``)."""
    return type(error).__name__ == "PanicException"


def _open(path: str | os.PathLike[str]) -> Any:
    """Open a workbook with calamine, turning every failure into a plain message."""
    from python_calamine import CalamineWorkbook

    name = Path(path).name
    try:
        return CalamineWorkbook.from_path(str(path))
    except FileNotFoundError as error:
        raise DataImportError(f"The file {name} was not found.") from error
    except Exception as error:
        raise _unreadable(name) from error
    except BaseException as error:
        if _is_panic(error):
            raise _unreadable(name) from error
        raise


def _unreadable(name: str) -> DataImportError:
    return DataImportError(
        f"{name} could not be read as an Excel workbook: the file looks damaged or incomplete. "
        "Open it in Excel and save it again, or export the sheet as CSV."
    )


def _sheet_cells(workbook: Any, sheet: str, *, file_name: str) -> tuple[list[list[Any]], int]:
    """All cells of ``sheet`` (used area only) and the 0-based row index of the first one."""
    try:
        data = workbook.get_sheet_by_name(sheet)
        cells = data.to_python()
        start = data.start
    except Exception as error:
        raise DataImportError(
            f"The sheet '{sheet}' of {file_name} could not be read: it looks damaged, or it is a chart "
            "rather than a table. Choose another sheet, or save the workbook again in Excel."
        ) from error
    except BaseException as error:
        if _is_panic(error):
            raise DataImportError(
                f"The sheet '{sheet}' of {file_name} could not be read: it looks damaged."
            ) from error
        raise
    first_row = start[0] if start else 0
    return cells, first_row


# -- layout --------------------------------------------------------------------------


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    return not (isinstance(value, float) and math.isnan(value))


def _find_header(cells: list[list[Any]]) -> int | None:
    """Index of the header row: the first row mostly filled with text (titles skipped)."""
    counts = [sum(_filled(v) for v in row) for row in cells[: _HEADER_SEARCH_ROWS * 2]]
    widest = max(counts, default=0)
    if widest == 0:
        return None
    needed = max(min(2, widest), math.ceil(widest / 2))
    first_filled = None
    for index, row in enumerate(cells[:_HEADER_SEARCH_ROWS]):
        filled = [v for v in row if _filled(v)]
        if not filled:
            continue
        if first_filled is None:
            first_filled = index
        texts = sum(isinstance(v, str) for v in filled)
        if len(filled) >= needed and texts * 2 >= len(filled):
            return index
    return first_filled


def _grid(cells: list[list[Any]], first_row: int) -> _Grid | None:
    """Split a sheet into header and data rows; ``None`` when the sheet is empty."""
    header_index = _find_header(cells)
    if header_index is None:
        return None
    header = list(cells[header_index])
    rows: list[list[Any]] = []
    row_numbers: list[int] = []
    for offset, row in enumerate(cells[header_index + 1 :], start=header_index + 1):
        if any(_filled(v) for v in row):
            rows.append(row)
            row_numbers.append(first_row + offset + 1)
    width = max([len(header)] + [len(r) for r in rows])
    header += [""] * (width - len(header))
    rows = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in rows]
    used = [_filled(h) for h in header]
    for row in rows:
        for index, value in enumerate(row):
            if not used[index] and _filled(value):
                used[index] = True
    keep = [index for index, flag in enumerate(used) if flag]
    return _Grid(header, first_row + header_index + 1, rows, row_numbers, keep)


def _looks_like_dictionary(grid: _Grid) -> bool:
    """A few columns of names and long descriptions rather than customer records."""
    if not 1 <= len(grid.keep) <= 3 or len(grid.rows) > _DICTIONARY_MAX_ROWS:
        return False
    header_words = {str(grid.header[i]).strip().lower() for i in grid.keep}
    if header_words & _DICTIONARY_HEADER_WORDS:
        return True
    sample = grid.rows[:_DICTIONARY_SAMPLE_ROWS]
    for index in grid.keep:
        values = [row[index] for row in sample if index < len(row) and _filled(row[index])]
        texts = [v for v in values if isinstance(v, str)]
        if not values or len(texts) * 10 < len(values) * 9:
            continue
        mean_words = sum(len(v.split()) for v in texts) / len(texts)
        if mean_words >= 5:
            return True
    return False


def _describe(name: str, grid: _Grid | None) -> SheetInfo:
    if grid is None:
        return SheetInfo(name, 0, 0, False, "empty")
    rows, columns = len(grid.rows), len(grid.keep)
    if rows == 0:
        return SheetInfo(name, 0, columns, False, "only a header row, no data rows under it")
    if _looks_like_dictionary(grid):
        return SheetInfo(
            name,
            rows,
            columns,
            False,
            f"looks like a data dictionary ({columns} column{'s' if columns != 1 else ''} "
            "of names and descriptions, not customer records)",
        )
    return SheetInfo(
        name,
        rows,
        columns,
        True,
        f"a table of {rows:,} row{'s' if rows != 1 else ''} and {columns} column{'s' if columns != 1 else ''} "
        f"(header on row {grid.header_row})",
    )


# -- cell text -----------------------------------------------------------------------


def _float_text(value: float) -> str | None:
    if math.isnan(value):
        return None
    if value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return repr(value)


def _str_text(value: str) -> str | None:
    return value if value != "" else None


def _datetime_text(value: dt.datetime) -> str:
    return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")


_TEXT: dict[type, Callable[[Any], str | None]] = {
    str: _str_text,
    float: _float_text,
    bool: lambda v: "TRUE" if v else "FALSE",
    int: str,
    dt.datetime: _datetime_text,
    dt.date: lambda v: v.isoformat(),
    dt.time: lambda v: v.isoformat(),
    dt.timedelta: str,
}


def cell_text(value: Any) -> str | None:
    """The text of one cell as :func:`read_sheet` writes it.

    Parameters
    ----------
    value
        A cell value as python-calamine returns it.

    Returns
    -------
    str or None
        ``None`` for an empty cell.
    """
    if value is None:
        return None
    convert = _TEXT.get(type(value))
    if convert is None:
        for kind, candidate in _TEXT.items():
            if isinstance(value, kind):
                convert = candidate
                break
        else:
            convert = str
    return convert(value)


def _column_text(values: Sequence[Any]) -> list[str | None]:
    text = _TEXT
    return [
        convert(value) if (convert := text.get(type(value))) is not None else cell_text(value)
        for value in values
    ]


# -- public ------------------------------------------------------------------------------


def list_sheets(path: str | os.PathLike[str]) -> list[SheetInfo]:
    """List a workbook's sheets and say which ones hold a table.

    Parameters
    ----------
    path
        The workbook on disk.

    Returns
    -------
    list of SheetInfo
        In workbook order.

    Raises
    ------
    segdash.errors.DataImportError
        When the file is not a readable workbook (damaged, truncated, not Excel).
    """
    workbook = _open(path)
    name = Path(path).name
    sheets = []
    for sheet in workbook.sheet_names:
        try:
            cells, first_row = _sheet_cells(workbook, sheet, file_name=name)
        except DataImportError:
            sheets.append(SheetInfo(sheet, 0, 0, False, "could not be read (a chart, or damaged)"))
            continue
        sheets.append(_describe(sheet, _grid(cells, first_row)))
    return sheets


def choose_sheet(sheets: list[SheetInfo], requested: str | None) -> str:
    """Pick the sheet to import.

    Parameters
    ----------
    sheets
        What :func:`list_sheets` returned.
    requested
        The sheet the user asked for, or ``None`` for the first sheet that holds a table.

    Returns
    -------
    str
        The sheet name.

    Raises
    ------
    segdash.errors.DataImportError
        When ``requested`` is not a sheet of the workbook, or when no sheet holds a table.
    """
    names = [s.name for s in sheets]
    listed = ", ".join(f"'{n}'" for n in names) or "none"
    if requested is not None:
        if requested in names:
            return requested
        raise DataImportError(f"This workbook has no sheet called '{requested}'. Its sheets are: {listed}.")
    for sheet in sheets:
        if sheet.has_table:
            return sheet.name
    if not sheets:
        raise DataImportError("This workbook has no sheets.")
    why = "; ".join(f"'{s.name}' is {s.reason}" if s.reason == "empty" else f"'{s.name}': {s.reason}" for s in sheets)
    raise DataImportError(
        f"No sheet in this workbook holds a table of customers ({why}). "
        "Choose a sheet by name, or put the data with a header row on a sheet of its own."
    )


def read_sheet(path: str | os.PathLike[str], sheet: str) -> pa.Table:
    """Read one sheet as a table of text.

    Parameters
    ----------
    path
        The workbook on disk.
    sheet
        The sheet name (see :func:`choose_sheet`).

    Returns
    -------
    pyarrow.Table
        First column ``_row`` (int64, the sheet's 1-based row number of each data row), then
        one ``string`` column per header cell, named as written; empty cells are null.

    Raises
    ------
    segdash.errors.DataImportError
        When the file or the sheet cannot be read, the sheet does not exist, or it is empty.
    """
    workbook = _open(path)
    name = Path(path).name
    if sheet not in workbook.sheet_names:
        listed = ", ".join(f"'{n}'" for n in workbook.sheet_names)
        raise DataImportError(f"{name} has no sheet called '{sheet}'. Its sheets are: {listed}.")
    cells, first_row = _sheet_cells(workbook, sheet, file_name=name)
    grid = _grid(cells, first_row)
    if grid is None:
        raise DataImportError(f"The sheet '{sheet}' of {name} is empty. Choose another sheet.")
    arrays = [pa.array(grid.row_numbers, type=pa.int64())]
    names = ["_row"]
    columns = list(zip(*grid.rows, strict=True)) if grid.rows else []
    for index in grid.keep:
        header = cell_text(grid.header[index])
        names.append(header if header is not None else "")
        values = columns[index] if columns else ()
        arrays.append(pa.array(_column_text(values), type=pa.string()))
    return pa.Table.from_arrays(arrays, names=names)
