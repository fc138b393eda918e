"""What the Data page (and the command line) shows about an import, in plain words.

* :func:`preview_rows` reads the first rows of the imported table with a ``LIMIT`` query
  (never the whole table into pandas);
* :func:`columns_overview` turns a column profile (``segdash.columns.profile_columns``) into the
  one-row-per-column table a marketer edits roles in;
* :func:`reconciliation_text`, :func:`found_text`, :func:`import_notes` and
  :func:`rejected_table` describe an :class:`~segdash.schema.ImportResult`.

Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from segdash import db
from segdash.schema import PRIVATE_ROLES, ROLE_LABELS, ImportResult

#: Plain names of the delimiters the import recognises.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space", ":": "colon"}
#: Plain names of file formats.
FORMAT_NAMES = {
    "csv": "Text file (CSV)",
    "text": "Text file (CSV)",
    "tsv": "Text file (CSV)",
    "xlsx": "Excel workbook",
    "xlsm": "Excel workbook",
    "xls": "Excel workbook",
    "excel": "Excel workbook",
    "parquet": "Parquet file",
}
#: Plain names of text encodings.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
    "windows-1252": "Windows-1252",
    "latin-1": "Latin-1",
    "iso-8859-1": "Latin-1",
    "ascii": "ASCII",
}
#: How the import writes blank cells in its list of missing tokens.
BLANK_TOKENS = ("", "(blank)")
#: What the "used for" column says for a role that keeps a column out of segments.
EXCLUDED_NOTES = {
    "pii": "Excluded from segments and exports",
    "id": "Not used to build segments",
}
#: What the "used for" column says for every other role.
USED_NOTE = "Segments and profiles"
#: Columns of :func:`columns_overview`, in display order.
OVERVIEW_COLUMNS = ("name", "role", "used_for", "summary", "histogram", "missing_pct", "distinct", "type", "note")


def preview_rows(
    con: duckdb.DuckDBPyConnection, *, limit: int = 100, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The first ``limit`` imported rows, in file order, indexed by their line in the file.

    Parameters
    ----------
    con
        The workspace's DuckDB holding :data:`segdash.db.TABLE`.
    limit
        How many rows to return (a ``LIMIT`` in the query; at most this many reach pandas).
    columns
        Columns to show, in this order; ``None`` shows every imported column. Unknown names are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per imported row, indexed by ``_row`` (the record's line or row in the file).
        Empty (no columns) when nothing is imported.

    Raises
    ------
    ValueError
        When ``limit`` is negative.
    """
    if limit < 0:
        raise ValueError(f"limit={limit} should be >= 0")
    if not db.table_exists(con, db.TABLE):
        return pd.DataFrame()
    table = db.backend(con).table(db.TABLE)
    available = [name for name in table.columns if name != db.ROW]
    wanted = available if columns is None else [name for name in columns if name in available]
    expr = table.order_by(table[db.ROW]).select(db.ROW, *wanted).limit(limit)
    return expr.to_pandas().set_index(db.ROW)


def columns_with_times(frame: pd.DataFrame) -> list[str]:
    """Date columns of ``frame`` where some value has a time of day (others show as plain dates).

    Parameters
    ----------
    frame
        A few rows, such as :func:`preview_rows` returns.

    Returns
    -------
    list of str
    """
    found = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            present = column.dropna()
            if bool((present != present.dt.normalize()).any()):
                found.append(str(name))
    return found


def year_columns(frame: pd.DataFrame) -> list[str]:
    """Number columns of ``frame`` holding calendar years (``Year_Birth``): shown as ``1957``, not ``1,957``.

    Parameters
    ----------
    frame
        A few rows, such as :func:`preview_rows` returns.

    Returns
    -------
    list of str
    """
    from segdash.columns import is_year_like

    found = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            present = column.dropna()
            if len(present) and is_year_like(str(name), low=present.min(), high=present.max()):
                found.append(str(name))
    return found


