"""Server limits: memory per session (and its message), idle sessions, the heavy-run queue, upload folders."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest

from segdash import db, limits
from segdash.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "customers.csv"
HEAVY = "SELECT s, count(*) FROM (SELECT range::VARCHAR || repeat('x', 200) AS s FROM range(3000000)) GROUP BY s"


def test_sizes_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.parse_size("2GB", setting="X") == 2 * 1024**3
    assert limits.parse_size("512 MB", setting="X") == 512 * 1024**2
    assert limits.parse_size("1.5GiB", setting="X") == int(1.5 * 1024**3)
    assert limits.parse_size("1000", setting="X") == 1000
    with pytest.raises(limits.LimitError, match="SEGDASH_SESSION_MEMORY='lots' is not a size"):
        limits.parse_size("lots", setting="SEGDASH_SESSION_MEMORY")
    monkeypatch.delenv("SEGDASH_SESSION_MEMORY", raising=False)
    monkeypatch.setenv("SEGDASH_MAX_SESSIONS", "4")
    expected = max(limits.MIN_SESSION_BYTES, int(limits.machine_memory() * 0.8) // 4)
    assert limits.session_memory_bytes() == expected
    monkeypatch.setenv("SEGDASH_MAX_SESSIONS", "zero")
    with pytest.raises(limits.LimitError, match="SEGDASH_MAX_SESSIONS"):
        limits.session_memory_bytes()


def test_each_connection_gets_the_session_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_SESSION_MEMORY", "300MB")
    con = db.connect()
    assert db.fetch_scalar(con, "SELECT current_setting('memory_limit')") == "300.0 MiB"  # the app counts MB in 1024² bytes, as DuckDB's MiB


def test_exceeding_the_limit_is_a_plain_sentence_in_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_SESSION_MEMORY", "40MB")
    con = db.connect()
    with pytest.raises(duckdb.Error) as caught:
        con.execute(HEAVY).fetchall()
    assert limits.is_out_of_memory(caught.value)
    assert limits.is_out_of_memory(RuntimeError("wrapped")) is False
    message = limits.out_of_memory_message()
    assert message.startswith("This needs more memory than one session may use on this server (40 MB).")
    assert "SEGDASH_SESSION_MEMORY" in message
    assert con.execute("SELECT 42").fetchall() == [(42,)]  # the connection lives on


def test_memory_limit_message_on_a_page(make_app: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose query runs out of the session's memory shows one sentence; the app keeps working."""
    from segdash.ui import data as data_ui

    real_preview = data_ui.preview_table

    def greedy_preview(ws: Workspace) -> None:
        ws.con.execute("SET memory_limit = '40MB'")  # this session's share, made small after the import
        ws.con.execute(HEAVY).fetchall()

    monkeypatch.setattr(data_ui, "preview_table", greedy_preview)
    monkeypatch.setenv("SEGDASH_SESSION_MEMORY", "200MB")
    app = make_app().run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert any(e.startswith("This needs more memory than one session may use on this server (200 MB).")
               for e in errors), errors
    monkeypatch.setattr(data_ui, "preview_table", real_preview)
    app.run()
    assert not app.exception and not app.error


def test_idle_registry_frees_only_idle_unused_workspaces() -> None:
    clock = [0.0]
    registry = limits.IdleRegistry(clock=lambda: clock[0])
    idle, busy, fresh = Workspace(), Workspace(), Workspace()
    idle.load(SAMPLE)
    registry.touch(idle)
    registry.touch(busy)
    clock[0] = 200.0
    registry.touch(fresh)
    released = []
    with registry.using(busy):
        clock[0] = 1900.0
        assert registry.sweep(idle_seconds=1800, release=released.append) == 1
    assert released == [idle]
    upload = tempfile.TemporaryDirectory(prefix=limits.upload_prefix())
    (Path(upload.name) / "upload-x.csv").write_text("secret")
    idle.upload_folder = upload  # what the Data page sets on the session's workspace
    limits.release_workspace(idle)
    assert not idle.has_data and idle.idle_released and idle.memo == {}
    assert not Path(upload.name).exists() and idle.upload_folder is None  # a closed tab's upload goes too
    assert not db.table_exists(idle.con, db.TABLE)
    clock[0] = 1900.0 + 1800
    assert registry.sweep(idle_seconds=1800, release=released.append) == 2  # busy (now idle) and fresh
    released.clear()
    del busy, fresh
    assert registry.live() == 0


def test_run_queue_waits_and_says_how_many_are_ahead() -> None:
    queue = limits.RunQueue(1)
    first_in, release_first = threading.Event(), threading.Event()
    told: list[int] = []
    waited: list[float] = []

    def first() -> None:
        with queue.slot():
            first_in.set()
            release_first.wait(10)

    def second() -> None:
        with queue.slot(on_wait=lambda ahead: (told.append(ahead), release_first.set()), poll=0.05) as wait:
            waited.append(wait)

    runner = threading.Thread(target=first)
    runner.start()
    assert first_in.wait(10)
    assert queue.ahead == 1
    second()
    runner.join(10)
    assert told[0] == 1  # "waiting behind 1 other run"
    assert waited[0] > 0
    assert queue.ahead == 0


