"""Acquisition cost, revenue, lifetime value and return on investment per segment.

Three ways to know what a customer cost, whatever the data has:

1. **Per-customer cost** (``mode="per_customer"``): a numeric column with role
   ``acquisition_cost``. A segment's spend is the sum of its customers' costs.
2. **Spend per channel** (``mode="channel_spend"``): the file only says which acquisition channel
   won each customer; the user enters what was spent on each channel. A channel's spend is shared
   *equally* among the customers that channel acquired (spend / customers of the channel). When
   a signup date exists and ``Assumptions.restrict_to_period`` is set, only customers who signed up
   inside the spend period count, and the whole analysis covers that cohort (so revenue is never
   compared with spend that did not pay for it). Without a channel column the table has one row,
   :data:`ALL_CHANNELS`, shared by every customer.
3. **No cost data** (``mode="none"``): spend is zero; revenue and LTV are still shown, while CAC,
   LTV:CAC, ROI and payback are undefined ("n/a — no acquisition spend recorded").

Definitions (per segment; the same for a segment x channel cell and for the totals):

- ``customers``: rows; ``spend``: acquisition spend; ``cac`` = spend / customers.
- ``revenue``: sum of the revenue column; ``gross_profit`` = margin x revenue.
- ``aov`` (average order value) = revenue / orders.
- ``tenure_months``: average months from signup to the as-of date (the latest date in the
  file's date columns unless given); each customer counts at least one month.
- ``frequency``: orders per customer **per month** of tenure = orders / customer-months
  (the page shows it per year, x 12).
- ``historic_ltv`` = gross profit per customer to date.
- ``predicted_ltv`` = margin x AOV x frequency x lifetime, i.e. monthly gross profit per customer
  ``m`` times the expected lifetime in months. With a monthly churn rate ``c`` the lifetime is
  ``1 / c``. With an annual discount rate ``r`` (monthly ``d = (1 + r) ** (1/12) - 1``) the value
  is discounted: ``m * (1 - (1 + d) ** -L) / d`` for a lifetime of ``L`` months, or ``m / (c + d)``
  with churn (a customer still active after ``t`` months with probability ``(1 - c) ** t``).
- ``ltv_to_cac`` = predicted LTV / CAC; ``roi`` = (gross profit - spend) / spend (historic);
  ``payback_months`` = CAC / monthly gross profit per customer.

Undefined values are ``NaN`` in the tables; :func:`na_reasons` says why, and
:func:`format_table` shows them as "n/a — <reason>". All per-customer aggregation is one Ibis
query over DuckDB (``customers`` joined with ``segment_labels``); channel spend is joined as a small
in-memory table. Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from segdash.columns import guess_orders_column, guess_spend_column
from segdash.data import Data
from segdash.errors import EconomicsError

#: Default gross margin (share of revenue left after the cost of goods).
DEFAULT_MARGIN = 0.40
#: Default expected customer lifetime in months, when no churn rate is given.
DEFAULT_LIFETIME_MONTHS = 36.0
#: Average days in a month (365.25 / 12).
MONTH_DAYS = 30.4375
#: The single spend row used when the file has no acquisition-channel column.
ALL_CHANNELS = "All customers"
#: Channel shown for customers whose acquisition channel is missing.
NO_CHANNEL = "(not recorded)"
#: Label of the totals row in :func:`format_table`.
TOTAL_LABEL = "All customers"

#: Metric columns of every economics table, in display order.
METRICS = (
    "customers",
    "spend",
    "cac",
    "revenue",
    "gross_profit",
    "orders",
    "aov",
    "frequency",
    "tenure_months",
    "historic_ltv",
    "predicted_ltv",
    "ltv_to_cac",
    "roi",
    "payback_months",
)
#: Columns of the per-segment table (``segment`` + :data:`METRICS`).
SEGMENT_COLUMNS = ("segment", *METRICS)
#: Columns of the segment x channel table.
CHANNEL_COLUMNS = ("segment", "channel", *METRICS)
#: Columns of the budget projection table (see :func:`project_budget`).
PROJECTION_COLUMNS = (
    "key",
    "cac",
    "ltv",
    "current_share",
    "current_spend",
    "current_new_customers",
    "current_return",
    "share",
    "spend",
    "new_customers",
    "return",
    "return_change",
    "roi",
)

#: Plain-word headers for screens and exports.
HEADERS = {
    "segment": "Segment",
    "channel": "Acquisition channel",
    "customers": "Customers",
    "spend": "Acquisition spend",
    "cac": "CAC (cost per customer)",
    "revenue": "Revenue",
    "gross_profit": "Gross profit",
    "orders": "Orders",
    "aov": "Average order value",
    "frequency": "Orders per customer per year",
    "tenure_months": "Months as customer (avg)",
    "historic_ltv": "Gross profit per customer so far",
    "predicted_ltv": "Predicted lifetime value",
    "ltv_to_cac": "LTV : CAC",
    "roi": "ROI to date",
    "payback_months": "Payback (months)",
}

_MONEY = {"spend", "cac", "revenue", "gross_profit", "aov", "historic_ltv", "predicted_ltv"}
_TOTAL_MONEY = {"spend", "revenue", "gross_profit"}
_NAME_HINTS = {
    "signup": ("signup", "sign_up", "sign-up", "joined", "join_date", "registration", "registered",
               "created", "first_purchase", "acquired", "acquisition_date", "since", "start"),
}


@dataclass(frozen=True)
class EconomicsColumns:
    """Which imported columns feed the economics (``None``: the file has no such column).

    Attributes
    ----------
    channel
        Acquisition channel of each customer (text).
    cost
        Acquisition cost of each customer (number); ``None`` in the channel-spend and no-cost modes.
    revenue
        Revenue (total spend) of each customer to date (number).
    orders
        Number of orders of each customer (number).
    signup
        Signup / first purchase date of each customer (date).
    """

    channel: str | None = None
    cost: str | None = None
    revenue: str | None = None
    orders: str | None = None
    signup: str | None = None


@dataclass(frozen=True)
class Assumptions:
    """What the user assumes; every default is shown on screen.

    Attributes
    ----------
    margin
        Gross margin as a fraction, 0-1 (default 0.40 = 40%).
    lifetime_months
        Expected customer lifetime in months (default 36); ignored when ``monthly_churn`` is set.
    monthly_churn
        Share of customers lost per month, 0-1 (optional); lifetime is then ``1 / monthly_churn``.
    annual_discount_rate
        Yearly discount rate for predicted LTV, 0-1 (optional; none by default).
    period_start, period_end
        The period the entered channel spend covers (optional, inclusive).
    restrict_to_period
        Count only customers who signed up inside the period (needs a signup date column).
    as_of
        Date tenure is measured to (default: the latest date in the file's date columns).
    """

    margin: float = DEFAULT_MARGIN
    lifetime_months: float = DEFAULT_LIFETIME_MONTHS
    monthly_churn: float | None = None
    annual_discount_rate: float | None = None
    period_start: date | None = None
    period_end: date | None = None
    restrict_to_period: bool = False
    as_of: date | None = None

    @property
    def expected_lifetime_months(self) -> float:
        """Lifetime used for predicted LTV: ``1 / monthly_churn`` if a churn rate is set."""
        if self.monthly_churn:
            return 1.0 / self.monthly_churn
        return float(self.lifetime_months)


@dataclass
class EconomicsResult:
    """Economics per segment, per segment x channel, per channel, and for everyone.

    Attributes
    ----------
    segments
        One row per segment, columns :data:`SEGMENT_COLUMNS`, largest spend first.
    total
        One row (``segment`` = :data:`TOTAL_LABEL`) over all customers counted.
    by_channel
        Segment x channel rows, columns :data:`CHANNEL_COLUMNS` (empty without a channel column).
    channels
        One row per acquisition channel (column ``channel`` + :data:`METRICS`).
    mode
        ``"per_customer"``, ``"channel_spend"`` or ``"none"``.
    columns, assumptions
        What the figures were computed from.
    as_of
        Date tenure was measured to, if there is a signup date.
    notes
        Plain sentences about how the figures were made (shown under the table).
    warnings
        Problems the user should fix (e.g. spend for a channel with no customer in the period).
    unallocated_spend
        Entered spend that could not be given to any customer (not in ``total``).
    """

    segments: pd.DataFrame
    total: pd.DataFrame
    by_channel: pd.DataFrame
    channels: pd.DataFrame
    mode: str
    columns: EconomicsColumns
    assumptions: Assumptions
    as_of: date | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unallocated_spend: float = 0.0


@dataclass
class BudgetProjection:
    """A linear what-if: the same CAC and LTV, a different budget split.

    Attributes
    ----------
    table
        One row per segment (or channel), columns :data:`PROJECTION_COLUMNS`.
    budget
        Total budget projected.
    notes
        Plain sentences (shares rescaled, rows that cannot be projected, ...).
    """

    table: pd.DataFrame
    budget: float
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, float]:
        """Sums of the projected and current spend, new customers and return (NaN rows skipped)."""
        table = self.table
        return {
            column: float(table[column].sum(min_count=1)) if len(table) else 0.0
            for column in ("current_spend", "current_new_customers", "current_return",
                           "spend", "new_customers", "return")
        }


# -- inputs -------------------------------------------------------------------------------------
def suggest_columns(roles: Mapping[str, str], *, types: Mapping[str, str]) -> EconomicsColumns:
    """Pick the columns to use from the import's roles and types.

    Parameters
    ----------
    roles
        Column -> role (``Workspace.roles``).
    types
        Column -> type (``Workspace.column_types()``).

    Returns
    -------
    EconomicsColumns
        The first matching column for each input, or ``None``.
    """
    def first(role: str, kind: str, hints: Sequence[str] = (), avoid: Sequence[str] = ()) -> str | None:
        candidates = [c for c, r in roles.items() if r == role and types.get(c) == kind]
        for column in candidates:
            lowered = column.lower()
            if any(h in lowered for h in hints) and not any(a in lowered for a in avoid):
                return column
        if hints:
            return None
        return candidates[0] if candidates else None

    channel = next((c for c, r in roles.items() if r == "acquisition_channel" and types.get(c) != "number"), None)
    signup = first("date", "date", _NAME_HINTS["signup"], avoid=("last",))
    if signup is None:
        signup = first("date", "date", ("",), avoid=("last", "recent", "churn", "end"))
    return EconomicsColumns(
        channel=channel,
        cost=first("acquisition_cost", "number"),
        revenue=guess_spend_column(dict(roles), dict(types)),
        orders=guess_orders_column(dict(roles), dict(types)),
        signup=signup,
    )


def text_cost_columns(roles: Mapping[str, str], *, types: Mapping[str, str]) -> list[str]:
    """Columns marked as acquisition cost whose values are not numbers (so they cannot be used).

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    list[str]
        Such columns, in file order.
    """
    return [c for c, r in roles.items() if r == "acquisition_cost" and types.get(c) != "number"]


def check_columns(columns: EconomicsColumns, *, types: Mapping[str, str]) -> None:
    """Check each chosen column has the right type.

    Parameters
    ----------
    columns
        The chosen columns.
    types
        Column -> type.

    Raises
    ------
    EconomicsError
        If a cost, revenue or orders column is not numeric, or the signup column is not a date.
    """
    wanted = {"cost": "number", "revenue": "number", "orders": "number", "signup": "date"}
    what = {"cost": "acquisition cost", "revenue": "revenue", "orders": "number of orders",
            "signup": "signup date"}
    for attr, kind in wanted.items():
        column = getattr(columns, attr)
        if column is None:
            continue
        if column not in types:
            raise EconomicsError(f"The column '{column}' chosen as {what[attr]} is not in the loaded file.")
        if types[column] != kind:
            shown = "text" if types[column] == "text" else types[column]
            need = "amounts (numbers)" if kind == "number" else "dates"
            raise EconomicsError(
                f"The column '{column}' holds {shown}, not {need}, so it cannot be used as "
                f"{what[attr]}. Choose another column, or fix its type on the Data page."
            )


def check_assumptions(assumptions: Assumptions) -> None:
    """Check the assumptions are in range.

    Parameters
    ----------
    assumptions
        What the user set.

    Raises
    ------
    EconomicsError
        If the margin is outside 0-100%, the lifetime is not positive, the churn rate is not in
        (0, 100%], the discount rate is outside 0-100%, or the period ends before it starts.
    """
    a = assumptions
    if not _finite(a.margin) or not 0.0 <= a.margin <= 1.0:
        raise EconomicsError(
            f"Gross margin must be between 0% and 100%; got {_pct_text(a.margin)}. "
            "Enter the share of revenue left after the cost of goods, e.g. 40%."
        )
    if a.monthly_churn is not None and (not _finite(a.monthly_churn) or not 0.0 < a.monthly_churn <= 1.0):
        raise EconomicsError(
            f"Monthly churn must be above 0% and at most 100%; got {_pct_text(a.monthly_churn)}."
        )
    if a.monthly_churn is None and (not _finite(a.lifetime_months) or a.lifetime_months <= 0):
        raise EconomicsError(f"Expected customer lifetime must be more than 0 months; got {a.lifetime_months}.")
    rate = a.annual_discount_rate
    if rate is not None and (not _finite(rate) or not 0.0 <= rate < 1.0):
        raise EconomicsError(f"The yearly discount rate must be between 0% and 100%; got {_pct_text(rate)}.")
    if a.period_start and a.period_end and a.period_start > a.period_end:
        raise EconomicsError(
            f"The spend period ends ({a.period_end}) before it starts ({a.period_start}). Swap the dates."
        )


def parse_amount(value: Any) -> float | None:
    """Read a money amount typed by a person (``"12500"``, ``"$12,500.50"``, ``12.5``).

    Parameters
    ----------
    value
        A number, a string, or empty.

    Returns
    -------
    float or None
        The amount, or ``None`` when the cell is empty.

    Raises
    ------
    ValueError
        If the text is not an amount.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        text = text.strip("$€£¥").strip()
        if not text:
            return None
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(str(value))
    return number


def clean_channel_spend(
    frame: pd.DataFrame | None, *, channels: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Validate a spend-per-channel table typed by a user (or read from a CSV).

    Parameters
    ----------
    frame
        Columns ``channel`` and ``spend`` (other columns are ignored). Empty spend cells mean
        "nothing entered" and are skipped.
    channels
        The acquisition channels present in the data (``[ALL_CHANNELS]`` without a channel column).

    Returns
    -------
    tuple[pandas.DataFrame, list[str]]
        The valid rows (``channel``, ``spend`` as float, one row per channel) and one plain
        sentence per problem (text or negative spend, a channel no customer has, a repeated
        channel). Rows with a problem are left out; the rest can be used.
    """
    problems: list[str] = []
    rows: dict[str, float] = {}
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"channel": pd.Series(dtype=str), "spend": pd.Series(dtype=float)}), problems
    known = {str(c) for c in channels}
    for raw_channel, raw_spend in zip(frame["channel"].tolist(), frame["spend"].tolist(), strict=True):
        channel = "" if raw_channel is None or raw_channel is pd.NA else str(raw_channel).strip()
        if channel.lower() == "nan":
            channel = ""
        try:
            spend = parse_amount(raw_spend)
        except (TypeError, ValueError):
            where = f"for '{channel}'" if channel else "in a row with no channel"
            problems.append(f"Spend {where} is '{raw_spend}', which is not an amount. Type a number such as 12500.")
            continue
        if spend is None:
            continue
        if not channel:
            problems.append(f"A spend of {spend:,.0f} has no channel. Type the channel name or clear the row.")
            continue
        if spend < 0:
            problems.append(f"Spend for '{channel}' is negative ({spend:,.2f}). Enter what was spent, 0 or more.")
            continue
        if channel not in known:
            problems.append(
                f"No customer in the data was acquired through '{channel}', so its spend of {spend:,.0f} "
                "cannot be shared out. Check the spelling against the channel list, or remove the row."
            )
            continue
        if channel in rows:
            problems.append(f"'{channel}' is entered twice; only the first amount is used. Remove the other row.")
            continue
        rows[channel] = spend
    clean = pd.DataFrame({"channel": list(rows), "spend": [float(v) for v in rows.values()]})
    return clean.astype({"channel": str, "spend": float}), problems


def read_channel_spend_csv(path: str | Path) -> pd.DataFrame:
    """Read ``channel,spend`` from a CSV (header names are matched loosely).

    Parameters
    ----------
    path
        CSV file with a channel column and a spend/amount column (or just two columns).

    Returns
    -------
    pandas.DataFrame
        Columns ``channel`` and ``spend`` as text, exactly as written (validate with
        :func:`clean_channel_spend`).

    Raises
    ------
    EconomicsError
        If the file is empty or has fewer than two columns.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as err:
        raise EconomicsError(f"The channel spend file {Path(path).name} is empty.") from err
    if raw.shape[1] < 2:
        raise EconomicsError(
            f"The channel spend file {Path(path).name} needs two columns, channel and spend "
            f"(found {raw.shape[1]})."
        )
    lowered = {str(c).strip().lower(): c for c in raw.columns}
    channel_col = next((lowered[k] for k in lowered if "channel" in k), raw.columns[0])
    spend_col = next((lowered[k] for k in lowered if any(w in k for w in ("spend", "amount", "cost", "budget"))),
                     next(c for c in raw.columns if c != channel_col))
    return pd.DataFrame({"channel": raw[channel_col].str.strip(), "spend": raw[spend_col].str.strip()})


def match_labels_csv(
    data: Data, *, path: str | Path, id_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a labels CSV written by ``python -m segdash segment`` and match it to the loaded customers.

    Nothing is written: the workspace (:meth:`segdash.workspace.Workspace.use_labels_file`) stages
    and commits the labels with a segmentation; it is the one place that does.

    Parameters
    ----------
    data
        The loaded customers.
    path
        CSV with the file's id column (or ``row`` holding ``_row``) and ``segment``.
    id_columns
        The customers' id columns (role ``id``); the first one the labels file has is used,
        else its ``row`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``<data.key>`` and ``segment``: one row per loaded customer.

    Raises
    ------
    EconomicsError
        If the file cannot be read, lacks the columns, or its ids do not match the loaded rows
        one to one.
    """
    from segdash.report.export import restore_cell

    name = Path(path).name
    try:
        labels = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as err:
        raise EconomicsError(f"The labels file {path} does not exist. Write it with 'python -m segdash segment'.") from err
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise EconomicsError(f"The labels file {name} is not a readable CSV.") from err
    if "segment" not in labels.columns:
        raise EconomicsError(f"The labels file {name} has no 'segment' column.")
    id_column = next((c for c in id_columns if c in labels.columns), None)
    key = id_column if id_column is not None else "row"
    if key not in labels.columns:
        wanted = " or ".join(f"'{c}'" for c in [*id_columns, "row"])
        raise EconomicsError(f"The labels file {name} has no {wanted} column to match customers by.")
    customers = data.customers()
    source_key = customers[data.key] if key == "row" else customers[id_column]
    keys = customers.select(_sd_row=customers[data.key], _sd_key=source_key.cast("string"))
    # labels.csv is written by to_safe_csv: undo its apostrophe before "=", "+", "-", "@"
    given = ibis.memtable(pd.DataFrame({"_sd_key": labels[key].map(restore_cell).astype(str).str.strip(),
                                        "_sd_segment": labels["segment"].map(restore_cell).astype(str)}))
    matched = data.backend.execute(keys.join(given, keys._sd_key == given._sd_key).select("_sd_row", "_sd_segment"))
    loaded = int(data.backend.execute(customers.count()))
    if len(matched) != loaded or len(labels) != loaded or matched["_sd_row"].duplicated().any():
        raise EconomicsError(
            f"The labels in {name} do not match the customers in this file: {len(labels):,} labels, "
            f"{loaded:,} customers, {matched['_sd_row'].nunique():,} matched by '{key}'. "
            "Use the labels written for this same file."
        )
    return pd.DataFrame({data.key: matched["_sd_row"].to_numpy(), "segment": matched["_sd_segment"].to_numpy()})


def spend_template(channels: Sequence[str], *, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The spend-entry table: one row per channel, spend empty or as entered before.

    Parameters
    ----------
    channels
        Channels found in the data (:func:`channel_list`).
    previous
        An earlier entry (``channel``, ``spend``); amounts for channels still present are kept.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel`` (text) and ``spend`` (float, 0 where nothing was entered).
    """
    amounts: dict[str, float] = {}
    if previous is not None and len(previous):
        for channel, spend in zip(previous["channel"].astype(str), previous["spend"], strict=True):
            try:
                value = parse_amount(spend)
            except (TypeError, ValueError):
                value = None
            if value is not None:
                amounts[channel] = value
    return pd.DataFrame({"channel": [str(c) for c in channels],
                         "spend": [amounts.get(str(c), 0.0) for c in channels]}).astype({"spend": float})


def channel_list(data: Data, *, channel: str | None) -> list[str]:
    """The acquisition channels present in the data, most customers first.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    channel
        The acquisition-channel column, or ``None`` (then ``[ALL_CHANNELS]``).

    Returns
    -------
    list[str]
    """
    if channel is None:
        return [ALL_CHANNELS]
    table = data.customers()
    value = table[channel].cast("string").fill_null(NO_CHANNEL).name("channel")
    counts = table.select(value).group_by("channel").agg(n=ibis._.count()).order_by([ibis.desc("n"), "channel"])
    return [str(v) for v in counts.execute()["channel"].tolist()]


def date_range(data: Data, *, columns: Sequence[str]) -> tuple[date | None, date | None]:
    """Earliest and latest date over ``columns`` (e.g. to default the spend period and as-of date).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    columns
        Date columns.

    Returns
    -------
    tuple[date | None, date | None]
    """
    if not columns:
        return None, None
    table = data.customers()
    aggs = {}
    for i, column in enumerate(columns):
        aggs[f"lo{i}"] = table[column].cast("date").min()
        aggs[f"hi{i}"] = table[column].cast("date").max()
    row = table.aggregate(**aggs).execute().iloc[0]
    los = [_as_date(row[f"lo{i}"]) for i in range(len(columns))]
    his = [_as_date(row[f"hi{i}"]) for i in range(len(columns))]
    los = [d for d in los if d is not None]
    his = [d for d in his if d is not None]
    return (min(los) if los else None, max(his) if his else None)


# -- the computation ------------------------------------------------------------------------------
def compute_economics(
    data: Data,
    *,
    columns: EconomicsColumns,
    assumptions: Assumptions | None = None,
    channel_spend: pd.DataFrame | None = None,
    date_columns: Sequence[str] = (),
) -> EconomicsResult:
    """CAC, revenue, LTV, ROI and payback per segment, per segment x channel, and in total.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    columns
        The columns to use. With ``columns.cost`` set, costs come from that column.
    assumptions
        Margin, lifetime/churn, discount, spend period (defaults: :class:`Assumptions`).
    channel_spend
        Validated spend per channel (``channel``, ``spend``; see :func:`clean_channel_spend`),
        used when there is no cost column. ``None`` or all zero: no cost data.
    date_columns
        Date columns whose latest value is the as-of date (the signup column is always included).

    Returns
    -------
    EconomicsResult

    Raises
    ------
    EconomicsError
        If an assumption is out of range, a column has the wrong type, both a cost column and
        channel spend are given, spend is negative, or customers have a negative acquisition cost.
    """
    a = assumptions or Assumptions()
    check_assumptions(a)
    if columns.cost is not None and channel_spend is not None and len(channel_spend):
        raise EconomicsError(
            "Costs can come from the cost column or from spend per channel, not both. Choose one."
        )
    spend_table = _spend_table(channel_spend)
    if columns.cost is not None:
        mode = "per_customer"
    elif len(spend_table) and float(spend_table["spend"].sum()) > 0:
        mode = "channel_spend"
    else:
        mode = "none"
    notes: list[str] = []
    warnings: list[str] = []

    as_of = a.as_of
    if columns.signup is not None and as_of is None:
        _, as_of = date_range(data, columns=list(dict.fromkeys([columns.signup, *date_columns])))
    restrict = bool(a.restrict_to_period and columns.signup is not None and (a.period_start or a.period_end))

    cells = _aggregate(data, columns=columns, as_of=as_of, assumptions=a, restrict=restrict,
                       spend_table=spend_table if mode == "channel_spend" else None)

    if mode == "per_customer":
        negative = int(cells["negative_cost"].sum())
        if negative:
            raise EconomicsError(
                f"{negative:,} customers have a negative acquisition cost in '{columns.cost}'. A cost "
                "cannot be below 0: fix those rows in the file, or choose spend per channel instead."
            )
        missing = int(cells["missing_cost"].sum())
        if missing:
            notes.append(f"{missing:,} customers have no acquisition cost in '{columns.cost}'; counted as 0.")
        cells["spend"] = cells["cost_sum"]
    elif mode == "channel_spend":
        allocated = cells.groupby("channel", observed=True)["spend"].sum()
        for channel, amount in zip(spend_table["channel"], spend_table["spend"], strict=True):
            if amount > 0 and float(allocated.get(channel, 0.0)) == 0.0:
                where = " who signed up in the spend period" if restrict else ""
                warnings.append(
                    f"No customer{where} was acquired through '{channel}', so its spend of "
                    f"{amount:,.0f} is left out of the figures."
                )
        unallocated = float(spend_table["spend"].sum() - cells["spend"].sum())
        notes.append(
            "Each channel's spend is shared equally among the customers that channel acquired"
            + (" who signed up in the spend period." if restrict else ".")
        )
    else:
        cells["spend"] = 0.0
        notes.append("No acquisition cost is recorded, so CAC, ROI, LTV:CAC and payback cannot be worked out.")
    if mode != "channel_spend":
        unallocated = 0.0
    if restrict:
        notes.append(
            f"Only customers who signed up between {a.period_start or 'the start'} and "
            f"{a.period_end or 'the end'} are counted ({int(cells['customers'].sum()):,} customers)."
        )
    if columns.revenue is None:
        notes.append("No revenue column is chosen, so revenue, profit, LTV and ROI cannot be worked out.")
    if columns.signup is None:
        notes.append("No signup date column is chosen, so purchase frequency, predicted LTV and payback "
                     "cannot be worked out.")

    segment_list = _segment_list(data) if restrict else sorted(cells["segment"].unique().tolist())
    by_segment = _rollup(cells, ["segment"])
    by_segment = (
        pd.DataFrame({"segment": segment_list}).merge(by_segment, on="segment", how="left")
        if len(segment_list) else by_segment
    )
    by_segment = _derive(by_segment, columns=columns, assumptions=a)
    by_segment = by_segment.sort_values(["spend", "customers", "segment"], ascending=[False, False, True],
                                        kind="stable").reset_index(drop=True)
    total = _derive(_rollup(cells.assign(segment=TOTAL_LABEL), ["segment"]), columns=columns, assumptions=a)
    if total.empty:
        total = _derive(pd.DataFrame({"segment": [TOTAL_LABEL]}), columns=columns, assumptions=a)
    if columns.channel is not None:
        by_channel = _derive(_rollup(cells, ["segment", "channel"]), columns=columns, assumptions=a)
        channels = _derive(_rollup(cells, ["channel"]), columns=columns, assumptions=a)
    else:
        by_channel = _derive(pd.DataFrame(columns=["segment", "channel"]), columns=columns, assumptions=a)
        channels = _derive(pd.DataFrame(columns=["channel"]), columns=columns, assumptions=a)
    by_channel = by_channel.sort_values(["segment", "channel"], kind="stable").reset_index(drop=True)
    channels = channels.sort_values(["spend", "channel"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return EconomicsResult(
        segments=by_segment[list(SEGMENT_COLUMNS)],
        total=total[list(SEGMENT_COLUMNS)],
        by_channel=by_channel[list(CHANNEL_COLUMNS)],
        channels=channels[["channel", *METRICS]],
        mode=mode,
        columns=columns,
        assumptions=a,
        as_of=as_of,
        notes=notes,
        warnings=warnings,
        unallocated_spend=round(unallocated, 6),
    )


def _spend_table(channel_spend: pd.DataFrame | None) -> pd.DataFrame:
    if channel_spend is None or len(channel_spend) == 0:
        return pd.DataFrame({"channel": pd.Series(dtype=str), "spend": pd.Series(dtype=float)})
    table = pd.DataFrame({"channel": channel_spend["channel"].astype(str),
                          "spend": pd.to_numeric(channel_spend["spend"], errors="coerce")})
    if table["spend"].isna().any():
        raise EconomicsError("Some channel spend is not an amount. Enter numbers only.")
    if (table["spend"] < 0).any():
        raise EconomicsError("Channel spend cannot be negative. Enter what was spent, 0 or more.")
    if table["channel"].duplicated().any():
        raise EconomicsError("A channel is entered twice in the spend table. Keep one row per channel.")
    return table.reset_index(drop=True)


def _aggregate(
    data: Data,
    *,
    columns: EconomicsColumns,
    as_of: date | None,
    assumptions: Assumptions,
    restrict: bool,
    spend_table: pd.DataFrame | None,
) -> pd.DataFrame:
    """The one pass over customers: sums per (segment, channel), with channel spend allocated."""
    customers = data.customers()
    labels = data.segment_labels()
    labels = labels.select(_sd_row=labels[data.key], segment=labels["segment"].cast("string"))
    zero = ibis.literal(0.0, type="float64")

    def number(column: str | None) -> ibis.Value:
        return customers[column].cast("float64") if column is not None else ibis.null("float64")

    if columns.channel is not None:
        channel = customers[columns.channel].cast("string").fill_null(NO_CHANNEL)
    else:
        channel = ibis.literal(ALL_CHANNELS, type="string")
    if columns.signup is not None and as_of is not None:
        signup = customers[columns.signup].cast("date")
        days = ibis.literal(as_of, type="date").delta(signup, unit="day").cast("float64")
        tenure = ibis.greatest(days / MONTH_DAYS, ibis.literal(1.0))
    else:
        signup = ibis.null("date")
        tenure = ibis.null("float64")
    per_customer = customers.select(
        _sd_row=customers[data.key],
        channel=channel,
        cost=number(columns.cost),
        revenue=number(columns.revenue),
        orders=number(columns.orders),
        signup=signup,
        tenure=tenure,
    )
    if restrict:
        if assumptions.period_start is not None:
            per_customer = per_customer.filter(per_customer.signup >= ibis.literal(assumptions.period_start, "date"))
        if assumptions.period_end is not None:
            per_customer = per_customer.filter(per_customer.signup <= ibis.literal(assumptions.period_end, "date"))
    joined = labels.join(per_customer, "_sd_row")
    dated = joined.tenure.notnull()
    sums: dict[str, ibis.Value] = {"customers": joined.count()}
    if columns.cost is not None:
        sums.update(cost_sum=joined.cost.sum().fill_null(zero),
                    negative_cost=(joined.cost < 0).sum().fill_null(0),
                    missing_cost=joined.cost.isnull().sum().fill_null(0))
    if columns.revenue is not None:
        sums["revenue"] = joined.revenue.sum().fill_null(zero)
    if columns.orders is not None:
        sums["orders"] = joined.orders.sum().fill_null(zero)
    if columns.signup is not None and as_of is not None:
        sums.update(dated_customers=dated.sum().fill_null(0), tenure=joined.tenure.sum().fill_null(zero))
        if columns.revenue is not None:
            sums["dated_revenue"] = joined.revenue.sum(where=dated).fill_null(zero)
        if columns.orders is not None:
            sums["dated_orders"] = joined.orders.sum(where=dated).fill_null(zero)
    cells = joined.group_by(["segment", "channel"]).aggregate(**sums)
    if spend_table is not None and len(spend_table):
        spend = ibis.memtable(pd.DataFrame({"_sd_channel": spend_table["channel"].astype(str),
                                            "_sd_spend": spend_table["spend"].astype(float)}))
        withspend = cells.left_join(spend, cells.channel == spend._sd_channel)
        channel_customers = withspend.customers.sum().over(group_by=withspend.channel)
        cells = withspend.select(
            *[withspend[c] for c in cells.columns],
            spend=(withspend._sd_spend.fill_null(zero) * withspend.customers / channel_customers),
        )
    else:
        cells = cells.mutate(spend=zero)
    frame = cells.execute()
    for column in ("customers", "negative_cost", "missing_cost", "dated_customers"):
        frame[column] = frame[column].astype("int64") if column in frame.columns else 0
    for column in ("cost_sum", "revenue", "orders", "tenure", "dated_revenue", "dated_orders", "spend"):
        frame[column] = frame[column].astype("float64") if column in frame.columns else 0.0
    frame["segment"] = frame["segment"].astype(str)
    frame["channel"] = frame["channel"].astype(str)
    return frame


_SUMS = ("customers", "spend", "revenue", "orders", "dated_customers", "tenure", "dated_revenue", "dated_orders")


def _rollup(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum the (small) aggregate table over ``keys``."""
    if cells.empty:
        return pd.DataFrame(columns=[*keys, *_SUMS])
    return cells.groupby(keys, as_index=False, observed=True, sort=True)[list(_SUMS)].sum()


def _derive(frame: pd.DataFrame, *, columns: EconomicsColumns, assumptions: Assumptions) -> pd.DataFrame:
    """Ratios from sums; NaN wherever a ratio is undefined (see :func:`na_reasons`)."""
    keys = {k: frame[k].astype(str).to_numpy(dtype=object) for k in ("segment", "channel") if k in frame.columns}
    sums = {}
    for column in _SUMS:
        values = frame[column] if column in frame.columns else pd.Series(np.nan, index=frame.index)
        sums[column] = np.nan_to_num(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), nan=0.0)
    a = assumptions
    n = sums["customers"]
    spend = sums["spend"]
    tenure = sums["tenure"]
    has_n = n > 0
    has_spend = has_n & (spend > 0)
    has_revenue = has_n & (columns.revenue is not None)
    has_orders = has_revenue & (columns.orders is not None) & (sums["orders"] > 0)
    has_tenure = has_n & (columns.signup is not None) & (tenure > 0)
    nan = np.nan

    def ratio(top: np.ndarray, bottom: np.ndarray, ok: np.ndarray) -> np.ndarray:
        return np.where(ok, top / np.where(ok, bottom, 1.0), nan)

    revenue = sums["revenue"] if columns.revenue is not None else np.full(len(n), nan)
    orders = sums["orders"] if columns.orders is not None else np.full(len(n), nan)
    gross_profit = np.where(has_revenue, revenue * a.margin, nan)
    cac = ratio(spend, n, has_spend)
    monthly_profit = ratio(a.margin * sums["dated_revenue"], tenure, has_tenure & has_revenue)
    predicted_ltv = monthly_profit * _lifetime_factor(a)
    paying = has_spend & (np.nan_to_num(monthly_profit, nan=0.0) > 0)
    out = pd.DataFrame({
        **keys,
        "customers": n.astype("int64"),
        "spend": spend,
        "cac": cac,
        "revenue": revenue,
        "gross_profit": gross_profit,
        "orders": orders,
        "aov": ratio(revenue, orders, has_orders),
        "frequency": ratio(sums["dated_orders"], tenure, has_tenure & (columns.orders is not None)),
        "tenure_months": ratio(tenure, sums["dated_customers"], has_tenure & (sums["dated_customers"] > 0)),
        "historic_ltv": ratio(gross_profit, n, has_revenue),
        "predicted_ltv": predicted_ltv,
        "ltv_to_cac": ratio(predicted_ltv, cac, has_spend),
        "roi": ratio(gross_profit - spend, spend, has_spend & has_revenue),
        "payback_months": ratio(cac, monthly_profit, paying),
    }, columns=[*keys, *METRICS])
    for key in keys:
        out[key] = out[key].astype(str)
    return out


def _lifetime_factor(a: Assumptions) -> float:
    """Months of (discounted) monthly profit a customer is worth: the L in ``m x L``."""
    rate = a.annual_discount_rate or 0.0
    monthly = (1.0 + rate) ** (1.0 / 12.0) - 1.0
    if a.monthly_churn:
        return 1.0 / (a.monthly_churn + monthly)
    lifetime = float(a.lifetime_months)
    if monthly <= 0:
        return lifetime
    return (1.0 - (1.0 + monthly) ** -lifetime) / monthly


def _segment_list(data: Data) -> list[str]:
    labels = data.segment_labels()
    return sorted(str(v) for v in labels.select(segment=labels["segment"].cast("string")).distinct()
                  .execute()["segment"].tolist())


# -- n/a reasons and formatting -----------------------------------------------------------------
def na_reasons(frame: pd.DataFrame, *, columns: EconomicsColumns) -> pd.DataFrame:
    """Why each undefined value is undefined.

    Parameters
    ----------
    frame
        A table from :class:`EconomicsResult` (segments, total, by_channel or channels).
    columns
        The columns the figures came from.

    Returns
    -------
    pandas.DataFrame
        Same index and metric columns as ``frame``: a short reason where the value is NaN,
        ``""`` elsewhere.
    """
    customers = pd.to_numeric(frame["customers"], errors="coerce").fillna(0).to_numpy() if len(frame) else []
    spend = pd.to_numeric(frame["spend"], errors="coerce").fillna(0).to_numpy() if len(frame) else []
    reasons = {}
    for metric in [c for c in METRICS if c in frame.columns]:
        missing = pd.isna(frame[metric]).to_numpy()
        reason = np.where(np.asarray(spend) > 0, _static_reason(metric, columns), "no acquisition spend recorded") \
            if metric in _NEEDS_SPEND else np.full(len(frame), _static_reason(metric, columns), dtype=object)
        reason = np.where(np.asarray(customers) > 0, reason, "no customers")
        reasons[metric] = np.where(missing, reason, "").astype(object)
    return pd.DataFrame(reasons, index=frame.index)


_NEEDS_SPEND = frozenset({"cac", "roi", "ltv_to_cac", "payback_months"})
_NEEDS_REVENUE = frozenset({"revenue", "gross_profit", "aov", "historic_ltv", "predicted_ltv", "roi",
                            "payback_months", "ltv_to_cac"})
_NEEDS_TENURE = frozenset({"frequency", "tenure_months", "predicted_ltv", "payback_months", "ltv_to_cac"})


def _static_reason(metric: str, columns: EconomicsColumns) -> str:
    """The reason for a missing value once customers and spend are known to exist."""
    if metric in _NEEDS_REVENUE and columns.revenue is None:
        return "no revenue column chosen"
    if metric in {"orders", "aov", "frequency"} and columns.orders is None:
        return "no orders column chosen"
    if metric in _NEEDS_TENURE and columns.signup is None:
        return "no signup date to measure how long they have been customers"
    if metric == "aov":
        return "no orders recorded"
    if metric == "payback_months":
        return "no gross profit yet, so the cost is never paid back"
    return "not enough data"


def format_value(value: Any, *, metric: str) -> str:
    """One number as shown on screen (thousands separators, %, x, months).

    Parameters
    ----------
    value
        The number (NaN / None give ``"n/a"``).
    metric
        A name from :data:`METRICS`.

    Returns
    -------
    str
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    value = float(value)
    if metric == "customers":
        return f"{value:,.0f}"
    if metric == "roi":
        return f"{value * 100:+,.0f}%"
    if metric == "ltv_to_cac":
        return f"{value:,.1f} : 1"
    if metric in ("payback_months", "tenure_months"):
        return f"{value:,.1f}"
    if metric == "frequency":
        return f"{value * 12:,.1f}"
    if metric == "orders":
        return f"{value:,.0f}"
    if metric in _TOTAL_MONEY:
        return f"{value:,.0f}"
    if metric in _MONEY:
        return f"{value:,.2f}"
    return f"{value:,.2f}"


def format_table(
    frame: pd.DataFrame,
    *,
    columns: EconomicsColumns,
    names: Mapping[str, str] | None = None,
    metrics: Sequence[str] = METRICS,
) -> pd.DataFrame:
    """A display copy: formatted numbers, "n/a — reason" for undefined values, plain headers.

    Parameters
    ----------
    frame
        A table from :class:`EconomicsResult`.
    columns
        The columns the figures came from (for the reasons).
    names
        Segment label -> display name.
    metrics
        Which metric columns to show, in order.

    Returns
    -------
    pandas.DataFrame
        Text cells with the headers of :data:`HEADERS`.
    """
    reasons = na_reasons(frame, columns=columns)
    out = pd.DataFrame(index=frame.index)
    for key in ("segment", "channel"):
        if key in frame.columns:
            values = frame[key].astype(str)
            out[HEADERS[key]] = values.map(lambda v: (names or {}).get(v, v)) if key == "segment" else values
    for metric in metrics:
        out[HEADERS[metric]] = [
            f"n/a — {reason}" if reason else format_value(value, metric=metric)
            for value, reason in zip(frame[metric].tolist(), reasons[metric].tolist(), strict=True)
        ]
    return out.reset_index(drop=True)


#: Export headers that differ from :data:`HEADERS` (the number is not the one shown as text).
EXPORT_HEADERS = {**HEADERS, "roi": "ROI to date (%)", "ltv_to_cac": "LTV : CAC (times)"}


def export_table(
    frame: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    metrics: Sequence[str] = METRICS,
) -> pd.DataFrame:
    """A numeric copy for CSV export: plain headers, segment names, empty cells where undefined.

    Unlike :func:`format_table` the cells stay numbers (no separators, no "n/a — reason" text),
    in the same units as the screen: ROI in percent, orders per customer per year.

    Parameters
    ----------
    frame
        A table from :class:`EconomicsResult` (e.g. :func:`with_total`).
    names
        Segment label -> display name.
    metrics
        Which metric columns to export, in order.

    Returns
    -------
    pandas.DataFrame
        Columns ``Segment`` (and ``Acquisition channel`` when present) then one column per metric
        headed by :data:`EXPORT_HEADERS` (customers a whole number, the rest floats); undefined
        values are missing (empty in a CSV).
    """
    out = pd.DataFrame(index=frame.index)
    for key in ("segment", "channel"):
        if key in frame.columns:
            values = frame[key].astype(str)
            out[EXPORT_HEADERS[key]] = values.map(lambda v: (names or {}).get(v, v)) if key == "segment" else values
    scale = {"roi": 100.0, "frequency": 12.0}
    for metric in metrics:
        values = pd.to_numeric(frame[metric], errors="coerce").astype(float)
        values = values.where(np.isfinite(values)) * scale.get(metric, 1.0)
        out[EXPORT_HEADERS[metric]] = values.round().astype("Int64") if metric == "customers" else values
    return out.reset_index(drop=True)


def with_total(result: EconomicsResult) -> pd.DataFrame:
    """The per-segment table with the totals row last (for display and export).

    Parameters
    ----------
    result
        From :func:`compute_economics`.

    Returns
    -------
    pandas.DataFrame
        ``result.segments`` then ``result.total``.
    """
    return pd.concat([result.segments, result.total], ignore_index=True)


def to_records(result: EconomicsResult) -> list[dict[str, Any]]:
    """Per-segment figures as plain dicts (the ``roi --json`` shape; ``None`` when undefined).

    Parameters
    ----------
    result
        From :func:`compute_economics`.

    Returns
    -------
    list[dict]
        Keys ``segment, customers, spend, cac, revenue, ltv, ltv_to_cac, roi, payback_months``;
        ``ltv`` is the predicted LTV.
    """
    records = []
    for row in result.segments.to_dict("records"):
        records.append({
            "segment": str(row["segment"]),
            "customers": int(row["customers"]),
            "spend": _clean(row["spend"]),
            "cac": _clean(row["cac"]),
            "revenue": _clean(row["revenue"]),
            "ltv": _clean(row["predicted_ltv"]),
            "ltv_to_cac": _clean(row["ltv_to_cac"]),
            "roi": _clean(row["roi"]),
            "payback_months": _clean(row["payback_months"]),
        })
    return records


# -- budget what-if -------------------------------------------------------------------------------
def current_shares(table: pd.DataFrame, *, key: str = "segment") -> dict[str, float]:
    """Each row's share (%) of today's acquisition spend, rounded to 0.1 and summing to 100.

    Parameters
    ----------
    table
        ``EconomicsResult.segments`` or ``.channels``.
    key
        ``"segment"`` or ``"channel"``.

    Returns
    -------
    dict[str, float]
        Key -> percent. Equal shares when no spend is recorded.
    """
    exact = exact_shares(table, key=key)
    if not exact:
        return {}
    keys, raw = list(exact), np.array(list(exact.values()), dtype=float)
    rounded = np.round(raw, 1)
    rounded[int(np.argmax(raw))] += round(100.0 - float(rounded.sum()), 1)
    return {k: round(float(v), 1) for k, v in zip(keys, rounded, strict=True)}


def exact_shares(table: pd.DataFrame, *, key: str = "segment") -> dict[str, float]:
    """Each row's share (%) of today's acquisition spend, unrounded (the what-if's starting split).

    Parameters
    ----------
    table
        ``EconomicsResult.segments`` or ``.channels``.
    key
        ``"segment"`` or ``"channel"``.

    Returns
    -------
    dict[str, float]
        Key -> percent (adds up to 100); equal shares when no spend is recorded.
    """
    keys = [str(k) for k in table[key].tolist()]
    if not keys:
        return {}
    spend = pd.to_numeric(table["spend"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    total = float(spend.sum())
    raw = spend / total * 100.0 if total > 0 else np.full(len(keys), 100.0 / len(keys))
    return {k: float(v) for k, v in zip(keys, raw, strict=True)}


def rebalance_shares(shares: Mapping[str, float], *, changed: str, value: float) -> dict[str, float]:
    """Set one share and rescale the others so that all of them still add up to 100%.

    The others keep their proportions to each other; when they are all 0 they share the rest equally.

    Parameters
    ----------
    shares
        Key -> percent before the change.
    changed
        The key the user moved.
    value
        Its new percent (clipped to 0-100).

    Returns
    -------
    dict[str, float]
        Key -> percent, adding up to 100 (a single key always gets 100).
    """
    value = min(max(float(value), 0.0), 100.0)
    others = [k for k in shares if k != changed]
    if not others:
        return {changed: 100.0}
    rest = 100.0 - value
    before = sum(max(float(shares[k]), 0.0) for k in others)
    result = {changed: value}
    for k in others:
        result[k] = rest * max(float(shares[k]), 0.0) / before if before > 0 else rest / len(others)
    return {k: result[k] for k in shares}


@dataclass
class SplitSuggestion:
    """A budget split that puts money where each unit spent returns most, within a cap per row.

    Attributes
    ----------
    shares
        Key -> percent (adds up to 100).
    reasons
        One plain sentence per row: its return per unit spent and why it got its share.
    """

    shares: dict[str, float]
    reasons: list[str] = field(default_factory=list)


def suggest_split(table: pd.DataFrame, *, cap: float = 50.0, key: str = "segment",
                  names: Mapping[str, str] | None = None) -> SplitSuggestion:
    """Fill the budget, best return per unit spent first, no row above ``cap`` percent.

    Return per unit spent is lifetime gross profit per customer ÷ cost per customer (predicted LTV
    ÷ CAC; gross profit so far ÷ CAC without a signup date). Under a linear projection every unit
    is best spent on the highest ratio, so the best row gets the cap, the next the cap, and so on
    until 100% is given; rows whose return is unknown get nothing.

    Parameters
    ----------
    table
        ``EconomicsResult.segments`` or ``.channels``.
    cap
        Most any one row may get, in percent (above 0, at most 100).
    key
        ``"segment"`` or ``"channel"``.
    names
        Key -> display name, for the sentences.

    Returns
    -------
    SplitSuggestion

    Raises
    ------
    EconomicsError
        If the cap is not above 0 and at most 100, no row has a known return per unit spent, or
        the rows with one cannot take the whole budget under the cap.
    """
    if cap is None or not _finite(cap) or not 0 < float(cap) <= 100:
        raise EconomicsError(f"The most one {key} may get must be above 0% and at most 100%; got {cap}.")
    cap = float(cap)
    keys = [str(k) for k in table[key].tolist()]
    cac = pd.to_numeric(table["cac"], errors="coerce").to_numpy(dtype=float)
    ltv = pd.to_numeric(table["predicted_ltv"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(ltv).all():
        ltv = pd.to_numeric(table["historic_ltv"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isfinite(cac) & (cac > 0), ltv / cac, np.nan)
    known = [i for i in np.argsort(-np.nan_to_num(ratio, nan=-np.inf), kind="stable") if np.isfinite(ratio[i])]
    if not known:
        raise EconomicsError("No split can be suggested: the return per unit spent is not known for any "
                             f"{key} (enter the acquisition spend and choose a revenue column first).")
    if cap * len(known) < 100.0 - 1e-9:
        raise EconomicsError(
            f"With at most {cap:,.0f}% each, the {len(known)} {key}s whose return is known can take only "
            f"{cap * len(known):,.0f}% of the budget. Raise the limit to at least {math.ceil(100 / len(known))}%.")
    shares = dict.fromkeys(keys, 0.0)
    left = 100.0
    reasons = []
    shown = names or {}
    for i in known:
        give = min(cap, left)
        shares[keys[i]] = give
        left -= give
        per_unit = f"returns {ratio[i]:,.2f} for every 1 spent"
        if give >= cap:
            why = f"gets the most allowed, {give:,.0f}%"
        elif give > 0:
            why = f"gets the {give:,.0f}% left"
        else:
            why = "gets nothing: the budget is used up on better returns"
        reasons.append(f"'{shown.get(keys[i], keys[i])}' {per_unit}: it {why}.")
    for k, r in zip(keys, ratio, strict=True):
        if not np.isfinite(r):
            reasons.append(f"'{shown.get(k, k)}' gets nothing: its return per unit spent is not known.")
    return SplitSuggestion(shares=shares, reasons=reasons)


def project_budget(
    table: pd.DataFrame,
    *,
    budget: float,
    shares: Mapping[str, float],
    key: str = "segment",
    names: Mapping[str, str] | None = None,
) -> BudgetProjection:
    """Linear projection of a budget split: new customers = spend / CAC, return = new customers x LTV.

    The current split is each row's share of today's spend applied to the same ``budget``, so
    both columns answer "what would this budget buy?". CAC and LTV stay as measured (a linear
    projection: no saturation, no new channels).

    Parameters
    ----------
    table
        ``EconomicsResult.segments`` (``key="segment"``) or ``.channels`` (``key="channel"``).
    budget
        Total acquisition budget, >= 0.
    shares
        Key -> share of the budget in percent. They should add up to 100; otherwise they are
        rescaled to 100 and a note says so. Missing keys count as 0.
    key
        The key column.
    names
        Key -> display name, used in the notes (the segments' names rather than their labels).

    Returns
    -------
    BudgetProjection
        ``return`` is lifetime gross profit (predicted LTV; gross profit per customer so far when
        there is no signup date). Rows without a CAC cannot be projected: NaN, with a note.

    Raises
    ------
    EconomicsError
        If the budget or a share is negative or not a number, or every share is 0.
    """
    if budget is None or not _finite(budget) or budget < 0:
        raise EconomicsError(f"The budget must be an amount of 0 or more; got {budget}.")
    keys = [str(k) for k in table[key].tolist()]
    given = {}
    for k in keys:
        value = shares.get(k, 0.0)
        if value is None or not _finite(value) or value < 0:
            raise EconomicsError(f"The share for '{k}' must be a percent of 0 or more; got {value}.")
        given[k] = float(value)
    unknown = [k for k in shares if str(k) not in given and float(shares[k] or 0) > 0]
    notes: list[str] = []
    if unknown:
        notes.append(f"Shares for {', '.join(map(repr, unknown))} are ignored: no such {key} in the data.")
    share_sum = sum(given.values())
    if keys and share_sum <= 0:
        raise EconomicsError("Every share is 0%. Give at least one segment a share of the budget.")
    share = np.array([given[k] for k in keys], dtype=float)
    if keys and abs(share_sum - 100.0) > 0.05:
        notes.append(f"The shares add up to {share_sum:,.1f}%, not 100%; they were scaled to 100%.")
        share = share / share_sum * 100.0
    exact = exact_shares(table, key=key)
    current = np.array([exact[k] for k in keys], dtype=float) if keys else share
    today_spend = pd.to_numeric(table["spend"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    today_total = float(today_spend.sum())
    cac = pd.to_numeric(table["cac"], errors="coerce").to_numpy(dtype=float)
    ltv = pd.to_numeric(table["predicted_ltv"], errors="coerce").to_numpy(dtype=float)
    if keys and np.isnan(ltv).all():
        ltv = pd.to_numeric(table["historic_ltv"], errors="coerce").to_numpy(dtype=float)
        if np.isnan(ltv).all():
            notes.append("Without revenue per customer the return of new customers cannot be projected: "
                         "only how many customers the budget buys. Choose a revenue column to see the return.")
        else:
            notes.append("Without a signup date there is no predicted LTV; the return uses gross profit per "
                         "customer so far.")
    projectable = np.isfinite(cac) & (cac > 0)
    lost = [k for k, ok, s in zip(keys, projectable, share, strict=True) if not ok and s > 0]
    if lost:
        shown = [f"'{(names or {}).get(k, k)}'" for k in lost]
        if not projectable.any():
            notes.append("Nothing can be projected: no cost per customer is known for any "
                         f"{key} (no acquisition spend recorded). Enter the acquisition spend above first.")
        else:
            whose = "its budget share buys" if len(lost) == 1 else "their budget shares buy"
            notes.append(
                f"{', '.join(shown)} cannot be projected: no cost per customer is known "
                f"(no acquisition spend or no customers), so {whose} no counted customers."
            )
    safe_cac = np.where(projectable, cac, 1.0)
    spend = budget * share / 100.0
    current_spend = budget * current / 100.0
    new = np.where(projectable, spend / safe_cac, np.nan)
    current_new = np.where(projectable, current_spend / safe_cac, np.nan)
    if today_total > 0 and keys:
        # Scale today's own figures where there are some: with today's budget and today's split both
        # ratios are exactly 1, so the projection is today's spend, customers and return, not a
        # re-derivation that differs in the last digit.
        customers = pd.to_numeric(table["customers"], errors="coerce").to_numpy(dtype=float)
        measured = projectable & (today_spend > 0) & (current > 0)
        budget_ratio = float(budget) / today_total
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = budget_ratio * (share / np.where(current > 0, current, 1.0))
        spend = np.where(measured, today_spend * factor, spend)
        current_spend = np.where(measured, today_spend * budget_ratio, current_spend)
        new = np.where(measured, customers * factor, new)
        current_new = np.where(measured, customers * budget_ratio, current_new)
    returns = new * ltv
    current_returns = current_new * ltv
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(spend > 0, (returns - spend) / np.where(spend > 0, spend, 1.0), np.nan)
    projection = pd.DataFrame({
        "key": keys,
        "cac": cac,
        "ltv": ltv,
        "current_share": current,
        "current_spend": current_spend,
        "current_new_customers": current_new,
        "current_return": current_returns,
        "share": share,
        "spend": spend,
        "new_customers": new,
        "return": returns,
        "return_change": returns - current_returns,
        "roi": roi,
    }, columns=list(PROJECTION_COLUMNS))
    return BudgetProjection(table=projection, budget=float(budget), notes=notes)


def format_projection(projection: BudgetProjection, *, names: Mapping[str, str] | None = None,
                      key_header: str = "Segment") -> pd.DataFrame:
    """A display copy of a budget projection (shares in %, money and customers rounded).

    Parameters
    ----------
    projection
        From :func:`project_budget`.
    names
        Key -> display name.
    key_header
        Header of the key column ("Segment" or "Acquisition channel").

    Returns
    -------
    pandas.DataFrame
        Text cells; "n/a — no cost per customer known" where a row cannot be projected.
    """
    table = projection.table
    na = "n/a — no cost per customer known"

    def money(value: Any) -> str:
        return f"{float(value):,.0f}" if _finite(value) else na

    def count(value: Any) -> str:
        return f"{float(value):,.0f}" if _finite(value) else na

    return pd.DataFrame({
        key_header: [(names or {}).get(str(k), str(k)) for k in table["key"]],
        "Current share": [f"{v:,.1f}%" for v in table["current_share"]],
        "What-if share": [f"{v:,.1f}%" for v in table["share"]],
        "What-if spend": [money(v) for v in table["spend"]],
        "New customers now": [count(v) for v in table["current_new_customers"]],
        "New customers what-if": [count(v) for v in table["new_customers"]],
        "Return now": [money(v) for v in table["current_return"]],
        "Return what-if": [money(v) for v in table["return"]],
        "Change in return": [f"{float(v):+,.0f}" if _finite(v) else na for v in table["return_change"]],
    })


# -- small helpers ------------------------------------------------------------------------------
def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _pct_text(value: Any) -> str:
    try:
        return f"{float(value) * 100:,.1f}%"
    except (TypeError, ValueError):
        return repr(value)


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return round(number, 6) if math.isfinite(number) else None


def _as_date(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def assumptions_with(assumptions: Assumptions, **changes: Any) -> Assumptions:
    """Copy of ``assumptions`` with ``changes`` (a convenience for pages and the CLI).

    Parameters
    ----------
    assumptions
        The assumptions to copy.
    **changes
        Fields to change.

    Returns
    -------
    Assumptions
    """
    return replace(assumptions, **changes)


# -- the Acquisition & ROI page's inputs, as saved with a snapshot ------------------------------------------
#: Prefix of the Acquisition & ROI page's input keys (``segdash.ui.roi.PREFIX``). A saved snapshot keeps
#: those inputs under ``record["inputs"]["roi"]`` as ``{prefix + field: value}`` (JSON values only).
SAVED_INPUTS_PREFIX = "segdash.roi."
_NONE_PICKED = "(none)"


@dataclass(frozen=True)
class SavedEconomics:
    """The economics settings read back from the page's saved inputs.

    Attributes
    ----------
    columns
        The columns to use (the page's pickers; a picker left alone is the suggestion).
    assumptions
        Margin, lifetime or churn, discount (an out-of-range entry falls back to the default, as on the page).
    spend
        The spend boxes as saved: ``<data id>.<channel>`` -> amount (see :meth:`channel_spend`).
    notes
        Plain sentences about entries that could not be used.
    """

    columns: EconomicsColumns
    assumptions: Assumptions
    spend: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def channel_spend(self, *, channels: Sequence[str]) -> pd.DataFrame | None:
        """The entered spend for ``channels`` (validated as the page does), or ``None`` when none applies.

        The page keeps one box per loaded file and channel (``<data id>.<channel>``); the file whose
        boxes name most of ``channels`` is used (the last saved on a tie), never a sum over files.
        """
        if self.columns.cost is not None or not self.spend:
            return None
        by_file: dict[str, dict[str, float]] = {}
        for key, amount in self.spend.items():
            for channel in channels:
                if key.endswith("." + str(channel)):
                    by_file.setdefault(key[: -len(str(channel)) - 1], {})[str(channel)] = amount
        if not by_file:
            return None
        best = max(len(found) for found in by_file.values())
        chosen = [found for found in by_file.values() if len(found) == best][-1]
        frame = pd.DataFrame({"channel": list(chosen), "spend": list(chosen.values())})
        clean, _ = clean_channel_spend(frame, channels=channels)
        return clean if len(clean) and float(clean["spend"].sum()) > 0 else None


def saved_economics(values: Mapping[str, Any] | None, *, roles: Mapping[str, str], types: Mapping[str, str],
                    prefix: str = SAVED_INPUTS_PREFIX) -> SavedEconomics:
    """What the Acquisition & ROI page's saved inputs mean for :func:`compute_economics`.

    The same fall-backs as the page: a picker never touched is the column :func:`suggest_columns`
    picks, a column this export does not have (or of the wrong type) is dropped with a note, and an
    assumption out of range is replaced by its default with a note. The spend period is not kept
    with a snapshot, so saved spend is spread over everyone, as the page does by default.

    Parameters
    ----------
    values
        ``record["inputs"]["roi"]`` of a saved snapshot, or the live page inputs (``None``: defaults).
    roles, types
        The export's column roles and types.
    prefix
        The key prefix of the page's inputs.

    Returns
    -------
    SavedEconomics
    """
    values = {str(k)[len(prefix):]: v for k, v in (values or {}).items() if str(k).startswith(prefix)}
    suggested = suggest_columns(roles, types=types)
    notes: list[str] = []
    wanted = {"channel": ("text", "boolean"), "cost": ("number",), "revenue": ("number",), "orders": ("number",),
              "signup": ("date",)}
    picked: dict[str, str | None] = {}
    for attr, kinds in wanted.items():
        key = f"col.{attr}"
        if key not in values:
            picked[attr] = getattr(suggested, attr)
            continue
        column = values[key]
        if column in (None, _NONE_PICKED, ""):
            picked[attr] = None
        elif types.get(str(column)) in kinds:
            picked[attr] = str(column)
        else:
            picked[attr] = getattr(suggested, attr)
            notes.append(f"The column '{column}' chosen for {attr} is not in this export (or has another type); "
                         + (f"'{picked[attr]}' is used instead." if picked[attr] else "it is left out."))
    if "spend" in str(values.get("cost_source", "")).lower():  # "Spend per channel, entered here"
        picked["cost"] = None
    columns = EconomicsColumns(**picked)
    defaults = Assumptions()

    def number(key: str) -> float | None:
        try:
            value = float(values[key])
        except (KeyError, TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None

    margin = defaults.margin
    margin_pct = number("margin_pct")
    if margin_pct is not None:
        if 0.0 <= margin_pct <= 100.0:
            margin = margin_pct / 100.0
        else:
            notes.append(f"The saved gross margin ({margin_pct:g}%) is out of range; the default "
                         f"{defaults.margin:.0%} is used.")
    lifetime, churn = defaults.lifetime_months, None
    if "churn" in str(values.get("lifetime_mode", "")).lower():
        churn_pct = number("churn_pct")
        if churn_pct is not None and 0.0 < churn_pct <= 100.0:
            churn = churn_pct / 100.0
        else:
            notes.append(f"The saved monthly churn is out of range; a lifetime of {defaults.lifetime_months:.0f} "
                         "months is used.")
    else:
        months = number("lifetime_months")
        if months is not None and months > 0:
            lifetime = months
        elif months is not None:
            notes.append(f"The saved lifetime ({months:g} months) is not above 0; the default "
                         f"{defaults.lifetime_months:.0f} months is used.")
    discount = None
    discount_pct = number("discount_pct")
    if discount_pct is not None and 0.0 < discount_pct < 100.0:
        discount = discount_pct / 100.0
    spend: dict[str, float] = {}
    for key, value in values.items():
        if key.startswith("spend.") and value is not None:
            amount = parse_amount(value)
            if amount is not None and amount >= 0:
                spend[key[len("spend."):]] = float(amount)
    assumptions = Assumptions(margin=margin, lifetime_months=lifetime, monthly_churn=churn,
                              annual_discount_rate=discount)
    return SavedEconomics(columns=columns, assumptions=assumptions, spend=spend, notes=tuple(notes))
