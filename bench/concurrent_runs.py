"""Ten people click "Find segments" in the same second: the server's side alone (issue 14). Not a unit test.

One process holds ten sessions' workspaces (distinct generated files of ``--rows`` customers, as a
server does), then ten threads start the clustering run the Segments page starts (automatic k,
the page's default features, naming from traits) at the same instant, each through the server's
run queue (``SEGDASH_HEAVY_RUNS`` slots). Per run: the seconds from the click to the named
segments. No browser, no web server: what the server itself makes people wait for.

It runs the same clicks twice in one process, side by side: the k search in the server's own
process (``SEGDASH_RUN_WORKERS=0``, the obvious way) and in worker processes (:mod:`segdash.workers`,
what a served app does by default), ``--rounds`` times each (alternating), and prints the median
and slowest wait of each way, their ratio, and the server process's CPU per run.

    .venv/bin/python bench/concurrent_runs.py                 # 10 sessions x 5,000 customers, 3 rounds
    .venv/bin/python bench/concurrent_runs.py --sessions 10 --rows 100000 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from load_test import session_file  # noqa: E402


def sessions(count: int, rows: int) -> list[tuple[object, list[str], dict[str, str]]]:
    """``count`` workspaces, each with its own file loaded, and the page's default clustering features."""
    from segdash.act.multivalue import flag_choices
    from segdash.segment import cluster_feature_choice
    from segdash.workspace import Workspace

    loaded = []
    for index in range(count):
        ws = Workspace()
        ws.load(session_file(index, rows), fingerprint=False)
        types = ws.column_types()
        offered = [*ws.modelling_columns(),
                   *(f for flags in flag_choices(ws.data, roles=ws.roles, types=types).values() for f in flags)]
        choice, _ = cluster_feature_choice(ws.data, roles=ws.roles, types=types)
        loaded.append((ws, [c for c in choice if c in offered], types))
    return loaded


def click_all(loaded: list, *, seed: int) -> tuple[list[float], float, list[int]]:
    """Every session clicks at once; returns each one's wait (s), the process CPU (s) and the k's."""
    from segdash import limits
    from segdash.segment import run_segmentation
    from segdash.segment.cluster import cluster_customers

    gate = threading.Barrier(len(loaded) + 1)
    waits: list[float] = [0.0] * len(loaded)
    ks: list[int] = [0] * len(loaded)

    def one(index: int) -> None:
        ws, features, types = loaded[index]
        gate.wait()
        started = time.perf_counter()
        with limits.run_queue().slot():
            seg = run_segmentation(ws, lambda progress: cluster_customers(
                ws.data, features=features, types=types, k="auto", k_range=(2, 10), random_state=seed,
                progress=progress), named=True)
        waits[index] = time.perf_counter() - started
        ks[index] = seg.k

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(loaded))]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    gate.wait()
    for thread in threads:
        thread.join()
    return waits, time.process_time() - cpu, ks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from segdash import limits, workers

    loaded = sessions(args.sessions, args.rows)
    size = workers.configured() or 2
    print(f"{args.sessions} sessions x {args.rows:,} customers click 'Find segments' at once; {os.cpu_count()} cores, "
          f"{limits.heavy_runs()} run slots (SEGDASH_HEAVY_RUNS), load average {os.getloadavg()[0]:.1f}")
    results: dict[str, list[tuple[list[float], float]]] = {"in the server's process": [], "worker processes": []}
    answers: dict[str, list[list[int]]] = {name: [] for name in results}
    click_all(loaded, seed=0)  # warm: imports, caches of the data (what a running server has)
    workers.start(size)
    workers.warm_up()
    for round_ in range(args.rounds):
        for name in results:
            workers.start(size if name == "worker processes" else 0)
            if name == "worker processes":
                workers.warm_up()
            waits, cpu, ks = click_all(loaded, seed=round_)
            results[name].append((waits, cpu))
            answers[name].append(ks)
    workers.stop()
    print(f"{'the k search runs':<26}{'median wait s':>15}{'slowest wait s':>16}{'server CPU per run s':>22}")
    summary = {}
    for name, rounds in results.items():
        waits = [w for ws_, _ in rounds for w in ws_]
        slowest = statistics.median(max(ws_) for ws_, _ in rounds)
        cpu = statistics.median(c for _, c in rounds) / args.sessions
        summary[name] = (statistics.median(waits), slowest)
        print(f"{name:<26}{statistics.median(waits):>15.2f}{slowest:>16.2f}{cpu:>22.3f}")
    local, pooled = summary["in the server's process"], summary["worker processes"]
    print(f"ratio (server's process / workers): median {local[0] / pooled[0]:.2f}x, slowest {local[1] / pooled[1]:.2f}x "
          f"(slowest: the median over {args.rounds} rounds of each round's slowest)")
    same = answers["in the server's process"] == answers["worker processes"]
    print(f"same k for every session and round both ways: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
