"""KPIs per segment and per snapshot, from what segdash already computes.

A KPI is a small JSON-ready spec (:class:`Kpi`): a metric and, for some metrics, a column, a
value or a number of days. :func:`snapshot_kpis` opens a saved snapshot's export and labels in
a private DuckDB and works out each KPI for every segment and for all customers:

* ``customers`` and ``share`` (of all customers in the snapshot, in %);
* ``revenue_per_customer``, ``aov`` (average order value), ``frequency`` (purchases per year),
  ``cac``, ``ltv`` (predicted lifetime value), ``ltv_to_cac``, ``roi`` (in %) and
  ``payback_months``: from :func:`segdash.economics.compute_economics` with the Acquisition & ROI
  page's inputs saved with each snapshot (columns, cost source, spend per channel, margin,
  lifetime or churn, discount; see :func:`segdash.economics.saved_economics`), or given for a
  snapshot in ``roi_inputs`` (the page's live inputs), so they equal the ROI page's figures.
  Without saved inputs: the page's defaults (the columns it suggests, 40% margin, 36 months);
* ``active_share``: % of customers whose date in ``column`` is within ``days`` days of the
  latest date in that column in the same export (an export is a picture of one moment);
* ``mean``: the average of a number ``column``;
* ``category_share``: % of customers whose ``column`` equals ``value``;
* ``survey_confirmation`` (in %) and ``survey_satisfaction``: from the survey verdict saved for
  the snapshot (:mod:`segdash.survey.results`): the share of confirmation answers that agree with
  the data on file, and the average satisfaction rating. For all customers, the segments' values
  weighted by their answers.

Values are in the unit shown to people (shares and ROI in %, frequency per year) so targets,
progress and charts use one unit. An undefined value is NaN with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd

from segdash import db
from segdash.data import Data
from segdash.history.snapshots import KEY, HistoryError, Snapshot, attach

#: The row for everyone in a snapshot.
ALL = "__all__"
ALL_NAME = "All customers"

#: metric -> (label, what it needs: None | "number" | "category" | "date", unit)
METRICS: dict[str, tuple[str, str | None, str]] = {
    "customers": ("Customers", None, "customers"),
    "share": ("Share of all customers", None, "%"),
    "revenue_per_customer": ("Revenue per customer", None, "money"),
    "aov": ("Average order value", None, "money"),
    "frequency": ("Purchases per year", None, "per year"),
    "cac": ("Acquisition cost (CAC)", None, "money"),
    "ltv": ("Lifetime value (LTV)", None, "money"),
    "ltv_to_cac": ("LTV:CAC", None, "x"),
    "roi": ("ROI", None, "%"),
    "payback_months": ("Payback (months)", None, "months"),
    "active_share": ("Share active recently", "date", "%"),
    "mean": ("Average of a number column", "number", "number"),
    "category_share": ("Share in a category", "category", "%"),
    "survey_confirmation": ("Survey confirmation rate", None, "%"),
    "survey_satisfaction": ("Average satisfaction (survey)", None, "number"),
}
#: Why a survey KPI is n/a on a snapshot that was not surveyed (key results skip those snapshots).
NO_VERDICT = "no survey verdict is saved for this snapshot"
#: Metrics read from the survey verdict saved for a snapshot (KPI name -> survey KPI column).
SURVEY = {"survey_confirmation": "confirmation_rate", "survey_satisfaction": "average_satisfaction"}
#: Metrics taken from :func:`segdash.economics.compute_economics` (KPI name -> economics column).
ECONOMICS = {"revenue_per_customer": "revenue", "aov": "aov", "frequency": "frequency", "cac": "cac",
             "ltv": "predicted_ltv", "ltv_to_cac": "ltv_to_cac", "roi": "roi", "payback_months": "payback_months"}
#: Metrics where a lower value is better (a target below the start is the usual case).
LOWER_IS_BETTER = frozenset({"cac", "payback_months"})
KPI_COLUMNS = ("segment", "kpi", "value", "reason")


@dataclass(frozen=True)
class Kpi:
    """One KPI: a metric, and the column / value / days it needs.

    Attributes
    ----------
    metric
        A key of :data:`METRICS`.
    column
        For ``active_share`` (a date column), ``mean`` (a number column), ``category_share``.
    value
        For ``category_share``: the category counted (compared as text).
    days
        For ``active_share``: the window in days.
    """

    metric: str
    column: str | None = None
    value: str | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        check_kpi(self)

    @property
    def key(self) -> str:
        """A stable text id (used to join values across snapshots)."""
        parts = [self.metric, self.column or "", self.value or "", str(self.days or "")]
        return "|".join(parts)

    @property
    def unit(self) -> str:
        """``customers``, ``%``, ``money``, ``per year``, ``x``, ``months`` or ``number``."""
        return METRICS[self.metric][2]

    @property
    def label(self) -> str:
        """Plain words: "Average of satisfaction", "Share with churned = yes", "Active in the last 90 days"."""
        if self.metric == "active_share":
            return f"Share active in the last {self.days} days ({self.column})"
        if self.metric == "mean":
            return f"Average {self.column}"
        if self.metric == "category_share":
            return f"Share with {self.column} = {self.value}"
        return METRICS[self.metric][0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Kpi:
        """The KPI saved by :meth:`to_dict`."""
        days = data.get("days")
        return cls(metric=str(data.get("metric", "")), column=data.get("column"), value=data.get("value"),
                   days=int(days) if days is not None else None)


def check_kpi(kpi: Kpi) -> None:
    """Refuse a KPI that is missing what it needs, with a plain sentence.

    Raises
    ------
    HistoryError
        Unknown metric, or a column / value / number of days missing.
    """
    if kpi.metric not in METRICS:
        raise HistoryError(f"'{kpi.metric}' is not a KPI segdash knows; choose one from the list.")
    needs = METRICS[kpi.metric][1]
    if needs and not kpi.column:
        raise HistoryError(f"{METRICS[kpi.metric][0]} needs a column; choose one.")
    if kpi.metric == "category_share" and (kpi.value is None or str(kpi.value) == ""):
        raise HistoryError("Share in a category needs the category to count (for example 'yes').")
    if kpi.metric == "active_share" and (kpi.days is None or kpi.days <= 0):
        raise HistoryError("Share active recently needs a number of days above 0 (for example 90).")


def format_kpi(value: Any, *, unit: str) -> str:
    """A KPI value as shown on screen (``n/a`` when undefined)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return "n/a"
    value = float(value)
    if unit == "customers":
        return f"{value:,.0f}"
    if unit == "%":
        return f"{value:,.1f}%"
    if unit == "x":
        return f"{value:,.1f} : 1"
    if unit in ("months", "per year"):
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def kpi_columns(snapshot: Snapshot, metric: str) -> list[str]:
    """Columns of the snapshot's export a metric can use (dates, numbers or categories; no ids, no personal data)."""
    from segdash.schema import is_modelling_role

    needs = METRICS[metric][1]
    wanted = {"date": {"date"}, "number": {"number"}, "category": {"text", "boolean"}}.get(needs or "", set())
    return [name for name, kind in snapshot.types.items()
            if kind in wanted and is_modelling_role(snapshot.roles.get(name, "other"))
            and name != snapshot.key_column]


