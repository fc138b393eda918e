"""Segmenting by dimensions: segments are the combinations of one to three columns.

Numeric columns are cut into bands (quantiles, equal width, or edges the user types);
text columns keep their values; dates are grouped by year. Missing values get their own
band. Combinations smaller than a minimum size are pooled into "Other". Optional filter
conditions restrict who is segmented; everyone else gets the label "Not segmented", so every
imported row has exactly one label and the sizes add up to the loaded rows.

Everything runs in DuckDB through Ibis: column names and values are never formatted into SQL.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import ibis

from segdash.data import Data, materialise
from segdash.errors import SettingsError
from segdash.schema import Segmentation
from segdash.segment.base import write_label_table

#: How numeric columns can be cut into bands.
BANDINGS = ("quantiles", "equal_width", "edges")
BANDING_LABELS = {
    "quantiles": "Equal-sized groups (quantiles)",
    "equal_width": "Equal-width ranges",
    "edges": "My own edges",
}
#: Label of the band holding missing values (prefixed by the column name).
MISSING = "(missing)"
#: Label of the pooled small combinations.
OTHER = "Other"
#: Label of the rows the filter leaves out.
NOT_SEGMENTED = "Not segmented"
#: Separator between the parts of a combination's label.
SEPARATOR = " · "
#: Filter operators (core names) and their words on screen.
OPERATORS = {
    "=": "is",
    "!=": "is not",
    ">": "is more than",
    ">=": "is at least",
    "<": "is less than",
    "<=": "is at most",
    "in": "is one of",
    "contains": "contains",
    "is missing": "is missing",
    "is not missing": "is not missing",
}
#: Role families offered as dimensions, in the order shown, with their words on screen.
DIMENSION_FAMILIES = {
    "geographic": "Geographic",
    "demographic": "Demographic",
    "behavioral": "Behavioral",
    "revenue": "Behavioral (spend)",
    "psychographic": "Psychographic",
    "acquisition_channel": "Acquisition channel",
    "service_channel": "Service channel",
    "acquisition_cost": "Acquisition cost",
    "date": "Dates",
    "other": "Other",
}
MAX_DIMENSIONS = 3
MAX_BANDS = 20


@dataclass(frozen=True)
class Dimension:
    """One column to segment by.

    Parameters
    ----------
    column
        Column name in the imported table.
    banding
        For numeric columns: ``"quantiles"`` (``bands`` equal-sized groups), ``"equal_width"``
        (``bands`` ranges of equal width) or ``"edges"`` (the cut points in ``edges``).
    bands
        Number of bands for ``quantiles`` and ``equal_width``.
    edges
        Cut points for ``edges``: ``(18, 25)`` gives ``<18``, ``18-24``, ``25+``.
    """

    column: str
    banding: str = "quantiles"
    bands: int = 4
    edges: tuple[float, ...] = ()


@dataclass(frozen=True)
class Condition:
    """A filter condition ``column operator value`` (see :data:`OPERATORS`)."""

    column: str
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Band:
    """A numeric band ``lower <= x < upper`` (``None``: open end) with its label and rule."""

    lower: float | None
    upper: float | None
    label: str
    rule: str


def default_min_size(rows: int) -> int:
    """Default minimum segment size: 1% of the rows, at least 1 (no pooling on tiny files).

    Parameters
    ----------
    rows
        Number of loaded rows.

    Returns
    -------
    int
    """
    return max(1, rows // 100)


def dimension_choices(roles: dict[str, str], types: dict[str, str]) -> dict[str, list[str]]:
    """Columns a user may segment by, grouped by role family in the order shown on screen.

    Personal data and ids are never offered.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    dict[str, list[str]]
        Family words (e.g. ``"Geographic"``) -> columns, families without columns left out.
    """
    groups: dict[str, list[str]] = {}
    for role, words in DIMENSION_FAMILIES.items():
        columns = [c for c, r in roles.items() if r == role and c in types]
        if columns:
            groups[words] = columns
    return groups


def parse_edges(text: str) -> tuple[float, ...]:
    """Read typed band edges such as ``"18, 25, 35, 50, 65"``.

    Parameters
    ----------
    text
        Numbers separated by commas, semicolons or spaces (``1,000`` style thousands are not
        allowed: write ``1000``).

    Returns
    -------
    tuple[float, ...]
        The edges, increasing.

    Raises
    ------
    SettingsError
        If a part is not a number or the edges are not strictly increasing.
    """
    parts = [p for p in re.split(r"[;,\s]+", str(text).strip()) if p]
    if not parts:
        raise SettingsError("Type at least one band edge, for example: 18, 25, 35, 50, 65.")
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise SettingsError(
                f"'{part}' is not a number. Type band edges as numbers separated by commas, e.g. 18, 25, 35."
            ) from None
        if not math.isfinite(value):
            raise SettingsError(f"'{part}' is not a usable band edge; type ordinary numbers.")
        values.append(value)
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise SettingsError("Band edges must go up from left to right, each one larger than the last "
                            f"(you typed {', '.join(parts)}).")
    return tuple(values)


def nice_number(value: float, *, digits: int = 3) -> float:
    """Round ``value`` to ``digits`` significant digits (41,234.5 -> 41,200).

    Parameters
    ----------
    value
        Any number.
    digits
        Significant digits kept.

    Returns
    -------
    float
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    magnitude = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - magnitude))


