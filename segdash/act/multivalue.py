"""Multi-value cells: ``sports; travel`` or ``"cat, wolf"`` hold several values in one cell.

Interests and values columns often hold several answers per customer. This module finds such
columns and turns each value into a yes/no ("has this value") that profiles, dimensions,
clustering and the playbook can use like any other yes/no column.

How it stays fast on a million rows: a psychographic column has few *distinct* cells (the
sample's ``interests`` has 43), so cells are split once in Python (:func:`split_cell`, which
understands quotes) and each value becomes ``column IN (cells holding the value)``: an Ibis
expression that runs in the engine (:func:`indicator_exprs`), or a pandas ``isin`` on a sample
(:func:`indicator_frame`). Splitting in Python once per distinct cell means the engine and
pandas always agree with :func:`split_cell`.

Detection rule (:func:`detect_multivalue`): a text column is multi-value with separator ``s``
(tried in the order ``;``, ``|``, ``,``) when

* at least 5% of its non-blank cells contain ``s`` (outside quotes),
* splitting gives at most 60 distinct values, and at least one value appears both as a cell of
  its own and inside a separated cell (``Travel`` and ``Fitness, Travel``: values recombine,
  which ``Paris, France`` / ``Lyon, France`` do not), and
* it has at most 5,000 distinct cells (beyond that it is free text, not a pick list).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from segdash import db
from segdash.data import Data

#: Separators tried, in order.
SEPARATORS = (";", "|", ",")
#: Share of non-blank cells that must hold the separator.
MIN_SEPARATED_SHARE = 0.05
#: At most this many distinct values after splitting.
MAX_VALUES = 60
#: At most this many distinct cells (more is free text).
MAX_CELLS = 5000
_QUOTES = "\"'“”‘’"
#: A comma between a digit and exactly three digits (``25,000``): kept inside a value.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_KEEP_COMMA = "\ue000"


@dataclass(frozen=True)
class MultiValueColumn:
    """A column whose cells hold several values.

    Attributes
    ----------
    column
        Column name in ``customers``.
    separator
        The separator found (``;``, ``|`` or ``,``).
    values
        Distinct values, most common first (ties by name).
    cells
        Value -> the distinct raw cells that hold it (what :func:`indicator_exprs` tests with ``IN``).
    counts
        Value -> customers whose cell holds it.
    """

    column: str
    separator: str
    values: tuple[str, ...]
    cells: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)

    def flag_name(self, value: str) -> str:
        """Name of the yes/no for ``value``: ``interests: Travel``."""
        return flag_name(self.column, value)


def flag_name(column: str, value: str) -> str:
    """Name of the yes/no column for one value of a multi-value column (``interests: Travel``).

    Parameters
    ----------
    column
        The multi-value column.
    value
        One of its values.

    Returns
    -------
    str
    """
    return f"{column}: {value}"


def _clean(item: str) -> str:
    item = " ".join(item.split())
    while len(item) >= 2 and item[0] in _QUOTES and item[-1] in _QUOTES:
        item = " ".join(item[1:-1].split())
    return item.strip(_QUOTES + " ")


def split_cell(text: Any, *, separator: str) -> list[str]:
    """Split one cell into its values, respecting quotes.

    A cell wrapped whole in quotes (``"cat, wolf"``, the field quoting of a CSV export that
    leaked into the value) is unwrapped first, so it gives ``cat`` and ``wolf``. Inside a cell,
    a quoted item keeps its separator (``"rock, paper", scissors`` gives ``rock, paper`` and
    ``scissors``). Values are trimmed; blanks and repeats are dropped; order is kept.

    Parameters
    ----------
    text
        The cell (``None``/NaN: no values).
    separator
        One character: ``;``, ``|`` or ``,``.

    Returns
    -------
    list[str]
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    cell = str(text).strip()
    if len(cell) >= 2 and cell[0] == '"' and cell[-1] == '"' and cell.count('"') == 2:
        cell = cell[1:-1]
    if separator == ",":  # the comma of 25,000 is part of a number, not a separator
        cell = _THOUSANDS.sub(_KEEP_COMMA, cell)
    if cell.count('"') % 2:  # unbalanced quotes: split plainly
        items = cell.split(separator)
    else:
        items = next(csv.reader([cell], delimiter=separator, quotechar='"', skipinitialspace=True), [])
    values: list[str] = []
    for item in items:
        value = _clean(item.replace(_KEEP_COMMA, ","))
        if value and value not in values:
            values.append(value)
    return values


