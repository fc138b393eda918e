"""Naming without the statistical tests (issue 14): profile_base, counts by hand, the workspace's data memo."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segdash import db
from segdash import profile as prof
from segdash.act.multivalue import detect_multivalue
from segdash.data import Data
from segdash.schema import ColumnInfo, ImportResult, Segmentation
from segdash.segment import PROFILE_BASE_KEY, PROFILE_CACHE_KEY, workspace_profile
from segdash.workspace import Workspace
from tests.test_profile import TINY_ROLES, TINY_TYPES, load, tiny_frame


@pytest.fixture
def tiny() -> Data:
    con = db.connect()
    load(con, tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    return Data.duckdb(con)


def test_profile_base_names_and_traits_are_the_full_profiles(tiny: Data) -> None:
    base = prof.profile_base(tiny, roles=TINY_ROLES, types=TINY_TYPES)
    full = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES)
    assert base.names == full.names
    pd.testing.assert_frame_equal(base.traits, full.traits)
    pd.testing.assert_frame_equal(base.sizes, full.sizes)
    # by hand: A is ages 20-40 (mean 30), B ages 50-70 (mean 45 overall, sd sqrt(350))
    ages = base.traits[base.traits["attribute"] == "age"].set_index("segment")
    assert ages.loc["A", "std_diff"] == pytest.approx((30 - 45) / math.sqrt(350))
    assert ages.loc["B", "segment_median"] == pytest.approx(60.0)


def test_build_profile_from_a_base_adds_the_tests_and_gives_the_same_profile(tiny: Data) -> None:
    base = prof.profile_base(tiny, roles=TINY_ROLES, types=TINY_TYPES)
    reused = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES, base=base)
    fresh = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES)
    assert reused.traits is base.traits  # the aggregates are not computed again
    for table in ("sizes", "traits", "top_traits", "tests", "pairs"):
        pd.testing.assert_frame_equal(getattr(reused, table), getattr(fresh, table))
    assert (reused.names, reused.verdict, reused.notes) == (fresh.names, fresh.verdict, fresh.notes)
    assert set(reused.tests["attribute"]) == {"age", "channel", "vip", "score"}


def test_a_base_with_other_top_values_is_not_reused(tiny: Data) -> None:
    base = prof.profile_base(tiny, roles=TINY_ROLES, types=TINY_TYPES, top_n=1)
    full = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES, base=base)  # top_n=8
    assert prof.OTHER in set(base.counts["value"]) and prof.OTHER not in set(full.traits["value"])


def test_sizes_given_by_the_run_are_the_counted_sizes(tiny: Data) -> None:
    frame = prof.sizes_frame({"A": 1, "C": 2, "B": 2})
    assert frame["segment"].tolist() == ["B", "C", "A"]  # largest first, ties by label
    assert frame["customers"].tolist() == [2, 2, 1] and frame["share"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    pd.testing.assert_frame_equal(prof.sizes_frame({"B": 3, "A": 3}), prof.segment_sizes(tiny))
    given = prof.profile_base(tiny, roles=TINY_ROLES, types=TINY_TYPES, sizes={"A": 3, "B": 3})
    assert given.names == prof.profile_base(tiny, roles=TINY_ROLES, types=TINY_TYPES).names


def test_category_counts_by_hand_pool_rare_values_and_count_missing_ones() -> None:
    con = db.connect()
    # A: x, x, y, (missing); B: x, z, z, w -> overall x 3, z 2, y 1, w 1: top 2 keeps x and z
    frame = pd.DataFrame({"pet": ["x", "x", "y", None, "x", "z", "z", "w"],
                          "vip": [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, None, 0.0]})
    load(con, frame, ["A"] * 4 + ["B"] * 4)
    attributes = prof.flag_attributes(Data.duckdb(con), prof.profile_attributes(
        {"pet": "behavioral", "vip": "behavioral"}, {"pet": "text", "vip": "number"}))
    assert [a.kind for a in attributes] == [prof.CATEGORY, prof.BOOLEAN]  # 0/1 is a flag
    counts = prof.category_counts(Data.duckdb(con), attributes=attributes, top_n=2)
    got = {(r.attribute, r.segment, None if pd.isna(r.value) else r.value): r.count for r in counts.itertuples()}
    assert got == {
        ("pet", "A", "x"): 2, ("pet", "A", prof.OTHER): 1, ("pet", "A", None): 1,
        ("pet", "B", "x"): 1, ("pet", "B", "z"): 2, ("pet", "B", prof.OTHER): 1,
        ("vip", "A", "yes"): 3, ("vip", "A", "no"): 1,
        ("vip", "B", "no"): 3, ("vip", "B", None): 1,
    }
    # sorted by attribute, segment, value with missing last, as the pages and exports expect
    assert list(counts["value"].iloc[:2]) == [prof.OTHER, "x"] and pd.isna(counts["value"].iloc[2])
    assert counts["count"].dtype == np.int64


def test_multi_value_columns_given_are_those_detected() -> None:
    con = db.connect()
    frame = pd.DataFrame({"interests": ["sports; travel", "travel", "books; travel", "sports", "books", "travel"] * 5,
                          "age": np.arange(30, dtype=float)})
    load(con, frame, ["A", "B"] * 15)
    data = Data.duckdb(con)
    attrs = prof.profile_attributes({"interests": "psychographic", "age": "demographic"},
                                    {"interests": "text", "age": "number"})
    specs = detect_multivalue(data, columns=["interests"])
    assert "interests" in specs
    detected = prof.expand_multivalue(data, attrs)
    given = prof.expand_multivalue(data, attrs, specs={**specs, "not profiled": specs["interests"]})
    assert given[0] == detected[0] and set(given[1]) == {"interests"}
    assert {a.name for a in given[0]} >= {"interests: travel", "interests: sports", "interests: books"}
    assert prof.expand_multivalue(data, attrs, specs={})[0] == attrs  # none: the column stays a category


def _workspace(frame: pd.DataFrame, labels: list[str]) -> Workspace:
    ws = Workspace()
    load(ws.con, frame, labels)
    ws.imported = ImportResult(source="t.csv", format="csv", rows_in_file=len(frame), rows_loaded=len(frame),
                               rows_rejected=0, columns=[ColumnInfo(c, TINY_TYPES[c], TINY_ROLES[c])
                                                         for c in TINY_ROLES])
    ws.roles = dict(TINY_ROLES)
    ws.data_id = "tiny"
    ws.set_segmentation(Segmentation(method="kmeans", settings={}, sizes={"A": 3, "B": 3}, k=2))
    return ws


def test_data_memo_outlives_a_new_segmentation_but_not_a_role_change() -> None:
    ws = _workspace(tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    calls: list[int] = []
    assert ws.cached_data("k", lambda: calls.append(1) or len(calls)) == 1
    ws.set_segmentation(Segmentation(method="kmeans", settings={"seed": 1}, sizes={"A": 3, "B": 3}, k=2))
    assert ws.cached_data("k", lambda: calls.append(1) or len(calls)) == 1  # not recomputed
    ws.set_role("score", "behavioral")
    assert ws.cached_data("k", lambda: calls.append(1) or len(calls)) == 2
    ws.set_column_label("age", "Age in years")
    assert ws.cached_data("k", lambda: calls.append(1) or len(calls)) == 3
    attributes, specs = ws.profile_attributes()
    assert [a.label for a in attributes if a.name == "age"] == ["Age in years"] and specs == {}
    assert ws.profile_attributes()[0] is attributes


def test_peek_neither_computes_nor_stores() -> None:
    ws = _workspace(tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    assert ws.peek(PROFILE_CACHE_KEY) is None and ws.peek(PROFILE_CACHE_KEY, "none") == "none"
    profile = workspace_profile(ws)  # nothing to reuse: built from scratch, then kept
    assert ws.peek(PROFILE_CACHE_KEY) is profile and ws.peek(PROFILE_BASE_KEY) is None
    assert profile.names == prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types(),
                                               labels=ws.display_labels()).names


def test_everyone_numbers_by_hand_are_what_the_aggregates_use(tiny: Data) -> None:
    attributes = prof.profile_attributes(TINY_ROLES, TINY_TYPES)
    as_of, overall = prof.everyone_numbers(tiny, attributes=attributes)
    assert as_of == {}  # no dates
    rows = overall.set_index("attribute")
    assert rows.loc["age", ["n", "missing"]].tolist() == [6, 0]
    assert rows.loc["age", "mean"] == pytest.approx(45.0) and rows.loc["age", "median"] == pytest.approx(45.0)
    assert rows.loc["age", "sd"] == pytest.approx(math.sqrt(350))
    assert rows.loc["score", ["n", "missing"]].tolist() == [3, 3] and rows.loc["score", "mean"] == pytest.approx(2.0)
    assert overall["segment"].isna().all()
    given = prof.segment_aggregates(tiny, attributes=attributes, everyone=(as_of, overall))
    counted = prof.segment_aggregates(tiny, attributes=attributes)
    for mine, theirs in zip(given, counted, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_the_workspace_keeps_everyones_numbers_per_data() -> None:
    ws = _workspace(tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    first = ws.everyone_numbers()
    ws.set_segmentation(Segmentation(method="kmeans", settings={"seed": 2}, sizes={"A": 3, "B": 3}, k=2))
    assert ws.everyone_numbers() is first
    ws.set_role("age", "pii")  # personal data is never profiled: worked out again without it
    assert "age" not in set(ws.everyone_numbers()[1]["attribute"])


def test_pairwise_tests_run_when_first_read_and_once(tiny: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = prof.pairwise_tests

    def counted(**kwargs: object) -> pd.DataFrame:
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(prof, "pairwise_tests", counted)
    profile = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES)
    assert calls == []  # the Profiles page's first view does not pay for them
    pairs = profile.pairs
    assert calls == [1] and profile.pairs is pairs
    assert pairs[["segment_a", "segment_b"]].values.tolist() == [["A", "B"]]
    one = prof.build_profile(tiny, roles=TINY_ROLES, types=TINY_TYPES, pairwise_limit=1)
    assert one.pairs.empty and any("only up to 1 segments" in note for note in one.notes)
