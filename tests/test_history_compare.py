"""Comparing two saved snapshots: hand-worked transitions, stayed share, ARI, PSI, sentences, CLI."""

from __future__ import annotations

import json
import math

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest
from history_helpers import new_project, save_export, save_snapshot
from scipy.stats import entropy
from sklearn.metrics import adjusted_rand_score

from segdash import cli
from segdash.history import compare, drift
from segdash.history.compare import GONE_NODE, NEW_NODE, compare_snapshots, to_json

NAMES = {"champ": "Champions", "risk": "At risk", "loyal": "Loyal"}
#: January: C1-C4 champions, C5-C7 at risk, C8-C10 loyal.
OLD = {**{f"C{i}": "champ" for i in range(1, 5)}, **{f"C{i}": "risk" for i in range(5, 8)},
       **{f"C{i}": "loyal" for i in range(8, 11)}}
#: February: C4 is gone, C3 fell to at risk, C6 rose to champion, C11 and C12 are new (loyal).
NEW = {"C1": "champ", "C2": "champ", "C3": "risk", "C5": "risk", "C6": "champ", "C7": "risk",
       "C8": "loyal", "C9": "loyal", "C10": "loyal", "C11": "loyal", "C12": "loyal"}


def _export(ids: list[str], *, spend: dict[str, float], age: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ids, "age": [age[i] for i in ids],
                         "country": ["NL" if int(i[1:]) % 2 else "BE" for i in ids],
                         "total_spend": [spend[i] for i in ids]})


@pytest.fixture
def two_snapshots(tmp_path):
    project = new_project(tmp_path / "home")
    spend = {f"C{i}": float(10 * i) for i in range(1, 13)}
    age = {f"C{i}": 20 + i for i in range(1, 13)}
    jan, _ = save_export(project, _export(list(OLD), spend=spend, age=age), folder=tmp_path, name="jan.csv")
    new_spend = {k: v + 1.0 for k, v in spend.items()}
    feb, _ = save_export(project, _export(list(NEW), spend=new_spend, age=age), folder=tmp_path, name="feb.csv")
    old_id = save_snapshot(project, dataset_id=jan, labels=OLD, name="RFM January", names=NAMES)
    new_id = save_snapshot(project, dataset_id=feb, labels=NEW, name="RFM February", names=NAMES)
    return project, old_id, new_id


def _flows(comparison: compare.Comparison) -> dict[tuple, int]:
    return {(r.from_segment, r.to_segment): int(r.customers) for r in comparison.transitions.itertuples()}


