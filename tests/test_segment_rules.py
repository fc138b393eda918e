"""Segmenting by dimensions: bands, labels, pooling, filters, sizes (tiny hand-checked data)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from segdash import db
from segdash.data import Data
from segdash.errors import SettingsError
from segdash.segment.base import commit_labels
from segdash.segment.rules import (
    NOT_SEGMENTED,
    OTHER,
    Condition,
    Dimension,
    make_bands,
    parse_edges,
    segment_by_dimensions,
)


def _con(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = db.connect()
    data = frame.copy()
    data.insert(0, db.ROW, range(2, len(data) + 2))  # like line numbers in a file
    con.register("_frame", data)
    con.execute("CREATE TABLE customers AS SELECT * FROM _frame")
    con.unregister("_frame")
    return con


def _labels(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    commit_labels(Data.duckdb(con))  # what Workspace.set_segmentation does
    return dict(db.fetch_all(con, "SELECT _row, segment FROM segment_labels ORDER BY _row"))


def test_parse_edges_and_typed_bands() -> None:
    assert parse_edges("18, 25, 35, 50, 65") == (18, 25, 35, 50, 65)
    assert parse_edges("18;25 35") == (18, 25, 35)
    bands = make_bands(parse_edges("18, 25, 35, 50, 65"), column="age", integral=True, open_ends=True)
    assert [b.label for b in bands] == ["<18", "18-24", "25-34", "35-49", "50-64", "65+"]
    assert bands[1].rule == "age is from 18 to 24"
    assert bands[0].rule == "age is less than 18"
    assert bands[-1].rule == "age is 65 or more"


@pytest.mark.parametrize("text", ["", "18, x", "25, 18", "18, 18"])
def test_parse_edges_rejects_bad_text(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_edges(text)


def test_typed_edges_put_each_age_in_its_band() -> None:
    ages = [10, 17, 18, 24, 25, 34, 35, 64, 65, 90, None]
    con = _con(pd.DataFrame({"age": ages}))
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=[Dimension("age", "edges", edges=(18, 25, 35, 50, 65))],
                                types={"age": "number"})
    labels = list(_labels(con).values())
    assert labels == ["age <18", "age <18", "age 18-24", "age 18-24", "age 25-34", "age 25-34", "age 35-49",
                      "age 50-64", "age 65+", "age 65+", "age (missing)"]
    assert seg.sizes["age <18"] == 2 and seg.sizes["age (missing)"] == 1
    assert sum(seg.sizes.values()) == len(ages)
    assert seg.rules["age 25-34"] == "age is from 25 to 34"
    assert seg.method == "dimensions" and seg.k == 7


def test_quantile_bands_on_1_to_100_are_quartiles() -> None:
    con = _con(pd.DataFrame({"score": range(1, 101)}))
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=[Dimension("score", "quantiles", bands=4)],
                                types={"score": "number"})
    # quantile cuts 25.75, 50.5, 75.25 rounded up on whole numbers: 26, 51, 76
    assert seg.sizes == {"score 1-25": 25, "score 26-50": 25, "score 51-75": 25, "score 76-100": 25}


def test_equal_width_bands() -> None:
    con = _con(pd.DataFrame({"spend": [0.0, 10.5, 49.9, 50.0, 99.5, 100.0]}))
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=[Dimension("spend", "equal_width", bands=2)],
                                types={"spend": "number"})
    assert seg.sizes == {"spend 0–50": 3, "spend 50–100": 3}
    assert "up to (not including) 50" in seg.rules["spend 0–50"]


def test_combinations_label_and_pooling_into_other() -> None:
    frame = pd.DataFrame({
        "country": ["France"] * 5 + ["Spain"] * 3 + ["Italy", None],
        "age": [20, 22, 30, 30, 31, 20, 21, 40, 40, 40],
    })
    con = _con(frame)
    seg = segment_by_dimensions(
        Data.duckdb(con), dimensions=["country", Dimension("age", "edges", edges=(25,))],
        types={"country": "text", "age": "number"}, min_size=2,
    )
    # France·<25: 2, France·25+: 3, Spain·<25: 2, Spain·25+: 1 (pooled), Italy·25+: 1 (pooled),
    # missing·25+: 1 (pooled)
    assert seg.sizes == {"France · age 25+": 3, OTHER: 3, "France · age <25": 2, "Spain · age <25": 2}
    assert any("3 combinations" in note and "3 customers" in note for note in seg.notes)
    assert seg.rules["France · age <25"] == "country is France and age is less than 25"
    assert _labels(con)[11] == OTHER  # the customer with no country


def test_other_label_does_not_collide_with_a_real_value() -> None:
    con = _con(pd.DataFrame({"occupation": ["Other", "Other", "Nurse"]}))
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["occupation"], types={"occupation": "text"}, min_size=2)
    assert seg.sizes == {"Other": 2, "Other (small groups)": 1}


def test_filters_and_or_label_the_rest_not_segmented() -> None:
    frame = pd.DataFrame({"country": ["France", "France", "Spain", "Spain", None],
                          "age": [20, 40, 20, 40, 40]})
    types = {"country": "text", "age": "number"}
    con = _con(frame)
    both = [Condition("country", "=", "France"), Condition("age", ">=", "30")]
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["country"], types=types, conditions=both, combine="and")
    assert seg.sizes == {NOT_SEGMENTED: 4, "France": 1}
    assert _labels(con)[3] == "France"
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["country"], types=types, conditions=both, combine="or")
    # France (2) or age >= 30 (Spain 40, missing-country 40)
    assert seg.sizes == {"France": 2, NOT_SEGMENTED: 1, "Spain": 1, "country (missing)": 1}
    assert sum(seg.sizes.values()) == 5
    assert any("kept 4 of 5" in note for note in seg.notes)


def test_filter_values_are_bound_not_sql() -> None:
    con = _con(pd.DataFrame({"my name$ [x]": ["O'Brien", "a'; DROP TABLE customers; --", "b"]}))
    seg = segment_by_dimensions(
        Data.duckdb(con), dimensions=["my name$ [x]"], types={"my name$ [x]": "text"},
        conditions=[Condition("my name$ [x]", "in", "O'Brien, a'; DROP TABLE customers; --")],
    )
    assert seg.sizes == {"O'Brien": 1, "a'; DROP TABLE customers; --": 1, NOT_SEGMENTED: 1}
    assert db.table_exists(con, "customers")


def test_filter_operators() -> None:
    frame = pd.DataFrame({"city": ["Paris", "Lyon", None], "joined": pd.to_datetime(["2024-01-01", "2025-01-01",
                                                                                     "2023-01-01"])})
    types = {"city": "text", "joined": "date"}
    con = _con(frame)
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["joined"], types=types,
                                conditions=[Condition("joined", ">", "2023-06-30")])
    assert seg.sizes == {NOT_SEGMENTED: 1, "joined 2024": 1, "joined 2025": 1}
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["joined"], types=types,
                                conditions=[Condition("city", "is missing")])
    assert seg.sizes == {NOT_SEGMENTED: 2, "joined 2023": 1}
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["city"], types=types,
                                conditions=[Condition("city", "contains", "YO")])
    assert seg.sizes == {NOT_SEGMENTED: 2, "Lyon": 1}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"dimensions": []}, "at least one column"),
        ({"dimensions": ["a", "b", "c", "d"]}, "at most 3"),
        ({"dimensions": ["nope"]}, "no column 'nope'"),
        ({"dimensions": [Dimension("age", "quantiles", bands=1)]}, "between 2 and"),
        ({"dimensions": [Dimension("age", "edges")]}, "Type the band edges"),
        ({"dimensions": ["age"], "conditions": [Condition("age", ">", "old")]}, "needs a number"),
        ({"dimensions": ["age"], "conditions": [Condition("city", "=", "x")]}, "not in the loaded data"),
        ({"dimensions": ["age"], "conditions": [Condition("age", ">", "100")]}, "No customer matches"),
        ({"dimensions": ["age"], "min_size": 0}, "at least 1"),
    ],
)
def test_bad_settings_explain(kwargs: dict, words: str) -> None:
    con = _con(pd.DataFrame({"age": [20, 30], "a": [1, 2], "b": [1, 2], "c": [1, 2], "d": [1, 2]}))
    with pytest.raises(SettingsError, match=words):
        segment_by_dimensions(Data.duckdb(con), types={"age": "number", "a": "number", "b": "number", "c": "number",
                                          "d": "number"}, **kwargs)


def test_deterministic_and_sizes_add_up() -> None:
    frame = pd.DataFrame({"income": [float(i) * 1234.5 for i in range(200)],
                          "gender": ["F", "M", None, "X"] * 50})
    types = {"income": "number", "gender": "text"}
    con = _con(frame)
    first = segment_by_dimensions(Data.duckdb(con), dimensions=["income", "gender"], types=types, min_size=10)
    labels = _labels(con)
    second = segment_by_dimensions(Data.duckdb(con), dimensions=["income", "gender"], types=types, min_size=10)
    assert first.sizes == second.sizes and labels == _labels(con)
    assert sum(first.sizes.values()) == 200 and len(labels) == 200


def test_band_labels_with_negative_numbers_read_as_ranges() -> None:
    bands = make_bands([-16, 0], column="balance", integral=True, open_ends=False, data_min=-275, data_max=40)
    assert [b.label for b in bands] == ["-275 to -17", "-16 to -1", "0-40"]  # not "-275--17"
    assert bands[0].rule == "balance is from -275 to -17"
    decimals = make_bands([0.5], column="rate", integral=False, open_ends=False, data_min=-2.5, data_max=3)
    assert [b.label for b in decimals] == ["-2.5 to 0.5", "0.5–3"]