def snapshot_kpis(snapshot: Snapshot, kpis: list[Kpi], *, con: duckdb.DuckDBPyConnection | None = None,
                  roi_inputs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Every KPI for every segment of one snapshot, and for all its customers.

    Parameters
    ----------
    snapshot
        From :func:`segdash.history.snapshots.load_snapshot`.
    kpis
        What to work out.
    con
        DuckDB connection to work in (default: a private one, closed at the end).
    roi_inputs
        The Acquisition & ROI page's inputs to use for the economics KPIs (default: the ones saved
        with the snapshot, ``record["inputs"]["roi"]``).

    Returns
    -------
    pandas.DataFrame
        :data:`KPI_COLUMNS`: ``segment`` (a label, or :data:`ALL`), ``kpi`` (:attr:`Kpi.key`),
        ``value`` (float, NaN when undefined) and ``reason`` (why it is undefined, else "").
    """
    own = con is None
    con = con or db.connect()
    try:
        return _snapshot_kpis(con, snapshot, list(dict.fromkeys(kpis)), roi_inputs=roi_inputs)
    finally:
        if own:
            con.close()


def _snapshot_kpis(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, kpis: list[Kpi], *,
                   roi_inputs: Mapping[str, Any] | None) -> pd.DataFrame:
    labels, data = attach(con, snapshot, alias="kpi")
    sizes = labels.group_by("segment").aggregate(n=labels.count()).execute()
    size = {str(s): int(n) for s, n in zip(sizes["segment"], sizes["n"], strict=True)}
    total = sum(size.values())
    size[ALL] = total
    segments = [*sorted(s for s in size if s != ALL), ALL]
    rows: list[tuple[str, str, float, str]] = []

    def add(kpi: Kpi, values: dict[str, float], reasons: dict[str, str] | None = None, default: str = "") -> None:
        for segment in segments:
            value = values.get(segment, np.nan)
            value = float(value) if value is not None and not pd.isna(value) else np.nan
            reason = "" if not math.isnan(value) else ((reasons or {}).get(segment) or default or "not enough data")
            if size.get(segment, 0) == 0 and math.isnan(value):
                reason = "no customers"
            rows.append((segment, kpi.key, value, reason))

    no_data = ("the export this snapshot was made from is no longer in the project"
               if snapshot.dataset_id else "this snapshot has no export saved with it")
    joined = None
    if data is not None:
        joined = labels.join(data, labels.key == data[KEY])
    economics_kpis = [k for k in kpis if k.metric in ECONOMICS]
    economics = (_economics(con, snapshot, data, roi_inputs=roi_inputs)
                 if economics_kpis and data is not None else None)
    for kpi in kpis:
        if kpi.metric == "customers":
            add(kpi, {s: float(n) for s, n in size.items()})
        elif kpi.metric == "share":
            add(kpi, {s: 100.0 * n / total for s, n in size.items()} if total else {}, default="no customers")
        elif kpi.metric in ECONOMICS:
            if economics is None:
                add(kpi, {}, default=no_data)
                continue
            values, reasons = economics
            column = ECONOMICS[kpi.metric]
            add(kpi, values.get(column, {}), reasons.get(column, {}))
        elif kpi.metric in SURVEY:
            values, reasons, default = _survey_values(snapshot, SURVEY[kpi.metric])
            add(kpi, values, reasons, default=default)
        elif joined is None:
            add(kpi, {}, default=no_data)
        elif kpi.column not in data.columns:
            add(kpi, {}, default=f"this export has no column '{kpi.column}'")
        else:
            values, reason = _column_kpi(joined, kpi, data=data)
            add(kpi, values, default=reason)
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def _survey_values(snapshot: Snapshot, column: str) -> tuple[dict[str, float], dict[str, str], str]:
    """A survey KPI per segment (rates in %) and for all, the reasons where missing, and the default reason."""
    from segdash.survey.results import overall

    frame = snapshot.survey
    if frame is None or len(frame) == 0:
        return {}, {}, NO_VERDICT
    scale = 100.0 if column == "confirmation_rate" else 1.0
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for row in frame.itertuples():
        value = getattr(row, column)
        if value is not None and not pd.isna(value):
            values[str(row.segment)] = float(value) * scale
        elif int(row.answers) == 0:
            reasons[str(row.segment)] = "no survey answers from this segment"
        else:
            reasons[str(row.segment)] = ("no confirmation question was checked against the data"
                                         if column == "confirmation_rate" else "the survey asked no satisfaction rating")
    values[ALL] = overall(frame, column) * scale
    return values, reasons, "no survey answers from this segment"


def _column_kpi(joined: Any, kpi: Kpi, *, data: Any) -> tuple[dict[str, float], str]:
    """Active share, mean or category share per segment and for all (one grouped query)."""
    column = joined[kpi.column]
    if kpi.metric == "mean":
        value = column.cast("float64")
        aggs = {"v": value.mean()}
        reason = f"no values in '{kpi.column}'"
    elif kpi.metric == "category_share":
        hit = column.cast("string") == ibis.literal(str(kpi.value), type="string")
        aggs = {"v": hit.fill_null(False).cast("float64").mean() * 100.0}
        reason = "no customers"
    else:
        as_of = data.aggregate(m=data[kpi.column].cast("date").max()).execute()["m"].iloc[0]
        if as_of is None or pd.isna(as_of):
            return {}, f"no dates in '{kpi.column}'"
        cutoff = pd.Timestamp(as_of).date() - pd.Timedelta(days=int(kpi.days)).to_pytimedelta()
        recent = column.cast("date") > ibis.literal(cutoff, type="date")
        aggs = {"v": recent.fill_null(False).cast("float64").mean() * 100.0}
        reason = "no customers"
    per_segment = joined.group_by("segment").aggregate(**aggs).execute()
    values = {str(s): v for s, v in zip(per_segment["segment"], per_segment["v"], strict=True)}
    overall = joined.aggregate(**aggs).execute()["v"].iloc[0]
    values[ALL] = overall
    return values, reason


def saved_roi_inputs(snapshot: Snapshot) -> dict[str, Any]:
    """The Acquisition & ROI page's inputs saved with ``snapshot`` (empty: the page's defaults)."""
    inputs = (snapshot.record.get("inputs") or {}).get("roi") or {}
    return dict(inputs) if isinstance(inputs, Mapping) else {}


def _economics(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, data: Any, *,
               roi_inputs: Mapping[str, Any] | None = None) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """The ROI page's figures for this snapshot: metric -> segment -> value, and the n/a reasons."""
    from segdash import economics
    from segdash.errors import EconomicsError

    backend = ibis.duckdb.from_connection(con)
    customers = data.drop(KEY)
    backend.create_view(db.TABLE, customers, overwrite=True)
    labels = _label_rows(backend, snapshot)
    # Ibis writes the SELECT (identifiers quoted by it); the table name is our constant.
    con.execute(f"CREATE OR REPLACE TABLE {db.LABELS} AS {ibis.to_sql(labels, dialect='duckdb')}")
    types = snapshot.types
    saved = economics.saved_economics(saved_roi_inputs(snapshot) if roi_inputs is None else roi_inputs,
                                      roles=snapshot.roles, types=types)
    columns = saved.columns
    data = Data(backend=backend, con=con)
    spend = None
    if columns.cost is None and saved.spend:
        spend = saved.channel_spend(channels=economics.channel_list(data, channel=columns.channel))
    try:
        result = economics.compute_economics(
            data, columns=columns, assumptions=saved.assumptions, channel_spend=spend,
            date_columns=[name for name, kind in types.items() if kind == "date"])
    except EconomicsError as err:
        everyone = [*map(str, snapshot.sizes), ALL]
        return {}, {metric: dict.fromkeys(everyone, str(err)) for metric in ECONOMICS.values()}
    frame = pd.concat([result.segments, result.total.assign(segment=ALL)], ignore_index=True)
    reasons = economics.na_reasons(frame, columns=columns)
    customers_n = frame["customers"].replace(0, np.nan)
    derived = {
        "revenue": frame["revenue"] / customers_n,
        "aov": frame["aov"], "frequency": frame["frequency"] * 12.0, "cac": frame["cac"],
        "predicted_ltv": frame["predicted_ltv"], "ltv_to_cac": frame["ltv_to_cac"], "roi": frame["roi"] * 100.0,
        "payback_months": frame["payback_months"],
    }
    values = {metric: dict(zip(frame["segment"].astype(str), series, strict=True)) for metric, series in derived.items()}
    why = {metric: dict(zip(frame["segment"].astype(str), reasons[metric], strict=True))
           for metric in derived if metric in reasons.columns}
    return values, why


