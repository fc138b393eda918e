"""The app's side of the server limits: start-up clean-up, the idle sweep, the heavy-run queue."""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Iterator

import streamlit as st

from segdash import limits, workers
from segdash.ui import state

log = logging.getLogger(__name__)

_STARTED = threading.Event()
_START_LOCK = threading.Lock()
#: Seconds between two idle sweeps.
SWEEP_EVERY = 60.0


def _sweeper() -> None:
    """Every minute: free idle sessions' data, then one full garbage collection for the whole server.

    Streamlit's own full collection after every script run of every session is turned off
    (``runner.postScriptGC = false`` in .streamlit/config.toml): it holds the GIL while it scans
    every session's objects, so everyone waits for it, and it was about a fifth of the server's CPU
    in ``bench/load_test.py``. Collecting here once a minute still frees the data of sessions
    Streamlit has dropped (their DuckDB, their upload folder), which only a full collection finds.
    """
    while True:
        time.sleep(SWEEP_EVERY)  # a daemon thread's pace, not a user's wait
        try:
            freed = limits.REGISTRY.sweep(idle_seconds=limits.idle_minutes() * 60,
                                          release=limits.release_workspace)
            if freed:
                log.info("freed the data of %d idle session(s)", freed)
            gc.collect()
        except Exception:  # the sweep must never die
            log.exception("idle sweep failed")


def _warm_up() -> None:
    """Import the heavy modules (scikit-learn, scipy, Plotly) and start the model workers, before anyone needs them."""
    import importlib

    try:
        workers.warm_up()
    except Exception:  # a warm-up must never break the app; runs then fit in this process
        log.warning("the model worker processes did not start", exc_info=True)
    for name in ("segdash.segment.cluster", "segdash.profile", "segdash.economics", "segdash.report.profile_charts"):
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up must never break the app; the page import reports real errors
            log.debug("warm-up import of %s failed", name, exc_info=True)


def start_up() -> None:
    """Once per server process: remove upload folders of dead servers, start the idle sweep, warm up."""
    if _STARTED.is_set():
        return
    with _START_LOCK:
        if _STARTED.is_set():
            return
        try:
            workers.start(workers.configured())
        except workers.WorkersError as err:  # a wrong setting: said in the log, runs fit in this process
            log.warning("%s Fitting in the server's process instead.", err)
        except Exception:  # noqa: BLE001 - no processes (out of memory?): the app works without them
            log.warning("the model worker processes could not start; fitting in the server's process",
                        exc_info=True)
        removed = limits.remove_stale_uploads()
        if removed:
            log.info("removed %d upload folder(s) left by an earlier server", removed)
        threading.Thread(target=_sweeper, name="segdash-idle-sweep", daemon=True).start()
        threading.Thread(target=_warm_up, name="segdash-warm-up", daemon=True).start()
        threading.Thread(target=_clean_store, name="segdash-store-clean", daemon=True).start()
        _STARTED.set()


def _clean_store() -> None:
    """What crashed saves left in the project store, and week-old copies of unsaved segments, removed."""
    from segdash.store import Store

    try:
        Store().clean()
    except Exception:  # noqa: BLE001 - a store that cannot be cleaned still works; the pages say why if not
        log.warning("the project store could not be cleaned up", exc_info=True)


_RUN = threading.local()


def begin_run() -> None:
    """Stamp the start of this script run (wall clock and the script thread's CPU) for the run log."""
    _RUN.started = time.perf_counter()
    _RUN.wall = time.time()
    _RUN.cpu = time.thread_time()
    _RUN.page = "sign-in"
    _RUN.client = None
    try:  # read now: after st.stop() a Streamlit call would stop again
        if limits.run_log_path() is not None:
            _RUN.client = st.query_params.get("client")
    except Exception:  # a log label must never break the page
        log.debug("no client label", exc_info=True)


def note_page(title: str) -> None:
    """The page this run shows (for the run log; until it is known, the run is the sign-in's)."""
    _RUN.page = title


def run_outcome(error: BaseException | None) -> str:
    """How a run ended: ``"done"``, ``"rerun"`` or ``"stopped"`` (Streamlit's requests), else ``"error"``."""
    kind = type(error).__name__ if error is not None else ""
    return {"": "done", "RerunException": "rerun", "StopException": "stopped"}.get(kind, "error")


def end_run(error: BaseException | None = None) -> dict | None:
    """Write this run to the run log (``SEGDASH_RUN_LOG``), if one is set; never raises.

    ``error`` is what ended the run early, if anything: Streamlit's own rerun and stop requests
    are recorded as ``"rerun"`` and ``"stopped"``; anything else as ``"error"``. No Streamlit call
    is made here: after ``st.stop()`` one would raise again.
    """
    try:
        log_file = limits.run_log()
        wall = getattr(_RUN, "wall", None)
        if log_file is None or wall is None:
            return None
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        return log_file.record(session=ctx.session_id if ctx else "none", page=_RUN.page, started=wall,
                               ended=time.time(), cpu=time.thread_time() - _RUN.cpu, client=_RUN.client,
                               outcome=run_outcome(error))
    except Exception:  # a log line must never break the page
        log.warning("could not write the run log (SEGDASH_RUN_LOG)", exc_info=True)
        return None


def run_started() -> float | None:
    """When this script run started: the user's click, as far as the server can tell.

    Returns
    -------
    float or None
        ``time.perf_counter()`` at the run's start (stamped by :func:`touch`), or ``None`` on a
        thread where no run has started.
    """
    return getattr(_RUN, "started", None)


def touch() -> None:
    """Mark this session's workspace as used; tell the user once if it was freed while idle.

    Also notes when this script run started (:func:`run_started`, per thread: a session's runs
    happen one at a time on its script thread), so a status line can count the whole wait since
    the click. It is called as a run starts (app.py, then the page's set-up a moment later).
    """
    _RUN.started = time.perf_counter()
    ws = st.session_state.get(state.WORKSPACE)
    if ws is not None and getattr(ws, "idle_released", False):
        folder = st.session_state.pop(state.TEMP_DIR, None)
        if folder is not None:
            with contextlib.suppress(OSError):
                folder.cleanup()
        for key in (state.WORKSPACE, state.SOURCE, state.UPLOAD_ID, state.PROFILE):
            st.session_state.pop(key, None)
        state.flash(f"This page sat unused for more than {limits.idle_minutes():g} minutes, so its data was "
                    "put away to free memory for others. Load your file again (saved projects are kept).")
    limits.REGISTRY.touch(state.workspace())


@contextlib.contextmanager
def in_use() -> Iterator[None]:
    """Hold this session's workspace in use while a page runs (the idle sweep skips it)."""
    ws = st.session_state.get(state.WORKSPACE)
    if ws is None:
        yield
        return
    with limits.REGISTRY.using(ws):
        yield


@contextlib.contextmanager
def heavy_run(status: object | None = None) -> Iterator[float]:
    """Wait for a free slot in the server's run queue, telling the user how many runs are ahead.

    Yields the seconds spent waiting.
    """
    shown = [-1]

    def waiting(ahead: int) -> None:
        if status is not None:  # a Streamlit call on every poll: a click elsewhere stops this wait
            shown[0] = ahead
            others = "1 other run" if ahead == 1 else f"{ahead} other runs"
            status.update(label=f"Waiting behind {others} on this server …")

    with limits.run_queue().slot(on_wait=waiting) as waited:
        yield waited


def memory_error_message() -> str:
    """The sentence for a session that ran out of its memory share."""
    return limits.out_of_memory_message()
