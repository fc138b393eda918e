"""RFM: quintile scores, named groups, customer files and transactions files (hand-counted)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from segdash import db
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


def _con(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = db.connect()
    data = frame.copy()
    data.insert(0, db.ROW, range(2, len(data) + 2))
    con.register("_frame", data)
    con.execute("CREATE TABLE customers AS SELECT * FROM _frame")
    con.unregister("_frame")
    return con


def _labels(con: duckdb.DuckDBPyConnection) -> list[str]:
    commit_labels(con)  # what Workspace.set_segmentation does
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
    seg = rfm_from_customers(con, recency="days since last order", frequency="orders", monetary="total $pend",
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
    seg = rfm_from_customers(con, recency="last_purchase", frequency="orders", monetary="spend", types=types)
    assert _labels(con) == ["Champions", "Loyal", "Need attention", "Hibernating", "Lost"]
    assert any("2024-06-30" in n for n in seg.notes) and any("1 customers have no last purchase" in n
                                                              for n in seg.notes)
    seg = rfm_from_customers(con, recency="last_purchase", frequency="orders", monetary="spend", types=types,
                             reference_date=dt.date(2025, 1, 1))
    assert seg.extra["reference_date"] == "2025-01-01"  # ranks (hence groups) do not move with the reference
    assert _labels(con)[0] == "Champions"


def test_suggested_columns_and_auto_rfm_on_a_customer_file() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "last_purchase_date": pd.to_datetime(
        ["2024-01-01", "2024-02-01", "2024-03-01"]), "orders": [1, 2, 3], "total_spend": [1.0, 2.0, 3.0]})
    roles = {"customer_id": "id", "last_purchase_date": "date", "orders": "behavioral", "total_spend": "revenue"}
    types = {"customer_id": "text", "last_purchase_date": "date", "orders": "number", "total_spend": "number"}
    assert suggest_rfm_columns(roles, types) == {"recency": "last_purchase_date", "frequency": "orders",
                                                 "monetary": "total_spend"}
    con = _con(frame)
    assert detect_transactions(con, roles=roles, types=types) is None  # one row per customer
    seg = segment_rfm(con, roles=roles, types=types)
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
    found = detect_transactions(con, roles={}, types=LINE_TYPES)
    assert found is not None
    assert (found.customer, found.invoice, found.date, found.quantity, found.price) == (
        "Customer ID", "Invoice", "InvoiceDate", "Quantity", "Price")
    seg = segment_rfm(con, roles={}, types=LINE_TYPES)
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
    first = segment_rfm(con, roles={}, types=types)
    labels = _labels(con)
    second = segment_rfm(con, roles={}, types=types)
    assert first.sizes == second.sizes and labels == _labels(con)
    assert first.extra["excluded"]["returned"] == 1 and first.extra["customers"] == 4


def test_transactions_without_customer_id_explain() -> None:
    con = _con(LINES.drop(columns=["Customer ID"]))
    types = {k: v for k, v in LINE_TYPES.items() if k != "Customer ID"}
    with pytest.raises(SegmentationError, match="no customer id"):
        segment_rfm(con, roles={}, types=types)


@pytest.mark.parametrize(
    ("frame", "types", "words"),
    [
        (HAND_MADE.head(1), TYPES, "at least 2 customers"),
        (HAND_MADE.assign(orders=["a", "b", "c", "d", "e"]), {**TYPES, "orders": "text"}, "must hold numbers"),
        (HAND_MADE.assign(**{"days since last order": None}), TYPES, "empty for every customer"),
        (pd.DataFrame({"name": ["a", "b"]}), {"name": "text"}, "RFM needs a column"),
    ],
)
def test_bad_rfm_inputs_explain(frame: pd.DataFrame, types: dict, words: str) -> None:
    con = _con(frame)
    chosen = {"recency": "days since last order", "frequency": "orders", "monetary": "total $pend"}
    with pytest.raises(SettingsError, match=words):
        segment_rfm(con, roles={}, types=types, **(chosen if "orders" in frame else {}))


def test_errors_are_segdash_errors() -> None:
    assert issubclass(SettingsError, SegdashError) and issubclass(SegmentationError, SegdashError)
