"""The command line does what the page does (issue 16): RFM per customer, --role, roi column options."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from segdash.cli import main
from segdash.ui.state import WORKSPACE
from tests.conftest import TRANSACTIONS

K = "segdash.segments."


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_rfm_on_order_lines_gives_the_page_numbers(make_app: Callable[..., object], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Same file, same settings: the page's RFM and ``segment --method rfm`` score the same customers alike."""
    at = make_app(TRANSACTIONS, timeout=180)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    at.radio(key=K + "method").set_value("RFM").run()
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and not at.error
    page = at.session_state[WORKSPACE].segmentation

    code, out, err = _run(capsys, "segment", str(TRANSACTIONS), "--method", "rfm", "--out",
                          str(tmp_path / "labels.csv"), "--json")
    assert code == 0, err
    cli = json.loads(out)
    assert cli["unit"] == "order lines"
    # customers, not order lines: the transactions file has ~580 customers on thousands of lines
    assert cli["customers"] == page.extra["customers"] < sum(cli["sizes"].values())
    assert cli["customers_per_group"] == page.extra["customers_per_group"]
    assert sum(cli["customers_per_group"].values()) == cli["customers"]
    assert cli["sizes"] == page.sizes
    # averages: DuckDB adds floats in parallel, so the last digit may differ between two runs
    assert cli["group_summary"] == [pytest.approx(row) for row in page.extra["group_summary"]]
    assert cli["columns"]["customer"] == "customer_id" and cli["columns"]["date"] == "invoice_date"

    code, out, _ = _run(capsys, "segment", str(TRANSACTIONS), "--method", "rfm", "--out",
                        str(tmp_path / "labels.csv"))
    assert code == 0
    assert out.startswith(f"{cli['customers']:,} customers in ")
    assert "order lines" in out.splitlines()[0]


ORDER_LINES = """line,buyer,day,value
1,A,2024-01-01,10
2,A,2024-02-01,20
3,B,2024-01-15,5
4,C,2024-03-01,50
5,C,2024-03-02,5
6,D,2023-12-01,1
"""


def test_order_lines_columns_can_be_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(ORDER_LINES)
    # nothing says "customer id" or "amount" here: name them
    code, out, err = _run(capsys, "segment", str(path), "--method", "rfm", "--customer-id", "buyer",
                          "--date", "day", "--amount", "value", "--out", str(tmp_path / "l.csv"), "--json")
    assert code == 0, err
    result = json.loads(out)
    # A: 2 orders, 30, last 02-01; B: 1, 5, 01-15; C: 2, 55, 03-02 (latest); D: 1, 1, 2023-12-01
    assert result["customers"] == 4
    summary = {g["group"]: g for g in result["group_summary"]}
    assert sum(g["customers"] for g in summary.values()) == 4
    assert sum(g["avg_spend"] * g["customers"] for g in summary.values()) == pytest.approx(91.0)
    code, _, err = _run(capsys, "segment", str(path), "--method", "rfm", "--customer-id", "buyer",
                        "--date", "value", "--out", str(tmp_path / "l.csv"))
    assert code == 2 and "date column 'value' holds number" in err


MONEY = """id,Recency,NumOrders,Wallet
1,10,5,500
2,20,1,100
3,30,3,300
4,40,4,400
5,50,2,200
"""


