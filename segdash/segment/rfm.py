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

import ibis

from segdash import db
from segdash.columns import name_words
from segdash.data import Data, materialise
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
#
# Each of R, F and M must come from a column that can mean it (see :func:`rfm_candidates`):
#
# * recency: a date that is not a birth / sign-up / first-contact date, or a number whose name
#   says days, weeks or months since (or ago) a purchase, or "recency";
# * frequency: a number whose name counts orders or purchases ("orders", "NumWebPurchases",
#   "Frequency"), never one about money, time or a rating;
# * money: a number with the revenue role, or a behavioral number named like spend ("MntWines",
#   "amount_spent"), never a score, rating, claim, cashback, price, income or year.
#
# Frequency and money may be the sum of several such columns (purchases per channel, spend per
# category) when no column already holds the total.

def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _first(columns: Sequence[str], pattern: str) -> str | None:
    rx = re.compile(pattern)
    return next((c for c in columns if rx.search(_norm(c))), None)


_PURCHASE = frozenset({"purchase", "purchases", "purchased", "order", "orders", "ordered", "buy", "buys",
                       "bought", "buying", "transaction", "transactions", "txn", "txns", "invoice", "invoices",
                       "basket", "baskets", "booking", "bookings", "visit", "visits", "shop", "shopping", "sale"})
_TIME_UNITS = frozenset({"day", "days", "week", "weeks", "month", "months", "d"})
_SINCE = frozenset({"since", "ago", "last"})
_FILLER = frozenset({"the", "of", "num", "number", "no", "nb", "total", "count", "a", "customer", "cust"})
_NOT_RECENCY_DATE = frozenset({"birth", "born", "dob", "birthday", "signup", "registered", "registration",
                               "joined", "join", "created", "creation", "enrolled", "enrollment", "enrolment",
                               "inception", "start", "started", "opened", "first", "acquired", "acquisition",
                               "onboarded", "member", "since"})
_ORDER_COUNT = frozenset({"orders", "order", "purchases", "purchase", "transactions", "transaction", "txn",
                          "txns", "invoices", "baskets", "bookings", "buys"})
_MONEY = frozenset({"value", "amount", "amt", "spend", "spent", "spending", "revenue", "price", "cost", "mnt",
                    "sales", "aov", "monetary", "charges", "paid", "payment", "ltv", "clv", "cltv", "gmv",
                    "turnover", "profit", "margin"})
_RATING = frozenset({"score", "rating", "ratings", "rate", "rated", "satisfaction", "importance", "likelihood",
                     "ratio", "pct", "percent", "percentage", "share", "helpfulness", "recommendation",
                     "recommend", "nps", "index", "rank", "level", "tier"})
_TIME = frozenset({"days", "day", "months", "month", "weeks", "week", "since", "ago", "last", "first", "date",
                   "time", "recency", "year", "years", "tenure", "duration", "hour", "hours"})
_NOT_MONEY = _RATING | frozenset({"claim", "claims", "cashback", "hike", "discount", "price", "income",
                                  "salary", "wage", "balance", "limit", "budget", "year", "birth", "age",
                                  "cost", "cac", "cpa", "tax", "fee", "refund", "refunds", "returns",
                                  "credit", "debt", "loan"})
_SPEND_WORDS = frozenset({"spend", "spent", "spending", "mnt", "amount", "amt", "revenue", "sales", "monetary",
                          "paid", "charges", "ltv", "clv", "cltv", "gmv", "turnover"})
_TOTAL = frozenset({"total", "lifetime", "ltv", "clv", "cltv", "overall", "all", "sum", "cumulative"})
_RATE = frozenset({"monthly", "month", "avg", "average", "mean", "per", "weekly", "week", "annual",
                   "yearly", "daily", "median"})
_SUBSET = frozenset({"deal", "deals", "discount", "discounted", "promo", "promotion", "coupon", "coupons",
                     "voucher", "vouchers", "returned", "cancelled", "canceled"})

#: What RFM needs, in words, when no column can serve (shown on the page and the command line).
MISSING_WORDS = {
    "recency": "when each customer last bought: a last-purchase date, or a number of days or months since "
               "the last purchase (named like 'days_since_last_order' or 'Recency')",
    "frequency": "how often each customer bought: a count of orders or purchases (named like 'orders' or "
                 "'num_purchases')",
    "monetary": "how much each customer spent: a column with the role 'revenue / spend', or one named like "
                "'total_spend' or 'amount_spent'",
}
MEASURE_WORDS = {"recency": "recency", "frequency": "frequency", "monetary": "money"}


