"""``python -m segdash import``: the report, its JSON shape, and exit code 2 with one plain sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import loaded_after_script

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "segdash", "import", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_json_report(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id;age;vip;joined\n1;34;Yes;04-09-2012\n2;NA;No;21-03-2014\n3;51;yes\n4;1;2;3;4\n")
    done = _run(str(path), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["rows_in_file"], data["rows_loaded"], data["rows_rejected"]) == (4, 3, 1)
    assert data["rejected"] == [{"line": 5, "reason": "has 5 values but the header has 4 columns"}]
    assert data["sheet"] is None
    assert [(c["name"], c["type"], c["missing"]) for c in data["columns"]] == [
        ("id", "number", 0), ("age", "number", 1), ("vip", "boolean", 0), ("joined", "date", 1),
    ]
    roles = {"id", "pii", "geographic", "demographic", "behavioral", "psychographic", "acquisition_channel",
             "acquisition_cost", "revenue", "service_channel", "date", "other"}
    assert all(set(c) == {"name", "type", "role", "missing"} and c["role"] in roles for c in data["columns"])


def test_plain_report(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,x\n2\n")
    done = _run(str(path))
    assert done.returncode == 0, done.stderr
    assert "2 rows in file, 2 loaded, 0 rejected" in done.stdout
    assert "fewer values" in done.stdout


def test_unreadable_file_exits_2_with_one_sentence(tmp_path: Path) -> None:
    image = tmp_path / "photo.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    for target in [str(image), str(tmp_path / "missing.csv")]:
        done = _run(target, "--json")
        assert done.returncode == 2
        assert done.stdout == ""
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert "not a table" in _run(str(image)).stderr


#: Run ``python -m segdash ARGS`` the way a user does, then report which heavy libraries it loaded.
_LOADED_AFTER = loaded_after_script(('pandas', 'ibis', 'sklearn', 'scipy', 'plotly', 'streamlit'))


def test_import_command_loads_neither_pandas_nor_ibis(tmp_path: Path) -> None:
    """Issue 16: the import (read, types, role suggestion, report) runs on DuckDB alone; loading pandas and
    Ibis would cost about a second of every ``segdash import``."""
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,email,age,total_spend,channel,cost,Region,signup,interests\n"
        "C-1,a@b.com,34,12.5,Email,3,1,2024-01-02,Travel\n"
        "C-2,c@d.org,45,99.0,Social,4,2,2024-02-03,Food\n"
        "C-3,e@f.net,-,5.25,Email,5,3,2024-03-04,Travel\n"
        "C-4,g@h.io,51,7.0,Search,6,1,2024-04-05,\n"
    )
    for extra in ([], ["--json"]):
        done = subprocess.run([sys.executable, "-c", _LOADED_AFTER, "import", str(path), *extra], cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report == {"code": 0, "loaded": []}, report
        assert "acquisition_cost" in done.stdout  # the roles were suggested: cost next to a channel
