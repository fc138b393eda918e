"""Real public customer files (../shared/datasets, or SEGDASH_DATASETS): exact row counts and types."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segdash import db
from segdash.ingest import import_file

DATASETS = Path(os.environ.get("SEGDASH_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets")

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"real datasets folder {DATASETS} is absent"),
]

CASES = {
    "Mall_Customers.csv": (200, ["Age", "Annual Income (k$)", "Spending Score (1-100)"], []),
    "marketing_campaign.csv": (2240, ["Income", "Year_Birth", "MntWines"], ["Dt_Customer"]),
    "WA_Fn-UseC_-Telco-Customer-Churn.csv": (7043, ["TotalCharges", "MonthlyCharges", "tenure"], []),
    "bank.csv": (4521, ["age", "balance", "duration"], []),
    "Online Retail.xlsx": (40000, ["Quantity", "UnitPrice"], ["InvoiceDate"]),
}


@pytest.fixture(scope="module")
def imported() -> dict[str, tuple]:
    out = {}
    for name in CASES:
        con = db.connect()
        result = import_file(con, DATASETS / name)
        out[name] = (result, con)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_exact_rows_and_expected_types(imported: dict[str, tuple], name: str) -> None:
    result, con = imported[name]
    rows, numbers, dates = CASES[name]
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (rows, rows, 0)
    assert con.execute("SELECT count(*), count(DISTINCT _row) FROM customers").fetchone() == (rows, rows)
    types = {c.name: c.type for c in result.columns}
    for column in numbers:
        assert types[column] == "number", column
    for column in dates:
        assert types[column] == "date", column


def test_marketing_details(imported: dict[str, tuple]) -> None:
    result, con = imported["marketing_campaign.csv"]
    assert result.delimiter == "\t"
    assert {c.name: c.missing for c in result.columns}["Income"] == 24
    assert "Dates in 'Dt_Customer' were read as day-month-year (dd-mm-yyyy)." in result.notes
    first = con.execute('SELECT "Dt_Customer"::VARCHAR FROM customers WHERE _row = 2').fetchone()[0]
    assert first == "2012-09-04"


def test_telco_blank_charges_are_missing(imported: dict[str, tuple]) -> None:
    result, _ = imported["WA_Fn-UseC_-Telco-Customer-Churn.csv"]
    columns = {c.name: c for c in result.columns}
    assert columns["TotalCharges"].missing == 11
    assert result.missing_tokens["TotalCharges"] == ["(blank)"]
    assert columns["SeniorCitizen"].type == "number"
    assert columns["Churn"].type == "boolean"


def test_bank_unknown_is_missing(imported: dict[str, tuple]) -> None:
    result, con = imported["bank.csv"]
    assert result.delimiter == ";"
    assert result.missing_tokens["poutcome"] == ["unknown"]
    assert con.execute("SELECT min(balance) < 0 FROM customers").fetchone()[0]


def test_mall_rows_are_lines(imported: dict[str, tuple]) -> None:
    _, con = imported["Mall_Customers.csv"]
    assert con.execute("SELECT min(_row), max(_row) FROM customers").fetchone() == (2, 201)
