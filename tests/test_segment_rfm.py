"""RFM: quintile scores, named groups, customer files and transactions files (hand-counted)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from segdash import db
from segdash.data import Data
from segdash.errors import SegdashError, SegmentationError, SettingsError
from segdash.segment.base import commit_labels
from segdash.segment.rfm import (
    GROUP_NAMES,
    NO_CUSTOMER_ID,
    NO_VALID_PURCHASE,
    detect_transactions,
    fm_score,
    rfm_from_customers,
    rfm_group,
    score_values,
    segment_rfm,
    suggest_rfm_columns,
)
from tests.helpers import frame_connection


def _con(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    return frame_connection(frame)


def _labels(con: duckdb.DuckDBPyConnection) -> list[str]:
    commit_labels(Data.duckdb(con))  # what Workspace.set_segmentation does
    return [label for _, label in db.fetch_all(con, "SELECT _row, segment FROM segment_labels ORDER BY _row")]


def test_quintile_scores_on_1_to_100() -> None:
    scores = score_values(list(range(1, 101)))
    assert scores == [1] * 20 + [2] * 20 + [3] * 20 + [4] * 20 + [5] * 20
    # recency: fewer days is better, so day 1 scores 5
    assert score_values(list(range(1, 101)), higher_is_better=False) == [5] * 20 + [4] * 20 + [3] * 20 + [
        2] * 20 + [1] * 20


def test_ties_share_the_lower_score() -> None:
    # 10 customers: six with 1 order share the lowest rank (score 1); the next starts at rank 6 -> 1+30//10 = 4
    assert score_values([1, 1, 1, 1, 1, 1, 2, 3, 3, 9]) == [1, 1, 1, 1, 1, 1, 4, 4, 4, 5]


def test_every_grid_cell_has_exactly_one_group() -> None:
    cells = {(r, fm): rfm_group(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert set(cells.values()) == set(GROUP_NAMES)  # all eleven groups are reachable
    assert rfm_group(5, 5) == "Champions" and rfm_group(1, 1) == "Lost" and rfm_group(1, 5) == "Can't lose them"
    assert fm_score(4, 5) == 5 and fm_score(1, 2) == 2 and fm_score(3, 3) == 3
    with pytest.raises(ValueError):
        rfm_group(0, 3)


HAND_MADE = pd.DataFrame({
    "days since last order": [10, 20, 30, 40, 50],
    "orders": [5, 1, 3, 4, 2],
    "total $pend": [500.0, 100.0, 300.0, 400.0, 200.0],
})
TYPES = {"days since last order": "number", "orders": "number", "total $pend": "number"}


def test_groups_of_hand_made_customers() -> None:
    con = _con(HAND_MADE)
    seg = rfm_from_customers(Data.duckdb(con), recency="days since last order", frequency="orders", monetary="total $pend",
                             types=TYPES)
    # R: 5,4,3,2,1; F: 5,1,3,4,2; M: 5,1,3,4,2 -> FM: 5,1,3,4,2
    assert _labels(con) == ["Champions", "Promising", "Need attention", "At risk", "Lost"]
    assert sum(seg.sizes.values()) == 5
    assert seg.rules["Champions"].endswith("(R 5, FM 4-5)")
    assert seg.extra["customers_per_group"]["At risk"] == 1
    assert "rank" in seg.extra["score_method"]


def test_recency_from_dates_against_latest_or_typed_reference() -> None:
    frame = pd.DataFrame({
        "last_purchase": pd.to_datetime(["2024-06-30", "2024-06-20", "2024-05-31", "2024-01-01", None]),
        "orders": [5, 4, 3, 2, 1], "spend": [5.0, 4.0, 3.0, 2.0, 1.0],
    })
    types = {"last_purchase": "date", "orders": "number", "spend": "number"}
    con = _con(frame)
    seg = rfm_from_customers(Data.duckdb(con), recency="last_purchase", frequency="orders", monetary="spend", types=types)
    assert _labels(con) == ["Champions", "Loyal", "Need attention", "Hibernating", "Lost"]
    assert any("2024-06-30" in n for n in seg.notes) and any("1 customers have no last purchase" in n
                                                              for n in seg.notes)
    seg = rfm_from_customers(Data.duckdb(con), recency="last_purchase", frequency="orders", monetary="spend", types=types,
                             reference_date=dt.date(2025, 1, 1))
    assert seg.extra["reference_date"] == "2025-01-01"  # ranks (hence groups) do not move with the reference
    assert _labels(con)[0] == "Champions"


def test_suggested_columns_and_auto_rfm_on_a_customer_file() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "last_purchase_date": pd.to_datetime(
        ["2024-01-01", "2024-02-01", "2024-03-01"]), "orders": [1, 2, 3], "total_spend": [1.0, 2.0, 3.0]})
    roles = {"customer_id": "id", "last_purchase_date": "date", "orders": "behavioral", "total_spend": "revenue"}
    types = {"customer_id": "text", "last_purchase_date": "date", "orders": "number", "total_spend": "number"}
    assert suggest_rfm_columns(roles, types) == {"recency": "last_purchase_date", "frequency": ["orders"],
                                                 "monetary": ["total_spend"], "missing": {}}
    con = _con(frame)
    assert detect_transactions(Data.duckdb(con), roles=roles, types=types) is None  # one row per customer
    seg = segment_rfm(Data.duckdb(con), roles=roles, types=types)
    assert seg.settings["source"] == "customers" and sum(seg.sizes.values()) == 3


LINES = pd.DataFrame({
    "Invoice": ["1", "1", "2", "C3", "4", "5", "6", "C7", "8"],
    "Customer ID": ["A", "A", "A", "A", "B", "B", None, "C", "D"],
    "InvoiceDate": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-03-01", "2024-03-02", "2024-02-01",
                                   "2024-02-05", "2024-03-01", "2024-01-01", "2024-01-01"]),
    "Quantity": [2, 1, 1, -1, 1, -1, 3, -2, 1],
    "Price": [10.0, 5.0, 100.0, 100.0, 10.0, 10.0, 1.0, 5.0, 1.0],
})
LINE_TYPES = {"Invoice": "text", "Customer ID": "text", "InvoiceDate": "date", "Quantity": "number",
              "Price": "number"}


def test_transactions_are_aggregated_without_cancellations_and_returns() -> None:
    con = _con(LINES)
    found = detect_transactions(Data.duckdb(con), roles={}, types=LINE_TYPES)
    assert found is not None
    assert (found.customer, found.invoice, found.date, found.quantity, found.price) == (
        "Customer ID", "Invoice", "InvoiceDate", "Quantity", "Price")
    seg = segment_rfm(Data.duckdb(con), roles={}, types=LINE_TYPES)
    # valid: A 2 invoices, 125 spent, last 03-01 (0 days); B 1 invoice, 10, 29 days; D 1 invoice, 1, 60 days.
    # R: D 1, B 1+5//3=2, A 1+10//3=4; F: B,D tie -> 1, A 4; M: D 1, B 2, A 4 -> FM: A 4, B 2, D 1
    assert _labels(con) == ["Loyal", "Loyal", "Loyal", "Loyal", "Hibernating", "Hibernating", NO_CUSTOMER_ID,
                            NO_VALID_PURCHASE, "Lost"]
    assert seg.sizes == {"Loyal": 4, "Hibernating": 2, "Lost": 1, NO_CUSTOMER_ID: 1, NO_VALID_PURCHASE: 1}
    assert seg.extra["excluded"] == {"cancelled": 2, "returned": 1, "no_customer_id": 1}
    assert seg.extra["customers_per_group"] == {"Loyal": 1, "Hibernating": 1, "Lost": 1}
    assert any("2 cancelled lines" in n and "1 returned" in n for n in seg.notes)
    assert any("1 customers have only cancelled" in n for n in seg.notes)
    assert sum(seg.sizes.values()) == len(LINES)


def test_transactions_with_amount_column_and_determinism() -> None:
    frame = pd.DataFrame({"order_id": [1, 2, 3, 4, 5, 6], "customer": ["x", "x", "y", "y", "z", "w"],
                          "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-20",
                                                  "2024-02-01", "2023-12-01"]),
                          "amount": [10.0, 20.0, 5.0, -5.0, 50.0, 1.0]})
    types = {"order_id": "number", "customer": "text", "date": "date", "amount": "number"}
    con = _con(frame)
    first = segment_rfm(Data.duckdb(con), roles={}, types=types)
    labels = _labels(con)
    second = segment_rfm(Data.duckdb(con), roles={}, types=types)
    assert first.sizes == second.sizes and labels == _labels(con)
    assert first.extra["excluded"]["returned"] == 1 and first.extra["customers"] == 4


def test_transactions_without_customer_id_explain() -> None:
    con = _con(LINES.drop(columns=["Customer ID"]))
    types = {k: v for k, v in LINE_TYPES.items() if k != "Customer ID"}
    with pytest.raises(SegmentationError, match="no customer id"):
        segment_rfm(Data.duckdb(con), roles={}, types=types)


@pytest.mark.parametrize(
    ("frame", "types", "words"),
    [
        (HAND_MADE.head(1), TYPES, "at least 2 customers"),
        (HAND_MADE.assign(orders=["a", "b", "c", "d", "e"]), {**TYPES, "orders": "text"}, "must hold numbers"),
        (HAND_MADE.assign(**{"days since last order": None}), TYPES, "empty for every customer"),
        (pd.DataFrame({"name": ["a", "b"]}), {"name": "text"}, "no column can serve as recency, frequency, money"),
    ],
)
def test_bad_rfm_inputs_explain(frame: pd.DataFrame, types: dict, words: str) -> None:
    con = _con(frame)
    chosen = {"recency": "days since last order", "frequency": "orders", "monetary": "total $pend"}
    roles = {"total $pend": "revenue"}
    with pytest.raises(SettingsError, match=words):
        segment_rfm(Data.duckdb(con), roles=roles, types=types, **(chosen if "orders" in frame else {}))


def test_errors_are_segdash_errors() -> None:
    assert issubclass(SettingsError, SegdashError) and issubclass(SegmentationError, SegdashError)


# -- plausible columns only (issue 16: birth year as spend, age as recency, ratings as R/F/M) ---------

def _load_csv(tmp_path, text: str):
    from segdash.workspace import Workspace

    path = tmp_path / "customers.csv"
    path.write_text(text)
    ws = Workspace()
    ws.load(path)
    return ws


SURVEY = """id,Year_Birth,Age,Income,Satisfaction,Service_Rating,Delivery_Rating,Kidhome
1,1970,54,50000,4,5,3,1
2,1985,39,62000,2,3,4,0
3,1990,34,41000,5,4,5,2
4,1962,62,75000,3,2,1,0
5,1978,46,58000,1,1,2,1
"""


def test_no_plausible_column_leaves_every_picker_empty_and_says_what_is_missing(tmp_path) -> None:
    # birth year, age, income and three 1-5 ratings: none can be recency, frequency or money
    ws = _load_csv(tmp_path, SURVEY)
    types = ws.column_types()
    guess = suggest_rfm_columns(ws.roles, types)
    assert (guess["recency"], guess["frequency"], guess["monetary"]) == (None, [], [])
    assert set(guess["missing"]) == {"recency", "frequency", "monetary"}
    with pytest.raises(SettingsError, match="no column can serve as recency, frequency, money"):
        segment_rfm(ws.data, roles=ws.roles, types=types)


@pytest.mark.parametrize(("chosen", "refused"), [
    ({"recency": "Age", "frequency": "Kidhome", "monetary": "Age"}, "'Age' is chosen for both recency and money"),
    ({"recency": "Income", "frequency": "Income", "monetary": "Income"}, "'Income' is chosen for both recency and "
                                                                        "frequency"),
    ({"recency": "Age", "frequency": "Satisfaction", "monetary": "Year_Birth"}, "'Age' cannot serve as recency"),
    ({"recency": "Satisfaction", "frequency": "Service_Rating", "monetary": "Delivery_Rating"},
     "'Satisfaction' cannot serve as recency"),
])
def test_implausible_columns_are_refused_when_chosen(tmp_path, chosen: dict, refused: str) -> None:
    ws = _load_csv(tmp_path, SURVEY)
    with pytest.raises(SettingsError, match=refused):
        segment_rfm(ws.data, roles=ws.roles, types=ws.column_types(), **chosen)


def test_a_birth_year_or_rating_is_never_money_even_with_the_revenue_role() -> None:
    from segdash.segment.rfm import rfm_candidates

    roles = {"Year_Birth": "revenue", "Spending Score (1-100)": "behavioral", "Shopping_Satisfaction": "revenue",
             "cashback": "revenue", "Total Claim Amount": "revenue", "amount_spent": "behavioral"}
    types = dict.fromkeys(roles, "number")
    assert rfm_candidates(roles, types)["monetary"] == ["amount_spent"]


def test_one_column_never_serves_twice() -> None:
    from segdash.segment.rfm import rfm_candidates

    roles = {"days_since_last_purchase": "behavioral", "orders": "behavioral", "spend": "revenue"}
    types = dict.fromkeys(roles, "number")
    found = rfm_candidates(roles, types)
    assert found == {"recency": ["days_since_last_purchase"], "frequency": ["orders"], "monetary": ["spend"]}
    # "Months Since Last Claim" says months since, but not since a purchase
    assert rfm_candidates({"Months Since Last Claim": "other"}, {"Months Since Last Claim": "number"})["recency"] == []


SPLIT = """id,Recency,MntWines,MntMeat,MntGold,NumDealsPurchases,NumWebPurchases,NumStorePurchases
1,10,100,50,0,1,2,3
2,40,10,5,5,0,1,0
3,5,300,200,20,2,5,6
4,80,0,10,0,1,0,1
5,20,50,50,50,3,2,2
"""


def test_split_spend_and_purchases_are_summed_and_shown(tmp_path) -> None:
    ws = _load_csv(tmp_path, SPLIT)
    roles = {**ws.roles, "MntWines": "behavioral", "MntMeat": "behavioral", "MntGold": "behavioral"}
    types = ws.column_types()
    guess = suggest_rfm_columns(roles, types)
    assert guess["recency"] == "Recency"
    # deals are a subset of the purchases, so they are not added again
    assert guess["frequency"] == ["NumWebPurchases", "NumStorePurchases"]
    assert guess["monetary"] == ["MntWines", "MntMeat", "MntGold"]
    seg = segment_rfm(ws.data, roles=roles, types=types)
    assert seg.extra["columns"] == {"recency": "Recency", "frequency": ["NumWebPurchases", "NumStorePurchases"],
                                    "monetary": ["MntWines", "MntMeat", "MntGold"]}
    assert any(n == "Spend is the sum of 3 columns: MntWines + MntMeat + MntGold." for n in seg.notes)
    # sums per customer: orders 5,1,11,1,4; spend 150,20,520,10,150 -> averages in the group table
    summary = {s["group"]: s for s in seg.extra["group_summary"]}
    total_orders = sum(s["avg_orders"] * s["customers"] for s in summary.values())
    total_spend = sum(s["avg_spend"] * s["customers"] for s in summary.values())
    assert (round(total_orders), round(total_spend)) == (22, 850)
    # customer 3: 5 days (R 5), 11 orders (F 5), 520 spent (M 5) -> Champions
    assert _labels(ws.con)[2] == "Champions"


def test_recency_unit_follows_the_column() -> None:
    from segdash.segment.rfm import recency_unit

    assert recency_unit("last_purchase_date", "date") == "days"
    assert recency_unit("MonthsSinceLastPurchase", "number") == "months"
    assert recency_unit("weeks_since_last_order", "number") == "weeks"
    assert recency_unit("Recency", "number") == "days"
