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
import itertools
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from segdash.errors import DataImportError

#: How many rows from the top may hold titles or notes before the header.
_HEADER_SEARCH_ROWS = 30
#: Rows converted to text at a time (bounds the memory held in Python objects).
_CHUNK_ROWS = 50_000
#: Rows looked at to decide whether a sheet is a data dictionary.
_DICTIONARY_SAMPLE_ROWS = 200
#: A sheet longer than this is never taken for a data dictionary.
_DICTIONARY_MAX_ROWS = 500
_DICTIONARY_HEADER_WORDS = frozenset(
    {"meaning", "description", "descriptions", "definition", "definitions", "explanation", "notes", "details",
     "explanations", "what it means", "what it holds", "comment", "comments"}
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
class _Layout:
    """Where a sheet's table is: its header and an iterator over its non-blank data rows."""

    header: list[Any]
    header_row: int
    data: Iterator[tuple[int, list[Any]]]


@dataclass
class _Grid:
    """What :func:`list_sheets` needs to judge a sheet: header, first data rows, counts."""

    header: list[Any]
    header_row: int
    rows: list[list[Any]]
    count: int
    keep: list[int]
    cells: frozenset[str] = frozenset()


# -- workbook access -----------------------------------------------------------------


def _is_panic(error: BaseException) -> bool:
    """Whether ``error`` is a Rust panic surfaced by pyo3 (a ``BaseException``)."""
    return type(error).__name__ == "PanicException"


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(path: str | os.PathLike[str]) -> Any:
    """Open a workbook with calamine, turning every failure into a plain message."""
    from python_calamine import CalamineWorkbook, PasswordError

    name = Path(path).name
    if not Path(path).is_file():
        raise DataImportError(f"The file {name} was not found.")
    refuse_zip_bomb(path, name=name)
    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError as error:
        raise _protected(name) from error
    except Exception as error:
        if _looks_encrypted(path):
            raise _protected(name) from error
        raise _unreadable(name) from error
    except BaseException as error:
        if _is_panic(error):
            raise _unreadable(name) from error
        raise


#: Largest total unpacked size of an .xlsx accepted (``SEGDASH_XLSX_MAX_BYTES``, default 2 GB).
XLSX_MAX_BYTES = 2 * 1024**3
#: An entry unpacking to more than this many times its packed size (and over 100 MB) is a bomb.
_MAX_RATIO = 1000
_MAX_ENTRIES = 10_000


def refuse_zip_bomb(path: str | os.PathLike[str], *, name: str) -> None:
    """Refuse a workbook whose zip entries would unpack to more than the limit, before reading it.

    Only the zip directory is read (sizes as recorded there), never the packed data.

    Raises
    ------
    DataImportError
        The unpacked size is over ``SEGDASH_XLSX_MAX_BYTES``, an entry is packed suspiciously
        tightly, or the archive holds an absurd number of entries.
    """
    import zipfile

    try:
        limit = int(os.environ.get("SEGDASH_XLSX_MAX_BYTES", "") or XLSX_MAX_BYTES)
    except ValueError:
        limit = XLSX_MAX_BYTES
    try:
        if not zipfile.is_zipfile(path):
            return  # .xls / encrypted workbooks are not zip archives: calamine decides
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return  # calamine reports a damaged file in its own words
    total = sum(entry.file_size for entry in entries)
    bomb = any(entry.file_size > 100 * 1024**2 and entry.file_size > _MAX_RATIO * max(entry.compress_size, 1)
               for entry in entries)
    if total > limit or bomb or len(entries) > _MAX_ENTRIES:
        raise DataImportError(
            f"The workbook {name} would unpack to {total / 1024**3:.1f} GB, more than this server reads from one "
            f"workbook ({limit / 1024**3:.1f} GB), so it was not opened. Save the sheet as CSV and import that "
            "instead, or put the file in the server's data folder if it is genuine."
        )


def _looks_encrypted(path: str | os.PathLike[str]) -> bool:
    """An ``.xlsx`` saved with a password is an OLE container, not a zip archive."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(_OLE_MAGIC))
    except OSError:
        return False
    return magic == _OLE_MAGIC and Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xlsb")


def _protected(name: str) -> DataImportError:
    return DataImportError(
        f"{name} could not be read: the workbook seems to be protected by a password. "
        "Remove the password in Excel (File > Info > Protect Workbook), save, and try again."
    )


def _unreadable(name: str) -> DataImportError:
    return DataImportError(
        f"{name} could not be read as an Excel workbook: the file looks damaged or incomplete. "
        "Open it in Excel and save it again, or export the sheet as CSV."
    )


def _sheet_rows(workbook: Any, sheet: str, *, file_name: str) -> Iterator[list[Any]]:
    """The rows of ``sheet``, from the sheet's first row (row 1) to its last used row."""
    try:
        return workbook.get_sheet_by_name(sheet).iter_rows()
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


def _blank(row: Sequence[Any]) -> bool:
    return not any(_filled(v) for v in row)


def _layout(rows: Iterator[list[Any]]) -> _Layout | None:
    """Find the header (skipping blank and title rows); ``None`` when the sheet is empty."""
    numbered = enumerate(rows, start=1)
    for number, row in numbered:
        if not _blank(row):
            head = [(number, row), *itertools.islice(numbered, _HEADER_SEARCH_ROWS * 2 - 1)]
            break
    else:
        return None
    header_index = _find_header([row for _, row in head]) or 0
    header_row, header = head[header_index]
    rest = itertools.chain(head[header_index + 1 :], numbered)
    data = ((number, row) for number, row in rest if not _blank(row))
    return _Layout(list(header), header_row, data)


def _grid(layout: _Layout | None) -> _Grid | None:
    """Count the data rows and used columns of a sheet, keeping only its first rows."""
    if layout is None:
        return None
    header = layout.header
    unused = [index for index, value in enumerate(header) if not _filled(value)]
    sample: list[list[Any]] = []
    cells: set[str] = set()
    count = 0
    for _, row in layout.data:
        count += 1
        if count <= _DICTIONARY_SAMPLE_ROWS:
            sample.append(row)
        if count <= _DICTIONARY_MAX_ROWS:
            cells.update(_name_key(v) for v in row if isinstance(v, str) and 0 < len(v) <= _NAME_MAX)
        if unused:
            unused = [index for index in unused if not _filled(row[index])]
    dropped = set(unused)
    keep = [index for index in range(len(header)) if index not in dropped]
    return _Grid(header, layout.header_row, sample, count, keep,
                 frozenset(cells) if count <= _DICTIONARY_MAX_ROWS else frozenset())


#: Cells longer than this are sentences, not column names.
_NAME_MAX = 120


def _name_key(value: Any) -> str:
    """A header or cell as compared between sheets: trimmed, one space between words, lower case."""
    return " ".join(str(value).split()).lower()


def _documented(grids: dict[str, _Grid | None]) -> dict[str, tuple[str, int, int]]:
    """Sheets whose cells list most of another sheet's column names: ``{sheet: (other, found, of)}``.

    A data dictionary is recognised by what it holds, whatever its layout (``Variable |
    Description``, ``Sheet | Variable | Description``, ...): more than half of the other sheet's
    column names (at least two) appear among its cells below its own header. Two sheets with the
    same header row do not document each other: only the cells under a header count.
    """
    found: dict[str, tuple[str, int, int]] = {}
    for name, grid in grids.items():
        if grid is None or not grid.cells or grid.count > _DICTIONARY_MAX_ROWS:
            continue
        best: tuple[str, int, int] | None = None
        for other, table in grids.items():
            if other == name or table is None or table.count == 0:
                continue
            headers = {_name_key(table.header[i]) for i in table.keep if _filled(table.header[i])}
            if len(headers) < 2:
                continue
            hits = len(headers & grid.cells)
            if hits >= 2 and hits * 2 > len(headers) and (best is None or hits / len(headers) > best[1] / best[2]):
                best = (other, hits, len(headers))
        if best is not None:
            found[name] = best
    for name, (other, _, _) in list(found.items()):
        mutual = found.get(other)
        if mutual is not None and mutual[0] == name:  # each lists the other's names: the longer is data
            grid, table = grids[name], grids[other]
            if grid is not None and table is not None and grid.count > table.count:
                found.pop(name, None)
    return found


def _text_stats(grid: _Grid, index: int) -> tuple[float, float, float]:
    """(share of text cells, mean words per text cell, distinct share) of one column's first rows."""
    values = [row[index] for row in grid.rows if _filled(row[index])]
    texts = [v for v in values if isinstance(v, str)]
    if not values or not texts:
        return 0.0, 0.0, 0.0
    words = sum(len(v.split()) for v in texts) / len(texts)
    return len(texts) / len(values), words, len(set(values)) / len(values)


def _not_a_table(grid: _Grid) -> str | None:
    """Why a sheet with rows is not a table of records (a data dictionary, notes), or ``None``."""
    columns = len(grid.keep)
    if not 1 <= columns <= 3 or grid.count > _DICTIONARY_MAX_ROWS:
        return None
    stats = [_text_stats(grid, index) for index in grid.keep]
    long_text = [text >= 0.9 and words >= 5 for text, words, _ in stats]
    if columns == 1:
        return "looks like notes (one column of sentences), not a table of records" if long_text[0] else None
    first_text, first_words, first_distinct = stats[0]
    names_first = first_text >= 0.9 and first_words <= 3 and first_distinct >= 0.9
    header_words = {str(grid.header[i]).strip().lower() for i in grid.keep[1:]}
    if names_first and (any(long_text[1:]) or header_words & _DICTIONARY_HEADER_WORDS):
        return (
            f"looks like a data dictionary ({columns} columns of names and descriptions, "
            "not customer records)"
        )
    return None


def _describe(name: str, grid: _Grid | None, documents: tuple[str, int, int] | None = None) -> SheetInfo:
    if grid is None:
        return SheetInfo(name, 0, 0, False, "empty")
    rows, columns = grid.count, len(grid.keep)
    if rows == 0:
        return SheetInfo(name, 0, columns, False, "only a header row, no data rows under it")
    if documents is not None:
        other, hits, total = documents
        return SheetInfo(
            name, rows, columns, False,
            f"looks like a data dictionary: it describes the columns of sheet '{other}' "
            f"({hits} of its {total} column names are listed here), not customer records",
        )
    reason = _not_a_table(grid)
    if reason:
        return SheetInfo(name, rows, columns, False, reason)
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
        When the file is not a readable workbook (damaged, truncated, password-protected, not Excel).
    """
    workbook = _open(path)
    name = Path(path).name
    grids: dict[str, _Grid | None] = {}
    unreadable: set[str] = set()
    names = list(workbook.sheet_names)
    try:
        for sheet in names:
            try:
                rows = _sheet_rows(workbook, sheet, file_name=name)
            except DataImportError:
                unreadable.add(sheet)
                continue
            grids[sheet] = _grid(_layout(rows))
    finally:
        workbook.close()
    documented = _documented(grids)
    return [
        SheetInfo(sheet, 0, 0, False, "could not be read (a chart, or damaged)") if sheet in unreadable
        else _describe(sheet, grids[sheet], documented.get(sheet))
        for sheet in names
    ]


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
    try:
        if sheet not in workbook.sheet_names:
            listed = ", ".join(f"'{n}'" for n in workbook.sheet_names)
            raise DataImportError(f"{name} has no sheet called '{sheet}'. Its sheets are: {listed}.")
        layout = _layout(_sheet_rows(workbook, sheet, file_name=name))
        if layout is None:
            raise DataImportError(f"The sheet '{sheet}' of {name} is empty. Choose another sheet.")
        numbers, columns = _text_columns(layout)
    finally:
        workbook.close()
    names = ["_row"]
    arrays: list[Any] = [numbers]
    for header, column in zip(layout.header, columns, strict=True):
        text = cell_text(header)
        if not _filled(header) and not _has_text(column):
            continue  # neither a header nor a value: not a column
        names.append(text if text is not None else "")
        arrays.append(column)
    return pa.Table.from_arrays(arrays, names=names)


def _text_columns(layout: _Layout) -> tuple[pa.ChunkedArray, list[pa.ChunkedArray]]:
    """Row numbers and one text column per header cell, converted :data:`_CHUNK_ROWS` rows at a time."""
    width = len(layout.header)
    number_chunks: list[pa.Array] = []
    column_chunks: list[list[pa.Array]] = [[] for _ in range(width)]
    while True:
        chunk = list(itertools.islice(layout.data, _CHUNK_ROWS))
        if not chunk:
            break
        number_chunks.append(pa.array([number for number, _ in chunk], type=pa.int64()))
        for index, values in enumerate(zip(*(row for _, row in chunk), strict=True)):
            column_chunks[index].append(pa.array(_column_text(values), type=pa.string()))
    numbers = pa.chunked_array(number_chunks, type=pa.int64())
    return numbers, [pa.chunked_array(chunks, type=pa.string()) for chunks in column_chunks]


def _has_text(column: pa.ChunkedArray) -> bool:
    """Whether a text column holds any value that is not blank."""
    if column.null_count == len(column):
        return False
    trimmed = pc.utf8_trim_whitespace(column)
    return bool(pc.any(pc.not_equal(trimmed, "")).as_py())
