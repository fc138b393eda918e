"""Benchmark: comparing two saved 1,000,000-customer snapshots (transitions, drift over 20 columns, sentences).

Set-up (not timed): a project in a temporary store with two exports of 1M customers each (the
second keeps 90% of the first customers, adds 10% new ones and shifts some attributes), 20
attribute columns (12 numbers, 8 categories) plus a revenue column, and an 8-segment snapshot on
each (80% of the customers who are in both keep their segment).

Timed:

* **segdash**: ``compare_snapshots(project, old, new)`` from the saved snapshot ids (reads the two
  labels files, one DuckDB full outer join for the transitions with revenue, PSI over the 20
  columns with two scans per export) and ``sentences()``. Target: under 2 s.
* **pandas**: the obvious notebook equivalent: ``read_parquet`` the two labels files and the two
  exports, ``merge(how="outer")`` on the customer id, ``groupby`` (from, to) with revenue, and PSI
  per column with ``numpy.quantile`` deciles / ``value_counts``.

Each contender runs in its own process (``bench/common.run_in_subprocess``); the first run (cold)
and the median of the next ``--repeat`` runs are printed, with the CPU time of a warm run (all
threads): on a machine shared with other work, wall time grows but CPU time does not.

Usage::

    python bench/compare_bench.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import run_in_subprocess  # noqa: E402

TARGET_SECONDS = 2.0
NUMBERS = 12
CATEGORIES = 8
SEGMENTS = 8


def _frames(rows: int, seed: int = 0):  # noqa: ANN202 - bench plumbing
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = np.arange(rows)
    old = {"customer_id": ids.astype(str)}
    new_ids = np.concatenate([ids[rows // 10:], np.arange(rows, rows + rows // 10)])
    new = {"customer_id": new_ids.astype(str)}
    for i in range(NUMBERS):
        base = rng.gamma(2.0 + i % 3, 10.0, rows + rows // 10)
        old[f"number_{i}"] = base[:rows].round(2)
        shifted = base[rows // 10:] * (1.0 + 0.03 * i)
        new[f"number_{i}"] = shifted.round(2)
    for i in range(CATEGORIES):
        values = np.array([f"value {j}" for j in range(3 + i)])
        picks = rng.integers(0, len(values), rows + rows // 10)
        old[f"category_{i}"] = values[picks[:rows]]
        later = picks[rows // 10:].copy()
        later[: (i * rows) // 40] = 0  # drift grows with i
        new[f"category_{i}"] = values[later]
    old["total_spend"] = rng.gamma(2.0, 50.0, rows).round(2)
    new["total_spend"] = rng.gamma(2.1, 50.0, len(new_ids)).round(2)
    segments = np.array([f"segment {j}" for j in range(SEGMENTS)])
    old_labels = segments[rng.integers(0, SEGMENTS, rows)]
    kept = old_labels[rows // 10:].copy()
    move = rng.random(len(kept)) < 0.2
    kept[move] = segments[rng.integers(0, SEGMENTS, int(move.sum()))]
    new_labels = np.concatenate([kept, segments[rng.integers(0, SEGMENTS, rows // 10)]])
    return (pd.DataFrame(old), pd.DataFrame(new),
            pd.DataFrame({"key": old["customer_id"], "segment": old_labels}),
            pd.DataFrame({"key": new["customer_id"], "segment": new_labels}))


def build_project(home: str, rows: int) -> tuple[str, str, str]:
    """The store, project and two snapshots (not timed). Returns (project id, old id, new id)."""
    import duckdb

    from segdash.schema import ColumnInfo, ImportResult
    from segdash.store import Store

    old, new, old_labels, new_labels = _frames(rows)
    project = Store(home).create_project("Bench")
    ids = []
    for name, frame, labels in (("january.csv", old, old_labels), ("march.csv", new, new_labels)):
        con = duckdb.connect()
        con.register("frame", frame)
        con.execute("CREATE TABLE customers AS SELECT row_number() OVER () AS _row, * FROM frame")
        columns = [ColumnInfo(name=c, type="number" if str(frame[c].dtype).startswith("float") else "text",
                              role="behavioral") for c in frame.columns]
        roles = {c.name: c.role for c in columns}
        roles.update({"customer_id": "id", "total_spend": "revenue"})
        for c in columns:
            c.role = roles[c.name]
        imported = ImportResult(source=name, format="csv", rows_in_file=len(frame), rows_loaded=len(frame),
                                rows_rejected=0, columns=columns)
        dataset_id = project.save_dataset(con, imported=imported, roles=roles)
        con.close()
        sizes = labels["segment"].value_counts().to_dict()
        ids.append(project.save_segmentation({
            "name": f"Segments {name}", "method": "bench", "settings": {}, "model": None, "names": {},
            "sizes": {str(k): int(v) for k, v in sizes.items()}, "dataset_id": dataset_id, "dataset_name": name,
            "key_column": "customer_id", "parent_id": None, "customers": len(labels)}, labels))
    return project.id, ids[0], ids[1]


def _runs(fn, repeat: int) -> tuple[float, float, object, float]:  # noqa: ANN001 - bench plumbing
    """Cold wall time, median warm wall time, the value, and median warm CPU time (all threads)."""
    start = time.perf_counter()
    value = fn()
    cold = time.perf_counter() - start
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return cold, statistics.median(times), value, statistics.median(cpu)


def segdash_contender(home: str, project_id: str, old_id: str, new_id: str, repeat: int) -> dict:
    """The real path: compare two saved snapshots and write the sentences."""
    from segdash.history.compare import compare_snapshots
    from segdash.store import Store

    project = Store(home).open_project(project_id)

    def run() -> dict:
        result = compare_snapshots(project, old_id, new_id)
        sentences = result.sentences()
        return {"customers": int(result.transitions["customers"].sum()), "columns": len(result.drift),
                "stayed": result.stayed_share, "sentences": sentences[:2]}

    cold, warm, value, cpu = _runs(run, repeat)
    return {"cold": cold, "warm": warm, "cpu": cpu, **value}


def pandas_contender(home: str, project_id: str, old_id: str, new_id: str, repeat: int) -> dict:
    """The notebook way: read everything into pandas, merge, group, PSI with numpy."""
    import numpy as np
    import pandas as pd

    from segdash.history.drift import psi
    from segdash.store import Store

    project = Store(home).open_project(project_id)
    paths = {}
    for alias, snapshot_id in (("old", old_id), ("new", new_id)):
        record = project.segmentation(snapshot_id)
        paths[alias] = (project.path / "segmentations" / snapshot_id / "labels.parquet",
                        project.dataset_path(record["dataset_id"]))

    def run() -> dict:
        old_labels = pd.read_parquet(paths["old"][0])
        new_labels = pd.read_parquet(paths["new"][0])
        old_data = pd.read_parquet(paths["old"][1])
        new_data = pd.read_parquet(paths["new"][1])
        old_side = old_labels.merge(old_data[["customer_id", "total_spend"]], left_on="key", right_on="customer_id",
                                    how="left")
        new_side = new_labels.merge(new_data[["customer_id", "total_spend"]], left_on="key", right_on="customer_id",
                                    how="left")
        both = old_side.merge(new_side, on="key", how="outer", suffixes=("_old", "_new"), indicator=True)
        both["revenue"] = both["total_spend_new"].where(both["_merge"] != "left_only", both["total_spend_old"])
        flows = (both.groupby(["segment_old", "segment_new"], dropna=False)
                 .agg(customers=("key", "size"), revenue=("revenue", "sum")).reset_index())
        kept = both[both["_merge"] == "both"]
        stayed = float((kept["segment_old"] == kept["segment_new"]).mean())
        values = {}
        for column in old_data.columns:
            if column in ("customer_id", "_row", "total_spend"):
                continue
            if pd.api.types.is_numeric_dtype(old_data[column]):
                edges = np.unique(np.quantile(old_data[column].dropna(), np.arange(1, 10) / 10))
                old_bins = np.bincount(np.searchsorted(edges, old_data[column], side="left"), minlength=len(edges) + 1)
                new_bins = np.bincount(np.searchsorted(edges, new_data[column], side="left"), minlength=len(edges) + 1)
                values[column] = psi(old_bins, new_bins)
            else:
                counts = pd.concat([old_data[column].value_counts(dropna=False),
                                    new_data[column].value_counts(dropna=False)], axis=1).fillna(0)
                values[column] = psi(counts.iloc[:, 0], counts.iloc[:, 1])
        return {"customers": int(flows["customers"].sum()), "columns": len(values), "stayed": stayed}

    cold, warm, value, cpu = _runs(run, repeat)
    return {"cold": cold, "warm": warm, "cpu": cpu, **value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="segdash-compare-bench-")
    try:
        start = time.perf_counter()
        project_id, old_id, new_id = build_project(home, args.rows)
        print(f"set-up: two snapshots of {args.rows:,} customers, {NUMBERS + CATEGORIES} attribute columns "
              f"({time.perf_counter() - start:.1f} s, not timed)")
        ours = run_in_subprocess(segdash_contender, home, project_id, old_id, new_id, args.repeat)
        theirs = run_in_subprocess(pandas_contender, home, project_id, old_id, new_id, args.repeat)
        for name, measured in (("segdash (DuckDB)", ours), ("pandas", theirs)):
            value = measured.value
            print(f"{name:<17} cold {value['cold']:.2f} s   warm median {value['warm']:.2f} s   "
                  f"(CPU {value['cpu']:.2f} s)   "
                  f"peak {measured.peak_rss_mb:,.0f} MB   customers {value['customers']:,}   "
                  f"drift columns {value['columns']}   stayed {value['stayed']:.3f}")
        print(f"pandas / segdash: cold {theirs.value['cold'] / ours.value['cold']:.1f}x, "
              f"warm {theirs.value['warm'] / ours.value['warm']:.1f}x")
        verdict = "under" if ours.value["cold"] < TARGET_SECONDS else "OVER"
        print(f"target {TARGET_SECONDS:.0f} s: segdash cold run is {verdict} it")
        for sentence in ours.value["sentences"]:
            print(f"  {sentence}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