def _words(name: str) -> frozenset[str]:
    return frozenset(name_words(name))


def _recency_ok(column: str, role: str, kind: str) -> bool:
    words = _words(column)
    if role in ("revenue", "acquisition_cost", "acquisition_channel") or not is_modelling_role(role):
        return False
    if kind == "date":
        return not words & _NOT_RECENCY_DATE
    if kind != "number":
        return False
    if "recency" in words:
        return True
    timed = bool(words & _TIME_UNITS) and bool(words & _SINCE)
    rest = words - _TIME_UNITS - _SINCE - _FILLER
    return timed and (bool(words & _PURCHASE) or not rest)


def _recency_named(column: str) -> bool:
    """A date named like a purchase (``last_purchase_date``, ``Date of Purchase``, ``LastOrder``)."""
    words = _words(column)
    return bool(words & (_PURCHASE | {"last", "recent", "latest", "recency"}))


def _frequency_ok(column: str, role: str, kind: str) -> bool:
    words = _words(column)
    if kind != "number" or role in ("revenue", "acquisition_cost") or not is_modelling_role(role):
        return False
    if words & (_MONEY | _RATING | _TIME):
        return False
    if words & _ORDER_COUNT:
        return True
    return "frequency" in words and not (words - {"frequency"} - _FILLER - {"purchase"})


def _frequency_total(column: str) -> bool:
    return not (_words(column) - _ORDER_COUNT - _FILLER - {"frequency", "all", "lifetime"})


def _money_ok(column: str, role: str, kind: str) -> bool:
    words = _words(column)
    if kind != "number" or words & _NOT_MONEY:
        return False
    if role == "revenue":
        return True
    return role == "behavioral" and bool(words & _SPEND_WORDS)


def _money_total(column: str) -> bool:
    words = _words(column)
    return bool(words & _TOTAL) or not (words - _SPEND_WORDS - _FILLER - {"value"})


def rfm_candidates(roles: dict[str, str], types: dict[str, str]) -> dict[str, list[str]]:
    """The columns that can serve as recency, frequency and money, in file order.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    dict[str, list[str]]
        ``{"recency": [...], "frequency": [...], "monetary": [...]}``; a column appears under
        at most one measure (recency first, then frequency, then money).
    """
    def role(column: str) -> str:
        return roles.get(column, "other")

    recency = [c for c in types if _recency_ok(c, role(c), types[c])]
    frequency = [c for c in types if c not in recency and _frequency_ok(c, role(c), types[c])]
    monetary = [c for c in types if c not in recency and c not in frequency and _money_ok(c, role(c), types[c])]
    return {"recency": recency, "frequency": frequency, "monetary": monetary}


def _total_or_parts(columns: list[str], is_total: Any) -> list[str]:
    """One column that holds the total, else the sum of the parts (subsets such as deals left out)."""
    if not columns:
        return []
    totals = [c for c in columns if is_total(c)]
    if totals:
        return [next((c for c in totals if _words(c) & _TOTAL), totals[0])]
    rates = [c for c in columns if _words(c) & _RATE]
    parts = [c for c in columns if c not in rates]
    whole = [c for c in parts if not _words(c) & _SUBSET] or parts
    return whole or rates[:1]


