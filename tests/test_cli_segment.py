"""``python -m segdash segment``: labels.csv, --json, odd column names, bad input (exit 2, one sentence)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segdash.cli import main

REPO = Path(__file__).resolve().parents[1]


def _segment(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segdash", "segment", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _segment_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``segment`` in this process (fast): exit code and stderr."""
    code = main(["segment", *args])
    return code, capsys.readouterr().err


def _read_labels(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)


@pytest.fixture
def customers(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text(
        "customer_id,country,age,\"orders count\",spend [$],last purchase\n"
        "c1,France,20,1,10.5,2024-01-01\n"
        "c2,France,30,2,20.5,2024-02-01\n"
        "c3,Spain,40,3,30.5,2024-03-01\n"
        "c4,Spain,50,4,40.5,2024-04-01\n"
        "c5,Italy,60,5,50.5,2024-05-01\n",
        encoding="utf-8",
    )
    return path


def test_dimensions_writes_one_label_per_row_keyed_by_id(customers: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.csv"
    done = _segment(str(customers), "--method", "dimensions", "--dimensions", "country", "--out", str(out),
                    "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"method", "k", "k_reason", "sizes", "unit", "scores", "stability", "seconds"}
    assert result["method"] == "dimensions" and result["k"] == 3
    assert result["sizes"] == {"France": 2, "Spain": 2, "Italy": 1}
    labels = _read_labels(out)
    assert list(labels.columns) == ["customer_id", "segment"]
    assert labels.values.tolist() == [["c1", "France"], ["c2", "France"], ["c3", "Spain"], ["c4", "Spain"],
                                      ["c5", "Italy"]]


def test_kmeans_with_odd_column_names_and_fixed_k(customers: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.csv"
    done = _segment(str(customers), "--method", "kmeans", "--features", "orders count,spend [$]", "--k", "2",
                    "--seed", "3", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["k"] == 2 and sum(result["sizes"].values()) == 5
    assert list(result["scores"]) == ["2"] and set(result["scores"]["2"]) >= {"silhouette", "davies_bouldin"}
    again = tmp_path / "again.csv"
    assert _segment(str(customers), "--method", "kmeans", "--features", "orders count,spend [$]", "--k", "2",
                    "--seed", "3", "--out", str(again)).returncode == 0
    assert out.read_bytes() == again.read_bytes()  # same settings and seed, same labels


def test_rfm_on_customer_columns(customers: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.csv"
    done = _segment(str(customers), "--method", "rfm", "--out", str(out))
    assert done.returncode == 0, done.stderr
    # 5 customers, R/F/M all rising together: scores 1..5 -> Lost, Hibernating, Need attention, Loyal, Champions
    assert _read_labels(out)["segment"].tolist() == ["Lost", "Hibernating", "Need attention", "Loyal",
                                                     "Champions"]
    assert "5 customers in 5 segments" in done.stdout


def test_transactions_without_unique_id_use_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("invoice_no,customer_id,invoice_date,quantity,unit_price\n"
                    "1,A,2024-01-01,1,10\n1,A,2024-01-01,2,5\nC2,A,2024-01-02,-1,10\n"
                    "3,B,2024-02-01,1,7\n4,,2024-02-02,1,1\n", encoding="utf-8")
    out = tmp_path / "labels.csv"
    done = _segment(str(path), "--method", "rfm", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    labels = _read_labels(out)
    assert list(labels.columns) == ["row", "segment"] and len(labels) == 5
    assert labels["segment"].iloc[-1] == "No customer id"
    assert sum(json.loads(done.stdout)["sizes"].values()) == 5


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--method", "dimensions"], "needs --dimensions"),
        (["--method", "dimensions", "--dimensions", "nope"], "no column 'nope'"),
        (["--method", "kmeans", "--k", "many"], "--k must be"),
        (["--method", "kmeans", "--k-range", "2to5"], "--k-range must"),
        (["--method", "kmeans", "--k", "9", "--features", "age"], "only 5 distinct"),
        (["--method", "kmeans", "--features", "customer_id"], "never used"),
    ],
)
def test_bad_input_exits_2_with_one_sentence(customers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             args: list[str], words: str) -> None:
    code, err = _segment_here(capsys, str(customers), *args, "--out", str(tmp_path / "labels.csv"))
    assert code == 2
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_input_in_a_real_process_prints_no_traceback(customers: Path, tmp_path: Path) -> None:
    done = _segment(str(customers), "--method", "kmeans", "--k", "9", "--features", "age", "--out",
                    str(tmp_path / "labels.csv"))
    assert done.returncode == 2
    assert "only 5 distinct" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_transactions_without_customer_id_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("invoice,date,qty,price\n1,2024-01-01,1,2.5\n2,2024-01-02,2,3\n2,2024-01-02,1,3\n")
    code, err = _segment_here(capsys, str(path), "--method", "rfm", "--out", str(tmp_path / "labels.csv"))
    assert code == 2 and "no customer id" in err and len(err.strip().splitlines()) == 1


def test_single_customer_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.csv"
    path.write_text("customer_id,orders,spend\nc1,3,10\n")
    code, err = _segment_here(capsys, str(path), "--method", "kmeans", "--features", "orders,spend", "--out",
                              str(tmp_path / "labels.csv"))
    assert code == 2 and "only one customer" in err and len(err.strip().splitlines()) == 1
