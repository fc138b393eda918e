"""Segment profiles: sizes, traits, lift, plain-word traits, names, and proof that segments differ.

Everything a page shows is a DuckDB aggregate over ``customers JOIN segment_labels`` built with
Ibis (a handful of queries, whatever the number of rows); pandas only reshapes the small results.

Statistics (all from :mod:`scipy.stats`)
-----------------------------------------
* Numbers: a stratified sample (up to ``per_segment`` customers per segment, chosen by a seeded
  hash of the row id) is pulled from DuckDB. **Rule:** when the pooled sample is skewed
  (``|skewness| > 1``, e.g. spend or order counts) the rank-based Kruskal-Wallis test is used,
  otherwise one-way ANOVA. Effect size: eta squared (``SS_between / SS_total``) for ANOVA and the
  rank-based eta squared ``(H - k + 1) / (n - k)`` for Kruskal-Wallis.
* Categories (and yes/no columns): chi-square on the segment x category count table from a
  DuckDB group-by over every customer (top values, the rest pooled into "Other values").
  Effect size: Cramér's V.
* Multiple testing: Benjamini-Hochberg false discovery rate (``scipy.stats.false_discovery_control``)
  over all attributes (and, separately, over all pair x attribute tests).
* An attribute **differs clearly** when its corrected p-value is below 0.05 *and* its effect is at
  least small (eta squared >= 0.01, Cramér's V >= 0.1): with a million customers tiny,
  meaningless differences are "significant", so size matters too.
* Two segments are flagged as **alike** (suggest merging) when no attribute differs clearly
  between them in the pairwise tests (same tests, same rule, corrected over all pairs).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy import stats

from segdash import db
from segdash.data import Data
from segdash.numbers import format_number
from segdash.report.text import escape_markdown  # noqa: F401  (re-exported: pages use prof.escape_markdown)
from segdash.schema import PRIVATE_ROLES, is_modelling_role

NUMBER = "number"
CATEGORY = "category"
BOOLEAN = "boolean"
DATE = "date"

#: Name of the pooled category for values outside the top ones.
OTHER = "Other values"
#: Corrected p-value below which a difference counts as real.
ALPHA = 0.05
#: Effect sizes below these are "none" (Cohen's usual small / medium / large cut-offs).
ETA_CUTS = (0.01, 0.06, 0.14)
CRAMER_CUTS = (0.1, 0.3, 0.5)
#: Column names longer than this are survey questions: they get a short label (segdash.survey.answers).
LONG_HEADER = 48
#: Pooled-sample skewness above which Kruskal-Wallis replaces ANOVA.
SKEW_LIMIT = 1.0
#: Standardised difference a trait needs to be called distinguishing.
TRAIT_THRESHOLD = 0.2
#: A category value is a trait only when at least this share of the segment has it (1% of a segment
#: sharing an invoice number, or 4% living in one country, describes nobody in it).
MIN_CATEGORY_SHARE = 0.10
#: A category value names a segment only when the segment has it this many times more than average.
NAME_MIN_LIFT = 1.5
_PERCENTILES = [i / 100 for i in range(1, 100)]
_HASH_MOD = 1_000_003


@dataclass(frozen=True)
class Attribute:
    """One column profiled across segments.

    Attributes
    ----------
    name
        Column name in ``customers``.
    kind
        ``number``, ``category``, ``boolean`` or ``date`` (profiled as days before the latest date).
    role
        The column's role (``schema.ROLES``).
    label
        Plain words for screens ("Total spend", "Days since last purchase").
    """

    name: str
    kind: str
    role: str
    label: str

    @property
    def numeric(self) -> bool:
        """Whether the attribute is summarised by mean and median."""
        return self.kind in (NUMBER, DATE)


@dataclass
class Profile:
    """Everything the Profiles page shows for one segmentation (all tables are small).

    Attributes
    ----------
    sizes
        ``segment, customers, share`` largest first.
    attributes
        The profiled attributes.
    traits
        One row per segment x attribute (x category value): see :func:`compute_traits`.
    percentiles
        Attribute name -> everyone's 1st..99th percentiles, estimated from the sample (numbers only).
    top_traits
        ``segment, rank, attribute, value, std_diff, text``: each segment's distinguishing traits.
    names
        Segment label -> suggested name.
    tests
        One row per attribute: see :func:`difference_tests`.
    pairs
        One row per pair of segments: see :func:`pairwise_tests` (a property: the pairwise tests run
        when first read, the Profiles page's "proof" tab or the report; issue 14).
    verdict
        One plain sentence on whether the segments differ.
    notes
        Plain notes about odd input (one segment, tiny segments, missing values).
    pairs_source
        Makes :attr:`pairs` when it is first read (``None``: no pairs, an empty table).
    """

    sizes: pd.DataFrame
    attributes: list[Attribute]
    traits: pd.DataFrame
    percentiles: dict[str, np.ndarray]
    top_traits: pd.DataFrame
    names: dict[str, str]
    tests: pd.DataFrame
    verdict: str
    notes: list[str] = field(default_factory=list)
    pairs_source: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)
    _pairs: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per pair of segments (:func:`pairwise_tests`), computed once, when first read."""
        if self._pairs is None:
            self._pairs = self.pairs_source() if self.pairs_source is not None else _no_pairs()
        return self._pairs

    def display_notes(self, names: Mapping[str, str]) -> list[str]:
        """The notes with segments called by their display names instead of their labels.

        Parameters
        ----------
        names
            Segment label -> the name shown (``Workspace.display_names``).

        Returns
        -------
        list[str]
        """
        plain = segment_notes(sizes=self.sizes, traits=self.traits)
        named = segment_notes(sizes=self.sizes, traits=self.traits, names=names)
        swap = dict(zip(plain, named, strict=True))
        return [swap.get(note, note) for note in self.notes]


# -- words and numbers -------------------------------------------------------------------------


def humanize(column: str) -> str:
    """Plain label for a column name: ``total_spend`` -> ``Total spend``.

    Parameters
    ----------
    column
        A column name as imported.

    Returns
    -------
    str
    """
    words = re.sub(r"[_\s]+", " ", str(column)).strip()
    if not words:
        return str(column)
    if len(words) > LONG_HEADER:  # a survey question as a header: a short label (full text on hover)
        from segdash.survey.answers import short_label

        return short_label(words)
    return words[0].upper() + words[1:]


def _compact(value: Any) -> str:
    """A number for a card or sentence (:func:`segdash.numbers.format_number`, compact)."""
    return format_number(value, compact=True)


def format_share(share: float | None) -> str:
    """A share as a whole percentage (``0.634`` -> ``63%``); missing as an en dash."""
    if share is None or not np.isfinite(share):
        return "–"
    return f"{share:.0%}"


def format_lift(lift: float | None) -> str:
    """A lift as ``2.1x``; missing as an en dash."""
    if lift is None or not np.isfinite(lift):
        return "–"
    return f"{lift:.1f}x"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[:2].isupper():  # SMS, TV: keep
        return text
    return text[:1].lower() + text[1:]


def _date_label(column: str) -> str:
    base = re.sub(r"(?i)[_\s]*(date|day|on|at)$", "", str(column)) or str(column)
    return humanize(base)


# -- attributes ------------------------------------------------------------------------------


def profile_attributes(roles: dict[str, str], types: dict[str, str],
                       labels: dict[str, str] | None = None) -> list[Attribute]:
    """The columns to profile: every column except personal data and ids, in file order.

    Parameters
    ----------
    roles
        Column name -> role (``schema.ROLES``).
    types
        Column name -> type (``number``, ``text``, ``date``, ``boolean``).
    labels
        Column name -> display label (:attr:`segdash.workspace.Workspace.column_labels`); the
        column's name in plain words where none is given.

    Returns
    -------
    list[Attribute]
        Numbers, categories (text), yes/no columns and dates (as "days since").
    """
    attributes = []
    for column, role in roles.items():
        if not is_modelling_role(role) or column == db.ROW or column not in types:
            continue
        kind = {"number": NUMBER, "text": CATEGORY, "boolean": BOOLEAN, "date": DATE}.get(types[column])
        if kind is None:
            continue
        given = (labels or {}).get(column)
        if kind == DATE:
            label = f"Days since {_lower_first(_date_label(given or column))}"
        else:
            label = given or humanize(column)
        attributes.append(Attribute(name=column, kind=kind, role=role, label=label))
    return attributes


def flag_attributes(data: Data, attributes: list[Attribute]) -> list[Attribute]:
    """Numbers whose only values are 0 and 1 (Telco's ``SeniorCitizen``) become yes/no attributes.

    A 0/1 column is a flag, not a quantity: "16% senior citizen (2.1x average)" says more than
    "Senior citizen 0.16 (overall 0.08)", and a segment is "Senior citizen", not "High senior
    citizen". One aggregate query over ``customers`` checks every number at once; the flag is then
    profiled exactly like a boolean column (1 = yes).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Output of :func:`profile_attributes`.

    Returns
    -------
    list[Attribute]
        The same attributes, in the same order; numbers holding both 0 and 1 and nothing else
        (missing values aside) have kind :data:`BOOLEAN`.
    """
    numbers = [a for a in attributes if a.kind == NUMBER]
    if not numbers:
        return attributes
    customers = data.customers()
    metrics: dict[str, Any] = {}
    for i, attribute in enumerate(numbers):
        column = customers[attribute.name].cast("float64")
        metrics[f"n{i}"] = column.count()
        metrics[f"f{i}"] = column.isin([0.0, 1.0]).sum()
        metrics[f"lo{i}"] = column.min()
        metrics[f"hi{i}"] = column.max()
    row = customers.aggregate(**metrics).execute().iloc[0]
    flags = {
        attribute.name for i, attribute in enumerate(numbers)
        if int(row[f"n{i}"]) > 0 and int(row[f"f{i}"]) == int(row[f"n{i}"])
        and float(row[f"lo{i}"]) == 0.0 and float(row[f"hi{i}"]) == 1.0
    }
    return [replace(a, kind=BOOLEAN) if a.name in flags else a for a in attributes]


#: Values of a multi-value column profiled as yes/no attributes (the most common ones).
MULTIVALUE_TOP = 12


def expand_multivalue(data: Data, attributes: list[Attribute], *,
                      specs: Mapping[str, Any] | None = None) -> tuple[list[Attribute], dict[str, Any]]:
    """Replace each multi-value category (``sports; travel``) by one yes/no attribute per value.

    The share of customers holding each value is then profiled, tested and described like any
    yes/no column ("36% Interests: Travel, 1.7x average"). See :mod:`segdash.act.multivalue`.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Attributes to profile.
    specs
        The multi-value columns among the category attributes, already detected
        (:func:`segdash.act.multivalue.detect_multivalue` over at least those columns; the workspace
        keeps them per data); detected here when ``None``.

    Returns
    -------
    tuple[list[Attribute], dict]
        The attributes (flags named ``interests: Travel``, in the place of their column), and
        column -> how it splits.
    """
    from segdash.act.multivalue import detect_multivalue

    categories = [a.name for a in attributes if a.kind == CATEGORY]
    if specs is None:
        specs = detect_multivalue(data, columns=categories)
    else:
        specs = {column: specs[column] for column in categories if column in specs}
    if not specs:
        return attributes, {}
    expanded = []
    for attribute in attributes:
        spec = specs.get(attribute.name)
        if spec is None:
            expanded.append(attribute)
            continue
        expanded.extend(Attribute(name=spec.flag_name(value), kind=BOOLEAN, role=attribute.role,
                                  label=f"{attribute.label}: {value}") for value in spec.values[:MULTIVALUE_TOP])
    return expanded, specs


def _joined(data: Data) -> Any:
    return data.labelled()


def _as_of(data: Data, table: Any, attributes: list[Attribute]) -> dict[str, Any]:
    dates = [a for a in attributes if a.kind == DATE]
    if not dates:
        return {}
    query = table.aggregate(**{f"d{i}": table[a.name].max() for i, a in enumerate(dates)})
    row = query.execute().iloc[0]
    return {a.name: row[f"d{i}"] for i, a in enumerate(dates)}


def _numeric_expr(table: Any, attribute: Attribute, as_of: dict[str, Any]) -> Any:
    column = table[attribute.name]
    if attribute.kind == DATE:
        latest = as_of.get(attribute.name)
        if latest is None or pd.isna(latest):
            return ibis.null().cast("float64")
        return ibis.literal(pd.Timestamp(latest).date()).delta(column.cast("date"), unit="day").cast("float64")
    return column.cast("float64")


# -- sizes -----------------------------------------------------------------------------------


def sizes_frame(sizes: Mapping[str, int]) -> pd.DataFrame:
    """Segment label -> customers as :func:`segment_sizes` gives them: largest first, with shares.

    Parameters
    ----------
    sizes
        Segment label -> customers (e.g. :attr:`segdash.schema.Segmentation.sizes`).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``customers``, ``share``.
    """
    frame = pd.DataFrame({"segment": [str(label) for label in sizes],
                          "customers": np.asarray([int(n) for n in sizes.values()], dtype=np.int64)})
    frame = frame.sort_values(["customers", "segment"], ascending=[False, True], ignore_index=True)
    total = int(frame["customers"].sum())
    frame["share"] = frame["customers"] / total if total else 0.0
    return frame


def segment_sizes(data: Data) -> pd.DataFrame:
    """Customers and share per segment, largest first; shares add up to 1.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment`` (label), ``customers`` (int), ``share`` (0-1).
    """
    labels = data.segment_labels()
    sizes = labels.group_by("segment").aggregate(customers=labels.count()).execute()
    sizes["segment"] = sizes["segment"].astype(str)
    sizes["customers"] = sizes["customers"].astype("int64")
    sizes = sizes.sort_values(["customers", "segment"], ascending=[False, True], ignore_index=True)
    total = int(sizes["customers"].sum())
    sizes["share"] = sizes["customers"] / total if total else 0.0
    return sizes


# -- traits ----------------------------------------------------------------------------------


def _numeric_metrics(table: Any, numeric: list[Any], as_of: Any) -> dict[str, Any]:
    """The aggregates of every number attribute (``rows``, ``n{i}``, ``mean{i}``, ``median{i}``, ``sd{i}``)."""
    metrics: dict[str, Any] = {"rows": table.count()}
    for i, attribute in enumerate(numeric):
        expr = _numeric_expr(table, attribute, as_of)
        metrics[f"n{i}"] = expr.count()
        metrics[f"mean{i}"] = expr.mean()
        metrics[f"median{i}"] = expr.median()
        metrics[f"sd{i}"] = expr.std()
    return metrics


def everyone_numbers(data: Data, *, attributes: list[Attribute]) -> tuple[dict[str, Any], pd.DataFrame]:
    """The latest date of every date attribute and everyone's count / mean / median / sd of every number.

    Neither depends on the segments, so a workspace keeps them per data (issue 14) and hands them
    to :func:`segment_aggregates` for every segmentation of that data.

    Parameters
    ----------
    data
        The customers.
    attributes
        Attributes (numbers and dates are used).

    Returns
    -------
    tuple[dict, pandas.DataFrame]
        Date attribute -> its latest date (days are counted back from it), and the overall rows of
        ``numbers`` (see :func:`segment_aggregates`; ``segment`` is ``None``).
    """
    numeric = [a for a in attributes if a.numeric]
    customers = data.customers()
    as_of = _as_of(data, customers, numeric)
    if not numeric:
        return as_of, pd.DataFrame(columns=["segment", "attribute", "n", "missing", "mean", "median", "sd"])
    overall = customers.aggregate(**_numeric_metrics(customers, numeric, as_of)).execute()
    overall["segment"] = None
    return as_of, _numbers_frame(overall, numeric)


def segment_aggregates(
    data: Data, *, attributes: list[Attribute], top_n: int = 8, specs: Mapping[str, Any] | None = None,
    everyone: tuple[dict[str, Any], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every figure the traits need, in one pass over ``customers JOIN segment_labels``.

    One grouped query computes, per segment, count / mean / median / standard deviation of every
    number; a second counts every category's values per segment (the columns stacked, one scan); a
    third, over ``customers`` (every imported row has a label, so that is everyone), gives the
    overall numbers (:func:`everyone_numbers`). Category values outside each attribute's ``top_n``
    most common are pooled into :data:`OTHER`.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Attributes to summarise.
    top_n
        Category values kept per attribute (by overall count; ties by value).
    specs
        Multi-value column -> how it splits, for flag attributes (:func:`expand_multivalue`);
        detected when missing.
    everyone
        :func:`everyone_numbers` of these attributes, when already known; computed when ``None``.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        ``numbers``: ``segment`` (``None`` = everyone), ``attribute``, ``n``, ``missing``, ``mean``,
        ``median``, ``sd``; ``counts``: ``attribute``, ``segment``, ``value`` (``None`` = missing),
        ``count``.
    """
    from segdash.act.multivalue import add_flags

    numeric = [a for a in attributes if a.numeric]
    categorical = [a for a in attributes if a.kind in (CATEGORY, BOOLEAN)]
    # yes/no flags of multi-value cells ("interests: Travel", see expand_multivalue) are computed here
    table, _ = add_flags(data, _joined(data), [a.name for a in categorical], specs=specs)
    as_of, overall = everyone if everyone is not None else everyone_numbers(data, attributes=numeric)
    grouped = table.group_by("segment").aggregate(**_numeric_metrics(table, numeric, as_of)).execute()
    grouped["segment"] = grouped["segment"].astype(str)
    if categorical:  # (segment, column, value) counts of every category column in one more query
        count_values = _value_counts_duckdb if data.is_duckdb else _value_counts_all
        counted = count_values(data, table, categorical, grouped["segment"])
        for i in range(len(categorical)):
            grouped[f"h{i}"] = counted[i]
    numbers = pd.DataFrame(columns=["segment", "attribute", "n", "missing", "mean", "median", "sd"])
    if numeric:
        numbers = pd.concat([_numbers_frame(grouped, numeric), overall], ignore_index=True)
    return numbers, _counts_frame(grouped, categorical, top_n)


def _category_strings(table: Any, attributes: list[Attribute]) -> dict[str, Any]:
    """Each category attribute as text (a yes/no flag as ``true``/``false``), named ``c0``, ``c1``, ..."""
    columns = {}
    for i, attribute in enumerate(attributes):
        column = table[attribute.name]
        if attribute.kind == BOOLEAN:  # a 0/1 number flag reads as true/false, like a boolean column
            column = column.cast("boolean")
        columns[f"c{i}"] = column.cast("string")
    return columns


def _value_counts_duckdb(data: Data, table: Any, attributes: list[Attribute],
                         segments: pd.Series) -> list[list[dict[str, int]]]:
    """:func:`_value_counts_all` in DuckDB: the columns unpivoted and counted in one statement.

    DuckDB's ``histogram`` aggregate in the grouped scan (the way until issue 14) cost three times
    as much CPU (maps built per segment, then converted to Python), and Ibis's ``pivot_longer``
    compiles to an unnest of structs that costs twice as much. The statement around the Ibis-compiled
    selection names only our own columns (``c0``, ``c1``, ...): no user text is formatted into it.
    """
    inner = table.select(segment=table["segment"].cast("string"), **_category_strings(table, attributes))
    columns = ", ".join(f"c{i}" for i in range(len(attributes)))
    sql = (f"SELECT segment, _name, _value, count(*) AS _n FROM (UNPIVOT ({ibis.to_sql(inner, dialect='duckdb')}) "
           f"ON {columns} INTO NAME _name VALUE _value) GROUP BY ALL")
    counts = data.require_con("Counting category values").execute(sql).fetchall()
    found: list[dict[str, dict[str, int]]] = [{} for _ in attributes]
    for segment, name, value, n in counts:  # UNPIVOT leaves missing values out, as the counts should
        found[int(name[1:])].setdefault(str(segment), {})[str(value)] = int(n)
    return [[found[i].get(str(segment), {}) for segment in segments] for i in range(len(attributes))]


def _value_counts_all(data: Data, table: Any, attributes: list[Attribute],
                      segments: pd.Series) -> list[list[dict[str, int]]]:
    """Per category attribute and segment (in the order of ``segments``), value -> customers, in one query.

    The columns are stacked (``UNION ALL`` of ``segment, column number, value``) and counted once:
    one round trip to the engine instead of one per column (each costs Spark a job).
    """
    parts = []
    for i, attribute in enumerate(attributes):
        column = table[attribute.name]
        if attribute.kind == BOOLEAN:
            column = column.cast("boolean")
        parts.append(table.select(segment=table["segment"].cast("string"), _a=ibis.literal(i, "int64"),
                                  _v=column.cast("string")))
    stacked = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    stacked = stacked.filter(stacked._v.notnull())
    counts = data.backend.to_pyarrow(stacked.group_by(["_a", "segment", "_v"]).aggregate(_n=stacked.count()))
    found: list[dict[str, dict[str, int]]] = [{} for _ in attributes]
    for column, segment, value, n in zip(*(counts.column(c).to_pylist() for c in ("_a", "segment", "_v", "_n")),
                                         strict=True):
        found[int(column)].setdefault(str(segment), {})[str(value)] = int(n)
    return [[found[i].get(str(segment), {}) for segment in segments] for i in range(len(attributes))]


def _numbers_frame(source: pd.DataFrame, numeric: list[Attribute]) -> pd.DataFrame:
    """Long numbers (one row per segment x attribute) from the wide grouped result, in one frame.

    Built column by column with numpy (one frame, not one per attribute: a profile of a few dozen
    columns made ~50 small frames and a concat, a tenth of the naming's CPU, issue 14).
    """
    count = len(source)
    segments = source["segment"].to_numpy(dtype=object)
    rows = source["rows"].to_numpy(dtype=np.int64)

    def stacked(prefix: str) -> np.ndarray:
        return np.concatenate([pd.to_numeric(source[f"{prefix}{i}"], errors="coerce").to_numpy(dtype=float)
                               for i in range(len(numeric))])

    known = np.concatenate([source[f"n{i}"].to_numpy(dtype=np.int64) for i in range(len(numeric))])
    return pd.DataFrame({
        "segment": np.tile(segments, len(numeric)),
        "attribute": np.repeat(np.asarray([a.name for a in numeric], dtype=object), count),
        "n": known,
        "missing": np.tile(rows, len(numeric)) - known,
        "mean": stacked("mean"),
        "median": stacked("median"),
        "sd": stacked("sd"),
    })


_BOOLEAN_WORDS = {"true": "yes", "false": "no"}


def _counts_frame(grouped: pd.DataFrame, categorical: list[Attribute], top_n: int) -> pd.DataFrame:
    """Long counts from the per-segment histograms, top values kept, the rest pooled.

    Plain dictionaries over the few (segment, value) pairs, then one frame: the pandas group-bys
    per attribute this replaced were a fifth of naming a clustering's segments (issue 14).
    """
    columns = ["attribute", "segment", "value", "count"]
    records: list[tuple[str, str, str | None, int]] = []
    segments = [str(s) for s in grouped["segment"]]
    rows = [int(r) for r in grouped["rows"]]
    for i, attribute in enumerate(categorical):
        boolean = attribute.kind == BOOLEAN
        per_segment: list[dict[str | None, int]] = []
        totals: dict[str, int] = {}
        for total_rows, histogram in zip(rows, grouped[f"h{i}"], strict=True):
            found: dict[str | None, int] = {}
            known = 0
            for value, count in (dict(histogram) if histogram is not None else {}).items():
                count = int(count)
                known += count
                if value is not None:
                    value = _BOOLEAN_WORDS.get(str(value)) if boolean else str(value)
                found[value] = found.get(value, 0) + count
            if total_rows > known:
                found[None] = found.get(None, 0) + total_rows - known
            for value, count in found.items():
                if value is not None:
                    totals[value] = totals.get(value, 0) + count
            per_segment.append(found)
        keep = {value for value, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top_n]}
        for segment, found in zip(segments, per_segment, strict=True):
            pooled: dict[str | None, int] = {}
            for value, count in found.items():
                shown = value if value is None or value in keep else OTHER
                pooled[shown] = pooled.get(shown, 0) + count
            records.extend((attribute.name, segment, value, count) for value, count in pooled.items())
    if not records:
        return pd.DataFrame(columns=columns)
    records.sort(key=lambda r: (r[0], r[1], r[2] is None, r[2] or ""))
    counts = pd.DataFrame.from_records(records, columns=columns)
    counts["count"] = counts["count"].astype("int64")
    return counts


def numeric_summary(data: Data, *, attributes: list[Attribute]) -> pd.DataFrame:
    """Count, mean, median and standard deviation of every number per segment and overall.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Attributes; only numbers and dates are summarised.

    Returns
    -------
    pandas.DataFrame
        See :func:`segment_aggregates` (``numbers``).
    """
    return segment_aggregates(data, attributes=[a for a in attributes if a.numeric])[0]


def category_counts(
    data: Data, *, attributes: list[Attribute], top_n: int = 8
) -> pd.DataFrame:
    """Customers per segment x value of every category (and yes/no) attribute.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Attributes; only categories and booleans are counted.
    top_n
        Values kept per attribute; the rest is pooled into :data:`OTHER`.

    Returns
    -------
    pandas.DataFrame
        See :func:`segment_aggregates` (``counts``).
    """
    categorical = [a for a in attributes if a.kind in (CATEGORY, BOOLEAN)]
    return segment_aggregates(data, attributes=categorical, top_n=top_n)[1]


def compute_traits(
    *,
    attributes: list[Attribute],
    numbers: pd.DataFrame,
    counts: pd.DataFrame,
    segments: list[str],
) -> pd.DataFrame:
    """Every segment x attribute (x value) next to the overall figure, with lift and standardised difference.

    * Numbers: ``segment_value`` is the segment mean (``segment_median`` its median), lift is
      segment mean / overall mean, standardised difference is (segment mean - overall mean) /
      overall standard deviation.
    * Categories: one row per value, ``segment_value`` is the share among the segment's known
      values, lift is p_seg / p_all, standardised difference is (p_seg - p_all) / sqrt(p_all (1 - p_all)).
    * Yes/no: as a category but only the share of "yes".

    A category's values come most common first, except ordered answers (bands such as
    ``18-24`` < ``25-34``, scales such as ``Never`` < ``Sometimes`` < ``Often``), which come in
    their order (:func:`value_order`).

    Parameters
    ----------
    attributes
        The profiled attributes.
    numbers
        Output of :func:`numeric_summary`.
    counts
        Output of :func:`category_counts`.
    segments
        Segment labels (in display order).

    Returns
    -------
    pandas.DataFrame
        ``segment, attribute, label, kind, role, value, segment_value, segment_median, overall_value,
        overall_median, lift, std_diff, known`` (``known``: customers of the segment with a value).
    """
    # plain dictionaries for the lookups: a pandas lookup per segment x value was a sixth of naming (issue 14)
    rows: list[dict[str, Any]] = []
    by_name = {a.name: a for a in attributes}
    overall_numbers: dict[str, tuple[float, float, float]] = {}
    segment_numbers: dict[tuple[str, str], tuple[float, float, int]] = {}
    for segment, name, n, mean, median, sd in zip(numbers["segment"], numbers["attribute"], numbers["n"],
                                                  numbers["mean"], numbers["median"], numbers["sd"], strict=True):
        if segment is None or (isinstance(segment, float) and math.isnan(segment)):
            overall_numbers[name] = (float(mean), float(sd), float(median))
        else:
            segment_numbers[(segment, name)] = (float(mean), float(median), int(n))
    for attribute in attributes:
        if attribute.numeric:
            mean_all, sd_all, median_all = overall_numbers[attribute.name]
            for segment in segments:
                mean, median, known = segment_numbers.get((segment, attribute.name), (math.nan, math.nan, 0))
                rows.append(
                    _trait_row(segment, attribute, None, mean, median, mean_all, median_all, known,
                               lift=_ratio(mean, mean_all), std_diff=_ratio(mean - mean_all, sd_all))
                )
    for name, table in _category_counts(counts).items():
        attribute = by_name[name]
        per_value: dict[str, int] = {}
        known: dict[str, int] = {}
        for segment in segments:
            for value, count in table.get(segment, {}).items():
                per_value[value] = per_value.get(value, 0) + count
                known[segment] = known.get(segment, 0) + count
        everyone = max(sum(per_value.values()), 1)
        overall_share = pd.Series({value: per_value.get(value, 0) / everyone for value in sorted(table_values(table))},
                                  dtype=float)
        by_share = list(overall_share.sort_values(ascending=False).index)
        values = ["yes"] if attribute.kind == BOOLEAN else (value_order(by_share) or by_share)
        present = set(overall_share.index)
        for value in values:
            p_all = float(overall_share.get(value, 0.0))
            for segment in segments:
                n_known = known.get(segment, 0)
                p_seg = (float(table.get(segment, {}).get(value, 0)) / n_known if n_known and value in present
                         else math.nan)
                sd = math.sqrt(p_all * (1 - p_all))
                rows.append(
                    _trait_row(segment, attribute, value, p_seg, math.nan, p_all, math.nan, n_known,
                               lift=_ratio(p_seg, p_all), std_diff=_ratio(p_seg - p_all, sd))
                )
    columns = ["segment", "attribute", "label", "kind", "role", "value", "segment_value", "segment_median",
               "overall_value", "overall_median", "lift", "std_diff", "known"]
    return pd.DataFrame(rows, columns=columns)


def value_order(values: list[Any]) -> list[Any] | None:
    """``values`` in their natural order when they are ordered answers, else ``None``.

    Bands are ordered by the numbers they name (``Less than 25,000`` < ``25,000 to 50,000``;
    ``18-24`` < ``25-34`` < ``65+``) and scale words by their place (``Never`` < ``Sometimes`` <
    ``Often``), as survey answers are (:func:`segdash.survey.answers.answer_order`). Values
    outside the order (:data:`OTHER`, "Prefer not to say") follow, as given.

    Parameters
    ----------
    values
        A category's distinct values.

    Returns
    -------
    list or None
    """
    from segdash.survey.answers import answer_order

    known = [v for v in values if v is not None and v != OTHER and not (isinstance(v, float) and math.isnan(v))]
    ordered = answer_order(known)
    if ordered is None:
        return None
    by_text = {" ".join(str(v).split()): v for v in known}
    result = [by_text[text] for text in ordered if text in by_text]
    return result + [v for v in values if v not in result]


def _trait_row(segment: str, attribute: Attribute, value: str | None, seg: float, seg_median: float,
               overall: float, overall_median: float, known: int, *, lift: float, std_diff: float) -> dict:
    return {
        "segment": segment, "attribute": attribute.name, "label": attribute.label, "kind": attribute.kind,
        "role": attribute.role, "value": value, "segment_value": seg, "segment_median": seg_median,
        "overall_value": overall, "overall_median": overall_median, "lift": lift, "std_diff": std_diff,
        "known": known,
    }


def _ratio(numerator: float, denominator: float) -> float:
    if denominator is None or not np.isfinite(denominator) or denominator == 0 or not np.isfinite(numerator):
        return math.nan
    return float(numerator / denominator)


# -- plain words ------------------------------------------------------------------------------


def percentile_rank(value: float, *, percentiles: np.ndarray | None) -> float:
    """Where ``value`` falls among everyone (0-1), read from the overall 1st..99th percentiles.

    Parameters
    ----------
    value
        A segment's average.
    percentiles
        The 99 overall percentiles (ascending).

    Returns
    -------
    float
        Fraction of customers below ``value`` (NaN when unknown).
    """
    if percentiles is None or not np.isfinite(value) or not np.isfinite(percentiles).all():
        return math.nan
    levels = np.asarray(_PERCENTILES)
    if value <= percentiles[0]:
        return 0.0 if value < percentiles[0] else 0.01
    if value >= percentiles[-1]:
        return 1.0 if value > percentiles[-1] else 0.99
    # ties in the percentiles: take the middle of the tied levels
    low = np.searchsorted(percentiles, value, side="left")
    high = np.searchsorted(percentiles, value, side="right")
    if high > low:
        return float((levels[low] + levels[high - 1]) / 2)
    return float(np.interp(value, percentiles, levels))


def describe_trait(trait: pd.Series | dict, *, percentiles: np.ndarray | None = None) -> str:
    """One trait in plain words.

    Examples: ``Age 52 (overall 38)``, ``63% prefer phone support (2.1x average)``,
    ``Total spend 1,240 (top 10%)``, ``Last purchase 620 days ago (overall 150 days)``.

    Parameters
    ----------
    trait
        A row of :func:`compute_traits`.
    percentiles
        The attribute's overall percentiles (numbers), for "top 10%" phrasing of money and
        behaviour columns.

    Returns
    -------
    str
    """
    kind, role, label = trait["kind"], trait["role"], trait["label"]
    seg, overall = trait["segment_value"], trait["overall_value"]
    if kind == DATE:
        base = label.removeprefix("Days since ").capitalize()
        return f"{base} {format_number(seg, compact=True)} days ago (overall {format_number(overall, compact=True)} days)"
    if kind == NUMBER:
        if role in ("revenue", "behavioral", "acquisition_cost"):
            rank = percentile_rank(seg, percentiles=percentiles)
            if np.isfinite(rank) and rank >= 0.8:
                return f"{label} {format_number(seg, compact=True)} (top {math.ceil(round((1 - rank) * 100, 6) / 5) * 5 or 5}%)"
            if np.isfinite(rank) and rank <= 0.2:
                return f"{label} {format_number(seg, compact=True)} (bottom {math.ceil(round(rank * 100, 6) / 5) * 5 or 5}%)"
        return f"{label} {format_number(seg, compact=True)} (overall {format_number(overall, compact=True)})"
    share, lift = format_share(seg), format_lift(trait["lift"])
    value = str(trait["value"])
    if kind == BOOLEAN:  # "16% senior citizen (2.1x average)", also for a 0/1 column "SeniorCitizen"
        return f"{share} {_name_words(label)} ({lift} average)"
    if role == "service_channel":
        return f"{share} prefer {_lower_first(value)} support ({lift} average)"
    if role == "acquisition_channel":
        return f"{share} came through {value} ({lift} average)"
    if role == "geographic":
        return f"{share} from {value} ({lift} average)"
    answer = yes_no_words(_wordy(trait), value)
    if answer is not None:  # "69% No (onlinebackup)" -> "69% no online backup"
        return f"{share} {_lower_first(answer)} ({lift} average)"
    return f"{share} {value} ({label.lower()}, {lift} average)"


def top_traits(
    traits: pd.DataFrame,
    *,
    percentiles: dict[str, np.ndarray] | None = None,
    per_segment: int = 4,
    threshold: float = TRAIT_THRESHOLD,
) -> pd.DataFrame:
    """Each segment's most distinguishing traits, one per attribute, in plain words.

    Numbers count in both directions (older *or* younger); categories only when the segment has
    more of a value than average and at least :data:`MIN_CATEGORY_SHARE` of it has the value.
    Traits with ``|std_diff| < threshold`` are left out.

    Parameters
    ----------
    traits
        Output of :func:`compute_traits`.
    percentiles
        Attribute -> overall percentiles, for "top 10%" phrasing.
    per_segment
        Maximum traits per segment.
    threshold
        Smallest absolute standardised difference worth mentioning.

    Returns
    -------
    pandas.DataFrame
        ``segment, rank, attribute, value, kind, role, std_diff, lift, text, short`` (rank 1 = strongest;
        ``short``: a few words for chart axes).
    """
    columns = ["segment", "rank", "attribute", "value", "kind", "role", "std_diff", "lift", "text", "short",
               "label", "segment_value"]
    if traits.empty:
        return pd.DataFrame(columns=columns)
    # "Other values" is a pool of rare values, not a trait anyone can act on
    candidates = traits[traits["std_diff"].notna() & (traits["known"] > 0) & (traits["value"] != OTHER)].copy()
    positive_only = candidates["kind"].isin([CATEGORY])
    candidates = candidates[~positive_only | ((candidates["std_diff"] > 0)
                                              & (candidates["segment_value"] >= MIN_CATEGORY_SHARE))]
    candidates["strength"] = candidates["std_diff"].abs()
    candidates = candidates[candidates["strength"] >= threshold]
    candidates = candidates.sort_values(["segment", "strength"], ascending=[True, False], kind="stable")
    candidates = candidates.drop_duplicates(["segment", "attribute"])
    candidates = candidates.groupby("segment", sort=False).head(per_segment).copy()
    percentiles = percentiles or {}
    rows = candidates.to_dict("records")  # plain dictionaries: iterrows built a Series per row (issue 14)
    candidates["text"] = [describe_trait(row, percentiles=percentiles.get(row["attribute"])) for row in rows]
    candidates["short"] = [short_label(row) for row in rows]
    repeated = candidates.duplicated(["segment", "short"], keep=False)
    if repeated.any():
        candidates.loc[repeated, "short"] = [
            f"{short} ({label.lower()})"
            for short, label in zip(candidates.loc[repeated, "short"], candidates.loc[repeated, "label"], strict=True)
        ]
    candidates["rank"] = candidates.groupby("segment").cumcount() + 1
    return candidates[columns].reset_index(drop=True)


def short_label(trait: pd.Series | dict) -> str:
    """A few words naming a trait, for chart axes: ``Age``, ``Student``, ``Last purchase``.

    Parameters
    ----------
    trait
        A row of :func:`compute_traits`.

    Returns
    -------
    str
    """
    if trait["kind"] == CATEGORY:
        return yes_no_words(_wordy(trait), trait["value"]) or str(trait["value"])
    if trait["kind"] == DATE:
        return str(trait["label"]).removeprefix("Days since ").capitalize()
    return str(trait["label"])


# -- names -----------------------------------------------------------------------------------

_NUMBER_WORDS = [
    (r"\bage\b|^age|age$", ("Older", "Younger")),
    (r"income|salary|wealth", ("High income", "Low income")),
    (r"spend|revenue|sales|value|amount|monetary|ltv", ("Big spenders", "Light spenders")),
    (r"order|purchase|frequency|visit|transaction", ("Frequent buyers", "Occasional buyers")),
    (r"cost|cac", ("Costly to acquire", "Cheap to acquire")),
    (r"tenure|years|months", ("Long-standing", "Newer")),
]


def trait_word(trait: pd.Series | dict) -> str:
    """A short word or two for one trait, used to build segment names ("Older", "Phone support").

    Parameters
    ----------
    trait
        A row of :func:`top_traits`.

    Returns
    -------
    str
    """
    kind, role, name = trait["kind"], trait.get("role", "other"), str(trait["attribute"])
    label = str(trait.get("label") or humanize(name))
    up = trait["std_diff"] > 0
    if kind == DATE:
        if re.search(r"(?i)sign|join|creat|first|regist|since", name):
            return "Long-standing" if up else "Newcomers"
        return "Lapsed" if up else "Recent buyers"
    if kind == NUMBER:
        spent_on = re.fullmatch(r"(?i)amount spent on (\w+)", label)
        if spent_on:  # "Amount spent on wines" -> "Low wine spend"
            thing = spent_on.group(1).lower()
            thing = thing[:-1] if thing.endswith("s") and not thing.endswith("ss") else thing
            return f"{'High' if up else 'Low'} {thing} spend"
        segment_value = trait.get("segment_value")
        if not up and segment_value is not None and np.isfinite(segment_value) and abs(segment_value) < 0.05:
            return f"No {_lower_first(label)}"  # "Young children at home" at 0 -> "No young children at home"
        words = re.sub(r"[_\s]+", " ", f"{name} {label}").lower()
        for pattern, (high, low) in _NUMBER_WORDS:
            if re.search(pattern, words):
                return high if up else low
        if role == "revenue":
            return "Big spenders" if up else "Light spenders"
        return f"{'High' if up else 'Low'} {_name_words(label)}"
    if kind == BOOLEAN:  # "Senior citizen" / "Not senior citizen", as yes/no text columns read
        words = _name_words(label)
        return words[:1].upper() + words[1:] if up else f"Not {words}"
    value = str(trait["value"])
    if role == "service_channel":
        return f"{value} support"
    if role == "acquisition_channel":
        return f"Via {value}"
    return yes_no_words(_wordy(trait), value) or value  # "Yes" or "No" alone names nothing


#: Category values that only answer a yes/no question (True: yes).
_YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def yes_no_words(column: object, value: object) -> str | None:
    """Words for a yes/no answer in a text column: ``OnlineBackup`` = ``No`` -> ``No online backup``.

    Parameters
    ----------
    column
        The column's name.
    value
        One of its values.

    Returns
    -------
    str or None
        ``None`` when ``value`` is not a plain yes or no.
    """
    answer = str(value).strip().lower()
    if answer not in _YES_NO:
        return None
    words = _name_words(str(column))
    return words[:1].upper() + words[1:] if _YES_NO[answer] else f"No {words}"


def _wordy(trait: pd.Series | dict) -> str:
    """The trait's label when it is words (a user's or suggested label), else its column name."""
    label = str(trait.get("label") or "")
    return label if " " in label.strip() else str(trait["attribute"])


def _name_words(column: str) -> str:
    """A column name as lower-case words for a segment name: ``MntWines`` -> ``mnt wines``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(column))
    words = re.sub(r"[_\s]+", " ", spaced).strip().lower() or str(column)
    if len(words) > LONG_HEADER:  # a whole survey question never becomes a segment name
        from segdash.survey.answers import short_label

        return short_label(str(column), max_chars=30).rstrip("…").strip().lower()
    return words


def names_from_traits(top: pd.DataFrame, *, segments: list[str], words: int = 3) -> dict[str, str]:
    """Unique short names ("Older · High income · Phone support") from each segment's top traits.

    A segment whose name equals another's gets its next trait added; if still equal, its label
    is added in brackets. A segment without distinguishing traits is "Typical customers".

    Parameters
    ----------
    top
        Output of :func:`top_traits`.
    segments
        Segment labels, largest first.
    words
        Traits used per name.

    Returns
    -------
    dict[str, str]
        Segment label -> name.
    """
    word_lists: dict[str, list[str]] = {}
    for segment in segments:
        rows = top[top["segment"] == segment].copy()
        # a value only a little more common than average ("54% Male, 1.2x") does not name a segment
        rows = rows[(rows["kind"] != CATEGORY) | (pd.to_numeric(rows["lift"], errors="coerce") >= NAME_MIN_LIFT)]
        # plain category values ("Retired") make weaker names than "Older" or "Phone support"
        generic = (rows["kind"] == CATEGORY) & ~rows["role"].isin(["service_channel", "acquisition_channel"])
        rows["score"] = rows["std_diff"].abs() * np.where(generic, 0.5, 1.0)
        rows = rows.sort_values(["score", "rank"], ascending=[False, True], kind="stable")
        seen: list[str] = []
        for row in rows.to_dict("records"):
            word = trait_word(row)
            if word not in seen:
                seen.append(word)
        word_lists[segment] = seen
    names = {s: " · ".join(word_lists[s][:words]) or "Typical customers" for s in segments}
    for _ in range(2):
        taken: dict[str, list[str]] = {}
        for segment, name in names.items():
            taken.setdefault(name, []).append(segment)
        for clash in [group for group in taken.values() if len(group) > 1]:
            for segment in clash:
                extra = word_lists[segment][words: words + 1]
                if extra and not names[segment].endswith(extra[0]):
                    names[segment] = " · ".join(word_lists[segment][: words + 1])
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {s: (f"{n} ({s})" if counts[n] > 1 else n) for s, n in names.items()}


def is_generic_label(label: str) -> bool:
    """Whether a segment label says nothing (``3``, ``Segment 2``, ``cluster_1``) and deserves a name.

    Parameters
    ----------
    label
        A segment label.

    Returns
    -------
    bool
    """
    return bool(re.fullmatch(r"(?i)\s*(segment|cluster|group|component|seg|c|k)?[\s_#-]*\d+\s*", str(label)))


def name_segments(data: Data, *, roles: dict[str, str], types: dict[str, str],
                  labels: dict[str, str] | None = None) -> dict[str, str]:
    """Suggest a short, unique name for every segment from its top traits.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles
        Column name -> role (personal data and ids are never used).
    types
        Column name -> type.
    labels
        Column name -> display label (plain words in the names).

    Returns
    -------
    dict[str, str]
        Segment label -> name, e.g. ``"Older · High income · Phone support"``.
    """
    return profile_base(data, roles=roles, types=types, labels=labels).names


@dataclass
class ProfileBase:
    """What naming segments needs: sizes, attributes and the per-segment aggregates (no sample, no tests).

    A clustering run names its segments from this (:func:`profile_base`); the Profiles page
    later completes it into a :class:`Profile` (:func:`build_profile` with ``base=``) without
    computing the aggregates again.

    Attributes
    ----------
    sizes
        ``segment, customers, share`` largest first (:func:`segment_sizes`).
    attributes
        The profiled attributes (multi-value columns expanded).
    specs
        Multi-value column -> how it splits.
    numbers, counts
        :func:`segment_aggregates`.
    traits
        :func:`compute_traits`.
    names
        Segment label -> suggested name.
    top_n
        Category values kept per attribute in ``counts``.
    """

    sizes: pd.DataFrame
    attributes: list[Attribute]
    specs: dict[str, Any]
    numbers: pd.DataFrame
    counts: pd.DataFrame
    traits: pd.DataFrame
    names: dict[str, str]
    top_n: int


def profile_base(data: Data, *, roles: dict[str, str], types: dict[str, str], top_n: int = 8,
                 labels: dict[str, str] | None = None, specs: Mapping[str, Any] | None = None,
                 attributes: list[Attribute] | None = None, sizes: Mapping[str, int] | None = None,
                 everyone: tuple[dict[str, Any], pd.DataFrame] | None = None) -> ProfileBase:
    """Sizes, aggregates, traits and suggested names of the current segmentation, without the tests.

    Naming needs each segment's means and shares next to everyone's, not the stratified sample,
    percentiles and statistical tests of the full profile (about half its CPU on 5,000 customers,
    issue 14). The names are exactly those of :func:`build_profile`: both rank the same traits.

    Parameters
    ----------
    data
        The customers and their segment labels.
    roles
        Column name -> role (personal data and ids are never used).
    types
        Column name -> type.
    top_n
        Category values kept per attribute (the rest is "Other values").
    labels
        Column name -> display label.
    specs
        Multi-value columns already detected (see :func:`expand_multivalue`); detected when ``None``.
    attributes
        The attributes to profile, when already worked out for this data
        (``expand_multivalue(data, flag_attributes(data, profile_attributes(...)), specs=specs)``; they do
        not depend on the segments, so a workspace keeps them per data); ``specs`` must then be given.
    sizes
        Segment label -> customers, when the run that made the segments counted them
        (:attr:`segdash.schema.Segmentation.sizes`); counted here when ``None``.
    everyone
        :func:`everyone_numbers` of ``attributes`` (per data, like them); computed when ``None`` or
        when ``attributes`` are not given.

    Returns
    -------
    ProfileBase
    """
    if attributes is None or specs is None:
        attributes, found = expand_multivalue(data, flag_attributes(data, profile_attributes(roles, types, labels)),
                                              specs=specs)
        everyone = None
    else:
        found = dict(specs)
    sizes = segment_sizes(data) if sizes is None else sizes_frame(sizes)
    segments = list(sizes["segment"])
    numbers, counts = segment_aggregates(data, attributes=attributes, top_n=top_n, specs=found, everyone=everyone)
    traits = compute_traits(attributes=attributes, numbers=numbers, counts=counts, segments=segments)
    names = names_from_traits(top_traits(traits), segments=segments)
    return ProfileBase(sizes=sizes, attributes=attributes, specs=dict(found), numbers=numbers, counts=counts,
                       traits=traits, names=names, top_n=top_n)


# -- samples -----------------------------------------------------------------------------------


def _sample_key(table: Any, random_state: int) -> Any:
    """A seeded pseudo-random integer in [0, _HASH_MOD) per row, from its ``_row``."""
    return ((table[db.ROW] * 7919 + random_state * 104729 + 1).hash() % _HASH_MOD).abs()


def _portable(data: Data) -> bool:
    """Whether samples are drawn by key arithmetic (any engine) rather than DuckDB's hash of ``_row``.

    Another engine's ``hash`` differs from DuckDB's; arithmetic on the key is the same everywhere
    (:mod:`segdash.sampling`), so every engine picks the same customers and the tests give the same
    p-values.
    """
    return not (data.is_duckdb and data.key == db.ROW)


def _draw(data: Data, table: Any, random_state: int) -> tuple[Any, int]:
    """A seeded pseudo-random integer per row of ``table`` (keyed by ``data.key``) and its modulus."""
    if not _portable(data):
        return _sample_key(table, random_state), _HASH_MOD
    from segdash.sampling import MODULUS, seeded_draw

    return seeded_draw(table[data.key], random_state=random_state), MODULUS


def _sampled(data: Data, sizes: dict[str, int], per_segment: int, random_state: int) -> Any:
    """About ``per_segment`` customers of each segment (joined with their columns).

    The choice is made on the small labels table first, so only the picked rows are joined.
    """
    labels = data.segment_labels()
    labels = labels.select(labels[data.key], labels["segment"])
    draw, modulus = _draw(data, labels, random_state)
    labels = labels.mutate(_segdash_draw=draw)
    branches = []
    for segment, size in sizes.items():
        fraction = min(1.0, per_segment / size) if size else 1.0
        branches.append((labels.segment == segment, ibis.literal(int(math.ceil(fraction * modulus)), "int64")))
    everyone = ibis.literal(modulus, "int64")
    threshold = ibis.cases(*branches, else_=everyone) if branches else everyone
    picked = labels.filter(labels._segdash_draw < threshold)
    customers = data.customers()
    return customers.join(picked, customers[data.key] == picked[data.key]).select(
        *[customers[c] for c in customers.columns if c != "segment"], picked["segment"])


def stratified_sample(
    data: Data,
    *,
    attributes: list[Attribute],
    sizes: dict[str, int],
    per_segment: int = 2000,
    random_state: int = 0,
) -> pd.DataFrame:
    """About ``per_segment`` customers of every segment (all of a smaller one), numbers only.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Attributes to fetch (numbers and dates; others are ignored).
    sizes
        Segment label -> customers (from :func:`segment_sizes`).
    per_segment
        Target rows per segment.
    random_state
        Seed of the row choice (same seed, same sample).

    Returns
    -------
    pandas.DataFrame
        ``_row``, ``segment`` and one float column per attribute (named by the attribute).
    """
    numeric = [a for a in attributes if a.numeric]
    as_of = _as_of(data, data.customers(), numeric)
    sample = _sampled(data, sizes, per_segment, random_state)
    columns = {f"v{i}": _numeric_expr(sample, a, as_of) for i, a in enumerate(numeric)}
    frame = sample.select(sample[data.key], sample.segment, **columns).order_by(data.key).execute()
    frame = frame.rename(columns={data.key: db.ROW, **{f"v{i}": a.name for i, a in enumerate(numeric)}})
    frame["segment"] = frame["segment"].astype(str)
    return frame


def sample_percentiles(
    sample: pd.DataFrame, *, attributes: list[Attribute], sizes: dict[str, int]
) -> dict[str, np.ndarray]:
    """Everyone's 1st..99th percentiles of each number, estimated from the stratified sample.

    Each sampled customer stands for ``segment size / sampled in segment`` customers, so the
    estimate is unbiased although small segments are over-sampled. Used only to phrase traits
    ("top 10%"), where a percentile or two of error does not matter.

    Parameters
    ----------
    sample
        Output of :func:`stratified_sample`.
    attributes
        Profiled attributes.
    sizes
        Segment label -> customers.

    Returns
    -------
    dict[str, numpy.ndarray]
        Attribute name -> 99 values (NaN when the attribute has no values).
    """
    percentiles: dict[str, np.ndarray] = {}
    if sample.empty:
        return percentiles
    sampled = sample["segment"].map(sample["segment"].value_counts())
    weights = (sample["segment"].map(sizes).astype(float) / sampled).to_numpy()
    for attribute in (a for a in attributes if a.numeric):
        values = sample[attribute.name].to_numpy(dtype=float)
        known = ~np.isnan(values)
        if not known.any():
            percentiles[attribute.name] = np.full(len(_PERCENTILES), np.nan)
            continue
        order = np.argsort(values[known], kind="stable")
        ordered, cumulative = values[known][order], np.cumsum(weights[known][order])
        positions = np.searchsorted(cumulative, np.asarray(_PERCENTILES) * cumulative[-1], side="left")
        percentiles[attribute.name] = ordered[np.minimum(positions, len(ordered) - 1)]
    return percentiles


def distribution_sample(
    data: Data,
    *,
    attribute: Attribute,
    sizes: dict[str, int],
    per_segment: int = 1000,
    random_state: int = 0,
) -> pd.DataFrame:
    """A sample of one numeric attribute per segment, for box and violin plots.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attribute
        A number or date attribute.
    sizes
        Segment label -> customers.
    per_segment
        Target rows per segment.
    random_state
        Seed of the row choice.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``value`` (missing values dropped).
    """
    as_of = _as_of(data, data.customers(), [attribute])
    sample = _sampled(data, sizes, per_segment, random_state)
    frame = sample.select(segment=sample.segment, value=_numeric_expr(sample, attribute, as_of)).execute()
    frame["segment"] = frame["segment"].astype(str)
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def pca_map(
    data: Data,
    *,
    attributes: list[Attribute],
    features: list[str] | None = None,
    max_points: int = 3000,
    random_state: int = 0,
) -> pd.DataFrame:
    """A 2-D map (PCA of standardised numbers) of at most ``max_points`` customers.

    The sample is proportional to segment sizes. Missing values are filled with the column's
    median. Uses the clustering ``features`` when they are numbers, else every numeric attribute.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    attributes
        Profiled attributes.
    features
        Columns the segmentation used (optional).
    max_points
        Most points on the map.
    random_state
        Seed of the sample and the PCA.

    Returns
    -------
    pandas.DataFrame
        ``_row, x, y, segment`` (empty when there are fewer than two usable numbers);
        ``attrs["explained"]`` holds the share of variance each axis keeps.
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    numeric = [a for a in attributes if a.numeric]
    chosen = [a for a in numeric if features and a.name in features]
    chosen = chosen if len(chosen) >= 2 else numeric
    empty = pd.DataFrame(columns=[db.ROW, "x", "y", "segment"])
    if len(chosen) < 2:
        return empty
    total = int(data.segment_labels().count().execute())
    table = _joined(data)
    as_of = _as_of(data, data.customers(), chosen)
    key, modulus = _draw(data, table, random_state)
    fraction = min(1.0, 1.2 * max_points / total) if total else 1.0
    keyed = table.mutate(_key=key)
    sample = keyed.filter(keyed["_key"] < ibis.literal(int(math.ceil(fraction * modulus)), "int64"))
    columns = {f"v{i}": _numeric_expr(sample, a, as_of) for i, a in enumerate(chosen)}
    frame = (
        sample.order_by(["_key", data.key]).limit(max_points)
        .select(sample[data.key], sample.segment, **columns).execute()
    ).rename(columns={data.key: db.ROW})
    values = frame[[f"v{i}" for i in range(len(chosen))]].astype(float)
    values = values.loc[:, values.notna().any()]
    values = values.fillna(values.median())
    values = values.loc[:, values.std() > 0]
    if values.shape[1] < 2 or len(frame) < 3:
        return empty
    pca = PCA(n_components=2, random_state=random_state)
    coords = pca.fit_transform(StandardScaler().fit_transform(values))
    points = pd.DataFrame({db.ROW: frame[db.ROW].to_numpy(), "x": coords[:, 0], "y": coords[:, 1],
                           "segment": frame["segment"].astype(str).to_numpy()})
    points.attrs["explained"] = [float(v) for v in pca.explained_variance_ratio_]
    return points


# -- tests -----------------------------------------------------------------------------------


def strength(effect: float, *, kind: str) -> str:
    """Plain word for an effect size: ``none``, ``small``, ``medium`` or ``large``.

    Parameters
    ----------
    effect
        Eta squared (numbers) or Cramér's V (categories).
    kind
        ``eta`` or ``cramer``.

    Returns
    -------
    str
    """
    if effect is None or not np.isfinite(effect):
        return "unknown"
    cuts = ETA_CUTS if kind == "eta" else CRAMER_CUTS
    if effect < cuts[0]:
        return "none"
    if effect < cuts[1]:
        return "small"
    return "medium" if effect < cuts[2] else "large"


def numeric_test(groups: list[np.ndarray], *, skewed: bool | None = None) -> dict[str, Any]:
    """ANOVA or Kruskal-Wallis across groups, by the skewness rule, with eta squared.

    Parameters
    ----------
    groups
        One array of values per segment (missing values already dropped; empty groups allowed).
    skewed
        Use Kruskal-Wallis (``True``) or ANOVA (``False``); ``None``: decide from these groups'
        pooled skewness (``|skewness| > SKEW_LIMIT``).

    Returns
    -------
    dict
        ``test``, ``statistic``, ``p_value``, ``effect`` (eta squared), ``note``.
    """
    used = [np.asarray(g, dtype=float) for g in groups if len(g) > 0]
    result = {"test": "ANOVA", "statistic": math.nan, "p_value": math.nan, "effect": math.nan, "note": ""}
    n = sum(len(g) for g in used)
    if len(used) < 2 or n <= len(used):
        result["note"] = "not enough values to test"
        return result
    pooled = np.concatenate(used)
    if np.ptp(pooled) == 0:
        result.update(statistic=0.0, p_value=1.0, effect=0.0, note="same value for everyone")
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if skewed is None:
            skewed = is_skewed(pooled)
        if skewed:
            statistic, p_value = stats.kruskal(*used)
            effect = max(0.0, (statistic - len(used) + 1) / (n - len(used)))
            result["test"] = "Kruskal-Wallis"
        else:
            statistic, p_value = stats.f_oneway(*used)
            grand = pooled.mean()
            ss_between = sum(len(g) * (g.mean() - grand) ** 2 for g in used)
            ss_total = float(((pooled - grand) ** 2).sum())
            effect = ss_between / ss_total if ss_total else 0.0
    if not np.isfinite(p_value):  # every group constant but different: a perfect separation
        p_value, statistic = 0.0, math.inf
    result.update(statistic=float(statistic), p_value=float(p_value), effect=float(min(effect, 1.0)))
    return result


def is_skewed(values: np.ndarray) -> bool:
    """Whether values are skewed enough for a rank test (``|skewness| > SKEW_LIMIT``).

    Parameters
    ----------
    values
        Known values (no NaN).

    Returns
    -------
    bool
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 3 or np.ptp(values) == 0:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(abs(float(stats.skew(values))) > SKEW_LIMIT)


def category_test(table: np.ndarray) -> dict[str, Any]:
    """Chi-square test of independence on a segment x value count table, with Cramér's V.

    Parameters
    ----------
    table
        Counts, one row per segment and one column per value.

    Returns
    -------
    dict
        ``test``, ``statistic``, ``p_value``, ``effect`` (Cramér's V), ``note``.
    """
    counts = np.asarray(table, dtype=float)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0] if counts.size else counts
    result = {"test": "Chi-square", "statistic": math.nan, "p_value": math.nan, "effect": math.nan, "note": ""}
    if counts.ndim != 2 or counts.shape[0] < 2:
        result["note"] = "not enough values to test"
        return result
    if counts.shape[1] < 2:
        result.update(statistic=0.0, p_value=1.0, effect=0.0, note="same value for everyone")
        return result
    chi2, p_value, _, _ = stats.chi2_contingency(counts, correction=False)
    # Cramér's V from the same statistic (what scipy.stats.contingency.association computes)
    effect = math.sqrt(chi2 / (counts.sum() * (min(counts.shape) - 1)))
    result.update(statistic=float(chi2), p_value=float(p_value), effect=float(effect))
    return result


