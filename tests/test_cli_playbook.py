"""``python -m segdash playbook``: per segment channel mix, preferred channel or reason, tone, approach, evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from segdash.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rows = ["customer_id,age,preferred_service_channel"]
    # A: 40 older customers, 30 Phone + 6 Mobile Phone (merged) + 4 Email; B: 10 younger, 6 chat, 4 Twitter
    rows += [f"A{i},{70},{'Phone' if i < 30 else 'Mobile Phone' if i < 36 else 'Email'}" for i in range(40)]
    rows += [f"B{i},{22},{'Chat' if i < 6 else 'Twitter'}" for i in range(10)]
    customers = tmp_path / "customers.csv"
    customers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("customer_id,segment\n" + "".join(f"{r.split(',')[0]},{r[0]}\n" for r in rows[1:]),
                      encoding="utf-8")
    return {"customers": customers, "labels": labels}


def test_json_per_segment(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", str(files["customers"]), "--labels", str(files["labels"]), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    a, b = records
    assert set(a) >= {"segment", "customers", "channel_mix", "preferred_channel", "reason", "tone", "approach",
                      "evidence"}
    assert (a["segment"], a["customers"], a["preferred_channel"], a["tone"], a["approach"]) == (
        "A", 40, "Phone", "formal", "reassuring")
    phone = a["channel_mix"][0]
    assert phone["channel"] == "Phone" and phone["share"] == pytest.approx(36 / 40)
    low, high = proportion_confint(36, 40, method="wilson")
    assert (phone["low"], phone["high"]) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    assert any(line.startswith("Rule 1 (age: average at least 55) fired") for line in a["evidence"])
    # B: only 10 customers with a known channel
    assert b["preferred_channel"] is None and b["reason"].startswith("Only 10 customers")
    assert {m["channel"] for m in b["channel_mix"]} == {"Live chat", "Social media"}
    assert b["tone"] == "casual"


def test_text_output_and_errors(files: dict[str, Path], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "segdash", "playbook", str(files["customers"]), "--labels",
                           str(files["labels"])], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "A (40 customers): Phone; tone formal, approach reassuring"
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,segment\nZ1,A\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "segdash", "playbook", str(files["customers"]), "--labels", str(bad)],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("segdash: The labels in bad.csv do not match") and "Traceback" not in done.stderr
