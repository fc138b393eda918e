"""Benchmark: every figure of the Acquisition & ROI page for 1,000,000 customers.

Measures, after the customers are loaded (not timed):

* **segdash**: ``compute_economics`` (per-segment table, segment x channel table, per-channel
  table, totals; spend per channel entered by the user and shared out inside DuckDB), the
  display table, the summary sentences and the budget projection. Target: under 500 ms.
  The Plotly figures are timed separately (they only ever see the small aggregate tables).
* **pandas**: the obvious notebook equivalent on a DataFrame already in memory: merge the labels,
  map channel spend to customers, ``groupby`` segment x channel, sum, and derive the same ratios.

Each contender runs in its own process (``bench/common.run_in_subprocess``), so the peak memory
printed is its own. Six segments are assigned by a hash of the customer id.

Usage::

    python bench/roi_bench.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv, peak_rss_mb, run_in_subprocess  # noqa: E402

TARGET_SECONDS = 0.5
SEGMENTS = 6
SPEND = {"Paid search": 1_500_000.0, "Social": 900_000.0, "Email": 120_000.0, "Referral": 250_000.0,
         "Organic": 20_000.0, "Store": 180_000.0, "Affiliate": 600_000.0}
# Our constants only: no user text in this SQL.
_LABEL_SQL = "SELECT _row, 'Segment ' || CAST(hash(customer_id) % 6 AS VARCHAR) AS segment FROM customers"


def _timed(fn, repeat: int) -> tuple[float, float]:  # noqa: ANN001 - bench plumbing
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return cold, statistics.median(runs)


def segdash_contender(path: str, repeat: int) -> dict[str, float]:
    """Load with segdash's import, then time the page's figures (not the load)."""
    import pandas as pd

    from segdash import db, economics
    from segdash.data import Data
    from segdash.report import roi_charts
    from segdash.segment.base import commit_labels, write_labels
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    labels = db.fetch_df(ws.con, _LABEL_SQL)
    write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    commit_labels(Data.duckdb(ws.con))
    del labels
    columns = economics.EconomicsColumns(
        channel="acquisition_channel", revenue="total_spend", orders="orders", signup="signup_date")
    spend = pd.DataFrame({"channel": list(SPEND), "spend": list(SPEND.values())})
    date_columns = [c for c, kind in ws.column_types().items() if kind == "date"]
    holder: dict[str, object] = {}

    def figures() -> None:
        result = economics.compute_economics(Data.duckdb(ws.con), columns=columns, channel_spend=spend,
                                             date_columns=date_columns)
        economics.format_table(economics.with_total(result), columns=result.columns)
        economics.format_table(result.by_channel, columns=result.columns)
        roi_charts.summary_sentences(result.segments)
        shares = economics.current_shares(result.segments)
        economics.project_budget(result.segments, budget=3_000_000, shares=shares)
        holder["result"] = result

    def charts() -> None:
        result = holder["result"]
        roi_charts.roi_by_segment(result.segments)
        roi_charts.cac_vs_ltv(result.segments)
        roi_charts.roi_heatmap(result.by_channel)

    cold, warm = _timed(figures, repeat)
    chart_cold, chart_warm = _timed(charts, repeat)
    result = holder["result"]
    return {
        "cold": cold, "warm": warm, "charts": chart_warm, "charts_cold": chart_cold,
        "customers": int(result.total["customers"].iloc[0]), "spend": float(result.total["spend"].iloc[0]),
        "roi": result.segments.set_index("segment")["roi"].round(9).to_dict(),
        "peak_mb": peak_rss_mb(),
    }


def pandas_contender(path: str, repeat: int) -> dict[str, float]:
    """The notebook way: pandas groupby over a DataFrame already in memory."""
    import duckdb
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(path, usecols=["customer_id", "signup_date", "last_purchase_date", "orders", "total_spend",
                                       "acquisition_channel"], parse_dates=["signup_date", "last_purchase_date"])
    con = duckdb.connect()
    con.register("customers_frame", frame[["customer_id"]])
    frame["segment"] = con.execute(
        "SELECT 'Segment ' || CAST(hash(customer_id) % 6 AS VARCHAR) FROM customers_frame").df().iloc[:, 0]
    con.close()
    spend = pd.Series(SPEND)
    holder: dict[str, object] = {}

    def figures() -> None:
        margin, lifetime = 0.4, 36.0
        as_of = max(frame["signup_date"].max(), frame["last_purchase_date"].max())
        tenure = np.maximum((as_of - frame["signup_date"]).dt.days / 30.4375, 1.0)
        per_channel = frame.groupby("acquisition_channel", observed=True)["customer_id"].transform("size")
        cost = frame["acquisition_channel"].map(spend).fillna(0.0) / per_channel
        work = pd.DataFrame({"segment": frame["segment"], "channel": frame["acquisition_channel"], "cost": cost,
                             "revenue": frame["total_spend"], "orders": frame["orders"], "tenure": tenure})
        cells = work.groupby(["segment", "channel"], observed=True).agg(
            customers=("cost", "size"), spend=("cost", "sum"), revenue=("revenue", "sum"),
            orders=("orders", "sum"), tenure=("tenure", "sum")).reset_index()

        def derive(table: pd.DataFrame) -> pd.DataFrame:
            table = table.copy()
            table["cac"] = table["spend"] / table["customers"]
            table["gross_profit"] = table["revenue"] * margin
            table["aov"] = table["revenue"] / table["orders"]
            table["frequency"] = table["orders"] / table["tenure"]
            monthly = margin * table["revenue"] / table["tenure"]
            table["predicted_ltv"] = monthly * lifetime
            table["ltv_to_cac"] = table["predicted_ltv"] / table["cac"]
            table["roi"] = (table["gross_profit"] - table["spend"]) / table["spend"]
            table["payback_months"] = table["cac"] / monthly
            return table

        sums = ["customers", "spend", "revenue", "orders", "tenure"]
        segments = derive(cells.groupby("segment")[sums].sum().reset_index())
        derive(cells)
        derive(cells.groupby("channel")[sums].sum().reset_index())
        share = segments["spend"] / segments["spend"].sum()
        new = 3_000_000 * share / segments["cac"]
        (new * segments["predicted_ltv"]).sum()
        holder["segments"] = segments

    cold, warm = _timed(figures, repeat)
    segments = holder["segments"]
    return {"cold": cold, "warm": warm, "customers": int(segments["customers"].sum()),
            "spend": float(segments["spend"].sum()),
            "roi": segments.set_index("segment")["roi"].round(9).to_dict(), "peak_mb": peak_rss_mb()}


def main() -> None:
    """Run both contenders and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = ensure_customers_csv(args.rows)
    print(f"data: {path} ({args.rows:,} customers, {SEGMENTS} segments by hash of customer_id)")
    ours = run_in_subprocess(segdash_contender, str(path), args.repeat).value
    theirs = run_in_subprocess(pandas_contender, str(path), args.repeat).value
    agree = ours["customers"] == theirs["customers"] and abs(ours["spend"] - theirs["spend"]) < 1e-3 * ours["spend"]
    agree = agree and all(abs(ours["roi"][k] - theirs["roi"][k]) < 1e-6 for k in theirs["roi"])
    print(f"{'contender':<34}{'first run':>12}{'median run':>12}{'peak MB':>10}")
    print(f"{'segdash (DuckDB via Ibis)':<34}{ours['cold'] * 1000:>10.0f}ms{ours['warm'] * 1000:>10.0f}ms"
          f"{ours['peak_mb']:>10.0f}")
    print(f"{'pandas groupby (data in memory)':<34}{theirs['cold'] * 1000:>10.0f}ms{theirs['warm'] * 1000:>10.0f}ms"
          f"{theirs['peak_mb']:>10.0f}")
    print(f"ratio pandas / segdash (median): {theirs['warm'] / ours['warm']:.2f}x")
    print(f"segdash Plotly figures (3 charts from the aggregates): {ours['charts'] * 1000:.0f} ms median "
          f"({ours['charts_cold'] * 1000:.0f} ms first)")
    print(f"same customers, spend and ROI per segment in both: {'yes' if agree else 'NO'}")
    verdict = "PASS" if ours["warm"] < TARGET_SECONDS else "FAIL"
    print(f"target: page figures under {TARGET_SECONDS * 1000:.0f} ms for {args.rows:,} customers: {verdict}")


if __name__ == "__main__":
    main()
