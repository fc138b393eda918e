"""RFM segmentation: recency, frequency and monetary scores 1-5 and the usual named groups.

Two sources:

* a customer file with one row per customer: recency from a last-purchase date (days before
  the latest date in the data, or before a reference date the user types) or from a
  days-since column; frequency from an orders column; monetary from a total-spend column;
* a transactions file with one row per order line (customer id, invoice, date, amount or
  quantity x unit price): lines are aggregated per customer in DuckDB, after excluding
  cancellations (invoice starting with "C") and returns (negative quantity or amount).

Scoring (:data:`SCORE_METHOD`): each customer's position from worst to best is its SQL ``RANK``
(equal values share the lowest position, so equal values always get equal scores), and
``score = 1 + floor(5 x (rank - 1) / customers)``. ``rank - 1`` (customers with a worse value) is
computed from the distinct values with a running total, which sorts only the distinct values. On 100 distinct values that is exactly
NTILE(5): 1-20 score 1, 21-40 score 2, ... 81-100 score 5.

Groups come from the recency score R and FM = the average of F and M, rounded up, on the
usual 5 x 5 RFM grid (:data:`GROUPS`); every (R, FM) cell belongs to exactly one group.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import duckdb
import ibis

from segdash import db
from segdash.columns import guess_orders_column, guess_spend_column
from segdash.errors import SegmentationError, SettingsError
from segdash.schema import Segmentation, is_modelling_role
from segdash.segment.base import write_label_table

SCORE_METHOD = (
    "Scores 1-5 by quintile: customers are ranked from worst to best (equal values share the "
    "lower rank, so equal values always get the same score) and score = 1 + floor(5 × (rank − 1) "
    "/ number of customers). Recency: fewer days since the last purchase scores higher. "
    "FM = average of the frequency and monetary scores, rounded up."
)


@dataclass(frozen=True)
class RFMGroup:
    """A named RFM group: recency scores ``r`` and FM scores ``fm`` (inclusive ranges)."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]
    meaning: str

    @property
    def rule(self) -> str:
        """The group's rule in plain words with its score ranges."""
        return f"{self.meaning} (R {_span(self.r)}, FM {_span(self.fm)})"


def _span(bounds: tuple[int, int]) -> str:
    return str(bounds[0]) if bounds[0] == bounds[1] else f"{bounds[0]}-{bounds[1]}"


#: The standard groups on the R x FM grid; together they cover each of the 25 cells once.
GROUPS: tuple[RFMGroup, ...] = (
    RFMGroup("Champions", (5, 5), (4, 5), "bought very recently, buy often and spend the most"),
    RFMGroup("Loyal", (3, 4), (4, 5), "buy often and spend a lot, bought fairly recently"),
    RFMGroup("Potential loyalists", (4, 5), (2, 3), "recent customers with average frequency and spend"),
    RFMGroup("New", (5, 5), (1, 1), "bought very recently, but only a little so far"),
    RFMGroup("Promising", (4, 4), (1, 1), "bought recently, but only a little so far"),
    RFMGroup("Need attention", (3, 3), (3, 3), "average on recency, frequency and spend"),
    RFMGroup("About to sleep", (3, 3), (1, 2), "below average: last purchase a while ago, low spend"),
    RFMGroup("At risk", (1, 2), (3, 4), "used to buy often and spend well, but not for a long time"),
    RFMGroup("Can't lose them", (1, 2), (5, 5), "were among the best customers, but have not come back"),
    RFMGroup("Hibernating", (2, 2), (1, 2), "last purchase long ago, few orders, low spend"),
    RFMGroup("Lost", (1, 1), (1, 2), "the lowest recency, frequency and spend"),
)
GROUP_NAMES = tuple(g.name for g in GROUPS)
#: Labels of transaction lines that cannot be scored.
NO_CUSTOMER_ID = "No customer id"
NO_VALID_PURCHASE = "Only cancellations or returns"
MIN_CUSTOMERS = 2


def rfm_group(r: int, fm: int) -> str:
    """The group of a customer with recency score ``r`` and FM score ``fm`` (both 1-5).

    Parameters
    ----------
    r, fm
        Scores from 1 to 5.

    Returns
    -------
    str
        One of :data:`GROUP_NAMES`.

    Raises
    ------
    ValueError
        If a score is outside 1-5.
    """
    for group in GROUPS:
        if group.r[0] <= r <= group.r[1] and group.fm[0] <= fm <= group.fm[1]:
            return group.name
    raise ValueError(f"scores must be 1-5, got r={r}, fm={fm}")


