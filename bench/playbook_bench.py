"""Benchmark: the playbook (channel mix, tone rules, values) for 1,000,000 customers.

Measures, after the customers are loaded and labelled (not timed):

* **segdash**: ``build_playbook``: service-channel shares with Wilson intervals, preferred channel
  with its lead test, chi-square, the default tone/approach rules with evidence, what each
  segment values (multi-value ``interests`` split), won-through channels, do/don't sentences,
  routing table. Target: under 1 s. Four engine queries in all (two scans for distinct cells,
  the latest signup date, one grouped query over customers JOIN labels).
* **pandas**: the obvious notebook equivalent on a DataFrame already in memory: ``groupby`` +
  ``value_counts`` per column, ``str.contains`` per share rule, ``str.split().explode()`` for
  the interests, statsmodels' Wilson interval, scipy's binomial test.

Segments: five age bands (``Under 30``, ``30-44``, ``45-59``, ``60+``, ``Unknown age``). Each
contender runs in its own process (``bench/common.run_in_subprocess``). Both must agree on every
segment's preferred channel and tone.

Usage::

    python bench/playbook_bench.py [--rows 1000000] [--repeat 5]
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

TARGET_SECONDS = 1.0
# Our constants only: no user text in this SQL.
_BANDS_SQL = ("SELECT _row, CASE WHEN age IS NULL THEN 'Unknown age' WHEN age < 30 THEN 'Under 30' "
              "WHEN age < 45 THEN '30-44' WHEN age < 60 THEN '45-59' ELSE '60+' END AS segment FROM customers")


def _band(age: float) -> str:
    if age != age:  # NaN
        return "Unknown age"
    return "Under 30" if age < 30 else "30-44" if age < 45 else "45-59" if age < 60 else "60+"


def _timed(fn, repeat: int) -> tuple[float, float, float]:  # noqa: ANN001 - bench plumbing
    """First run, median wall time, median CPU time of the process (all threads; robust on a busy machine)."""
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    runs, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return cold, statistics.median(runs), statistics.median(cpus)


def segdash_contender(path: str, repeat: int) -> dict[str, object]:
    """Load with segdash's import, label by age band, then time ``build_playbook`` (not the load)."""
    from segdash import db
    from segdash.act import playbook as pb
    from segdash.data import Data
    from segdash.segment.base import commit_labels, write_labels
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    labels = db.fetch_df(ws.con, _BANDS_SQL)
    write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    commit_labels(Data.duckdb(ws.con))
    del labels
    holder: dict[str, object] = {}

    def playbook() -> None:
        book = pb.build_playbook(Data.duckdb(ws.con), roles=ws.roles, types=ws.column_types())
        pb.routing_table(book)
        holder["book"] = book

    cold, warm, cpu = _timed(playbook, repeat)
    book = holder["book"]
    return {"cold": cold, "warm": warm, "cpu": cpu, "peak_mb": peak_rss_mb(),
            "preferred": {c.segment: c.preference.channel for c in book.cards},
            "tone": {c.segment: c.tone for c in book.cards},
            "customers": sum(c.customers for c in book.cards)}


