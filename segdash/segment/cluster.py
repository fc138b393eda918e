"""Clustering customers: k-means, Gaussian mixture or Ward, with automatic k and a stability score.

How a million customers are clustered in a few seconds
------------------------------------------------------
1. **Pull** only ``_row`` and the chosen columns (Arrow -> float32 matrix; see
   :mod:`segdash.segment.features`).
2. **Preprocess** with a scikit-learn ``ColumnTransformer`` fitted on a random sample of
   :data:`SEARCH_SAMPLE` customers, then applied to everyone (medians, scales and the one-hot
   vocabulary of 10,000 random customers are those of the whole base to within noise; 30,000 until
   issue 16, when whole-process timing showed the k search as the largest step after the import).
3. **Choose k** on that sample: for every k in the range, fit the model and score it with
   silhouette (on a fixed random subsample of :data:`SILHOUETTE_SAMPLE` customers, the same for
   every k, its distance matrix computed once), Calinski-Harabasz and Davies-Bouldin
   (``sklearn.metrics``, on the whole search sample) and the share of the smallest segment; then,
   only for the k the rule looks at (from the elbow outwards, until the chosen k and the next best
   pass), a quick stability (:data:`K_STABILITY_RUNS` refits on :data:`K_STABILITY_FIT` resampled
   customers, adjusted Rand index on the silhouette customers). Those refits were most of the
   search's k-means fits (six per k against two); each k's are seeded by that k alone, so checking
   fewer k gives the same answer as checking all (issue 14: ten sessions clustering at once; with
   the silhouette in one matrix product, :func:`silhouette_precomputed`, the search on 5,000
   customers went from 0.74 s to 0.39 s of CPU, ``bench/session_cpu.py``). **Rule** (:data:`K_RULE`),
   balancing fit, stability and usefulness: the elbow of the inertia curve (:func:`elbow_k`),
   if its stability is at least :data:`STABLE_K` and its smallest segment holds at least
   :data:`MIN_SEGMENT_SHARE` of customers; otherwise the nearest k >= 3 that passes both. k = 2
   wins only when the data really has two groups: silhouette at least
   :data:`TWO_GROUPS_SILHOUETTE` and :data:`TWO_GROUPS_MARGIN` above the chosen k's; the reason
   then names the next-best k. Measured on the bundled sample (planted 5), Mall customers on
   income x spending score (5) and the real files of ``../shared/datasets`` (3-8):
   ``tests/test_realdata_k.py``.
   Why not "highest silhouette" (the rule until issue 16): on real customer files without
   sharp clusters it nearly always favours 2 segments of about half each, which nobody can act
   on, and among k >= 3 it drifts up to the top of the range on some files (Mall customers on
   all four columns: k = 10). Davies-Bouldin rewards splitting off a handful of odd customers
   as their own segment. Calinski-Harabasz tends to keep growing with k. All three are shown.
4. **Assign everyone** with a final model at the chosen k. A file's customers (k-means and Ward)
   are put in their segment **inside DuckDB**: one SQL statement does numpy's arithmetic with the
   fitted model's numbers as bound parameters (:mod:`segdash.segment.assign`), so nothing of the
   million rows but their cluster number comes back to Python (issue 16: the pass over everyone in
   numpy was the largest step left of ``segment --k auto``).

   - ``kmeans``: the sample's best centres (k-means++, :data:`FINAL_N_INIT` starts on the search
     sample); every customer gets its nearest centre. On an engine's sample the centres are first
     refined by at most :data:`FULL_ITERATIONS` Lloyd iterations over that sample. Until issue 16
     a file's centres were refined that way over all customers. Measured (``bench/segment_bench.py``,
     1M customers, k = 5, adjusted Rand index against full-data ``KMeans``; times vary 3-10x on
     the shared 2-core machine): seeded ``KMeans`` + 3 iterations 0.9998 (0.4-1.2 s);
     ``MiniBatchKMeans`` seeded with the same centres 0.9992 (0.1-1.5 s); ``MiniBatchKMeans``
     with its own k-means++ start 0.69 (12-41 s, a worse local optimum); the nearest sample
     centre alone, without iterations over everyone, 0.9985 (0.5 s). The nearest sample centre is
     what a file gets since issue 16 (as a table in an engine always did): it alone lets everyone
     be assigned where the data is, in one pass, and agrees with full-data k-means nearly as well.
   - ``gmm``: ``GaussianMixture`` (full covariances) fitted on :data:`GMM_SAMPLE` customers,
     then ``predict`` for everyone (most likely component).
   - ``hierarchical``: Ward linkage (``scipy.cluster.hierarchy``, the same algorithm as
     ``AgglomerativeClustering(linkage="ward")``, built once and cut at every k) on
     :data:`WARD_SAMPLE` customers; everyone else joins the sample cluster with the **nearest
     centroid** (``sklearn.neighbors.NearestCentroid``). Ward minimises within-cluster variance,
     so nearest centroid is the assignment consistent with its objective, and it is cheap.

5. **Stability**: :data:`STABILITY_RUNS` fits of the same method at the chosen k, each on a
   different random subsample of the customers (80 %, at most :data:`STABILITY_FIT` rows;
   Ward refits use :data:`WARD_STABILITY_SAMPLE` of them) and a different seed, each
   predicting the same :data:`STABILITY_SAMPLE` customers; the score is the
   mean adjusted Rand index between each of those and the final segments on those customers
   (1 = identical segments, 0 = no better than chance; negative values count as 0).

Threads
-------
Everything on samples runs with one BLAS/OpenMP thread: those fits make many short parallel
regions, and on a busy server (several sessions, or other work) two spinning threads per region
made the k search up to 10x *slower* than one thread (measured: 3 k-means fits on 30,000 x 27,
0.8-1.5 s with one thread against 11 s with two, load average 8 on 2 cores). Only the pass over
all customers uses several threads, where each parallel region has enough work.

Outliers are never dropped: every customer gets exactly one segment. Segments are named
"Segment 1", "Segment 2", ... from the largest down.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.cluster import hierarchy
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestCentroid
from threadpoolctl import ThreadpoolController

from segdash import db, workers
from segdash.data import Data, materialise
from segdash.errors import SegmentationError, SettingsError
from segdash.schema import TYPES, Segmentation
from segdash.segment import base
from segdash.segment.assign import assign_clusters, fetch_clusters, stage_segments
from segdash.segment.features import (
    MISSING_MODES,
    SCALINGS,
    FeatureData,
    answer_places,
    build_preprocessor,
    engine_features,
    engine_sample,
    feature_data,
    ordered_expr,
    pooled_notes,
    pull_features,
    skewed_columns,
)
from segdash.segment.model import ClusterModel

#: Clustering methods.
ALGORITHMS = ("kmeans", "gmm", "hierarchical")
#: Customers (random sample) on which preprocessing is fitted and k is chosen.
SEARCH_SAMPLE = 10_000
#: Customers (random subsample of the search sample) on which silhouette is computed.
SILHOUETTE_SAMPLE = 2_500
#: A file with at most this many customers is assigned in numpy, not in DuckDB (see :func:`_cluster`).
PYTHON_ASSIGN_ROWS = SEARCH_SAMPLE
#: Customers on which a Gaussian mixture is fitted.
GMM_SAMPLE = 10_000
#: Customers on which Ward linkage is built (and, for the stability refits, a smaller number:
#: Ward's time grows with the square of the customers).
WARD_SAMPLE = 5_000
WARD_STABILITY_SAMPLE = 2_000
#: k-means++ starts when choosing k (per k) and for the final centres.
SEARCH_N_INIT = 2
FINAL_N_INIT = 4
#: Lloyd iterations over all customers after seeding with the sample's centres.
FULL_ITERATIONS = 3
#: Automatic k only considers k whose resampled stability is at least this ...
STABLE_K = 0.75
#: ... and whose smallest segment holds at least this share of the (sampled) customers.
MIN_SEGMENT_SHARE = 0.02
#: k = 2 is chosen only when the data really has two groups: its silhouette is at least this ...
TWO_GROUPS_SILHOUETTE = 0.5
#: ... and at least this much above the best other k.
TWO_GROUPS_MARGIN = 0.1
#: Resampled fits per k while choosing k, and the customers each is fitted on.
K_STABILITY_RUNS = 3
K_STABILITY_FIT = 2_500
#: k-means++ starts of each quick refit while choosing k.
K_STABILITY_N_INIT = 2
#: The rule of automatic k, in words (shown on the page and in ``--json`` as ``k_rule``).
K_RULE = (
    "Automatic k: the elbow of the curve of how spread out customers are within their segments "
    "(inertia: the point after which more segments stop paying off), kept only if its segments come back when "
    f"the method is re-run on other samples of customers (stability at least {STABLE_K}) and its smallest "
    f"segment holds at least {MIN_SEGMENT_SHARE:.0%} of customers; otherwise the nearest k that passes. "
    f"Two segments only when customers fall into two clearly separate groups (silhouette at least "
    f"{TWO_GROUPS_SILHOUETTE} and {TWO_GROUPS_MARGIN} above the elbow's): 'half buy more, half buy less' "
    "is not a segmentation anyone can act on."
)
#: Resampled fits for the stability score, their size, and the customers they are compared on.
STABILITY_RUNS = 5
STABILITY_FIT = 10_000
STABILITY_SAMPLE = 10_000
#: Customers read from another engine (a seeded sample, :func:`segdash.segment.features.engine_sample`) to
#: prepare the features, choose k and fit the model on; every customer is then assigned in the engine.
#: 50,000 rows of a few dozen features are a few megabytes: the app's memory does not grow with the table.
ENGINE_SAMPLE = 50_000
#: Points on the 2-D map of the profiles page.
MAP_SAMPLE = 3_000

#: OpenMP threads for the one step over every customer (k-means' final iterations).
_THREADS = max(1, min(os.cpu_count() or 1, 8))

Progress = Callable[[float, str], None]


_CONTROLLER: ThreadpoolController | None = None


def _threads(limits: int, user_api: str | None = None) -> Any:
    """A context that limits BLAS and OpenMP threads; the libraries are looked up once per process.

    ``threadpoolctl.threadpool_limits`` scans every loaded library each time (3 ms alone, tens of
    ms on a busy server, holding the interpreter lock); a kept ``ThreadpoolController`` does not.
    The libraries that matter (NumPy's BLAS, scikit-learn's OpenMP) are loaded by this module's imports.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=limits, user_api=user_api)