def split_multi(values: pd.Series, *, separator: str = ";") -> pd.DataFrame:
    """One 0/1 column per option of a multi-select column, cells split by :func:`split_cell`.

    The one splitter for multi-value cells: customer columns (``interests``) and survey
    multi-select answers both go through :func:`split_cell`. Options are matched without regard
    to case or spaces (``others`` = ``Others``) and shown with their most common spelling, most
    chosen first (ties by name). A missing or blank cell stays missing in every column.

    Parameters
    ----------
    values
        The cells.
    separator
        ``;``, ``|`` or ``,`` (a comma followed by three digits, as in ``25,000``, does not split).

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``; columns are the options; values 1.0, 0.0 or NaN.
    """
    cells = [None if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip()
             else split_cell(text, separator=separator) for text in values]
    spellings: dict[str, Counter] = {}
    counts: Counter = Counter()
    for parts in cells:
        for part in dict.fromkeys(parts or []):
            spellings.setdefault(part.casefold(), Counter())[part] += 1
            counts[part.casefold()] += 1
    options = sorted(counts, key=lambda k: (-counts[k], k))
    lowered = [None if parts is None else {p.casefold() for p in parts} for parts in cells]
    known = np.array([parts is not None for parts in lowered], dtype=bool)
    data = {}
    for option in options:
        chosen = np.array([parts is not None and option in parts for parts in lowered], dtype=float)
        data[spellings[option].most_common(1)[0][0]] = np.where(known, chosen, np.nan)
    return pd.DataFrame(data, index=values.index, columns=list(data))


def _separated_share(cells: pd.DataFrame, separator: str) -> float:
    holding = cells["cell"].map(lambda c: len(split_cell(c, separator=separator)) > 1)
    total = int(cells["n"].sum())
    return float(cells.loc[holding, "n"].sum()) / total if total else 0.0


def analyse_cells(cells: pd.DataFrame, *, column: str) -> MultiValueColumn | None:
    """Decide from a column's distinct cells whether it is multi-value (see the module rule).

    Parameters
    ----------
    cells
        ``cell`` (distinct non-blank text) and ``n`` (rows holding it).
    column
        The column's name (kept in the result).

    Returns
    -------
    MultiValueColumn | None
        ``None`` when the column holds one value per cell.
    """
    if cells.empty or len(cells) > MAX_CELLS:
        return None
    for separator in SEPARATORS:
        if not cells["cell"].str.contains(separator, regex=False).any():
            continue
        if _separated_share(cells, separator) < MIN_SEPARATED_SHARE:
            continue
        by_value: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for cell, n in zip(cells["cell"], cells["n"], strict=True):
            for value in split_cell(cell, separator=separator):
                by_value.setdefault(value, []).append(cell)
                counts[value] = counts.get(value, 0) + int(n)
        alone = {value for value, holding in by_value.items() if value in holding}
        recombined = any(len(holding) > 1 for value, holding in by_value.items() if value in alone)
        if not by_value or len(by_value) > MAX_VALUES or not recombined:
            continue
        ordered = sorted(by_value, key=lambda v: (-counts[v], v))
        return MultiValueColumn(column=column, separator=separator, values=tuple(ordered),
                                cells={v: tuple(by_value[v]) for v in ordered}, counts={v: counts[v] for v in ordered})
    return None


def distinct_cells(data: Data, *, column: str, limit: int = MAX_CELLS + 1) -> pd.DataFrame:
    """Distinct non-blank cells of a text column of ``customers`` and their row counts (one engine query).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    column
        Text column name.
    limit
        At most this many cells are returned (most common first).

    Returns
    -------
    pandas.DataFrame
        ``cell``, ``n``.
    """
    customers = data.customers()
    text = customers[column].cast("string")
    query = (customers.select(cell=text).filter(lambda t: t.cell.notnull() & (t.cell != ""))
             .group_by("cell").aggregate(n=lambda t: t.count()).order_by([ibis.desc("n"), "cell"]).limit(limit))
    frame = query.execute()
    frame["cell"] = frame["cell"].astype(str)
    frame["n"] = frame["n"].astype("int64")
    return frame


