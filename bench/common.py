"""Helpers shared by the benchmarks (and tests): generated data, peak memory, isolated runs.

Usage from a bench script (``bench/x_bench.py``)::

    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import ensure_customers_csv, generate_customers, run_in_subprocess

    path = ensure_customers_csv(1_000_000)        # bench/data/customers_1000000.csv, made once
    df, truth = generate_customers(10_000, seed=0)  # in memory, with the planted true segments

    result = run_in_subprocess(my_contender, str(path))   # my_contender: a module-level function
    print(result.value, result.seconds, result.peak_rss_mb)

``run_in_subprocess`` starts a fresh Python process (``multiprocessing`` "spawn") per call, so the
peak resident memory it reports belongs to that contender alone, not to whatever ran before it.
Because of "spawn", the bench script must keep its top-level work under
``if __name__ == "__main__":`` and the contender must be a module-level function.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import queue as queue_module
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "sample_data" / "generate.py"
#: Generated data, written once. ``SEGDASH_BENCH_DATA`` puts it elsewhere (the smoke tests use a
#: temporary folder, so they never write big files or touch ``bench/data``).
DATA_DIR = Path(os.environ.get("SEGDASH_BENCH_DATA") or REPO / "bench" / "data")


@cache
def load_generator() -> ModuleType:
    """Import ``sample_data/generate.py`` by path (``sample_data`` is not a package).

    Returns
    -------
    types.ModuleType
        The generator module (``generate_customers``, ``planted_features``, ``SEGMENTS``,
        ``AS_OF``, ``write_customers``, ``generate_transactions``, ...).
    """
    name = "segdash_sample_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses/pickling look the module up by name
    spec.loader.exec_module(module)
    return module


def generate_customers(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Generate customers in memory; see ``generate_customers`` in ``sample_data/generate.py``.

    Parameters
    ----------
    rows
        Number of customers.
    seed
        Random seed.

    Returns
    -------
    tuple[pandas.DataFrame, numpy.ndarray]
        The customers and each one's true segment (index into ``load_generator().SEGMENTS``).
    """
    return load_generator().generate_customers(rows, seed)


def ensure_customers_csv(rows: int, seed: int = 0) -> Path:
    """Return ``bench/data/customers_{rows}.csv`` (``_s{seed}`` added when seed != 0), writing it once.

    The file is written to a temporary name and renamed, so an interrupted run never leaves a
    half-written file behind that later runs would trust.

    Parameters
    ----------
    rows
        Number of customers.
    seed
        Random seed.

    Returns
    -------
    pathlib.Path
        The CSV file.
    """
    suffix = "" if seed == 0 else f"_s{seed}"
    path = DATA_DIR / f"customers_{rows}{suffix}.csv"
    if not path.exists():
        gen = load_generator()
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{time.time_ns()}")
        df, _ = gen.generate_customers(rows, seed)
        gen.write_customers(df, tmp)
        tmp.replace(path)
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Reads ``VmHWM`` from ``/proc/self/status`` on Linux. ``resource.getrusage(...).ru_maxrss`` is
    the fallback elsewhere: on Linux it is NOT reset by ``exec``, so a freshly spawned child would
    report its parent's peak if the parent was bigger.

    Returns
    -------
    float
        Peak resident set size in MB (1024 * 1024 bytes).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Measured:
    """Outcome of :func:`run_in_subprocess`: the function's return value and its cost."""

    value: Any
    seconds: float
    peak_rss_mb: float


def _child(fn: Callable[..., Any], args: tuple[Any, ...], queue: Any) -> None:
    start = time.perf_counter()
    try:
        value = fn(*args)
        queue.put((True, value, time.perf_counter() - start, peak_rss_mb()))
    except BaseException as err:  # report to the parent instead of dying silently
        queue.put((False, repr(err), time.perf_counter() - start, peak_rss_mb()))


def run_in_subprocess(fn: Callable[..., Any], *args: Any) -> Measured:
    """Run ``fn(*args)`` in a fresh process; return its value, wall time and peak memory.

    Parameters
    ----------
    fn
        A module-level (picklable) function of the bench script; its return value must be
        picklable and small (e.g. a few numbers, or labels as a numpy array).
    *args
        Picklable arguments (pass file paths, not DataFrames).

    Returns
    -------
    Measured
        ``value``, ``seconds`` (time inside ``fn`` only, not process start-up) and
        ``peak_rss_mb`` of the child process (includes the interpreter and imports, ~100-200 MB).

    Raises
    ------
    RuntimeError
        If ``fn`` raised in the child (the message carries its repr) or the child died.
    """
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    try:
        while True:
            try:
                ok, value, seconds, peak = queue.get(timeout=1.0)
                break
            except queue_module.Empty:
                if not proc.is_alive():  # killed (e.g. out of memory) before reporting
                    raise RuntimeError(
                        f"{getattr(fn, '__name__', fn)} died with exit code {proc.exitcode}"
                    ) from None
    finally:
        proc.join()
    if not ok:
        raise RuntimeError(f"{getattr(fn, '__name__', fn)} failed: {value}")
    return Measured(value=value, seconds=seconds, peak_rss_mb=peak)


def time_commands(commands: dict[str, list[str]], *, repeat: int = 3, cwd: Path = REPO,
                  cpu: dict[str, list[float]] | None = None) -> dict[str, list[float]]:
    """Wall seconds of whole processes (interpreter start and imports included), run round-robin.

    Each command runs ``repeat`` times, alternating with the others, so background load on a shared
    machine hits every contender alike; report the median. Output is discarded; a failing command
    raises.

    Parameters
    ----------
    commands
        Name -> argv (e.g. ``[sys.executable, "-m", "segdash", "import", path]``).
    repeat
        Runs per command.
    cwd
        Working directory (the repository, so ``-m segdash`` finds the package).
    cpu
        If given, filled with name -> the CPU seconds (user + system, the process and its threads) of
        each run: less sensitive than wall time to other work on a shared machine.

    Returns
    -------
    dict[str, list[float]]
        Name -> the wall seconds of each run.

    Raises
    ------
    RuntimeError
        If a command exits with a non-zero code (its stderr is in the message).
    """
    import resource
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(cwd)}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(1, repeat)):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, check=False)
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            times[name].append(seconds)
            if cpu is not None:
                cpu.setdefault(name, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times


BARE_DUCKDB = (
    "import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
    "con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[1]])"
)
"""A bare ``duckdb`` process reading a CSV into a table (``python -c BARE_DUCKDB path``)."""
