"""Functions a worker process runs in tests/test_workers.py (module-level: a new process imports them)."""

from __future__ import annotations

import os
from typing import Any

from segdash.errors import SettingsError


def pid() -> int:
    """The process that ran this."""
    return os.getpid()


def die_unless_in(home_pid: int) -> str:
    """Kill the worker process that runs this (as the system's out-of-memory killer would); here, answer."""
    if os.getpid() != home_pid:
        os._exit(9)
    return "computed in the server's process"


def refuse() -> None:
    """An error with a plain sentence, as a run with impossible settings raises."""
    raise SettingsError("Choose at least two columns to group customers on.")


def main_module_file() -> str | None:
    """What the worker has as ``__main__`` (it must not have imported the app)."""
    import sys

    main = sys.modules.get("__main__")
    return getattr(main, "__file__", None)


def cannot_start(parent: int) -> None:
    """A worker's start that fails (the pool's initializer): the process ends before it takes any work."""
    raise OSError("Cannot allocate memory")


def cannot_import() -> int:
    """A warm-up that fails as a worker that cannot import the model code would."""
    raise ImportError("No module named 'segdash.segment.cluster'")


def die_together(running: Any, home_pid: int) -> str:
    """In a worker: wait until the other run is running too (``running``: a manager's Barrier), then die."""
    if os.getpid() != home_pid:
        running.wait(timeout=30)
        os._exit(9)
    return "computed in the server's process"


def hold(running: Any, release: Any, home_pid: int) -> int:
    """In a worker: meet the test at ``running`` (a Barrier), wait for ``release`` (an Event); its pid, -1 if never released."""
    if os.getpid() == home_pid:
        return os.getpid()
    running.wait(timeout=30)
    return os.getpid() if release.wait(timeout=30) else -1
