"""Drift per attribute between two exports: the population stability index (PSI).

Binning (the PSI depends on it, so it is fixed and documented):

* **Numbers**: the bin edges are the deciles of the *older* export (DuckDB ``quantile_cont`` at
  0.1, ..., 0.9; repeated edges are merged, so a column with few distinct values gets fewer
  bins). Bins are ``(-inf, e1], (e1, e2], ..., (e_k, +inf)``; both exports are counted in the
  same bins.
* **Dates**: each date becomes its age in days before the latest date of the same column in
  the same export (an export is a picture of one moment, so a signup date becomes tenure and
  a last-order date becomes recency), then it is binned like a number at the older export's
  deciles. Comparing raw calendar dates would call every newer export "drifted" only because
  time has passed.
* **Categories** (text and yes/no columns): each value is its own bin, as it is.
* A **missing value** is a bin of its own in both cases.
* **Empty bins**: a share of 0 in either export is replaced by :data:`EPSILON` (0.0001) before
  the logarithm, without renormalising (the usual convention), so a category that appears or
  disappears adds a large but finite amount.

``PSI = sum over bins of (new share - old share) * ln(new share / old share)``: the symmetric
Kullback-Leibler divergence, ``scipy.stats.entropy(p, q) + entropy(q, p)`` (what the tests check).

Thresholds (the usual ones): under 0.1 the attribute drifted little, 0.1 to 0.25 moderately,
0.25 or more strongly.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from segdash.history.snapshots import CATEGORY_TYPES, DATE_TYPES, NUMBER_TYPES, Snapshot
from segdash.schema import is_modelling_role

#: Share used in place of 0 for an empty bin.
EPSILON = 1e-4
#: PSI thresholds: little below the first, moderate below the second, strong from it.
MODERATE = 0.1
STRONG = 0.25
#: Decile edges for numbers.
QUANTILES = tuple(round(0.1 * i, 1) for i in range(1, 10))
#: A text column with more distinct values than this in the older export is not a category.
MAX_CATEGORIES = 100
DRIFT_COLUMNS = ("column", "kind", "psi", "level", "bins")


def empty_drift() -> pd.DataFrame:
    """An empty drift table."""
    return pd.DataFrame({"column": pd.Series(dtype=object), "kind": pd.Series(dtype=object),
                         "psi": pd.Series(dtype=float), "level": pd.Series(dtype=object),
                         "bins": pd.Series(dtype="int64")})


def psi(old_counts: Any, new_counts: Any, *, epsilon: float = EPSILON) -> float:
    """Population stability index between two count vectors over the same bins.

    Parameters
    ----------
    old_counts, new_counts
        Customers per bin in the older and the newer export (same order, same length).
    epsilon
        Share used in place of 0 (see the module notes).

    Returns
    -------
    float
        ``sum((q - p) * ln(q / p))`` with ``p``, ``q`` the old and new shares; NaN if either side
        is empty.
    """
    old = np.asarray(old_counts, dtype=float)
    new = np.asarray(new_counts, dtype=float)
    if old.shape != new.shape:
        raise ValueError("old_counts and new_counts must have the same bins")
    if old.sum() <= 0 or new.sum() <= 0:
        return float("nan")
    p = np.where(old > 0, old / old.sum(), epsilon)
    q = np.where(new > 0, new / new.sum(), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


def drift_level(value: float) -> str:
    """``"little"``, ``"moderately"`` or ``"strongly"`` for a PSI (``"n/a"`` for NaN)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if value < MODERATE:
        return "little"
    if value < STRONG:
        return "moderately"
    return "strongly"


