"""segdash.profile on tiny tables with answers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segdash import db
from segdash import profile as prof
from segdash.data import Data
from segdash.report.export import to_safe_csv
from segdash.schema import ColumnInfo, ImportResult, Segmentation
from segdash.segment.base import commit_labels, write_labels
from segdash.ui.components import with_segment_names
from segdash.workspace import Workspace

TINY_ROLES = {
    "customer_id": "id", "name": "pii", "age": "demographic", "channel": "service_channel",
    "vip": "behavioral", "score": "other",
}
TINY_TYPES = {"customer_id": "text", "name": "text", "age": "number", "channel": "text", "vip": "boolean",
              "score": "number"}


def load(con, frame: pd.DataFrame, labels: list[str]) -> None:
    """Store ``frame`` as ``customers`` (with ``_row`` 1..n) and its segment labels."""
    frame = frame.copy()
    frame.insert(0, db.ROW, np.arange(1, len(frame) + 1, dtype=np.int64))
    con.register("_test_frame", frame)
    con.execute("CREATE OR REPLACE TABLE customers AS SELECT * FROM _test_frame")
    con.unregister("_test_frame")
    write_labels(Data.duckdb(con), frame[db.ROW].to_numpy(), labels)
    commit_labels(Data.duckdb(con))


def tiny_frame() -> pd.DataFrame:
    # A: ages 20, 30, 40; B: ages 50, 60, 70.  Overall mean 45, sd sqrt(350).
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "name": ["Ann", "Bob", "Cy", "Di", "Ed", "Flo"],
            "age": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
            "channel": ["Phone", "Phone", "Email", "Email", "Email", "Chat"],
            "vip": [True, False, False, True, True, True],
            "score": [1.0, 2.0, 3.0, None, None, None],
        }
    )


@pytest.fixture
def tiny():
    con = db.connect()
    load(con, tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    return con


def attributes():
    return prof.profile_attributes(TINY_ROLES, TINY_TYPES)


def trait(traits: pd.DataFrame, segment: str, attribute: str, value: str | None = None) -> pd.Series:
    rows = traits[(traits["segment"] == segment) & (traits["attribute"] == attribute)]
    if value is not None:
        rows = rows[rows["value"] == value]
    assert len(rows) == 1
    return rows.iloc[0]


def tiny_traits(con) -> pd.DataFrame:
    numbers = prof.numeric_summary(Data.duckdb(con), attributes=attributes())
    counts = prof.category_counts(Data.duckdb(con), attributes=attributes())
    return prof.compute_traits(attributes=attributes(), numbers=numbers, counts=counts, segments=["A", "B"])


def test_attributes_skip_personal_data_and_ids():
    names = [a.name for a in attributes()]
    assert names == ["age", "channel", "vip", "score"]
    kinds = {a.name: a.kind for a in attributes()}
    assert kinds == {"age": "number", "channel": "category", "vip": "boolean", "score": "number"}


def test_sizes_add_up_and_shares(tiny):
    con = db.connect()
    load(con, tiny_frame(), ["A", "B", "B", "B", "C", "C"])
    sizes = prof.segment_sizes(Data.duckdb(con))
    assert list(sizes["segment"]) == ["B", "C", "A"]
    assert list(sizes["customers"]) == [3, 2, 1]
    assert sizes["customers"].sum() == 6
    assert sizes["share"].sum() == pytest.approx(1.0)
    assert sizes["share"].iloc[0] == pytest.approx(0.5)


def test_numeric_traits_by_hand(tiny):
    traits = tiny_traits(tiny)
    a_age = trait(traits, "A", "age")
    assert a_age["segment_value"] == pytest.approx(30.0)
    assert a_age["segment_median"] == pytest.approx(30.0)
    assert a_age["overall_value"] == pytest.approx(45.0)
    assert a_age["overall_median"] == pytest.approx(45.0)
    assert a_age["lift"] == pytest.approx(30 / 45)
    assert a_age["std_diff"] == pytest.approx((30 - 45) / math.sqrt(350))
    b_age = trait(traits, "B", "age")
    assert b_age["std_diff"] == pytest.approx(15 / math.sqrt(350))


def test_category_and_boolean_traits_by_hand(tiny):
    traits = tiny_traits(tiny)
    phone = trait(traits, "A", "channel", "Phone")
    assert phone["segment_value"] == pytest.approx(2 / 3)
    assert phone["overall_value"] == pytest.approx(1 / 3)
    assert phone["lift"] == pytest.approx(2.0)
    assert phone["std_diff"] == pytest.approx((2 / 3 - 1 / 3) / math.sqrt(1 / 3 * 2 / 3))
    chat_a = trait(traits, "A", "channel", "Chat")
    assert chat_a["segment_value"] == 0 and chat_a["lift"] == 0
    vip = trait(traits, "B", "vip")
    assert vip["value"] == "yes"
    assert vip["segment_value"] == pytest.approx(1.0)
    assert vip["overall_value"] == pytest.approx(4 / 6)
    assert vip["std_diff"] == pytest.approx((1 - 4 / 6) / math.sqrt(4 / 6 * 2 / 6))


def test_attribute_all_missing_in_one_segment(tiny):
    traits = tiny_traits(tiny)
    b_score = trait(traits, "B", "score")
    assert b_score["known"] == 0
    assert math.isnan(b_score["segment_value"])
    assert math.isnan(b_score["lift"])
    profile = prof.build_profile(Data.duckdb(tiny), roles=TINY_ROLES, types=TINY_TYPES)
    assert any("'Score' has no values in segment B" in note for note in profile.notes)
    score_test = profile.tests.set_index("attribute").loc["score"]
    assert score_test["note"] == "not enough values to test; no values in segment(s) B"
    assert not score_test["differs"]


def test_anova_matches_hand_and_scipy():
    groups = [np.array([20.0, 30, 40]), np.array([50.0, 60, 70])]
    result = prof.numeric_test(groups)
    # SS_between = 2 * 3 * 15^2 = 1350, SS_within = 400 -> F = 1350 / (400 / 4) = 13.5
    assert result["test"] == "ANOVA"
    assert result["statistic"] == pytest.approx(13.5)
    assert result["p_value"] == pytest.approx(stats.f.sf(13.5, 1, 4))
    assert result["p_value"] == pytest.approx(stats.f_oneway(*groups).pvalue)
    assert result["effect"] == pytest.approx(1350 / 1750)


def test_skewed_numbers_use_kruskal():
    groups = [np.array([1.0, 1, 1, 2, 2, 3]), np.array([1.0, 2, 2, 3, 50, 400])]
    assert prof.is_skewed(np.concatenate(groups)) and not prof.is_skewed(np.array([1.0, 2, 3, 4]))
    assert prof.numeric_test(groups, skewed=False)["test"] == "ANOVA"
    result = prof.numeric_test(groups)
    assert result["test"] == "Kruskal-Wallis"
    expected = stats.kruskal(*groups)
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert result["effect"] == pytest.approx(max(0.0, (expected.statistic - 1) / (12 - 2)))


def test_chi_square_matches_hand():
    # A: Phone 2, Email 1, Chat 0; B: Phone 0, Email 2, Chat 1 -> expected 1, 1.5, 0.5 per row.
    result = prof.category_test(np.array([[2, 1, 0], [0, 2, 1]]))
    assert result["statistic"] == pytest.approx(2 * (1 + 0.25 / 1.5 + 0.5))
    assert result["p_value"] == pytest.approx(math.exp(-result["statistic"] / 2))  # chi2 with 2 dof
    assert result["effect"] == pytest.approx(math.sqrt(result["statistic"] / 6))


def test_tests_on_tiny_data_with_correction(tiny):
    profile = prof.build_profile(Data.duckdb(tiny), roles=TINY_ROLES, types=TINY_TYPES)
    tests = profile.tests.set_index("attribute")
    assert tests.loc["age", "test"] == "ANOVA"
    assert tests.loc["age", "p_value"] == pytest.approx(stats.f.sf(13.5, 1, 4))
    assert tests.loc["channel", "test"] == "Chi-square"
    assert tests.loc["channel", "statistic"] == pytest.approx(10 / 3)
    tested = tests["p_value"].dropna()
    adjusted = stats.false_discovery_control(tested.to_numpy(), method="bh")
    assert tests.loc[tested.index, "p_adjusted"].to_numpy() == pytest.approx(adjusted)
    assert tests.loc["age", "effect_name"] == "eta squared"
    assert tests.loc["channel", "effect_name"] == "Cramér's V"


def test_significant_difference_and_verdict():
    con = db.connect()
    n = 60
    age = np.concatenate([np.linspace(20, 30, n), np.linspace(50, 60, n)])
    gender = ["F", "M"] * n  # same mix in both segments
    load(con, pd.DataFrame({"age": age, "gender": gender}), ["A"] * n + ["B"] * n)
    roles, types = {"age": "demographic", "gender": "demographic"}, {"age": "number", "gender": "text"}
    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types)
    tests = profile.tests.set_index("attribute")
    assert bool(tests.loc["age", "differs"]) and tests.loc["age", "strength"] == "large"
    assert not bool(tests.loc["gender", "differs"])
    assert profile.verdict == "Segments differ clearly on 1 of 2 attributes; 'Gender' does not separate them."


def test_pairs_that_do_not_differ_are_flagged():
    con = db.connect()
    n = 50
    base = np.linspace(20, 40, n)
    age = np.concatenate([base, base + 0.01, base + 40])
    load(con, pd.DataFrame({"age": age}), ["A"] * n + ["A2"] * n + ["B"] * n)
    profile = prof.build_profile(Data.duckdb(con), roles={"age": "demographic"}, types={"age": "number"})
    pairs = profile.pairs.set_index(["segment_a", "segment_b"])
    assert bool(pairs.loc[("A", "A2"), "alike"])
    assert not bool(pairs.loc[("A", "B"), "alike"])
    assert not bool(pairs.loc[("A2", "B"), "alike"])
    suggestions = prof.merge_suggestions(profile.pairs, names={"A": "Young", "A2": "Young too"})
    assert suggestions == ["'Young' and 'Young too' do not differ clearly on any attribute: "
                           "consider merging them (fewer segments)."]


def test_one_segment_only_still_profiles():
    con = db.connect()
    load(con, tiny_frame(), ["All"] * 6)
    profile = prof.build_profile(Data.duckdb(con), roles=TINY_ROLES, types=TINY_TYPES)
    assert list(profile.sizes["customers"]) == [6]
    assert "only one segment" in profile.verdict
    assert "at least two" in profile.verdict
    assert profile.tests.empty and profile.pairs.empty
    assert trait(profile.traits, "All", "age")["lift"] == pytest.approx(1.0)


def test_segment_of_one_customer():
    con = db.connect()
    load(con, tiny_frame(), ["Solo", "Rest", "Rest", "Rest", "Rest", "Rest"])
    profile = prof.build_profile(Data.duckdb(con), roles=TINY_ROLES, types=TINY_TYPES)
    assert dict(zip(profile.sizes["segment"], profile.sizes["customers"], strict=True)) == {"Rest": 5, "Solo": 1}
    assert trait(profile.traits, "Solo", "age")["segment_value"] == 20
    assert any("fewer than 30 customers" in note for note in profile.notes)
    assert profile.tests.set_index("attribute").loc["age", "p_value"] >= 0  # tested, no crash


def test_notes_call_segments_by_their_display_names():
    # Seen on Mall_Customers.csv: "2 segment(s) have fewer than 30 customers (Segment 4, Segment 5)"
    # while every chart and card used the segments' names.
    con = db.connect()
    load(con, tiny_frame(), ["Solo", "Rest", "Rest", "Rest", "Rest", "Rest"])
    profile = prof.build_profile(Data.duckdb(con), roles=TINY_ROLES, types=TINY_TYPES)
    shown = profile.display_notes({"Solo": "Lone wolf", "Rest": "Everyone else"})
    assert "2 segments have fewer than 30 customers (Everyone else, Lone wolf): their figures are shaky." in shown
    assert len(shown) == len(profile.notes)
    assert profile.display_notes({}) == profile.notes


def test_hundreds_of_categories_are_pooled():
    con = db.connect()
    cities = [f"City {i:03d}" for i in range(300)] + ["City 000"] * 20 + ["City 001"] * 10
    load(con, pd.DataFrame({"city": cities}), ["A", "B"] * (len(cities) // 2))
    attrs = prof.profile_attributes({"city": "geographic"}, {"city": "text"})
    counts = prof.category_counts(Data.duckdb(con), attributes=attrs, top_n=5)
    values = set(counts["value"])
    assert prof.OTHER in values
    assert len(values) == 6
    assert {"City 000", "City 001"} <= values
    assert counts["count"].sum() == len(cities)
    profile = prof.build_profile(Data.duckdb(con), roles={"city": "geographic"}, types={"city": "text"}, top_n=5)
    assert any("top 5 values" in note for note in profile.notes)
    assert prof.OTHER not in set(profile.top_traits["value"])  # a pool is never a trait


def test_describe_trait_plain_words():
    age = {"kind": "number", "role": "demographic", "label": "Age", "segment_value": 52.4, "overall_value": 38.1,
           "lift": 1.37, "value": None}
    assert prof.describe_trait(age) == "Age 52 (overall 38)"
    phone = {"kind": "category", "role": "service_channel", "label": "Preferred service channel",
             "segment_value": 0.634, "overall_value": 0.3, "lift": 2.11, "value": "Phone"}
    assert prof.describe_trait(phone) == "63% prefer phone support (2.1x average)"
    social = dict(phone, role="acquisition_channel", value="Social")
    assert prof.describe_trait(social) == "63% came through Social (2.1x average)"
    spend = {"kind": "number", "role": "revenue", "label": "Spend", "segment_value": 1240.0,
             "overall_value": 400.0, "lift": 3.1, "value": None}
    percentiles = np.linspace(10, 1300, 99)  # 1,240 sits at about the 95th percentile
    assert prof.describe_trait(spend, percentiles=percentiles) == "Spend 1,240 (top 10%)"
    recency = {"kind": "date", "role": "date", "label": "Days since last purchase", "segment_value": 620.0,
               "overall_value": 150.0, "lift": 4.1, "value": None}
    assert prof.describe_trait(recency) == "Last purchase 620 days ago (overall 150 days)"


def test_format_numbers_for_people():
    assert prof.format_share(0.634) == "63%"
    assert prof.format_lift(2.06) == "2.1x"


def test_names_built_from_traits(tiny):
    names = prof.name_segments(Data.duckdb(tiny), roles=TINY_ROLES, types=TINY_TYPES)
    assert set(names) == {"A", "B"}
    assert names["A"].startswith("Younger")
    assert "Phone support" in names["A"]
    assert names["B"].startswith("Older")
    assert "Chat support" in names["B"]
    assert names["A"] != names["B"]


def test_names_are_unique_when_traits_match():
    top = pd.DataFrame(
        {
            "segment": ["1", "2", "2", "3"],
            "rank": [1, 1, 2, 1],
            "attribute": ["age", "age", "income", "age"],
            "value": [None, None, None, None],
            "kind": ["number"] * 4,
            "role": ["demographic"] * 4,
            "std_diff": [1.0, 1.2, 0.5, -1.0],
            "lift": [1.2, 1.3, 1.1, 0.8],
            "text": ["", "", "", ""],
        }
    )
    names = prof.names_from_traits(top, segments=["1", "2", "3", "4"], words=1)
    assert names["3"] == "Younger"
    assert names["4"] == "Typical customers"
    assert names["2"] == "Older · High income"
    assert names["1"] == "Older"
    assert len(set(names.values())) == 4


def test_weak_category_values_neither_describe_nor_name_a_segment():
    # Seen on real files: Mall's "Light spenders · High income · Male" (54% male vs 44%: 1.2x) and, on
    # transactions, "1% 500018 (invoice no, 9.5x average)" as a segment's top trait.
    con = db.connect()
    # A: 100 rows, B: 700. Invoice "X" is on 2 rows of A (2% of A, 0.25% overall: 8x, std diff 0.35);
    # every other invoice is unique. A is 75% M, overall 60% M: lift 1.25, std diff 0.31.
    codes = ["X", "X"] + [f"INV{i}" for i in range(798)]
    sex = ["M"] * 75 + ["F"] * 25 + ["M"] * 405 + ["F"] * 295
    spend = [10.0] * 100 + [90.0] * 700
    load(con, pd.DataFrame({"invoice": codes, "sex": sex, "spend": spend}), ["A"] * 100 + ["B"] * 700)
    roles = {"invoice": "other", "sex": "demographic", "spend": "revenue"}
    types = {"invoice": "text", "sex": "text", "spend": "number"}
    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types)
    top = profile.top_traits
    assert top[top["attribute"] == "invoice"].empty  # 2 customers in 100 share a value: not a trait
    a_sex = top[(top["segment"] == "A") & (top["attribute"] == "sex")]
    assert len(a_sex) == 1 and a_sex["lift"].iloc[0] == pytest.approx(0.75 / 0.6)  # still a listed trait
    names = prof.names_from_traits(top, segments=["A", "B"])
    assert "M" not in names["A"].split(" · ")  # ... but 1.25x is too weak to name the segment
    assert names["A"] != names["B"]


def test_generic_labels():
    assert prof.is_generic_label("3") and prof.is_generic_label("Segment 2") and prof.is_generic_label("cluster_1")
    assert not prof.is_generic_label("Champions") and not prof.is_generic_label("France · 25-34")


def test_samples_are_stratified_and_seeded():
    con = db.connect()
    n = 20_000
    labels = np.where(np.arange(n) < 15_000, "big", "small")
    load(con, pd.DataFrame({"x": np.arange(n, dtype=float)}), list(labels))
    attrs = prof.profile_attributes({"x": "behavioral"}, {"x": "number"})
    sizes = {"big": 15_000, "small": 5_000}
    sample = prof.stratified_sample(Data.duckdb(con), attributes=attrs, sizes=sizes, per_segment=500, random_state=1)
    per = sample.groupby("segment").size()
    assert 400 <= per["big"] <= 600 and 400 <= per["small"] <= 600
    again = prof.stratified_sample(Data.duckdb(con), attributes=attrs, sizes=sizes, per_segment=500, random_state=1)
    pd.testing.assert_frame_equal(sample, again)
    other = prof.stratified_sample(Data.duckdb(con), attributes=attrs, sizes=sizes, per_segment=500, random_state=2)
    assert set(other[db.ROW]) != set(sample[db.ROW])
    dist = prof.distribution_sample(Data.duckdb(con), attribute=attrs[0], sizes=sizes, per_segment=300)
    assert list(dist.columns) == ["segment", "value"]
    assert dist.groupby("segment").size().between(220, 380).all()
    assert prof.pca_map(Data.duckdb(con), attributes=attrs, max_points=1000).empty  # one number: no 2-D map


def test_pca_map_has_at_most_max_points(tiny):
    con = db.connect()
    rng = np.random.default_rng(0)
    load(con, pd.DataFrame({"a": rng.normal(size=5000), "b": rng.normal(size=5000)}), ["A", "B"] * 2500)
    attrs = prof.profile_attributes({"a": "behavioral", "b": "behavioral"}, {"a": "number", "b": "number"})
    points = prof.pca_map(Data.duckdb(con), attributes=attrs, max_points=800)
    assert 0 < len(points) <= 800
    assert list(points.columns) == [db.ROW, "x", "y", "segment"]
    assert set(points["segment"]) == {"A", "B"}
    assert 0 < sum(points.attrs["explained"]) <= 1.0 + 1e-9


def test_drilldown_hides_personal_data_and_binds_labels():
    con = db.connect()
    load(con, tiny_frame(), ["O'Brien; DROP TABLE customers", "x", "x", "x", "x", "x"])
    columns = prof.drilldown_columns(TINY_ROLES)
    assert "name" not in columns and "customer_id" in columns
    assert "name" in prof.drilldown_columns(TINY_ROLES, show_personal=True)
    rows = prof.segment_customers(Data.duckdb(con), segment="O'Brien; DROP TABLE customers", columns=columns)
    assert list(rows["customer_id"]) == ["c1"]
    assert len(prof.segment_customers(Data.duckdb(con), segment="x", columns=columns, limit=2)) == 2


def make_workspace(frame: pd.DataFrame, labels: list[str], roles: dict, types: dict) -> Workspace:
    ws = Workspace()
    load(ws.con, frame, labels)
    ws.imported = ImportResult(source="t.csv", format="csv", rows_in_file=len(frame), rows_loaded=len(frame),
                               rows_rejected=0, columns=[ColumnInfo(c, types[c], roles[c]) for c in roles])
    ws.roles = dict(roles)
    ws.data_id = "tiny"
    sizes = prof.segment_sizes(Data.duckdb(ws.con))  # labels loaded, not yet a segmentation
    ws.set_segmentation(Segmentation(method="dimensions", settings={}, sizes=dict(
        zip(sizes["segment"], sizes["customers"], strict=True)), k=len(sizes)))
    return ws


def test_rename_carries_to_other_views_and_exports():
    ws = make_workspace(tiny_frame(), ["A", "A", "A", "B", "B", "B"], TINY_ROLES, TINY_TYPES)
    ws.rename_segment("A", "<b>x</b>")
    ws.rename_segment("B", "=1+1")
    frame = pd.DataFrame({"segment": ["A", "B"], "customers": [3, 3]})
    named = with_segment_names(ws, frame)
    assert list(named["segment"]) == ["<b>x</b>", "=1+1"]
    csv = to_safe_csv(named).decode("utf-8-sig")
    assert "'=1+1" in csv and "<b>x</b>" in csv
    profile = prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types())
    names = {label: ws.display_name(label) for label in profile.sizes["segment"]}
    table = prof.traits_table(profile.traits, names=names)
    assert list(table.columns) == ["Trait", "Everyone", "<b>x</b>", "=1+1"]
    summary = prof.segment_summary(profile, names=names)
    assert list(summary["segment"]) == ["<b>x</b>", "=1+1"]
    assert prof.escape_markdown("<b>x</b>") == r"\<b\>x\</b\>"


def test_traits_table_and_tests_table(tiny):
    profile = prof.build_profile(Data.duckdb(tiny), roles=TINY_ROLES, types=TINY_TYPES)
    table = prof.traits_table(profile.traits, names={"A": "Young", "B": "Young"})
    assert list(table.columns) == ["Trait", "Everyone", "Young", "Young (2)"]  # renamed alike: still two columns
    age = table.set_index("Trait").loc["Age (average)"]
    assert age["Everyone"] == "45" and age["Young"] == "30 (0.7x)"
    median = table.set_index("Trait").loc["Age (median)"]
    assert median["Everyone"] == "45" and median["Young (2)"] == "60"
    assert list(table["Trait"][:2]) == ["Age (average)", "Age (median)"]
    phone = table.set_index("Trait").loc["Channel: Phone"]
    assert phone["Everyone"] == "33%" and phone["Young"] == "67% (2.0x)"
    plain = prof.tests_table(profile.tests)
    assert {"Differs?", "Strength"} <= set(plain.columns)
    assert set(plain["Differs?"]) <= {"Yes", "No", "Not tested"}
    matrix, hover = prof.trait_matrix(profile.traits)
    assert matrix.loc["A", "Age"] == pytest.approx(-15 / math.sqrt(350))
    assert hover.loc["A", "Age"] == "Age 30 (overall 45)"


def test_dates_profiled_as_days_since():
    con = db.connect()
    dates = pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"])
    load(con, pd.DataFrame({"last_purchase_date": dates}), ["Old", "Old", "New", "New"])
    attrs = prof.profile_attributes({"last_purchase_date": "date"}, {"last_purchase_date": "date"})
    assert attrs[0].label == "Days since last purchase"
    numbers = prof.numeric_summary(Data.duckdb(con), attributes=attrs)
    old = numbers[(numbers["segment"] == "Old")].iloc[0]
    assert old["mean"] == pytest.approx(25.0)  # 30 and 20 days before Jan 31
    overall = numbers[numbers["segment"].isna()].iloc[0]
    assert overall["mean"] == pytest.approx(15.0)


def test_sample_percentiles_weight_segments_by_size():
    # 10 sampled from each segment, but A stands for 100 customers and B for 900.
    sample = pd.DataFrame({"segment": ["A"] * 10 + ["B"] * 10, "x": [1.0] * 10 + [10.0] * 10})
    attrs = prof.profile_attributes({"x": "behavioral"}, {"x": "number"})
    pct = prof.sample_percentiles(sample, attributes=attrs, sizes={"A": 100, "B": 900})["x"]
    assert len(pct) == 99
    assert pct[4] == 1.0 and pct[8] == 1.0  # 5th and 9th percentiles: inside A's 10%
    assert pct[10] == 10.0 and pct[49] == 10.0  # 11th and 50th: B


def test_quiet_attributes_and_repeated_short_labels():
    traits = pd.DataFrame({"label": ["Age", "Age", "Gender", "Gender"], "std_diff": [0.5, -0.5, 0.05, float("nan")]})
    assert prof.quiet_attributes(traits) == ["Gender"]
    rows = pd.DataFrame(
        {
            "segment": ["A", "A"], "attribute": ["lifestyle", "occupation"], "label": ["Lifestyle", "Occupation"],
            "kind": ["category", "category"], "role": ["psychographic", "demographic"], "value": ["Student"] * 2,
            "segment_value": [0.5, 0.4], "overall_value": [0.1, 0.1], "lift": [5.0, 4.0], "std_diff": [1.3, 1.0],
            "known": [10, 10],
        }
    )
    top = prof.top_traits(rows)
    assert list(top["short"]) == ["Student (lifestyle)", "Student (occupation)"]


def test_awkward_column_names_and_an_all_missing_column():
    con = db.connect()
    frame = pd.DataFrame(
        {
            "Total $ spend": [10.0, 20.0, 30.0, 40.0],
            "it's \"odd\"": ["a", "a", "b", "b"],
            "empty": pd.Series([None] * 4, dtype="float64"),
            "blank": pd.Series([None] * 4, dtype="object"),
        }
    )
    load(con, frame, ["X", "X", "Y", "Y"])
    roles = {c: "other" for c in frame.columns}
    types = {"Total $ spend": "number", "it's \"odd\"": "text", "empty": "number", "blank": "text"}
    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types)
    assert trait(profile.traits, "X", "Total $ spend")["segment_value"] == pytest.approx(15.0)
    assert trait(profile.traits, "Y", "it's \"odd\"", "b")["segment_value"] == pytest.approx(1.0)
    empty = trait(profile.traits, "X", "empty")
    assert math.isnan(empty["segment_value"]) and empty["known"] == 0
    tests = profile.tests.set_index("attribute")
    assert tests.loc["empty", "note"].startswith("not enough values")
    assert "not enough values" in tests.loc["blank", "note"]
    # four customers: nothing is significant; the two untestable attributes are not counted
    assert profile.verdict == ("Segments do not differ clearly on any of the 2 attributes: "
                               "try other features or fewer segments.")


def test_segment_csv_is_safe_and_leaves_out_personal_data():
    con = db.connect()
    load(con, tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    text = prof.segment_csv(Data.duckdb(con), segment="A", roles=TINY_ROLES, name="=1+1").decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "segment,customer_id,age,channel,vip,score"
    assert len(lines) == 4 and lines[1].startswith("'=1+1,c1,20.0,Phone")
    with_pii = prof.segment_csv(Data.duckdb(con), segment="B", roles=TINY_ROLES, show_personal=True).decode("utf-8-sig")
    assert "name" in with_pii.splitlines()[0] and "Flo" in with_pii


@pytest.mark.parametrize(("attribute", "kind", "value", "up", "word"), [
    # Seen on the telco file: "Light spenders · No internet service · No", "Big spenders · Long-standing · Yes".
    ("OnlineBackup", "category", "No", True, "No online backup"),
    ("PaperlessBilling", "category", "Yes", True, "Paperless billing"),
    ("Contract", "category", "Month-to-month", True, "Month-to-month"),
    # Seen on marketing_campaign.csv: "High mntwines".
    ("MntWines", "number", None, True, "High mnt wines"),
    ("days_active", "number", None, False, "Low days active"),
])
def test_trait_words_say_what_a_yes_no_or_camel_case_column_means(attribute, kind, value, up, word):
    trait = {"kind": kind, "role": "other", "attribute": attribute, "value": value, "std_diff": 1.0 if up else -1.0}
    assert prof.trait_word(trait) == word


def test_yes_no_traits_say_what_was_answered():
    # Seen on the telco file: "69% No (onlinebackup, 1.6x average)" and a chart bar labelled just "No".
    trait = {"kind": "category", "role": "other", "attribute": "OnlineBackup", "label": "Onlinebackup",
             "value": "No", "segment_value": 0.69, "overall_value": 0.43, "lift": 0.69 / 0.43, "std_diff": 0.5}
    assert prof.describe_trait(trait) == "69% no online backup (1.6x average)"
    assert prof.short_label(trait) == "No online backup"
    assert prof.yes_no_words("Partner", "Yes") == "Partner"
    assert prof.yes_no_words("Contract", "Month-to-month") is None


def test_zero_one_number_is_profiled_as_a_yes_no_flag():
    # A: 2 of 4 are senior citizens (50%); B: 0 of 6.  Overall 2 of 10 = 20%, so A's lift is 2.5x
    # and its standardised difference (0.5 - 0.2) / sqrt(0.2 * 0.8) = 0.75; B's is -0.2 / 0.4 = -0.5.
    con = db.connect()
    frame = pd.DataFrame({
        "customerID": [f"c{i}" for i in range(10)],
        "SeniorCitizen": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "visits": [0, 1, 2, 0, 1, 2, 0, 1, 2, 0],  # 0/1/2: a number, not a flag
        "zeros": [0] * 10,  # only 0: says nothing, stays a number
    })
    load(con, frame, ["A"] * 4 + ["B"] * 6)
    roles = {"customerID": "id", "SeniorCitizen": "demographic", "visits": "behavioral", "zeros": "other"}
    types = {"customerID": "text", "SeniorCitizen": "number", "visits": "number", "zeros": "number"}

    kinds = {a.name: a.kind for a in prof.flag_attributes(Data.duckdb(con), prof.profile_attributes(roles, types))}
    assert kinds == {"SeniorCitizen": "boolean", "visits": "number", "zeros": "number"}

    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types)
    senior = trait(profile.traits, "A", "SeniorCitizen")
    assert senior["value"] == "yes"
    assert senior["segment_value"] == pytest.approx(0.5)
    assert senior["overall_value"] == pytest.approx(0.2)
    assert senior["lift"] == pytest.approx(2.5)
    assert senior["std_diff"] == pytest.approx(0.75)
    assert trait(profile.traits, "B", "SeniorCitizen")["std_diff"] == pytest.approx(-0.5)
    top = profile.top_traits[profile.top_traits["attribute"] == "SeniorCitizen"].set_index("segment")
    assert top.loc["A", "text"] == "50% senior citizen (2.5x average)"
    assert top.loc["B", "text"] == "0% senior citizen (0.0x average)"
    assert profile.names["A"] == "Senior citizen"
    assert profile.names["B"] == "Not senior citizen"
    assert not any("High" in name for name in profile.names.values())
    assert prof.name_segments(Data.duckdb(con), roles=roles, types=types) == profile.names
    assert profile.tests.set_index("attribute").loc["SeniorCitizen", "test"] == "Chi-square"


def test_names_and_traits_use_column_labels():
    """Marketing-campaign style columns: names read "Low wine spend · No young children at home"."""
    from segdash.labels import suggest_labels

    con = db.connect()
    frame = pd.DataFrame({
        "ID": [f"c{i}" for i in range(12)],
        "MntWines": [10.0, 12, 8, 11, 9, 10, 900, 950, 880, 920, 910, 890],
        "Kidhome": [0.0, 0, 0, 0, 0, 0, 1, 2, 1, 2, 1, 1],
    })
    load(con, frame, ["A"] * 6 + ["B"] * 6)
    roles = {"ID": "id", "MntWines": "behavioral", "Kidhome": "demographic"}
    types = {"ID": "text", "MntWines": "number", "Kidhome": "number"}
    profile = prof.build_profile(Data.duckdb(con), roles=roles, types=types, labels=suggest_labels(roles))
    assert profile.names["A"] == "Low wine spend · No young children at home"
    assert profile.names["B"] == "High wine spend · High young children at home"
    texts = " ".join(profile.top_traits["text"])
    assert "Amount spent on wines" in texts and "Mnt" not in texts
    assert set(profile.traits["label"]) == {"Amount spent on wines", "Young children at home"}


def test_band_answers_keep_their_order_in_traits_and_tables():
    frame = pd.DataFrame({
        # most common first would be 25-34 (3), 35-44 (2), 18-24 (1): the order is 18-24 < 25-34 < 35-44
        "age_band": ["25-34", "25-34", "18-24", "25-34", "35-44", "35-44"],
        "visits": ["Often", "Often", "Often", "Never", "Sometimes", "Never"],
        "plan": ["gold", "gold", "gold", "gold", "basic", "silver"],
    })
    con = db.connect()
    load(con, frame, ["A", "A", "A", "B", "B", "B"])
    roles = {"age_band": "demographic", "visits": "behavioral", "plan": "behavioral"}
    types = dict.fromkeys(roles, "text")
    attrs = prof.profile_attributes(roles, types)
    counts = prof.category_counts(Data.duckdb(con), attributes=attrs)
    numbers = prof.numeric_summary(Data.duckdb(con), attributes=attrs)
    traits = prof.compute_traits(attributes=attrs, numbers=numbers, counts=counts, segments=["A", "B"])

    def values(attribute: str) -> list[str]:
        return list(dict.fromkeys(traits.loc[traits["attribute"] == attribute, "value"]))

    assert values("age_band") == ["18-24", "25-34", "35-44"]
    assert values("visits") == ["Never", "Sometimes", "Often"]
    assert values("plan")[0] == "gold" and set(values("plan")) == {"gold", "basic", "silver"}  # most common first
    # hand-worked shares: A has 18-24 1/3, 25-34 2/3; B has 25-34 1/3, 35-44 2/3
    assert trait(traits, "A", "age_band", "18-24")["segment_value"] == pytest.approx(1 / 3)
    assert trait(traits, "B", "age_band", "35-44")["segment_value"] == pytest.approx(2 / 3)
    # the table keeps every band, in order, even past the values shown per category
    table = prof.traits_table(traits, names={}, per_category=2)
    rows = list(table["Trait"])
    assert [r for r in rows if r.startswith("Age band")] == ["Age band: 18-24", "Age band: 25-34", "Age band: 35-44"]
    assert [r for r in rows if r.startswith("Visits")] == ["Visits: Never", "Visits: Sometimes", "Visits: Often"]
    assert len([r for r in rows if r.startswith("Plan")]) == 2
    matrix, _ = prof.trait_matrix(traits)
    assert [c for c in matrix.columns if c.startswith("Age band")] == [
        "Age band: 18-24", "Age band: 25-34", "Age band: 35-44"]


def test_value_order():
    assert prof.value_order(["More than 100,000", "Less than 25,000", prof.OTHER, "25,000 to 50,000"]) == [
        "Less than 25,000", "25,000 to 50,000", "More than 100,000", prof.OTHER]
    assert prof.value_order(["Rarely", "Prefer not to say", "Never", "Often"]) == [
        "Never", "Rarely", "Often", "Prefer not to say"]
    assert prof.value_order(["gold", "basic", "silver"]) is None
    assert prof.value_order(["10", "20", "30"]) is None  # plain numbers are not bands
