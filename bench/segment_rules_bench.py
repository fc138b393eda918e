"""Benchmark: segmenting by dimensions and by RFM, segdash (DuckDB via Ibis) vs. the pandas way.

Usage::

    .venv/bin/python bench/segment_rules_bench.py [--rows 1000000]

Data: ``bench/data/customers_{rows}.csv`` from ``sample_data/generate.py`` (made once).
Each contender runs in its own fresh process (peak memory is its own). Loading the file is not
timed (segdash: the import; pandas: ``read_csv``); the time is the segmenting step only, and it
includes storing one label per row (segdash) or building the label column (pandas).

* dimensions: country x age (typed edges 25, 35, 50, 65) x income (4 quantile bands), pooling
  combinations under 1% of customers into "Other".
  pandas: ``pd.cut`` + ``pd.qcut`` + string concat + ``groupby().transform("size")``.
* RFM: days since ``last_purchase_date``, ``orders``, ``total_spend``; quintile scores by rank
  and the named groups. pandas: ``rank(method="min")`` + the same score formula + ``np.select``.

Target (issue 3): dimension and RFM segmentation of 1,000,000 customers each under 2 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv, peak_rss_mb, run_in_subprocess  # noqa: E402

EDGES = (25, 35, 50, 65)


def segdash_dimensions(path: str) -> tuple[float, float, dict[str, int]]:
    """Import (untimed), then segment by country x age x income."""
    from segdash.segment.rules import Dimension, default_min_size, segment_by_dimensions
    from segdash.workspace import Workspace

    ws = Workspace()
    result = ws.load(path)
    start = time.perf_counter()
    seg = segment_by_dimensions(
        ws.data, dimensions=["country", Dimension("age", "edges", edges=EDGES), Dimension("income", "quantiles", 4)],
        types=ws.column_types(), min_size=default_min_size(result.rows_loaded),
    )
    return time.perf_counter() - start, peak_rss_mb(), seg.sizes


def pandas_dimensions(path: str) -> tuple[float, float, dict[str, int]]:
    """read_csv (untimed), then the same segmentation with pd.cut / pd.qcut / groupby."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(path, usecols=["country", "age", "income"])
    start = time.perf_counter()
    age = pd.cut(df["age"], [-np.inf, *EDGES, np.inf], right=False,
                 labels=["<25", "25-34", "35-49", "50-64", "65+"]).astype(str)
    income = pd.qcut(df["income"], 4, duplicates="drop").astype(str)
    label = df["country"].fillna("(missing)") + " · age " + age + " · income " + income
    size = label.groupby(label).transform("size")
    label = label.where(size >= max(1, len(df) // 100), "Other")
    sizes = label.value_counts().to_dict()
    return time.perf_counter() - start, peak_rss_mb(), {str(k): int(v) for k, v in sizes.items()}


def segdash_rfm(path: str) -> tuple[float, float, dict[str, int]]:
    """Import (untimed), then RFM from the customer columns."""
    from segdash.segment.rfm import rfm_from_customers
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    start = time.perf_counter()
    seg = rfm_from_customers(ws.data, recency="last_purchase_date", frequency="orders", monetary="total_spend",
                             types=ws.column_types())
    return time.perf_counter() - start, peak_rss_mb(), seg.sizes


def pandas_rfm(path: str) -> tuple[float, float, dict[str, int]]:
    """read_csv (untimed), then RFM with rank + the score formula + np.select."""
    import numpy as np
    import pandas as pd

    from segdash.segment.rfm import GROUPS

    df = pd.read_csv(path, usecols=["last_purchase_date", "orders", "total_spend"],
                     parse_dates=["last_purchase_date"])
    start = time.perf_counter()
    days = (df["last_purchase_date"].max() - df["last_purchase_date"]).dt.days
    days = days.fillna(days.max() + 1)
    n = len(df)

    def score(values: pd.Series, ascending: bool) -> np.ndarray:
        rank = values.rank(method="min", ascending=ascending).to_numpy() - 1
        return (rank * 5 // n + 1).astype(int)

    r = score(-days, True)
    f = score(df["orders"].fillna(0), True)
    m = score(df["total_spend"].fillna(0), True)
    fm = (f + m + 1) // 2
    conditions = [(r >= g.r[0]) & (r <= g.r[1]) & (fm >= g.fm[0]) & (fm <= g.fm[1]) for g in GROUPS]
    group = pd.Series(np.select(conditions, [g.name for g in GROUPS], default="Lost"))
    sizes = group.value_counts().to_dict()
    return time.perf_counter() - start, peak_rss_mb(), {str(k): int(v) for k, v in sizes.items()}


def _row(name: str, seconds: float, peak: float) -> str:
    return f"  {name:<28} {seconds:8.3f} s   peak {peak:8.0f} MB"


def main(argv: list[str] | None = None) -> int:
    """Run both comparisons and print times, peak memory and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    path = str(ensure_customers_csv(args.rows))
    print(f"{args.rows:,} customers: {path}")
    ok = True
    for title, ours, theirs in (("dimensions (country x age x income)", segdash_dimensions, pandas_dimensions),
                                ("RFM (customer columns)", segdash_rfm, pandas_rfm)):
        mine = run_in_subprocess(ours, path).value
        other = run_in_subprocess(theirs, path).value
        print(title)
        print(_row("segdash (DuckDB via Ibis)", mine[0], mine[1]))
        print(_row("pandas", other[0], other[1]))
        print(f"  ratio pandas / segdash: {other[0] / mine[0]:.2f}x   segments: {len(mine[2])} vs {len(other[2])}"
              f"   rows labelled: {sum(mine[2].values()):,}")
        if title.startswith("RFM"):
            print(f"  same group sizes as pandas: {'yes' if mine[2] == other[2] else 'NO'}")
        target = mine[0] < 2.0
        ok = ok and target
        print(f"  target < 2 s: {'met' if target else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