@ibis.udf.agg.builtin(name="histogram")
def _histogram(arg: str) -> dt.Map(dt.string, dt.int64):
    """DuckDB's ``histogram`` aggregate: value -> count (missing values left out)."""


def distinct_cells_many(data: Data, *, columns: Sequence[str],
                        limit: int = MAX_CELLS) -> dict[str, pd.DataFrame]:
    """:func:`distinct_cells` of several columns in two scans of ``customers`` (not one query per column).

    The first scan estimates each column's distinct count (``approx_count_distinct``); the second
    builds a value histogram of the columns with at most about ``limit`` distinct cells (free-text
    columns get an empty frame, as they hold no pick list).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    columns
        Text columns.
    limit
        Columns with more distinct cells than this (estimated, with 10% slack) are skipped.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Column -> ``cell``, ``n`` (most common first).
    """
    columns = list(dict.fromkeys(columns))
    if not columns:
        return {}
    customers = data.customers()
    texts = {c: customers[c].cast("string").nullif("") for c in columns}
    counts = customers.aggregate(**{f"d{i}": texts[c].approx_nunique() for i, c in enumerate(columns)}).execute()
    small = [c for i, c in enumerate(columns) if int(counts[f"d{i}"].iloc[0] or 0) <= limit * 1.1]
    found = {c: pd.DataFrame({"cell": pd.Series([], dtype=object), "n": pd.Series([], dtype="int64")})
             for c in columns}
    if small and not data.is_duckdb:  # another engine: one GROUP BY over the columns stacked (no histogram)
        parts = [customers.select(_a=ibis.literal(i, "int64"), cell=texts[c]) for i, c in enumerate(small)]
        stacked = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
        stacked = stacked.filter(stacked.cell.notnull())
        counted = data.backend.to_pyarrow(stacked.group_by(["_a", "cell"]).aggregate(n=stacked.count())).to_pandas()
        for i, column in enumerate(small):
            frame = counted[counted["_a"] == i][["cell", "n"]].astype({"cell": object, "n": "int64"})
            frame = frame.sort_values(["n", "cell"], ascending=[False, True], ignore_index=True)
            found[column] = frame.head(int(limit * 1.1) + 1).reset_index(drop=True)
    elif small:
        row = customers.aggregate(**{f"h{i}": _histogram(texts[c]) for i, c in enumerate(small)}).execute().iloc[0]
        for i, column in enumerate(small):
            items = dict(row[f"h{i}"]) if row[f"h{i}"] is not None else {}
            frame = pd.DataFrame({"cell": pd.Series(list(items), dtype=object),
                                  "n": pd.Series(list(items.values()), dtype="int64")})
            found[column] = frame.sort_values(["n", "cell"], ascending=[False, True], ignore_index=True)
    return found


def value_metrics(table: Any, *, specs: Sequence[MultiValueColumn]) -> dict[str, Any]:
    """Ibis aggregates ``vk{j}`` (known cells) and ``vv{j}_{i}`` (customers holding value i), for a grouped query.

    Parameters
    ----------
    table
        Ibis table holding the columns (joined with the labels to group by segment).
    specs
        The columns and their values.

    Returns
    -------
    dict[str, ibis expression]
    """
    metrics: dict[str, Any] = {}
    for j, spec in enumerate(specs):
        text = table[spec.column].cast("string")
        metrics[f"vk{j}"] = (text.notnull() & (text != "")).sum()
        for i, expr in enumerate(indicator_exprs(table, spec).values()):
            metrics[f"vv{j}_{i}"] = expr.sum()
    return metrics


