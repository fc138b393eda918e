"""The run log (SEGDASH_RUN_LOG): one line per page run, how long the server took (issue 14)."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from segdash import limits
from segdash.ui.limits import run_outcome

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from load_test import server_clicks  # noqa: E402


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
