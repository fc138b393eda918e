"""Multi-value cells: splitting (with quotes), detection, yes/no per value in the engine and in pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash import db
from segdash.act import multivalue as mv
from segdash.data import Data
from tests.act_helpers import tiny_con


@pytest.mark.parametrize(("cell", "separator", "values"), [
    ("sports; travel", ";", ["sports", "travel"]),
    ('"cat, wolf"', ",", ["cat", "wolf"]),  # a CSV-quoted cell that kept its quotes
    ("cat, wolf", ",", ["cat", "wolf"]),
    ('"rock, paper", scissors', ",", ["rock, paper", "scissors"]),  # a quoted item keeps its comma
    ("Beauty and Personal Care;Clothing and Fashion;", ";", ["Beauty and Personal Care", "Clothing and Fashion"]),
    ("  a ;a; 'b' ", ";", ["a", "b"]),  # trimmed, repeats dropped, quotes around an item removed
    ("", ";", []),
    (None, ";", []),
    ('"unbalanced; quote', ";", ["unbalanced", "quote"]),
])
def test_split_cell(cell: object, separator: str, values: list[str]) -> None:
    assert mv.split_cell(cell, separator=separator) == values


def _cells(pairs: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["cell", "n"])


def test_detects_a_multivalue_column() -> None:
    spec = mv.analyse_cells(_cells([("Travel", 5), ("Sports", 4), ("Sports; Travel", 3), ("Books", 1)]), column="hobby")
    assert spec is not None and spec.separator == ";"
    assert spec.values == ("Travel", "Sports", "Books")  # by customers: 8, 7, 1
    assert spec.counts == {"Travel": 8, "Sports": 7, "Books": 1}
    assert spec.cells["Travel"] == ("Travel", "Sports; Travel")
    assert spec.flag_name("Travel") == "hobby: Travel"


def test_single_value_columns_are_not_multivalue() -> None:
    # a comma in a few place names is not a list of values: they do not recombine
    assert mv.analyse_cells(_cells([("Paris, France", 5), ("Lyon, France", 4)]), column="city") is None
    assert mv.analyse_cells(_cells([("Phone", 5), ("Email", 4)]), column="channel") is None
    # separated in under 5% of rows
    assert mv.analyse_cells(_cells([("A", 60), ("B", 39), ("A; B", 1)]), column="x") is None


def test_engine_and_pandas_flags_agree() -> None:
    cells = ["Fitness, Travel", "Travel", None, '"Tech, Fitness"', "Books"]
    con = tiny_con(pd.DataFrame({"interests": cells}), ["A", "A", "B", "B", "B"])
    found = mv.detect_multivalue(Data.duckdb(con), columns=["interests"], types={"interests": "text"})
    spec = found["interests"]
    assert set(spec.values) == {"Fitness", "Travel", "Tech", "Books"}
    table = db.backend(con).table(db.TABLE)
    engine = table.select(table[db.ROW], **mv.indicator_exprs(table, spec)).order_by(db.ROW).execute()
    pandas = mv.indicator_frame(pd.Series(cells), spec)
    for name in pandas.columns:
        assert [None if pd.isna(v) else bool(v) for v in engine[name]] == \
               [None if pd.isna(v) else bool(v) for v in pandas[name]]
    assert [None if pd.isna(v) else bool(v) for v in pandas["interests: Fitness"]] == [True, False, None, True, False]
    shares = mv.value_shares(Data.duckdb(con), spec=spec).set_index(["segment", "value"])
    # segment A: 2 known, both Travel; B: 2 known (one blank), Fitness once
    assert shares.loc[("A", "Travel"), "share"] == 1.0
    assert shares.loc[("B", "Fitness"), "customers"] == 1 and shares.loc[("B", "Fitness"), "known"] == 2
    overall = mv.value_shares(Data.duckdb(con), spec=spec, by_segment=False).set_index("value")
    assert overall.loc["Fitness", "share"] == pytest.approx(2 / 4)


def _interests_con():
    cells = ["Fitness; Travel", "Travel", "Books", "Fitness", "Travel; Books", None]
    return tiny_con(pd.DataFrame({"interests": cells, "age": [20, 30, 40, 50, 60, 70]}), ["A", "A", "A", "B", "B", "B"])


def test_profiles_show_the_share_per_value() -> None:
    from segdash import profile as prof

    con = _interests_con()
    roles = {"interests": "psychographic", "age": "demographic"}
    types = {"interests": "text", "age": "number"}
    attributes, specs = prof.expand_multivalue(Data.duckdb(con), prof.profile_attributes(roles, types))
    assert [a.name for a in attributes] == ["interests: Travel", "interests: Books", "interests: Fitness", "age"]
    assert {a.kind for a in attributes[:3]} == {prof.BOOLEAN}
    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types)
    traits = profile.traits.set_index(["segment", "attribute", "value"])
    # A: Travel in 2 of 3 cells; B: 1 of 2 known (one blank); everyone: 3 of 5
    assert traits.loc[("A", "interests: Travel", "yes"), "segment_value"] == pytest.approx(2 / 3)
    assert traits.loc[("B", "interests: Travel", "yes"), "segment_value"] == pytest.approx(1 / 2)
    assert traits.loc[("A", "interests: Travel", "yes"), "overall_value"] == pytest.approx(3 / 5)


def test_a_value_is_a_dimension_and_a_clustering_feature() -> None:
    from segdash.segment.features import pull_features
    from segdash.segment.rules import segment_by_dimensions

    con = _interests_con()
    types = {"interests": "text", "age": "number"}
    assert mv.flag_choices(Data.duckdb(con), roles={"interests": "psychographic", "age": "demographic"}, types=types) == {
        "interests": ["interests: Travel", "interests: Books", "interests: Fitness"]}
    seg = segment_by_dimensions(Data.duckdb(con), dimensions=["interests: Travel"], types=types)
    assert seg.sizes == {"interests: Travel yes": 3, "interests: Travel no": 2, "interests: Travel (missing)": 1}
    data = pull_features(Data.duckdb(con), features=["age", "interests: Books"], types=types)
    assert data.kinds == {"age": "numeric", "interests: Books": "categorical"}
    books = data.matrix[:, 1]
    codes = data.categories["interests: Books"]
    assert [None if v != v else codes[int(v)] for v in books] == ["false", "false", "true", "false", "true", None]


def test_one_splitter_for_customer_columns_and_survey_answers() -> None:
    """The survey's multi-select split is the act splitter: quotes and thousands commas in one place."""
    from segdash.survey import answers

    assert answers.split_multi is mv.split_multi
    # the comma of 25,000 stays inside a value; a quoted cell is unwrapped; a quoted item keeps its comma
    assert mv.split_cell("Less than RM25,000, 25,000 to 50,000", separator=",") == [
        "Less than RM25,000", "25,000 to 50,000"]
    cells = pd.Series(['"cat, wolf"', "Wolf", None, '"rock, paper", cat', "  "])
    chosen = mv.split_multi(cells, separator=",")
    # by hand: cat 2, wolf 2 (cat/Wolf spellings), rock, paper 1; most chosen first, ties by name
    assert list(chosen.columns) == ["cat", "wolf", "rock, paper"]
    assert chosen.loc[0].tolist() == [1.0, 1.0, 0.0]
    assert chosen.loc[1].tolist() == [0.0, 1.0, 0.0]  # "Wolf" is "wolf" (most common spelling: a tie, first seen)
    assert chosen.loc[2].isna().all() and chosen.loc[4].isna().all()  # missing and blank stay missing
    assert chosen.loc[3].tolist() == [1.0, 0.0, 1.0]