def shares_from_wide(wide: pd.DataFrame, *, specs: Sequence[MultiValueColumn]) -> pd.DataFrame:
    """Long value shares from a query grouped by segment over :func:`value_metrics` (overall = the sum).

    Parameters
    ----------
    wide
        One row per segment with ``segment`` and the metrics.
    specs
        The same specs, in the same order.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``segment`` (``None`` = overall), ``value``, ``customers``, ``known``, ``share``.
    """
    rows = []
    segments = wide["segment"].astype(str).tolist()
    for j, spec in enumerate(specs):
        known = pd.to_numeric(wide[f"vk{j}"]).fillna(0).astype("int64").tolist()
        total_known = int(sum(known))
        for i, value in enumerate(spec.values):
            held = pd.to_numeric(wide[f"vv{j}_{i}"]).fillna(0).astype("int64").tolist()
            for segment, k, h in zip(segments, known, held, strict=True):
                rows.append((spec.column, segment, value, int(h), int(k), h / k if k else float("nan")))
            total = int(sum(held))
            rows.append((spec.column, None, value, total, total_known,
                         total / total_known if total_known else float("nan")))
    return pd.DataFrame(rows, columns=["column", "segment", "value", "customers", "known", "share"])


def value_shares_many(data: Data, *, specs: Sequence[MultiValueColumn]) -> pd.DataFrame:
    """:func:`value_shares` of several columns in one grouped query (overall = sum over segments).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    specs
        The columns and their values.

    Returns
    -------
    pandas.DataFrame
        See :func:`shares_from_wide`.
    """
    if not specs:
        return shares_from_wide(pd.DataFrame({"segment": []}), specs=[])
    table = data.labelled()
    wide = table.group_by("segment").aggregate(**value_metrics(table, specs=specs)).execute()
    return shares_from_wide(wide, specs=specs)


def detect_multivalue(
    data: Data, *, columns: Iterable[str], types: Mapping[str, str] | None = None
) -> dict[str, MultiValueColumn]:
    """Find the multi-value columns among ``columns`` (one small query per text column).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    columns
        Candidate columns (e.g. the modelling columns); non-text ones are skipped when ``types`` is given.
    types
        Column name -> type (``text`` columns are checked).

    Returns
    -------
    dict[str, MultiValueColumn]
        Column name -> how it splits, for the multi-value columns only.
    """
    wanted = [c for c in columns if c != db.ROW and (types is None or types.get(c) == "text")]
    found: dict[str, MultiValueColumn] = {}
    for column, cells in distinct_cells_many(data, columns=wanted).items():
        spec = analyse_cells(cells, column=column)
        if spec is not None:
            found[column] = spec
    return found


def indicator_exprs(table: Any, spec: MultiValueColumn, *, values: Sequence[str] | None = None) -> dict[str, Any]:
    """Ibis yes/no expressions, one per value: ``flag name -> column IN (cells holding it)``.

    Parameters
    ----------
    table
        Ibis table holding ``spec.column``.
    spec
        From :func:`detect_multivalue`.
    values
        Values wanted (default all).

    Returns
    -------
    dict[str, ibis expression]
        Boolean; missing (null) where the cell is blank.
    """
    text = table[spec.column].cast("string")
    known = text.notnull() & (text != "")
    exprs = {}
    for value in values if values is not None else spec.values:
        holds = text.isin(list(spec.cells.get(value, ()))) if spec.cells.get(value) else ibis.literal(False)
        exprs[spec.flag_name(value)] = ibis.ifelse(known, holds, ibis.null().cast("boolean"))
    return exprs


def indicator_frame(series: pd.Series, spec: MultiValueColumn, *, values: Sequence[str] | None = None) -> pd.DataFrame:
    """Yes/no columns for a pandas column (a sample pulled for a model), one per value.

    Parameters
    ----------
    series
        The raw multi-value column.
    spec
        From :func:`detect_multivalue` (or :func:`analyse_cells`).
    values
        Values wanted (default all).

    Returns
    -------
    pandas.DataFrame
        Nullable boolean columns named by :func:`flag_name`, same index as ``series``.
    """
    text = series.astype("string")
    known = text.notna() & (text != "")
    frame = {}
    for value in values if values is not None else spec.values:
        holds = text.isin(list(spec.cells.get(value, ()))).fillna(False).astype("boolean")
        frame[spec.flag_name(value)] = holds.where(known, pd.NA)
    return pd.DataFrame(frame, index=series.index)