def suggest_rfm_columns(roles: dict[str, str], types: dict[str, str]) -> dict[str, Any]:
    """The columns to pre-fill for recency, frequency and money, or nothing where none can serve.

    Recency: a number named like recency or days since the last purchase wins over a date; a date
    is suggested only when its name says purchase, order or last. Frequency and money: the column
    that holds the total ("orders", "TotalCharges", "Customer Lifetime Value"), else the sum of the
    part columns (spend per category, purchases per channel; counts of deals or discounted
    purchases are a subset, so they are left out of the sum).

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    dict
        ``{"recency": col | None, "frequency": [cols], "monetary": [cols], "missing": {measure: words}}``:
        an empty list (or ``None``) means no plausible column; ``missing`` says what is needed.
    """
    found = rfm_candidates(roles, types)
    numbers = [c for c in found["recency"] if types[c] == "number"]
    dates = [c for c in found["recency"] if types[c] == "date" and _recency_named(c)]
    recency = (numbers or dates or [None])[0]
    frequency = _total_or_parts(found["frequency"], _frequency_total)
    monetary = _total_or_parts(found["monetary"], _money_total)
    chosen = {"recency": recency, "frequency": frequency, "monetary": monetary}
    missing = {m: MISSING_WORDS[m] for m, value in chosen.items() if not value}
    return {**chosen, "missing": missing}


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    """One column name, or several (a sum), as a list; ``None`` or blank is the empty list."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns] if columns.strip() else []
    return list(dict.fromkeys(str(c) for c in columns if str(c).strip()))


def missing_sentence(missing: dict[str, str]) -> str:
    """One plain sentence naming what RFM lacks in this file (empty when nothing is missing).

    Parameters
    ----------
    missing
        Measure -> words, as in ``suggest_rfm_columns(...)["missing"]``.

    Returns
    -------
    str
    """
    if not missing:
        return ""
    parts = "; ".join(f"{MEASURE_WORDS[m]} needs {words}" for m, words in missing.items())
    return (f"RFM cannot score this file: no column can serve as {', '.join(MEASURE_WORDS[m] for m in missing)} "
            f"({parts}). If such a column exists, set its role on the Data page (or with --role), or "
            "load the order lines (a transactions file) instead.")


def check_rfm_columns(
    *, recency: str | None, frequency: Sequence[str], monetary: Sequence[str], roles: dict[str, str],
    types: dict[str, str],
) -> None:
    """Refuse a column that cannot mean what it is chosen for, or one column used twice.

    Parameters
    ----------
    recency
        The recency column.
    frequency, monetary
        The column(s) summed for frequency and for money.
    roles, types
        Column -> role and column -> type.

    Raises
    ------
    SettingsError
        With a sentence naming the column and what it would need to be.
    """
    chosen = [("recency", c) for c in ([recency] if recency else [])] + [("frequency", c) for c in frequency] \
        + [("monetary", c) for c in monetary]
    seen: dict[str, str] = {}
    for measure, column in chosen:
        if column in seen:
            raise SettingsError(
                f"'{column}' is chosen for both {MEASURE_WORDS[seen[column]]} and {MEASURE_WORDS[measure]}; "
                "each of recency, frequency and money needs its own column.")
        seen[column] = measure
    checks = {"recency": _recency_ok, "frequency": _frequency_ok, "monetary": _money_ok}
    for measure, column in chosen:
        if column not in types:
            raise SettingsError(f"There is no column '{column}' in the loaded data (chosen for "
                                f"{MEASURE_WORDS[measure]}).")
        allowed = ("date", "number") if measure == "recency" else ("number",)
        if types[column] not in allowed:
            need = "a date or a number of days" if measure == "recency" else "numbers"
            raise SettingsError(f"The {measure} column '{column}' must hold {need}; it holds {types[column]}. "
                                "Choose another column.")
        if not checks[measure](column, roles.get(column, "other"), types[column]):
            raise SettingsError(
                f"'{column}' cannot serve as {MEASURE_WORDS[measure]}: RFM needs {MISSING_WORDS[measure]}. "
                "Choose another column, or correct the column's role if it really holds that.")


@dataclass(frozen=True)
class TransactionColumns:
    """Columns of a transactions file (one row per order line)."""

    customer: str | None
    date: str
    invoice: str | None = None
    amount: str | None = None
    quantity: str | None = None
    price: str | None = None


def _transaction_parts(columns: list[str], types: dict[str, str]) -> dict[str, str | None]:
    """Columns of an order-lines file found by name: invoice, quantity, price, amount, date, customer."""
    numbers = [c for c in columns if types[c] == "number"]
    invoice = _first(columns, r"^(invoice|receipt|transaction|basket|ticket)s?(no|id|number|nr|num|code|ref)?$") \
        or _first(columns, r"^order(no|id|number|nr|num|code|ref)$")
    quantity = _first(numbers, r"^(quantity|qty|units|quantities)$") or _first(numbers, r"quantity|qty")
    price = _first(numbers, r"price")
    amount = _first(numbers, r"^(amount|lineamount|linetotal|revenue|sales|value|total|linevalue)$")
    when = _first([c for c in columns if types[c] == "date"], r"date|time|day") or next(
        (c for c in columns if types[c] == "date"), None)
    candidates = [c for c in columns if c != invoice]
    customer = _first(candidates, r"^(customer|client|member|account|user|buyer|shopper)s?(id|no|number|code|ref|key)?$") \
        or _first(candidates, r"(customer|client|member|buyer|shopper)(id|no|number|code|ref|key)")
    return {"invoice": invoice, "quantity": quantity, "price": price, "amount": amount, "date": when,
            "customer": customer}


def detect_transactions(
    data: Data, *, roles: dict[str, str], types: dict[str, str]
) -> TransactionColumns | None:
    """Recognise a transactions file: date + amount (or quantity and unit price), many rows per customer.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
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
    parts = _transaction_parts(list(types), types)
    invoice, quantity, price, amount, when, customer = (parts[k] for k in (
        "invoice", "quantity", "price", "amount", "date", "customer"))
    if when is None or not (amount or (quantity and price)) or not (invoice or quantity):
        return None
    if customer is None:
        return TransactionColumns(None, when, invoice, amount, quantity, price)
    table = data.customers()
    counts = table.aggregate(rows=table.count(), customers=table[customer].nunique()).execute().iloc[0]
    if int(counts["customers"]) == 0 or int(counts["rows"]) <= int(counts["customers"]):
        return None  # one row per customer: a customer file with a date and an amount
    return TransactionColumns(customer, when, invoice, amount, quantity, price)


