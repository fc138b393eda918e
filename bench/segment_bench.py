"""Benchmark: clustering a million customers with automatic k, segdash against the notebook way.

Run::

    .venv/bin/python bench/segment_bench.py [--rows 1000000] [--notebook-k 2-10] [--repeat 3]

Data: ``bench/data/customers_{rows}.csv`` from ``sample_data/generate.py`` (written once), loaded
into DuckDB the way the app holds it (``customers`` with ``_row``); the planted true segment of
each customer comes from the same generator and seed. Ten mixed features: age, income, orders,
total_spend, last_purchase_date (as days since), acquisition_cost, gender, acquisition_channel,
preferred_service_channel, lifestyle.

Contenders, each in a fresh process (so peak memory is its own):

- **segdash**: ``cluster_customers(data, k="auto", k_range=(2, 10))`` timed end to end (pull from
  DuckDB, preprocess, k search, stability, every customer assigned to the nearest centre inside
  DuckDB, labels staged there). Loading the CSV into DuckDB is timed separately. Run ``--repeat`` times; the median
  counts. Also one run at the planted number of segments (k = 5) for the agreement figures.
- **notebook**: what a data scientist would type: preprocess all rows (the same
  ``ColumnTransformer`` as segdash, fitted on everyone, so the labels are comparable), then for
  every k ``KMeans(n_clusters=k, random_state=0)`` (scikit-learn defaults) on all rows and
  ``silhouette_score(X, labels, sample_size=10_000, random_state=0)``; best silhouette wins.
  Its data pull is not timed (a notebook has the DataFrame already); segdash's is.

Printed: wall time, peak memory, speed ratio, the adjusted Rand index (ARI) between segdash's
labels and full-data KMeans at the same k, and each one's ARI against the planted truth.

Then **as the user runs it**, whole processes with Python start, imports and reading the file:
``python -m segdash segment FILE --method kmeans --features <the 10> --k auto --out labels.csv``
against ``python bench/notebook_kmeans.py FILE`` (pandas ``read_csv``, the same preprocessing
written the notebook way, ``KMeans`` on all rows for k = 2..10, silhouette on 10,000), run
round-robin ``--whole-repeat`` times, medians (wall time, and CPU time, which other work on a shared
machine disturbs less). Target: segdash at least 5x faster.
``--whole-only`` skips the in-process part.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import (  # noqa: E402
    ensure_customers_csv,
    generate_customers,
    peak_rss_mb,
    run_in_subprocess,
    time_commands,
)

NUMBERS = ["age", "income", "orders", "total_spend", "acquisition_cost"]
DATES = ["last_purchase_date"]
TEXTS = ["gender", "acquisition_channel", "preferred_service_channel", "lifestyle"]
FEATURES = NUMBERS[:4] + DATES + NUMBERS[4:] + TEXTS
TYPES = {**dict.fromkeys(NUMBERS, "number"), **dict.fromkeys(DATES, "date"), **dict.fromkeys(TEXTS, "text")}
PLANTED_K = 5
# Bench-only loading (the app's import lives in segdash.ingest); the path is a bound parameter.
_LOAD = "CREATE TABLE customers AS SELECT (row_number() OVER () - 1)::BIGINT AS _row, * FROM read_csv(?)"
_LABELS = "SELECT segment FROM segment_labels ORDER BY _row"


def _load(path: str):
    from segdash import db

    con = db.connect()
    con.execute(_LOAD, [path])
    return con


def _label_codes(con) -> np.ndarray:
    from segdash.data import Data
    from segdash.segment.base import commit_labels

    commit_labels(Data.duckdb(con))
    segments = np.asarray([row[0] for row in con.execute(_LABELS).fetchall()], dtype=object)
    return np.asarray([int(s.rsplit(" ", 1)[1]) - 1 for s in segments], dtype=np.int8)


def run_segdash(path: str, k: int | str, k_range: tuple[int, int]) -> dict:
    """One segdash run (child process): load (timed apart), then cluster_customers end to end."""
    from segdash.data import Data
    from segdash.segment.cluster import cluster_customers

    start = time.perf_counter()
    con = _load(path)
    load_seconds = time.perf_counter() - start
    peak_loaded = peak_rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    seg = cluster_customers(Data.duckdb(con), features=FEATURES, types=TYPES, k=k, k_range=k_range, random_state=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_rss_mb()
    return {
        "seconds": seconds, "cpu": cpu, "load_seconds": load_seconds, "peak_loaded_mb": peak_loaded, "peak_mb": peak,
        "k": seg.k, "reason": seg.chosen_k_reason, "stability": seg.stability, "scores": seg.scores,
        "labels": _label_codes(con), "notes": seg.notes,
    }


def run_notebook(path: str, ks: list[int]) -> dict:
    """The obvious notebook approach (child process): full-data KMeans for every k."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    from segdash.data import Data
    from segdash.segment.features import build_preprocessor, pull_features, skewed_columns

    con = _load(path)
    data = pull_features(Data.duckdb(con), features=FEATURES, types=TYPES)  # the notebook's DataFrame, untimed
    peak_loaded = peak_rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    prep = build_preprocessor(data, log_columns=skewed_columns(data.matrix, data))
    matrix = prep.fit_transform(data.matrix)
    labels, silhouettes = {}, {}
    for k in ks:
        model = KMeans(n_clusters=k, random_state=0).fit(matrix)
        labels[k] = model.labels_.astype(np.int8)
        silhouettes[k] = float(silhouette_score(matrix, model.labels_, sample_size=10_000, random_state=0))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    best = max(ks, key=lambda k: silhouettes[k])
    return {
        "seconds": seconds, "cpu": cpu, "peak_loaded_mb": peak_loaded, "peak_mb": peak_rss_mb(), "k": best,
        "silhouettes": silhouettes, "labels": labels,
    }


