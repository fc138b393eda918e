"""``python -m segdash roi``: JSON per segment, and one-sentence errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segdash.cli import main

CUSTOMERS = """customer_id,signup_date,orders,total_spend,acquisition_channel,acquisition_cost
C01,2023-09-02,2,100,Social,10
C02,2023-09-02,4,200,Social,10
C03,2022-05-03,2,60,Email,2
C04,2022-05-03,1,40,Email,2
C05,2023-09-02,0,0,Social,10
C06,2021-01-01,3,300,Search,30
C07,2021-01-01,3,300,Search,30
C08,2023-09-02,0,0,Search,30
C09,2023-09-02,1,40,Email,2
C10,2025-01-01,1,60,Email,2
"""
LABELS = "customer_id,segment\n" + "\n".join(
    f"C{i:02d},{seg}" for i, seg in zip(range(1, 11), "AAAABBBBCC", strict=True)) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"customers": tmp_path / "customers.csv", "labels": tmp_path / "labels.csv",
             "spend": tmp_path / "spend.csv"}
    paths["customers"].write_text(CUSTOMERS)
    paths["labels"].write_text(LABELS)
    paths["spend"].write_text("channel,spend\nSocial,300\nEmail,40\nSearch,60\n")
    return paths


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_per_segment_from_cost_column(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]), "--json")
    assert code == 0
    records = {r["segment"]: r for r in json.loads(out)}
    assert set(records["A"]) == {"segment", "customers", "spend", "cac", "revenue", "ltv", "ltv_to_cac", "roi",
                                 "payback_months"}
    assert records["A"]["customers"] == 4
    assert records["A"]["spend"] == pytest.approx(24)
    assert records["A"]["cac"] == pytest.approx(6)
    assert records["A"]["roi"] == pytest.approx((0.4 * 400 - 24) / 24)
    assert records["B"]["revenue"] == pytest.approx(600)


def test_channel_spend_and_margin(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]),
                        "--channel-spend", str(files["spend"]), "--margin", "0.5", "--json")
    assert code == 0
    records = {r["segment"]: r for r in json.loads(out)}
    assert records["A"]["spend"] == pytest.approx(220)  # Social 100 x 2 + Email 10 x 2
    assert records["B"]["cac"] == pytest.approx(40)
    assert records["C"]["roi"] == pytest.approx((0.5 * 100 - 20) / 20)


def test_no_spend_gives_nulls(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["spend"].write_text("channel,spend\nSocial,0\n")
    code, out, _ = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]),
                        "--channel-spend", str(files["spend"]), "--json")
    assert code == 0
    first = json.loads(out)[0]
    assert first["cac"] is None and first["roi"] is None and first["payback_months"] is None


@pytest.mark.parametrize(("change", "message"), [
    (["--margin", "40"], "--margin is a fraction between 0 and 1"),
    (["--margin", "-0.1"], "--margin is a fraction between 0 and 1"),
    (["--labels", "missing.csv"], "does not exist"),
])
def test_bad_arguments_exit_2(files: dict[str, Path], capsys: pytest.CaptureFixture[str], change: list[str],
                              message: str) -> None:
    args = ["roi", str(files["customers"]), "--labels", str(files["labels"]), *change]
    if change[0] == "--labels":
        args = ["roi", str(files["customers"]), "--labels", str(files["labels"].parent / change[1])]
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_arguments_in_a_real_process_print_no_traceback(files: dict[str, Path]) -> None:
    done = subprocess.run([sys.executable, "-m", "segdash", "roi", str(files["customers"]), "--labels",
                           str(files["labels"]), "--margin", "40"], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--margin is a fraction between 0 and 1" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_labels_that_do_not_match(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["labels"].write_text("customer_id,segment\nC01,A\nX99,B\n")
    code, _, err = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]))
    assert code == 2
    assert "do not match the customers" in err


def test_spend_for_unknown_channel(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    files["spend"].write_text("channel,spend\nTikTok,500\n")
    code, _, err = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]),
                        "--channel-spend", str(files["spend"]))
    assert code == 2
    assert "'TikTok'" in err


def test_text_output(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "roi", str(files["customers"]), "--labels", str(files["labels"]))
    assert code == 0
    assert "All customers" in out and "ROI to date" in out


def test_labels_and_ids_with_formula_characters_survive_the_round_trip(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """labels.csv is written spreadsheet-safe ("'-", "'+Gold"); roi must read the original text back."""
    from segdash.report.export import to_safe_csv

    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,total_spend,acquisition_cost\n-1,100,10\n+2,50,10\n=C3,80,20\n@C4,10,5\n")
    labels = pd.DataFrame({"customer_id": ["-1", "+2", "=C3", "@C4"], "segment": ["-", "+Gold", "+Gold", "@x"]})
    path = tmp_path / "labels.csv"
    path.write_bytes(to_safe_csv(labels))
    assert "'-1,'-" in path.read_text(encoding="utf-8-sig")  # the file really is neutralised
    code, out, err = _run(capsys, "roi", str(customers), "--labels", str(path), "--json")
    assert code == 0, err
    records = {r["segment"]: r for r in json.loads(out)}
    assert set(records) == {"-", "+Gold", "@x"}
    assert records["+Gold"]["customers"] == 2
    assert records["+Gold"]["spend"] == pytest.approx(30)
    assert records["-"]["revenue"] == pytest.approx(100)
