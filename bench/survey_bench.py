"""Benchmark: drawing a survey sample per segment, segdash (DuckDB, seeded MD5 order) vs. pandas.

Usage::

    .venv/bin/python bench/survey_bench.py [--rows 1000000]

Data: ``bench/data/customers_{rows}.csv`` from ``sample_data/generate.py`` (made once), segmented
by country (untimed). Each contender runs in its own fresh process (peak memory is its own).
Timed: the sample at 95% / ±5% / 30% response with 20% backups per segment, leaving out
customers without an email, then the contact list (email looked up for the sampled customers).

* segdash: :func:`segdash.survey.sample.draw_sample` (eligibility, counts and the seeded order in
  DuckDB; only the chosen rows reach Python) + :func:`sample_contacts`.
* pandas: the obvious way: ``read_csv`` (untimed), drop rows without email, shuffle with a seeded
  ``numpy`` permutation, ``groupby().cumcount()`` to take the first invitations + backups per segment.

Target: a sample of 1,000,000 customers in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv, peak_rss_mb, run_in_subprocess  # noqa: E402


def segdash_sample(path: str) -> tuple[float, float, dict[str, int]]:
    """Import and segment (untimed), then draw the sample and look up the contact column."""
    from segdash.segment.rules import segment_by_dimensions
    from segdash.survey.sample import draw_sample, sample_contacts
    from segdash.survey.sizes import SampleSettings
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["country"], types=ws.column_types()))
    start, cpu = time.perf_counter(), time.process_time()
    sample = draw_sample(ws.data, key_column="customer_id", settings=SampleSettings(), contact_column="email")
    contacts = sample_contacts(ws.data, sample, columns=["email"])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert contacts["email"].notna().all()
    return seconds, peak_rss_mb(), sample.frame.groupby("segment").size().to_dict(), cpu


def pandas_sample(path: str) -> tuple[float, float, dict[str, int]]:
    """read_csv (untimed), then the same sample with a seeded permutation and groupby().cumcount()."""
    import numpy as np
    import pandas as pd

    from segdash.survey.sizes import SampleSettings, sample_plan

    df = pd.read_csv(path, usecols=["customer_id", "email", "country"], dtype=str)
    start, cpu = time.perf_counter(), time.process_time()
    populations = df["country"].value_counts().to_dict()
    eligible_rows = df[df["email"].notna() & (df["email"].str.strip() != "")]
    plan = sample_plan(populations, settings=SampleSettings(),
                       eligible=eligible_rows["country"].value_counts().to_dict()).set_index("segment")
    shuffled = eligible_rows.iloc[np.random.default_rng(0).permutation(len(eligible_rows))]
    place = shuffled.groupby("country").cumcount()
    take = shuffled["country"].map(plan["invites"] + plan["backups"])
    chosen = shuffled[place < take]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, peak_rss_mb(), chosen.groupby("country").size().to_dict(), cpu


def main(argv: list[str] | None = None) -> int:
    """Run both contenders and print times, peak memory and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    path = str(ensure_customers_csv(args.rows))
    print(f"{args.rows:,} customers: {path}")
    mine = run_in_subprocess(segdash_sample, path).value
    other = run_in_subprocess(pandas_sample, path).value
    print("survey sample per country (95%, ±5%, 30% response, 20% backups, email required)")
    print(f"  {'segdash (DuckDB via Ibis)':<28} {mine[0]:8.3f} s wall {mine[3]:8.3f} s CPU   peak {mine[1]:8.0f} MB")
    print(f"  {'pandas':<28} {other[0]:8.3f} s wall {other[3]:8.3f} s CPU   peak {other[1]:8.0f} MB")
    print(f"  load average now: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores; wall times grow with it)")
    print(f"  ratio pandas / segdash: {other[0] / mine[0]:.2f}x   sampled: {sum(mine[2].values()):,} vs "
          f"{sum(other[2].values()):,}   same sizes per segment: {'yes' if mine[2] == other[2] else 'NO'}")
    met = mine[0] < 2.0
    print(f"  target < 2 s: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
