"""Benchmark: the whole meeting report for 1,000,000 customers, 8 segments and 20 charts.

Measures, after the customers are loaded and labelled (not timed; the import has its own bench):

* **segdash**: ``meeting.workspace_sections`` (profile: sizes, traits, names, tests; economics;
  box-plot samples and the customer map) + ``render_html`` + writing the file. Charts get
  aggregates or samples. Targets: under 10 s, file under 10 MB.
* **plotly with full data**: the obvious alternative: the same 20 charts made with
  ``plotly.express`` straight from the 1M-row DataFrame already in memory (box plots and the
  scatter map over every customer, bars from ``groupby``), each written with
  ``fig.to_html(include_plotlyjs=...)`` (the JavaScript once) into one file.

Each contender runs in its own process (``bench/common.run_in_subprocess``). Eight segments (younger/older
x spend quartile) are assigned by the same DuckDB expression in both.

Usage::

    python bench/report_bench.py [--rows 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv, peak_rss_mb, run_in_subprocess  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_MB = 10.0
SEGMENTS = 8
# Our constants only: no user text in this SQL.
#: Eight segments that really differ: younger/older x spend quartile.
_SEGMENT_EXPR = ("CASE WHEN age < 40 THEN 'Younger' ELSE 'Older' END || ' spend Q' "
                 "|| CAST(NTILE(4) OVER (ORDER BY total_spend, customer_id) AS VARCHAR)")
_LABEL_SQL = f"SELECT _row, {_SEGMENT_EXPR} AS segment FROM customers"
_NUMBERS = ["age", "income", "orders", "total_spend", "acquisition_cost"]


def segdash_contender(path: str, repeat: int) -> dict[str, float]:
    """Load and label (not timed), then time the report from scratch ``repeat`` times."""
    from segdash import db
    from segdash.data import Data
    from segdash.report import meeting
    from segdash.schema import Segmentation
    from segdash.segment.base import write_labels
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    labels = db.fetch_df(ws.con, _LABEL_SQL)
    sizes = write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    del labels
    ws.set_segmentation(Segmentation(method="dimensions", settings={"rule": "age band x spend quartile"},
                                     sizes=sizes, k=len(sizes)))
    from segdash import profile as prof
    from segdash.segment import PROFILE_CACHE_KEY

    runs, cpu, steps = [], [], []
    charts = size = 0
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        for _ in range(repeat):
            ws.memo.clear()  # nothing memoised: the profile, economics and samples are all recomputed
            start, start_cpu = time.perf_counter(), time.process_time()
            ws.cached(PROFILE_CACHE_KEY, lambda: prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types()))
            profiled = time.perf_counter()
            sections = meeting.workspace_sections(ws)
            built = time.perf_counter()
            meeting.write_report(meeting.render_html(sections, title="Bench"), out=out)
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            steps.append((profiled - start, built - profiled, time.perf_counter() - built))
            charts = sum(s.charts for s in sections)
            size = out.stat().st_size
    return {"first": runs[0], "median": statistics.median(runs), "cpu": statistics.median(cpu),
            "steps": steps[-1], "charts": charts, "mb": size / 1e6,
            "customers": sum(sizes.values()), "peak_mb": peak_rss_mb()}


def plotly_contender(path: str, repeat: int) -> dict[str, float]:
    """The obvious way: plotly express over the full DataFrame, ``to_html`` per figure."""
    import duckdb
    import pandas as pd
    import plotly.express as px

    frame = pd.read_csv(path, usecols=["customer_id", *_NUMBERS, "acquisition_channel"])
    con = duckdb.connect()
    con.register("customers_frame", frame[["customer_id", "age", "total_spend"]].reset_index())
    frame["segment"] = con.execute(
        f"SELECT {_SEGMENT_EXPR} AS segment FROM customers_frame ORDER BY index").df().iloc[:, 0].to_numpy()
    con.close()
    runs, cpu = [], []
    charts = size = 0
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            figures = []
            counts = frame["segment"].value_counts().reset_index()
            figures.append(px.bar(counts, x="count", y="segment", orientation="h"))
            means = frame.groupby("segment")[_NUMBERS].mean()
            overall = frame[_NUMBERS].mean()
            for segment in sorted(frame["segment"].unique()):  # one small chart per segment
                diff = ((means.loc[segment] - overall) / frame[_NUMBERS].std()).reset_index()
                diff.columns = ["attribute", "difference"]
                figures.append(px.bar(diff, x="difference", y="attribute", orientation="h"))
            figures.append(px.imshow(((means - overall) / frame[_NUMBERS].std()).T))
            for column in ["age", "income", "orders", "total_spend", "acquisition_cost", "age"]:  # 6 box plots
                figures.append(px.box(frame, x=column, y="segment", orientation="h"))
            figures.append(px.scatter(frame, x="income", y="total_spend", color="segment"))  # every customer
            grouped = frame.groupby("segment").agg(spend=("acquisition_cost", "sum"),
                                                   revenue=("total_spend", "sum"),
                                                   customers=("customer_id", "size")).reset_index()
            grouped["roi"] = (0.4 * grouped["revenue"] - grouped["spend"]) / grouped["spend"]
            grouped["cac"] = grouped["spend"] / grouped["customers"]
            figures.append(px.bar(grouped, x="roi", y="segment", orientation="h"))
            figures.append(px.scatter(grouped, x="cac", y="revenue", size="customers", color="segment"))
            cells = frame.groupby(["segment", "acquisition_channel"])["total_spend"].sum().unstack()
            figures.append(px.imshow(cells))
            parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)]
            out.write_text("<html><body>" + "".join(parts) + "</body></html>", encoding="utf-8")
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            charts = len(figures)
            size = out.stat().st_size
    return {"first": runs[0], "median": statistics.median(runs), "cpu": statistics.median(cpu),
            "charts": charts, "mb": size / 1e6,
            "customers": len(frame), "peak_mb": peak_rss_mb()}


def main() -> None:
    """Run both contenders and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    path = ensure_customers_csv(args.rows)
    print(f"data: {path} ({args.rows:,} customers, {SEGMENTS} segments: younger/older x spend quartile)")
    ours = run_in_subprocess(segdash_contender, str(path), args.repeat).value
    theirs = run_in_subprocess(plotly_contender, str(path), args.repeat).value
    print(f"{'contender':<40}{'charts':>8}{'first':>10}{'median':>10}{'CPU':>10}{'file MB':>10}{'peak MB':>10}")
    for label, row in (("segdash report (aggregates, samples)", ours), ("plotly express, full data", theirs)):
        print(f"{label:<40}{row['charts']:>8}{row['first']:>9.2f}s{row['median']:>9.2f}s{row['cpu']:>9.2f}s"
              f"{row['mb']:>10.1f}{row['peak_mb']:>10.0f}")
    profile_s, sections_s, render_s = ours["steps"]
    print(f"segdash steps (last run): profile {profile_s:.2f} s, economics + samples + figures {sections_s:.2f} s, "
          f"HTML + write {render_s:.2f} s")
    print(f"ratio full-data / segdash: time {theirs['median'] / ours['median']:.1f}x, "
          f"CPU {theirs['cpu'] / ours['cpu']:.1f}x, file size {theirs['mb'] / ours['mb']:.1f}x")
    print(f"machine load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall times on a busy machine overstate; CPU is the process's own time, all threads)")
    ok = ours["median"] < TARGET_SECONDS and ours["mb"] < TARGET_MB and ours["charts"] >= 20
    print(f"target: {ours['charts']} charts (>= 20) for {ours['customers']:,} customers in under "
          f"{TARGET_SECONDS:.0f} s, file under {TARGET_MB:.0f} MB: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
