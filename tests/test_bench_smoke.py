"""Smoke runs of every benchmark script in ``bench/`` on tiny data (issue 16).

The benchmarks are not part of the suite (they generate a million customers and take minutes), so a
change that broke one went unnoticed: three did in one session. Here each script runs as the lead
runs it (a subprocess, its own command line), only on 300-2,000 customers written to a temporary
folder (``SEGDASH_BENCH_DATA``: never ``bench/data``), and must exit with status 0 and print the
lines that carry its comparison (the ratio of segdash to the alternative). Timings are not checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
ROWS = "2000"

#: script -> (arguments, patterns its output must hold). ``{data}`` is the temporary data folder.
RUNS: dict[str, tuple[list[str], list[str]]] = {
    "compare_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"pandas / segdash: cold [\d.]+x"]),
    "engines_bench.py": (["--sizes", "1000,2000", "--engines", "duckdb,pulled"],
                         [r"2,000 +duckdb +kmeans", r"2,000 +pulled +kmeans", r"duckdb +rfm: x[\d.]+",
                          r"pulled +kmeans: x[\d.]+"]),
    "import_bench.py": (["--rows", ROWS, "--repeat", "1", "--whole-repeat", "1"],
                        [r"target time <= 2x bare DuckDB: \w+ \([\d.]+x\)",
                         r"python -m segdash import +median",
                         r"target whole process <= 2x a bare duckdb process: \w+ \([\d.]+x\)"]),
    "first_loads.py": (["--sessions", "2", "--rounds", "1", "--timeout", "120"],
                       [r"segdash +1 +[\d.]+s +[\d.]+s", r"bare Streamlit +1 +[\d.]+s",
                        r"median slowest first load: segdash [\d.]+ s, bare Streamlit [\d.]+ s, ratio [\d.]+x",
                        r"segdash: browsers' CPU [\d.]+ s per first load; 2 at once need at least [\d.]+ s"]),
    "load_test.py": (["--sessions", "2", "--rows", "300", "--timeout", "120", "--browser-nice", "idle"],
                     [r"sessions failed: 0", r"no-leak check: passed", r"slowest click overall: [\d.]+ s",
                      r"the server's share of the slowest: [\d.]+ s",
                      r"if each browser had a computer of its own .*: median click [\d.]+ s, slowest [\d.]+ s",
                      r"cluster \(automatic k\) +2( +[\d.]+){6}",
                      r"open Over time +2( +[\d.]+){6}",  # a run that ends in st.stop() is logged too
                      r"model worker processes \(SEGDASH_RUN_WORKERS=\(default\)\): [1-9]\d* processes"]),
    "concurrent_runs.py": (["--sessions", "2", "--rows", "300", "--rounds", "1"],
                           [r"in the server's process +[\d.]+ +[\d.]+ +[\d.]+", r"worker processes +[\d.]+ +[\d.]+ +[\d.]+",
                            r"ratio \(server's process / workers\): median [\d.]+x, slowest [\d.]+x",
                            r"same k for every session and round both ways: True"]),
    "notebook_kmeans.py": (["{data}/customers_2000.csv", "--k", "2-3"], [r"k = \d \(silhouette [-\d.]+\)"]),
    "playbook_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"ratio pandas / segdash \(median run\): [\d.]+x"]),
    "profile_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"profile \(sizes, traits, names, tests\)( +[\d.]+){7} +(True|False)",
                                                            r"peak memory: segdash [\d,]+ MB, pandas"]),
    "report_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"ratio full-data / segdash: time [\d.]+x"]),
    "roi_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"ratio pandas / segdash \(median\): [\d.]+x"]),
    "roles_unseen.py": (["{data}/unseen"], [r"overall +\d+/\d+ = [\d.]+%  goal >= 90%: \w+"]),
    "session_cpu.py": (["--rows", "300", "--sessions", "1"],
                       [r"whole flow +\d+", r"of which naming \(profile_base\) +\d+",
                        r"clustering, automatic k \(stability only for the k the rule needs\) +\d+ ms CPU"]),
    "segment_bench.py": (["--rows", ROWS, "--repeat", "1", "--whole-repeat", "1", "--notebook-k", "2-5"],
                         [r"speed: segdash [\d.]+ s vs notebook [\d.]+ s -> [\d.]+x faster",
                          r"final assignment at k = 5", r"kmeans\+3 +[\d.]+ / [\d.]+",
                          r"target segdash >= 5x faster than the notebook, whole processes: \w+ \([\d.]+x\)"]),
    "segment_rules_bench.py": (["--rows", ROWS], [r"ratio pandas / segdash: [\d.]+x"]),
    "store_bench.py": (["--rows", ROWS, "--repeat", "1"], [r"[\d.]+s +[\d.]+s +[\d.]+x"]),
    "survey_bench.py": (["--rows", ROWS], [r"ratio pandas / segdash: [\d.]+x"]),
    "wide_bench.py": (["--columns", "120", "--rows", "20", "--alternative-columns", "60"],
                      [r"per column / long form at 60 columns: [\d.]+x"]),
}


def test_every_bench_script_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - {"common.py"}
    assert scripts == set(RUNS)


@pytest.fixture(scope="module")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary data folder, with the file the notebook script reads and a folder of unseen files."""
    folder = tmp_path_factory.mktemp("bench-data")
    make = "import sys; sys.path.insert(0, 'bench'); from common import ensure_customers_csv; ensure_customers_csv(int(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", make, ROWS], cwd=REPO, env={**os.environ, "SEGDASH_BENCH_DATA": str(folder)},
                   check=True, timeout=120)
    unseen = folder / "unseen"
    unseen.mkdir()
    (unseen / "shop.csv").write_text("client,e_mail,AdSpend,channel\n1,a@b.com,3.5,Email\n2,c@d.org,4,Social\n"
                                     "3,e@f.net,2.25,Email\n")
    (unseen / "expected.json").write_text(json.dumps({"shop.csv": {
        "client": "id", "e_mail": "pii", "AdSpend": "acquisition_cost", "channel": "acquisition_channel"}}))
    return folder


@pytest.fixture(scope="module")
def bench_runs(bench_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every script run once, two at a time (each is mostly one process waiting on another)."""
    home = tmp_path_factory.mktemp("bench-home")
    # as the lead runs them: the default settings (conftest turns the model workers off for this process only)
    env = {**{k: v for k, v in os.environ.items() if k != "SEGDASH_RUN_WORKERS"},
           "SEGDASH_BENCH_DATA": str(bench_data), "SEGDASH_HOME": str(home), "PYTHONPATH": str(REPO)}

    def run(script: str) -> subprocess.CompletedProcess[str]:
        arguments = [a.format(data=bench_data) for a in RUNS[script][0]]
        return subprocess.run([sys.executable, str(BENCH / script), *arguments], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600, check=False)

    # the slowest first, so the two lanes end together
    order = sorted(RUNS, key=lambda s: (s not in ("load_test.py", "segment_bench.py", "import_bench.py"), s))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(order, pool.map(run, order), strict=True))


@pytest.mark.parametrize("script", sorted(RUNS))
def test_bench_script_runs_on_tiny_data(script: str, bench_runs: dict[str, subprocess.CompletedProcess[str]],
                                        bench_data: Path) -> None:
    done = bench_runs[script]
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "failed" not in done.stdout.replace("sessions failed: 0", ""), done.stdout[-2000:]
    for pattern in RUNS[script][1]:
        assert re.search(pattern, done.stdout), f"{script}: no line matching {pattern!r} in:\n{done.stdout[-3000:]}"
    assert not any(bench_data.glob("*.tmp*")), "a generated file was left half-written"