def _finite(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _counts(histogram: Any) -> list[int]:
    if hasattr(histogram, "tolist"):
        histogram = histogram.tolist()
    if not isinstance(histogram, list | tuple):
        return []
    return [int(v) for v in histogram if _finite(v)]


def format_value(value: Any) -> str:
    """Plain text for one statistic: thousands separators, at most 2 decimals, dates as ``YYYY-MM-DD``.

    Parameters
    ----------
    value
        A number, date, boolean or text.

    Returns
    -------
    str
        ``""`` for a missing value.
    """
    if not _finite(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:  # numpy scalars
        return format_value(value.item())
    except AttributeError:
        return str(value)


def _top_values_text(top_values: Any, *, limit: int = 3) -> str:
    """``"Email (41%), Phone (30%)"`` or ``"Email, Phone"`` from the profile's ``top_values``."""
    if isinstance(top_values, str):
        return top_values
    if hasattr(top_values, "tolist"):  # numpy array from a list column
        top_values = top_values.tolist()
    if not isinstance(top_values, list | tuple | Mapping):
        return ""
    items: Iterable[Any] = top_values.items() if isinstance(top_values, Mapping) else top_values
    parts = []
    for item in list(items)[:limit]:
        if isinstance(item, Mapping):
            value = item.get("value", next(iter(item.values()), ""))
            share = item.get("pct", item.get("share"))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            value, share = item[0], item[1]
        else:
            value, share = item, None
        text = format_value(value) or "(missing)"
        if isinstance(share, float) and 0 <= share <= 1 and not float(share).is_integer():
            text += f" ({share:.0%})"
        parts.append(text)
    return ", ".join(parts)


def summary_text(*, type: str, minimum: Any, median: Any, maximum: Any, top_values: Any) -> str:  # noqa: A002
    """One line summing up a column: ``min 18 · median 41 · max 90`` or its most common values.

    Parameters
    ----------
    type
        The column's type (``number``, ``text``, ``date``, ``boolean``).
    minimum, median, maximum
        The profile's statistics (may be missing).
    top_values
        The profile's most common values.

    Returns
    -------
    str
    """
    if type in ("number", "date") and any(_finite(v) for v in (minimum, median, maximum)):
        parts = [f"{label} {format_value(v)}" for label, v in (("min", minimum), ("median", median),
                                                             ("max", maximum)) if _finite(v)]
        return " · ".join(parts)
    return _top_values_text(top_values)


#: Summary shown for a personal-data column while personal data is hidden.
HIDDEN_SUMMARY = "hidden (personal data)"


def columns_overview(
    profile: pd.DataFrame, *, roles: Mapping[str, str], rows: int, notes: Mapping[str, str] | None = None,
    show_personal: bool = False,
) -> pd.DataFrame:
    """The column table of the Data page: one row per column, roles in plain words.

    Parameters
    ----------
    profile
        ``segdash.columns.profile_columns`` output (name, type, role, missing, distinct, min,
        median, max, top_values, histogram).
    roles
        Column name -> current role (overrides the profile's ``role``).
    rows
        Rows loaded, to turn missing counts into shares when the profile has no ``missing_pct``.
    notes
        Column name -> what the import noted about it (``ColumnInfo.note``), shown as ``note``.
    show_personal
        Whether personal data may be shown. When not, a column whose role is in
        :data:`segdash.schema.PRIVATE_ROLES` gets the summary :data:`HIDDEN_SUMMARY` and no histogram
        (its values, e.g. the most common names, stay off the screen).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OVERVIEW_COLUMNS`: ``role`` holds the label from
        :data:`segdash.schema.ROLE_LABELS`, ``missing_pct`` a share in 0..100, ``histogram`` a list of counts.
    """
    records = []
    for column in profile.to_dict("records"):
        name = str(column["name"])
        role = roles.get(name, column.get("role", "other"))
        missing = column.get("missing", 0)
        missing = int(missing) if _finite(missing) else 0
        histogram = column.get("histogram")
        hidden = role in PRIVATE_ROLES and not show_personal
        records.append(
            {
                "name": name,
                "type": column.get("type", ""),
                "role": ROLE_LABELS.get(role, role),
                "used_for": EXCLUDED_NOTES.get(role, USED_NOTE),
                "missing_pct": float(column["missing_pct"]) if _finite(column.get("missing_pct"))
                else (100.0 * missing / rows if rows else 0.0),
                "distinct": int(column["distinct"]) if _finite(column.get("distinct")) else None,
                "summary": HIDDEN_SUMMARY if hidden else summary_text(
                    type=column.get("type", ""),
                    minimum=column.get("min"),
                    median=column.get("median"),
                    maximum=column.get("max"),
                    top_values=column.get("top_values"),
                ),
                "histogram": [] if hidden else _counts(histogram),
                "note": (notes or {}).get(name, ""),
            }
        )
    return pd.DataFrame.from_records(records, columns=list(OVERVIEW_COLUMNS))


def role_from_label(label: str) -> str:
    """The role key for a plain-word label (``"Personal data"`` -> ``"pii"``); keys pass through.

    Raises
    ------
    ValueError
        When ``label`` is neither a role nor a role label.
    """
    for role, role_label in ROLE_LABELS.items():
        if label in (role, role_label):
            return role
    raise ValueError(f"unknown role {label!r}; expected one of {list(ROLE_LABELS.values())}")


#: Rows of the column table shown at a time; wider files get a search box and pages.
COLUMNS_PER_PAGE = 50


def columns_page(
    overview: pd.DataFrame, *, search: str = "", page: int = 1, per_page: int = COLUMNS_PER_PAGE
) -> tuple[pd.DataFrame, int, int]:
    """One page of the column table, after keeping the columns whose name contains ``search``.

    Parameters
    ----------
    overview
        The column table (:func:`columns_overview`), one row per column with ``name``.
    search
        Text to find in column names (any case, surrounding spaces ignored); empty keeps all.
    page
        1-based page number; clipped to the pages there are.
    per_page
        Rows per page.

    Returns
    -------
    tuple[pandas.DataFrame, int, int]
        The rows of that page (index kept), the number of pages (at least 1), and how many
        columns matched the search.
    """
    wanted = search.strip().lower()
    matched = overview
    if wanted:
        matched = overview[overview["name"].astype(str).str.lower().str.contains(wanted, regex=False)]
    pages = max(1, math.ceil(len(matched) / per_page))
    page = min(max(1, int(page)), pages)
    return matched.iloc[(page - 1) * per_page : page * per_page], pages, len(matched)


def role_changes(current: Mapping[str, str], edited: pd.DataFrame) -> dict[str, str]:
    """Roles the user changed in the column table.

    Parameters
    ----------
    current
        Column name -> role now.
    edited
        The column table as edited (``name`` and ``role`` label columns).

    Returns
    -------
    dict
        Column name -> new role, for changed columns only.
    """
    changes = {}
    for name, label in zip(edited["name"], edited["role"], strict=True):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            continue
        role = role_from_label(str(label))
        if current.get(name) != role:
            changes[str(name)] = role
    return changes


def private_columns(roles: Mapping[str, str]) -> list[str]:
    """Columns holding personal data (hidden from previews unless asked), in order."""
    return [name for name, role in roles.items() if role in PRIVATE_ROLES]


# -- the import report ---------------------------------------------------------------


def reconciliation_text(result: ImportResult) -> str:
    """``"5,000 rows in the file · 5,000 loaded · 0 rejected"``.

    Parameters
    ----------
    result
        An import report.

    Returns
    -------
    str
    """
    return (
        f"{result.rows_in_file:,} rows in the file · {result.rows_loaded:,} loaded · "
        f"{result.rows_rejected:,} rejected"
    )


def rejected_lines_text(result: ImportResult, *, limit: int = 10) -> str:
    """``"line 4"``, ``"lines 4, 9 and 12"`` or ``"lines 4, 9, ... (25 in all)"`` for the rejected rows."""
    lines = [f"{r.line:,}" for r in result.rejected]
    if not lines:
        return ""
    if len(lines) == 1:
        return f"line {lines[0]}"
    if len(lines) <= limit:
        return f"lines {', '.join(lines[:-1])} and {lines[-1]}"
    return f"lines {', '.join(lines[:limit])}, ... ({max(len(lines), result.rows_rejected):,} in all)"


def found_text(result: ImportResult) -> str:
    """What the import found about the file: format, delimiter, encoding, sheet, columns.

    Parameters
    ----------
    result
        An import report.

    Returns
    -------
    str
        e.g. ``"Text file (CSV) · semicolon-separated · Windows-1252 encoding · 12 columns"``.
    """
    parts = [FORMAT_NAMES.get(str(result.format).lower(), str(result.format))]
    if result.sheet:
        total = f" (of {len(result.sheets)} sheets)" if len(result.sheets) > 1 else ""
        parts.append(f"sheet “{result.sheet}”{total}")
    if result.delimiter:
        parts.append(f"{DELIMITER_NAMES.get(result.delimiter, repr(result.delimiter))}-separated")
    if result.encoding:
        parts.append(f"{ENCODING_NAMES.get(result.encoding.lower(), result.encoding)} encoding")
    parts.append(f"{len(result.columns):,} column{'' if len(result.columns) == 1 else 's'}")
    return " · ".join(parts)


#: Import notes that :func:`found_text` already says (encoding, delimiter, sheet): not repeated.
SAID_BY_FOUND_TEXT = ("Read as text in ", "Read sheet ")


def import_notes(result: ImportResult) -> list[str]:
    """Everything the import assumed or repaired, one plain sentence each.

    Covers the import's notes and repairs (such as an assumed date format), the tokens read as
    missing (with their columns) and renamed columns. Per-column notes belong to the column table.
    The format, encoding, delimiter and sheet are left out: :func:`found_text` shows them.

    Parameters
    ----------
    result
        An import report.

    Returns
    -------
    list of str
    """
    notes = [str(n) for n in result.notes if not str(n).startswith(SAID_BY_FOUND_TEXT)]
    notes += [str(r) for r in result.repairs]
    by_token: dict[str, list[str]] = {}
    for column, tokens in result.missing_tokens.items():
        for token in tokens:
            by_token.setdefault(str(token), []).append(str(column))
    for token, columns in by_token.items():
        where = ", ".join(columns[:5]) + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")
        if token.strip() in BLANK_TOKENS:
            notes.append(f"Empty cells in {where} count as missing values.")
        else:
            notes.append(f"“{token}” in {where} counts as a missing value.")
    for column in result.columns:
        if column.original_name is not None and column.original_name != column.name:
            original = f"“{column.original_name}”" if column.original_name.strip() else "a blank header"
            notes.append(f"Column {original} renamed to “{column.name}”.")
    return notes


def rejected_table(result: ImportResult) -> pd.DataFrame:
    """The rejected rows as a table: ``line``, ``reason``, ``raw`` (the text as written in the file)."""
    return pd.DataFrame(
        [(r.line, r.reason, r.raw) for r in result.rejected], columns=["line", "reason", "raw"]
    )
