"""Issue 16: money next to a channel is acquisition cost, codes are categories, ratings are not money.

Each test writes a small file of the shape met in real exports and imports it the way the app does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segdash import db
from segdash.columns import profile_columns
from segdash.data import Data
from segdash.economics import suggest_columns
from segdash.ingest import import_file
from segdash.profile import CATEGORY, profile_attributes
from segdash.segment.rules import segment_by_dimensions


def _import(tmp_path: Path, text: str, name: str = "f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    con = db.connect(threads=1)
    result = import_file(con, path)
    return con, result, {c.name: c.role for c in result.columns}, {c.name: c.type for c in result.columns}


# -- acquisition cost ---------------------------------------------------------------------------


@pytest.mark.parametrize("cost", ["cost", "Cost", "total_cost", "AdSpend", "ad_spend", "cpa", "CAC", "marketing_cost",
                                  "acquisition_cost", "Budget"])
def test_a_cost_next_to_a_channel_is_acquisition_cost_and_roi_finds_it(tmp_path: Path, cost: str) -> None:
    text = f"customer_id,channel,{cost},revenue\n1,Social,12.5,100\n2,Email,3,80\n3,Search,20,150\n4,Social,11,40\n"
    _, _, roles, types = _import(tmp_path, text)
    assert roles["channel"] == "acquisition_channel"
    assert roles[cost] == "acquisition_cost"
    economics = suggest_columns(roles, types=types)
    assert (economics.channel, economics.cost, economics.revenue) == ("channel", cost, "revenue")


def test_ad_spend_is_acquisition_cost_even_without_a_channel(tmp_path: Path) -> None:
    _, _, roles, _ = _import(tmp_path, "id,AdSpend,orders\n1,10,3\n2,20,1\n3,5,2\n")
    assert roles["AdSpend"] == "acquisition_cost"


def test_a_plain_cost_without_a_channel_or_a_shipping_cost_stays_what_it_was(tmp_path: Path) -> None:
    _, _, roles, _ = _import(tmp_path, "id,cost\n1,10\n2,20\n3,5\n")
    assert roles["cost"] != "acquisition_cost"
    _, _, roles, _ = _import(tmp_path, "id,channel,shipping_cost\n1,Web,10\n2,Store,20\n3,Web,5\n")
    assert roles["shipping_cost"] != "acquisition_cost"


def test_campaign_type_is_not_a_channel(tmp_path: Path) -> None:
    text = "id,campaign_type,utm_campaign,cost\n1,Promo,spring,3\n2,Brand,summer,4\n3,Promo,spring,5\n"
    _, _, roles, _ = _import(tmp_path, text)
    assert roles["campaign_type"] != "acquisition_channel"
    assert roles["utm_campaign"] == "acquisition_channel"
    assert roles["cost"] == "acquisition_cost"  # next to utm_campaign, the channel


# -- ratings, rebates ----------------------------------------------------------------------------


def test_ratings_and_rebates_are_never_revenue(tmp_path: Path) -> None:
    text = (
        "CustomerID,SatisfactionScore,Service Rating,Value Amount,CashbackAmount,OrderAmountHikeFromlastYear,"
        "Purchase Amount\n"
        "1,3,4,2,120.5,11,310.2\n2,5,5,1,90.1,15,80.5\n3,1,2,5,150.0,23,45.0\n4,4,1,3,130.2,12,900.9\n"
        "5,2,3,4,110.4,19,120.0\n"
    )
    _, _, roles, _ = _import(tmp_path, text)
    assert roles["SatisfactionScore"] == "psychographic"
    assert roles["Service Rating"] == "psychographic"
    assert roles["Value Amount"] not in ("revenue", "acquisition_cost")  # a 1-5 scale, whatever its name says
    assert roles["CashbackAmount"] == "behavioral"
    assert roles["OrderAmountHikeFromlastYear"] == "behavioral"
    assert roles["Purchase Amount"] == "revenue"


# -- codes ---------------------------------------------------------------------------------------

SHOPPERS = (
    "Administrative_Duration,OperatingSystems,Browser,Region,TrafficType,CityTier,zip,Kidhome,"
    "SatisfactionScore,Visits,PageValues\n"
    + "".join(
        f"{d},{os},{b},{r},{t},{c},{z},{k},{s},{v},{p}\n"
        for d, os, b, r, t, c, z, k, s, v, p in [
            (12.5, 1, 1, 1, 1, 1, 10115, 0, 3, 4, 0.0),
            (80.0, 2, 2, 9, 2, 3, 20095, 1, 5, 9, 12.3),
            (0.0, 2, 2, 4, 3, 1, 80331, 0, 1, 2, 0.0),
            (33.3, 3, 4, 3, 13, 2, 50667, 2, 4, 7, 5.5),
            (5.0, 3, 13, 1, 20, 3, 10117, 1, 2, 3, 0.0),
            (61.2, 8, 2, 7, 2, 1, 60311, 0, 5, 12, 40.1),
        ]
    )
)
CODES = ["OperatingSystems", "Browser", "Region", "TrafficType", "CityTier", "zip"]


def test_code_columns_become_categories_at_import(tmp_path: Path) -> None:
    con, result, roles, types = _import(tmp_path, SHOPPERS)
    for column in CODES:
        assert types[column] == "text", column
        info = next(c for c in result.columns if c.name == column)
        assert info.note.startswith("codes, not amounts"), column
    sql_types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = ?", [db.TABLE]).fetchall())
    assert sql_types["Region"] == "VARCHAR"
    assert con.execute('SELECT "Region" FROM customers ORDER BY _row').fetchall()[:2] == [("1",), ("9",)]
    assert "Column 'Region' holds codes, not amounts (5 different values), so it is read as categories." in result.notes
    # Amounts, counts and ordered scales stay numbers.
    for column in ("Administrative_Duration", "Kidhome", "SatisfactionScore", "Visits", "PageValues"):
        assert types[column] == "number", column
    assert roles["Region"] == "geographic"
    assert roles["CityTier"] == "geographic"


def test_codes_are_never_banded_nor_averaged(tmp_path: Path) -> None:
    con, _, roles, types = _import(tmp_path, SHOPPERS)
    segmentation = segment_by_dimensions(Data.duckdb(con), dimensions=["Region"], types=types, min_size=1)
    # One segment per region code, never a numeric band such as "Region 4-9".
    assert set(segmentation.sizes) == {"1", "9", "4", "3", "7"}
    profile = profile_columns(con, types=types, roles=roles).set_index("name")
    assert profile.loc["Browser", "median"] is None
    assert profile.loc["Browser", "top_values"].startswith("2 50%")
    kinds = {a.name: a.kind for a in profile_attributes(roles, types)}
    assert all(kinds[c] == CATEGORY for c in CODES if c in kinds)


def test_a_count_or_a_rating_named_like_a_code_stays_a_number(tmp_path: Path) -> None:
    text = "region_count,type_rating,store\n1,5,1\n3,4,2\n7,1,3\n2,2,4\n"
    _, _, _, types = _import(tmp_path, text)
    assert types["region_count"] == "number"
    assert types["type_rating"] == "number"
    assert types["store"] == "text"