def _one_thread() -> Any:
    """Limit BLAS and OpenMP to one thread (see "Threads" in the module docstring)."""
    return _threads(1)


def cluster_customers(
    data: Data,
    *,
    features: list[str],
    types: dict[str, str],
    algorithm: str = "kmeans",
    k: int | str = "auto",
    k_range: tuple[int, int] = (2, 10),
    scaling: str = "standard",
    log_skewed: bool = True,
    missing: str = "impute",
    random_state: int = 0,
    progress: Progress | None = None,
    in_engine: bool | None = None,
    sample_size: int | None = None,
) -> Segmentation:
    """Cluster every customer of ``customers`` and store one label per row.

    Parameters
    ----------
    data
        The customers to cluster (the labels are staged in their engine).
    features
        Columns to cluster on: any mix of number, date (used as days since the latest date),
        text and boolean columns.
    types
        Column name -> ``"number" | "text" | "date" | "boolean"``.
    algorithm
        ``"kmeans"``, ``"gmm"`` (Gaussian mixture) or ``"hierarchical"`` (Ward on a sample,
        extended to everyone by nearest centroid).
    k
        Number of segments, or ``"auto"`` to choose it over ``k_range`` (see the module docs).
    k_range
        ``(smallest, largest)`` k tried when ``k="auto"``; both >= 2.
    scaling
        ``"standard"`` or ``"robust"`` scaling of numbers.
    log_skewed
        Log-scale (``log1p``) non-negative numbers with a long right tail (money, counts).
    missing
        ``"impute"`` (median / most frequent value) or ``"missing_category"`` (categories get a
        "(missing)" value; numbers get the median plus a was-missing flag).
    random_state
        Seed: the same data, settings and seed give the same labels.
    progress
        Called as ``progress(fraction, message)`` along the way.
    in_engine
        Fit on a seeded sample read from the engine (:data:`ENGINE_SAMPLE` customers, the same
        sample on every engine) and assign every customer inside the engine with the model compiled
        to an expression (:meth:`ClusterModel.ibis_assign`). ``None``: so when the data is not in the
        embedded DuckDB (Spark, Postgres, a warehouse); otherwise everyone is read and assigned here.
    sample_size
        Customers in the engine's sample (default :data:`ENGINE_SAMPLE`).

    Returns
    -------
    Segmentation
        ``method=algorithm``; ``scores`` per k tried (for a fixed k: that k);
        ``stability`` in [0, 1]; ``extra["pca"]`` (sample of <= 3,000 customers: lists ``_row, x, y,
        segment``; :meth:`Segmentation.map_points` is the frame) and ``extra["pca_explained"]``.

    Raises
    ------
    SettingsError
        If a setting cannot work with this data (no feature, unknown method, k < 2, k larger
        than the number of distinct customers, a feature with no values, only constant
        features, fewer than two customers, ...). The message says what to change.
    SegmentationError
        If the model cannot be fitted on this data.
    """
    with _one_thread():
        return _cluster(
            data, features=features, types=types, algorithm=algorithm, k=k, k_range=k_range, scaling=scaling,
            log_skewed=log_skewed, missing=missing, random_state=random_state, progress=progress,
            in_engine=in_engine, sample_size=sample_size or ENGINE_SAMPLE,
        )


