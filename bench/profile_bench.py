"""Benchmark of the Profiles page: DuckDB aggregates (segdash) vs the same figures by pandas groupby.

Usage::

    .venv/bin/python bench/profile_bench.py [--rows 1000000] [--repeat 3]

Both contenders run in their own fresh process (peak memory is theirs alone), on the generated
customer file (``bench/data/customers_{rows}.csv``), with 6 segments (age band x income above or
below the median) and 15 attributes. Timed:

* **profile**: sizes, traits (mean, median, shares, lift, standardised difference), top traits,
  names, the tests across segments and between pairs (what the page computes once per segmentation);
* **page rerun**: changing the attribute of the distribution chart (sample query + box figure).

The pandas contender computes the same figures with ``groupby`` over an in-memory DataFrame and
feeds them to the same downstream code, so the traits of both must agree (checked and printed).
Targets: profile < 1 s, page rerun < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import ensure_customers_csv, run_in_subprocess  # noqa: E402

#: The 15 attributes profiled (no personal data, no ids, no dates).
ATTRIBUTES = [
    "country", "region", "city", "gender", "age", "income", "occupation", "household", "marital_status",
    "orders", "total_spend", "acquisition_channel", "acquisition_cost", "preferred_service_channel", "lifestyle",
]
#: Their roles (the same for both contenders; the import suggests the same ones).
ROLES = {
    "country": "geographic", "region": "geographic", "city": "geographic", "gender": "demographic",
    "age": "demographic", "income": "demographic", "occupation": "demographic", "household": "demographic",
    "marital_status": "demographic", "orders": "behavioral", "total_spend": "revenue",
    "acquisition_channel": "acquisition_channel", "acquisition_cost": "acquisition_cost",
    "preferred_service_channel": "service_channel", "lifestyle": "psychographic",
}
#: Attributes shown in turn by the "page rerun" (distribution chart).
RERUN_ATTRIBUTES = ["age", "income", "orders", "total_spend", "acquisition_cost"]


def _labels(age, income):
    import numpy as np

    band = np.select([age < 35, age < 55], ["young", "middle"], "older")
    level = np.where(income >= np.nanmedian(income), "high", "low")
    return np.char.add(np.char.add(band.astype(str), " "), level.astype(str))


def run_segdash(path: str, repeat: int) -> dict:
    """Load the file with segdash, label 6 segments, then time the profile and page reruns."""
    from segdash import profile as prof
    from segdash.data import Data
    from segdash.report import profile_charts as charts
    from segdash.segment.base import commit_labels, write_labels
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path)
    frame = ws.con.execute("SELECT _row, age, income FROM customers").df()
    write_labels(Data.duckdb(ws.con), frame["_row"].to_numpy(), _labels(frame["age"].to_numpy(float),
                                                           frame["income"].to_numpy(float)))
    commit_labels(Data.duckdb(ws.con))
    roles = dict(ROLES)
    types = ws.column_types()
    attributes = prof.profile_attributes(roles, types)
    assert len(attributes) == len(ATTRIBUTES), [a.name for a in attributes]
    profile_times, profile_cpu = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        profile = prof.build_profile(Data.duckdb(ws.con), roles=roles, types=types)
        profile_times.append(time.perf_counter() - start)
        profile_cpu.append(time.process_time() - cpu)
    sizes = dict(zip(profile.sizes["segment"], profile.sizes["customers"].astype(int), strict=True))
    by_name = {a.name: a for a in attributes}
    rerun_times, rerun_cpu = [], []
    for name in RERUN_ATTRIBUTES * repeat:
        start, cpu = time.perf_counter(), time.process_time()
        sample = prof.distribution_sample(Data.duckdb(ws.con), attribute=by_name[name], sizes=sizes)
        charts.distribution_chart(sample, label=by_name[name].label, order=list(sizes))
        rerun_times.append(time.perf_counter() - start)
        rerun_cpu.append(time.process_time() - cpu)
    return {
        "profile_s": profile_times, "rerun_s": rerun_times, "profile_cpu": profile_cpu, "rerun_cpu": rerun_cpu, "segments": len(sizes), "rows": sum(sizes.values()),
        "traits": profile.traits[["segment", "attribute", "value", "segment_value", "std_diff"]],
        "names": profile.names, "verdict": profile.verdict,
    }


def _groupby_sample(frame, per_segment: int, random_state: int):
    """``per_segment`` random rows of every segment (all rows of a smaller one), the pandas way."""
    smallest = int(frame["segment"].value_counts().min())
    if smallest >= per_segment:
        return frame.groupby("segment", observed=True).sample(n=per_segment, random_state=random_state)
    shuffled = frame.sample(frac=1.0, random_state=random_state)
    return shuffled.groupby("segment", observed=True).head(per_segment)


def _pandas_figures(frame, attributes, top_n: int = 8, per_segment: int = 2000, random_state: int = 0):
    """The profile's inputs (numbers, counts, sample) computed with pandas groupby."""
    import numpy as np
    import pandas as pd

    from segdash import profile as prof

    numeric = [a.name for a in attributes if a.numeric]
    grouped = frame.groupby("segment", observed=True)[numeric]
    stats_frames = []
    for segment_key, source in (("seg", grouped), ("all", None)):
        if source is None:
            values = frame[numeric]
            table = pd.DataFrame({"n": values.count(), "mean": values.mean(), "median": values.median(),
                                  "sd": values.std()}).reset_index(names="attribute")
            table["segment"] = None
            table["missing"] = len(frame) - table["n"]
        else:
            counts = source.count().stack().rename("n")
            table = pd.concat([counts, source.mean().stack().rename("mean"), source.median().stack().rename("median"),
                               source.std().stack().rename("sd")], axis=1).reset_index(names=["segment", "attribute"])
            sizes = frame.groupby("segment", observed=True).size()
            table["missing"] = table["segment"].map(sizes) - table["n"]
        stats_frames.append(table)
        del segment_key
    numbers = pd.concat(stats_frames, ignore_index=True)
    percentiles = {name: frame[name].quantile(np.arange(1, 100) / 100).to_numpy() for name in numeric}
    count_frames = []
    for attribute in attributes:
        if attribute.numeric:
            continue
        values = frame[attribute.name].astype("string")
        top = values.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[:top_n]
        pooled = values.where(values.isin(top) | values.isna(), prof.OTHER)
        counts = pd.DataFrame({"segment": frame["segment"], "value": pooled}).groupby(
            ["segment", "value"], dropna=False, observed=True).size().rename("count").reset_index()
        counts["attribute"] = attribute.name
        count_frames.append(counts)
    counts = pd.concat(count_frames, ignore_index=True)
    counts["value"] = counts["value"].astype(object).where(counts["value"].notna(), None)
    sample = _groupby_sample(frame, per_segment, random_state)
    return numbers, percentiles, counts, sample


