"""``python -m segdash report``: from a file and its labels, and from a project's saved segmentation."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from segdash import cli
from segdash.report.export import to_safe_csv
from segdash.segment import labels_frame
from segdash.store import Store
from tests.conftest import REPO
from tests.report_helpers import EMAILS, tiny_workspace


def _labels(tmp_path: Path) -> tuple[Path, Path]:
    ws = tiny_workspace(tmp_path)
    labels = tmp_path / "labels.csv"
    labels.write_bytes(to_safe_csv(labels_frame(ws.data, roles=ws.roles)))
    return tmp_path / "tiny customers.csv", labels


def test_report_from_file_and_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, labels = _labels(tmp_path)
    out, xlsx = tmp_path / "report.html", tmp_path / "book.xlsx"
    code = cli.main(["report", str(data), "--labels", str(labels), "--margin", "0.3", "--out", str(out),
                     "--xlsx", str(xlsx), "--summary", "Keep both."])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert re.match(r".*report\.html \(\d+\.\d MB, 7 sections, \d+ charts\)", printed.splitlines()[0])
    page = out.read_text(encoding="utf-8")
    assert "Gross margin: 30% of revenue." in page and "Keep both." in page
    assert "tiny customers.csv: 12 rows in the file, 12 loaded, 0 rejected." in page
    assert not any(email in page for email in EMAILS)
    book = openpyxl.load_workbook(xlsx)
    assert "Customer labels" in book.sheetnames and book["Customer labels"].max_row == 13


def test_report_sections_chosen(tmp_path: Path) -> None:
    data, labels = _labels(tmp_path)
    out = tmp_path / "report.html"
    assert cli.main(["report", str(data), "--labels", str(labels), "--out", str(out), "--sections", "sizes,proof"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "1. Segment sizes" in page and "2. Do the segments really differ?" in page
    assert "The data</h2>" not in page and "Acquisition cost, lifetime value" not in page


@pytest.mark.parametrize(("extra", "message"), [
    (["--margin", "40"], "--margin is a fraction"),
    (["--sections", "sizes,cake"], "no section 'cake'"),
])
def test_user_errors_print_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               extra: list[str], message: str) -> None:
    data, labels = _labels(tmp_path)
    code = cli.main(["report", str(data), "--labels", str(labels), "--out", str(tmp_path / "r.html"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_report_needs_labels_or_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["report", "x.csv", "--out", str(tmp_path / "r.html")])
    assert code == 2 and "--labels" in capsys.readouterr().err


def _saved_project(tmp_path: Path) -> tuple[Store, object]:
    (tmp_path / "src").mkdir()
    ws = tiny_workspace(tmp_path / "src", name_young="Young shoppers")
    store = Store(tmp_path / "home")
    project = store.create_project("Shop")
    ws.open_project(project, restore=False)
    ws.store_dataset()
    ws.save_segmentation("By age")
    return store, project


def test_report_from_a_saved_segmentation(tmp_path: Path) -> None:
    store, project = _saved_project(tmp_path)
    out = tmp_path / "report.html"
    code = cli.main(["report", "--project", str(project.path), "--segmentation", "By age", "--out", str(out)])
    assert code == 0
    assert cli.main(["report", "--project", str(store.home), "--in", "Shop", "--segmentation", "By age",
                     "--out", str(tmp_path / "again.html")]) == 0
    assert code == 0
    page = out.read_text(encoding="utf-8")
    created = datetime.fromisoformat(project.find_segmentation("By age")["created"]).strftime("%Y-%m-%d %H:%M")
    assert "Young shoppers" in page and f"<td class=\"\">{created}</td>" in page and "Random seed" in page
    assert "tiny customers.csv: 12 rows in the file, 12 loaded, 0 rejected." in page
    assert not any(email in page for email in EMAILS)


def test_report_by_project_name_in_segdash_home(tmp_path: Path) -> None:
    store, project = _saved_project(tmp_path)
    out = tmp_path / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "segdash", "report", "--in", "Shop", "--segmentation", "Nope", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, env={"SEGDASH_HOME": str(store.home), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 2
    assert "no saved segmentation called 'Nope'" in result.stderr and "By age" in result.stderr
    assert not out.exists()


def test_report_with_channel_spend(tmp_path: Path) -> None:
    data, labels = _labels(tmp_path)
    spend = tmp_path / "spend.csv"
    spend.write_text("channel,spend\nSocial,400\nEmail,200\nReferral,400\n", encoding="utf-8")
    out = tmp_path / "report.html"
    assert cli.main(["report", str(data), "--labels", str(labels), "--channel-spend", str(spend),
                     "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Acquisition spend entered per channel, shared equally among each channel&#x27;s customers." in page
    # all customers: spend 400 + 200 + 400 = 1,000 over 12 customers -> CAC 83.33
    assert "<td class=\"\">All customers</td><td class=\"\">12</td><td class=\"\">1,000</td><td class=\"\">83.33</td>" in page