def _cluster(
    source: Data, *, features: list[str], types: dict[str, str], algorithm: str,
    k: int | str, k_range: tuple[int, int], scaling: str, log_skewed: bool, missing: str, random_state: int,
    progress: Progress | None, in_engine: bool | None = None, sample_size: int = ENGINE_SAMPLE,
) -> Segmentation:
    start = time.perf_counter()
    report = progress or _silent
    features, fixed_k, (k_low, k_high) = _check_settings(
        features=features, types=types, algorithm=algorithm, k=k, k_range=k_range,
        scaling=scaling, missing=missing,
    )
    settings = {
        "algorithm": algorithm, "features": list(features), "k": "auto" if fixed_k is None else fixed_k,
        "k_range": [k_low, k_high],
        "scaling": scaling, "log_skewed": log_skewed, "missing": missing, "random_state": random_state,
    }
    engine = (not source.is_duckdb) if in_engine is None else bool(in_engine)

    report(0.02, "Reading the chosen columns ..." if not engine else "Reading a sample of the customers ...")
    if engine:
        found = engine_features(source, features=features, types=types)
        sample, total = engine_sample(source, found.raw, size=sample_size, random_state=random_state)
        rows = sample.column(source.key).to_numpy(zero_copy_only=False)
        data = feature_data(sample, rows=rows, features=features, types=found.types)
        data.notes[:0] = found.notes
        for name in features:  # text the sample reads as ordered answers (the table has more values)
            if found.types[name] == "text" and data.kinds.get(name) == "numeric":
                labels = [str(v) for v in pc.unique(sample.column(name)).to_pylist() if v is not None]
                places = answer_places(labels)
                found.raw[name] = ordered_expr(source.customers()[name], places[1] if places else {})
    else:
        data = pull_features(source, features=features, types=types)
    # A file's customers are put in their segment inside DuckDB (one SQL statement, the model's numbers
    # as parameters): nothing of the million rows but their cluster number comes back (issue 16).
    # Up to PYTHON_ASSIGN_ROWS customers, all of them are in the k search's sample: their model input is
    # computed anyway, and numpy assigns them to the same centres in a millisecond where planning the
    # SQL statement took 70 ms (issue 14). The labels are the same (tests/test_segment_assign.py).
    in_duckdb = not engine and source.is_duckdb and source.table == db.TABLE and source.key == db.ROW \
        and algorithm != "gmm"
    small = in_duckdb and len(data.rows) <= PYTHON_ASSIGN_ROWS
    in_duckdb = in_duckdb and not small
    fit = _fit(data, algorithm=algorithm, fixed_k=fixed_k, k_low=k_low, k_high=k_high, scaling=scaling,
               log_skewed=log_skewed, missing=missing, random_state=random_state, report=report,
               assign_here=not in_duckdb, refine=not small)
    data, fitted, everyone, labels, chosen_k, notes = fit.data, fit.fitted, fit.everyone, fit.labels, fit.k, fit.notes
    if in_duckdb:
        report(0.7, f"Putting every customer in one of {chosen_k} segments ...")
        assign_clusters(fitted, source, types=types)
        keys, labels = fetch_clusters(source)
        if not np.array_equal(keys, data.rows):  # pragma: no cover - a bug guard
            raise SegmentationError("The customers changed while they were being segmented; segment again.")
        counts = np.bincount(labels, minlength=chosen_k)
    elif engine:
        report(0.7, f"Putting every customer in one of {chosen_k} segments, in {source.engine} ...")
        # cached in the engine: counted for the names, then written as the labels
        clusters = materialise(source, fitted.ibis_assign(source, {name: found.raw[name] for name in fitted.features}))
        counted = source.backend.to_pyarrow(clusters.group_by("_cluster").aggregate(_n=clusters.count()))
        counts = np.zeros(chosen_k, dtype=np.int64)
        for cluster, n in zip(counted.column("_cluster").to_pylist(), counted.column("_n").to_pylist(), strict=True):
            counts[int(cluster)] = int(n)
    else:
        counts = np.bincount(labels, minlength=chosen_k)
    names, order = _names_by_counts(counts)
    fitted.segments = [names[order[c]] for c in range(chosen_k)]
    filled = int((counts > 0).sum())
    if filled < chosen_k:
        notes.append(f"Only {filled} of the {chosen_k} segments got customers: the model left the others empty.")

    report(0.8, "Checking how stable the segments are ...")
    stability = _stability(algorithm, everyone, labels, chosen_k, random_state=random_state)

    report(0.9, "Saving the segments ...")
    if engine:
        sizes = base.write_label_table(source, clusters.select(clusters[source.key],
                                                               segment=fitted.ibis_segment(clusters._cluster)))
        notes.append(f"Fitted on a seeded sample of {len(data.rows):,} of {total:,} customers read from "
                     f"{source.engine}; every customer was then put in a segment inside {source.engine}.")
    elif in_duckdb:
        sizes = stage_segments(source, fitted.segments)
    else:
        label_table = pa.table({
            source.key: pa.array(data.rows, pa.int64()) if source.key == db.ROW else pa.array(data.rows),
            "segment": pa.DictionaryArray.from_arrays(pa.array(order[labels].astype(np.int32)), pa.array(names)),
        })
        sizes = base.write_label_table(source, label_table)
    extra = _map_sample(everyone, data.rows, names, order[labels], fit.search_positions, random_state)
    extra["samples"] = {
        "search": len(fit.search_positions), "silhouette": min(len(fit.search_positions), SILHOUETTE_SAMPLE),
    }
    if engine:
        extra["samples"]["engine_sample"] = len(data.rows)
        extra["engine"] = source.engine
    if fixed_k is None:
        extra["k_rule"] = K_RULE
        extra["k_next_best"] = fit.next_best
    report(1.0, "Done.")
    return Segmentation(
        method=algorithm,
        settings=settings,
        sizes=sizes,
        k=chosen_k,
        features=list(data.features),
        scores=fit.scores,
        chosen_k_reason=fit.reason,
        stability=stability,
        notes=notes,
        seconds=time.perf_counter() - start,
        extra=extra,
        model=fitted.to_dict(),
    )