def fm_score(f: int, m: int) -> int:
    """FM score: the average of the frequency and monetary scores, rounded up.

    Parameters
    ----------
    f, m
        Frequency and monetary scores (1-5).

    Returns
    -------
    int
        1-5.
    """
    return (int(f) + int(m) + 1) // 2


def group_rules() -> dict[str, str]:
    """Each group's rule in plain words with its score ranges, in the grid's order.

    Returns
    -------
    dict[str, str]
        Group name -> rule, e.g. ``"Champions" -> "bought very recently, ... (R 5, FM 4-5)"``.
    """
    return {g.name: g.rule for g in GROUPS}


def parse_reference_date(text: str | None) -> date | None:
    """Read a typed reference date (``YYYY-MM-DD``); blank means "the latest date in the data".

    Parameters
    ----------
    text
        What the user typed.

    Returns
    -------
    datetime.date or None

    Raises
    ------
    SettingsError
        If the text is not a date written as YYYY-MM-DD.
    """
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise SettingsError(f"'{text}' is not a date; write the reference date as YYYY-MM-DD, "
                            "e.g. 2024-12-31, or leave it blank to use the latest date in the data.") from None


# -- column suggestions ------------------------------------------------------------------------------

def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _first(columns: Sequence[str], pattern: str) -> str | None:
    rx = re.compile(pattern)
    return next((c for c in columns if rx.search(_norm(c))), None)


def suggest_rfm_columns(roles: dict[str, str], types: dict[str, str]) -> dict[str, str | None]:
    """Best guesses for the recency, frequency and monetary columns of a customer file.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    dict
        ``{"recency": col | None, "frequency": col | None, "monetary": col | None}``.
    """
    usable = [c for c in types if is_modelling_role(roles.get(c, "other"))]
    dates = [c for c in usable if types[c] == "date"]
    numbers = [c for c in usable if types[c] == "number"]
    recency = (_first(numbers, r"recency|dayssince|sincelast|dayslast") or _first(dates, r"last|recent")
               or (dates[-1] if dates else None))
    return {"recency": recency, "frequency": guess_orders_column(roles, types),
            "monetary": guess_spend_column(roles, types)}


@dataclass(frozen=True)
class TransactionColumns:
    """Columns of a transactions file (one row per order line)."""

    customer: str | None
    date: str
    invoice: str | None = None
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None


def detect_transactions(
    con: duckdb.DuckDBPyConnection, *, roles: dict[str, str], types: dict[str, str]
) -> TransactionColumns | None:
    """Recognise a transactions file: date + amount (or quantity and unit price), many rows per customer.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    TransactionColumns or None
        ``None`` when the file looks like one row per customer. ``customer`` is ``None`` when
        the file has order lines but no customer id column.
    """
    columns = list(types)
    numbers = [c for c in columns if types[c] == "number"]
    invoice = _first(columns, r"^(invoice|receipt|transaction|basket|ticket)s?(no|id|number|nr|num|code|ref)?$") \
        or _first(columns, r"^order(no|id|number|nr|num|code|ref)$")
    quantity = _first(numbers, r"^(quantity|qty|units|quantities)$") or _first(numbers, r"quantity|qty")
    price = _first(numbers, r"price")
    amount = _first(numbers, r"^(amount|lineamount|linetotal|revenue|sales|value|total|linevalue)$")
    when = _first([c for c in columns if types[c] == "date"], r"date|time|day") or next(
        (c for c in columns if types[c] == "date"), None)
    if when is None or not (amount or (quantity and price)) or not (invoice or quantity):
        return None
    candidates = [c for c in columns if c != invoice]
    customer = _first(candidates, r"^(customer|client|member|account|user|buyer|shopper)s?(id|no|number|code|ref|key)?$") \
        or _first(candidates, r"(customer|client|member|buyer|shopper)(id|no|number|code|ref|key)")
    if customer is None:
        return TransactionColumns(None, when, invoice, amount, quantity, price)
    table = db.backend(con).table(db.TABLE)
    counts = table.aggregate(rows=table.count(), customers=table[customer].nunique()).execute().iloc[0]
    if int(counts["customers"]) == 0 or int(counts["rows"]) <= int(counts["customers"]):
        return None  # one row per customer: a customer file with a date and an amount
    return TransactionColumns(customer, when, invoice, amount, quantity, price)


