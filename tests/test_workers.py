"""Worker processes for a served app's model fits (segdash.workers, issue 14)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.managers import SyncManager
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


# --- failure paths (issue 14): a real worker dies or a real pool is shut down; only the failure that
# cannot be caused for real in a test (no memory for new processes, a cancelled future) is injected.


@pytest.fixture
def manager() -> Iterator[SyncManager]:
    """A multiprocessing manager: barriers and events that the test and worker processes share."""
    with multiprocessing.get_context("spawn").Manager() as shared:
        yield shared


@pytest.fixture
def light_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two worker processes, started, that skip importing the model code (these tests need processes, not
    models: importing scikit-learn is most of a start on a busy machine); stopped after the test."""
    monkeypatch.setattr(workers, "_warm", worker_helpers.pid)
    workers.start(2)
    try:
        assert workers.warm_up()
        yield
    finally:
        workers.stop()


@pytest.fixture
def no_pool_after() -> Iterator[None]:
    """Whatever a test started, no pool is left for the next test."""
    try:
        yield
    finally:
        workers.stop()


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "segdash.workers" and r.levelno == logging.WARNING
            and text in r.getMessage()]


@pytest.mark.parametrize("failure", [OSError(12, "Cannot allocate memory"), MemoryError()], ids=["oserror", "memory"])
def test_no_new_processes_after_a_worker_died_turns_the_pool_off_and_runs_still_answer(
        light_pool: None, failure: BaseException, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def no_processes(size: int) -> tuple:
        raise failure

    monkeypatch.setattr(workers, "_new_pool", no_processes)
    caplog.set_level(logging.WARNING, logger="segdash.workers")
    # a real worker dies during this run; the replacement pool cannot be made
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"
    assert workers.active() == 0 and workers._POOL is None
    [restart] = _warnings(caplog, "could not be restarted")
    assert restart.exc_info is not None and restart.exc_info[1] is failure
    # the next runs are computed here, with the right answers (die_unless_in would end a worker)
    assert workers.call(worker_helpers.pid) == os.getpid()
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"
    with pytest.raises(SettingsError, match="Choose at least two columns"):
        workers.call(worker_helpers.refuse)


def test_runs_that_saw_the_same_pool_break_replace_it_once(light_pool: None, manager: SyncManager,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    broken = workers._POOL
    made: list[ProcessPoolExecutor] = []
    real_new_pool = workers._new_pool

    def counted_new_pool(size: int) -> tuple:
        new_pool, starting = real_new_pool(size)
        made.append(new_pool)
        return new_pool, starting

    monkeypatch.setattr(workers, "_new_pool", counted_new_pool)
    caplog.set_level(logging.WARNING, logger="segdash.workers")
    # two runs from two sessions, both running in the two workers (a barrier) before the workers die
    both_running = manager.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as sessions:
        runs = [sessions.submit(workers.call, worker_helpers.die_together, both_running, os.getpid())
                for _ in range(2)]
        answers = [run.result(timeout=120) for run in runs]
    assert answers == ["computed in the server's process"] * 2
    assert len(_warnings(caplog, "stopped during a run")) == 2  # both runs saw the pool break
    assert len(made) == 1 and workers._POOL is made[0]  # ... and it was replaced once
    assert workers.active() == 2
    workers._replace(broken)  # a late run that saw the same broken pool: nothing more happens
    assert len(made) == 1 and workers._POOL is made[0] and workers.active() == 2
    assert workers.warm_up() and workers.call(worker_helpers.pid) != os.getpid()


@pytest.mark.parametrize("failing", ["_watch_parent", "_warm"], ids=["processes-end-at-start", "cannot-import"])
def test_workers_that_cannot_start_turn_the_pool_off_and_runs_are_computed_here(
        failing: str, no_pool_after: None, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # _watch_parent is each process's initializer: raising there ends it before it takes work (a broken
    # pool); _warm is the warm-up task: raising there is a worker that cannot import the model code
    helper = worker_helpers.cannot_start if failing == "_watch_parent" else worker_helpers.cannot_import
    monkeypatch.setattr(workers, failing, helper)
    caplog.set_level(logging.WARNING, logger="segdash.workers")
    workers.start(2)
    assert workers.active() == 2
    assert workers.warm_up() == []
    assert len(_warnings(caplog, "could not start")) == 1
    assert workers.active() == 0 and workers._POOL is None
    assert workers.call(worker_helpers.pid) == os.getpid()
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"
    assert workers.warm_up() == []  # nothing to wait for any more


def test_a_run_on_a_pool_shut_down_meanwhile_is_computed_here(light_pool: None) -> None:
    # the run read the pool, then another session's start()/stop() shut it down before the run submitted
    workers._POOL.shutdown(wait=True)
    assert workers.call(worker_helpers.pid) == os.getpid()
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"


def test_a_run_whose_future_was_cancelled_is_computed_here(light_pool: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # a run queued on a pool that was shut down with its pending runs cancelled
    def cancelled(function: object, /, *args: object, **kwargs: object) -> Future:
        future: Future = Future()
        future.cancel()
        return future

    monkeypatch.setattr(workers._POOL, "submit", cancelled)
    assert workers.call(worker_helpers.pid) == os.getpid()
    assert workers.call(worker_helpers.die_unless_in, os.getpid()) == "computed in the server's process"


def test_a_worker_that_died_between_runs_is_replaced_by_the_next_run(light_pool: None,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    broken = workers._POOL
    # a worker ends while no run of call() waits on it (killed while idle): the pool is broken at the next submit
    assert isinstance(broken.submit(worker_helpers.die_unless_in, os.getpid()).exception(timeout=120),
                      BrokenProcessPool)
    caplog.set_level(logging.WARNING, logger="segdash.workers")
    assert workers.call(worker_helpers.pid) == os.getpid()  # this run: here
    assert workers._POOL is not broken and workers.active() == 2  # the next ones: in new workers
    assert len(_warnings(caplog, "a worker process stopped")) == 1
    assert workers.warm_up() and workers.call(worker_helpers.pid) != os.getpid()


def test_runs_in_flight_when_the_pool_is_resized_finish_in_the_old_workers(
        light_pool: None, manager: SyncManager, monkeypatch: pytest.MonkeyPatch) -> None:
    old = workers._POOL
    submitted = threading.Semaphore(0)

    def counted_submit(function: object, /, *args: object, **kwargs: object) -> Future:
        future = ProcessPoolExecutor.submit(old, function, *args, **kwargs)
        submitted.release()
        return future

    monkeypatch.setattr(old, "submit", counted_submit)
    running, release = manager.Barrier(3), manager.Event()
    with ThreadPoolExecutor(max_workers=6) as sessions:
        # two runs running in the two workers (they wait at the barrier with this test) ...
        held = [sessions.submit(workers.call, worker_helpers.hold, running, release, os.getpid()) for _ in range(2)]
        running.wait(timeout=60)
        # ... and four queued behind them: more than the pool's call queue holds (workers + 1), so at
        # least one is still pending in the old pool (a run that shutdown(cancel_futures=True) would cancel)
        queued = [sessions.submit(workers.call, worker_helpers.pid) for _ in range(4)]
        for _ in range(6):
            assert submitted.acquire(timeout=60)
        workers.start(1)  # returns while the runs are in flight (it does not wait for them)
        assert workers._POOL is not old and workers.active() == 1
        release.set()
        held_answers = [run.result(timeout=120) for run in held]
        queued_answers = [run.result(timeout=120) for run in queued]
    # every run was computed by the old pool's workers: not here, not cancelled, not lost
    assert len(set(held_answers)) == 2 and os.getpid() not in held_answers and -1 not in held_answers
    assert os.getpid() not in queued_answers
    assert set(queued_answers) <= set(held_answers)
    assert workers.call(worker_helpers.pid) not in {os.getpid(), *held_answers}  # the new pool's worker