class _ModelInput:
    """The model input of ``data``'s customers, computed only for the rows asked for.

    A file's customers are assigned in DuckDB, so only samples (the k search, stability, the map)
    need model input in Python: a million rows of it took about a second (issue 16). Indexing with
    positions gives exactly the rows :meth:`ClusterModel.transform` gives for everyone (it works row
    by row); ``numpy.asarray`` gives them all.
    """

    def __init__(self, fitted: ClusterModel, data: FeatureData) -> None:
        self.fitted, self.data = fitted, data

    def __len__(self) -> int:
        return len(self.data.rows)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self), self[np.zeros(0, dtype=np.int64)].shape[1]

    def __getitem__(self, positions: Any) -> np.ndarray:
        taken = np.arange(len(self))[positions] if isinstance(positions, slice) else np.asarray(positions)
        return self.fitted.transform(replace(self.data, rows=self.data.rows[taken], matrix=self.data.matrix[taken]))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        everyone = self.fitted.transform(self.data)
        return everyone if dtype is None else everyone.astype(dtype)


@dataclass
class _Fit:
    """What fitting on the pulled customers gives (everyone of a file, or an engine's sample)."""

    data: FeatureData
    fitted: ClusterModel
    everyone: np.ndarray | _ModelInput
    labels: np.ndarray | None
    k: int
    scores: dict[int, dict[str, float]]
    reason: str
    next_best: int | None
    notes: list[str]
    search_positions: np.ndarray


