"""The XLSX workbook (a sheet per table) and the labels export for a CRM or an ad platform.

Every sheet: formula-like text neutralised (:mod:`segdash.report.export`), the header row frozen,
widths fitted to the content, numbers written as numbers and money with a number format.
Written with openpyxl's write-only mode, so a million customer labels stream to disk.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segdash.data import Data
from segdash.errors import SegdashError
from segdash.report.export import neutralise_cell, neutralise_formulas

if TYPE_CHECKING:

    from segdash.economics import EconomicsResult
    from segdash.profile import Profile
    from segdash.workspace import Workspace

#: Rows an Excel sheet can hold (one is the header).
EXCEL_MAX_ROWS = 1_048_576
#: Number format of money cells.
MONEY_FORMAT = "#,##0.00"
#: Number format of whole counts.
COUNT_FORMAT = "#,##0"
#: Header words that mark a money column (case-insensitive substring match).
MONEY_WORDS = ("spend", "cac", "revenue", "profit", "order value", "lifetime value", "ltv (", "budget",
               "cost", "return (")
_SHEET_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


class ExportError(SegdashError):
    """An export the user asked for cannot be made as asked (the message says what to do)."""


def sheet_title(name: str, *, taken: set[str]) -> str:
    """A valid, unique Excel sheet title (31 characters, no ``[]:*?/\\``).

    Parameters
    ----------
    name
        The wanted title.
    taken
        Titles already used (lower case); the new one is added.

    Returns
    -------
    str
    """
    base = " ".join(str(name).translate(_SHEET_BAD).split())[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def is_money(header: str) -> bool:
    """Whether a column header names an amount of money (gets :data:`MONEY_FORMAT`)."""
    text = str(header).lower()
    if "roi" in text or "times" in text or "months" in text or "%" in text or "ratio" in text:
        return False
    return any(word in text for word in MONEY_WORDS)


def _plain_value(value: Any) -> Any:
    """A cell value openpyxl writes as a number, a date or text (never a formula)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, datetime | date | int | str):
        return neutralise_cell(value) if isinstance(value, str) else value
    return neutralise_cell(str(value))


def _width(frame: pd.DataFrame, position: int) -> float:
    header = len(str(frame.columns[position]))
    sample = frame.iloc[:200, position]
    longest = max((len(f"{v:,.2f}" if isinstance(v, float) else str(v)) for v in sample), default=0)
    return float(min(max(header, longest, 6) + 2, 60))


