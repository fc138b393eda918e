"""Limits for a shared server: memory per session, idle sessions, a queue for heavy runs.

Nothing here imports Streamlit (the app's side is :mod:`segdash.ui.limits`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from segdash.errors import SegdashError

#: Prefix of a session's private upload folder; the server's process id follows it.
UPLOAD_PREFIX = "segdash-upload-"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
#: Smallest memory limit a session gets (DuckDB needs some room even for a small file).
MIN_SESSION_BYTES = 256 * 1024**2


class LimitError(SegdashError):
    """A limit is set wrongly, or a session hit its memory limit."""


def parse_size(text: str, *, setting: str) -> int:
    """Bytes in ``"2GB"``, ``"512MB"``, ``"1.5 GiB"`` or a plain number of bytes."""
    match = _SIZE.match(str(text))
    if not match:
        raise LimitError(f"{setting}={text!r} is not a size; write it like 2GB or 512MB.")
    unit = match.group(2).upper().replace("I", "").replace("B", "")
    return int(float(match.group(1)) * _UNITS[unit])


def machine_memory() -> int:
    """Physical memory of this machine in bytes (cgroup limit when one is set and smaller)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with contextlib.suppress(OSError, ValueError):
        raw = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if raw.isdigit():
            total = min(total, int(raw))
    return total


def max_sessions() -> int:
    """``SEGDASH_MAX_SESSIONS`` (default 10): how many people are expected at once."""
    raw = os.environ.get("SEGDASH_MAX_SESSIONS", "").strip()
    if not raw:
        return 10
    if not raw.isdigit() or int(raw) < 1:
        raise LimitError(f"SEGDASH_MAX_SESSIONS={raw!r} must be a whole number of sessions, such as 10.")
    return int(raw)