def _fit(
    data: FeatureData, *, algorithm: str, fixed_k: int | None, k_low: int, k_high: int, scaling: str,
    log_skewed: bool, missing: str, random_state: int, report: Progress, assign_here: bool = True,
    refine: bool = True,
) -> _Fit:
    """Preprocess, choose k and fit the final model on ``data``; label its customers (cluster indices).

    Without ``assign_here`` the final model is left for the caller to apply where the data is (its
    labels are ``None``), and k-means keeps the centres of the sample (no pass over everyone). Without
    ``refine``, k-means keeps the sample's centres too, and everyone is assigned to them here (what
    the assignment in DuckDB gives, for a file small enough to do it in numpy).
    """
    n_rows = len(data.rows)
    if n_rows == 0:
        raise SettingsError("There are no customers in the loaded data. Load a file with customers first.")
    if n_rows == 1:
        raise SettingsError("There is only one customer in the loaded data: segmenting needs at least two.")
    data, notes = _usable(data)
    notes = data.notes + notes

    report(0.08, "Preparing features ...")
    rng = np.random.default_rng(random_state)
    search_positions = _sample(rng, n_rows, SEARCH_SAMPLE)
    search_raw = data.matrix[search_positions]
    log_columns = skewed_columns(search_raw, data) if log_skewed else []
    preprocessor = build_preprocessor(data, scaling=scaling, log_columns=log_columns, missing=missing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "found unknown categories" on the rest
        preprocessor.fit(search_raw)
    # The fitted preprocessing as data: the same code turns a saved segmentation's new data into
    # model input, so applying it again to this file gives exactly these labels.
    fitted = ClusterModel.from_preprocessor(preprocessor, data, algorithm=algorithm)
    everyone = fitted.transform(data) if assign_here else _ModelInput(fitted, data)
    notes += _fill_notes(data, missing) + [f"{name} log-scaled (skewed)" for name in log_columns]
    notes += pooled_notes(preprocessor, data)
    search = everyone[search_positions]

    distinct = _distinct_customers(search, everyone, needed=fixed_k or k_high)
    ks = _ks_to_try(fixed_k, k_low, k_high, distinct, n_rows)
    if fixed_k is None and ks[-1] < k_high:
        notes.append(f"Tried k up to {ks[-1]} only: there are only {distinct:,} distinct customers.")

    if workers.active():  # a served app: the search runs in a worker process (segdash.workers)
        report(0.15, f"Trying k = {ks[0]} to {ks[-1]} ..." if len(ks) > 1 else f"Fitting k = {ks[0]} ...")
        model, scores, chosen_k, reason, next_best = workers.call(
            search_in_worker, algorithm, search, ks, fixed=fixed_k is not None, random_state=random_state)
    else:
        model, scores, chosen_k, reason, next_best = _search_and_choose(
            algorithm, search, ks, fixed=fixed_k is not None, random_state=random_state, report=report)

    if not assign_here:
        _final_model(fitted, algorithm, model, None, chosen_k, random_state)
        return _Fit(data=data, fitted=fitted, everyone=everyone, labels=None, k=chosen_k, scores=scores,
                    reason=reason, next_best=next_best, notes=notes, search_positions=search_positions)
    report(0.7, f"Putting every customer in one of {chosen_k} segments ...")
    with _threads(_THREADS, "openmp"):  # the one step over everyone
        _final_model(fitted, algorithm, model, everyone if refine else None, chosen_k, random_state)
        labels = fitted.assign(everyone)
    return _Fit(data=data, fitted=fitted, everyone=everyone, labels=labels, k=chosen_k, scores=scores,
                reason=reason, next_best=next_best, notes=notes, search_positions=search_positions)


def _search_and_choose(
    algorithm: str, search: np.ndarray, ks: list[int], *, fixed: bool, random_state: int, report: Progress,
) -> tuple[Any, dict[int, dict[str, float]], int, str, int | None]:
    """The k search on the search sample: the chosen k's model, every k's scores, k, reason, next best."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct points than k (duplicates)
        models, scores, stability_of = _search(algorithm, search, ks, random_state=random_state, report=report)
        chosen_k, reason, next_best = _choose_k(scores, ks, fixed=fixed, stability_of=stability_of)
        model = models[chosen_k]
        if algorithm == "kmeans" and len(ks) > 1:  # more k-means++ starts for the centres that are kept
            refit = _kmeans(chosen_k, n_init=FINAL_N_INIT, seed=random_state).fit(search)
            smallest = np.bincount(refit.labels_, minlength=chosen_k).min() / len(search)
            if smallest >= MIN_SEGMENT_SHARE:  # the refit must pass the 2% rule too, or the search model stays
                model = refit
    return model, scores, chosen_k, reason, next_best


def search_in_worker(
    algorithm: str, search: np.ndarray, ks: list[int], *, fixed: bool, random_state: int,
) -> tuple[Any, dict[int, dict[str, float]], int, str, int | None]:
    """:func:`_search_and_choose` as a worker process runs it (one thread, no progress messages)."""
    with _one_thread():
        return _search_and_choose(algorithm, search, ks, fixed=fixed, random_state=random_state, report=_silent)


def stability_words(score: float | None) -> str:
    """Plain words for a stability score (mean adjusted Rand index between resampled fits).

    Parameters
    ----------
    score
        In [0, 1], or ``None`` when not measured.

    Returns
    -------
    str
        e.g. ``"very stable"`` or ``"moderately stable: treat small segments with care"``.
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "not measured"
    if score >= 0.9:
        return "very stable: the same segments come back on other samples of customers"
    if score >= 0.75:
        return "stable: small differences between samples of customers"
    if score >= 0.6:
        return "moderately stable: treat small segments with care"
    if score >= 0.4:
        return "unstable: segments change between samples; try fewer segments or other features"
    return "very unstable: these segments are mostly noise; try fewer segments or other features"


# -- settings ----------------------------------------------------------------------------------

def _silent(fraction: float, message: str) -> None:
    return None


def _check_settings(
    *, features: list[str], types: dict[str, str], algorithm: str, k: int | str, k_range: tuple[int, int],
    scaling: str, missing: str,
) -> tuple[list[str], int | None, tuple[int, int]]:
    if algorithm not in ALGORITHMS:
        raise SettingsError(
            f"Unknown clustering method '{algorithm}'. Choose one of: {', '.join(ALGORITHMS)}."
        )
    if scaling not in SCALINGS:
        raise SettingsError(f"Unknown scaling '{scaling}'. Choose one of: {', '.join(SCALINGS)}.")
    if missing not in MISSING_MODES:
        raise SettingsError(
            f"Unknown way to treat missing values '{missing}'. Choose one of: {', '.join(MISSING_MODES)}."
        )
    if isinstance(features, str):
        features = [features]
    unique = list(dict.fromkeys(str(f) for f in (features or [])))
    if not unique:
        raise SettingsError("No feature chosen. Choose at least one column to cluster customers on.")
    fixed: int | None = None
    if isinstance(k, str) and k.strip().lower() == "auto":
        fixed = None
    else:
        fixed = _as_int(k)
        if fixed is None:
            raise SettingsError(f"The number of segments must be a whole number or 'auto'; got '{k}'.")
        if fixed < 2:
            raise SettingsError(
                f"You asked for {fixed} segment{'s' if fixed != 1 else ''}: choose 2 or more (or 'auto')."
            )
    unknown_types = sorted({str(types[f]) for f in unique if types.get(f) not in (None, *TYPES)})
    if unknown_types:
        raise SettingsError(
            f"Unknown column type {', '.join(repr(t) for t in unknown_types)}. "
            f"Types are: {', '.join(TYPES)}."
        )
    if isinstance(k_range, str):  # "2-10", as typed on the command line
        k_range = tuple(part.strip() for part in k_range.split("-", 1))
    try:
        low, high = (_as_int(v) for v in k_range)
    except (TypeError, ValueError):
        low = high = None
    if low is None or high is None or low < 2 or high < low:
        raise SettingsError(
            f"The range of segments to try must be two whole numbers, 2 or more, smallest first "
            f"(like 2-10); got {_show_range(k_range)}."
        )
    return unique, fixed, (low, high)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _show_range(k_range: Any) -> str:
    try:
        return "-".join(str(v) for v in k_range)
    except TypeError:
        return str(k_range)


def _usable(data: FeatureData) -> tuple[FeatureData, list[str]]:
    """Refuse all-missing features; drop constant ones with a note (refuse if nothing is left)."""
    empty = [name for name in data.features if data.distinct[name] == 0]
    if empty:
        which = ", ".join(f"'{n}'" for n in empty)
        plural = len(empty) > 1
        raise SettingsError(
            f"The feature{'s' if plural else ''} {which} {'have' if plural else 'has'} no values at all "
            f"(missing for every customer). Remove {'them' if plural else 'it'} from the features."
        )
    constant = [name for name in data.features if data.distinct[name] == 1]
    if len(constant) == len(data.features):
        which = ", ".join(f"'{n}'" for n in constant)
        raise SettingsError(
            f"No usable feature: {which} {'has' if len(constant) == 1 else 'have'} the same value for every "
            "customer, so it cannot tell customers apart. Choose features whose values differ between customers."
        )
    notes = [f"{name} left out: it has the same value for every customer" for name in constant]
    return (data.drop(constant) if constant else data), notes


def _fill_notes(data: FeatureData, missing: str) -> list[str]:
    notes = []
    for name in data.features:
        count = data.missing[name]
        if not count:
            continue
        values = f"{count:,} missing value{'s' if count != 1 else ''}"
        if data.kinds[name] == "numeric":
            flag = " (and flagged as missing)" if missing == "missing_category" else ""
            notes.append(f"{name}: {values} filled with the median{flag}")
        elif missing == "missing_category":
            notes.append(f"{name}: {values} kept as their own value \"(missing)\"")
        else:
            notes.append(f"{name}: {values} filled with the most common value")
    return notes


def _sample(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Random positions (all of them, shuffled, when ``n <= size``)."""
    return rng.permutation(n) if n <= size else rng.choice(n, size=size, replace=False)


def _distinct_customers(search: np.ndarray, everyone: np.ndarray, *, needed: int) -> int:
    """Distinct customers (feature vectors); counted on everyone only if the sample has too few."""
    in_sample = len(np.unique(search, axis=0))
    if in_sample >= needed or len(search) == len(everyone):
        return in_sample
    return len(np.unique(everyone, axis=0))


def _ks_to_try(fixed: int | None, low: int, high: int, distinct: int, n_rows: int) -> list[int]:
    if fixed is not None:
        if fixed > distinct:
            raise SettingsError(
                f"You asked for {fixed} segments but there are only {distinct:,} distinct customers. "
                f"Choose {distinct:,} or fewer."
            )
        return [fixed]
    top = min(high, distinct, n_rows - 1)  # silhouette needs at least one segment with 2 customers
    if top < low:
        raise SettingsError(
            f"Automatic k needs at least {low + 1 if low >= n_rows else low} distinct customers to try "
            f"{low} or more segments, but there are only {distinct:,}. "
            f"Choose a fixed number of segments of {max(2, min(distinct, n_rows - 1)):,} or fewer, "
            "or add features that tell customers apart."
        )
    return list(range(low, top + 1))


# -- fitting -----------------------------------------------------------------------------------

def _search(
    algorithm: str, search: np.ndarray, ks: list[int], *, random_state: int, report: Progress,
) -> tuple[dict[int, Any], dict[int, dict[str, float]], Callable[[int], float] | None]:
    """Fit each k on the search sample; return the models, their scores and the quick stability of a k.

    The stability (:func:`_k_stability`, six refits per k) is the costliest score, and the rule
    needs it only for the k it considers, nearest the elbow first: :func:`_choose_k` calls the
    returned function for those k alone (``None`` for a fixed k: nothing to choose).
    """
    silhouette_rows = min(len(search), SILHOUETTE_SAMPLE)
    distances = pairwise_distances(search[:silhouette_rows], n_jobs=1)
    tree = None
    if algorithm == "hierarchical":
        ward = search[:WARD_SAMPLE]
        tree = hierarchy.linkage(ward.astype(np.float64), method="ward")
        cuts = hierarchy.cut_tree(tree, n_clusters=ks)
    models: dict[int, Any] = {}
    scores: dict[int, dict[str, float]] = {}
    references: dict[int, np.ndarray] = {}
    for step, k in enumerate(ks):
        report(0.15 + 0.35 * step / len(ks), f"Trying k = {k} ...")
        if algorithm == "kmeans":
            model = _kmeans(k, n_init=SEARCH_N_INIT if len(ks) > 1 else FINAL_N_INIT, seed=random_state)
            model.fit(search)
            fitted = search
            labels = model.labels_
        elif algorithm == "gmm":
            fitted = search[:GMM_SAMPLE]
            model = _gmm(k, random_state).fit(fitted)
            labels = model.predict(fitted)
        else:
            fitted = search[:WARD_SAMPLE]
            labels = cuts[:, step].astype(np.int64)
            model = NearestCentroid().fit(fitted, labels)
        models[k] = model
        measured = _scores(fitted, labels, distances)
        if measured:  # a k that cannot be scored (e.g. as many segments as customers) is left out
            measured["smallest_share"] = round(float(np.bincount(labels, minlength=k).min() / len(labels)), 4)
            measured["inertia"] = _within_sum_of_squares(fitted, labels)
            references[k] = labels[:silhouette_rows]
            scores[k] = measured
    if len(ks) == 1:
        return models, scores, None
    checked: list[int] = []

    def stability_of(k: int) -> float:
        report(0.5 + 0.2 * len(checked) / len(ks), f"Checking that k = {k} comes back on other samples ...")
        checked.append(k)
        return _k_stability(algorithm, search, references[k], k, random_state=random_state)

    return models, scores, stability_of


def _within_sum_of_squares(points: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared distances of the points to their segment's centre, per point (k-means' inertia / n)."""
    total = 0.0
    for label in np.unique(labels):
        members = points[labels == label].astype(np.float64)
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return round(total / max(len(points), 1), 6)


def _k_stability(algorithm: str, search: np.ndarray, reference: np.ndarray, k: int, *, random_state: int) -> float:
    """Quick stability of k while choosing it: refits on resampled customers against ``reference``.

    ``reference`` holds the search model's labels of the first ``len(reference)`` search
    customers; each refit (a different random :data:`K_STABILITY_FIT` customers and seed)
    predicts those customers, and the mean adjusted Rand index is returned (negative as 0).
    """
    rng = np.random.default_rng([random_state, 2, k])
    common = search[:len(reference)]
    size = max(k + 1, min(K_STABILITY_FIT, int(0.8 * len(search))))
    agreements = []
    for run in range(K_STABILITY_RUNS):
        rows = search[rng.choice(len(search), size=min(size, len(search)), replace=False)]
        try:
            model = (_kmeans(k, n_init=K_STABILITY_N_INIT, seed=random_state + 11 + run).fit(rows)
                     if algorithm == "kmeans" else _fit_on(algorithm, rows, k, seed=random_state + 11 + run))
        except ValueError:  # a degenerate resample (tiny data): skip it
            continue
        agreements.append(adjusted_rand(reference, model.predict(common)))
    if not agreements:
        return 0.0
    return round(float(np.clip(np.mean(agreements), 0.0, 1.0)), 4)


def _kmeans(k: int, *, n_init: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed)


def _gmm(k: int, seed: int) -> GaussianMixture:
    return GaussianMixture(n_components=k, covariance_type="full", reg_covar=1e-4, random_state=seed)


def _scores(fitted: np.ndarray, labels: np.ndarray, distances: np.ndarray) -> dict[str, float]:
    """Silhouette (on the first rows, precomputed distances), Calinski-Harabasz, Davies-Bouldin."""
    rows = min(len(distances), len(labels))
    sil_labels = labels[:rows]
    if not 2 <= len(np.unique(labels)) <= len(fitted) - 1 or not 2 <= len(np.unique(sil_labels)) <= rows - 1:
        return {}
    silhouette = silhouette_precomputed(distances[:rows, :rows], sil_labels)
    calinski_harabasz, davies_bouldin = spread_scores(fitted, labels)
    return {
        "silhouette": round(silhouette, 4),
        "calinski_harabasz": round(calinski_harabasz, 2),
        "davies_bouldin": round(davies_bouldin, 4),
    }


def adjusted_rand(labels_true: np.ndarray, labels_pred: np.ndarray) -> float:
    """``sklearn.metrics.adjusted_rand_score``: the same integer pair counts and formula, without its checks.

    scikit-learn validates both labellings and builds a sparse contingency table on each call (a
    millisecond each, eleven calls per automatic k on 5,000 customers); here the table is one
    ``np.bincount``. The pair counts are exact integers, so the score is scikit-learn's to the last
    bit (``tests/test_segment_cluster_cost.py``).

    Parameters
    ----------
    labels_true, labels_pred
        Two labellings of the same customers.

    Returns
    -------
    float
        1 for the same grouping, about 0 for chance agreement.
    """
    if len(labels_true) == 0:
        return 1.0
    _, first = np.unique(labels_true, return_inverse=True)
    _, second = np.unique(labels_pred, return_inverse=True)
    rows, columns = int(first.max()) + 1, int(second.max()) + 1
    contingency = np.bincount(first.astype(np.int64) * columns + second, minlength=rows * columns)
    contingency = contingency.reshape(rows, columns).astype(np.int64)
    n = np.int64(len(first))
    sum_squares = (contingency ** 2).sum()
    apart_in_first = int((contingency @ contingency.sum(axis=0)).sum() - sum_squares)
    apart_in_second = int((contingency.T @ contingency.sum(axis=1)).sum() - sum_squares)
    together = int(sum_squares - n)
    apart = int(n ** 2 - apart_in_first - apart_in_second - sum_squares)
    if apart_in_first == 0 and apart_in_second == 0:
        return 1.0
    return 2.0 * (together * apart - apart_in_second * apart_in_first) / (
        (together + apart_in_second) * (apart_in_second + apart)
        + (together + apart_in_first) * (apart_in_first + apart))


def spread_scores(points: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """``sklearn.metrics.calinski_harabasz_score`` and ``davies_bouldin_score`` of ``labels``, in one pass.

    scikit-learn validates its input and loops over the segments for each score (7 ms of CPU per k
    on 5,000 customers, a sixth of the automatic-k search, issue 14); here the segment centres,
    each customer's distance to its centre and the centres' distances are computed once, in
    float64. Equal to scikit-learn's to within float rounding (``tests/test_segment_cluster_cost.py``).

    Parameters
    ----------
    points
        Model input of the customers (rows).
    labels
        Segment of each customer; at least 2 segments and at most ``len(labels) - 1``.

    Returns
    -------
    tuple[float, float]
        Calinski-Harabasz (higher: segments further apart for their spread) and Davies-Bouldin
        (lower: less overlap).
    """
    x = np.asarray(points, dtype=np.float64)
    _, segment = np.unique(labels, return_inverse=True)
    n, k = len(x), int(segment.max()) + 1
    counts = np.bincount(segment, minlength=k).astype(np.float64)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), segment] = 1.0
    centres = (onehot.T @ x) / counts[:, None]
    offsets = x - centres[segment]
    squared = np.einsum("ij,ij->i", offsets, offsets)
    within = float(squared.sum())
    between = float((counts * ((centres - x.mean(axis=0)) ** 2).sum(axis=1)).sum())
    calinski_harabasz = 1.0 if within == 0.0 else between * (n - k) / (within * (k - 1.0))
    spread = np.bincount(segment, weights=np.sqrt(squared), minlength=k) / counts
    apart = np.sqrt(np.maximum(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), 0.0))
    if np.allclose(spread, 0.0) or np.allclose(apart, 0.0):
        return float(calinski_harabasz), 0.0
    apart[apart == 0] = np.inf
    davies_bouldin = float(np.mean(np.max((spread[:, None] + spread[None, :]) / apart, axis=1)))
    return float(calinski_harabasz), davies_bouldin