def transaction_columns(
    data: Data, *, roles: dict[str, str], types: dict[str, str],
    customer_column: str | None = None, date_column: str | None = None, amount_column: str | None = None,
) -> TransactionColumns | None:
    """The order-lines columns as detected, with the ones the user named put in their place.

    Naming any of the three columns reads the file as order lines even when
    detection alone would not (the user says so); the other columns are still found by name.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles, types
        Column -> role and column -> type.
    customer_column, date_column, amount_column
        Columns the user chose (``--customer-id``, ``--date``, ``--amount``), or ``None``.

    Returns
    -------
    TransactionColumns or None
        ``None`` when nothing was named and the file does not look like order lines.

    Raises
    ------
    SettingsError
        If a named column does not exist or has the wrong type, or the lines have no amount.
    """
    customer, when, amount = customer_column, date_column, amount_column
    found = detect_transactions(data, roles=roles, types=types)
    if not (customer or when or amount):
        return found
    for option, column, allowed in (("customer id", customer, None), ("date", when, ("date",)),
                                    ("amount", amount, ("number",))):
        if column is None:
            continue
        if column not in types:
            raise SettingsError(f"There is no column '{column}' (chosen as the {option}); the columns are: "
                                f"{', '.join(types)}.")
        if allowed and types[column] not in allowed:
            raise SettingsError(f"The {option} column '{column}' holds {types[column]}, not "
                                f"{'dates' if option == 'date' else 'numbers'}; choose another column.")
    parts = _transaction_parts(list(types), types)
    base = found or TransactionColumns(parts["customer"], parts["date"] or "", parts["invoice"], parts["amount"],
                                       parts["quantity"], parts["price"])
    chosen = TransactionColumns(
        customer=customer or base.customer, date=when or base.date, invoice=base.invoice,
        amount=amount or base.amount, quantity=base.quantity, price=base.price,
    )
    if not chosen.date:
        raise SettingsError("These order lines have no date column; name it (--date).")
    if not (chosen.amount or (chosen.quantity and chosen.price)):
        raise SettingsError("These order lines have no amount (or quantity and unit price); name the amount "
                            "column (--amount).")
    return chosen


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


def _materialise(data: Data, expr: Any) -> Any:
    """Compute ``expr`` once so the labels and the summaries reuse the scores.

    On embedded DuckDB: Arrow in memory (one row per customer). On another engine it is cached
    there (:func:`segdash.data.materialise`: a temporary table, or a cached Spark DataFrame), so the labels, cut
    points and summaries do not each recompute the ranking (on Spark that took minutes for 300
    customers); nothing is pulled onto the app's machine.
    """
    return ibis.memtable(data.backend.to_pyarrow(expr)) if data.is_duckdb else materialise(data, expr)


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


def recency_unit(column: str, kind: str) -> str:
    """The unit of a recency column: ``"days"`` for dates, else what its name says (months, weeks, days).

    Parameters
    ----------
    column
        The recency column.
    kind
        Its type (``"date"`` or ``"number"``).

    Returns
    -------
    str
        ``"days"``, ``"weeks"`` or ``"months"``.
    """
    words = _words(column)
    if kind == "date":
        return "days"
    if words & {"month", "months"}:
        return "months"
    if words & {"week", "weeks"}:
        return "weeks"
    return "days"