def value_shares(
    data: Data, *, spec: MultiValueColumn, by_segment: bool = True
) -> pd.DataFrame:
    """Share of customers holding each value, per segment and overall (one grouped engine query).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    spec
        The multi-value column.
    by_segment
        Group by segment (``segment`` is ``None`` on the overall rows).

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``value``, ``customers`` (holding it), ``known`` (non-blank cells), ``share``.
    """
    table = data.customers()
    if by_segment:
        table = data.labelled()
    flags = indicator_exprs(table, spec)
    text = table[spec.column].cast("string")
    metrics = {"known": (text.notnull() & (text != "")).sum()}
    names = list(flags)
    for i, name in enumerate(names):
        metrics[f"v{i}"] = flags[name].sum()
    frames = [table.aggregate(**metrics).execute().assign(segment=None)]
    if by_segment:
        frames.insert(0, table.group_by("segment").aggregate(**metrics).execute())
    wide = pd.concat(frames, ignore_index=True)
    rows = []
    for record in wide.to_dict("records"):
        known = int(record["known"] or 0)
        for i, value in enumerate(spec.values):
            held = int(record[f"v{i}"] or 0)
            segment = record["segment"]
            rows.append({"segment": None if segment is None or pd.isna(segment) else str(segment), "value": value,
                         "customers": held, "known": known, "share": held / known if known else float("nan")})
    return pd.DataFrame(rows, columns=["segment", "value", "customers", "known", "share"])


def parse_flag(name: str) -> tuple[str, str] | None:
    """``("interests", "Travel")`` for the flag name ``interests: Travel`` (``None`` for other names)."""
    column, sep, value = str(name).partition(": ")
    return (column, value) if sep and column and value else None


def add_flags(data: Data, table: Any, names: Sequence[str], *,
              specs: Mapping[str, MultiValueColumn] | None = None) -> tuple[Any, dict[str, str]]:
    """Add the yes/no columns named like ``interests: Travel`` that ``names`` asks for and ``table`` lacks.

    This is how profiles, dimensions and clustering use one value of a multi-value column like any
    other yes/no column: pass the flag name as a feature, dimension or attribute.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    table
        Ibis table with the multi-value source columns.
    names
        Wanted column names; names already in ``table`` are left alone.
    specs
        Source column -> how it splits (detected when missing).

    Returns
    -------
    tuple[ibis.Table, dict[str, str]]
        The table with the flags added, and flag name -> type (``boolean``) for the added ones.
    """
    wanted: dict[str, list[str]] = {}
    for name in names:
        parsed = parse_flag(name) if name not in table.columns else None
        if parsed is not None and parsed[0] in table.columns:
            wanted.setdefault(parsed[0], []).append(parsed[1])
    if not wanted:
        return table, {}
    known = dict(specs or {})
    missing = [c for c in wanted if c not in known]
    if missing:
        for column, cells in distinct_cells_many(data, columns=missing).items():
            spec = analyse_cells(cells, column=column)
            if spec is not None:
                known[column] = spec
    exprs: dict[str, Any] = {}
    for column, values in wanted.items():
        if column in known:
            exprs.update(indicator_exprs(table, known[column], values=values))
    return (table.mutate(**exprs) if exprs else table), dict.fromkeys(exprs, "boolean")


def flag_choices(data: Data, *, roles: Mapping[str, str], types: Mapping[str, str],
                 top: int = 12, specs: Mapping[str, MultiValueColumn] | None = None) -> dict[str, list[str]]:
    """For each multi-value column that may be modelled, its most common values' flag names.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles, types
        Column name -> role / type (personal data and ids are never split).
    top
        Values offered per column.
    specs
        The multi-value columns already detected among the modelling text columns
        (``Workspace.multivalue_specs``); detected here when ``None``.

    Returns
    -------
    dict[str, list[str]]
        Column -> flag names (``interests: Travel``), for pickers of features and dimensions.
    """
    from segdash.schema import is_modelling_role

    columns = [c for c, role in roles.items() if is_modelling_role(role) and types.get(c) == "text"]
    found = detect_multivalue(data, columns=columns, types=types) if specs is None else specs
    return {column: [found[column].flag_name(v) for v in found[column].values[:top]]
            for column in columns if column in found}