def session_memory_bytes() -> int:
    """Memory one session's DuckDB may use: ``SEGDASH_SESSION_MEMORY``, else 80% of the machine / max sessions."""
    raw = os.environ.get("SEGDASH_SESSION_MEMORY", "").strip()
    if raw:
        return max(parse_size(raw, setting="SEGDASH_SESSION_MEMORY"), 16 * 1024**2)
    return max(MIN_SESSION_BYTES, int(machine_memory() * 0.8) // max_sessions())


def human_size(size: int) -> str:
    """``1.5 GB`` / ``512 MB``."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{size / 1024**2:.0f} MB"


def apply_memory_limit(con: Any, *, limit_bytes: int | None = None) -> int:
    """``SET memory_limit`` on a DuckDB connection (whole megabytes); returns the bytes set."""
    size = limit_bytes if limit_bytes is not None else session_memory_bytes()
    megabytes = max(1, size // 1024**2)
    con.execute(f"SET memory_limit = '{int(megabytes)}MiB'")  # an int we computed, not user text
    return megabytes * 1024**2


def out_of_memory_message(*, limit_bytes: int | None = None) -> str:
    """The sentence shown when a session's work does not fit in its memory."""
    try:
        size = human_size(limit_bytes if limit_bytes is not None else session_memory_bytes())
    except LimitError:
        size = "its share"
    return (f"This needs more memory than one session may use on this server ({size}). Your data is still "
            "loaded: try fewer columns or a smaller file, or ask whoever runs segdash to raise "
            "SEGDASH_SESSION_MEMORY.")


def is_out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` (or what caused it) is DuckDB's or Python's out-of-memory error."""
    import duckdb

    seen = 0
    while err is not None and seen < 5:
        if isinstance(err, (duckdb.OutOfMemoryException, MemoryError)):
            return True
        err = err.__cause__ or err.__context__
        seen += 1
    return False


# -- idle sessions --------------------------------------------------------------------------------

def idle_minutes() -> float:
    """``SEGDASH_IDLE_MINUTES`` (default 30): after this long unused, a session's data is freed."""
    raw = os.environ.get("SEGDASH_IDLE_MINUTES", "").strip()
    if not raw:
        return 30.0
    try:
        value = float(raw)
    except ValueError:
        raise LimitError(f"SEGDASH_IDLE_MINUTES={raw!r} must be a number of minutes, such as 30.") from None
    if value <= 0:
        raise LimitError(f"SEGDASH_IDLE_MINUTES={raw!r} must be more than 0.")
    return value


class IdleRegistry:
    """Live workspaces (weak references) with when each was last used; frees the idle ones.

    A workspace is *in use* while a script run holds it (:meth:`using`); the sweep never touches
    one in use. Freeing calls ``release`` (closes the workspace's DuckDB, drops its data and memo);
    saved work is in the project store. One process-wide instance (:data:`REGISTRY`).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[weakref.ref, float, int]] = {}
        self._run_locks: dict[int, threading.RLock] = {}

    def touch(self, workspace: Any) -> None:
        """Mark ``workspace`` as used now (registering it when new)."""
        with self._lock:
            ref, _, busy = self._entries.get(id(workspace), (None, 0.0, 0))
            if ref is None or ref() is not workspace:
                ref, busy = weakref.ref(workspace), 0
            self._entries[id(workspace)] = (ref, self._clock(), busy)

    @contextlib.contextmanager
    def using(self, workspace: Any) -> Iterator[None]:
        """Hold ``workspace`` in use for the duration (the sweep skips it), one run at a time.

        Streamlit may start a session's next run while the previous one is still inside a DuckDB
        call (it stops at its next Streamlit call); DuckDB 2.0 then refuses the second call on the
        same connection ("connection is busy"). The second run waits here for the first to end.
        """
        self.touch(workspace)
        key = id(workspace)
        with self._lock:
            ref, seen, busy = self._entries[key]
            self._entries[key] = (ref, seen, busy + 1)
            run_lock = self._run_lock(workspace)
        run_lock.acquire()
        try:
            yield
        finally:
            run_lock.release()
            with self._lock:
                if key in self._entries:
                    ref, _, busy = self._entries[key]
                    self._entries[key] = (ref, self._clock(), max(0, busy - 1))

    def _run_lock(self, workspace: Any) -> threading.RLock:
        """The workspace's run lock (call with ``self._lock`` held); it lives as long as the workspace."""
        key = id(workspace)
        run_lock = self._run_locks.get(key)
        if run_lock is None:
            run_lock = self._run_locks[key] = threading.RLock()
            weakref.finalize(workspace, self._run_locks.pop, key, None)
        return run_lock

    def live(self) -> int:
        """Workspaces still alive and registered."""
        with self._lock:
            return sum(1 for ref, _, _ in self._entries.values() if ref() is not None)

    def sweep(self, *, idle_seconds: float, release: Callable[[Any], None]) -> int:
        """Release every workspace unused for ``idle_seconds``; returns how many were released."""
        now = self._clock()
        chosen = []
        with self._lock:
            for key, (ref, seen, busy) in list(self._entries.items()):
                workspace = ref()
                if workspace is None:
                    del self._entries[key]
                elif busy == 0 and now - seen >= idle_seconds:
                    run_lock = self._run_lock(workspace)
                    if not run_lock.acquire(blocking=False):  # a run is just starting on it
                        continue
                    del self._entries[key]
                    chosen.append((workspace, run_lock))
        for workspace, run_lock in chosen:  # a run starting meanwhile waits until its data is put away
            try:
                release(workspace)
            finally:
                run_lock.release()
        return len(chosen)


#: The process-wide registry of live workspaces.
REGISTRY = IdleRegistry()


def release_workspace(workspace: Any) -> None:
    """Free a workspace's in-memory data: its DuckDB is closed and replaced by an empty one.

    Its upload folder (``upload_folder``, a ``tempfile.TemporaryDirectory``, when it has one) is
    removed too: a tab closed for good leaves an idle session, so its copy of an upload goes
    within ``SEGDASH_IDLE_MINUTES`` whatever Streamlit does with the session. The workspace is
    marked ``idle_released`` so the app can tell the user what happened.
    """
    from segdash import db

    engine = getattr(workspace, "engine", None)  # a table in a database: its connection closes
    if engine is not None:
        workspace.engine = None
        with contextlib.suppress(Exception):
            engine.close()
    old = workspace.con
    workspace.con = db.connect()
    workspace.imported = None
    workspace.data_id = ""
    workspace.roles = {}
    workspace.segmentation = None
    workspace.segmentation_id = ""
    workspace.segment_names = {}
    workspace.memo.clear()
    if hasattr(workspace, "data_memo"):
        workspace.data_memo.clear()
    workspace.idle_released = True
    with contextlib.suppress(Exception):
        old.close()
    folder = getattr(workspace, "upload_folder", None)
    if folder is not None:
        with contextlib.suppress(OSError):
            folder.cleanup()
        workspace.upload_folder = None


# -- heavy runs -----------------------------------------------------------------------------------

def heavy_runs() -> int:
    """``SEGDASH_HEAVY_RUNS``: segmentations computed at once (default: the number of CPU cores)."""
    raw = os.environ.get("SEGDASH_HEAVY_RUNS", "").strip()
    if not raw:
        return max(1, os.cpu_count() or 1)
    if not raw.isdigit() or int(raw) < 1:
        raise LimitError(f"SEGDASH_HEAVY_RUNS={raw!r} must be a whole number, such as 2.")
    return int(raw)


class RunQueue:
    """A process-wide queue for heavy runs: at most ``slots`` at once; the others wait their turn."""

    def __init__(self, slots: int) -> None:
        self._slots = threading.Semaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self._running = 0

    @property
    def ahead(self) -> int:
        """Runs in progress or waiting (what a new run would wait behind, when there is no free slot)."""
        with self._lock:
            return self._running + self._waiting

    @contextlib.contextmanager
    def slot(self, *, on_wait: Callable[[int], None] | None = None, poll: float = 0.5) -> Iterator[float]:
        """Hold a slot for the duration; ``on_wait(n)`` is called while waiting behind ``n`` other runs.

        Yields the seconds spent waiting.
        """
        started = time.perf_counter()
        if not self._slots.acquire(blocking=False):
            with self._lock:
                self._waiting += 1
                ahead = self._running + self._waiting - 1
            try:
                while True:
                    if on_wait is not None:
                        on_wait(ahead)
                    if self._slots.acquire(timeout=poll):
                        break
                    with self._lock:
                        ahead = self._running + self._waiting - 1
            finally:
                with self._lock:
                    self._waiting -= 1
        with self._lock:
            self._running += 1
        try:
            yield time.perf_counter() - started
        finally:
            with self._lock:
                self._running -= 1
            self._slots.release()


_QUEUE: RunQueue | None = None
_QUEUE_LOCK = threading.Lock()


def run_queue() -> RunQueue:
    """The process-wide :class:`RunQueue` (sized by :func:`heavy_runs` on first use)."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = RunQueue(heavy_runs())
        return _QUEUE


# -- temporary upload folders -------------------------------------------------------------------

def upload_prefix() -> str:
    """Prefix of this server's upload folders: ``segdash-upload-<pid>-``."""
    return f"{UPLOAD_PREFIX}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_uploads(*, folder: Path | None = None) -> int:
    """Remove upload folders left by segdash servers that are no longer running; returns how many.

    A folder of a server still running (another segdash on this machine) is left alone. A folder
    without a server's pid in its name (an older segdash) is removed only once it is a day old:
    its server may still be running.
    """
    root = folder or Path(tempfile.gettempdir())
    removed = 0
    for path in root.glob(f"{UPLOAD_PREFIX}*"):
        owner = path.name[len(UPLOAD_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and (int(owner) == os.getpid() or _alive(int(owner))):
            continue
        if not owner.isdigit():
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime < 24 * 3600:
                    continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


# -- the run log ----------------------------------------------------------------------------------

#: Longest client label kept in the run log (the ``?client=`` part of the address).
CLIENT_LABEL_CHARS = 40


def run_log_path() -> Path | None:
    """``SEGDASH_RUN_LOG``: a file that gets one line per page run (``None``: no log, the default)."""
    raw = os.environ.get("SEGDASH_RUN_LOG", "").strip()
    return Path(raw).expanduser() if raw else None


class RunLog:
    """One JSON line per script run: when it started and ended, the script thread's CPU, the page.

    For whoever runs the server: it shows how long the server itself took to answer each click,
    apart from the network and the person's browser (``bench/load_test.py`` reads it). A line holds
    no user data: a digest of the session's id, the page's title, the times, and the label of the
    address's ``?client=`` parameter when one was given (cut to :data:`CLIENT_LABEL_CHARS`).
    Lines are appended under a lock in one ``write`` each, so concurrent runs never interleave.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, *, session: str, page: str, started: float, ended: float, cpu: float,
               client: str | None = None, outcome: str = "done") -> dict[str, Any]:
        """Append one run; returns the line's fields.

        Parameters
        ----------
        session
            The session's id (only a digest of it is written).
        page
            The page's title.
        started, ended
            Wall-clock times (``time.time()``) of the run's start and end.
        cpu
            CPU seconds of the script thread during the run (``time.thread_time()``).
        client
            The address's ``?client=`` label, if any.
        outcome
            ``"done"``, ``"rerun"`` (the run asked for another) or ``"stopped"``.
        """
        import hashlib
        import json

        fields: dict[str, Any] = {
            "session": hashlib.sha256(session.encode()).hexdigest()[:12], "page": page,
            "start": round(started, 4), "end": round(ended, 4), "seconds": round(ended - started, 4),
            "cpu": round(cpu, 4), "outcome": outcome}
        if client:
            fields["client"] = str(client)[:CLIENT_LABEL_CHARS]
        line = json.dumps(fields, ensure_ascii=True) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(line)
        return fields


_RUN_LOGS: dict[Path, RunLog] = {}


def run_log() -> RunLog | None:
    """The process's :class:`RunLog` for ``SEGDASH_RUN_LOG`` (``None`` when it is not set)."""
    path = run_log_path()
    if path is None:
        return None
    with _QUEUE_LOCK:
        return _RUN_LOGS.setdefault(path, RunLog(path))