def pandas_contender(path: str, repeat: int) -> dict[str, object]:
    """The notebook way over a DataFrame in memory (same rules, same tests)."""
    import numpy as np
    import pandas as pd
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    frame = pd.read_csv(path, usecols=["age", "signup_date", "household", "marital_status", "acquisition_channel",
                                       "preferred_service_channel", "interests", "lifestyle", "values"],
                        parse_dates=["signup_date"])
    frame["segment"] = frame["age"].map(_band)
    holder: dict[str, object] = {}
    share_rules = [("values", "convenience", 25, None, "concise/simple"), ("values", "quality", 30, None, "detailed"),
                   ("household", "family", 40, "neutral", "concise/simple"),
                   ("marital_status", "family", 40, "neutral", "concise/simple"),
                   ("lifestyle", "family", 40, "neutral", "concise/simple"),
                   ("lifestyle", "professional", 40, "formal", "detailed")]

    def playbook() -> None:
        grouped = frame.groupby("segment")
        counts = frame.groupby(["segment", "preferred_service_channel"]).size().rename("n").reset_index()
        counts["known"] = counts.groupby("segment")["n"].transform("sum")
        counts["share"] = counts["n"] / counts["known"]
        counts["low"], counts["high"] = proportion_confint(counts["n"], counts["known"], method="wilson")
        overall = counts.groupby("preferred_service_channel")["n"].sum()
        counts["lift"] = counts["share"] / counts["preferred_service_channel"].map(overall / overall.sum())
        stats.chi2_contingency(counts.pivot_table(index="segment", columns="preferred_service_channel",
                                                  values="n", fill_value=0).to_numpy())
        preferred = {}
        for segment, part in counts.sort_values("n", ascending=False).groupby("segment"):
            top, second = part["n"].iloc[0], part["n"].iloc[1] if len(part) > 1 else 0
            p = stats.binomtest(int(top), int(top + second), 0.5, alternative="greater").pvalue
            preferred[segment] = part["preferred_service_channel"].iloc[0] if part["known"].iloc[0] >= 30 and p < 0.05 \
                else None
        # tone rules in order: age >= 55 formal; age < 35 casual; share rules; signup < 365 days
        mean_age = grouped["age"].mean()
        days = (frame["signup_date"].max() - frame["signup_date"]).dt.days
        days.groupby(frame["segment"]).mean()
        shares = {}
        for column, word, _, _, _ in share_rules:
            hit = frame[column].str.lower().str.contains(word, regex=False)
            shares[(column, word)] = hit.groupby(frame["segment"]).sum() / frame[column].notna().groupby(
                frame["segment"]).sum()
        tone = {}
        for segment in mean_age.index:
            chosen = None
            if mean_age[segment] >= 55:
                chosen = "formal"
            elif mean_age[segment] < 35:
                chosen = "casual"
            else:
                for column, word, threshold, suggested, _ in share_rules:
                    if suggested and shares[(column, word)][segment] * 100 >= threshold:
                        chosen = suggested
                        break
            tone[segment] = chosen or "neutral"
        # what they value: shares per value, multi-value interests split
        for column in ("lifestyle", "values", "acquisition_channel"):
            frame.groupby("segment")[column].value_counts(normalize=True)
            frame[column].value_counts(normalize=True)
        interests = frame[["segment", "interests"]].assign(value=frame["interests"].str.split(", ")).explode("value")
        interests.groupby(["segment", "value"]).size() / grouped.size()
        holder.update(preferred=preferred, tone=tone, customers=int(np.int64(len(frame))))

    cold, warm, cpu = _timed(playbook, repeat)
    return {"cold": cold, "warm": warm, "cpu": cpu, "peak_mb": peak_rss_mb(), "preferred": holder["preferred"],
            "tone": holder["tone"], "customers": holder["customers"]}


def main() -> None:
    """Run both contenders and print the comparison."""
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = ensure_customers_csv(args.rows)
    print(f"data: {path} ({args.rows:,} customers, 5 segments by age band); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ours = run_in_subprocess(segdash_contender, str(path), args.repeat).value
    theirs = run_in_subprocess(pandas_contender, str(path), args.repeat).value
    agree = ours["preferred"] == theirs["preferred"] and ours["tone"] == theirs["tone"] \
        and ours["customers"] == theirs["customers"]
    print(f"{'contender':<38}{'first run':>12}{'median run':>12}{'median CPU':>12}{'peak MB':>10}")
    for name, result in (("segdash build_playbook (DuckDB/Ibis)", ours), ("pandas groupby (data in memory)", theirs)):
        print(f"{name:<38}{result['cold'] * 1000:>10.0f}ms{result['warm'] * 1000:>10.0f}ms"
              f"{result['cpu'] * 1000:>10.0f}ms{result['peak_mb']:>10.0f}")
    print(f"ratio pandas / segdash (median run): {theirs['warm'] / ours['warm']:.2f}x; "
          f"(median CPU): {theirs['cpu'] / ours['cpu']:.2f}x")
    print(f"same preferred channel and tone per segment in both: {'yes' if agree else 'NO'}")
    if not agree:
        print(f"  segdash: {ours['preferred']} {ours['tone']}\n  pandas:  {theirs['preferred']} {theirs['tone']}")
    verdict = "PASS" if ours["warm"] < TARGET_SECONDS else "FAIL"
    print(f"target: playbook under {TARGET_SECONDS * 1000:.0f} ms for {args.rows:,} customers: {verdict}")


if __name__ == "__main__":
    main()