def test_transitions_hand_worked(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    assert _flows(result) == {
        ("champ", "champ"): 2, ("champ", "risk"): 1, ("champ", None): 1,
        ("risk", "risk"): 2, ("risk", "champ"): 1,
        ("loyal", "loyal"): 3, (None, "loyal"): 2,
    }
    assert result.transitions["customers"].sum() == 12  # every customer in either snapshot
    assert (result.new_customers, result.gone_customers, result.both_customers) == (2, 1, 9)
    assert result.stayed_share == pytest.approx(7 / 9)
    assert result.same_segments


def test_flow_revenue_uses_newer_export_and_older_for_gone(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    revenue = {(r.from_segment, r.to_segment): r.revenue for r in result.transitions.itertuples()}
    assert result.revenue_column == "total_spend"
    assert revenue[(None, "loyal")] == pytest.approx(111.0 + 121.0)  # C11, C12 in February
    assert revenue[("champ", None)] == pytest.approx(40.0)  # C4, gone: its January spend
    assert revenue[("champ", "champ")] == pytest.approx(11.0 + 21.0)


def test_matrix_counts_and_row_shares(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    counts = compare.transition_matrix(result.transitions, old_names=NAMES, new_names=NAMES)
    assert list(counts.index) == ["At risk", "Champions", "Loyal", NEW_NODE]
    assert list(counts.columns) == ["At risk", "Champions", "Loyal", GONE_NODE]
    assert counts.loc["Champions"].tolist() == [1, 2, 0, 1]
    assert counts.loc[NEW_NODE].tolist() == [0, 0, 2, 0]
    shares = compare.transition_matrix(result.transitions, shares=True, old_names=NAMES, new_names=NAMES)
    assert shares.loc["Champions", "Champions"] == pytest.approx(0.5)
    assert shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0, 1.0])


def test_sizes_and_largest_flows(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    sizes = result.sizes.set_index("segment")
    assert sizes.loc["champ", ["old", "new", "change"]].tolist() == [4, 3, -1]
    assert sizes.loc["loyal", ["old", "new", "change"]].tolist() == [3, 5, 2]
    assert sizes.loc["loyal", "change_pct"] == pytest.approx(2 / 3)
    moves = compare.largest_flows(result.transitions)
    assert len(moves) == 4  # stays are left out: only the four moves remain
    assert (moves.iloc[0]["from_segment"], moves.iloc[0]["to_segment"]) == (None, "loyal")
    by_revenue = compare.largest_flows(result.transitions, by="revenue", n=2)
    assert by_revenue["revenue"].tolist() == pytest.approx([232.0, 61.0])  # new -> loyal; risk -> champ (C6: 60 + 1)


def test_ari_equals_sklearn_on_the_customers(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    both = [k for k in OLD if k in NEW]
    expected = adjusted_rand_score([OLD[k] for k in both], [NEW[k] for k in both])
    assert result.ari == pytest.approx(expected)


def test_sentences_in_plain_words(two_snapshots):
    project, old_id, new_id = two_snapshots
    sentences = compare_snapshots(project, old_id, new_id).sentences()
    assert sentences[0] == "78% of the 9 customers in both snapshots stayed in their segment; 2 customers are new and 1 are gone."
    assert "Loyal grew from 3 to 5; 40% of its customers are new." in sentences
    assert "Champions shrank from 4 to 3; 25% of them moved to At risk." in sentences
    assert "At risk held steady at 3; 33% of them moved to Champions." in sentences


def test_new_and_gone_only(tmp_path):
    project = new_project(tmp_path / "home")
    frame = pd.DataFrame({"customer_id": ["A", "B"], "age": [30, 40]})
    data, _ = save_export(project, frame, folder=tmp_path, name="a.csv")
    old_id = save_snapshot(project, dataset_id=data, labels={"A": "x"}, name="one")
    new_id = save_snapshot(project, dataset_id=data, labels={"B": "x"}, name="two")
    result = compare_snapshots(project, "one", "two")  # by name
    assert _flows(result) == {("x", None): 1, (None, "x"): 1}
    assert result.stayed_share is None and result.ari is None
    assert any("No customer id is in both" in n for n in result.notes)
    assert any("same export" in n for n in result.notes)
    assert compare_snapshots(project, old_id, new_id).gone_customers == 1


def test_different_segmentations_matched_by_overlap(tmp_path):
    project = new_project(tmp_path / "home")
    ids = [f"C{i}" for i in range(1, 9)]
    data, _ = save_export(project, pd.DataFrame({"customer_id": ids, "age": range(8)}), folder=tmp_path, name="a.csv")
    old = {i: ("a" if n < 4 else "b") for n, i in enumerate(ids)}
    new = dict(zip(ids, ["x", "x", "x", "y", "y", "z", "z", "z"], strict=True))
    save_snapshot(project, dataset_id=data, labels=old, name="RFM", names={"a": "Loyal", "b": "Lapsed"})
    save_snapshot(project, dataset_id=data, labels=new, name="Clusters", method="kmeans")
    result = compare_snapshots(project, "RFM", "Clusters")
    assert not result.same_segments
    matched = dict(zip(result.matching["old"], result.matching["new"], strict=True))
    assert matched == {"a": "x", "b": "z"}
    assert result.matching.set_index("old").loc["a", "share_of_old"] == pytest.approx(0.75)
    assert result.matching.set_index("old").loc["b", "jaccard"] == pytest.approx(3 / 4)  # 3 / (4 + 3 - 3)
    assert result.stayed_share == pytest.approx(6 / 8)
    assert result.ari == pytest.approx(adjusted_rand_score([old[i] for i in ids], [new[i] for i in ids]))
    sentences = result.sentences()
    assert "Loyal matches x (75% of its customers went there)." in sentences
    assert any(s.startswith("The two segmentations agree") and f"{result.ari:.2f}" in s for s in sentences)


def test_match_leaves_extra_old_segments_to_their_largest_overlap():
    transitions = pd.DataFrame({"from_segment": ["a", "b", "c", "c"], "to_segment": ["x", "x", "x", None],
                                "customers": [5, 3, 1, 4], "revenue": np.nan})
    matched = compare.match_segments(transitions).set_index("old")
    assert matched.loc["a", "new"] == "x" and matched.loc["a", "one_to_one"]
    assert matched.loc["b", "new"] == "x" and not matched.loc["b", "one_to_one"]


# -- PSI -------------------------------------------------------------------------------------------------
def test_psi_hand_worked_and_equal_to_symmetric_kl():
    value = drift.psi([50, 50], [25, 75])
    hand = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert value == pytest.approx(hand)
    assert value == pytest.approx(0.2747, abs=1e-4)
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert value == pytest.approx(entropy(q, p) + entropy(p, q))
    assert drift.psi([10, 10], [10, 10]) == 0.0


def test_psi_empty_bin_uses_epsilon():
    value = drift.psi([10, 0], [5, 5])
    p, q = np.array([1.0, drift.EPSILON]), np.array([0.5, 0.5])
    assert value == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert math.isnan(drift.psi([0, 0], [1, 1]))


@pytest.mark.parametrize(("value", "level"), [(0.05, "little"), (0.1, "moderately"), (0.249, "moderately"),
                                              (0.25, "strongly"), (float("nan"), "n/a")])
def test_drift_levels(value, level):
    assert drift.drift_level(value) == level


def test_drift_table_matches_numpy_deciles_and_counts():
    rng = np.random.default_rng(3)
    old_income = rng.normal(50, 10, 400).round(1)
    new_income = rng.normal(55, 12, 300).round(1)
    old_colour = rng.choice(["red", "blue"], 400).astype(object)
    new_colour = rng.choice(["red", "blue", "green"], 300).astype(object)
    old_colour[:7] = None
    con = duckdb.connect()
    backend = ibis.duckdb.from_connection(con)
    con.register("o", pd.DataFrame({"income": old_income, "colour": old_colour}))
    con.register("n", pd.DataFrame({"income": new_income, "colour": new_colour}))
    old, new = backend.table("o"), backend.table("n")
    table, notes = drift.drift_table(old, new, kinds={"income": "number", "colour": "category"})
    got = dict(zip(table["column"], table["psi"], strict=True))
    edges = np.unique(np.quantile(old_income, drift.QUANTILES))  # linear = DuckDB quantile_cont
    old_bins = np.bincount(np.searchsorted(edges, old_income, side="left"), minlength=len(edges) + 1)
    new_bins = np.bincount(np.searchsorted(edges, new_income, side="left"), minlength=len(edges) + 1)
    assert got["income"] == pytest.approx(drift.psi(old_bins, new_bins))
    values = ["blue", "green", "red", None]
    old_counts = [int(sum(1 for v in old_colour if v == c)) for c in values]
    new_counts = [int(sum(1 for v in new_colour if v == c)) for c in values]
    assert got["colour"] == pytest.approx(drift.psi(old_counts, new_counts))
    assert table["psi"].is_monotonic_decreasing
    assert notes == []


def test_drift_sentence_words():
    table = pd.DataFrame({"column": ["income", "age"], "kind": "number", "psi": [0.31, 0.02],
                          "level": ["strongly", "little"], "bins": 10})
    assert drift.drift_sentence(table) == "Age drifted little; income drifted strongly (PSI 0.31)."
    assert drift.drift_sentence(drift.empty_drift()) == ""


def test_drift_between_exports_in_comparison(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    assert set(result.drift["column"]) == {"age", "country", "total_spend"}  # the id column is left out
    assert result.drift.set_index("column").loc["total_spend", "level"] in ("moderately", "strongly")


def test_works_from_fifty_customers(tmp_path):
    project = new_project(tmp_path / "home")
    rng = np.random.default_rng(0)
    ids = [f"K{i}" for i in range(50)]
    frame = pd.DataFrame({"customer_id": ids, "age": rng.integers(20, 60, 50), "spend": rng.gamma(2, 50, 50)})
    data, _ = save_export(project, frame, folder=tmp_path, name="k.csv")
    data2, _ = save_export(project, frame.assign(age=frame["age"] + 5), folder=tmp_path, name="k2.csv")
    save_snapshot(project, dataset_id=data, labels={i: rng.choice(["a", "b"]) for i in ids}, name="one")
    save_snapshot(project, dataset_id=data2, labels={i: rng.choice(["a", "b"]) for i in ids}, name="two")
    result = compare_snapshots(project, "one", "two")
    assert result.both_customers == 50
    assert not any("rough" in n for n in result.notes)
    assert result.drift.set_index("column").loc["age", "psi"] > 0


# -- command line ----------------------------------------------------------------------------------------
def test_cli_compare_json(two_snapshots, capsys):
    project, old_id, new_id = two_snapshots
    code = cli.main(["compare", "--project", str(project.store.home), "RFM January", new_id, "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {"stayed_share", "transitions", "new_customers", "gone_customers", "ari", "drift"} <= set(data)
    assert sum(t["customers"] for t in data["transitions"]) == 12
    assert any(t["from"] is None and t["to"] == "loyal" and t["customers"] == 2 for t in data["transitions"])
    assert any(t["from"] == "champ" and t["to"] is None and t["customers"] == 1 for t in data["transitions"])
    assert data["new_customers"] == 2 and data["gone_customers"] == 1
    assert data["stayed_share"] == pytest.approx(7 / 9, abs=1e-6)
    assert all({"column", "psi"} <= set(d) for d in data["drift"])


def test_cli_compare_text_and_project_folder(two_snapshots, capsys):
    project, old_id, new_id = two_snapshots
    assert cli.main(["compare", "--project", str(project.path), old_id, new_id]) == 0
    out = capsys.readouterr().out
    assert "Champions shrank from 4 to 3" in out


def test_cli_compare_unknown_snapshot_exits_2(two_snapshots, capsys):
    project, old_id, _ = two_snapshots
    assert cli.main(["compare", "--project", str(project.store.home), old_id, "March"]) == 2
    err = capsys.readouterr().err
    assert "no saved segmentation called 'March'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_compare_needs_a_project(tmp_path, capsys):
    assert cli.main(["compare", "--project", str(tmp_path), "a", "b"]) == 2
    assert "no projects" in capsys.readouterr().err
    new_project(tmp_path, "A")
    new_project(tmp_path, "B")
    assert cli.main(["compare", "--project", str(tmp_path), "a", "b"]) == 2
    assert "several projects" in capsys.readouterr().err
    assert cli.main(["compare", "--project", str(tmp_path), "--in", "B", "a", "b"]) == 2
    assert "no saved segmentation called 'a' in project 'B'" in capsys.readouterr().err


def test_to_json_and_report_summary_have_no_customer_ids(two_snapshots):
    project, old_id, new_id = two_snapshots
    result = compare_snapshots(project, old_id, new_id)
    text = json.dumps(to_json(result))
    assert "C11" not in text
    sentences, tables = compare.report_summary(result)
    assert sentences and set(tables) == {"Transitions", "Size change", "Largest flows", "Drift"}
    assert not any(tables[name].astype(str).apply(lambda c: c.str.fullmatch(r"C\d+")).any().any() for name in tables)


# -- drift of dates ----------------------------------------------------------------------------------------
def _date_tables(old_days: list[float | None], new_days: list[float | None], *, shift: int = 0):
    """Two exports whose ``last_order`` is the given days before 2024-01-10 (+ ``shift`` days later)."""
    latest = pd.Timestamp("2024-01-10")
    con = duckdb.connect()
    backend = ibis.duckdb.from_connection(con)

    def dates(days, offset):
        return pd.Series([None if d is None else latest + pd.Timedelta(days=offset - d) for d in days],
                         dtype="datetime64[ns]")

    con.register("o", pd.DataFrame({"last_order": dates(old_days, 0)}))
    con.register("n", pd.DataFrame({"last_order": dates(new_days, shift)}))
    return backend.table("o"), backend.table("n")


def test_date_drift_compares_days_before_the_latest_date_by_hand():
    old_days = list(range(10))  # 0..9 days before the latest: deciles 0.9, 1.8, ..., 8.1, one customer per bin
    # the same pattern a month later: the calendar moved, the recency did not
    old, same = _date_tables(old_days, old_days, shift=31)
    table, _ = drift.drift_table(old, same, kinds={"last_order": "date"})
    row = table.iloc[0]
    assert (row["column"], row["kind"], row["bins"]) == ("last_order", "date", 11)  # 10 bins + missing
    assert row["psi"] == pytest.approx(0.0, abs=1e-12)
    # half bought on the latest day, half 5 days before: bins 0 and (4.5, 5.4] hold 5 each, 8 bins empty
    old, moved = _date_tables(old_days, [0] * 5 + [5] * 5)
    table, _ = drift.drift_table(old, moved, kinds={"last_order": "date"})
    by_hand = 2 * (0.5 - 0.1) * np.log(0.5 / 0.1) + 8 * (1e-4 - 0.1) * np.log(1e-4 / 0.1)
    assert table.iloc[0]["psi"] == pytest.approx(by_hand, rel=1e-9)
    assert table.iloc[0]["level"] == "strongly"
    # a missing date is its own bin: 1 of 10 missing against none before
    old, gaps = _date_tables(old_days, [*range(9), None])
    table, _ = drift.drift_table(old, gaps, kinds={"last_order": "date"})
    p = np.array([0.1] * 10 + [1e-4])
    q = np.array([0.1] * 9 + [1e-4, 0.1])
    assert table.iloc[0]["psi"] == pytest.approx(float(np.sum((q - p) * np.log(q / p))), rel=1e-9)


def test_date_columns_drift_in_a_comparison(tmp_path):
    project = new_project(tmp_path / "home")
    ids = [f"D{i}" for i in range(60)]
    signup = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(60) * 5, unit="D")
    frame = pd.DataFrame({"customer_id": ids, "signup": signup.strftime("%Y-%m-%d"), "spend": np.arange(60.0)})
    jan, _ = save_export(project, frame, folder=tmp_path, name="jan.csv")
    # next export: everyone a month later (same tenure pattern) -> little drift
    later = frame.assign(signup=(signup + pd.Timedelta(days=31)).strftime("%Y-%m-%d"))
    feb, _ = save_export(project, later, folder=tmp_path, name="feb.csv")
    labels = {i: "a" if n % 2 else "b" for n, i in enumerate(ids)}
    save_snapshot(project, dataset_id=jan, labels=labels, name="jan")
    save_snapshot(project, dataset_id=feb, labels=labels, name="feb")
    result = compare_snapshots(project, "jan", "feb")
    row = result.drift.set_index("column").loc["signup"]
    assert row["kind"] == "date" and row["psi"] == pytest.approx(0.0, abs=1e-12) and row["level"] == "little"
    assert "Signup" in result.sentences()[-1] or any("signup" in s.lower() for s in result.sentences())