def format_number(value: float) -> str:
    """Plain number for a label: thousands separators, no trailing zeros (``1,234``, ``8.62``).

    Parameters
    ----------
    value
        The number.

    Returns
    -------
    str
    """
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{nice_number(value):,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def make_bands(
    cuts: Sequence[float],
    *,
    column: str,
    integral: bool,
    open_ends: bool,
    data_min: float | None = None,
    data_max: float | None = None,
) -> list[Band]:
    """Bands between consecutive cut points, with labels a person reads at a glance.

    Parameters
    ----------
    cuts
        Increasing cut points; ``n`` cuts make ``n + 1`` bands (the outer ones open-ended).
    column
        Column name, used in the rules.
    integral
        Whether the column holds whole numbers only: bands then read ``25-34`` (25 to 34
        inclusive) instead of ``25–35`` (25 up to, not including, 35).
    open_ends
        Label the outer bands ``<18`` and ``65+`` (typed edges); otherwise they read from the
        data's minimum and up to its maximum (``data_min`` and ``data_max`` required).
    data_min, data_max
        Smallest and largest value in the data.

    Returns
    -------
    list[Band]
    """
    cuts = list(cuts)
    bounds = [None, *cuts, None]
    bands = []
    for lower, upper in zip(bounds[:-1], bounds[1:], strict=True):
        lo = lower if lower is not None or open_ends else data_min
        hi = upper if upper is not None or open_ends else data_max
        if lo is None and hi is None:  # no cut at all: a single band
            label = "all" if data_min is None else _range_label(data_min, data_max, integral, inclusive_top=True)
            rule = f"{column} has a value"
        elif lo is None:
            label, rule = f"<{format_number(hi)}", f"{column} is less than {format_number(hi)}"
        elif hi is None:
            label, rule = f"{format_number(lo)}+", f"{column} is {format_number(lo)} or more"
        else:
            top = upper is None  # last band of quantiles/equal width: up to the maximum, inclusive
            label = _range_label(lo, hi, integral, inclusive_top=top)
            if integral:
                last = hi if top else math.ceil(hi) - 1
                rule = f"{column} is from {format_number(math.ceil(lo))} to {format_number(last)}"
            elif top:
                rule = f"{column} is from {format_number(lo)} to {format_number(hi)}"
            else:
                rule = f"{column} is from {format_number(lo)} up to (not including) {format_number(hi)}"
        bands.append(Band(lower, upper, label, rule))
    return bands


def _range_label(lo: float, hi: float, integral: bool, *, inclusive_top: bool) -> str:
    """``25-34`` (whole numbers, inclusive) or ``0–50``; ``-275 to -16`` when a bound is negative."""
    if integral:
        first = math.ceil(lo)
        last = math.floor(hi) if inclusive_top else math.ceil(hi) - 1
        if last <= first:
            return format_number(first)
        lo, hi, dash = first, last, "-"
    else:
        dash = "–"
    if lo < 0 or hi < 0:  # "-275--16" would misread: spell the range out
        dash = " to "
    return f"{format_number(lo)}{dash}{format_number(hi)}"


def _numeric_cuts(banding: str, bands: int, stats: dict[str, Any], integral: bool) -> list[float]:
    """Cut points for quantile / equal-width banding from the column's statistics."""
    lo, hi = stats["min"], stats["max"]
    if lo is None or hi is None or lo == hi:
        return []
    if banding == "quantiles":
        raw = [float(q) for q in stats["quantiles"]]
    else:
        raw = [lo + (hi - lo) * i / bands for i in range(1, bands)]
    cuts = []
    for value in raw:
        cut = float(math.ceil(nice_number(value))) if integral else nice_number(value)
        if lo < cut <= hi and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    return cuts


def _validate(dimensions: Sequence[Dimension], types: dict[str, str], columns: set[str]) -> None:
    if not dimensions:
        raise SettingsError("Choose at least one column to segment by.")
    if len(dimensions) > MAX_DIMENSIONS:
        raise SettingsError(f"Choose at most {MAX_DIMENSIONS} columns to segment by "
                            f"(you chose {len(dimensions)}); more makes too many tiny segments.")
    names = [d.column for d in dimensions]
    if len(set(names)) != len(names):
        raise SettingsError("Each column can be used only once as a dimension.")
    for dim in dimensions:
        if dim.column not in columns:
            raise SettingsError(f"There is no column '{dim.column}' in the loaded data.")
        if types.get(dim.column) == "number":
            if dim.banding not in BANDINGS:
                raise SettingsError(f"Unknown banding '{dim.banding}' for '{dim.column}'.")
            if dim.banding == "edges" and not dim.edges:
                raise SettingsError(f"Type the band edges for '{dim.column}', e.g. 18, 25, 35, 50, 65.")
            if dim.banding != "edges" and not 2 <= int(dim.bands) <= MAX_BANDS:
                raise SettingsError(f"The number of bands for '{dim.column}' must be between 2 and "
                                    f"{MAX_BANDS} (you asked for {dim.bands}).")


def _typed_value(column: str, kind: str, value: Any) -> Any:
    """A filter value converted to the column's type, or a plain error."""
    if kind == "number":
        try:
            return float(str(value).replace(",", "").strip())
        except ValueError:
            raise SettingsError(f"The filter on '{column}' needs a number, not '{value}'.") from None
    if kind == "date":
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise SettingsError(
                f"The filter on '{column}' needs a date written as YYYY-MM-DD, not '{value}'."
            ) from None
    if kind == "boolean":
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "y"):
            return True
        if text in ("no", "false", "0", "n"):
            return False
        raise SettingsError(f"The filter on '{column}' needs yes or no, not '{value}'.")
    return str(value)


