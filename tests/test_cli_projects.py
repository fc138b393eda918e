"""``segment --save``, ``score`` and ``projects`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segdash.cli import main
from tests.conftest import SAMPLE

REPO = Path(__file__).resolve().parents[1]


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main([*args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_segment_save_then_score_reproduces_the_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    saved = _json(capsys, "segment", str(SAMPLE), "--method", "kmeans", "--k", "3", "--out", str(tmp_path / "a.csv"),
                  "--project", str(home), "--save", "Value tiers")
    assert saved["saved"] == "Value tiers" and saved["project"] == "Command line"
    scored = _json(capsys, "score", str(SAMPLE), "--project", str(home), "--segmentation", "Value tiers",
                   "--out", str(tmp_path / "b.csv"))
    assert scored["customers"] == 5000 and scored["new_customers"] == 0 and scored["gone_customers"] == 0
    assert sum(scored["sizes"].values()) == 5000
    first = pd.read_csv(tmp_path / "a.csv", dtype=str, encoding="utf-8-sig")
    second = pd.read_csv(tmp_path / "b.csv", dtype=str, encoding="utf-8-sig")
    assert first.equals(second)
    listing = _json(capsys, "projects", "--project", str(home))
    assert [p["name"] for p in listing["projects"]] == ["Command line"]
    assert [s["name"] for s in listing["projects"][0]["segmentations"]] == ["Value tiers"]


def test_score_counts_new_customers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    _json(capsys, "segment", str(SAMPLE), "--method", "rfm", "--out", str(tmp_path / "a.csv"), "--project",
          str(home), "--in", "Spring", "--save", "RFM")
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame.loc[:19, "customer_id"] = [f"NEW{i}" for i in range(20)]
    newer = tmp_path / "newer.csv"
    frame.to_csv(newer, index=False)
    scored = _json(capsys, "score", str(newer), "--project", str(home), "--in", "Spring", "--segmentation", "RFM",
                   "--out", str(tmp_path / "b.csv"), "--save", "RFM April")
    assert (scored["customers"], scored["new_customers"], scored["gone_customers"]) == (5000, 20, 20)
    listing = _json(capsys, "projects", "--project", str(home))
    names = [s["name"] for s in listing["projects"][0]["segmentations"]]
    assert names == ["RFM", "RFM April"]


def test_unknown_segmentation_is_one_plain_sentence(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "segdash", "score", str(SAMPLE), "--project", str(tmp_path),
                           "--segmentation", "Nope", "--out", str(tmp_path / "x.csv")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Nope" in done.stderr and "Traceback" not in done.stderr
