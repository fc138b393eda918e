"""Server CPU of one session's whole flow (issue 14): milliseconds per page per rerun, and where they go.

One AppTest session loads a generated customer file (as the preloaded file), opens Segments,
clusters with automatic k, then opens Profiles, Acquisition & ROI, Playbook, Survey, Report,
Over time and Data; every page is run twice (its first view, then a rerun such as a widget click
causes). Each run's CPU is the process's CPU time during the run (``time.process_time``: the
script thread, DuckDB's and OpenMP's threads; the session is alone in the process), so other work
on the machine does not count. Then the clustering alone, on the same customers and the page's
default features, timed by CPU, next to the same search with every k's stability refitted (the
rule before issue 14), with the chosen k of each.

The flow runs ``--sessions`` times in the same process (default 2) and the table shows the last
one: on a running server the libraries are imported once, so the first session's imports
(scikit-learn, scipy, Plotly: about a second) are not what each click costs; the first session's
total is printed too. The clustering click is split into the model (``cluster_customers``), the
naming (``profile_base``: the aggregates the names come from) and the rest (the page drawing the
result), and the Profiles page's first view into the full profile's tests (``build_profile``) and
the rest.

    .venv/bin/python bench/session_cpu.py                         # 5,000 customers
    .venv/bin/python bench/session_cpu.py --rows 5000 --profile test-artifacts/session.prof

``--profile`` writes cProfile statistics of every script run of the last session (open with
``python -m pstats``) and prints the 25 functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO  # noqa: E402
from load_test import session_file  # noqa: E402

PART_WORDS = {"model": "the model (cluster_customers)", "naming": "naming (profile_base)",
              "profile": "the full profile's tests (build_profile)"}
PAGES = [("Data", "pages/data.py"), ("Segments", "pages/segments.py"), ("Profiles", "pages/profiles.py"),
         ("Acquisition & ROI", "pages/roi.py"), ("Playbook", "pages/playbook.py"), ("Survey", "pages/survey.py"),
         ("Report & exports", "pages/report.py"), ("Over time", "pages/history.py"), ("Projects", "pages/projects.py")]


class ScriptCpu:
    """Measures the CPU of every AppTest run (and optionally profiles its script thread)."""

    def __init__(self, profile: bool) -> None:
        self.profiler = cProfile.Profile() if profile else None
        self.profiling = False
        self.last = 0.0
        self.parts: dict[str, float] = {}  # CPU seconds of the timed steps during the last run

    def time(self, module: object, name: str, part: str) -> None:
        """Add the CPU of every call of ``module.name`` during a run to ``parts[part]`` (if it exists)."""
        original = getattr(module, name, None)
        if original is None:  # an older checkout, measured for comparison
            return
        probe = self

        def timed(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                probe.parts[part] = probe.parts.get(part, 0.0) + time.process_time() - started

        setattr(module, name, timed)

    def install(self) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        original = LocalScriptRunner._run_script_thread
        probe = self

        def measured(runner: object) -> None:
            probe.parts = {}
            started = time.process_time()
            if probe.profiler is not None and probe.profiling:
                probe.profiler.enable()
            try:
                original(runner)
            finally:
                if probe.profiler is not None and probe.profiling:
                    probe.profiler.disable()
                probe.last = time.process_time() - started

        LocalScriptRunner._run_script_thread = measured


def install_parts(probe: ScriptCpu) -> None:
    """Time the heavy steps of a clustering click and of the Profiles page (see the module docstring)."""
    from segdash import profile
    from segdash.segment import cluster

    probe.time(cluster, "cluster_customers", "model")
    probe.time(profile, "profile_base", "naming")
    probe.time(profile, "build_profile", "profile")


def flow(path: Path, probe: ScriptCpu) -> list[tuple[str, float]]:
    """The session's runs: (what, CPU ms); the steps of the clustering click and the Profiles page as well."""
    from streamlit.testing.v1 import AppTest

    runs: list[tuple[str, float]] = []
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)

    def run(what: str) -> None:
        at.run()
        if at.exception:
            raise SystemExit(f"{what}: {[e.value for e in at.exception]}")
        runs.append((what, probe.last * 1000))
        if what.startswith(("Segments: cluster", "Profiles: first")):
            parts = dict(probe.parts)
            if "profile" in parts:  # build_profile calls profile_base only when nothing was cached
                parts["profile"] -= parts.pop("naming", 0.0)
            for part, seconds in parts.items():
                runs.append((f"   of which {PART_WORDS[part]}", seconds * 1000))
            rest = probe.last - sum(parts.values())
            runs.append(("   of which the rest (the page)", rest * 1000))

    run("Data: first view (imports the file)")
    run("Data: rerun")
    at.switch_page("pages/segments.py")
    run("Segments: first view")
    run("Segments: rerun")
    at.button(key="segdash.segments.cluster_run").click()
    run("Segments: cluster with automatic k (the whole run)")
    run("Segments: rerun after clustering")
    for title, page in PAGES[2:] + PAGES[:1]:
        at.switch_page(page)
        run(f"{title}: first view")
        run(f"{title}: rerun")
    return runs