def _literal(value: Any, kind: str) -> Any:
    if kind == "date":
        return ibis.date(value)
    return ibis.literal(value)


def _condition_expr(table: Any, cond: Condition, types: dict[str, str]) -> Any:
    if cond.column not in table.columns:
        raise SettingsError(f"The filter uses a column '{cond.column}' that is not in the loaded data.")
    if cond.operator not in OPERATORS:
        raise SettingsError(f"Unknown filter operator '{cond.operator}'.")
    kind = types.get(cond.column, "text")
    col = table[cond.column]
    if kind == "date":
        col = col.cast("date")
    op = cond.operator
    if op == "is missing":
        return col.isnull()
    if op == "is not missing":
        return col.notnull()
    if cond.value is None or str(cond.value).strip() == "":
        raise SettingsError(f"The filter on '{cond.column}' needs a value to compare with.")
    if op == "contains":
        return col.cast("string").lower().contains(str(cond.value).lower())
    if op == "in":
        values = [v.strip() for v in str(cond.value).split(",") if v.strip()]
        return col.isin([_literal(_typed_value(cond.column, kind, v), kind) for v in values])
    if kind in ("text", "boolean") and op in (">", ">=", "<", "<="):
        raise SettingsError(f"'{cond.column}' is not a number or date: use 'is', 'is not', "
                            "'is one of' or 'contains' for it.")
    value = _literal(_typed_value(cond.column, kind, cond.value), kind)
    return {
        "=": col == value,
        "!=": col != value,
        ">": col > value,
        ">=": col >= value,
        "<": col < value,
        "<=": col <= value,
    }[op]


def describe_filter(conditions: Sequence[Condition], combine: str = "and") -> str:
    """Plain words for the filter conditions (``"age is at least 18 and country is France"``).

    Parameters
    ----------
    conditions
        The conditions.
    combine
        ``"and"`` or ``"or"``.

    Returns
    -------
    str
    """
    parts = []
    for cond in conditions:
        words = OPERATORS.get(cond.operator, cond.operator)
        parts.append(f"{cond.column} {words}" + ("" if cond.operator.startswith("is ")
                                                  and "missing" in cond.operator else f" {cond.value}"))
    return f" {combine} ".join(parts)


