"""Worker processes for a served app's model fits (issue 14: many people on one server).

A Streamlit server is one Python process: every session's page runs on its own thread, and they all
share one interpreter lock. The k search of a clustering run (a few dozen small k-means fits on at
most 10,000 customers) is Python-bound work that holds that lock for a quarter of a second per run;
with ten people clustering at once, their runs and everyone else's page drawing took turns on one
core. Here the search runs in a small pool of worker processes instead, so it uses the other cores
and the server's own thread stays free for the pages.

- Only the served app uses the pool (:func:`start`, called once by the app's start-up); the command
  line and library calls fit in their own process, as before.
- ``SEGDASH_RUN_WORKERS`` sets the number of processes (default: the number of CPU cores when there
  are two or more, else none); ``0`` turns the pool off.
- What crosses to a worker is numbers (the search sample, at most 10,000 rows) and the settings;
  what comes back is the fitted model and the scores. Nothing is written to disk.
- A worker that dies (killed, out of memory) never loses a run: the pool is replaced and that run is
  computed in the server's own process. A server that dies (killed, crashed) takes its workers with
  it: each worker checks every second that the process that started it is still its parent.
- The results are the same as in-process (same code, same seeds; ``tests/test_workers.py``).

Starting the processes: multiprocessing's "spawn" (a fresh interpreter; forking a server full of
threads is unsafe) normally re-imports the parent's ``__main__`` file in each new process, and in a
Streamlit server that is the last script run (``app.py``). So every process is started
at once when the pool is made, with ``__main__`` briefly replaced by an empty module: a new process
imports nothing of the app, only this module and the model code. A pool that breaks is replaced
the same way.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from segdash.errors import SegdashError

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Most worker processes started without ``SEGDASH_RUN_WORKERS`` (``os.cpu_count()`` can be a large
#: host's count inside a small container; each worker takes about 260 MB).
MAX_DEFAULT = 4

_LOCK = threading.Lock()
_POOL: ProcessPoolExecutor | None = None
_SIZE = 0
_STARTING: list[Future] = []


class WorkersError(SegdashError):
    """``SEGDASH_RUN_WORKERS`` is not a number of processes."""


def configured(*, cores: int | None = None) -> int:
    """``SEGDASH_RUN_WORKERS``: worker processes for the served app (default: cores, 2 to 4; none on one core).

    Parameters
    ----------
    cores
        The machine's CPU cores (default: ``os.cpu_count()``).

    Returns
    -------
    int
        The number of worker processes; ``0`` means fit in the server's own process.
    """
    raw = os.environ.get("SEGDASH_RUN_WORKERS", "").strip()
    if not raw:
        cores = os.cpu_count() or 1 if cores is None else cores
        return min(cores, MAX_DEFAULT) if cores >= 2 else 0
    if not (raw.isascii() and raw.isdigit()):
        raise WorkersError(f"SEGDASH_RUN_WORKERS={raw!r} must be a whole number of processes, such as 2 (0: none).")
    return int(raw)


#: Seconds between a worker's checks that the server that started it is still running.
PARENT_CHECK_SECONDS = 1.0


def _watch_parent(parent: int) -> None:
    """In a worker: end this process once the server that started it is gone.

    A server killed outright never tells its workers to stop, and they would wait for work forever
    (each holds the write end of its own task pipe, so it never reads an end of file). When the
    parent dies, the worker is handed to another process and ``os.getppid()`` changes.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)  # a daemon thread's pace, not a user's wait
        os._exit(0)

    threading.Thread(target=watch, name="segdash-parent-watch", daemon=True).start()


def _warm() -> int:
    """A worker's start: import the model code once, so the first run does not pay for it."""
    import segdash.segment.cluster  # noqa: F401

    return os.getpid()