def run_pandas(path: str, repeat: int) -> dict:
    """Read the file with pandas, label 6 segments, then time the same figures by groupby."""
    import pandas as pd

    from segdash import profile as prof
    from segdash.report import profile_charts as charts

    frame = pd.read_csv(path, usecols=ATTRIBUTES)
    frame["segment"] = _labels(frame["age"].to_numpy(float), frame["income"].to_numpy(float))
    types = {c: ("number" if pd.api.types.is_numeric_dtype(frame[c]) else "text") for c in ATTRIBUTES}
    attributes = prof.profile_attributes(ROLES, types)
    profile_times, profile_cpu = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        sizes = frame["segment"].value_counts()
        segments = list(sizes.sort_index().sort_values(ascending=False, kind="stable").index)
        numbers, percentiles, counts, sample = _pandas_figures(frame, attributes)
        traits = prof.compute_traits(attributes=attributes, numbers=numbers, counts=counts, segments=segments)
        top = prof.top_traits(traits, percentiles=percentiles)
        names = prof.names_from_traits(top, segments=segments)
        tests = prof.difference_tests(attributes=attributes, sample=sample, counts=counts, segments=segments)
        prof.pairwise_tests(attributes=attributes, sample=sample, counts=counts, segments=segments)
        prof.verdict(tests, segments=len(segments))
        profile_times.append(time.perf_counter() - start)
        profile_cpu.append(time.process_time() - cpu)
    by_name = {a.name: a for a in attributes}
    rerun_times, rerun_cpu = [], []
    for name in RERUN_ATTRIBUTES * repeat:
        start, cpu = time.perf_counter(), time.process_time()
        part = _groupby_sample(frame[["segment", name]], 1000, 0).rename(columns={name: "value"})
        charts.distribution_chart(part.dropna(), label=by_name[name].label, order=segments)
        rerun_times.append(time.perf_counter() - start)
        rerun_cpu.append(time.process_time() - cpu)
    return {"profile_s": profile_times, "rerun_s": rerun_times, "profile_cpu": profile_cpu, "rerun_cpu": rerun_cpu, "segments": len(segments), "rows": len(frame),
            "traits": traits[["segment", "attribute", "value", "segment_value", "std_diff"]], "names": names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import pandas as pd

    path = ensure_customers_csv(args.rows)
    print(f"data: {path} ({args.rows:,} customers), 6 segments, {len(ATTRIBUTES)} attributes")
    ours = run_in_subprocess(run_segdash, str(path), args.repeat)
    theirs = run_in_subprocess(run_pandas, str(path), args.repeat)
    a, b = ours.value, theirs.value
    merged = a["traits"].merge(b["traits"], on=["segment", "attribute", "value"], suffixes=("_duckdb", "_pandas"))
    agree = (merged["segment_value_duckdb"] - merged["segment_value_pandas"]).abs().max()
    print(f"segments: {a['segments']} ({a['rows']:,} rows); traits compared: {len(merged)} of {len(a['traits'])}; "
          f"largest difference duckdb vs pandas: {agree:.2e}; same names: {a['names'] == b['names']}")
    print(f"verdict: {a['verdict']}")
    print(f"names: {a['names']}")
    if a["names"] != b["names"]:
        print(f"pandas names: {b['names']}")
    rows = []
    for label, key, target in (("profile (sizes, traits, names, tests)", "profile_s", 1.0),
                               ("page rerun (distribution sample + figure)", "rerun_s", 0.3)):
        ours_s, theirs_s = statistics.median(a[key]), statistics.median(b[key])
        cpu_key = key.replace("_s", "_cpu")
        rows.append({"step": label, "segdash_s": round(ours_s, 3), "segdash_best_s": round(min(a[key]), 3),
                     "segdash_cpu_s": round(statistics.median(a[cpu_key]), 3),
                     "pandas_s": round(theirs_s, 3), "pandas_cpu_s": round(statistics.median(b[cpu_key]), 3),
                     "ratio_pandas/segdash": round(theirs_s / ours_s, 1), "target_s": target,
                     "met": ours_s < target})
    print(pd.DataFrame(rows).to_string(index=False))
    print("(median of the repeats; *_cpu_s: CPU time of all threads: on a busy shared machine wall time")
    print(" can be several times the CPU time; load average now: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + ")")
    print(f"peak memory: segdash {ours.peak_rss_mb:,.0f} MB, pandas {theirs.peak_rss_mb:,.0f} MB "
          "(whole process, incl. loading the file)")


if __name__ == "__main__":
    main()
