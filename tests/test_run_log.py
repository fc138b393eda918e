"""The run log (SEGDASH_RUN_LOG): one line per page run, how long the server took (issue 14)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from segdash import limits
from segdash.ui.limits import run_outcome

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import load_test  # noqa: E402
from load_test import own_computer_estimate, server_clicks  # noqa: E402


def test_a_line_holds_the_times_and_a_digest_of_the_session_not_the_session(tmp_path: Path) -> None:
    log = limits.RunLog(tmp_path / "runs.jsonl")
    fields = log.record(session="abc-123", page="Segments", started=100.0, ended=102.5, cpu=0.25,
                        client="x" * 100)
    line = json.loads((tmp_path / "runs.jsonl").read_text())
    assert line == fields
    assert line["session"] == hashlib.sha256(b"abc-123").hexdigest()[:12] and "abc-123" not in json.dumps(line)
    assert (line["page"], line["seconds"], line["cpu"], line["outcome"]) == ("Segments", 2.5, 0.25, "done")
    assert line["client"] == "x" * limits.CLIENT_LABEL_CHARS  # cut: an address is the user's text


def test_lines_written_at_once_by_many_runs_never_mix(tmp_path: Path) -> None:
    log = limits.RunLog(tmp_path / "runs.jsonl")

    def write(index: int) -> None:
        for step in range(50):
            log.record(session=f"s{index}", page="Data", started=step, ended=step + 1, cpu=0.0)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 400
    assert all(json.loads(line)["page"] == "Data" for line in lines)


def test_no_setting_no_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEGDASH_RUN_LOG", raising=False)
    assert limits.run_log() is None
    monkeypatch.setenv("SEGDASH_RUN_LOG", str(tmp_path / "r.jsonl"))
    assert limits.run_log().path == tmp_path / "r.jsonl"
    assert limits.run_log() is limits.run_log()  # one lock per file


def test_how_a_run_ended() -> None:
    assert run_outcome(None) == "done"
    assert run_outcome(RerunException(None)) == "rerun"
    assert run_outcome(StopException()) == "stopped"
    assert run_outcome(ValueError("boom")) == "error"


def test_the_app_logs_each_run_with_its_page(make_app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    monkeypatch.setenv("SEGDASH_RUN_LOG", str(path))
    app = make_app().run()
    assert not app.exception
    # (AppTest runs app.py once, then the page alone; a real server's every run is covered by
    # tests/test_bench_smoke.py, whose load test reads each click's server time from this log)
    (run,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert (run["page"], run["outcome"]) == ("Data", "done")
    assert run["end"] >= run["start"] and run["seconds"] > 0 and run["cpu"] > 0
    assert set(run) == {"session", "page", "start", "end", "seconds", "cpu", "outcome"}  # no client label given


def test_the_load_test_gives_each_click_the_runs_it_caused(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    lines = [
        {"session": "aaa", "page": "Data", "start": 10.0, "end": 11.0, "cpu": 0.1, "client": "0"},
        {"session": "bbb", "page": "Data", "start": 10.2, "end": 10.5, "cpu": 0.1, "client": "1"},
        {"session": "aaa", "page": "Data", "start": 12.0, "end": 12.5, "cpu": 0.2},  # upload: load ...
        {"session": "aaa", "page": "Data", "start": 12.5, "end": 14.0, "cpu": 0.3},  # ... then the rerun
        {"session": "bbb", "page": "Data", "start": 12.1, "end": 12.2, "cpu": 0.05},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    windows = {0: [("first page load", 9.9, 11.5), ("upload file", 11.9, 15.0)],
               1: [("first page load", 10.1, 10.9), ("upload file", 12.0, 12.9)]}
    got = server_clicks(path, windows)
    assert got["first page load"] == [(1.0, 0.1), (pytest.approx(0.3), 0.1)]
    assert got["upload file"] == [(2.0, 0.5), (pytest.approx(0.1), 0.05)]


def test_a_run_log_that_cannot_be_written_never_breaks_the_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from segdash.ui import limits as ui_limits

    monkeypatch.setenv("SEGDASH_RUN_LOG", str(tmp_path / "no-such-folder" / "runs.jsonl"))
    ui_limits.begin_run()
    assert ui_limits.end_run(None) is None  # said in the server log, not raised
    monkeypatch.setenv("SEGDASH_RUN_LOG", "~no-such-user-here/runs.jsonl")  # expanduser raises
    ui_limits.begin_run()
    assert ui_limits.end_run(None) is None


def test_the_estimate_for_browsers_on_their_own_computers_adds_the_browser_part_measured_alone() -> None:
    timings = {"cluster": [6.0, 9.0], "choose Clustering": [2.0, 3.0]}
    server = {"cluster": [(1.0, 0.2), (1.5, 0.3)]}  # no run for the radio: drawn by the browser alone
    solo = {"timings": {"cluster": [1.6], "choose Clustering": [0.1]}, "server": {"cluster": [(0.4, 0.2)]}}
    got = own_computer_estimate(timings, server, solo)
    # browser part of the cluster click alone: 1.6 - 0.4 = 1.2 s, added to each share under load
    assert got["cluster"] == [pytest.approx(2.2), pytest.approx(2.7)]
    assert got["choose Clustering"] == [0.1, 0.1]
    # a click the solo run did not reach is left out, and a browser part is never negative
    assert own_computer_estimate({"x": [1.0]}, {}, solo) == {}
    fast = {"timings": {"cluster": [0.3]}, "server": {"cluster": [(0.4, 0.2)]}}
    assert own_computer_estimate({"cluster": [5.0]}, {"cluster": [(2.0, 0.1)]}, fast)["cluster"] == [2.0]


def test_the_low_priority_browser_lowers_its_own_sessions_weight(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    # Playwright starts the browser in a session of its own (setsid here); with autogroup, a nice or
    # idle-class process in another session still gets that session's full share unless the
    # session's own weight is lowered
    assert shutil.which("setsid") and shutil.which("chrt")
    monkeypatch.setattr(load_test, "CHROMIUM", "/bin/cat")
    monkeypatch.setattr(load_test.tempfile, "gettempdir", lambda: str(tmp_path))  # not a real load test's wrapper
    for nice, expected in (("idle", 19), ("10", 10)):
        time.sleep(0.15)  # Linux lets a user other than root change an autogroup's nice once per 100 ms
        wrapper = load_test.chromium_at(nice)
        assert Path(wrapper).parent == tmp_path
        shown = subprocess.run(["setsid", wrapper, "/proc/self/autogroup", "/proc/self/stat"], capture_output=True,
                               text=True, check=True).stdout
        assert f"nice {expected}" in shown
        fields = shown.split(")", 1)[1].split()  # /proc/self/stat from field 3 on
        assert int(fields[16]) == (0 if nice == "idle" else expected)  # field 19: nice
        assert int(fields[38]) == (5 if nice == "idle" else 0)  # field 41: policy, 5 = SCHED_IDLE
    assert load_test.chromium_at("0") == "/bin/cat"
    # started without a session of its own, the launcher leaves the caller's group alone
    # (a process in the kernel's root group reads an empty file: CI's runner is one)
    mine = Path("/proc/self/autogroup").read_text()
    shown = subprocess.run([load_test.chromium_at("idle"), "/proc/self/autogroup"], capture_output=True, text=True,
                           check=True).stdout
    assert shown == mine and Path("/proc/self/autogroup").read_text() == mine
