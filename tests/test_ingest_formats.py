"""Formats told by content: Parquet and Excel go through the same typing as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import import_file


def _rows(con) -> list[tuple]:
    return con.execute("SELECT * FROM customers ORDER BY _row").fetchall()


def _types(con) -> dict[str, str]:
    return dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [db.TABLE]
        ).fetchall()
    )


def test_parquet_native_and_text_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], type=pa.int32()),
            "spend": pa.array([1.5, None, 3.0]),
            "joined": pa.array([dt.date(2020, 1, 2), dt.date(2021, 3, 4), None]),
            "income": pa.array(["$1,000", "NA", "$2,500.50"]),
            "vip": pa.array(["Yes", "No", "yes"]),
            "city": pa.array(["Paris", "Lyon", None]),
        }
    )
    path = tmp_path / "customers.data"  # no telling extension: content decides
    pq.write_table(table, path)
    con = db.connect()
    result = import_file(con, path)
    assert result.format == "parquet"
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    assert [(c.name, c.type) for c in result.columns] == [
        ("id", "number"), ("spend", "number"), ("joined", "date"), ("income", "number"), ("vip", "boolean"),
        ("city", "text"),
    ]
    types = _types(con)
    assert (types["_row"], types["id"], types["spend"], types["income"]) == ("BIGINT", "BIGINT", "DOUBLE", "DOUBLE")
    assert _rows(con) == [
        (1, 1, 1.5, dt.date(2020, 1, 2), 1000.0, True, "Paris"),
        (2, 2, None, dt.date(2021, 3, 4), None, False, "Lyon"),
        (3, 3, 3.0, None, 2500.5, True, None),
    ]
    assert {c.name: c.missing for c in result.columns}["income"] == 1
    assert result.missing_tokens["income"] == ["NA"]


def test_damaged_parquet(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 100)
    with pytest.raises(DataImportError, match="Parquet"):
        import_file(db.connect(), path)


def _workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_excel_rows_are_sheet_rows_and_types_come_from_the_whole_column(tmp_path: Path) -> None:
    path = tmp_path / "book.bin"
    _workbook(
        path,
        {
            "About": [["Field", "Description"], ["age", "Age of the customer in years at signup"],
                      ["spend", "Total spend in euros over the whole relationship"]],
            "Customers": [
                ["Customers export"],
                [],
                ["id", "age", "signup", "vip", "spend", "age"],
                [1, 34, dt.datetime(2020, 1, 2), True, "$1,200.50", 1],
                [2, None, dt.datetime(2021, 5, 6, 10, 30), False, "NA", 2],
                [3, 51, dt.datetime(2022, 7, 8), True, "$80", 3],
            ],
        },
    )
    con = db.connect()
    result = import_file(con, path)
    assert result.format == "xlsx"
    assert result.sheet == "Customers"
    assert result.sheets == ["About", "Customers"]
    assert (result.rows_in_file, result.rows_loaded) == (3, 3)
    assert [c.name for c in result.columns] == ["id", "age", "signup", "vip", "spend", "age (2)"]
    assert [c.type for c in result.columns] == ["number", "number", "date", "boolean", "number", "number"]
    rows = _rows(con)
    assert [r[0] for r in rows] == [4, 5, 6]
    assert rows[1][2] is None and rows[1][5] is None
    assert rows[0][5] == 1200.5
    assert rows[1][3] == dt.datetime(2021, 5, 6, 10, 30)


def test_excel_chosen_sheet(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    _workbook(path, {"A": [["x"], [1]], "B": [["y", "z"], ["a", 2], ["b", 3]]})
    con = db.connect()
    result = import_file(con, path, sheet="B")
    assert result.sheet == "B"
    assert _rows(con) == [(2, "a", 2), (3, "b", 3)]
    with pytest.raises(DataImportError, match="no sheet called 'C'"):
        import_file(con, path, sheet="C")
    assert _rows(con) == [(2, "a", 2), (3, "b", 3)]
