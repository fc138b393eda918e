"""``python -m segdash`` ends without the interpreter's teardown (issue 16), and loses nothing doing so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from segdash import cli

REPO = Path(__file__).resolve().parents[1]

#: Loaded before segdash in the child process: an exit handler that must still run, and a marker of teardown.
_SITECUSTOMIZE = """
import atexit, os, sys
atexit.register(lambda: open(os.environ["SEGDASH_TEST_ATEXIT"], "w").write("ran"))
class _Teardown:
    # runs when the interpreter frees module globals (not after os._exit); what it calls is bound now,
    # as builtins and modules are being emptied by then
    def __del__(self, _fd=os.open(os.environ["SEGDASH_TEST_TEARDOWN"], os.O_WRONLY | os.O_CREAT), _write=os.write):
        _write(_fd, b"freed")
marker = _Teardown()
"""


def _run(tmp_path: Path, *args: str, prefix: tuple[str, ...] = ("-m", "segdash")) -> subprocess.CompletedProcess[str]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO)]),
           "SEGDASH_TEST_ATEXIT": str(tmp_path / "atexit.txt"), "SEGDASH_TEST_TEARDOWN": str(tmp_path / "teardown.txt")}
    return subprocess.run([sys.executable, *prefix, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def _customers(tmp_path: Path, rows: int = 2_000) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,age,city\n" + "".join(f"C{i},{20 + i % 60},Town {i % 7}\n" for i in range(rows)))
    return path


def test_output_and_exit_handlers_kept_teardown_skipped(tmp_path: Path) -> None:
    done = _run(tmp_path, "import", str(_customers(tmp_path)), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole report arrived (flushed before the process ended)
    assert report["rows_loaded"] == 2_000 and [c["name"] for c in report["columns"]] == ["customer_id", "age", "city"]
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "teardown.txt").read_text() == ""  # the interpreter did not free every module


def test_user_error_keeps_exit_code_and_message(tmp_path: Path) -> None:
    done = _run(tmp_path, "import", str(tmp_path / "missing.csv"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("segdash: ") and len(done.stderr.strip().splitlines()) == 1
    assert (tmp_path / "atexit.txt").read_text() == "ran"


def test_module_run_inside_another_script_ends_the_usual_way(tmp_path: Path) -> None:
    """A test (or tool) that runs the module in its own script gets ``SystemExit`` back, and teardown happens."""
    script = ("import runpy, sys\nsys.argv = ['segdash', *sys.argv[1:]]\n"
              "try:\n    runpy.run_module('segdash', run_name='__main__', alter_sys=True)\n"
              "except SystemExit as done:\n    print('after', done.code)\n")
    done = _run(tmp_path, "import", str(_customers(tmp_path, 10)), prefix=("-c", script))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "after 0"
    assert (tmp_path / "teardown.txt").read_text() == "freed"


def test_leave_waits_for_a_working_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """In ``python -m segdash`` with a non-daemon thread still alive, ``leave`` exits the usual way (after it)."""
    import threading

    monkeypatch.setattr(sys, "orig_argv", [sys.executable, "-m", "segdash", "import", "x.csv"])
    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=False)
    worker.start()
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.leave(3)
        assert stopped.value.code == 3
    finally:
        release.set()
        worker.join()


def test_cycle_collector_runs_again_after_the_command(tmp_path: Path) -> None:
    """The preload pauses Python's cycle collector while it imports; after the command it is back on."""
    import gc

    assert gc.isenabled()
    assert cli.main(["import", str(_customers(tmp_path, 10)), "--json"]) == 0
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off itself keeps it off
    try:
        assert cli.main(["import", str(_customers(tmp_path, 10)), "--json"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