def write_workbook(sheets: Mapping[str, pd.DataFrame], *, target: Any = None,
                   money: Mapping[str, Sequence[str]] | None = None) -> bytes | None:
    """Write one XLSX with a sheet per table.

    Parameters
    ----------
    sheets
        Sheet name -> table (a table without columns is skipped). Text that a spreadsheet would run as a
        formula is neutralised; numbers stay numbers.
    target
        A path or binary file to write to; ``None``: return the bytes.
    money
        Sheet name -> its money columns (default: headers that :func:`is_money` recognises).

    Returns
    -------
    bytes or None
        The file's bytes when ``target`` is ``None``.

    Raises
    ------
    ExportError
        If a table has more rows than an Excel sheet holds.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    for name, frame in sheets.items():
        if frame is None or frame.empty and len(frame.columns) == 0:
            continue
        if len(frame) >= EXCEL_MAX_ROWS:
            raise ExportError(f"The table '{name}' has {len(frame):,} rows, more than an Excel sheet holds "
                              f"({EXCEL_MAX_ROWS - 1:,}). Export it as CSV instead.")
        sheet = book.create_sheet(sheet_title(name, taken=taken))
        safe = neutralise_formulas(frame.reset_index(drop=True))
        money_columns = set(money.get(name, ())) if money and name in money else {
            str(c) for c in frame.columns if is_money(str(c)) and pd.api.types.is_numeric_dtype(frame[c])}
        for position in range(safe.shape[1]):
            sheet.column_dimensions[get_column_letter(position + 1)].width = _width(safe, position)
        sheet.freeze_panes = "A2"
        header = []
        for column in safe.columns:
            cell = WriteOnlyCell(sheet, value=str(column))
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=False)
            header.append(cell)
        sheet.append(header)
        formats: list[str | None] = []
        for original in frame.columns:
            if str(original) in money_columns:
                formats.append(MONEY_FORMAT)
            elif pd.api.types.is_integer_dtype(frame[original]) and not pd.api.types.is_bool_dtype(frame[original]):
                formats.append(COUNT_FORMAT)
            elif pd.api.types.is_datetime64_any_dtype(frame[original]):
                formats.append("yyyy-mm-dd")
            else:
                formats.append(None)
        styled = any(f is not None for f in formats)
        for values in safe.itertuples(index=False, name=None):
            row = [_plain_value(v) for v in values]
            if styled:
                cells: list[Any] = []
                for value, number_format in zip(row, formats, strict=True):
                    if number_format is not None and value is not None:
                        cell = WriteOnlyCell(sheet, value=value)
                        cell.number_format = number_format
                        cells.append(cell)
                    else:
                        cells.append(value)
                sheet.append(cells)
            else:
                sheet.append(row)
    if not book.worksheets:
        sheet = book.create_sheet("Read me")
        sheet.append(["Nothing to export yet."])
    if target is None:
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    book.save(target)
    return None


# -- tables ---------------------------------------------------------------------------------------
def segments_sheet(profile: Profile, *, names: Mapping[str, str]) -> pd.DataFrame:
    """Segments and sizes: id, name, customers, share (%).

    Parameters
    ----------
    profile
        The segmentation's profile.
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
    """
    from segdash.profile import segment_summary

    summary = segment_summary(profile, names=dict(names))
    return pd.DataFrame({"Segment id": summary["label"].astype(str), "Segment": summary["segment"].astype(str),
                         "Customers": summary["customers"].astype("int64"),
                         "Share (%)": (summary["share"].astype(float) * 100).round(2)})


def traits_sheet(profile: Profile, *, names: Mapping[str, str]) -> pd.DataFrame:
    """Every trait as numbers: segment, attribute, value, segment and overall figures, lift.

    Parameters
    ----------
    profile
        The segmentation's profile.
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
        Shares are fractions 0-1 for categories; averages and medians for numbers.
    """
    traits = profile.traits
    if traits.empty:
        return pd.DataFrame(columns=["Segment", "Attribute"])
    numeric = traits["kind"].isin(["number", "date"])
    return pd.DataFrame({
        "Segment": traits["segment"].astype(str).map(lambda s: names.get(s, s)),
        "Attribute": traits["label"].astype(str),
        "Value": traits["value"].where(~numeric, None).astype(object),
        "Measure": np.where(numeric, "average", "share"),
        "Segment figure": pd.to_numeric(traits["segment_value"], errors="coerce"),
        "Segment median": pd.to_numeric(traits["segment_median"], errors="coerce"),
        "Everyone figure": pd.to_numeric(traits["overall_value"], errors="coerce"),
        "Everyone median": pd.to_numeric(traits["overall_median"], errors="coerce"),
        "Lift (times everyone)": pd.to_numeric(traits["lift"], errors="coerce"),
        "Standardised difference": pd.to_numeric(traits["std_diff"], errors="coerce"),
        "Customers with a value": pd.to_numeric(traits["known"], errors="coerce").astype("Int64"),
    })


def proof_sheet(profile: Profile) -> pd.DataFrame:
    """The difference tests as numbers.

    Parameters
    ----------
    profile
        The segmentation's profile.

    Returns
    -------
    pandas.DataFrame
    """
    tests = profile.tests
    if tests.empty:
        return pd.DataFrame(columns=["Attribute"])
    return pd.DataFrame({
        "Attribute": tests["label"].astype(str),
        "Differs": np.where(tests["p_value"].isna(), "Not tested", np.where(tests["differs"], "Yes", "No")),
        "Strength": tests["strength"].astype(str),
        "Effect size": pd.to_numeric(tests["effect"], errors="coerce"),
        "Effect measure": tests["effect_name"].astype(str),
        "P-value (corrected)": pd.to_numeric(tests["p_adjusted"], errors="coerce"),
        "Test": tests["test"].astype(str),
        "Note": tests["note"].astype(str),
    })


def economics_sheets(result: EconomicsResult, *, names: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """ROI per segment (with the totals row) and per segment x channel, as numbers.

    Parameters
    ----------
    result
        From :func:`segdash.economics.compute_economics`.
    names
        Segment label -> display name.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``"ROI by segment"`` and, with a channel column, ``"ROI by channel"`` and
        ``"ROI by segment and channel"``.
    """
    from segdash import economics

    sheets = {"ROI by segment": economics.export_table(economics.with_total(result), names=dict(names))}
    if not result.channels.empty:
        sheets["ROI by channel"] = economics.export_table(result.channels)
    if not result.by_channel.empty:
        sheets["ROI by segment and channel"] = economics.export_table(result.by_channel, names=dict(names))
    return sheets


def labels_table(
    data: Data,
    *,
    roles: Mapping[str, str],
    names: Mapping[str, str],
    columns: Sequence[str] = (),
    allow_personal: bool = False,
) -> pd.DataFrame:
    """One row per customer: customer id, segment id, segment name, and the chosen columns.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles
        Column -> role.
    names
        Segment label -> display name.
    columns
        Extra columns to add (e.g. a country for an ad platform).
    allow_personal
        Personal-data columns (role ``pii``) are added only when this is ``True`` (the user
        confirmed).

    Returns
    -------
    pandas.DataFrame
        ``Customer id`` (the id column, or the row number when the file has none),
        ``Segment id``, ``Segment``, then ``columns``; in file order.

    Raises
    ------
    ExportError
        If a chosen column does not exist, or holds personal data without confirmation.
    """
    from segdash.segment import labels_key_column

    table = data.customers()
    unknown = [c for c in columns if c not in table.columns or c.startswith("_")]
    if unknown:
        raise ExportError(f"There is no column '{unknown[0]}' to add to the labels export.")
    personal = [c for c in columns if roles.get(c) == "pii"]
    if personal and not allow_personal:
        raise ExportError(f"'{personal[0]}' holds personal data. Confirm that the export may include "
                          "personal data, or leave that column out.")
    labels = data.segment_labels()
    key = labels_key_column(data, roles=dict(roles))
    joined = table.join(labels.select(labels[data.key], labels["segment"]), data.key)
    extra = {f"_c{i}": joined[c] for i, c in enumerate(columns)}
    expr = joined.select(_order=joined[data.key], _key=joined[key] if key is not None else joined[data.key],
                         _segment=joined["segment"], **extra).order_by("_order")
    frame = expr.execute()
    segment = frame["_segment"].astype(str)
    out = pd.DataFrame({
        "Customer id": frame["_key"].astype(str) if key is not None else frame["_key"].astype("int64"),
        "Segment id": segment,
        "Segment": segment.map(lambda s: names.get(s, s)),
    })
    for i, column in enumerate(columns):
        out[column] = frame[f"_c{i}"].to_numpy()
    return out


def labels_csv(frame: pd.DataFrame) -> bytes:
    """The labels table as spreadsheet-safe CSV (UTF-8 with a BOM).

    Parameters
    ----------
    frame
        From :func:`labels_table`.

    Returns
    -------
    bytes
    """
    from segdash.report.export import to_safe_csv

    return to_safe_csv(frame)


def workspace_sheets(
    ws: Workspace,
    *,
    profile: Profile,
    economics_result: EconomicsResult | None = None,
    extra: Mapping[str, pd.DataFrame] | None = None,
    include_labels: bool = True,
) -> dict[str, pd.DataFrame]:
    """Every table of the workbook for the open workspace, in order.

    Parameters
    ----------
    ws
        Workspace with data and a segmentation.
    profile
        Its profile.
    economics_result
        The economics (left out when ``None``).
    extra
        Sheet name -> table from other features (playbook, routing, OKRs); personal-data columns
        are dropped.
    include_labels
        Add the ``Customer labels`` sheet (left out, with a note, beyond Excel's row limit).

    Returns
    -------
    dict[str, pandas.DataFrame]
    """
    from segdash.report.meeting import drop_personal, report_names

    names = report_names(ws, profile)
    sheets: dict[str, pd.DataFrame] = {
        "Segments": segments_sheet(profile, names=names),
        "Traits": traits_sheet(profile, names=names),
        "Proof": proof_sheet(profile),
    }
    if economics_result is not None and not economics_result.segments.empty:
        sheets.update(economics_sheets(economics_result, names=names))
    personal = ws.columns_with_role("pii")
    for name, frame in (extra or {}).items():
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            sheets[name] = drop_personal(frame, personal=personal)
    if include_labels:
        rows = sum(ws.segmentation.sizes.values()) if ws.segmentation is not None else 0
        if rows < EXCEL_MAX_ROWS:
            sheets["Customer labels"] = labels_table(ws.data, roles=ws.roles, names=names)
        else:
            sheets["Read me"] = pd.DataFrame({"Note": [
                f"{rows:,} customers are more than an Excel sheet holds: download the labels as CSV."]})
    return sheets