def clustering_only(path: Path) -> list[tuple[str, float, int]]:
    """CPU of clustering the customers with the page's defaults: lazy stability (now) and every k's (before)."""
    from segdash.act.multivalue import flag_choices
    from segdash.segment import cluster as cluster_module
    from segdash.segment import cluster_feature_choice
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path, fingerprint=False)
    types = ws.column_types()
    offered = [*ws.modelling_columns(),
               *(f for flags in flag_choices(ws.data, roles=ws.roles, types=types).values() for f in flags)]
    choice, _ = cluster_feature_choice(ws.data, roles=ws.roles, types=types)
    features = [c for c in choice if c in offered]

    def once() -> tuple[float, int]:
        started = time.process_time()
        seg = cluster_module.cluster_customers(ws.staged_data, features=features, types=types, k="auto",
                                               random_state=0)
        return (time.process_time() - started) * 1000, seg.k

    results = []
    once()  # imports and first-call costs out of the way
    results.append(("clustering, automatic k (stability only for the k the rule needs)", *once()))
    original = cluster_module._choose_k

    def every_k(scores: dict, ks: list[int], *, fixed: bool, stability_of: object = None) -> tuple:
        if stability_of is not None:
            for k in scores:
                scores[k].setdefault("stability", stability_of(k))
        return original(scores, ks, fixed=fixed, stability_of=stability_of)

    cluster_module._choose_k = every_k
    try:
        results.append(("clustering, automatic k, every k's stability (before issue 14)", *once()))
    finally:
        cluster_module._choose_k = original
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=2,
                        help="run the flow this many times in one process and show the last (default 2)")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of the script runs here")
    args = parser.parse_args()

    path = session_file(0, args.rows)
    home = tempfile.mkdtemp(prefix="segdash-cpu-home-")
    os.environ.update({"SEGDASH_SAMPLE": str(path), "SEGDASH_HOME": home})
    os.chdir(REPO)
    probe = ScriptCpu(profile=args.profile is not None)
    probe.install()
    install_parts(probe)
    totals = []
    for session in range(max(1, args.sessions)):
        probe.profiling = session == max(1, args.sessions) - 1
        runs = flow(path, probe)
        totals.append(sum(ms for what, ms in runs if not what.startswith(" ")))
    print(f"segdash session CPU: {args.rows:,} customers ({path.name}), CPU per run (process_time), "
          f"session {len(totals)} of {len(totals)} in one process")
    print(f"{'run':<58}{'CPU ms':>9}")
    for what, ms in runs:
        print(f"{what:<58}{ms:>9.0f}")
    print(f"{'whole flow':<58}{totals[-1]:>9.0f}")
    if len(totals) > 1:
        print(f"{'whole flow of the first session (imports included)':<58}{totals[0]:>9.0f}")
    print()
    for what, ms, k in clustering_only(path):
        print(f"{what:<74}{ms:>7.0f} ms CPU, k = {k}")
    if args.profile is not None:
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        probe.profiler.dump_stats(str(args.profile))
        print()
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
