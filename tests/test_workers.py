"""Worker processes for a served app's model fits (segdash.workers, issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segdash import workers
from segdash.errors import SettingsError
from segdash.segment.cluster import cluster_customers
from segdash.workspace import Workspace
from tests import worker_helpers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def pool() -> Iterator[list[int]]:
    """Two worker processes, started and warm; stopped after the test. Yields their process ids."""
    workers.start(2)
    try:
        yield workers.warm_up()
    finally:
        workers.stop()


def _customers(tmp_path) -> Workspace:
    rng = np.random.default_rng(3)
    n = 600
    group = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "total_spend": np.round(np.array([50.0, 400.0, 1500.0])[group] * rng.uniform(0.8, 1.2, n), 2),
        "orders": np.array([1, 6, 20])[group] + rng.integers(0, 3, n),
        "age": rng.integers(20, 70, n),
    })
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    ws = Workspace()
    ws.load(path, fingerprint=False)
    return ws


def test_the_setting_defaults_to_the_cores_and_explains_a_wrong_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGDASH_RUN_WORKERS", raising=False)
    assert workers.configured(cores=4) == 4
    assert workers.configured(cores=64) == workers.MAX_DEFAULT == 4  # a big host's count in a small container
    assert workers.configured(cores=2) == 2
    assert workers.configured(cores=1) == 0  # one core: nothing to gain from another process
    monkeypatch.setenv("SEGDASH_RUN_WORKERS", "0")
    assert workers.configured(cores=8) == 0
    monkeypatch.setenv("SEGDASH_RUN_WORKERS", " 3 ")
    assert workers.configured(cores=8) == 3
    monkeypatch.setenv("SEGDASH_RUN_WORKERS", "two")
    with pytest.raises(workers.WorkersError, match="SEGDASH_RUN_WORKERS='two' must be a whole number"):
        workers.configured()
    monkeypatch.setenv("SEGDASH_RUN_WORKERS", "²")  # a digit to str.isdigit, not to int()
    with pytest.raises(workers.WorkersError, match="must be a whole number"):
        workers.configured()


def test_without_a_pool_a_call_runs_here() -> None:
    workers.stop()
    assert workers.active() == 0
    assert workers.call(worker_helpers.pid) == os.getpid()


def test_the_pool_runs_in_other_processes_that_never_import_the_app(pool: list[int], monkeypatch) -> None:
    assert len(pool) == 2 and os.getpid() not in pool
    assert workers.active() == 2
    assert workers.call(worker_helpers.pid) not in (os.getpid(), None)  # (one worker may have warmed both)
    # even while __main__ is a page script (as in a Streamlit server), a new pool's processes import no app file
    page = types.ModuleType("__main__")
    page.__file__ = "pages/segments.py"
    monkeypatch.setitem(sys.modules, "__main__", page)
    workers.start(1)
    assert workers.warm_up()
    assert workers.call(worker_helpers.main_module_file) is None
    assert sys.modules["__main__"] is page  # put back after the start


def test_clustering_in_a_worker_gives_exactly_the_in_process_answer(tmp_path, pool: list[int]) -> None:
    ws = _customers(tmp_path)
    types_ = ws.column_types()
    features = ["total_spend", "orders", "age"]
    seen: list[str] = []
    pooled = cluster_customers(ws.data, features=features, types=types_, k="auto", k_range=(2, 6), random_state=0,
                               progress=lambda f, m: seen.append(m))
    workers.stop()
    here = cluster_customers(ws.data, features=features, types=types_, k="auto", k_range=(2, 6), random_state=0)
    assert pooled.k == here.k
    assert pooled.sizes == here.sizes
    assert pooled.scores == here.scores
    assert pooled.chosen_k_reason == here.chosen_k_reason
    assert pooled.stability == here.stability
    assert pooled.model == here.model
    assert "Trying k = 2 to 6 ..." in seen  # one line for the search: a worker sends no progress


def test_an_error_in_a_worker_reaches_the_page_as_the_same_sentence(pool: list[int]) -> None:
    with pytest.raises(SettingsError, match="Choose at least two columns"):
        workers.call(worker_helpers.refuse)


def test_a_worker_that_dies_loses_no_run_and_the_pool_comes_back(pool: list[int]) -> None:
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"
    assert workers.active() == 2
    assert workers.warm_up()  # the replacement pool started
    assert workers.call(worker_helpers.pid) != os.getpid()


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_of_a_server_that_was_killed_end_too(tmp_path) -> None:
    script = (
        "import os, sys\n"
        "from segdash import workers\n"
        "workers.start(2)\n"
        "print(' '.join(map(str, workers.warm_up())), flush=True)\n"
        "os._exit(0)  # as if killed: no shutdown of the pool\n"
    )
    out, err = tmp_path / "pids.txt", tmp_path / "stderr.txt"
    # files, not pipes: workers that outlive the script must not hold it up; stderr apart, as the
    # semaphore tracker may write a warning with a number in it when the script is gone
    with open(out, "w") as sink, open(err, "w") as errors:
        done = subprocess.run([sys.executable, "-c", script], cwd=REPO, stdout=sink, stderr=errors,
                              timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    pids = [int(p) for p in out.read_text().split() if p.isdigit()]
    assert done.returncode == 0 and len(pids) == 2, out.read_text()[-2000:] + err.read_text()[-2000:]
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)  # polling for processes to end, not a timed wait in the app
    assert not any(_alive(p) for p in pids), "a worker outlived its server"
