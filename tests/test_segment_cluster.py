"""Clustering: known answers on tiny blobs, settings, bad input, determinism, the k-scores chart."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segdash import db
from segdash.data import Data
from segdash.errors import SettingsError
from segdash.report.cluster_charts import k_scores_figure
from segdash.segment.base import commit_labels
from segdash.segment.cluster import (
    ALGORITHMS,
    K_RULE,
    _choose_k,
    cluster_customers,
    elbow_k,
    stability_words,
)

# Three well-separated blobs of 40, 30 and 20 customers around (0, 0), (10, 0) and (0, 10):
# by size, blob A is "Segment 1", B "Segment 2", C "Segment 3".
BLOB_CENTRES = {"A": (0.0, 0.0), "B": (10.0, 0.0), "C": (0.0, 10.0)}
BLOB_SIZES = {"A": 40, "B": 30, "C": 20}
NUMBERS = {"x": "number", "y": "number"}


def blobs(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for blob, (cx, cy) in BLOB_CENTRES.items():
        size = BLOB_SIZES[blob]
        parts.append(pd.DataFrame({
            "x": rng.normal(cx, 0.5, size), "y": rng.normal(cy, 0.5, size), "blob": blob,
        }))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, db.ROW, np.arange(2, len(frame) + 2, dtype=np.int64))  # like file line numbers
    return frame


def workspace_con(frame: pd.DataFrame):
    con = db.connect(threads=1)
    con.register("frame", frame)
    con.execute("CREATE TABLE customers AS SELECT * FROM frame")
    con.unregister("frame")
    return con


def labels_of(con) -> pd.DataFrame:
    commit_labels(Data.duckdb(con))  # what Workspace.set_segmentation does
    return db.fetch_df(con, "SELECT _row, segment FROM segment_labels ORDER BY _row")


def with_truth(con, frame: pd.DataFrame) -> pd.DataFrame:
    return labels_of(con).merge(frame[[db.ROW, "blob"]], on=db.ROW, how="left", validate="one_to_one")


# -- known answers ------------------------------------------------------------------------------

def test_three_blobs_give_three_segments_with_the_right_members() -> None:
    frame = blobs()
    con = workspace_con(frame)
    seen: list[tuple[float, str]] = []
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, progress=lambda f, m: seen.append((f, m)))
    assert seg.k == 3
    assert seg.method == "kmeans"
    assert seg.sizes == {"Segment 1": 40, "Segment 2": 30, "Segment 3": 20}
    merged = with_truth(con, frame)
    # Each blob is exactly one segment, named by size.
    assert merged.groupby("blob")["segment"].nunique().eq(1).all()
    assert dict(merged.groupby("blob")["segment"].first()) == {
        "A": "Segment 1", "B": "Segment 2", "C": "Segment 3",
    }
    assert sorted(seg.scores) == list(range(2, 11))
    assert set(seg.scores[3]) == {"silhouette", "calinski_harabasz", "davies_bouldin", "smallest_share", "stability",
                                  "inertia"}
    assert seg.scores[3]["stability"] == pytest.approx(1.0) and seg.scores[3]["smallest_share"] == pytest.approx(20 / 90, abs=1e-3)
    best = max(seg.scores, key=lambda k: seg.scores[k]["silhouette"])
    assert best == 3 and seg.scores[3]["silhouette"] > 0.8
    assert seg.chosen_k_reason.startswith("k = 3: the elbow of the inertia curve")
    assert seg.extra["k_rule"] == K_RULE and seg.extra["k_next_best"] in (2, 4)
    assert seg.stability == pytest.approx(1.0)
    # Progress goes forward, ends at 1, and names the k being tried.
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m == "Trying k = 5 ..." for _, m in seen)


def test_fixed_k_gives_that_many_segments_and_scores_for_it() -> None:
    con = workspace_con(blobs())
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, k="2")  # as typed in a CLI
    assert seg.k == 2 and len(seg.sizes) == 2
    assert sum(seg.sizes.values()) == 90
    assert list(seg.scores) == [2]
    assert "you chose" in seg.chosen_k_reason
    assert seg.settings["k"] == 2 and seg.settings["algorithm"] == "kmeans"


@pytest.mark.parametrize("algorithm", ["gmm", "hierarchical"])
def test_gmm_and_hierarchical_find_the_blobs_and_label_everyone(algorithm: str) -> None:
    frame = blobs()
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, algorithm=algorithm)
    assert seg.method == algorithm
    assert seg.k == 3
    merged = with_truth(con, frame)
    assert len(merged) == 90 and merged["segment"].notna().all()
    assert adjusted_rand_score(merged["blob"], merged["segment"]) == pytest.approx(1.0)
    assert seg.sizes == {"Segment 1": 40, "Segment 2": 30, "Segment 3": 20}


def test_numbers_and_categories_together_with_awkward_column_names() -> None:
    # Two groups: "spend $" 10 vs 100 and "channel [main]" "Web" vs "Store". One customer has
    # no channel: with missing="missing_category" it still gets a segment.
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        db.ROW: np.arange(60, dtype=np.int64),
        "spend $": np.r_[rng.normal(10, 1, 30), rng.normal(100, 5, 30)],
        "channel [main]": ["Web"] * 30 + ["Store"] * 30,
        "member's flag": [True] * 30 + [False] * 30,
    })
    frame.loc[35, "channel [main]"] = None
    con = workspace_con(frame)
    types = {"spend $": "number", "channel [main]": "text", "member's flag": "boolean"}
    features = ["spend $", "channel [main]", "member's flag"]
    seg = cluster_customers(Data.duckdb(con), features=features, types=types)
    assert seg.k == 2
    labels = labels_of(con)["segment"].to_numpy()
    assert len(set(labels[:30])) == 1 and len(set(labels[30:])) == 1 and labels[0] != labels[59]
    assert "channel [main]: 1 missing value filled with the most common value" in seg.notes
    seg = cluster_customers(Data.duckdb(con), features=features, types=types, k=2, missing="missing_category")
    assert list(labels_of(con)["segment"]) == list(labels)
    assert 'channel [main]: 1 missing value kept as their own value "(missing)"' in seg.notes


def test_dates_become_days_since_the_latest_date() -> None:
    latest = dt.date(2026, 6, 30)
    recent = [latest - dt.timedelta(days=int(d)) for d in range(0, 20)]
    lapsed = [latest - dt.timedelta(days=400 + int(d)) for d in range(0, 20)]
    frame = pd.DataFrame({db.ROW: np.arange(40, dtype=np.int64), "last purchase": recent + lapsed})
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["last purchase"], types={"last purchase": "date"}, k=2)
    labels = labels_of(con)["segment"].to_numpy()
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[39]
    assert any("days since the latest date" in note for note in seg.notes)


def test_outliers_are_kept_and_labelled() -> None:
    frame = blobs()
    outliers = pd.DataFrame({db.ROW: [1000, 1001], "x": [80.0, -60.0], "y": [90.0, 5.0], "blob": ["O", "O"]})
    frame = pd.concat([frame, outliers], ignore_index=True)
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, k=3, scaling="robust")
    labels = labels_of(con)
    assert len(labels) == 92 and sum(seg.sizes.values()) == 92
    assert set(labels.loc[labels[db.ROW].isin([1000, 1001]), "segment"]) <= set(seg.sizes)


def test_missing_numbers_are_filled_and_skewed_money_is_log_scaled() -> None:
    rng = np.random.default_rng(2)
    spend = np.r_[rng.lognormal(3, 1.0, 50), rng.lognormal(7, 1.0, 50)]
    frame = pd.DataFrame({db.ROW: np.arange(100, dtype=np.int64), "total spend": spend,
                          "income": np.r_[[np.nan] * 3, rng.normal(50_000, 5_000, 97)]})
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["total spend", "income"], types={"total spend": "number", "income": "number"}, k=2)
    assert "income: 3 missing values filled with the median" in seg.notes
    assert "total spend log-scaled (skewed)" in seg.notes
    assert sum(seg.sizes.values()) == 100
    unlogged = cluster_customers(Data.duckdb(con), features=["total spend", "income"], types={"total spend": "number", "income": "number"}, k=2, log_skewed=False)
    assert not any("log-scaled" in note for note in unlogged.notes)


def test_same_settings_and_seed_give_the_same_labels() -> None:
    con = workspace_con(blobs())
    first = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, k=4, random_state=7)
    first_labels = labels_of(con)
    second = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, k=4, random_state=7)
    pd.testing.assert_frame_equal(first_labels, labels_of(con))
    assert first.sizes == second.sizes and first.stability == second.stability


def test_one_label_per_row_sizes_add_up_and_map_sample() -> None:
    frame = blobs()
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS)
    labels = labels_of(con)
    assert sorted(labels[db.ROW]) == sorted(frame[db.ROW]) and labels[db.ROW].is_unique
    assert sum(seg.sizes.values()) == len(frame)
    assert list(seg.sizes.values()) == sorted(seg.sizes.values(), reverse=True)
    assert json.loads(json.dumps(seg.extra)) == seg.extra  # JSON data only: saved as it is
    pca = seg.map_points()
    assert list(pca.columns) == [db.ROW, "x", "y", "segment"] and len(pca) == 90
    assert pca.attrs["explained"] == seg.extra["pca_explained"]
    assert set(pca["segment"]) == set(seg.sizes)
    assert len(seg.extra["pca_explained"]) == 2 and sum(seg.extra["pca_explained"]) == pytest.approx(1.0)


def test_constant_feature_is_left_out_with_a_note() -> None:
    frame = blobs().assign(country="France")
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["x", "y", "country"], types={**NUMBERS, "country": "text"})
    assert seg.k == 3 and seg.features == ["x", "y"]
    assert "country left out: it has the same value for every customer" in seg.notes


def test_stability_words() -> None:
    assert stability_words(0.95).startswith("very stable")
    assert stability_words(0.65) == "moderately stable: treat small segments with care"
    assert stability_words(0.1).startswith("very unstable")
    assert stability_words(None) == "not measured"


# -- bad input ----------------------------------------------------------------------------------

def _bad(frame: pd.DataFrame, message: str, **settings) -> None:
    con = workspace_con(frame)
    settings = {"features": ["x", "y"], "types": NUMBERS, **settings}
    with pytest.raises(SettingsError) as err:
        cluster_customers(Data.duckdb(con), **settings)
    assert message in str(err.value)
    assert not db.table_exists(con, db.LABELS)  # nothing half-written


@pytest.mark.parametrize(("settings", "message"), [
    ({"features": []}, "No feature chosen. Choose at least one column"),
    ({"k": 1}, "You asked for 1 segment: choose 2 or more"),
    ({"k": "many"}, "must be a whole number or 'auto'; got 'many'"),
    ({"k_range": (5, 3)}, "smallest first (like 2-10); got 5-3"),
    ({"k_range": (1, 4)}, "2 or more"),
    ({"algorithm": "dbscan"}, "Unknown clustering method 'dbscan'. Choose one of: kmeans, gmm, hierarchical."),
    ({"scaling": "minmax"}, "Unknown scaling 'minmax'"),
    ({"missing": "drop"}, "Unknown way to treat missing values 'drop'"),
    ({"features": ["x", "nope"]}, "'nope' is not a column of the loaded data"),
    ({"types": {"x": "number", "y": "category"}}, "Unknown column type 'category'"),
    ({"k_range": "2-x"}, "got 2-x"),
])
def test_bad_settings_are_refused_with_a_plain_sentence(settings: dict, message: str) -> None:
    _bad(blobs(), message, **settings)


def test_k_larger_than_the_distinct_customers() -> None:
    # 5 distinct customers, each repeated 4 times.
    points = np.repeat(np.arange(5, dtype=float), 4)
    frame = pd.DataFrame({db.ROW: np.arange(20, dtype=np.int64), "x": points, "y": points * 2})
    _bad(frame, "You asked for 8 segments but there are only 5 distinct customers. Choose 5 or fewer.", k=8)
    con = workspace_con(frame)  # automatic k stops at 5 and says so
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS)
    assert max(seg.scores) == 5 and seg.k <= 5
    assert "Tried k up to 5 only: there are only 5 distinct customers." in seg.notes


def test_a_single_customer() -> None:
    frame = pd.DataFrame({db.ROW: [1], "x": [1.0], "y": [2.0]})
    _bad(frame, "There is only one customer in the loaded data: segmenting needs at least two.")
    _bad(frame.iloc[:0], "There are no customers in the loaded data.")


def test_a_feature_with_no_values() -> None:
    frame = blobs().assign(income=np.nan)
    _bad(frame, "The feature 'income' has no values at all (missing for every customer). Remove it",
         features=["x", "income"], types={"x": "number", "income": "number"})


def test_only_constant_features() -> None:
    frame = blobs().assign(country="France", plan=3.0)
    _bad(frame, "No usable feature: 'country', 'plan' have the same value for every customer",
         features=["country", "plan"], types={"country": "text", "plan": "number"})


# -- the k-scores chart -------------------------------------------------------------------------

def test_k_scores_figure_shows_three_metrics_and_marks_the_chosen_k() -> None:
    scores = {
        2: {"silhouette": 0.41, "calinski_harabasz": 900.0, "davies_bouldin": 0.9},
        3: {"silhouette": 0.62, "calinski_harabasz": 1500.0, "davies_bouldin": 0.5},
        4: {"silhouette": 0.55, "calinski_harabasz": 1400.0, "davies_bouldin": 0.7},
    }
    fig = k_scores_figure(scores, 3)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["Silhouette", "Calinski-Harabasz", "Davies-Bouldin"]
    assert list(lines[2].y) == [0.9, 0.5, 0.7] and list(lines[0].x) == [2, 3, 4]
    chosen = [t for t in fig.data if t.mode == "markers"]
    assert len(chosen) == 3 and all(list(t.x) == [3] for t in chosen)
    assert [list(t.y) for t in chosen] == [[0.62], [1500.0], [0.5]]
    assert any(shape.x0 == 3 and shape.line.dash == "dash" for shape in fig.layout.shapes)
    assert fig.layout.xaxis3.title.text == "Number of segments (k)"
    assert "k = 3" in fig.layout.title.text


def test_every_algorithm_is_listed() -> None:
    assert ALGORITHMS == ("kmeans", "gmm", "hierarchical")


def test_k_range_as_text_and_infinite_values_count_as_missing() -> None:
    frame = blobs()
    frame.loc[0, "x"] = np.inf
    con = workspace_con(frame)
    seg = cluster_customers(Data.duckdb(con), features=["x", "y"], types=NUMBERS, k_range="2-4")
    assert sorted(seg.scores) == [2, 3, 4] and seg.k == 3
    assert "x: 1 missing value filled with the median" in seg.notes
    assert sum(seg.sizes.values()) == 90


# -- the automatic-k rule (issue 16) -----------------------------------------------------------

def _scores(sil: dict[int, float], *, inertia: dict[int, float], share: dict[int, float] | None = None,
            stability: dict[int, float] | None = None) -> dict[int, dict[str, float]]:
    return {k: {"silhouette": sil[k], "inertia": inertia[k], "smallest_share": (share or {}).get(k, 0.2),
                "stability": (stability or {}).get(k, 0.95)} for k in sil}


def test_elbow_is_the_point_furthest_below_the_chord() -> None:
    # inertia 10, 6, 3, 2.5, 2.2: the chord from (2, 10) to (6, 2.2); scaled, k = 4 is furthest below it
    assert elbow_k([2, 3, 4, 5, 6], [10, 6, 3, 2.5, 2.2]) == 4
    assert elbow_k([2, 3], [5, 1]) == 2  # too few points for an elbow
    assert elbow_k([2, 3, 4], [1, 1, 1]) == 2  # flat: no elbow, the first k


def test_silhouette_favouring_two_halves_does_not_win() -> None:
    # silhouette best at 2 (0.30) but no clear two groups; the elbow is at 4
    ks = [2, 3, 4, 5, 6]
    scores = _scores({2: 0.30, 3: 0.25, 4: 0.24, 5: 0.22, 6: 0.21}, inertia={2: 10, 3: 7, 4: 4, 5: 3.6, 6: 3.3})
    k, reason, next_best = _choose_k(scores, ks, fixed=False)
    assert k == 4 and next_best in (3, 5)
    assert reason.startswith("k = 4: the elbow of the inertia curve")


def test_two_clear_groups_win_and_name_the_next_best_k() -> None:
    ks = [2, 3, 4, 5]
    scores = _scores({2: 0.72, 3: 0.48, 4: 0.41, 5: 0.38}, inertia={2: 4, 3: 3, 4: 2.6, 5: 2.4})
    k, reason, next_best = _choose_k(scores, ks, fixed=False)
    assert (k, next_best) == (2, 3)
    assert reason.startswith("k = 2: your customers fall into two clearly separate groups")
    assert "try k = 3" in reason


def test_tiny_or_unstable_elbows_give_way_to_the_nearest_k_that_passes() -> None:
    ks = [2, 3, 4, 5, 6, 7]
    inertia = {2: 20, 3: 15, 4: 11, 5: 8, 6: 4, 7: 3.8}  # elbow at 6
    sil = dict.fromkeys(ks, 0.2)
    scores = _scores(sil, inertia=inertia, share={6: 0.01, 7: 0.01}, stability={5: 0.5})
    k, reason, _ = _choose_k(scores, ks, fixed=False)
    assert k == 4  # 6 and 7 hold a segment under 2%, 5 is unstable
    assert "nearest to the elbow of the inertia curve (k = 6" in reason
    assert "k = 6, 7 (a segment under 2% of customers)" in reason and "k = 5 (unstable" in reason
    # nothing from 3 up is stable: the nearest useful k is kept, and the reason says to take care
    scores = _scores(sil, inertia=inertia, stability=dict.fromkeys([3, 4, 5, 6, 7], 0.4))
    k, reason, _ = _choose_k(scores, ks, fixed=False)
    assert k == 6 and "first cut" in reason


def test_two_groups_in_the_data_give_two_segments() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({db.ROW: np.arange(400, dtype=np.int64),
                          "x": np.r_[rng.normal(0, 1, 200), rng.normal(12, 1, 200)],
                          "y": np.r_[rng.normal(0, 1, 200), rng.normal(12, 1, 200)]})
    seg = cluster_customers(Data.duckdb(workspace_con(frame)), features=["x", "y"], types=NUMBERS)
    assert seg.k == 2 and "two clearly separate groups" in seg.chosen_k_reason
    assert seg.extra["k_next_best"] >= 3


@pytest.mark.parametrize("features", [
    ["age", "income", "orders", "total_spend", "last_purchase_date", "acquisition_cost"],  # the planted columns
    ["age", "income", "orders", "total_spend", "last_purchase_date", "acquisition_cost", "gender",
     "acquisition_channel", "preferred_service_channel", "lifestyle"],  # the bench's 10 mixed features
    None,  # the page's default features
])
def test_the_bundled_sample_gives_its_planted_five(features: list[str] | None) -> None:
    from segdash.segment import default_cluster_features
    from segdash.workspace import Workspace
    from tests.conftest import SAMPLE

    ws = Workspace()
    ws.load(SAMPLE)
    types = ws.column_types()
    chosen = features or default_cluster_features(ws.roles, types, data=ws.data)
    seg = cluster_customers(ws.data, features=chosen, types=types, k="auto", random_state=0)
    assert seg.k == 5, seg.chosen_k_reason