def drift_candidates(old: Snapshot, new: Snapshot, *, columns: list[str] | None = None) -> dict[str, str]:
    """Columns to check: column -> ``"number"`` or ``"category"``.

    Parameters
    ----------
    old, new
        The two snapshots (their exports' roles and types).
    columns
        Restrict to these (default: every column of both exports that may be used for modelling:
        no ids, no personal data).

    Returns
    -------
    dict[str, str]
        Column -> ``"number"``, ``"date"`` or ``"category"``, in the newer export's column order;
        a column whose type differs between the exports is left out.
    """
    kinds = {}
    for name, kind in new.types.items():
        if columns is not None and name not in columns:
            continue
        if name in ("_row", new.key_column, old.key_column) or old.types.get(name) is None:
            continue
        if not is_modelling_role(new.roles.get(name, "other")) or not is_modelling_role(old.roles.get(name, "other")):
            continue
        if kind in NUMBER_TYPES and old.types[name] in NUMBER_TYPES:
            kinds[name] = "number"
        elif kind in DATE_TYPES and old.types[name] in DATE_TYPES:
            kinds[name] = "date"
        elif kind in CATEGORY_TYPES and old.types[name] in CATEGORY_TYPES:
            kinds[name] = "category"
    return kinds


def drift_table(old_data: Any, new_data: Any, *, kinds: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """PSI per column between two exports (Ibis tables on one backend).

    Two scans per export: one aggregate for every number and date column (decile edges on the
    older export first; dates as days before the export's latest date, see the module notes),
    one grouped count for every category column.

    Parameters
    ----------
    old_data, new_data
        Ibis tables of the two exports.
    kinds
        Column -> ``"number"``, ``"date"`` or ``"category"`` (see :func:`drift_candidates`).

    Returns
    -------
    tuple[pandas.DataFrame, list[str]]
        :data:`DRIFT_COLUMNS`, strongest drift first; and notes (columns left out and why).
    """
    notes: list[str] = []
    rows = []
    numbers = [c for c, k in kinds.items() if k in ("number", "date")]
    categories = [c for c, k in kinds.items() if k == "category"]
    if numbers:
        dates = [c for c in numbers if kinds[c] == "date"]
        old_values = days_before_latest(old_data, dates)
        new_values = days_before_latest(new_data, dates)
        edges = _decile_edges(old_values, numbers)
        old_bins = _number_bins(old_values, edges)
        new_bins = _number_bins(new_values, edges)
        for column in numbers:
            rows.append((column, kinds[column], psi(old_bins[column], new_bins[column]), len(old_bins[column])))
    if categories:
        old_counts = _category_counts(old_data, categories)
        new_counts = _category_counts(new_data, categories)
        wide = []
        for column in categories:
            before = old_counts.get(column, {})
            after = new_counts.get(column, {})
            if len(before) > MAX_CATEGORIES:
                wide.append(column)
                continue
            values = sorted(set(before) | set(after), key=lambda v: (v is None, str(v)))
            rows.append((column, "category", psi([before.get(v, 0) for v in values], [after.get(v, 0) for v in values]),
                         len(values)))
        if wide:
            notes.append(f"Not checked for drift (more than {MAX_CATEGORIES} different values, so not categories): "
                         + ", ".join(wide) + ".")
    if not rows:
        return empty_drift(), notes
    frame = pd.DataFrame(rows, columns=["column", "kind", "psi", "bins"])
    frame["level"] = [drift_level(v) for v in frame["psi"]]
    frame["bins"] = frame["bins"].astype("int64")
    order = frame["psi"].fillna(-1.0)
    frame = frame.iloc[np.lexsort((frame["column"].astype(str), -order.to_numpy()))].reset_index(drop=True)
    return frame[list(DRIFT_COLUMNS)], notes


def days_before_latest(table: Any, columns: list[str]) -> Any:
    """``table`` with each date column in ``columns`` replaced by its days before that column's latest date.

    One aggregate finds the latest dates; a column without any date becomes all missing.

    Parameters
    ----------
    table
        An Ibis table (one export).
    columns
        Its date columns.

    Returns
    -------
    Ibis table
        The same columns, the dates now ``float64`` days (0 = the latest date; missing stays missing).
    """
    if not columns:
        return table
    latest = table.aggregate(**{f"d{i}": table[c].cast("date").max() for i, c in enumerate(columns)}).execute().iloc[0]
    replaced = {}
    for i, column in enumerate(columns):
        as_of = latest[f"d{i}"]
        if as_of is None or pd.isna(as_of):
            replaced[column] = ibis.null("float64")
            continue
        day = ibis.literal(pd.Timestamp(as_of).date(), type="date")
        replaced[column] = day.delta(table[column].cast("date"), unit="day").cast("float64")
    return table.mutate(**replaced)


def _decile_edges(table: Any, columns: list[str]) -> dict[str, list[float]]:
    aggs = {f"e{i}": table[c].cast("float64").quantile(list(QUANTILES)) for i, c in enumerate(columns)}
    row = table.aggregate(**aggs).execute().iloc[0]
    edges = {}
    for i, column in enumerate(columns):
        values = row[f"e{i}"]
        clean = [] if values is None else [float(v) for v in values if v is not None and np.isfinite(v)]
        edges[column] = sorted(set(clean))
    return edges


@ibis.udf.agg.builtin(name="histogram")
def _histogram(arg: dt.float64, boundaries: dt.Array(dt.float64)) -> dt.Map(dt.float64, dt.int64):  # type: ignore[empty-body]
    """DuckDB's ``histogram(x, boundaries)``: customers with ``x <= boundary`` per boundary (and above the last)."""


def _number_bins(table: Any, edges: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """Customers per bin for every number column, missing values last: one scan, one aggregate per column.

    Bin ``j`` holds ``e_j < x <= e_(j+1)`` (DuckDB ``histogram`` with the decile edges as boundaries); a
    missing value or NaN is counted apart.
    """
    aggs: dict[str, Any] = {"_n": table.count()}
    for i, (column, cuts) in enumerate(edges.items()):
        value = table[column].cast("float64")
        missing = value.isnull() | value.isnan()
        aggs[f"m{i}"] = missing.sum()
        if cuts:
            clean = ibis.ifelse(missing, ibis.null("float64"), value)
            aggs[f"h{i}"] = _histogram(clean, ibis.literal(cuts, type="array<float64>"))
    row = table.aggregate(**aggs).execute().iloc[0]
    total = int(row["_n"])
    bins = {}
    for i, (column, cuts) in enumerate(edges.items()):
        missing = int(row[f"m{i}"] or 0)
        found = row.get(f"h{i}")
        counted = dict(found.items() if isinstance(found, dict) else (found or []))
        counts = [int(counted.get(cut, 0) or 0) for cut in cuts]
        counts.append(total - missing - sum(counts))  # above the last edge
        bins[column] = np.array([*counts, missing], dtype=np.int64)
    return bins


def _category_counts(table: Any, columns: list[str]) -> dict[str, dict[Any, int]]:
    parts = [table.group_by(value=table[c].cast("string")).aggregate(n=table.count())
             .mutate(column=ibis.literal(i, type="int64")) for i, c in enumerate(columns)]
    union = parts[0] if len(parts) == 1 else ibis.union(*parts)
    frame = union.execute()
    found: dict[str, dict[Any, int]] = {c: {} for c in columns}
    for position, value, count in zip(frame["column"], frame["value"], frame["n"], strict=True):
        key = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        found[columns[int(position)]][key] = int(count)
    return found


def drift_sentence(drift: pd.DataFrame, *, limit: int = 4) -> str:
    """E.g. "Age drifted little; income drifted strongly (PSI 0.31)." ("" without columns).

    Groups columns by level, strongest last with its PSI; each group names at most ``limit``
    columns and counts the rest.
    """
    if drift is None or drift.empty:
        return ""
    parts = []
    for level in ("little", "moderately", "strongly"):
        group = drift[drift["level"] == level].sort_values("psi", ascending=False)
        if group.empty:
            continue
        names = [_short(c) for c in group["column"]]
        shown = names[:limit]
        rest = len(names) - len(shown)
        listed = _join(shown + ([f"{rest} more"] if rest else []))
        if level == "little":
            parts.append(f"{listed} drifted little")
        else:
            figures = ", ".join(f"{v:.2f}" for v in group["psi"].head(limit))
            parts.append(f"{listed} drifted {level} (PSI {figures})")
    if not parts:
        return ""
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _short(column: object) -> str:
    """A survey question's short label (the drift table carries the full question); other names as they are."""
    from segdash.labels import is_question, suggest_label

    return suggest_label(str(column)) if is_question(column) else str(column)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["EPSILON", "days_before_latest", "drift_candidates", "drift_level", "drift_sentence", "drift_table", "psi"]
