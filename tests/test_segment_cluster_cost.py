"""Automatic k costs less (issue 14): stability only where the rule needs it (same answer), silhouette in one product."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances, silhouette_score

from segdash.segment.cluster import STABLE_K, _choose_k, silhouette_precomputed

KS = [2, 3, 4, 5, 6, 7]
# the elbow of this inertia curve is k = 4 (furthest below the chord from k = 2 to k = 7)
INERTIA = {2: 20.0, 3: 13.0, 4: 7.0, 5: 6.0, 6: 5.4, 7: 5.0}


def _scores(sil: dict[int, float] | None = None, share: dict[int, float] | None = None) -> dict[int, dict[str, float]]:
    sil = sil or dict.fromkeys(KS, 0.3)
    return {k: {"silhouette": sil[k], "inertia": INERTIA[k], "smallest_share": (share or {}).get(k, 0.2)} for k in KS}


def _lazy(stability: dict[int, float], **scores: dict[int, float]) -> tuple[tuple[int, str, int | None], list[int]]:
    asked: list[int] = []

    def stability_of(k: int) -> float:
        asked.append(k)
        return stability[k]

    return _choose_k(_scores(**scores), KS, fixed=False, stability_of=stability_of), asked


def _full(stability: dict[int, float], **scores: dict[int, float]) -> tuple[int, str, int | None]:
    filled = _scores(**scores)
    for k in KS:
        filled[k]["stability"] = stability[k]
    return _choose_k(filled, KS, fixed=False)


def test_a_stable_elbow_needs_only_itself_and_the_next_best() -> None:
    stability = dict.fromkeys(KS, 0.9)
    (k, reason, next_best), asked = _lazy(stability)
    # nearest the elbow first: 4, then 3 (|3 - 4| = |5 - 4|, the smaller k first)
    assert asked == [4, 3]
    assert (k, next_best) == (4, 3)
    assert (k, reason, next_best) == _full(stability)
    assert reason.startswith("k = 4: the elbow of the inertia curve")


def test_an_unstable_elbow_looks_further_and_says_which_k_were_unstable() -> None:
    stability = {2: 0.9, 3: 0.9, 4: 0.5, 5: 0.6, 6: 0.9, 7: 0.9}
    (k, reason, next_best), asked = _lazy(stability)
    assert asked == [4, 3, 5, 6]  # 4 and 5 fail; 3 and 6 pass
    assert (k, next_best) == (3, 6)
    assert (k, reason, next_best) == _full(stability)
    assert "k = 4, 5 (unstable" in reason


def test_nothing_stable_from_three_up_gives_the_same_first_cut() -> None:
    stability = {2: 0.9, **dict.fromkeys([3, 4, 5, 6, 7], STABLE_K - 0.1)}
    (k, reason, next_best), asked = _lazy(stability)
    assert sorted(asked) == [3, 4, 5, 6, 7]  # every k from 3 up had to be checked
    assert (k, reason, next_best) == _full(stability)
    assert k == 4 and "first cut" in reason


def test_two_groups_are_checked_only_when_their_silhouette_could_win() -> None:
    stability = dict.fromkeys(KS, 0.9)
    (_, _, _), asked = _lazy(stability)  # silhouette 0.3 everywhere: k = 2 cannot win, never refitted
    assert 2 not in asked
    sil = {2: 0.72, 3: 0.48, 4: 0.41, 5: 0.38, 6: 0.35, 7: 0.33}
    (k, reason, next_best), asked = _lazy(stability, sil=sil)
    assert asked[-1] == 2 and (k, next_best) == (2, 4)
    assert (k, reason, next_best) == _full(stability, sil=sil)
    # an unstable k = 2 does not win, and is said to be unstable
    shaky_two = {**stability, 2: 0.3}
    (k, reason, _), _ = _lazy(shaky_two, sil=sil)
    assert k == 4 and "k = 2 (unstable" in reason
    assert (k, reason) == _full(shaky_two, sil=sil)[:2]


@pytest.mark.parametrize("stability", [
    dict.fromkeys(KS, 0.9),
    {2: 0.2, 3: 0.95, 4: 0.1, 5: 0.2, 6: 0.8, 7: 0.76},
    {2: 0.9, 3: 0.1, 4: 0.1, 5: 0.1, 6: 0.1, 7: 0.8},
    dict.fromkeys(KS, 0.1),
])
def test_tiny_segments_and_any_stabilities_give_the_answer_of_checking_every_k(stability: dict[int, float]) -> None:
    share = {6: 0.01, 7: 0.01}  # 6 and 7 hold a segment under 2%: never refitted
    (k, reason, next_best), asked = _lazy(stability, share=share)
    assert not {6, 7} & set(asked)
    full_k, full_reason, full_next = _full(stability, share=share)
    assert (k, next_best) == (full_k, full_next)
    # the same words; "Left out" names the unstable k among those checked (k = 2 only when it could win)
    assert reason.split(" Left out:")[0] == full_reason.split(" Left out:")[0]
    assert "k = 6, 7 (a segment under 2% of customers)" in reason
    unstable = sorted(k for k in asked if stability[k] < STABLE_K)
    if unstable:
        assert "k = " + ", ".join(map(str, unstable)) + " (unstable" in reason
    else:
        assert "unstable" not in reason


@pytest.mark.parametrize("k", [2, 3, 7])
def test_silhouette_is_scikit_learns(k: int) -> None:
    rng = np.random.default_rng(k)
    points = rng.normal(size=(300, 4)).astype(np.float32)
    points[:40] = points[0]  # duplicates: distance 0 to one another
    labels = rng.integers(0, k, len(points))
    labels[-1] = k  # a customer alone in its segment (scores 0)
    distances = pairwise_distances(points)
    assert silhouette_precomputed(distances, labels) == pytest.approx(
        silhouette_score(distances, labels, metric="precomputed"), abs=1e-6)


def test_silhouette_on_a_hand_worked_line() -> None:
    # customers at 0, 1 (segment A) and 5 (segment B): a = 1 for each A; b = 5 and 4; B is alone (0)
    distances = pairwise_distances(np.array([[0.0], [1.0], [5.0]], dtype=np.float32))
    expected = ((5 - 1) / 5 + (4 - 1) / 4 + 0) / 3
    assert silhouette_precomputed(distances, np.array(["A", "A", "B"])) == pytest.approx(expected)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_spread_scores_are_scikit_learns(k: int) -> None:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    from segdash.segment.cluster import spread_scores

    rng = np.random.default_rng(k)
    points = rng.normal(size=(400, 5)).astype(np.float32)
    labels = rng.integers(0, k, len(points))
    points[labels == 0] += 3.0  # one segment apart from the rest
    calinski_harabasz, davies_bouldin = spread_scores(points, labels)
    assert calinski_harabasz == pytest.approx(calinski_harabasz_score(points, labels), rel=1e-9)
    # scikit-learn measures distances to the centres in float32: equal to within its rounding
    assert davies_bouldin == pytest.approx(davies_bouldin_score(points, labels), rel=1e-5)


def test_spread_scores_on_a_hand_worked_line() -> None:
    from segdash.segment.cluster import spread_scores

    # A at 0 and 2 (centre 1), B at 10 and 12 (centre 11); everyone's centre 6
    points = np.array([[0.0], [2.0], [10.0], [12.0]])
    labels = np.array([0, 0, 1, 1])
    within, between = 4 * 1.0, 2 * 25.0 + 2 * 25.0  # squared distances to own centre / of centres to 6
    calinski_harabasz, davies_bouldin = spread_scores(points, labels)
    assert calinski_harabasz == pytest.approx(between * (4 - 2) / (within * (2 - 1)))
    assert davies_bouldin == pytest.approx((1 + 1) / 10)  # mean distance 1 to each centre, centres 10 apart
    same = np.zeros((3, 2))
    assert spread_scores(same, np.array([0, 0, 1])) == (1.0, 0.0)  # no spread at all: scikit-learn's answers


def test_a_small_file_is_assigned_in_numpy_with_the_labels_duckdb_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from segdash import db
    from segdash.data import Data
    from segdash.segment import cluster
    from segdash.segment.base import commit_labels

    rng = np.random.default_rng(3)
    con = db.connect()
    frame = {"spend": np.concatenate([rng.normal(10, 2, 150), rng.normal(50, 5, 150)]),
             "visits": np.concatenate([rng.normal(2, 1, 150), rng.normal(9, 2, 150)])}
    con.execute("CREATE TABLE customers AS SELECT (row_number() OVER ())::BIGINT AS _row, * FROM "
                "(SELECT unnest(?::DOUBLE[]) AS spend, unnest(?::DOUBLE[]) AS visits)",
                [frame["spend"].tolist(), frame["visits"].tolist()])
    types = {"spend": "number", "visits": "number"}

    def labels(threshold: int) -> tuple[dict[str, int], list[tuple]]:
        monkeypatch.setattr(cluster, "PYTHON_ASSIGN_ROWS", threshold)
        called = []
        monkeypatch.setattr(cluster, "assign_clusters",
                            lambda *a, **k: called.append(1) or cluster_assign(*a, **k))
        seg = cluster.cluster_customers(Data.duckdb(con).staged(), features=["spend", "visits"], types=types, k=3)
        commit_labels(Data.duckdb(con))
        assert bool(called) == (threshold < 300)
        return seg.sizes, con.execute("SELECT _row, segment FROM segment_labels ORDER BY _row").fetchall()

    cluster_assign = cluster.assign_clusters
    in_numpy, in_duckdb = labels(10_000), labels(0)
    assert in_numpy == in_duckdb and sum(in_numpy[0].values()) == 300


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adjusted_rand_is_scikit_learns_to_the_last_bit(seed: int) -> None:
    from sklearn.metrics import adjusted_rand_score

    from segdash.segment.cluster import adjusted_rand

    rng = np.random.default_rng(seed)
    first = rng.integers(0, 5, 2000)
    second = np.where(rng.random(2000) < 0.7, first, rng.integers(0, 6, 2000))  # mostly the same grouping
    assert adjusted_rand(first, second) == adjusted_rand_score(first, second)
    shuffled = rng.permutation(first)  # chance agreement: about 0, negative allowed
    assert adjusted_rand(first, shuffled) == adjusted_rand_score(first, shuffled)


def test_adjusted_rand_by_hand() -> None:
    from segdash.segment.cluster import adjusted_rand

    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([5, 5, 2, 2])) == 1.0  # same grouping, other names
    # of the 6 pairs: together in both 1 (1-2), apart in both 2 (1-4, 2-4), together only in the first 1 (3-4),
    # only in the second 2 (1-3, 2-3): ARI = 2 (1*2 - 1*2) / ((1 + 1)(1 + 2) + (1 + 2)(2 + 2)) = 0
    assert adjusted_rand(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])) == 0.0
    assert adjusted_rand(np.array([], dtype=int), np.array([], dtype=int)) == 1.0
