"""Multi-value cells: splitting (with quotes), detection, yes/no per value in the engine and in pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash import db
from segdash.act import multivalue as mv
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
    found = mv.detect_multivalue(con, columns=["interests"], types={"interests": "text"})
    spec = found["interests"]
    assert set(spec.values) == {"Fitness", "Travel", "Tech", "Books"}
    table = db.backend(con).table(db.TABLE)
    engine = table.select(table[db.ROW], **mv.indicator_exprs(table, spec)).order_by(db.ROW).execute()
    pandas = mv.indicator_frame(pd.Series(cells), spec)
    for name in pandas.columns:
        assert [None if pd.isna(v) else bool(v) for v in engine[name]] == \
               [None if pd.isna(v) else bool(v) for v in pandas[name]]
    assert [None if pd.isna(v) else bool(v) for v in pandas["interests: Fitness"]] == [True, False, None, True, False]
    shares = mv.value_shares(con, spec=spec).set_index(["segment", "value"])
    # segment A: 2 known, both Travel; B: 2 known (one blank), Fitness once
    assert shares.loc[("A", "Travel"), "share"] == 1.0
    assert shares.loc[("B", "Fitness"), "customers"] == 1 and shares.loc[("B", "Fitness"), "known"] == 2
    overall = mv.value_shares(con, spec=spec, by_segment=False).set_index("value")
    assert overall.loc["Fitness", "share"] == pytest.approx(2 / 4)