def run_final_variants(path: str, k: int) -> dict:
    """Ways to put everyone in a segment once centres are found on the search sample (child process).

    ``predict``: nearest sample centre (segdash's way since issue 16, computed inside DuckDB);
    ``kmeans+N``: full KMeans seeded with the sample centres, N Lloyd iterations over everyone
    (segdash's way until issue 16); ``minibatch``: MiniBatchKMeans on everyone.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import pairwise_distances_argmin

    from segdash.data import Data
    from segdash.segment import cluster
    from segdash.segment.features import build_preprocessor, pull_features, skewed_columns, transform

    con = _load(path)
    data = pull_features(Data.duckdb(con), features=FEATURES, types=TYPES)
    rng = np.random.default_rng(0)
    sample = cluster._sample(rng, len(data.rows), cluster.SEARCH_SAMPLE)
    prep = build_preprocessor(data, log_columns=skewed_columns(data.matrix[sample], data))
    prep.fit(data.matrix[sample])
    everyone = transform(prep, data.matrix)
    centres = KMeans(n_clusters=k, n_init=cluster.FINAL_N_INIT, random_state=0).fit(everyone[sample]).cluster_centers_
    out = {}
    start = time.perf_counter()
    out["predict"] = (pairwise_distances_argmin(everyone, centres), time.perf_counter() - start)
    for iterations in (1, 3, 10):
        start = time.perf_counter()
        model = KMeans(n_clusters=k, init=centres, n_init=1, max_iter=iterations, tol=0.0).fit(everyone)
        out[f"kmeans+{iterations}"] = (model.labels_, time.perf_counter() - start)
    start = time.perf_counter()
    model = MiniBatchKMeans(n_clusters=k, random_state=0, batch_size=4096).fit(everyone)
    out["minibatch"] = (model.labels_, time.perf_counter() - start)
    start = time.perf_counter()
    model = MiniBatchKMeans(n_clusters=k, init=centres, n_init=1, random_state=0, batch_size=4096).fit(everyone)
    out["minibatch from sample centres"] = (model.labels_, time.perf_counter() - start)
    return {name: (labels.astype(np.int8), seconds) for name, (labels, seconds) in out.items()}


def _parse_range(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--notebook-k", default="2-10", help="k the notebook baseline tries, e.g. 2-10 or 5")
    parser.add_argument("--repeat", type=int, default=3, help="segdash runs (median counts)")
    parser.add_argument("--skip-variants", action="store_true", help="skip the final-assignment variants")
    parser.add_argument("--whole-only", action="store_true", help="only the whole-process comparison")
    parser.add_argument("--whole-repeat", type=int, default=3, help="runs of each whole process (median counts)")
    args = parser.parse_args()
    if args.whole_only:
        _whole_processes(str(ensure_customers_csv(args.rows)), args.whole_repeat)
        return
    from sklearn.metrics import adjusted_rand_score

    print(f"segment bench: {args.rows:,} customers, {len(FEATURES)} features, automatic k over 2-10; "
          f"{os.cpu_count()} cores (shared: timings are noisy when other work runs)")
    start = time.perf_counter()
    path = str(ensure_customers_csv(args.rows))
    _, truth = generate_customers(args.rows, 0)
    print(f"data: {path} (+ planted truth) ready in {time.perf_counter() - start:.1f} s")

    runs = [run_in_subprocess(run_segdash, path, "auto", (2, 10)) for _ in range(args.repeat)]
    seg_times = [r.value["seconds"] for r in runs]
    seg_cpu = [r.value["cpu"] for r in runs]
    seg = runs[0].value
    seg_peak = max(r.peak_rss_mb for r in runs)
    print(f"\nsegdash   automatic k: {', '.join(f'{s:.2f}' for s in seg_times)} s "
          f"(median {statistics.median(seg_times):.2f} s); CPU time {', '.join(f'{c:.2f}' for c in seg_cpu)} s; "
          f"load CSV into DuckDB {seg['load_seconds']:.2f} s (not counted)")
    print(f"          peak memory {seg_peak:,.0f} MB (after loading: {seg['peak_loaded_mb']:,.0f} MB)")
    print(f"          chose {seg['reason']}")
    print(f"          stability {seg['stability']}; same labels in every run: "
          f"{all(np.array_equal(r.value['labels'], seg['labels']) for r in runs)}")
    planted = run_in_subprocess(run_segdash, path, PLANTED_K, (2, 10)).value
    print(f"segdash   k = {PLANTED_K} (planted): {planted['seconds']:.2f} s (CPU {planted['cpu']:.2f} s)")

    ks = _parse_range(args.notebook_k)
    note = run_in_subprocess(run_notebook, path, ks)
    nb = note.value
    print(f"\nnotebook  KMeans on all rows for k = {ks[0]}..{ks[-1]}: {nb['seconds']:.2f} s (CPU {nb['cpu']:.2f} s), "
          f"peak memory {note.peak_rss_mb:,.0f} MB (after loading: {nb['peak_loaded_mb']:,.0f} MB); "
          f"chose k = {nb['k']} (silhouette {nb['silhouettes'][nb['k']]:.3f})")

    median = statistics.median(seg_times)
    ratio = nb["seconds"] / median
    cpu_ratio = nb["cpu"] / statistics.median(seg_cpu)
    print(f"\nspeed: segdash {median:.2f} s vs notebook {nb['seconds']:.2f} s -> {ratio:.1f}x faster "
          f"(CPU time: {cpu_ratio:.1f}x less)"
          + ("" if ks == list(range(2, 11)) else f" (notebook tried only k = {args.notebook_k}: ratio understated)"))
    print("agreement (adjusted Rand index):")
    for name, result in (("automatic k", seg), (f"k = {PLANTED_K}", planted)):
        k = result["k"]
        line = f"  segdash {name} (k = {k}):"
        if k in nb["labels"]:
            line += f" vs full-data KMeans at k = {k}: {adjusted_rand_score(nb['labels'][k], result['labels']):.3f};"
        line += f" vs planted truth: {adjusted_rand_score(truth, result['labels']):.3f}"
        print(line)
    for k in (nb["k"], PLANTED_K):
        if k in nb["labels"]:
            print(f"  notebook k = {k} vs planted truth: {adjusted_rand_score(truth, nb['labels'][k]):.3f}")
    if PLANTED_K in nb["labels"] and not args.skip_variants:
        print(f"final assignment at k = {PLANTED_K} (centres from the search sample), "
              "ARI vs full-data KMeans / vs truth, seconds:")
        for name, (labels, seconds) in run_in_subprocess(run_final_variants, path, PLANTED_K).value.items():
            print(f"  {name:32s} {adjusted_rand_score(nb['labels'][PLANTED_K], labels):.4f} / "
                  f"{adjusted_rand_score(truth, labels):.4f}  {seconds:.2f} s")
    targets = {
        "automatic k under 6 s": median < 6,
        ">= 5x faster than the notebook": ratio >= 5,
        f"agreement >= 0.9 with full-data KMeans (k = {PLANTED_K}, planted segments)":
            PLANTED_K in nb["labels"] and adjusted_rand_score(nb["labels"][PLANTED_K], planted["labels"]) >= 0.9,
    }
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets.items()))
    _whole_processes(path, args.whole_repeat)


def _whole_processes(path: str, repeat: int) -> None:
    """``python -m segdash segment --k auto`` against the notebook script, as whole processes."""
    import tempfile

    load = os.getloadavg()[0]
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="segdash-bench-") as folder:
        times = time_commands({
            "python -m segdash segment --k auto": [
                sys.executable, "-m", "segdash", "segment", path, "--method", "kmeans", "--features",
                ",".join(FEATURES), "--k", "auto", "--out", str(Path(folder) / "labels.csv")],
            "notebook (bench/notebook_kmeans.py)": [
                sys.executable, str(Path(__file__).resolve().parent / "notebook_kmeans.py"), path],
        }, repeat=repeat, cpu=cpu)
    median = {name: statistics.median(runs) for name, runs in times.items()}
    ratio = median["notebook (bench/notebook_kmeans.py)"] / median["python -m segdash segment --k auto"]
    print(f"\nwhole processes (Python start, imports and reading the CSV included), {repeat} runs each, "
          f"round-robin; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after:")
    for name, runs in times.items():
        print(f"  {name:<38} median {median[name]:6.2f} s  ({', '.join(f'{t:.2f}' for t in runs)}); "
              f"CPU median {statistics.median(cpu[name]):.2f} s")
    cpu_ratio = statistics.median(cpu["notebook (bench/notebook_kmeans.py)"]) / statistics.median(
        cpu["python -m segdash segment --k auto"])
    print(f"target segdash >= 5x faster than the notebook, whole processes: {'met' if ratio >= 5 else 'MISSED'} "
          f"({ratio:.1f}x); CPU time {cpu_ratio:.1f}x less")


if __name__ == "__main__":
    main()
