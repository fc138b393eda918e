"""Acquisition economics on a ten-customer table whose answers are worked out by hand.

The table (as-of date 2025-01-01, margin 40%, lifetime 36 months). Tenure: 487 days is exactly
16 months of 30.4375 days, 974 days 32 months, 1461 days 48 months.

row seg channel cost revenue orders tenure(months)
 1   A  Social   10    100     2       16
 2   A  Social   10    200     4       16
 3   A  Email     2     60     2       32
 4   A  Email     2     40     1       32
 5   B  Social   10      0     0       16
 6   B  Search   30    300     3       48
 7   B  Search   30    300     3       48
 8   B  Search   30      0     0       16
 9   C  Email     2     40     1       16
10   C  Email     2     60     1       16
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from segdash import db, economics
from segdash.data import Data
from segdash.economics import Assumptions, EconomicsColumns
from segdash.errors import EconomicsError
from segdash.segment.base import commit_labels, write_labels

AS_OF = date(2025, 1, 1)
DAYS = {16: 487, 32: 974, 48: 1461}
TENURE = [16, 16, 32, 32, 16, 48, 48, 16, 16, 16]
SEGMENTS = list("AAAABBBBCC")
FULL = EconomicsColumns(channel="channel", cost="cost", revenue="revenue", orders="orders", signup="signup")
NO_COST = EconomicsColumns(channel="channel", revenue="revenue", orders="orders", signup="signup")
BASE = Assumptions(as_of=AS_OF)


def _customers() -> pd.DataFrame:
    return pd.DataFrame({
        "_row": np.arange(1, 11, dtype=np.int64),
        "channel": ["Social", "Social", "Email", "Email", "Social", "Search", "Search", "Search", "Email", "Email"],
        "cost": [10, 10, 2, 2, 10, 30, 30, 30, 2, 2.0],
        "revenue": [100, 200, 60, 40, 0, 300, 300, 0, 40, 60.0],
        "orders": [2, 4, 2, 1, 0, 3, 3, 0, 1, 1],
        "signup": [pd.Timestamp(AS_OF - timedelta(days=DAYS[t])) for t in TENURE],
    })


def _connection(frame: pd.DataFrame, labels: list[str] = SEGMENTS) -> object:
    con = db.connect()
    con.register("_frame", frame)
    con.execute(f"CREATE TABLE {db.TABLE} AS SELECT * FROM _frame")
    con.unregister("_frame")
    write_labels(Data.duckdb(con), frame["_row"].to_numpy(), labels)
    commit_labels(Data.duckdb(con))
    return con


@pytest.fixture
def con() -> object:
    return _connection(_customers())


def _row(frame: pd.DataFrame, segment: str) -> pd.Series:
    return frame.set_index("segment").loc[segment]


def _spend(**amounts: float) -> pd.DataFrame:
    return pd.DataFrame({"channel": list(amounts), "spend": [float(v) for v in amounts.values()]})


# -- mode 1: per-customer cost ----------------------------------------------------------------------
def test_per_customer_cost_by_hand(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)
    assert result.mode == "per_customer"
    a = _row(result.segments, "A")
    assert a["customers"] == 4
    assert a["spend"] == pytest.approx(24)
    assert a["cac"] == pytest.approx(6)
    assert a["revenue"] == pytest.approx(400)
    assert a["gross_profit"] == pytest.approx(160)
    assert a["aov"] == pytest.approx(400 / 9)
    assert a["frequency"] == pytest.approx(9 / 96)  # orders per customer-month
    assert a["tenure_months"] == pytest.approx(24)
    assert a["historic_ltv"] == pytest.approx(40)
    assert a["predicted_ltv"] == pytest.approx(0.4 * 400 / 96 * 36)  # 60
    assert a["ltv_to_cac"] == pytest.approx(10)
    assert a["roi"] == pytest.approx((160 - 24) / 24)
    assert a["payback_months"] == pytest.approx(6 / (0.4 * 400 / 96))  # 3.6
    b = _row(result.segments, "B")
    assert (b["cac"], b["predicted_ltv"], b["roi"]) == pytest.approx((25, 67.5, 1.4))
    assert b["payback_months"] == pytest.approx(25 / 1.875)
    c = _row(result.segments, "C")
    assert (c["cac"], c["predicted_ltv"], c["ltv_to_cac"], c["roi"], c["payback_months"]) == pytest.approx(
        (2, 45, 22.5, 9, 1.6))
    total = result.total.iloc[0]
    assert (total["customers"], total["spend"], total["revenue"]) == (10, pytest.approx(128), pytest.approx(1100))
    assert total["roi"] == pytest.approx((440 - 128) / 128)
    assert list(result.segments.columns) == list(economics.SEGMENT_COLUMNS)


def test_segment_by_channel_and_channel_rollup(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)
    cells = result.by_channel.set_index(["segment", "channel"])
    assert len(cells) == 5
    assert cells.loc[("B", "Search"), "spend"] == pytest.approx(90)
    assert cells.loc[("B", "Search"), "roi"] == pytest.approx((240 - 90) / 90)
    social_b = cells.loc[("B", "Social")]
    assert social_b["roi"] == pytest.approx(-1.0)
    assert np.isnan(social_b["payback_months"])  # no gross profit: never paid back
    channels = result.channels.set_index("channel")
    assert channels.loc["Email", "customers"] == 4
    assert channels.loc["Email", "spend"] == pytest.approx(8)
    assert result.by_channel["spend"].sum() == pytest.approx(result.total["spend"].iloc[0])


def test_negative_per_customer_cost_is_refused() -> None:
    frame = _customers()
    frame.loc[3, "cost"] = -5.0
    con = _connection(frame)
    with pytest.raises(EconomicsError, match="1 customers have a negative acquisition cost in 'cost'"):
        economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)


def test_text_cost_column_is_refused() -> None:
    with pytest.raises(EconomicsError, match="holds text, not amounts"):
        economics.check_columns(EconomicsColumns(cost="channel"), types={"channel": "text"})


# -- mode 2: spend per channel ----------------------------------------------------------------------
def test_channel_spend_is_shared_equally_per_channel(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE,
                                         channel_spend=_spend(Social=300, Email=40, Search=60))
    assert result.mode == "channel_spend"
    # Social 300 / 3 customers = 100 each; Email 40 / 4 = 10 each; Search 60 / 3 = 20 each.
    a, b, c = (_row(result.segments, s) for s in "ABC")
    assert (a["spend"], b["spend"], c["spend"]) == pytest.approx((220, 160, 20))
    assert (a["cac"], b["cac"], c["cac"]) == pytest.approx((55, 40, 10))
    assert a["roi"] == pytest.approx((160 - 220) / 220)
    assert b["roi"] == pytest.approx(0.5)
    assert c["roi"] == pytest.approx(1.0)
    assert a["ltv_to_cac"] == pytest.approx(60 / 55)
    assert b["payback_months"] == pytest.approx(40 / 1.875)
    assert c["payback_months"] == pytest.approx(8)
    assert result.segments["spend"].sum() == pytest.approx(400)
    assert result.total["spend"].iloc[0] == pytest.approx(400)
    assert result.segments["customers"].sum() == result.total["customers"].iloc[0] == 10
    assert result.unallocated_spend == pytest.approx(0)
    assert result.segments["segment"].tolist() == ["A", "B", "C"]  # largest spend first


def test_channel_spend_only_for_customers_signed_up_in_period(con: object) -> None:
    recent = Assumptions(as_of=AS_OF, period_start=AS_OF - timedelta(days=600), period_end=AS_OF,
                         restrict_to_period=True)
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=recent,
                                         channel_spend=_spend(Social=300, Email=40, Search=60))
    # Signed up in the period: rows 1, 2, 5, 8, 9, 10 (16 months). Social 300/3, Email 40/2, Search 60/1.
    a, b, c = (_row(result.segments, s) for s in "ABC")
    assert (a["customers"], b["customers"], c["customers"]) == (2, 2, 2)
    assert (a["spend"], b["spend"], c["spend"]) == pytest.approx((200, 160, 40))
    assert result.total["customers"].iloc[0] == 6
    assert result.total["spend"].iloc[0] == pytest.approx(400)
    assert any("signed up between" in note for note in result.notes)


def test_spend_for_channel_without_customers_in_period_is_reported(con: object) -> None:
    oldest = Assumptions(as_of=AS_OF, period_start=AS_OF - timedelta(days=1500),
                         period_end=AS_OF - timedelta(days=1400), restrict_to_period=True)
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=oldest,
                                         channel_spend=_spend(Social=300, Email=40, Search=60))
    # Only rows 6 and 7 (segment B, Search) signed up then.
    assert result.unallocated_spend == pytest.approx(340)
    assert result.total["spend"].iloc[0] == pytest.approx(60)
    assert len(result.warnings) == 2 and "'Social'" in result.warnings[0]
    a = _row(result.segments, "A")
    assert a["customers"] == 0 and np.isnan(a["cac"])
    reasons = economics.na_reasons(result.segments, columns=result.columns).set_index(result.segments["segment"])
    assert reasons.loc["A", "cac"] == "no customers"


def test_without_channel_column_one_spend_is_shared_by_all(con: object) -> None:
    columns = EconomicsColumns(revenue="revenue", orders="orders", signup="signup")
    assert economics.channel_list(Data.duckdb(con), channel=None) == [economics.ALL_CHANNELS]
    result = economics.compute_economics(Data.duckdb(con), columns=columns, assumptions=BASE,
                                         channel_spend=_spend(**{economics.ALL_CHANNELS: 1000}))
    assert _row(result.segments, "A")["cac"] == pytest.approx(100)
    assert _row(result.segments, "C")["spend"] == pytest.approx(200)
    assert result.by_channel.empty


def test_clean_channel_spend_reports_each_bad_row() -> None:
    typed = pd.DataFrame({
        "channel": ["Social", "Email", "TikTok", "Search", "Social", None, "Store"],
        "spend": ["1,200", "abc", "50", "-5", "7", "9", None],
    })
    clean, problems = economics.clean_channel_spend(typed, channels=["Social", "Email", "Search", "Store"])
    assert clean.to_dict("list") == {"channel": ["Social"], "spend": [1200.0]}
    assert len(problems) == 5
    assert "'abc', which is not an amount" in problems[0]
    assert "No customer in the data was acquired through 'TikTok'" in problems[1]
    assert "negative" in problems[2]
    assert "entered twice" in problems[3]
    assert "has no channel" in problems[4]


def test_negative_spend_refused_by_the_core(con: object) -> None:
    with pytest.raises(EconomicsError, match="cannot be negative"):
        economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE, channel_spend=_spend(Social=-1))


def test_spend_template_keeps_earlier_amounts() -> None:
    template = economics.spend_template(["Social", "Email"], previous=_spend(Email=40, Gone=5))
    assert template["channel"].tolist() == ["Social", "Email"]
    assert template["spend"].tolist() == [0.0, 40.0]


# -- mode 3: no cost data ---------------------------------------------------------------------------
def test_no_cost_data_gives_na_with_reason(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE)
    assert result.mode == "none"
    a = _row(result.segments, "A")
    assert a["spend"] == 0
    assert np.isnan(a["cac"]) and np.isnan(a["roi"]) and np.isnan(a["ltv_to_cac"]) and np.isnan(a["payback_months"])
    assert a["predicted_ltv"] == pytest.approx(60)
    assert a["historic_ltv"] == pytest.approx(40)
    shown = economics.format_table(result.segments, columns=result.columns)
    assert shown.loc[0, "CAC (cost per customer)"] == "n/a — no acquisition spend recorded"
    assert shown.loc[0, "ROI to date"] == "n/a — no acquisition spend recorded"
    text = shown.to_string()
    assert "nan" not in text.lower() and "inf" not in text.lower()


def test_no_revenue_or_signup_columns(con: object) -> None:
    columns = EconomicsColumns(channel="channel", cost="cost")
    result = economics.compute_economics(Data.duckdb(con), columns=columns, assumptions=BASE)
    a = _row(result.segments, "A")
    assert a["cac"] == pytest.approx(6) and np.isnan(a["revenue"]) and np.isnan(a["predicted_ltv"])
    shown = economics.format_table(result.segments, columns=columns)
    assert shown.loc[0, "Revenue"] == "n/a — no revenue column chosen"
    assert shown.loc[0, "Orders per customer per year"] == "n/a — no orders column chosen"


# -- assumptions ------------------------------------------------------------------------------------
def test_churn_and_discount(con: object) -> None:
    churn = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=Assumptions(as_of=AS_OF, monthly_churn=0.05))
    assert _row(churn.segments, "A")["predicted_ltv"] == pytest.approx((0.4 * 400 / 96) / 0.05)
    rate = 0.10
    d = 1.1 ** (1 / 12) - 1
    discounted = economics.compute_economics(
        Data.duckdb(con), columns=FULL, assumptions=Assumptions(as_of=AS_OF, annual_discount_rate=rate))
    expected = (0.4 * 400 / 96) * (1 - (1 + d) ** -36) / d
    assert _row(discounted.segments, "A")["predicted_ltv"] == pytest.approx(expected)
    assert expected < 60


@pytest.mark.parametrize("bad", [
    Assumptions(margin=1.5), Assumptions(margin=-0.1), Assumptions(lifetime_months=0),
    Assumptions(monthly_churn=0.0), Assumptions(annual_discount_rate=2.0),
    Assumptions(period_start=date(2025, 1, 2), period_end=date(2025, 1, 1)),
])
def test_assumptions_out_of_range(bad: Assumptions) -> None:
    with pytest.raises(EconomicsError):
        economics.check_assumptions(bad)


def test_margin_message_is_plain() -> None:
    with pytest.raises(EconomicsError, match=r"between 0% and 100%; got 150.0%"):
        economics.check_assumptions(Assumptions(margin=1.5))


def test_as_of_defaults_to_latest_date(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL)
    assert result.as_of == (AS_OF - timedelta(days=487))  # the latest signup in the table


def test_suggest_columns_from_roles() -> None:
    roles = {"id": "id", "signup_date": "date", "last_purchase_date": "behavioral", "orders": "behavioral",
             "total_spend": "revenue", "acquisition_channel": "acquisition_channel",
             "acquisition_cost": "acquisition_cost"}
    types = {"id": "text", "signup_date": "date", "last_purchase_date": "date", "orders": "number",
             "total_spend": "number", "acquisition_channel": "text", "acquisition_cost": "number"}
    assert economics.suggest_columns(roles, types=types) == EconomicsColumns(
        channel="acquisition_channel", cost="acquisition_cost", revenue="total_spend", orders="orders",
        signup="signup_date")


def test_records_shape(con: object) -> None:
    records = economics.to_records(economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE))
    assert set(records[0]) == {"segment", "customers", "spend", "cac", "revenue", "ltv", "ltv_to_cac", "roi",
                               "payback_months"}
    assert records[0]["cac"] is None and records[0]["ltv"] is not None


# -- budget what-if ---------------------------------------------------------------------------------
def test_project_budget_by_hand(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE,
                                         channel_spend=_spend(Social=300, Email=40, Search=60))
    # CAC A 55, B 40, C 10; LTV A 60, B 67.5, C 45; current split 55% / 40% / 5%.
    assert economics.current_shares(result.segments) == {"A": 55.0, "B": 40.0, "C": 5.0}
    projection = economics.project_budget(result.segments, budget=1000, shares={"A": 50, "B": 50, "C": 0})
    rows = projection.table.set_index("key")
    assert rows.loc["A", "new_customers"] == pytest.approx(500 / 55)
    assert rows.loc["A", "return"] == pytest.approx(500 / 55 * 60)
    assert rows.loc["B", "new_customers"] == pytest.approx(12.5)
    assert rows.loc["B", "return"] == pytest.approx(843.75)
    assert rows.loc["C", "return"] == 0
    assert rows.loc["A", "current_spend"] == pytest.approx(550)
    assert rows.loc["C", "current_return"] == pytest.approx(50 / 10 * 45)
    assert projection.totals["current_return"] == pytest.approx(600 + 675 + 225)
    assert projection.notes == []


def test_project_budget_rescales_shares_and_says_so(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)
    projection = economics.project_budget(result.segments, budget=100, shares={"A": 25, "B": 25, "C": 0})
    assert projection.table["share"].tolist() == pytest.approx([50, 50, 0])
    assert "add up to 50.0%" in projection.notes[0]


def test_project_budget_segment_without_cac(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE, channel_spend=_spend(Social=300))
    # C has no Social customers: no spend, no CAC, cannot be projected.
    projection = economics.project_budget(result.segments, budget=100, shares={"A": 50, "B": 0, "C": 50})
    rows = projection.table.set_index("key")
    assert np.isnan(rows.loc["C", "new_customers"])
    assert any("'C' cannot be projected" in note for note in projection.notes)
    shown = economics.format_projection(projection)
    assert "n/a — no cost per customer known" in shown["New customers what-if"].tolist()


def test_project_budget_notes_use_segment_names_and_say_when_nothing_projects(con: object) -> None:
    # Seen on Mall_Customers.csv (no cost at all): the what-if warned about 'Segment 1', ...
    # (labels, not the names on screen) and showed "nan" totals.
    result = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE, channel_spend=_spend(Social=300))
    projection = economics.project_budget(result.segments, budget=100, shares={"A": 50, "B": 0, "C": 50},
                                          key="segment", names={"C": "Young savers"})
    assert any(note.startswith("'Young savers' cannot be projected") and "its budget share buys" in note
               for note in projection.notes)
    nothing = economics.compute_economics(Data.duckdb(con), columns=NO_COST, assumptions=BASE)
    none = economics.project_budget(nothing.segments, budget=100, shares={"A": 50, "B": 25, "C": 25})
    assert any(note.startswith("Nothing can be projected") for note in none.notes)
    assert not any("cannot be projected" in note for note in none.notes)
    assert np.isnan(none.totals["new_customers"])


def test_project_budget_without_revenue_says_the_return_cannot_be_projected(con: object) -> None:
    # Seen on bank.csv with spend entered but no revenue column: "Lifetime gross profit (what-if): nan"
    # under a note about the signup date, which was not the reason.
    no_revenue = dataclasses.replace(NO_COST, revenue=None)
    result = economics.compute_economics(Data.duckdb(con), columns=no_revenue, assumptions=BASE, channel_spend=_spend(Social=300))
    projection = economics.project_budget(result.segments, budget=100, shares={"A": 50, "B": 50, "C": 0})
    assert any(note.startswith("Without revenue per customer") for note in projection.notes)
    assert not any("signup date" in note for note in projection.notes)
    assert projection.totals["new_customers"] > 0
    assert economics.format_value(projection.totals["return"], metric="spend") == "n/a"


@pytest.mark.parametrize(("budget", "shares", "message"), [
    (-1, {"A": 100}, "budget must be"),
    (100, {"A": -5, "B": 105}, "share for 'A'"),
    (100, {"A": 0, "B": 0, "C": 0}, "Every share is 0%"),
])
def test_project_budget_bad_input(con: object, budget: float, shares: dict, message: str) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)
    with pytest.raises(EconomicsError, match=message):
        economics.project_budget(result.segments, budget=budget, shares=shares)


def test_project_budget_by_channel(con: object) -> None:
    result = economics.compute_economics(Data.duckdb(con), columns=FULL, assumptions=BASE)
    projection = economics.project_budget(result.channels, budget=90, shares={"Search": 100}, key="channel")
    rows = projection.table.set_index("key")
    assert rows.loc["Search", "new_customers"] == pytest.approx(3)


def test_labels_csv_matched_by_id(tmp_path: object) -> None:
    frame = _customers().assign(customer_id=[f"C{i}" for i in range(1, 11)])
    con = _connection(frame)
    path = tmp_path / "labels.csv"
    pd.DataFrame({"customer_id": [f"C{i}" for i in range(10, 0, -1)], "segment": list("XXYYYYYYYZ")}).to_csv(
        path, index=False)
    sizes = _attach(con, path)
    assert sizes == {"Y": 7, "X": 2, "Z": 1}
    pd.DataFrame({"customer_id": ["C1", "C2"], "segment": ["X", "Y"]}).to_csv(path, index=False)
    with pytest.raises(EconomicsError, match="do not match the customers"):
        _attach(con, path)


def test_text_cost_columns() -> None:
    roles = {"cost": "acquisition_cost", "cac": "acquisition_cost", "name": "pii"}
    assert economics.text_cost_columns(roles, types={"cost": "text", "cac": "number", "name": "text"}) == ["cost"]


def _attach(con: object, path: object) -> dict[str, int]:
    """Match a labels file, then stage and commit it, as the workspace does."""
    data = Data.duckdb(con)
    matched = economics.match_labels_csv(data, path=path, id_columns=["customer_id"])
    assert list(matched.columns) == ["_row", "segment"]  # read and matched only: nothing is staged
    assert not db.table_exists(con, "segment_labels_next")
    sizes = write_labels(data, matched["_row"].to_numpy(), matched["segment"].to_numpy())
    commit_labels(data)
    return sizes