# -- scoring ----------------------------------------------------------------------------------------

def _with_score(table: Any, column: str, name: str, n: int, *, higher_is_better: bool) -> Any:
    """Add quintile score ``name`` (1-5) of ``column``: ``1 + floor(5 x rank0 / n)``.

    ``rank0`` is the number of customers with a worse value (SQL ``RANK() - 1``: equal values
    share it). It is computed from the distinct values (group by, running total, join back),
    which gives the same numbers as a window ``RANK`` but sorts only the distinct values.
    """
    counts = table.group_by(column).aggregate(_n=table.count())
    order = ibis.asc(counts[column]) if higher_is_better else ibis.desc(counts[column])
    counts = counts.select(
        _value=counts[column],
        _worse=counts._n.cumsum(order_by=order) - counts._n,  # values are distinct: no ties in the frame
    )
    joined = table.join(counts, table[column] == counts._value)
    score = ((joined._worse * 5) // ibis.literal(int(n), "int64") + 1).cast("int64")
    return joined.mutate(**{name: score}).drop("_value", "_worse")


def score_values(values: Sequence[float], *, higher_is_better: bool = True) -> list[int]:
    """Quintile scores 1-5 of ``values`` by the RFM method (:data:`SCORE_METHOD`), in order.

    Runs the same DuckDB expression as the segmentation, on a small in-memory table.

    Parameters
    ----------
    values
        The values to score.
    higher_is_better
        ``False`` for recency in days (fewer days scores higher).

    Returns
    -------
    list[int]
    """
    table = ibis.memtable({"i": list(range(len(values))), "v": [float(v) for v in values]})
    scored = _with_score(table, "v", "score", len(values), higher_is_better=higher_is_better).order_by("i")
    con = db.connect()
    try:
        return [int(s) for s in db.backend(con).to_pyarrow(scored.score).to_pylist()]
    finally:
        con.close()


def _with_cut_score(table: Any, column: str, name: str, bounds: dict[str, float], *, higher_is_better: bool) -> Any:
    """Add score ``name`` from saved cut points: the highest score whose bound the value reaches.

    ``bounds`` maps a score (2-5) to the smallest value that had it (``higher_is_better``) or
    the largest (recency in days); a value that reaches no bound scores 1.
    """
    value = table[column]
    branches = [((value >= float(bound)) if higher_is_better else (value <= float(bound)), int(score))
                for score, bound in sorted(bounds.items(), key=lambda item: -int(item[0]))]
    score = ibis.cases(*branches, else_=1) if branches else ibis.literal(1)
    return table.mutate(**{name: score.cast("int64")})


def _cut_points(scored: Any) -> dict[str, dict[str, float]]:
    """Cut points that reproduce the scores of ``scored`` exactly (see :func:`_with_cut_score`)."""
    cuts: dict[str, dict[str, float]] = {}
    for score, column, higher in (("R", "recency_days", False), ("F", "frequency", True), ("M", "monetary", True)):
        per_score = scored.group_by(score).aggregate(lo=scored[column].min(), hi=scored[column].max()).execute()
        cuts[score] = {str(int(s)): float(lo if higher else hi)
                       for s, lo, hi in zip(per_score[score], per_score["lo"], per_score["hi"], strict=True)
                       if int(s) > 1}
    return cuts


def _score_table(per_customer: Any, n: int, cuts: dict[str, dict[str, float]] | None = None) -> Any:
    """Add R, F, M, FM scores and the group to a table with ``recency_days``, ``frequency``, ``monetary``.

    With ``cuts`` (saved by an earlier run), scores come from those cut points instead of this
    data's quintiles.
    """
    if cuts is not None:
        scored = _with_cut_score(per_customer, "recency_days", "R", cuts["R"], higher_is_better=False)
        scored = _with_cut_score(scored, "frequency", "F", cuts["F"], higher_is_better=True)
        scored = _with_cut_score(scored, "monetary", "M", cuts["M"], higher_is_better=True)
    else:
        scored = _with_score(per_customer, "recency_days", "R", n, higher_is_better=False)
        scored = _with_score(scored, "frequency", "F", n, higher_is_better=True)
        scored = _with_score(scored, "monetary", "M", n, higher_is_better=True)
    scored = scored.mutate(FM=((scored.F + scored.M + 1) // 2).cast("int64"))
    branches = [
        (scored.R.between(g.r[0], g.r[1]) & scored.FM.between(g.fm[0], g.fm[1]), g.name) for g in GROUPS
    ]
    return scored.mutate(rfm_group=ibis.cases(*branches, else_="Lost"))


def _check_every_row(sizes: dict[str, int], rows: int) -> None:
    """Every loaded row must have exactly one label (guards the joins above)."""
    if sum(sizes.values()) != rows:
        raise SegmentationError(f"RFM labelled {sum(sizes.values()):,} of {rows:,} rows; please report this "
                                "file to the segdash team.")


def _materialise(backend: Any, expr: Any) -> Any:
    """Compute ``expr`` once (Arrow in memory) so the labels and the summaries reuse the scores."""
    return ibis.memtable(backend.to_pyarrow(expr))


def _days_since(col: Any, kind: str, reference_date: date | None, scope: Any) -> tuple[Any, Any]:
    """Days between each row's date and the reference (typed, or the latest date in ``scope``)."""
    if kind != "date":
        return col.cast("float64"), None
    day = col.cast("date")
    reference = ibis.date(reference_date) if reference_date else scope.max().as_scalar()
    return reference.delta(day, unit="day").cast("float64"), reference


def _summaries(scored: Any) -> tuple[dict[str, int], list[dict[str, Any]], list[dict[str, int]]]:
    """Customers per group, per-group averages, and the (R, FM) grid counts."""
    by_group = scored.group_by("rfm_group").aggregate(
        customers=scored.count(),
        days_since_last_purchase=scored.recency_days.mean(),
        orders=scored.frequency.mean(),
        spend=scored.monetary.mean(),
    ).execute()
    order = {name: i for i, name in enumerate(GROUP_NAMES)}
    rows = sorted(by_group.to_dict("records"), key=lambda r: order.get(r["rfm_group"], 99))
    summary = [{"group": r["rfm_group"], "customers": int(r["customers"]),
                "avg_days_since_last_purchase": float(r["days_since_last_purchase"]),
                "avg_orders": float(r["orders"]), "avg_spend": float(r["spend"])} for r in rows]
    grid = scored.group_by(["R", "FM"]).aggregate(customers=scored.count()).execute()
    cells = [{"R": int(r), "FM": int(f), "customers": int(c)}
             for r, f, c in zip(grid["R"], grid["FM"], grid["customers"], strict=True)]
    return {s["group"]: s["customers"] for s in summary}, summary, sorted(cells, key=lambda c: (c["R"], c["FM"]))


def rfm_from_customers(
    con: duckdb.DuckDBPyConnection,
    *,
    recency: str,
    frequency: str,
    monetary: str,
    types: dict[str, str],
    reference_date: date | None = None,
    cuts: dict[str, dict[str, float]] | None = None,
) -> Segmentation:
    """RFM groups from a customer file (one row per customer) and store the labels.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    recency
        A last-purchase date column (days are counted back from ``reference_date``, or from
        the latest date in that column) or a number of days since the last purchase.
    frequency
        Number of orders (missing counts as 0).
    monetary
        Total spend (missing counts as 0).
    types
        Column -> type.
    reference_date
        "Today" for recency; defaults to the latest date in the recency column.
    cuts
        Cut points saved by an earlier run (``Segmentation.model["cuts"]``): score with them
        instead of this data's quintiles.

    Returns
    -------
    Segmentation
        ``method="rfm"``, one of the named groups per customer; ``rules`` holds each group's rule;
        ``extra`` holds ``group_summary``, ``grid`` and ``score_method``; ``model`` the cut points.

    Raises
    ------
    SettingsError
        If a column is missing or of the wrong type, or there are fewer than two customers.
    """
    start = time.perf_counter()
    table = db.backend(con).table(db.TABLE)
    for role, column, allowed in (("recency", recency, ("date", "number")),
                                  ("frequency", frequency, ("number",)), ("monetary", monetary, ("number",))):
        if not column or column not in table.columns:
            raise SettingsError(f"Choose the {role} column for RFM ('{column}' is not in the loaded data).")
        if types.get(column) not in allowed:
            need = "a date or a number of days" if role == "recency" else "numbers"
            raise SettingsError(f"The {role} column '{column}' must hold {need}; it holds "
                                f"{types.get(column, 'text')}. Choose another column.")
    kind = types[recency]
    days, reference = _days_since(table[recency], kind, reference_date, table[recency].cast("date"))
    # Missing recency is scored as the least recent; missing orders or spend as none.
    worst = days.max().as_scalar() + 1
    per_customer = table.select(
        _row=table[db.ROW],
        recency_days=days.fill_null(worst),
        frequency=table[frequency].cast("float64").fill_null(0),
        monetary=table[monetary].cast("float64").fill_null(0),
    )
    counts = table.aggregate(
        n=table.count(), no_recency=days.isnull().sum(),
        no_frequency=table[frequency].isnull().sum(), no_monetary=table[monetary].isnull().sum(),
    ).execute().iloc[0]
    customers = int(counts["n"])
    if customers < MIN_CUSTOMERS:
        raise SettingsError(f"RFM needs at least {MIN_CUSTOMERS} customers to compare; the file has {customers}.")
    if int(counts["no_recency"]) == customers:
        raise SettingsError(f"The recency column '{recency}' is empty for every customer; choose another column.")
    backend = db.backend(con)
    # Days are computed once (the reference date is a subquery), then ranked three times.
    scored = _materialise(backend, _score_table(_materialise(backend, per_customer), customers, cuts))
    sizes = write_label_table(con, backend.to_pyarrow(scored.select(_row=scored._row, segment=scored.rfm_group)))
    _check_every_row(sizes, customers)
    model = {"kind": "rfm", "cuts": cuts if cuts is not None else _cut_points(scored)}
    group_customers, summary, grid = _summaries(scored)
    notes = []
    for label, key, column in (("last purchase", "no_recency", recency), ("orders", "no_frequency", frequency),
                               ("spend", "no_monetary", monetary)):
        missing = int(counts[key])
        if missing:
            treated = "the least recent" if key == "no_recency" else "zero"
            notes.append(f"{missing:,} customers have no {label} ('{column}'); they were scored as {treated}.")
    ref_text = None
    if kind == "date":
        ref_value = reference_date or table[recency].cast("date").max().execute()
        ref_text = str(ref_value)[:10]
        notes.append(f"Recency counts days from each customer's last purchase to {ref_text}"
                     + (" (the date you typed)." if reference_date else " (the latest date in the data)."))
    settings = {"source": "customers", "recency": recency, "frequency": frequency, "monetary": monetary,
                "reference_date": str(reference_date) if reference_date else None}
    if cuts is not None:
        notes.append("Scored with the saved cut points of the original segmentation, not this data's quintiles.")
    return Segmentation(
        method="rfm", settings=settings, sizes=sizes, k=len(sizes), features=[recency, frequency, monetary],
        notes=notes, rules={label: group_rules().get(label, label) for label in sizes},
        seconds=time.perf_counter() - start, model=model,
        extra={"score_method": SCORE_METHOD, "group_summary": summary, "grid": grid,
               "customers_per_group": group_customers, "customers": customers, "reference_date": ref_text,
               "unit": "customers"},
    )


def rfm_from_transactions(
    con: duckdb.DuckDBPyConnection,
    *,
    columns: TransactionColumns,
    types: dict[str, str],
    reference_date: date | None = None,
    cuts: dict[str, dict[str, float]] | None = None,
) -> Segmentation:
    """RFM groups from a transactions file; each order line gets its customer's group.

    Cancellations (invoice starting with "C") and returns (negative quantity or amount) are
    left out of the scores but keep their customer's label (the line still belongs to that
    customer). A customer whose every line was excluded is labelled "Only cancellations or
    returns"; lines with no customer id are labelled "No customer id". So the sizes count
    order lines and add up to the loaded rows; ``extra["customers_per_group"]`` counts customers.

    Parameters
    ----------
    con
        The workspace's DuckDB connection (``customers`` holds the order lines).
    columns
        The columns found by :func:`detect_transactions` (or chosen by the user).
    types
        Column -> type.
    reference_date
        "Today" for recency; defaults to the latest purchase date in the file.
    cuts
        Cut points saved by an earlier run: score with them instead of this data's quintiles.

    Returns
    -------
    Segmentation
        ``method="rfm"``; ``notes`` say how many lines were excluded and why; ``model`` holds
        the cut points.

    Raises
    ------
    SegmentationError
        If there is no customer id column, no line has a customer id, or fewer than two
        customers have a valid purchase.
    """
    start = time.perf_counter()
    if columns.customer is None:
        raise SegmentationError(
            "This looks like a transactions file (one row per order line) but it has no customer id "
            "column, so purchases cannot be grouped per customer. Load a file with a customer id "
            "column (e.g. 'customer_id'), or use a customer file with one row per customer."
        )
    backend = db.backend(con)
    table = backend.table(db.TABLE)
    for column in (columns.customer, columns.date, columns.invoice, columns.amount, columns.quantity, columns.price):
        if column is not None and column not in table.columns:
            raise SettingsError(f"There is no column '{column}' in the loaded data.")
    customer = table[columns.customer].cast("string").strip()
    customer = ibis.ifelse(customer == "", ibis.null("string"), customer)
    quantity = table[columns.quantity].cast("float64") if columns.quantity else None
    if columns.amount:
        amount = table[columns.amount].cast("float64")
    else:
        amount = quantity * table[columns.price].cast("float64")
    cancelled = (table[columns.invoice].cast("string").strip().upper().startswith("C").fill_null(False)
                 if columns.invoice else ibis.literal(False))
    returned = (amount < 0).fill_null(False)
    if quantity is not None:
        returned = returned | (quantity < 0).fill_null(False)
    when = table[columns.date].cast("date")
    lines = table.select(
        _row=table[db.ROW], _customer=customer, _when=when, _amount=amount.fill_null(0),
        _invoice=(table[columns.invoice].cast("string") if columns.invoice else when.cast("string")),
        _cancelled=cancelled, _returned=returned & ~cancelled,
    )
    lines = lines.mutate(_valid=lines._customer.notnull() & ~lines._cancelled & ~lines._returned
                         & lines._when.notnull())
    counts = lines.aggregate(
        rows=lines.count(),
        no_id=lines._customer.isnull().sum(),
        cancelled=(lines._cancelled & lines._customer.notnull()).sum(),
        returned=(lines._returned & lines._customer.notnull()).sum(),
        no_date=(lines._when.isnull() & lines._customer.notnull() & ~lines._cancelled & ~lines._returned).sum(),
        customers=lines._customer.nunique(),
    ).execute().iloc[0]
    rows, no_id = int(counts["rows"]), int(counts["no_id"])
    if no_id == rows:
        raise SegmentationError(f"No order line has a customer id in '{columns.customer}', so purchases "
                                "cannot be grouped per customer. Check that the right column is chosen.")
    valid = lines.filter(lines._valid)
    reference = ibis.date(reference_date) if reference_date else valid._when.max().as_scalar()
    per_customer = valid.group_by("_customer").aggregate(
        last=valid._when.max(), frequency=valid._invoice.nunique().cast("float64"),
        monetary=valid._amount.sum(),
    )
    per_customer = per_customer.mutate(recency_days=reference.delta(per_customer["last"], unit="day")
                                       .cast("float64"))
    customers = int(per_customer.count().execute())
    if customers < MIN_CUSTOMERS:
        raise SegmentationError(f"RFM needs at least {MIN_CUSTOMERS} customers with a valid purchase; this "
                                f"file has {customers}.")
    scored = _materialise(backend, _score_table(_materialise(backend, per_customer), customers, cuts))
    model = {"kind": "rfm", "cuts": cuts if cuts is not None else _cut_points(scored)}
    groups = scored.select(_gcustomer=scored._customer, _group=scored.rfm_group)
    joined = lines.left_join(groups, lines._customer == groups._gcustomer)
    label = ibis.cases(
        (joined._customer.isnull(), NO_CUSTOMER_ID),
        (joined._group.isnull(), NO_VALID_PURCHASE),
        else_=joined._group,
    )
    sizes = write_label_table(con, backend.to_pyarrow(joined.select(_row=joined._row, segment=label)))
    _check_every_row(sizes, rows)
    group_customers, summary, grid = _summaries(scored)
    only_excluded = int(counts["customers"]) - customers
    notes = [
        f"Read as a transactions file: {rows:,} order lines from {int(counts['customers']):,} customers, "
        f"aggregated per customer ('{columns.customer}').",
        f"Excluded from the scores: {int(counts['cancelled']):,} cancelled lines (invoice starting with 'C') "
        f"and {int(counts['returned']):,} returned lines (negative quantity or amount); they keep their "
        "customer's group.",
    ]
    if no_id:
        notes.append(f"{no_id:,} lines have no customer id; they are labelled '{NO_CUSTOMER_ID}'.")
    if int(counts["no_date"]):
        notes.append(f"{int(counts['no_date']):,} lines have no date and were left out of the scores.")
    if only_excluded:
        notes.append(f"{only_excluded:,} customers have only cancelled or returned lines; they are labelled "
                     f"'{NO_VALID_PURCHASE}'.")
    ref_value = reference_date or valid._when.max().execute()
    ref_text = str(ref_value)[:10]
    notes.append(f"Recency counts days from each customer's last purchase to {ref_text}"
                 + (" (the date you typed)." if reference_date else " (the latest purchase in the file)."))
    notes.append("Segment sizes count order lines (one label per loaded row); the group table counts customers.")
    rules = group_rules()
    rules[NO_CUSTOMER_ID] = "Order lines without a customer id (cannot be scored)."
    rules[NO_VALID_PURCHASE] = "Customers whose every line was a cancellation or a return."
    settings = {"source": "transactions", **asdict(columns),
                "reference_date": str(reference_date) if reference_date else None}
    if cuts is not None:
        notes.append("Scored with the saved cut points of the original segmentation, not this data's quintiles.")
    return Segmentation(
        method="rfm", settings=settings, sizes=sizes, k=len(group_customers),
        features=[c for c in (columns.date, columns.invoice, columns.amount, columns.quantity, columns.price) if c],
        notes=notes, rules={label: rules.get(label, label) for label in sizes},
        seconds=time.perf_counter() - start, model=model,
        extra={"score_method": SCORE_METHOD, "group_summary": summary, "grid": grid,
               "customers_per_group": group_customers, "customers": customers, "reference_date": ref_text,
               "unit": "order lines", "excluded": {"cancelled": int(counts["cancelled"]),
                                                   "returned": int(counts["returned"]), "no_customer_id": no_id}},
    )


def segment_rfm(
    con: duckdb.DuckDBPyConnection,
    *,
    roles: dict[str, str],
    types: dict[str, str],
    recency: str | None = None,
    frequency: str | None = None,
    monetary: str | None = None,
    reference_date: date | None = None,
    source: str = "auto",
) -> Segmentation:
    """RFM from whatever the loaded file is: a transactions file or a customer file.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    roles, types
        Column -> role and column -> type.
    recency, frequency, monetary
        Customer-file columns; guessed by :func:`suggest_rfm_columns` when ``None``.
    reference_date
        "Today" for recency (default: the latest date in the data).
    source
        ``"auto"`` (recognise a transactions file), ``"customers"`` or ``"transactions"``.

    Returns
    -------
    Segmentation

    Raises
    ------
    SettingsError, SegmentationError
        When the columns RFM needs cannot be found or do not fit.
    """
    if source not in ("auto", "customers", "transactions"):
        raise SettingsError(f"Unknown RFM source '{source}'.")
    if source != "customers":
        found = detect_transactions(con, roles=roles, types=types)
        if found is not None:
            return rfm_from_transactions(con, columns=found, types=types, reference_date=reference_date)
        if source == "transactions":
            raise SegmentationError("This file does not look like a transactions file (one row per order line "
                                    "with a customer id, a date and an amount or quantity and price).")
    guess = suggest_rfm_columns(roles, types)
    recency, frequency, monetary = (recency or guess["recency"], frequency or guess["frequency"],
                                    monetary or guess["monetary"])
    missing = [name for name, col in (("recency (last purchase date or days since)", recency),
                                      ("frequency (number of orders)", frequency),
                                      ("monetary (total spend)", monetary)) if col is None]
    if missing:
        raise SettingsError("RFM needs a column for " + ", ".join(missing) + "; none was found in this file. "
                            "Choose the columns yourself on the Segments page, or load a transactions file.")
    return rfm_from_customers(con, recency=recency, frequency=frequency, monetary=monetary, types=types,
                              reference_date=reference_date)