def silhouette_precomputed(distances: np.ndarray, labels: np.ndarray) -> float:
    """``sklearn.metrics.silhouette_score(distances, labels, metric="precomputed")``, with one matrix product.

    scikit-learn sums each customer's distances to every segment with one ``np.bincount`` per
    customer (a Python loop: a third of the automatic-k search's CPU on 5,000 customers). Here
    the sums for all customers are one product of the distance matrix with the segments' one-hot
    matrix; the rest is scikit-learn's formula: a customer alone in its segment scores 0, as does
    one whose own and nearest other segment are both at distance 0. Equal to scikit-learn's to
    within float32 rounding (``tests/test_segment_cluster_cost.py``).

    Parameters
    ----------
    distances
        Square matrix of distances between the customers (zero diagonal).
    labels
        Segment of each customer; at least 2 segments and at most ``len(labels) - 1``.

    Returns
    -------
    float
        Mean silhouette, in [-1, 1].
    """
    rows = np.arange(len(labels))
    _, segment = np.unique(labels, return_inverse=True)
    counts = np.bincount(segment).astype(np.float64)
    onehot = np.zeros((len(labels), len(counts)), dtype=distances.dtype)
    onehot[rows, segment] = 1
    sums = distances @ onehot  # each customer's summed distance to every segment
    own = counts[segment]
    within = sums[rows, segment].astype(np.float64) / np.maximum(own - 1, 1)
    means = sums.astype(np.float64) / counts
    means[rows, segment] = np.inf
    nearest = means.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.nan_to_num((nearest - within) / np.maximum(within, nearest))
    scores[own == 1] = 0.0
    return float(scores.mean())