def _sum_of(table: Any, columns: list[str]) -> Any:
    """The row-wise sum of ``columns`` as float64, missing counted as 0."""
    total = ibis.literal(0.0, "float64")
    for column in columns:
        total = total + table[column].cast("float64").fill_null(0)
    return total


def _all_missing(table: Any, columns: list[str]) -> Any:
    """Whether every one of ``columns`` is missing on a row (as 0/1 for summing)."""
    missing = ibis.literal(True)
    for column in columns:
        missing = missing & table[column].isnull()
    return ibis.ifelse(missing, 1, 0)  # not cast("int64"): PostgreSQL cannot cast a boolean to bigint


def rfm_from_customers(
    data: Data,
    *,
    recency: str,
    frequency: str | Sequence[str],
    monetary: str | Sequence[str],
    types: dict[str, str],
    reference_date: date | None = None,
    cuts: dict[str, dict[str, float]] | None = None,
) -> Segmentation:
    """RFM groups from a customer file (one row per customer) and store the labels.

    This scores exactly the columns it is given; :func:`segment_rfm` is the entry point that
    suggests plausible columns and refuses implausible ones.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    recency
        A last-purchase date column (days are counted back from ``reference_date``, or from
        the latest date in that column) or a number of days since the last purchase.
    frequency
        Number of orders: one column, or several that are summed (missing counts as 0).
    monetary
        Total spend: one column, or several that are summed (missing counts as 0).
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
    table = data.customers()
    frequency, monetary = _as_list(frequency), _as_list(monetary)
    chosen = [("recency", recency, ("date", "number"))] + [("frequency", c, ("number",)) for c in frequency or [None]] \
        + [("monetary", c, ("number",)) for c in monetary or [None]]
    for role, column, allowed in chosen:
        if not column or column not in table.columns:
            raise SettingsError(f"Choose the {role} column for RFM ('{column}' is not in the loaded data).")
        if types.get(column) not in allowed:
            need = "a date or a number of days" if role == "recency" else "numbers"
            raise SettingsError(f"The {role} column '{column}' must hold {need}; it holds "
                                f"{types.get(column, 'text')}. Choose another column.")
    used = [recency, *frequency, *monetary]
    twice = next((c for c in used if used.count(c) > 1), None)
    if twice is not None:
        raise SettingsError(f"'{twice}' is chosen more than once; each of recency, frequency and money needs "
                            "its own column.")
    kind = types[recency]
    days, reference = _days_since(table[recency], kind, reference_date, table[recency].cast("date"))
    # Missing recency is scored as the least recent; missing orders or spend as none.
    worst = days.max().as_scalar() + 1
    per_customer = table.select(
        _row=table[data.key],
        recency_days=days.fill_null(worst),
        frequency=_sum_of(table, frequency),
        monetary=_sum_of(table, monetary),
    )
    counts = table.aggregate(
        n=table.count(), no_recency=days.isnull().sum(),
        no_frequency=_all_missing(table, frequency).sum(), no_monetary=_all_missing(table, monetary).sum(),
    ).execute().iloc[0]
    customers = int(counts["n"])
    if customers < MIN_CUSTOMERS:
        raise SettingsError(f"RFM needs at least {MIN_CUSTOMERS} customers to compare; the file has {customers}.")
    if int(counts["no_recency"]) == customers:
        raise SettingsError(f"The recency column '{recency}' is empty for every customer; choose another column.")
    # Days are computed once (the reference date is a subquery), then ranked three times.
    scored = _materialise(data, _score_table(_materialise(data, per_customer), customers, cuts))
    sizes = write_label_table(data, scored.select(**{data.key: scored._row, "segment": scored.rfm_group}))
    _check_every_row(sizes, customers)
    model = {"kind": "rfm", "cuts": cuts if cuts is not None else _cut_points(scored)}
    group_customers, summary, grid = _summaries(scored)
    notes = []
    for label, key, column in (("last purchase", "no_recency", recency),
                               ("orders", "no_frequency", " + ".join(frequency)),
                               ("spend", "no_monetary", " + ".join(monetary))):
        missing = int(counts[key])
        if missing:
            treated = "the least recent" if key == "no_recency" else "zero"
            notes.append(f"{missing:,} customers have no {label} ('{column}'); they were scored as {treated}.")
    for label, columns in (("Orders", frequency), ("Spend", monetary)):
        if len(columns) > 1:
            notes.append(f"{label} is the sum of {len(columns)} columns: {' + '.join(columns)}.")
    ref_text = None
    if kind == "date":
        ref_value = reference_date or table[recency].cast("date").max().execute()
        ref_text = str(ref_value)[:10]
        notes.append(f"Recency counts days from each customer's last purchase to {ref_text}"
                     + (" (the date you typed)." if reference_date else " (the latest date in the data)."))
    settings = {"source": "customers", "recency": recency, "frequency": list(frequency), "monetary": list(monetary),
                "reference_date": str(reference_date) if reference_date else None}
    if cuts is not None:
        notes.append("Scored with the saved cut points of the original segmentation, not this data's quintiles.")
    return Segmentation(
        method="rfm", settings=settings, sizes=sizes, k=len(sizes), features=[recency, *frequency, *monetary],
        notes=notes, rules={label: group_rules().get(label, label) for label in sizes},
        seconds=time.perf_counter() - start, model=model,
        extra={"score_method": SCORE_METHOD, "group_summary": summary, "grid": grid,
               "customers_per_group": group_customers, "customers": customers, "reference_date": ref_text,
               "unit": "customers", "recency_unit": recency_unit(recency, kind),
               "columns": {"recency": recency, "frequency": list(frequency), "monetary": list(monetary)}},
    )


def rfm_from_transactions(
    data: Data,
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
    data
        The customers (and, where needed, their segment labels) to work on.
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
    table = data.customers()
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
        _row=table[data.key], _customer=customer, _when=when, _amount=amount.fill_null(0),
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
    scored = _materialise(data, _score_table(_materialise(data, per_customer), customers, cuts))
    model = {"kind": "rfm", "cuts": cuts if cuts is not None else _cut_points(scored)}
    groups = scored.select(_gcustomer=scored._customer, _group=scored.rfm_group)
    joined = lines.left_join(groups, lines._customer == groups._gcustomer)
    label = ibis.cases(
        (joined._customer.isnull(), NO_CUSTOMER_ID),
        (joined._group.isnull(), NO_VALID_PURCHASE),
        else_=joined._group,
    )
    sizes = write_label_table(data, joined.select(**{data.key: joined._row, "segment": label}))
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
    data: Data,
    *,
    roles: dict[str, str],
    types: dict[str, str],
    recency: str | None = None,
    frequency: str | Sequence[str] | None = None,
    monetary: str | Sequence[str] | None = None,
    customer_column: str | None = None,
    date_column: str | None = None,
    amount_column: str | None = None,
    reference_date: date | None = None,
    source: str = "auto",
) -> Segmentation:
    """RFM from whatever the loaded file is: a transactions file or a customer file.

    The one entry point of the page and the command line, so both score the same customers
    into the same groups.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles, types
        Column -> role and column -> type.
    recency, frequency, monetary
        Customer-file columns (frequency and money may be several columns, summed). Each left
        out is suggested by :func:`suggest_rfm_columns`; each given must be plausible
        (:func:`check_rfm_columns`).
    customer_column, date_column, amount_column
        Order-lines columns that replace the detected ones (:func:`transaction_columns`).
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
        When the columns RFM needs cannot be found, cannot mean what they are chosen for, or do
        not fit.
    """
    if source not in ("auto", "customers", "transactions"):
        raise SettingsError(f"Unknown RFM source '{source}'.")
    if source != "customers":
        found = transaction_columns(data, roles=roles, types=types, customer_column=customer_column,
                                    date_column=date_column, amount_column=amount_column)
        if found is not None:
            return rfm_from_transactions(data, columns=found, types=types, reference_date=reference_date)
        if source == "transactions":
            raise SegmentationError("This file does not look like a transactions file (one row per order line "
                                    "with a customer id, a date and an amount or quantity and price).")
    guess = suggest_rfm_columns(roles, types)
    chosen = {"recency": recency or guess["recency"], "frequency": _as_list(frequency) or guess["frequency"],
              "monetary": _as_list(monetary) or guess["monetary"]}
    missing = {m: MISSING_WORDS[m] for m, value in chosen.items() if not value}
    if missing:
        raise SettingsError(missing_sentence(missing))
    check_rfm_columns(recency=chosen["recency"], frequency=chosen["frequency"], monetary=chosen["monetary"],
                      roles=roles, types=types)
    return rfm_from_customers(data, recency=chosen["recency"], frequency=chosen["frequency"],
                              monetary=chosen["monetary"], types=types, reference_date=reference_date)