def filter_expr(table: Any, conditions: Sequence[Condition], *, combine: str, types: dict[str, str]) -> Any:
    """Boolean Ibis expression: whether a row passes the filter (missing values never pass).

    Parameters
    ----------
    table
        Ibis table of the customers.
    conditions
        The conditions; empty means everyone passes.
    combine
        ``"and"`` (every condition) or ``"or"`` (any condition).
    types
        Column name -> type, to read values as numbers or dates.

    Returns
    -------
    ibis boolean expression

    Raises
    ------
    SettingsError
        If a condition names an unknown column or its value does not fit the column.
    """
    if combine not in ("and", "or"):
        raise SettingsError(f"Combine filter conditions with 'and' or 'or', not '{combine}'.")
    if not conditions:
        return ibis.literal(True)
    exprs = [_condition_expr(table, cond, types).fill_null(False) for cond in conditions]
    result = exprs[0]
    for expr in exprs[1:]:
        result = (result & expr) if combine == "and" else (result | expr)
    return result


def segment_by_dimensions(
    data: Data,
    *,
    dimensions: Sequence[Dimension | str],
    types: dict[str, str],
    min_size: int = 1,
    conditions: Sequence[Condition] = (),
    combine: str = "and",
    saved_model: dict[str, Any] | None = None,
) -> Segmentation:
    """Segment customers by the combinations of one to three columns and store the labels.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    dimensions
        The columns (a plain name uses quartiles for numbers).
    types
        Column name -> type (``number``, ``text``, ``date``, ``boolean``).
    min_size
        Combinations with fewer rows are pooled into ``"Other"``.
    conditions
        Optional filter; rows that do not pass get ``"Not segmented"``.
    combine
        ``"and"`` or ``"or"`` between the conditions.
    saved_model
        ``Segmentation.model`` of an earlier run, to apply that segmentation again to new
        data: its numeric bands are reused as they were (not recomputed from the new data),
        and combinations it did not keep (pooled or never seen) go to "Other".

    Returns
    -------
    Segmentation
        ``method="dimensions"``; ``rules`` maps each label to plain words; ``notes`` says how
        many combinations were pooled and how many rows the filter left out; ``model`` holds
        the bands and kept combinations (JSON-ready) to apply it again.

    Raises
    ------
    SettingsError
        For an unknown column, bad edges or band count, a filter that does not fit, or a
        filter that leaves nobody.
    """
    start = time.perf_counter()
    dims = [Dimension(d) if isinstance(d, str) else d for d in dimensions]
    backend = data.backend
    from segdash.act.multivalue import add_flags

    # "interests: Travel" is the yes/no of one value of a multi-value column (segdash.act.multivalue)
    table, flag_types = add_flags(data, data.customers(), [d.column for d in dims])
    types = {**flag_types, **types}
    _validate(dims, types, set(table.columns))
    if int(min_size) < 1:
        raise SettingsError("The minimum segment size must be at least 1.")
    passes = filter_expr(table, conditions, combine=combine, types=types)
    total = int(table.count().execute())
    kept = int(table.filter(passes).count().execute()) if conditions else total
    if total == 0:
        raise SettingsError("The loaded file has no rows to segment.")
    if kept == 0:
        raise SettingsError("No customer matches the filter conditions; loosen or remove a condition.")

    stats = _numeric_stats(table.filter(passes) if conditions else table, dims, types)
    saved_bands = (saved_model or {}).get("bands", {})
    part_exprs = []
    part_rules: list[dict[str, str]] = []
    fitted_bands: dict[str, list[list[Any]]] = {}
    for dim in dims:
        kind = types.get(dim.column, "text")
        bands = None
        if kind == "number":
            if saved_model is not None and dim.column in saved_bands:
                bands = [Band(*band) for band in saved_bands[dim.column]]
            else:
                bands = _bands_for(dim, stats[dim.column])
            fitted_bands[dim.column] = [[b.lower, b.upper, b.label, b.rule] for b in bands]
        expr, rules = _dimension_expr(table, dim, kind, bands)
        part_exprs.append(expr)
        part_rules.append(rules)
    label = part_exprs[0]
    for expr in part_exprs[1:]:
        label = label.concat(SEPARATOR, expr)
    # On embedded DuckDB one pass computes every row's combination; counting and pooling then scan
    # that result (Arrow, zero-copy) instead of recomputing the bands. On another engine the
    # combinations stay an expression there, and the labels are written back as a table there.
    combo_expr = table.select(_key=table[data.key], _combo=ibis.ifelse(passes, label, NOT_SEGMENTED))
    combos = backend.to_pyarrow(combo_expr) if data.is_duckdb else None
    labeled = ibis.memtable(combos) if combos is not None else materialise(data, combo_expr)
    counts = labeled.group_by("_combo").aggregate(n=labeled.count()).execute()
    combo_sizes = {str(c): int(n) for c, n in zip(counts["_combo"], counts["n"], strict=True)
                   if c != NOT_SEGMENTED}
    unseen: list[str] = []
    if saved_model is not None:  # the saved segments are kept as they were; everything else is "Other"
        kept_before = set(saved_model.get("segments", []))
        small = sorted(c for c in combo_sizes if c not in kept_before)
        unseen = [c for c in small if c not in set(saved_model.get("pooled", []))]
        other = str(saved_model.get("other") or OTHER)
    else:
        small = sorted(c for c, n in combo_sizes.items() if n < min_size)
        other = OTHER if OTHER not in combo_sizes else f"{OTHER} (small groups)"
    if small:
        pooled = ibis.memtable({"_small": small})
        final = labeled.left_join(pooled, labeled._combo == pooled._small)
        final = final.select(_key=final._key, segment=ibis.ifelse(final._small.isnull(), final._combo, other))
    else:
        final = labeled.select(_key=labeled._key, segment=labeled._combo)
    if combos is not None and not small:  # every combination kept: the Arrow result is the labels as it is
        sizes = write_label_table(data, combos.rename_columns([data.key, "segment"]))
    else:
        sizes = write_label_table(data, final.rename(**{data.key: "_key"}))

    rules = {}
    for combo in combo_sizes:
        if combo in small:
            continue
        rules[combo] = _combo_rule(combo, dims, part_rules)
    notes = []
    if small and saved_model is not None:
        pooled_rows = sum(combo_sizes[c] for c in small)
        rules[other] = "Combinations the saved segmentation pooled together or did not have."
        notes.append(f"{pooled_rows:,} customers fall in combinations the saved segmentation did not keep, "
                     f"so they are in '{other}'.")
        if unseen:
            unseen_rows = sum(combo_sizes[c] for c in unseen)
            notes.append(f"{len(unseen):,} combinations are new in this data ({unseen_rows:,} customers), for "
                         f"example '{unseen[0]}'.")
    elif small:
        pooled_rows = sum(combo_sizes[c] for c in small)
        rules[other] = (f"Combinations with fewer than {int(min_size):,} customers, pooled together "
                        f"({len(small):,} combinations, {pooled_rows:,} customers).")
        notes.append(f"{len(small):,} combinations smaller than {int(min_size):,} customers were pooled into "
                     f"'{other}' ({pooled_rows:,} customers).")
    if conditions:
        rules[NOT_SEGMENTED] = f"Left out by the filter ({describe_filter(conditions, combine)})."
        notes.append(f"The filter kept {kept:,} of {total:,} customers; the other {total - kept:,} are "
                     f"labelled '{NOT_SEGMENTED}' so every customer still has exactly one label.")
    for dim in dims:
        for note in stats.get(dim.column, {}).get("notes", []):
            notes.append(note)
    settings = {
        "dimensions": [asdict(d) for d in dims],
        "min_size": int(min_size),
        "conditions": [asdict(c) for c in conditions],
        "combine": combine,
    }
    k = len([s for s in sizes if s != NOT_SEGMENTED])
    kept = [c for c in combo_sizes if c not in small]
    if saved_model is not None:
        kept = list(saved_model.get("segments", []))
        small = list(saved_model.get("pooled", []))
    model = {"kind": "dimensions", "bands": fitted_bands, "segments": sorted(kept), "pooled": sorted(small),
             "other": other}
    return Segmentation(
        method="dimensions", settings=settings, sizes=sizes, k=k, features=[d.column for d in dims],
        notes=notes, rules={label: rules.get(label, label) for label in sizes},
        seconds=time.perf_counter() - start, model=model,
    )


