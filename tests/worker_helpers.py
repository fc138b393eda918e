"""Functions a worker process runs in tests/test_workers.py (module-level: a new process imports them)."""

from __future__ import annotations

import os

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