def elbow_k(ks: list[int], inertia: list[float]) -> int:
    """The elbow of a falling inertia curve: the k furthest below the straight line from its first to its last point.

    Both axes are scaled to 0-1 first (the "kneedle" construction), so the answer does not depend
    on the units of the inertia.

    Parameters
    ----------
    ks
        Numbers of segments tried, ascending.
    inertia
        Within-segment sum of squares at each k.

    Returns
    -------
    int
        The elbow; with fewer than three k, the first k whose inertia drop is largest relative to
        the next (that is, the first one).
    """
    if len(ks) < 3:
        return ks[0]
    x = np.asarray(ks, dtype=float)
    y = np.asarray(inertia, dtype=float)
    x = (x - x[0]) / (x[-1] - x[0])
    spread = y.max() - y.min()
    y = (y - y.min()) / spread if spread > 0 else np.zeros_like(y)
    chord = y[0] + (y[-1] - y[0]) * x
    return int(ks[int(np.argmax(chord - y))])


def _choose_k(
    scores: dict[int, dict[str, float]], ks: list[int], *, fixed: bool,
    stability_of: Callable[[int], float] | None = None,
) -> tuple[int, str, int | None]:
    """The k of :data:`K_RULE`, the reason in plain words, and the next-best k (or ``None``).

    ``stability_of(k)`` measures a k's stability when the rule needs it and ``scores[k]`` has
    none yet (it is stored there). The rule looks at the k from 3 up nearest the elbow first and
    stops once two pass (the chosen k and the next best), so the k further away are not refitted:
    the answer is the one every k's stability would give, since each k's refits are seeded by k
    alone. Without ``stability_of``, a k without a stability score counts as stable.
    """
    if fixed:
        return ks[0], f"k = {ks[0]}: the number of segments you chose.", None
    scored = [k for k in ks if k in scores]
    if not scored:
        raise SegmentationError(
            "Could not score any number of segments on this data. Choose a fixed number of segments."
        )

    def stable(k: int) -> bool:
        if "stability" not in scores[k] and stability_of is not None:
            scores[k]["stability"] = stability_of(k)
        return scores[k].get("stability", 1.0) >= STABLE_K

    sil = {k: scores[k]["silhouette"] for k in scored}
    small = [k for k in scored if scores[k].get("smallest_share", 1.0) < MIN_SEGMENT_SHARE]
    useful = [k for k in scored if k not in small]
    elbow = elbow_k(scored, [scores[k].get("inertia", 0.0) for k in scored])
    nearest = sorted((k for k in useful if k >= 3), key=lambda k: (abs(k - elbow), k))
    pool = []
    for k in nearest:  # the two nearest the elbow that pass are all the rule uses
        if stable(k):
            pool.append(k)
            if len(pool) == 2:
                break
    relaxed = not pool and bool(nearest)
    if not pool:
        pool = nearest or [k for k in useful if stable(k)] or useful or scored
    pool = sorted(pool, key=lambda k: (abs(k - elbow), k))
    chosen = pool[0]
    next_best = pool[1] if len(pool) > 1 else None
    stable(chosen)  # measured for the reason, even when a fallback chose it
    two_groups = (2 in useful and chosen != 2 and sil[2] >= TWO_GROUPS_SILHOUETTE
                  and sil[2] >= sil[chosen] + TWO_GROUPS_MARGIN and stable(2))
    # the k found unstable (a k the rule did not need is not refitted, so not listed)
    left_out = _left_out(small, [k for k in useful if scores[k].get("stability", 1.0) < STABLE_K])
    if two_groups:
        reason = (f"k = 2: your customers fall into two clearly separate groups (silhouette {sil[2]:.2f}, "
                  f"against {sil[chosen]:.2f} for the next-best number, k = {chosen}). For a finer split, "
                  f"try k = {chosen}.")
        return 2, reason + left_out, chosen
    detail = (f"stability {scores[chosen]['stability']:.2f}, " if "stability" in scores[chosen] else "") \
        + f"smallest segment {scores[chosen].get('smallest_share', 0.0):.0%} of customers"
    if chosen == elbow:
        reason = (f"k = {chosen}: the elbow of the inertia curve (after it, more segments barely tighten them; "
                  f"{detail}).")
    else:
        why = ("unstable or with a segment under "
               f"{MIN_SEGMENT_SHARE:.0%} of customers" if elbow in scored else "outside the range")
        reason = (f"k = {chosen}: the nearest to the elbow of the inertia curve (k = {elbow}, {why}) "
                  f"that passes the checks ({detail}).")
    if relaxed:
        reason += (" No k from 3 up was stable, so the most useful one was kept anyway: treat these segments "
                   "as a first cut.")
    return chosen, reason + left_out, next_best


