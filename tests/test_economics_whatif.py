"""Budget what-if: shares that add up to 100%, today's split gives today's figures, suggested split."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash import economics
from segdash.errors import EconomicsError


def _table() -> pd.DataFrame:
    # Worked by hand: CAC = spend / customers; return per unit spent = LTV / CAC.
    #   A: 3 customers for 300   -> CAC 100, LTV 250 -> 2.5 per unit
    #   B: 7 customers for 1,400 -> CAC 200, LTV 100 -> 0.5 per unit
    #   C: 1 customer  for 0.1   -> CAC 0.1, LTV 0.3 -> 3.0 per unit
    return pd.DataFrame({
        "segment": ["A", "B", "C"],
        "customers": [3, 7, 1],
        "spend": [300.0, 1400.0, 0.1],
        "cac": [100.0, 200.0, 0.1],
        "predicted_ltv": [250.0, 100.0, 0.3],
        "historic_ltv": [float("nan")] * 3,
    })


def test_todays_split_and_budget_give_todays_figures_exactly() -> None:
    table = _table()
    budget = float(table["spend"].sum())  # 1,700.1: not a round number on purpose
    shares = economics.exact_shares(table)
    projection = economics.project_budget(table, budget=budget, shares=shares)
    out = projection.table
    assert out["new_customers"].tolist() == [3.0, 7.0, 1.0]
    assert out["spend"].tolist() == [300.0, 1400.0, 0.1]
    assert out["return"].tolist() == [3 * 250.0, 7 * 100.0, 1 * 0.3]
    assert out["return_change"].tolist() == [0.0, 0.0, 0.0]
    assert projection.totals["new_customers"] == projection.totals["current_new_customers"] == 11.0
    assert projection.notes == []


def test_doubling_one_share_doubles_its_customers() -> None:
    table = _table()
    shares = economics.exact_shares(table)
    moved = economics.rebalance_shares(shares, changed="A", value=shares["A"] * 2)
    out = economics.project_budget(table, budget=float(table["spend"].sum()), shares=moved).table
    assert out.loc[0, "new_customers"] == pytest.approx(6.0)


def test_rebalance_keeps_the_total_at_100_and_the_others_proportions() -> None:
    moved = economics.rebalance_shares({"A": 50.0, "B": 30.0, "C": 20.0}, changed="A", value=80.0)
    assert moved == pytest.approx({"A": 80.0, "B": 12.0, "C": 8.0})
    assert sum(moved.values()) == pytest.approx(100.0)
    spread = economics.rebalance_shares({"A": 100.0, "B": 0.0, "C": 0.0}, changed="A", value=40.0)
    assert spread == pytest.approx({"A": 40.0, "B": 30.0, "C": 30.0})
    assert economics.rebalance_shares({"A": 20.0}, changed="A", value=5.0) == {"A": 100.0}
    assert economics.rebalance_shares({"A": 50.0, "B": 50.0}, changed="B", value=150.0) == {"A": 0.0, "B": 100.0}


def test_suggested_split_fills_best_return_first_within_the_cap() -> None:
    suggestion = economics.suggest_split(_table(), cap=50.0, names={"C": "Champions"})
    # C (3.0 per unit) then A (2.5) get 50% each; B (0.5) gets nothing.
    assert suggestion.shares == {"A": 50.0, "B": 0.0, "C": 50.0}
    assert suggestion.reasons[0].startswith("'Champions' returns 3.00 for every 1 spent")
    assert "nothing" in suggestion.reasons[2]
    looser = economics.suggest_split(_table(), cap=60.0)
    assert looser.shares == {"A": 40.0, "B": 0.0, "C": 60.0}


def test_suggested_split_says_when_the_cap_is_too_low() -> None:
    with pytest.raises(EconomicsError, match="Raise the limit to at least 34%"):
        economics.suggest_split(_table(), cap=30.0)
    with pytest.raises(EconomicsError, match="above 0%"):
        economics.suggest_split(_table(), cap=0.0)
    unknown = _table().assign(cac=float("nan"))
    with pytest.raises(EconomicsError, match="not known"):
        economics.suggest_split(unknown, cap=50.0)