@contextlib.contextmanager
def _plain_main() -> Iterator[None]:
    """``__main__`` is an empty module for the moment new processes are started (see the module notes)."""
    main = sys.modules.get("__main__")
    placeholder = types.ModuleType("__main__")
    sys.modules["__main__"] = placeholder
    try:
        yield
    finally:  # put back, unless a script run on another thread has set its own meanwhile
        if main is not None and sys.modules.get("__main__") is placeholder:
            sys.modules["__main__"] = main


def _new_pool(size: int) -> tuple[ProcessPoolExecutor, list[Future]]:
    """A pool of ``size`` processes, all started now (one warm-up task each, submitted before any is idle)."""
    pool = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_watch_parent, initargs=(os.getpid(),))
    with _plain_main():
        starting = [pool.submit(_warm) for _ in range(size)]
    return pool, starting


def start(size: int) -> None:
    """Use ``size`` worker processes from now on (``0``: none); their processes start now, in the background."""
    global _POOL, _SIZE, _STARTING
    with _LOCK:
        if size == _SIZE and (_POOL is not None or size == 0):
            return
        old, _POOL, _SIZE, _STARTING = _POOL, None, size, []
        if size > 0:
            _POOL, _STARTING = _new_pool(size)
    if old is not None:
        old.shutdown(wait=False, cancel_futures=False)


def warm_up() -> list[int]:
    """Wait until every worker has started and imported the model code; returns their process ids.

    The app calls this at start-up, in the background. If the processes cannot start, the pool is
    turned off (runs fit in the server's process) and an empty list is returned.
    """
    global _POOL, _SIZE
    pool, starting = _POOL, list(_STARTING)
    if pool is None:
        return []
    try:
        return [future.result() for future in starting]
    except Exception:  # noqa: BLE001 - whatever stopped them, fitting here still works
        log.warning("the model worker processes could not start; models are fitted in the server's process",
                    exc_info=True)
        with _LOCK:
            if _POOL is pool:
                _POOL, _SIZE = None, 0
        pool.shutdown(wait=False, cancel_futures=False)  # runs already submitted finish or fall back
        return []


def active() -> int:
    """The number of worker processes in use (``0``: fits run in this process)."""
    return _SIZE if _POOL is not None else 0


def stop() -> None:
    """Stop the worker processes (waits for running fits)."""
    global _POOL, _SIZE, _STARTING
    with _LOCK:
        pool, _POOL, _SIZE, _STARTING = _POOL, None, 0, []
    if pool is not None:
        pool.shutdown(wait=True)


def _replace(broken: ProcessPoolExecutor) -> None:
    """Swap a broken pool for a new one of the same size (once, however many runs saw it break)."""
    global _POOL, _SIZE, _STARTING
    with _LOCK:
        if _POOL is broken:
            try:
                _POOL, _STARTING = _new_pool(_SIZE)
            except Exception:  # noqa: BLE001 - no new processes (out of memory?): fit in the server from now on
                log.warning("the model worker processes could not be restarted; models are fitted in the "
                            "server's process", exc_info=True)
                _POOL, _SIZE, _STARTING = None, 0, []
    broken.shutdown(wait=False, cancel_futures=True)


def call(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in a worker process if the pool is on, else here.

    ``function`` must be a module-level function whose arguments and result are plain data (numbers,
    arrays, dicts, fitted scikit-learn models). An error it raises is raised here. If the worker died,
    the run is computed here instead, and the pool is replaced for the next run.
    """
    pool = _POOL
    if pool is None:
        return function(*args, **kwargs)
    try:
        future = pool.submit(function, *args, **kwargs)
    except BrokenProcessPool:  # a worker died between runs (killed while idle): replaced as below
        log.warning("a worker process stopped between runs; this run is computed in the server's process")
        _replace(pool)
        return function(*args, **kwargs)
    except RuntimeError:  # shut down by a concurrent start()/stop()
        return function(*args, **kwargs)
    try:
        return future.result()
    except BrokenProcessPool:
        log.warning("a worker process stopped during a run; this run is computed in the server's process")
        _replace(pool)
        return function(*args, **kwargs)
    except CancelledError:  # its pool was shut down before the run started
        return function(*args, **kwargs)
