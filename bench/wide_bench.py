"""Benchmark of wide files: import + column profile of a 5,000-column x 20-row CSV (issue 16).

Usage::

    .venv/bin/python bench/wide_bench.py [--columns 5000] [--rows 20] [--alternative-columns 400]

Contenders, each in a fresh process (whole import + the Data page's column profile):

* **long form** (segdash): per-column facts from one query over the table unpivoted to
  (column, value) rows, typing in one rewrite;
* **per column** (the obvious way, and segdash before issue 16): one aggregate per column in one
  wide query, one ``ALTER TABLE`` per column. It grows faster than linearly with the width (it
  took over 90 s, or ran out of memory, at 5,000 columns), so it runs on ``--alternative-columns``
  columns and the long form runs on both widths for the ratio.

Target: 5,000 x 20 imports in under 10 s. CPU time is printed next to wall time: on a shared
machine the wall time mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import DATA_DIR, run_in_subprocess  # noqa: E402

DATA = DATA_DIR


def make_file(columns: int, rows: int) -> Path:
    """A CSV of ``rows`` customers with numbers, decimals, categories and dates in turn (made once)."""
    path = DATA / f"wide_{columns}x{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id"] + [f"col_{i}" for i in range(1, columns)])
        for r in range(rows):
            row: list[object] = [r + 1]
            for i in range(1, columns):
                kind = i % 4
                row.append((r * i) % 100 if kind == 0 else round((r + 1) * i / 7, 2) if kind == 1
                           else "abc"[(r + i) % 3] if kind == 2 else f"2024-01-{1 + (r + i) % 27:02d}")
            writer.writerow(row)
    return path


def import_and_profile(path: str, wide_from: int | None) -> dict[str, float]:
    """Import ``path`` and profile its columns; ``wide_from=None`` keeps segdash's own threshold."""
    from segdash import columns, db
    from segdash.ingest import coerce, import_file

    if wide_from is not None:
        coerce.WIDE_COLUMNS = columns.WIDE_COLUMNS = wide_from
    con = db.connect()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = import_file(con, path)
    imported, cpu_imported = time.perf_counter(), time.process_time()
    columns.profile_columns(con, types={c.name: c.type for c in result.columns},
                            roles={c.name: c.role for c in result.columns})
    return {"import": imported - started, "profile": time.perf_counter() - imported,
            "import_cpu": cpu_imported - cpu_started, "profile_cpu": time.process_time() - cpu_imported}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--alternative-columns", type=int, default=400)
    args = parser.parse_args()
    big = make_file(args.columns, args.rows)
    small = make_file(args.alternative_columns, args.rows)
    long_big = run_in_subprocess(import_and_profile, str(big), None)
    print(f"{args.columns:,} x {args.rows} long form: import {long_big.value['import']:.2f} s "
          f"(CPU {long_big.value['import_cpu']:.2f} s), profile {long_big.value['profile']:.2f} s "
          f"(CPU {long_big.value['profile_cpu']:.2f} s); process {long_big.seconds:.2f} s, "
          f"peak {long_big.peak_rss_mb:.0f} MB", flush=True)
    runs = {}
    for name, wide_from in (("long form", None), ("per column", 10**9)):
        run = runs[name] = run_in_subprocess(import_and_profile, str(small), wide_from)
        print(f"{args.alternative_columns:,} x {args.rows} {name}: import {run.value['import']:.2f} s "
              f"(CPU {run.value['import_cpu']:.2f} s), profile {run.value['profile']:.2f} s "
              f"(CPU {run.value['profile_cpu']:.2f} s); peak {run.peak_rss_mb:.0f} MB", flush=True)

    def wall(run: object) -> float:
        return run.value["import"] + run.value["profile"]  # type: ignore[attr-defined]

    ratio = wall(runs["per column"]) / wall(runs["long form"])
    print(f"per column / long form at {args.alternative_columns:,} columns: {ratio:.1f}x")

if __name__ == "__main__":
    main()