def _combo_rule(combo: str, dims: Sequence[Dimension], part_rules: list[dict[str, str]]) -> str:
    parts = combo.split(SEPARATOR) if len(dims) > 1 else [combo]
    if len(parts) != len(dims):  # a value itself holds the separator: fall back to the label
        return combo
    return " and ".join(rules.get(part, part) for part, rules in zip(parts, part_rules, strict=True))


def _numeric_stats(table: Any, dims: Sequence[Dimension], types: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Min, max, integrality and quantiles of every numeric dimension, in one query."""
    numeric = [d for d in dims if types.get(d.column) == "number"]
    if not numeric:
        return {}
    aggs = {}
    for i, dim in enumerate(numeric):
        col = table[dim.column].cast("float64")
        aggs[f"min{i}"] = col.min()
        aggs[f"max{i}"] = col.max()
        aggs[f"frac{i}"] = (col != col.floor()).fill_null(False).any()
        if dim.banding == "quantiles":
            aggs[f"q{i}"] = col.quantile([j / dim.bands for j in range(1, dim.bands)])
    row = table.aggregate(**aggs).execute().iloc[0]
    stats = {}
    for i, dim in enumerate(numeric):
        lo, hi = row[f"min{i}"], row[f"max{i}"]
        lo = None if lo is None or (isinstance(lo, float) and math.isnan(lo)) else float(lo)
        hi = None if hi is None or (isinstance(hi, float) and math.isnan(hi)) else float(hi)
        quantiles = row[f"q{i}"] if dim.banding == "quantiles" else []
        stats[dim.column] = {
            "min": lo, "max": hi, "integral": not bool(row[f"frac{i}"]),
            "quantiles": [] if quantiles is None else list(quantiles), "notes": [],
        }
        if lo is None:
            stats[dim.column]["notes"].append(f"'{dim.column}' has no values among these customers.")
        elif lo == hi:
            stats[dim.column]["notes"].append(f"'{dim.column}' has the same value ({format_number(lo)}) for "
                                              "everyone, so it makes a single band.")
    return stats


def _bands_for(dim: Dimension, stats: dict[str, Any]) -> list[Band]:
    """The bands of a numeric dimension: typed edges, or cut points from the column's statistics."""
    integral = stats["integral"]
    if dim.banding == "edges":
        cuts = [float(e) for e in dim.edges]
        return make_bands(cuts, column=dim.column, integral=integral and all(float(c).is_integer() for c in cuts),
                          open_ends=True)
    cuts = _numeric_cuts(dim.banding, int(dim.bands), stats, integral)
    return make_bands(cuts, column=dim.column, integral=integral, open_ends=False,
                      data_min=stats["min"], data_max=stats["max"])


def _dimension_expr(table: Any, dim: Dimension, kind: str, bands: list[Band] | None) -> tuple[Any, dict]:
    """Ibis text expression of a row's band/value for one dimension, and label -> rule."""
    col = table[dim.column]
    missing = f"{dim.column} {MISSING}"
    rules = {missing: f"{dim.column} is missing"}
    if kind == "number":
        assert bands is not None
        value = col.cast("float64")
        branches = [(value.isnull(), missing)]
        for band in bands[:-1]:
            branches.append((value < band.upper, f"{dim.column} {band.label}"))
        expr = ibis.cases(*branches, else_=f"{dim.column} {bands[-1].label}")
        rules.update({f"{dim.column} {b.label}": b.rule for b in bands})
        return expr, rules
    if kind == "boolean":
        rules.update({f"{dim.column} yes": f"{dim.column} is yes", f"{dim.column} no": f"{dim.column} is no"})
        return ibis.cases((col.isnull(), missing), (col, f"{dim.column} yes"), else_=f"{dim.column} no"), rules
    if kind == "date":
        year = col.cast("date").year().cast("string")
        prefix = f"{dim.column} "
        rule = _ValueRules(missing, lambda part: f"{dim.column} is in {part.removeprefix(prefix)}")
        return ibis.ifelse(col.isnull(), missing, ibis.literal(prefix).concat(year)), rule
    text = col.cast("string").nullif("")  # the import already turned blank cells into missing
    return text.fill_null(missing), _ValueRules(missing, lambda part: f"{dim.column} is {part}")


class _ValueRules(dict):
    """Rules for a text or date dimension, made from the value (``"country is France"``)."""

    def __init__(self, missing: str, describe: Any) -> None:
        super().__init__({missing: missing.replace(MISSING, "is missing")})
        self.describe = describe

    def get(self, key: str, default: Any = None) -> str:  # type: ignore[override]
        return super().get(key) or self.describe(key)
