"""Benchmark of the import: segdash's complete import vs ``pandas.read_csv`` vs DuckDB's bare ``read_csv``.

Usage::

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--repeat 3] [--file PATH]

The customer file is generated once by ``sample_data/generate.py`` (cached as
``bench/data/customers_{rows}.csv``, see ``bench/common.py``). Each contender runs in its own
fresh process, so its peak memory is its own:

* **segdash**: ``segdash.ingest.import_file`` — encoding check over the whole file, delimiter
  sniffing, DuckDB read with rejected-line capture, line numbers, types from every value,
  missing tokens, roles, staging and swap. Its process first imports a tiny table, as the app
  has imported its sample file before any user file (so first-use costs are not counted; see
  ``_warm_up``);
* **pandas**: ``pandas.read_csv(path)`` with its defaults;
* **duckdb**: ``CREATE TABLE t AS SELECT * FROM read_csv(path)`` (auto-detect, sampled types).

Printed per contender: wall seconds (best of ``--repeat``), peak resident memory of the process,
the part of it added by the import (peak minus the resident memory after imports), and ratios.
Targets: segdash within 2x of bare DuckDB, and its added peak memory under 2x the file size.

Then the same comparison **as the user runs it**, whole processes with Python start and imports:
``python -m segdash import FILE`` against a bare ``python -c "import duckdb; ... read_csv(FILE)"``
process, ``--whole-repeat`` runs each (3), round-robin, median (``--whole-only`` skips the in-process part).
Target: at most 2x.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
from common import BARE_DUCKDB, ensure_customers_csv, peak_rss_mb, run_in_subprocess, time_commands  # noqa: E402

import segdash.columns  # noqa: E402 - imported before timing, like the app has it loaded
from segdash import db  # noqa: E402
from segdash.ingest import import_file  # noqa: E402


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def _warm_up() -> None:
    """Load what a running app has loaded before anyone imports a file.

    The app imports the bundled sample file at start-up, so whatever the import loads on first use
    (since issue 16 the import itself uses no Ibis; the app has it loaded for its pages) is loaded
    by then. A tiny table stands in for the sample file.
    """
    con = db.connect()
    con.execute("CREATE TABLE warm AS SELECT 1 AS a, 'x' AS b")
    segdash.columns.suggest_roles(con, table="warm", types={"a": "number", "b": "text"})
    con.close()


def run_segdash(path: str) -> dict:
    """Complete segdash import into a fresh workspace connection (process warmed up like the app)."""
    _warm_up()
    base = _current_rss_mb()
    start = time.perf_counter()
    con = db.connect()
    con.execute("SET enable_progress_bar = false")
    result = import_file(con, path)
    seconds = time.perf_counter() - start
    return {
        "rows": result.rows_loaded,
        "seconds": seconds,
        "base_mb": base,
        "types": {c.name: c.type for c in result.columns},
        "check": result.rows_in_file == result.rows_loaded + result.rows_rejected,
    }


def run_pandas(path: str) -> dict:
    """``pandas.read_csv`` with defaults."""
    base = _current_rss_mb()
    start = time.perf_counter()
    frame = pd.read_csv(path)
    return {"rows": len(frame), "seconds": time.perf_counter() - start, "base_mb": base}


def run_duckdb(path: str) -> dict:
    """DuckDB's own CSV reader, auto-detected, into a table."""
    base = _current_rss_mb()
    start = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [path])
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    return {"rows": rows, "seconds": time.perf_counter() - start, "base_mb": base}


CONTENDERS = {"segdash": run_segdash, "pandas": run_pandas, "duckdb": run_duckdb}


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the best time is kept")
    parser.add_argument("--file", help="benchmark this file instead of the generated one")
    parser.add_argument("--whole-only", action="store_true", help="only the whole-process comparison")
    parser.add_argument("--whole-repeat", type=int, default=3, help="runs of each whole process (median counts)")
    args = parser.parse_args()
    path = Path(args.file) if args.file else ensure_customers_csv(args.rows)
    size_mb = path.stat().st_size / 2**20
    print(f"file: {path} ({size_mb:,.0f} MB), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if not args.whole_only:
        _in_process(path, size_mb, args.repeat)
    _whole_processes(path, args.whole_repeat)
    return 0


def _whole_processes(path: Path, repeat: int) -> None:
    """``python -m segdash import`` against a bare duckdb process, as a user runs them."""
    import statistics

    load = os.getloadavg()[0]
    times = time_commands({
        "duckdb process": [sys.executable, "-c", BARE_DUCKDB, str(path)],
        "python -m segdash import": [sys.executable, "-m", "segdash", "import", str(path)],
    }, repeat=max(1, repeat))
    median = {name: statistics.median(runs) for name, runs in times.items()}
    ratio = median["python -m segdash import"] / median["duckdb process"]
    print(f"\nwhole processes (Python start and imports included), {max(1, repeat)} runs each, round-robin; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after:")
    for name, runs in times.items():
        print(f"  {name:<26} median {median[name]:6.2f} s  ({', '.join(f'{t:.2f}' for t in runs)})")
    print(f"target whole process <= 2x a bare duckdb process: {'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}x)")


def _in_process(path: Path, size_mb: float, repeat: int) -> None:
    """segdash's import, pandas and DuckDB in fresh processes, timed inside (imports not counted)."""
    results: dict[str, dict] = {}
    for _ in range(max(1, repeat)):  # round-robin, so background load hits every contender alike
        for name, fn in CONTENDERS.items():
            measured = run_in_subprocess(fn, str(path))
            value = dict(measured.value, peak_mb=measured.peak_rss_mb)
            if name not in results or value["seconds"] < results[name]["seconds"]:
                results[name] = value
    bare = results["duckdb"]["seconds"]
    print(f"{'contender':<10} {'rows':>10} {'wall s':>8} {'x duckdb':>9} {'peak MB':>8} {'added MB':>9} {'x file':>7}")
    for name, value in results.items():
        added = value["peak_mb"] - value["base_mb"]
        print(
            f"{name:<10} {value['rows']:>10,} {value['seconds']:>8.2f} {value['seconds'] / bare:>9.2f} "
            f"{value['peak_mb']:>8.0f} {added:>9.0f} {added / size_mb:>7.2f}"
        )
    seg = results["segdash"]
    added = seg["peak_mb"] - seg["base_mb"]
    time_ok = seg["seconds"] <= 2 * bare
    memory_ok = added < 2 * size_mb
    print(f"segdash types: {seg['types']}")
    print(f"rows reconcile: {seg['check']}; rows equal to duckdb: {seg['rows'] == results['duckdb']['rows']}")
    print(f"target time <= 2x bare DuckDB: {'met' if time_ok else 'MISSED'} ({seg['seconds'] / bare:.2f}x)")
    print(f"target added peak memory < 2x file: {'met' if memory_ok else 'MISSED'} ({added / size_mb:.2f}x)")


if __name__ == "__main__":
    raise SystemExit(main())
