"""Benchmark: saving, reopening and scoring a 1M-customer k-means segmentation, against pickling sklearn.

Run::

    .venv/bin/python bench/store_bench.py [--rows 1000000] [--repeat 3]

Data: ``bench/data/customers_{rows}.csv`` (made once by ``sample_data/generate.py``), imported by
the app's own import into a workspace with a project open (``SEGDASH_HOME`` = a temporary folder),
then clustered with k-means (k = 5) on ten mixed features (numbers, a date, categories).

Timed (medians of ``--repeat`` runs, in this process):

- **keep**: ``Workspace.keep_working``, what the app writes at the end of the run that made new segments
  (so a reload brings them back before they are saved); **reload with them**: a fresh ``Workspace``
  opening the project then. Compared with the alternative's save and reopen.
- **save**: ``Workspace.save_segmentation`` (settings, model as JSON, 1M labels by customer id as
  Parquet, atomic), with the dataset already kept in the project; the one-off dataset save is
  printed too.
- **reopen**: a fresh ``Workspace`` opening the project: the 1M-row dataset back from Parquet,
  the labels joined back on the customer id, names and settings restored.
- **score**: applying the saved segmentation to the loaded data (import excluded): pull the
  features, the saved preprocessing, nearest saved centre, labels written.
- **alternative**: the obvious way: a fitted scikit-learn ``Pipeline(ColumnTransformer, KMeans)``
  pickled to disk; "save" = ``pickle.dump`` of the pipeline + labels CSV, "reopen" =
  ``pickle.load`` + labels CSV read, "score" = ``pipeline.predict`` on the pandas frame of the
  features. (Its pickle can run arbitrary code when loaded; segdash's files cannot.)
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv  # noqa: E402

NUMBERS = ["age", "income", "orders", "total_spend", "acquisition_cost"]
DATES = ["last_purchase_date"]
TEXTS = ["gender", "acquisition_channel", "preferred_service_channel", "lifestyle"]
FEATURES = NUMBERS + DATES + TEXTS


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _reopen_times(project: object, repeat: int, opened: object) -> list[float]:
    """Seconds a fresh ``Workspace`` takes to open ``project`` (a reload), ``repeat`` times; ``opened(ws)``
    must hold after each."""
    from segdash.workspace import Workspace

    times = []
    for _ in range(repeat):
        fresh = Workspace()
        start = time.perf_counter()
        fresh.open_project(project)
        times.append(time.perf_counter() - start)
        assert opened(fresh), "the reload must bring back what was kept"
        fresh.con.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = ensure_customers_csv(args.rows)
    home = tempfile.mkdtemp(prefix="segdash-bench-home-")
    os.environ["SEGDASH_HOME"] = home

    from segdash.data import Data
    from segdash.saved import apply_model
    from segdash.segment import run_segmentation
    from segdash.segment.base import discard_labels
    from segdash.segment.cluster import cluster_customers
    from segdash.store import Store
    from segdash.workspace import Workspace

    project = Store(home).create_project("Bench")
    ws = Workspace()
    ws.load(path)
    ws.open_project(project, restore=False)
    start = time.perf_counter()
    ws.store_dataset()
    dataset_seconds = time.perf_counter() - start
    types = ws.column_types()
    run_segmentation(ws, lambda progress: cluster_customers(ws.data, features=FEATURES, types=types, k=5))

    saves, scores, keeps = [], [], []
    for _ in range(args.repeat):  # what every new segmentation costs at the end of its run in the app
        ws.working_of = 0  # as if new: written again
        start = time.perf_counter()
        assert ws.keep_working()
        keeps.append(time.perf_counter() - start)
    kept_reopens = _reopen_times(project, args.repeat, lambda fresh: not fresh.snapshot_id
                                 and sum(fresh.segmentation.sizes.values()) == args.rows)
    for i in range(args.repeat):
        start = time.perf_counter()
        snapshot = ws.save_segmentation(f"Tiers {i}")
        saves.append(time.perf_counter() - start)
    reopens = _reopen_times(project, args.repeat, lambda fresh: fresh.snapshot_id == snapshot
                            and sum(fresh.segmentation.sizes.values()) == args.rows)
    record = project.segmentation(snapshot)
    for _ in range(args.repeat):
        start = time.perf_counter()
        seg = apply_model(ws.data, record, roles=ws.roles, types=types)
        scores.append(time.perf_counter() - start)
        discard_labels(Data.duckdb(ws.con))
    assert seg.sizes == record["sizes"], "scoring the same file must give the saved labels"

    # -- the obvious alternative: pickle a fitted sklearn pipeline --------------------------------
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = ws.con.table("customers").select(*FEATURES, "customer_id").df()
    frame["last_purchase_date"] = (pd.to_datetime(frame["last_purchase_date"]).max()
                                   - pd.to_datetime(frame["last_purchase_date"])).dt.days
    pipeline = Pipeline([
        ("prep", ColumnTransformer([
            ("num", Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
             NUMBERS + DATES),
            ("cat", Pipeline([("fill", SimpleImputer(strategy="most_frequent")),
                              ("hot", OneHotEncoder(handle_unknown="ignore"))]), TEXTS),
        ])),
        ("kmeans", KMeans(n_clusters=5, n_init=1, random_state=0)),
    ]).fit(frame.sample(min(30_000, len(frame)), random_state=0))
    alt_saves, alt_reopens, alt_scores = [], [], []
    folder = Path(tempfile.mkdtemp(prefix="segdash-bench-pickle-"))
    labels = pd.DataFrame({"customer_id": frame["customer_id"], "segment": pipeline.predict(frame)})
    for _ in range(args.repeat):
        start = time.perf_counter()
        with open(folder / "model.pkl", "wb") as handle:
            pickle.dump(pipeline, handle)
        labels.to_csv(folder / "labels.csv", index=False)
        alt_saves.append(time.perf_counter() - start)
        start = time.perf_counter()
        with open(folder / "model.pkl", "rb") as handle:
            pickle.load(handle)  # noqa: S301 - the alternative being measured
        pd.read_csv(folder / "labels.csv")
        alt_reopens.append(time.perf_counter() - start)
        start = time.perf_counter()
        pipeline.predict(frame)
        alt_scores.append(time.perf_counter() - start)

    print(f"store_bench: {args.rows:,} customers, k-means k=5 on {len(FEATURES)} mixed features, "
          f"median of {args.repeat}; load average {os.getloadavg()[0]:.1f}")
    print(f"  dataset kept in the project (once): {dataset_seconds:.2f} s")
    rows = [("keep new segments for a reload", keeps, alt_saves, 2.0),
            ("reload with them (data + labels + names)", kept_reopens, alt_reopens, 2.0),
            ("save a segmentation", saves, alt_saves, 2.0), ("reopen it (data + labels + names)", reopens,
                                                             alt_reopens, 2.0),
            ("score 1M customers (import excluded)", scores, alt_scores, 2.0)]
    print(f"  {'step':40} {'segdash':>9} {'pickle+sklearn':>15} {'ratio':>7}  target")
    for name, ours, theirs, target in rows:
        a, b = _median(ours), _median(theirs)
        print(f"  {name:40} {a:8.2f}s {b:14.2f}s {a / b:6.2f}x  < {target:.0f} s: {'met' if a < target else 'MISSED'}")
    print("  note: the alternative's reopen loads a pickle (can run code); its labels are a CSV, not keyed checks.")


if __name__ == "__main__":
    main()