def test_role_option_corrects_a_role_on_every_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "money.csv"
    path.write_text(MONEY)
    out_csv = str(tmp_path / "l.csv")
    code, _, err = _run(capsys, "segment", str(path), "--method", "rfm", "--out", out_csv)
    assert code == 2 and "no column can serve as money" in err and "\n" not in err.strip()
    code, out, err = _run(capsys, "segment", str(path), "--method", "rfm", "--role", "Wallet=revenue",
                          "--out", out_csv, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["columns"] == {"recency": "Recency", "frequency": ["NumOrders"], "monetary": ["Wallet"]}
    code, out, _ = _run(capsys, "import", str(path), "--role", "Wallet=revenue", "--json")
    assert code == 0
    assert {c["name"]: c["role"] for c in json.loads(out)["columns"]}["Wallet"] == "revenue"
    code, _, err = _run(capsys, "import", str(path), "--role", "Wallet=money")
    assert code == 2 and "'money' is not a role" in err
    code, _, err = _run(capsys, "import", str(path), "--role", "Purse=revenue")
    assert code == 2 and "no column 'Purse'" in err


def test_implausible_rfm_columns_are_refused_on_the_command_line(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "money.csv"
    path.write_text(MONEY)
    code, _, err = _run(capsys, "segment", str(path), "--method", "rfm", "--role", "Wallet=revenue",
                        "--monetary", "Recency", "--out", str(tmp_path / "l.csv"))
    assert code == 2 and "'Recency' is chosen for both recency and money" in err
    code, _, err = _run(capsys, "segment", str(path), "--method", "rfm", "--role", "Wallet=revenue",
                        "--frequency", "Wallet", "--monetary", "NumOrders", "--out", str(tmp_path / "l.csv"))
    assert code == 2 and "'Wallet' cannot serve as frequency" in err


ROI = """customer_id,how_found,paid,bought,joined
C1,Social,10,100,2024-01-01
C2,Social,10,50,2024-01-01
C3,Email,2,40,2024-01-01
C4,Email,2,20,2024-01-01
"""


def test_roi_takes_the_columns_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, labels = tmp_path / "c.csv", tmp_path / "labels.csv"
    path.write_text(ROI)
    labels.write_text("customer_id,segment\nC1,A\nC2,A\nC3,B\nC4,B\n")
    code, out, err = _run(capsys, "roi", str(path), "--labels", str(labels), "--cost", "paid", "--revenue",
                          "bought", "--channel", "how_found", "--signup", "joined", "--json")
    assert code == 0, err
    records = {r["segment"]: r for r in json.loads(out)}
    assert records["A"]["cac"] == pytest.approx(10.0) and records["B"]["cac"] == pytest.approx(2.0)
    assert records["A"]["revenue"] == pytest.approx(150.0) and records["B"]["revenue"] == pytest.approx(60.0)
    code, _, err = _run(capsys, "roi", str(path), "--labels", str(labels), "--cost", "nope")
    assert code == 2 and "--cost: there is no column 'nope'" in err


def test_a_file_with_one_describing_column_is_not_clustered(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("customer_id,name,Quantity\nc1,Ann,1\nc2,Bob,5\nc3,Cy,2\nc4,Di,8\n")
    code, _, err = _run(capsys, "segment", str(path), "--method", "kmeans", "--role", "Quantity=behavioral",
                        "--out", str(tmp_path / "l.csv"))
    assert code == 2 and "Only one column describes your customers ('Quantity')" in err
    # naming the features is still allowed
    code, out, err = _run(capsys, "segment", str(path), "--method", "kmeans", "--features", "Quantity", "--k", "2",
                          "--out", str(tmp_path / "l.csv"), "--json")
    assert code == 0, err
    assert json.loads(out)["k"] == 2


def test_every_file_command_takes_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from segdash.cli import build_parser

    parser = build_parser()
    for argv in (["import", "f.csv"], ["segment", "f.csv", "--method", "rfm", "--out", "o.csv"],
                 ["roi", "f.csv", "--labels", "l.csv"], ["score", "f.csv", "--segmentation", "s", "--out", "o.csv"],
                 ["playbook", "f.csv", "--labels", "l.csv"], ["report", "f.csv", "--labels", "l.csv", "--out", "o"]):
        assert parser.parse_args([*argv, "--role", "a=revenue"]).role == ["a=revenue"], argv[0]
    path, labels = tmp_path / "money.csv", tmp_path / "labels.csv"
    path.write_text(MONEY)
    labels.write_text("id,segment\n1,A\n2,A\n3,B\n4,B\n5,B\n")
    code, _, err = _run(capsys, "playbook", str(path), "--labels", str(labels), "--role", "Purse=revenue")
    assert code == 2 and "no column 'Purse'" in err