def _label_rows(backend: Any, snapshot: Snapshot) -> Any:
    """``segment_labels(_row, segment)`` for the saved labels joined to the export on the customer id."""
    from segdash.history.snapshots import LABELS_VIEW

    customers = backend.table(db.TABLE)
    key_column = snapshot.key_column if snapshot.key_column in customers.columns else db.ROW
    rows = customers.select(_sd_row=customers[db.ROW], _sd_k=customers[key_column].cast("string"))
    raw = backend.table(LABELS_VIEW.format(alias="kpi"))
    labels = raw.select(_sd_k2=raw["key"].cast("string"), segment=raw["segment"].cast("string"))
    joined = rows.join(labels, rows._sd_k == labels._sd_k2)
    return joined.select(**{db.ROW: joined._sd_row, "segment": joined.segment})


def kpi_history(snapshots: list[Snapshot], kpis: list[Kpi], *,
                roi_inputs: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """:func:`snapshot_kpis` over several snapshots, with each snapshot's id, name and date.

    Parameters
    ----------
    snapshots
        The snapshots.
    kpis
        What to work out.
    roi_inputs
        Snapshot id -> the Acquisition & ROI page's inputs to use for it instead of the saved ones
        (the page passes its live inputs for the snapshot that is open).

    Returns
    -------
    pandas.DataFrame
        ``snapshot_id``, ``snapshot``, ``created`` + :data:`KPI_COLUMNS`, oldest snapshot first.
    """
    frames = []
    for snapshot in sorted(snapshots, key=lambda s: (s.created, s.id)):
        frame = snapshot_kpis(snapshot, kpis, roi_inputs=(roi_inputs or {}).get(snapshot.id))
        frames.append(frame.assign(snapshot_id=snapshot.id, snapshot=snapshot.title, created=snapshot.created))
    if not frames:
        return pd.DataFrame(columns=["snapshot_id", "snapshot", "created", *KPI_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["snapshot_id", "snapshot", "created", *KPI_COLUMNS]]


def kpi_table(history: pd.DataFrame, kpi: Kpi, *, names: dict[str, str] | None = None) -> pd.DataFrame:
    """One KPI as a table: a row per segment (all customers last), a column per snapshot, formatted.

    Parameters
    ----------
    history
        From :func:`kpi_history`.
    kpi
        The KPI to show.
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
        ``Segment`` and one text column per snapshot (``n/a (reason)`` where undefined).
    """
    names = {ALL: ALL_NAME, **(names or {})}
    rows = history[history["kpi"] == kpi.key]
    if rows.empty:
        return pd.DataFrame(columns=["Segment"])
    snapshots = list(dict.fromkeys(rows.sort_values(["created", "snapshot_id"])["snapshot"]))
    segments = sorted({s for s in rows["segment"] if s != ALL}, key=lambda s: names.get(s, s)) + [ALL]
    cells = {(r.segment, r.snapshot): (format_kpi(r.value, unit=kpi.unit) if not pd.isna(r.value)
                                       else f"n/a ({r.reason})") for r in rows.itertuples()}
    table = pd.DataFrame({"Segment": [names.get(s, s) for s in segments]})
    for snapshot in snapshots:
        table[snapshot] = [cells.get((s, snapshot), "n/a (segment not in this snapshot)") for s in segments]
    return table


def category_values(snapshot: Snapshot, column: str, *, limit: int = 50) -> list[str]:
    """The most common values of a category column in the snapshot's export (as text), for pickers."""
    if snapshot.data_path is None:
        return []
    con = db.connect()
    try:
        _, data = attach(con, snapshot, alias="values")
        if data is None or column not in data.columns:
            return []
        texts = data.select(v=data[column].cast("string"))
        texts = texts.filter(texts.v.notnull())
        counted = (texts.group_by("v").aggregate(n=texts.count())
                   .order_by([ibis.desc("n"), "v"]).limit(limit).execute())
        return [str(v) for v in counted["v"]]
    finally:
        con.close()
