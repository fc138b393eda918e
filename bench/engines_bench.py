"""Benchmark: RFM and k-means assignment computed where the data lives (issue 15).

Run::

    .venv/bin/python bench/engines_bench.py [--sizes 1000000,10000000] [--engines duckdb,pyspark,pulled]

Data: ``bench/data/engines_{rows}.parquet``, generated once in chunks (customer_id, age, income,
country, last_purchase_date, orders, total_spend; seeded). Each run is a fresh process (so its peak
memory is its own) that opens the Parquet file as a table in the engine and runs:

- **RFM**: ``rfm_from_customers`` (scores, groups and the labels table written in the engine);
- **k-means**: ``cluster_customers(k=5, in_engine=True)``: a seeded sample of 50,000 customers read
  for fitting, then every customer assigned inside the engine and the labels written there.

Contenders:

- **duckdb**: ``duckdb://`` with the Parquet file as a view (embedded DuckDB, in place);
- **pyspark**: ``pyspark://`` local mode (2 cores, 2 GB driver) with the Parquet file as a view;
- **pulled** (the obvious alternative): the same DuckDB view, but every customer pulled into the
  app (RFM's per-customer scores in Arrow, k-means on every customer in numpy: ``in_engine=False``).

Embedded DuckDB gets the session memory limit the app gives it (``SEGDASH_SESSION_MEMORY``, 1GB here
unless set) and spills to disk beyond it. Printed per size and contender: wall time of each step and the
peak resident memory of the app's
own Python process (Spark's JVM is a separate process and is not counted: it is "the engine").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import DATA_DIR, peak_rss_mb, run_in_subprocess  # noqa: E402

CHUNK = 1_000_000
COUNTRIES = np.array(["France", "Germany", "Spain", "Italy", "Netherlands", "Canada", "United States", "Japan"])
TYPES = {"customer_id": "number", "age": "number", "income": "number", "country": "text",
         "last_purchase_date": "date", "orders": "number", "total_spend": "number"}
FEATURES = ["age", "income", "orders", "total_spend", "country"]


def ensure_parquet(rows: int, seed: int = 0) -> Path:
    """``bench/data/engines_{rows}.parquet``, written once in chunks of a million customers."""
    path = DATA_DIR / f"engines_{rows}.parquet"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    rng = np.random.default_rng(seed)
    writer = None
    as_of = np.datetime64(dt.date(2026, 6, 30), "D")
    try:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            group = rng.integers(0, 5, n)
            orders = rng.poisson(2 + 4 * group) + 1
            spend = np.round(orders * rng.gamma(2.0, 20 + 15 * group), 2)
            days = rng.exponential(30 + 60 * (4 - group)).astype(np.int64)
            table = pa.table({
                "customer_id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "age": pa.array(np.clip(rng.normal(25 + 6 * group, 8), 18, 90).astype(np.int64)),
                "income": pa.array(np.round(rng.lognormal(10.4 + 0.1 * group, 0.4), 0)),
                "country": pa.array(COUNTRIES[rng.integers(0, len(COUNTRIES), n)]),
                "last_purchase_date": pa.array(as_of - days.astype("timedelta64[D]")),
                "orders": pa.array(orders.astype(np.int64)),
                "total_spend": pa.array(spend),
            })
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=256_000)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return path


def _open(engine: str, path: str) -> object:
    from segdash import engines
    from segdash.data import Data

    url = {"pyspark": "pyspark://?memory=2g"}.get(engine, "duckdb://")
    source = engines.connect(url)
    source.backend.read_parquet(path, table_name="customers")
    data = source.data("customers", key="customer_id", labels="customers_segments")
    if engine == "pulled":  # the embedded fast paths: pull every customer into the app
        data = Data.ibis(source.backend, table="customers", key="customer_id", labels="customers_segments")
    return data


def run_rfm(engine: str, path: str) -> dict[str, float]:
    """RFM over the whole table on ``engine``; seconds and the app's peak memory."""
    from segdash.segment.rfm import rfm_from_customers

    start = time.perf_counter()
    data = _open(engine, path)
    opened = time.perf_counter() - start
    seg = rfm_from_customers(data, recency="last_purchase_date", frequency="orders", monetary="total_spend",
                             types=TYPES)
    return {"open_s": opened, "customers": sum(seg.sizes.values()), "groups": len(seg.sizes),
            "peak_mb": peak_rss_mb()}


def run_kmeans(engine: str, path: str) -> dict[str, float]:
    """k-means (k = 5, seed 0): fit on a sample, assign everyone in the engine (or in the app for ``pulled``)."""
    from segdash.segment.cluster import cluster_customers

    data = _open(engine, path)
    seg = cluster_customers(data, features=FEATURES, types=TYPES, k=5, random_state=0,
                            in_engine=engine != "pulled")
    return {"customers": sum(seg.sizes.values()), "k": seg.k, "peak_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--engines", default="duckdb,pulled,pyspark")
    args = parser.parse_args()
    # Embedded DuckDB runs inside the app's process, so its share is the app's: the session limit
    # (as the app sets it) bounds it, and DuckDB spills to disk beyond it.
    os.environ.setdefault("SEGDASH_SESSION_MEMORY", "1GB")
    print(f"SEGDASH_SESSION_MEMORY={os.environ['SEGDASH_SESSION_MEMORY']} (embedded DuckDB's limit)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    chosen = [e.strip() for e in args.engines.split(",") if e.strip()]
    print(f"{'rows':>11} {'engine':>8} {'step':>7} {'seconds':>8} {'peak MB (app)':>14}")
    results: dict[tuple[int, str, str], tuple[float, float]] = {}
    for rows in sizes:
        path = str(ensure_parquet(rows))
        for engine in chosen:
            for step, fn in (("rfm", run_rfm), ("kmeans", run_kmeans)):
                try:
                    measured = run_in_subprocess(fn, engine, path)
                except RuntimeError as err:
                    print(f"{rows:>11,} {engine:>8} {step:>7}   failed: {str(err)[:200]}", flush=True)
                    continue
                assert measured.value["customers"] == rows
                results[(rows, engine, step)] = (measured.seconds, measured.value["peak_mb"])
                print(f"{rows:>11,} {engine:>8} {step:>7} {measured.seconds:>8.1f} {measured.value['peak_mb']:>14.0f}",
                      flush=True)
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        print(f"\nPeak memory of the app, {big:,} against {small:,} customers ({big // small}x the rows):")
        for engine in chosen:
            for step in ("rfm", "kmeans"):
                if (small, engine, step) in results and (big, engine, step) in results:
                    ratio = results[(big, engine, step)][1] / results[(small, engine, step)][1]
                    print(f"  {engine:>8} {step:>7}: x{ratio:.2f}")


if __name__ == "__main__":
    main()