def _left_out(small: list[int], shaky: list[int]) -> str:
    """' Left out: k = 9, 10 (a segment under 2% of customers); k = 7 (unstable).' or an empty string."""
    parts = []
    if small:
        parts.append(f"k = {', '.join(map(str, small))} (a segment under {MIN_SEGMENT_SHARE:.0%} of customers)")
    if shaky:
        parts.append(f"k = {', '.join(map(str, shaky))} (unstable: segments change between samples)")
    return (" Left out: " + "; ".join(parts) + ".") if parts else ""


def _final_model(fitted: ClusterModel, algorithm: str, model: Any, everyone: np.ndarray | None, k: int,
                 random_state: int) -> None:
    """Put the final model's parameters into ``fitted`` (which then assigns every customer).

    k-means: the sample's centres, refined by a few Lloyd iterations over ``everyone`` when given
    (an engine's sample; a file's customers are assigned in DuckDB with the sample's centres); Ward:
    the centroids of the sample clusters; Gaussian mixture: the fitted weights, means and covariances.
    Segment names are set afterwards (they depend on the sizes).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if algorithm == "kmeans" and everyone is None:
            fitted.set_centers(model.cluster_centers_, [])
        elif algorithm == "kmeans":
            full = KMeans(
                n_clusters=k, init=model.cluster_centers_, n_init=1, max_iter=FULL_ITERATIONS,
                tol=0.0, random_state=random_state,  # tol=0: no variance pass over everyone
            ).fit(everyone)
            fitted.set_centers(full.cluster_centers_, [])
        elif algorithm == "gmm":
            fitted.set_mixture(model, [])
        else:
            fitted.set_centers(model.centroids_[np.argsort(model.classes_)], [])


def _fit_on(algorithm: str, rows: np.ndarray, k: int, seed: int) -> Any:
    """A model of ``algorithm`` with ``k`` clusters fitted on ``rows`` (for the stability runs)."""
    if algorithm == "kmeans":
        return _kmeans(k, n_init=1, seed=seed).fit(rows)
    if algorithm == "gmm":
        return _gmm(k, seed).fit(rows[:GMM_SAMPLE])
    ward = rows[:WARD_STABILITY_SAMPLE].astype(np.float64)
    labels = hierarchy.cut_tree(hierarchy.linkage(ward, method="ward"), n_clusters=[k])[:, 0]
    return NearestCentroid().fit(ward, labels)


def _stability(
    algorithm: str, everyone: np.ndarray, labels: np.ndarray, k: int, *, random_state: int,
) -> float | None:
    """Mean adjusted Rand index between the final segments and refits on random subsamples."""
    n = len(everyone)
    rng = np.random.default_rng([random_state, 1])
    common = _sample(rng, n, STABILITY_SAMPLE)
    size = max(k + 1, min(STABILITY_FIT, int(0.8 * n)))
    agreements = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for run in range(STABILITY_RUNS):
            rows = rng.choice(n, size=min(size, n), replace=False)
            try:
                model = _fit_on(algorithm, everyone[rows], k, seed=random_state + 1 + run)
            except ValueError:  # a degenerate resample (tiny data): skip it
                continue
            agreements.append(adjusted_rand(labels[common], model.predict(everyone[common])))
    if not agreements:
        return None
    return round(float(np.clip(np.mean(agreements), 0.0, 1.0)), 4)


def _names_by_size(labels: np.ndarray, k: int) -> tuple[list[str], np.ndarray]:
    """Segment names and the map cluster index -> name index (largest cluster is "Segment 1")."""
    return _names_by_counts(np.bincount(labels, minlength=k))


def _names_by_counts(counts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Segment names and the map cluster index -> name index from customers per cluster (largest first)."""
    k = len(counts)
    ranked = sorted(range(k), key=lambda c: (-counts[c], c))
    order = np.empty(k, dtype=np.int64)
    for rank, cluster in enumerate(ranked):
        order[cluster] = rank
    return [f"Segment {i + 1}" for i in range(k)], order


def _map_sample(
    everyone: np.ndarray, rows: np.ndarray, names: list[str], segment: np.ndarray, positions: np.ndarray,
    random_state: int,
) -> dict[str, Any]:
    """A 2-D PCA view of up to :data:`MAP_SAMPLE` customers for the profiles page."""
    shown = np.sort(positions[:MAP_SAMPLE])
    points = everyone[shown]
    components = min(2, points.shape[1], len(points))
    pca = PCA(n_components=components, random_state=random_state).fit(points)
    xy = pca.transform(points)
    if components < 2:
        xy = np.column_stack([xy, np.zeros((len(xy), 2 - components))])
    points = {  # JSON data (Segmentation.extra is saved as it is); Segmentation.map_points() makes the frame
        db.ROW: rows[shown].tolist(),
        "x": xy[:, 0].astype(float).tolist(),
        "y": xy[:, 1].astype(float).tolist(),
        "segment": [str(s) for s in np.asarray(names, dtype=object)[segment[shown]]],
    }
    return {"pca": points, "pca_explained": [float(v) for v in pca.explained_variance_ratio_]}