def test_upload_folders_of_dead_servers_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    gone = tmp_path / f"{limits.UPLOAD_PREFIX}{dead}-abc"
    mine = tmp_path / f"{limits.upload_prefix()}def"
    other_live = tmp_path / f"{limits.UPLOAD_PREFIX}1-ghi"  # pid 1 is always running
    older_kind = tmp_path / f"{limits.UPLOAD_PREFIX}k2x9_abc"  # an older segdash: no pid in the name
    older_kind_stale = tmp_path / f"{limits.UPLOAD_PREFIX}q7w3_def"
    for folder in (gone, mine, other_live, older_kind, older_kind_stale):
        folder.mkdir()
        (folder / "upload-x.csv").write_text("secret")
    day_ago = time.time() - 25 * 3600
    os.utime(older_kind_stale, (day_ago, day_ago))
    assert limits.remove_stale_uploads(folder=tmp_path) == 2
    assert not gone.exists() and not older_kind_stale.exists()
    assert mine.exists() and other_live.exists() and older_kind.exists()  # its server may still be running


def test_many_sessions_reach_ibis_duckdb_at_once() -> None:
    """Many sessions opening their first page at once must not race on Ibis's lazy backend loading."""
    code = ("import sys, threading, segdash.db; errors = []\n"
            "def use():\n"
            "    try:\n"
            "        segdash.db.backend(segdash.db.connect())\n"
            "    except Exception as err:\n"
            "        errors.append(err)\n"
            "threads = [threading.Thread(target=use) for _ in range(16)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\n"
            "assert not errors, errors\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]


def test_two_runs_of_one_session_take_turns_on_its_workspace() -> None:
    registry = limits.IdleRegistry()
    ws = Workspace()
    first_in, release_first, second_in = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with registry.using(ws):
            first_in.set()
            release_first.wait(10)

    def second() -> None:
        with registry.using(ws):
            second_in.set()

    runner = threading.Thread(target=first)
    runner.start()
    assert first_in.wait(10)
    follower = threading.Thread(target=second)
    follower.start()
    assert not second_in.wait(0.3)  # waits for the first run instead of sharing the connection
    release_first.set()
    assert second_in.wait(10)
    runner.join(10)
    follower.join(10)
    other = Workspace()
    with registry.using(other):  # another session never waits
        pass


def test_a_freed_session_is_told_behind_the_sign_in_and_the_notice_follows_the_8_s_rule(
        make_app: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Signed in, a session whose data the idle sweep freed gets one notice and fresh data on its next run.

    touch() runs in app.py and again in page_setup: the notice must survive both, stay on the
    follow-up runs of the next 8 s (like any confirmation) and then go.
    """
    from segdash import auth
    from segdash.ui import state

    passwords = tmp_path / "segdash-passwords"
    auth.set_password("ann", "ann-password", path=passwords)
    monkeypatch.setenv("SEGDASH_PASSWORDS", str(passwords))
    monkeypatch.setenv("SEGDASH_IDLE_MINUTES", "30")
    app = make_app().run()
    assert not app.exception
    assert not [t for t in app.title if t.value == "Data"]  # behind the gate
    app.text_input[0].input("ann")
    app.text_input[1].input("ann-password")
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state[state.USER] == "ann"
    freed = app.session_state[state.WORKSPACE]
    assert freed.has_data
    limits.release_workspace(freed)  # what the idle sweep does
    notice = ("This page sat unused for more than 30 minutes, so its data was put away to free memory "
              "for others. Load your file again (saved projects are kept).")
    shown = lambda: [s.value for s in app.success if "sat unused" in s.value]  # noqa: E731
    app.run()
    assert not app.exception
    assert shown() == [notice]
    fresh = app.session_state[state.WORKSPACE]
    assert fresh is not freed and fresh.has_data and not getattr(fresh, "idle_released", False)
    app.run()  # a widget's follow-up run within 8 s: still shown, and no second notice
    assert shown() == [notice]
    assert app.session_state[state.WORKSPACE] is fresh
    entry = app.session_state[state.FLASH]
    app.session_state[state.FLASH] = {**entry, "first_shown": time.monotonic() - state.FLASH_SECONDS - 1}
    app.run()
    assert not app.exception and not shown()
    assert app.session_state[state.USER] == "ann"  # still signed in throughout


def test_a_run_starting_while_the_sweep_frees_its_workspace_waits_for_it() -> None:
    import gc

    clock = [0.0]
    registry = limits.IdleRegistry(clock=lambda: clock[0])
    held = [Workspace()]
    registry.touch(held[0])
    clock[0] = 1800.0
    run_started, run_in = threading.Event(), threading.Event()
    seen_in_release: list[bool] = []
    followers: list[threading.Thread] = []

    def run() -> None:
        run_started.set()
        with registry.using(held[0]):
            run_in.set()

    def release(workspace: Workspace) -> None:
        followers.append(threading.Thread(target=run))
        followers[0].start()
        assert run_started.wait(10)
        seen_in_release.append(run_in.wait(0.3))  # the run waits instead of using a closing connection

    assert registry.sweep(idle_seconds=1800, release=release) == 1
    assert seen_in_release == [False]
    assert run_in.wait(10)  # and goes on once the data is put away
    followers[0].join(10)
    key = id(held[0])
    assert key in registry._run_locks
    held.clear()
    gc.collect()
    assert key not in registry._run_locks  # a workspace's run lock goes with it