def _adjust(p_values: pd.Series) -> pd.Series:
    adjusted = pd.Series(np.nan, index=p_values.index, dtype=float)
    valid = p_values.notna()
    if valid.any():
        adjusted[valid] = stats.false_discovery_control(p_values[valid].clip(0, 1).to_numpy(), method="bh")
    return adjusted


def _category_counts(counts: pd.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    """Attribute -> segment -> value -> customers (known values only), attributes in :func:`_category_tables`' order."""
    known = counts[counts["value"].notna()]
    found: dict[str, dict[str, dict[str, int]]] = {}
    for name, segment, value, count in zip(known["attribute"], known["segment"], known["value"], known["count"],
                                           strict=True):
        cells = found.setdefault(name, {}).setdefault(segment, {})
        cells[value] = cells.get(value, 0) + int(count)
    return found


def table_values(table: Mapping[str, Mapping[str, int]]) -> set[str]:
    """Every value counted in a segment -> value -> customers table."""
    return {value for cells in table.values() for value in cells}


def _category_tables(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Attribute -> segment x value count table (known values only)."""
    known = counts[counts["value"].notna()]
    tables = {}
    for name, group in known.groupby("attribute", sort=False):
        summed = group.groupby(["segment", "value"], sort=True)["count"].sum()
        tables[name] = summed.unstack("value", fill_value=0)
    return tables


def _numeric_groups(sample: pd.DataFrame, attributes: list[Attribute]) -> dict[tuple[str, str], np.ndarray]:
    """(segment, attribute) -> the sample's known values, split once."""
    groups: dict[tuple[str, str], np.ndarray] = {}
    numeric = [a.name for a in attributes if a.numeric and a.name in sample.columns]
    if sample.empty or not numeric:
        return groups
    for segment, part in sample.groupby("segment", sort=False):
        for name in numeric:
            values = part[name].to_numpy(dtype=float)
            groups[(str(segment), name)] = values[~np.isnan(values)]
    return groups


def difference_tests(
    *,
    attributes: list[Attribute],
    sample: pd.DataFrame,
    counts: pd.DataFrame,
    segments: list[str],
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Test every attribute for differences across segments, with effect size and BH correction.

    Parameters
    ----------
    attributes
        Profiled attributes.
    sample
        Output of :func:`stratified_sample` (numbers).
    counts
        Output of :func:`category_counts` (categories).
    segments
        Segment labels.
    alpha
        False discovery rate for the Benjamini-Hochberg correction.

    Returns
    -------
    pandas.DataFrame
        ``attribute, label, kind, test, statistic, p_value, p_adjusted, effect, effect_name,
        strength, differs, note``.
    """
    rows = []
    tables = _category_tables(counts)
    split = _numeric_groups(sample, attributes)
    for attribute in attributes:
        note = ""
        if attribute.numeric:
            groups = []
            empty = []
            for segment in segments:
                values = split.get((segment, attribute.name), np.empty(0))
                groups.append(values)
                if len(values) == 0:
                    empty.append(segment)
            result = numeric_test(groups)
            effect_name, effect_kind = "eta squared", "eta"
            if empty and len(empty) < len(segments):
                note = f"no values in segment(s) {', '.join(empty[:3])}"
        else:
            table = tables.get(attribute.name)
            matrix = table.reindex(index=segments, fill_value=0).to_numpy() if table is not None else np.zeros((0, 0))
            result = category_test(matrix)
            effect_name, effect_kind = "Cramér's V", "cramer"
        rows.append(
            {
                "attribute": attribute.name, "label": attribute.label, "kind": attribute.kind,
                "test": result["test"], "statistic": result["statistic"], "p_value": result["p_value"],
                "effect": result["effect"], "effect_name": effect_name,
                "strength": strength(result["effect"], kind=effect_kind),
                "note": "; ".join(x for x in (result["note"], note) if x),
            }
        )
    columns = ["attribute", "label", "kind", "test", "statistic", "p_value", "p_adjusted", "effect",
               "effect_name", "strength", "differs", "note"]
    frame = pd.DataFrame(rows, columns=[c for c in columns if c not in ("p_adjusted", "differs")])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["p_adjusted"] = _adjust(frame["p_value"])
    frame["differs"] = (frame["p_adjusted"] < alpha) & ~frame["strength"].isin(["none", "unknown"])
    return frame[columns]


def pairwise_tests(
    *,
    attributes: list[Attribute],
    sample: pd.DataFrame,
    counts: pd.DataFrame,
    segments: list[str],
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Compare every pair of segments on every attribute; flag pairs that differ on nothing.

    Same tests as :func:`difference_tests` on two segments at a time; Benjamini-Hochberg over
    all pair x attribute tests. A pair is ``alike`` when no attribute differs clearly.

    Parameters
    ----------
    attributes
        Profiled attributes.
    sample
        Output of :func:`stratified_sample`.
    counts
        Output of :func:`category_counts`.
    segments
        Segment labels.
    alpha
        False discovery rate.

    Returns
    -------
    pandas.DataFrame
        ``segment_a, segment_b, differing`` (number of attributes that differ clearly),
        ``tested``, ``alike`` (bool).
    """
    position = {segment: i for i, segment in enumerate(segments)}
    tables = {
        name: table.reindex(index=segments, fill_value=0).to_numpy()
        for name, table in _category_tables(counts).items()
    }
    split = _numeric_groups(sample, attributes)
    # the same test as across all segments: chosen once per attribute from the whole sample
    skewed = {
        a.name: is_skewed(np.concatenate([split.get((s, a.name), np.empty(0)) for s in segments]))
        for a in attributes if a.numeric
    }
    rows = []
    for a, b in combinations(segments, 2):
        for attribute in attributes:
            if attribute.numeric:
                groups = [split.get((s, attribute.name), np.empty(0)) for s in (a, b)]
                result = numeric_test(groups, skewed=skewed[attribute.name])
                kind = "eta"
            else:
                table = tables.get(attribute.name)
                matrix = table[[position[a], position[b]]] if table is not None else np.zeros((0, 0))
                result = category_test(matrix)
                kind = "cramer"
            rows.append({"segment_a": a, "segment_b": b, "attribute": attribute.name,
                         "p_value": result["p_value"], "strength": strength(result["effect"], kind=kind)})
    columns = ["segment_a", "segment_b", "differing", "tested", "alike"]
    if not rows:
        return pd.DataFrame(columns=columns)
    tests = pd.DataFrame(rows)
    tests["p_adjusted"] = _adjust(tests["p_value"])
    tests["differs"] = (tests["p_adjusted"] < alpha) & ~tests["strength"].isin(["none", "unknown"])
    tests["tested"] = tests["p_value"].notna()
    pairs = tests.groupby(["segment_a", "segment_b"], sort=False).agg(
        differing=("differs", "sum"), tested=("tested", "sum")
    ).reset_index()
    pairs["differing"] = pairs["differing"].astype(int)
    pairs["tested"] = pairs["tested"].astype(int)
    pairs["alike"] = (pairs["differing"] == 0) & (pairs["tested"] > 0)
    return pairs[columns]


def verdict(tests: pd.DataFrame, *, segments: int) -> str:
    """One sentence: on how many attributes the segments differ clearly, and which do not separate them.

    Parameters
    ----------
    tests
        Output of :func:`difference_tests`.
    segments
        Number of segments.

    Returns
    -------
    str
    """
    if segments < 2:
        return ("There is only one segment, so there is nothing to compare: the tests need at least "
                "two segments. Sizes and traits are shown below.")
    tested = tests[tests["p_value"].notna()]
    if tested.empty:
        return "No attribute could be tested (too few customers with values)."
    differ = tested[tested["differs"]]
    alike = [f"'{label}'" for label in tested.loc[~tested["differs"], "label"]]
    if len(differ) == len(tested):
        return f"Segments differ clearly on all {len(tested)} attributes."
    if differ.empty:
        return (f"Segments do not differ clearly on any of the {len(tested)} attributes: "
                "try other features or fewer segments.")
    head = f"Segments differ clearly on {len(differ)} of {len(tested)} attributes; "
    if len(alike) == 1:
        return head + f"{alike[0]} does not separate them."
    if len(alike) <= 3:
        return head + f"{', '.join(alike[:-1])} and {alike[-1]} do not separate them."
    return head + f"{len(alike)} do not separate them ({', '.join(alike[:3])}, ...)."


# -- everything ------------------------------------------------------------------------------


def build_profile(
    data: Data,
    *,
    roles: dict[str, str],
    types: dict[str, str],
    top_n: int = 8,
    per_segment: int = 2000,
    random_state: int = 0,
    pairwise_limit: int = 12,
    labels: dict[str, str] | None = None,
    base: ProfileBase | None = None,
    specs: Mapping[str, Any] | None = None,
) -> Profile:
    """Sizes, traits, top traits, names, tests and verdict for the current segmentation.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles
        Column name -> role.
    types
        Column name -> type.
    top_n
        Category values kept per attribute (the rest is "Other values").
    per_segment
        Customers per segment in the sample used by the number tests.
    random_state
        Seed of the sample.
    pairwise_limit
        Pairwise tests run only up to this many segments (66 pairs at 12).
    labels
        Column name -> display label, used in names, traits and charts (see :func:`profile_attributes`).
    base
        The same segmentation's :func:`profile_base` (made with the same roles, types, labels and
        ``top_n``), when naming already computed it: its aggregates are reused, only the sample,
        percentiles and tests are added.
    specs
        Multi-value columns already detected (see :func:`expand_multivalue`); used when ``base`` is ``None``.

    Returns
    -------
    Profile
    """
    if base is None or base.top_n != top_n:
        base = profile_base(data, roles=roles, types=types, top_n=top_n, labels=labels, specs=specs)
    attributes, sizes, counts, traits = base.attributes, base.sizes, base.counts, base.traits
    segments = list(sizes["segment"])
    size_map = dict(zip(segments, sizes["customers"].astype(int), strict=True))
    sample = stratified_sample(data, attributes=attributes, sizes=size_map, per_segment=per_segment,
                               random_state=random_state)
    percentiles = sample_percentiles(sample, attributes=attributes, sizes=size_map)
    top = top_traits(traits, percentiles=percentiles)
    names = dict(base.names)
    notes = profile_notes(sizes=sizes, traits=traits, counts=counts, top_n=top_n)
    pairs_source = None
    if len(segments) >= 2 and attributes:
        tests = difference_tests(attributes=attributes, sample=sample, counts=counts, segments=segments)
        if len(segments) <= pairwise_limit:
            def pairs_source() -> pd.DataFrame:  # a third of the profile's CPU: only when a page shows them
                return pairwise_tests(attributes=attributes, sample=sample, counts=counts, segments=segments)
        else:
            notes.append(f"Pairs of segments are compared only up to {pairwise_limit} segments.")
    else:
        tests = difference_tests(attributes=[], sample=pd.DataFrame(), counts=counts, segments=segments)
    return Profile(sizes=sizes, attributes=attributes, traits=traits, percentiles=percentiles, top_traits=top,
                   names=names, tests=tests, verdict=verdict(tests, segments=len(segments)), notes=notes,
                   pairs_source=pairs_source)


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame(columns=["segment_a", "segment_b", "differing", "tested", "alike"])


def segment_notes(*, sizes: pd.DataFrame, traits: pd.DataFrame,
                  names: Mapping[str, str] | None = None) -> list[str]:
    """The notes that name segments: tiny segments and attributes with no values in a segment.

    Parameters
    ----------
    sizes
        Output of :func:`segment_sizes`.
    traits
        Output of :func:`compute_traits`.
    names
        Segment label -> name to show; ``None`` shows the labels.

    Returns
    -------
    list[str]
        Always in the same order for the same input, whatever ``names`` is.
    """
    names = names or {}
    notes = []
    tiny = [str(names.get(str(s), s)) for s in sizes.loc[sizes["customers"] < 30, "segment"].tolist()]
    if tiny:
        which = "segment has" if len(tiny) == 1 else "segments have"
        more = f" and {len(tiny) - 3} more" if len(tiny) > 3 else ""
        notes.append(
            f"{len(tiny)} {which} fewer than 30 customers ({', '.join(tiny[:3])}{more}): "
            "their figures are shaky."
        )
    if not traits.empty:
        empty = traits[(traits["known"] == 0)].drop_duplicates(["segment", "attribute"])
        for _, row in empty.head(5).iterrows():
            shown = names.get(str(row["segment"]), row["segment"])
            notes.append(f"'{row['label']}' has no values in segment {shown}.")
    return notes


def profile_notes(*, sizes: pd.DataFrame, traits: pd.DataFrame, counts: pd.DataFrame, top_n: int) -> list[str]:
    """Plain notes about input that needs care (one segment, tiny segments, all-missing, many values).

    Parameters
    ----------
    sizes
        Output of :func:`segment_sizes`.
    traits
        Output of :func:`compute_traits`.
    counts
        Output of :func:`category_counts`.
    top_n
        Values kept per category.

    Returns
    -------
    list[str]
    """
    notes = []
    if len(sizes) < 2:
        notes.append("Only one segment: the tests that prove segments differ need at least two.")
    notes.extend(segment_notes(sizes=sizes, traits=traits))
    if not counts.empty and (counts["value"] == OTHER).any():
        pooled = counts.loc[counts["value"] == OTHER, "attribute"].unique().tolist()
        notes.append(
            f"{', '.join(map(humanize, pooled[:4]))}: only the top {top_n} values are shown; the rest "
            f"are grouped as '{OTHER}'."
        )
    return notes


# -- drill-down ------------------------------------------------------------------------------


def drilldown_columns(roles: dict[str, str], *, show_personal: bool = False) -> list[str]:
    """Columns to show for a segment's customers: personal data only when asked.

    Parameters
    ----------
    roles
        Column name -> role.
    show_personal
        Whether to include personal-data columns.

    Returns
    -------
    list[str]
    """
    return [c for c, role in roles.items() if c != db.ROW and (show_personal or role not in PRIVATE_ROLES)]


def segment_customers(
    data: Data,
    *,
    segment: str,
    columns: list[str],
    limit: int | None = None,
) -> pd.DataFrame:
    """The customers of one segment (in file order), with the chosen columns.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    segment
        Segment label (bound as a value, never formatted into SQL).
    columns
        Columns to return.
    limit
        Most rows (``None``: all).

    Returns
    -------
    pandas.DataFrame
    """
    table = _joined(data)
    query = table.filter(table.segment == ibis.literal(str(segment))).order_by(data.key).select(*columns)
    if limit is not None:
        query = query.limit(limit)
    return query.execute()


# -- tables for screens ------------------------------------------------------------------------


def trait_label(trait: pd.Series | dict) -> str:
    """Short label of a trait row: ``Age``, ``Preferred service channel: Phone``, ``Newsletter``.

    Parameters
    ----------
    trait
        A row of :func:`compute_traits`.

    Returns
    -------
    str
    """
    if trait["kind"] == CATEGORY:
        return f"{trait['label']}: {trait['value']}"
    return str(trait["label"])


def _shown_traits(traits: pd.DataFrame, per_category: int) -> pd.DataFrame:
    """Trait rows to show: every number and yes/no, and the most varying values of each category."""
    if traits.empty:
        return traits.assign(key=pd.Series(dtype=str))
    frame = traits.copy()
    frame["key"] = [trait_label(row) for _, row in frame.iterrows()]
    spread = frame.groupby("key", sort=False)["std_diff"].apply(lambda s: s.abs().max()).fillna(0)
    frame["spread"] = frame["key"].map(spread)
    categories = frame[frame["kind"] == CATEGORY]
    # ordered answers (bands, scales) keep every value, in their order, so the row reads as a scale
    ordered = {name for name, values in categories.groupby("attribute", sort=False)["value"]
               if value_order(list(dict.fromkeys(values))) is not None}
    keep_keys = (
        categories[~categories["attribute"].isin(ordered)].drop_duplicates("key")
        .sort_values(["attribute", "spread"], ascending=[True, False], kind="stable")
        .groupby("attribute", sort=False)
        .head(per_category)["key"]
    )
    keep = set(keep_keys) | set(categories.loc[categories["attribute"].isin(ordered), "key"])
    return frame[(frame["kind"] != CATEGORY) | frame["key"].isin(keep)]


def quiet_attributes(traits: pd.DataFrame, *, threshold: float = 0.1) -> list[str]:
    """Labels of attributes on which no segment is even slightly away from average.

    Parameters
    ----------
    traits
        Output of :func:`compute_traits`.
    threshold
        Largest absolute standardised difference that still counts as "average".

    Returns
    -------
    list[str]
    """
    if traits.empty:
        return []
    spread = traits.assign(size=traits["std_diff"].abs()).groupby("label", sort=False)["size"].max()
    return [label for label, size in spread.items() if not size >= threshold]


def trait_matrix(
    traits: pd.DataFrame, *, per_category: int = 3, hide_quiet: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segments x traits standardised differences (for the heatmap) and matching hover texts.

    Parameters
    ----------
    traits
        Output of :func:`compute_traits`.
    per_category
        Values kept per category attribute (those whose share varies most across segments).
    hide_quiet
        Leave out the attributes of :func:`quiet_attributes`.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        Standardised differences and plain-word texts, index = segment labels, columns = trait labels.
    """
    shown = _shown_traits(traits, per_category)
    if hide_quiet:
        shown = shown[~shown["label"].isin(quiet_attributes(traits))]
    if shown.empty:
        return pd.DataFrame(), pd.DataFrame()
    shown = shown.assign(text=[describe_trait(row) for _, row in shown.iterrows()])
    segments = list(dict.fromkeys(shown["segment"]))
    keys = list(dict.fromkeys(shown["key"]))
    matrix = shown.pivot(index="segment", columns="key", values="std_diff").reindex(index=segments, columns=keys)
    hover = shown.pivot(index="segment", columns="key", values="text").reindex(index=segments, columns=keys)
    return matrix, hover.fillna("no values")


def unique_names(labels: list[str], *, names: dict[str, str]) -> list[str]:
    """Display names for ``labels``, made unique: a repeated name gets `` (2)``, `` (3)``, ... in label order.

    The one implementation behind :meth:`segdash.workspace.Workspace.display_names`, so two
    segments renamed alike never merge in a chart or table.

    Parameters
    ----------
    labels
        Segment labels.
    names
        Label -> display name (missing: the label itself).

    Returns
    -------
    list[str]
        One name per label, all different; the first segment with a name keeps it as it is.
    """
    shown = [str(names.get(label, label)) for label in labels]
    taken = set(shown)
    seen: set[str] = set()
    unique = []
    for name in shown:
        if name in seen:
            number = 2
            while f"{name} ({number})" in taken:
                number += 1
            name = f"{name} ({number})"
            taken.add(name)
        seen.add(name)
        unique.append(name)
    return unique


def traits_table(traits: pd.DataFrame, *, names: dict[str, str], per_category: int = 3) -> pd.DataFrame:
    """The traits as a readable table: one row per trait, "Everyone" then one column per segment.

    Cells read ``52 (1.2x)`` for numbers (average, lift; a second row holds the median) and
    ``63% (2.1x)`` for shares.

    Parameters
    ----------
    traits
        Output of :func:`compute_traits`.
    names
        Segment label -> display name.
    per_category
        Values shown per category attribute.

    Returns
    -------
    pandas.DataFrame
        Columns ``Trait``, ``Everyone``, then the segments' display names (made unique), and
        ``Full question`` when a trait's column is a survey question (its label is then short).
    """
    shown = _shown_traits(traits, per_category)
    if shown.empty:
        return pd.DataFrame(columns=["Trait", "Everyone"])
    segments = list(dict.fromkeys(shown["segment"]))
    headers = unique_names(segments, names=names)
    numeric = shown["kind"].isin([NUMBER, DATE])
    value_text = np.where(numeric, shown["segment_value"].map(_compact), shown["segment_value"].map(format_share))
    overall_text = np.where(numeric, shown["overall_value"].map(_compact), shown["overall_value"].map(format_share))
    shown = shown.assign(cell=[f"{v} ({format_lift(lift)})" if v != "–" else "–"
                               for v, lift in zip(value_text, shown["lift"], strict=True)],
                         overall=overall_text)
    medians = shown[numeric].assign(
        key=lambda f: f["key"] + " (median)",
        cell=lambda f: f["segment_median"].map(_compact),
        overall=lambda f: f["overall_median"].map(_compact),
    )
    shown = shown.assign(key=np.where(numeric, shown["key"] + " (average)", shown["key"]))
    # each number's median row right after its average row
    shown = pd.concat([shown, medians]).sort_index(kind="stable")
    table = shown.pivot(index="key", columns="segment", values="cell")
    keys = list(dict.fromkeys(shown["key"]))
    table = table.reindex(index=keys, columns=segments)
    table.columns = headers
    overall = shown.drop_duplicates("key").set_index("key")["overall"].reindex(keys)
    table.insert(0, "Everyone", overall)
    table.insert(0, "Trait", keys)
    from segdash.labels import is_question

    attribute_of = dict(zip(shown["key"], shown["attribute"], strict=True))
    if any(is_question(a) for a in attribute_of.values()):  # survey headers: the full question, for hover
        table["Full question"] = [" ".join(str(attribute_of[k]).split()) if is_question(attribute_of[k]) else ""
                                  for k in keys]
    return table.reset_index(drop=True)


def tests_table(tests: pd.DataFrame) -> pd.DataFrame:
    """The difference tests in plain columns for a marketer.

    Parameters
    ----------
    tests
        Output of :func:`difference_tests`.

    Returns
    -------
    pandas.DataFrame
        ``Attribute, Differs?, Strength, Effect size, Chance it is luck, How tested, Note``.
    """
    def luck(p: float) -> str:
        if p is None or not np.isfinite(p):
            return "–"
        return "< 0.1%" if p < 0.001 else f"{p:.1%}"

    return pd.DataFrame(
        {
            "Attribute": tests["label"],
            "Differs?": np.where(tests["p_value"].isna(), "Not tested", np.where(tests["differs"], "Yes", "No")),
            "Strength": tests["strength"].str.capitalize(),
            "Effect size": [f"{e:.2f} ({name})" if np.isfinite(e) else "–"
                            for e, name in zip(tests["effect"].astype(float), tests["effect_name"], strict=True)],
            "Chance it is luck": tests["p_adjusted"].astype(float).map(luck),
            "How tested": tests["test"],
            "Note": tests["note"],
        }
    )


def merge_suggestions(pairs: pd.DataFrame, *, names: dict[str, str]) -> list[str]:
    """Plain sentences for pairs of segments that differ on nothing: suggest merging them.

    Parameters
    ----------
    pairs
        Output of :func:`pairwise_tests`.
    names
        Segment label -> display name.

    Returns
    -------
    list[str]
    """
    alike = pairs[pairs["alike"].astype(bool)] if not pairs.empty else pairs
    return [
        f"'{names.get(a, a)}' and '{names.get(b, b)}' do not differ clearly on any attribute: "
        "consider merging them (fewer segments)."
        for a, b in zip(alike["segment_a"], alike["segment_b"], strict=True)
    ]


def segment_summary(profile: Profile, *, names: dict[str, str]) -> pd.DataFrame:
    """Sizes with display names, for the sizes table and chart.

    Parameters
    ----------
    profile
        A built profile.
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``segment`` (display name, unique), ``customers``, ``share``.
    """
    sizes = profile.sizes.copy()
    sizes.insert(0, "label", sizes["segment"])
    sizes["segment"] = unique_names(list(sizes["label"]), names=names)
    return sizes


def segment_csv(
    data: Data,
    *,
    segment: str,
    roles: dict[str, str],
    name: str | None = None,
    show_personal: bool = False,
) -> bytes:
    """A segment's customers as spreadsheet-safe CSV (personal data left out unless asked).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    segment
        Segment label.
    roles
        Column name -> role.
    name
        Display name written in the ``segment`` column (defaults to the label).
    show_personal
        Include personal-data columns.

    Returns
    -------
    bytes
        UTF-8 CSV with a BOM; cells that a spreadsheet would run as formulas are neutralised.
    """
    from segdash.report.export import to_safe_csv

    columns = drilldown_columns(roles, show_personal=show_personal)
    frame = segment_customers(data, segment=segment, columns=columns)
    frame.insert(0, "segment", name if name is not None else segment)
    return to_safe_csv(frame)

