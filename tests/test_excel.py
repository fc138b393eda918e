"""Excel reading: sheet listing, table detection, header finding, cell text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from segdash.errors import DataImportError
from segdash.ingest.excel import SheetInfo, cell_text, choose_sheet, list_sheets, read_sheet

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _save(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write ``sheets`` (name -> rows, ``None`` for an empty cell) to an xlsx file."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row_index, row in enumerate(rows, start=1):
            for col_index, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=row_index, column=col_index, value=value)
    workbook.save(path)
    return path


def _columns(table) -> dict[str, list]:
    return {name: table.column(name).to_pylist() for name in table.column_names}


def test_mixed_types_become_exact_text(tmp_path):
    path = _save(
        tmp_path / "mixed.xlsx",
        {
            "Orders": [
                ["InvoiceNo", "StockCode", "Quantity", "UnitPrice", "InvoiceDate", "Day", "Paid"],
                [536365, 85123, 6, 2.55, dt.datetime(2010, 12, 1, 8, 26), dt.date(2010, 12, 1), True],
                ["C536379", "85123A", -1, 27.5, dt.datetime(2010, 12, 1, 9, 41, 0), dt.date(2011, 1, 2), False],
                [536400, None, 3.0, 0.1, None, None, None],
            ]
        },
    )
    table = read_sheet(path, "Orders")
    assert table.column_names == ["_row", "InvoiceNo", "StockCode", "Quantity", "UnitPrice", "InvoiceDate", "Day", "Paid"]
    assert str(table.schema.field("_row").type) == "int64"
    assert all(str(table.schema.field(n).type) == "string" for n in table.column_names[1:])
    assert _columns(table) == {
        "_row": [2, 3, 4],
        "InvoiceNo": ["536365", "C536379", "536400"],
        "StockCode": ["85123", "85123A", None],
        "Quantity": ["6", "-1", "3"],
        "UnitPrice": ["2.55", "27.5", "0.1"],
        "InvoiceDate": ["2010-12-01 08:26:00", "2010-12-01 09:41:00", None],
        "Day": ["2010-12-01", "2011-01-02", None],
        "Paid": ["TRUE", "FALSE", None],
    }


def test_title_rows_and_blank_rows_keep_real_row_numbers(tmp_path):
    path = _save(
        tmp_path / "report.xlsx",
        {
            "Report": [
                ["Customer export, March 2024"],
                [None],
                ["Prepared by the CRM team", None, None],
                ["id", "name", "spend"],
                [1, "Ann", 10.5],
                [None, None, None],
                [2, "Bob", 20],
                [None, None, None],
                [None, None, None],
                [3, None, 7],
            ]
        },
    )
    table = read_sheet(path, "Report")
    assert _columns(table) == {
        "_row": [5, 7, 10],
        "id": ["1", "2", "3"],
        "name": ["Ann", "Bob", None],
        "spend": ["10.5", "20", "7"],
    }
    [info] = list_sheets(path)
    assert info == SheetInfo("Report", 3, 3, True, "a table of 3 rows and 3 columns (header on row 4)")


def test_table_not_starting_in_a1(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet["C4"], sheet["D4"] = "email", "age"
    sheet["C5"], sheet["D5"] = "a@x.com", 31
    sheet["C6"], sheet["D6"] = "b@x.com", 45
    workbook.save(tmp_path / "offset.xlsx")
    table = read_sheet(tmp_path / "offset.xlsx", "Data")
    assert _columns(table) == {"_row": [5, 6], "email": ["a@x.com", "b@x.com"], "age": ["31", "45"]}


def test_blank_and_duplicate_headers_are_kept_as_written(tmp_path):
    path = _save(
        tmp_path / "headers.xlsx",
        {"S": [["a", None, "a", "b", None], [1, 2, 3, 4, None], [5, 6, 7, None, None]]},
    )
    table = read_sheet(path, "S")
    # The unnamed column with values stays (the import renames it); the fully empty one goes.
    assert table.column_names == ["_row", "a", "", "a", "b"]
    assert table.column(2).to_pylist() == ["2", "6"]
    assert table.column(4).to_pylist() == ["4", None]


def test_data_dictionary_first_sheet_is_skipped(tmp_path):
    path = _save(
        tmp_path / "with_dictionary.xlsx",
        {
            "Read me": [
                ["Column", "Meaning"],
                ["customer_id", "Unique number given to each customer when they sign up"],
                ["spend", "Total amount the customer spent with us in the last twelve months"],
                ["channel", "How the customer first found us, as recorded by the sales team"],
            ],
            "Customers": [["customer_id", "spend", "channel"], [1, 10, "Social"], [2, 20, "Email"]],
        },
    )
    sheets = list_sheets(path)
    assert [s.name for s in sheets] == ["Read me", "Customers"]
    dictionary, data = sheets
    assert not dictionary.has_table
    assert dictionary.reason.startswith("looks like a data dictionary: it describes the columns of sheet 'Customers'")
    assert (dictionary.rows, dictionary.columns) == (3, 2)
    assert data == SheetInfo("Customers", 2, 3, True, "a table of 2 rows and 3 columns (header on row 1)")
    assert choose_sheet(sheets, None) == "Customers"
    # The user may still pick the dictionary on purpose.
    assert choose_sheet(sheets, "Read me") == "Read me"


def test_dictionary_without_telltale_header_is_found_by_its_long_text(tmp_path):
    path = _save(
        tmp_path / "dict2.xlsx",
        {
            "Fields": [
                ["Field", "What it holds"],
                ["age", "Age of the customer in whole years at the time of export"],
                ["income", "Yearly household income in thousands of dollars, self reported"],
            ],
            "Data": [["age", "income"], [30, 50], [40, 70]],
        },
    )
    fields, data = list_sheets(path)
    assert not fields.has_table and "data dictionary" in fields.reason
    assert data.has_table


def test_dictionary_whose_first_column_is_not_the_names_is_found_by_what_it_holds(tmp_path):
    # Sheet | Variable | Description: the first column repeats the data sheet's name, and the short
    # descriptions give no telltale long text. The data sheet's headers listed in its cells give it away.
    path = _save(
        tmp_path / "survey.xlsx",
        {
            "Dictionary": [
                ["Sheet", "Variable", "Description"],
                ["Responses", "RespondentID", "Respondent"],
                ["Responses", "Age", "Age"],
                ["Responses", "Region", "Region code"],
                ["Responses", "Annual Spend", "Spend (USD)"],
                ["Responses", "Channel", "Channel"],
            ],
            "Responses": [
                ["RespondentID", "Age", "Region", "Annual Spend", "Channel"],
                [101, 34, 3, 120.5, "Web"],
                [102, 51, 1, 80, "Store"],
                [103, 27, 3, 45, "Web"],
            ],
        },
    )
    sheets = list_sheets(path)
    dictionary, data = sheets
    assert not dictionary.has_table
    assert dictionary.reason == (
        "looks like a data dictionary: it describes the columns of sheet 'Responses' "
        "(5 of its 5 column names are listed here), not customer records"
    )
    assert data.has_table
    assert choose_sheet(sheets, None) == "Responses"
    assert choose_sheet(sheets, "Dictionary") == "Dictionary"


def test_dictionary_with_header_spelled_differently_still_counts(tmp_path):
    path = _save(
        tmp_path / "codes.xlsx",
        {
            "Codebook": [
                ["Name", "Type", "Notes"],
                ["customer id ", "int", "key"],
                ["AGE", "int", ""],
                ["city", "text", ""],
            ],
            "Data": [["Customer ID", "Age", "City", "Segment"], [1, 30, "Paris", "A"], [2, 40, "Lyon", "B"]],
        },
    )
    codebook, data = list_sheets(path)
    assert not codebook.has_table and "(3 of its 4 column names" in codebook.reason
    assert data.has_table


def test_sheets_with_the_same_header_are_both_tables(tmp_path):
    header = ["id", "region", "spend"]
    path = _save(
        tmp_path / "years.xlsx",
        {"2023": [header, [1, "North", 10], [2, "South", 20]], "2024": [header, [1, "North", 12], [3, "East", 5]]},
    )
    assert [s.has_table for s in list_sheets(path)] == [True, True]


def test_a_lookup_sheet_that_names_a_few_columns_is_still_a_table(tmp_path):
    # One of four data columns named in another sheet's cells is not "most": both stay tables.
    path = _save(
        tmp_path / "lookup.xlsx",
        {
            "Customers": [["id", "region", "spend", "channel"], [1, "N", 10, "Web"], [2, "S", 20, "Store"]],
            "Regions": [["code", "label"], ["N", "North"], ["S", "South"], ["region", "Region"]],
        },
    )
    assert [s.has_table for s in list_sheets(path)] == [True, True]


def test_several_sheets_empty_and_header_only(tmp_path):
    path = _save(
        tmp_path / "many.xlsx",
        {
            "Empty": [],
            "Header only": [["id", "name"]],
            "2023": [["id", "name"], [1, "Ann"]],
            "2024": [["id", "name"], [1, "Ann"], [2, "Bob"]],
        },
    )
    sheets = list_sheets(path)
    assert [(s.name, s.rows, s.columns, s.has_table) for s in sheets] == [
        ("Empty", 0, 0, False),
        ("Header only", 0, 2, False),
        ("2023", 1, 2, True),
        ("2024", 2, 2, True),
    ]
    assert sheets[0].reason == "empty"
    assert choose_sheet(sheets, None) == "2023"
    assert choose_sheet(sheets, "2024") == "2024"
    assert _columns(read_sheet(path, "2024")) == {"_row": [2, 3], "id": ["1", "2"], "name": ["Ann", "Bob"]}
    with pytest.raises(DataImportError, match="no sheet called '2025'.*'Empty', 'Header only', '2023', '2024'"):
        choose_sheet(sheets, "2025")
    with pytest.raises(DataImportError, match="no sheet called 'Nope'"):
        read_sheet(path, "Nope")
    with pytest.raises(DataImportError, match="'Empty'.*is empty"):
        read_sheet(path, "Empty")


def test_no_sheet_with_a_table(tmp_path):
    path = _save(tmp_path / "none.xlsx", {"A": [], "B": [["only", "header"]]})
    sheets = list_sheets(path)
    with pytest.raises(DataImportError, match="No sheet in this workbook holds a table.*'A' is empty.*'B': only a header"):
        choose_sheet(sheets, None)
    # Header only: read_sheet still returns the (empty) table; the import reports it.
    table = read_sheet(path, "B")
    assert table.column_names == ["_row", "only", "header"] and table.num_rows == 0


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04" + b"\x00" * 200, b"PK\x03\x04this is not really a workbook", b"just some text\n"],
)
def test_corrupt_workbook_gives_a_plain_message(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataImportError, match=r"^broken\.xlsx could not be read as an Excel workbook"):
        list_sheets(path)
    with pytest.raises(DataImportError, match="damaged"):
        read_sheet(path, "Sheet1")


def test_truncated_workbook_gives_a_plain_message(tmp_path):
    good = _save(tmp_path / "good.xlsx", {"S": [["a", "b"]] + [[i, f"v{i}"] for i in range(500)]})
    data = good.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataImportError, match="could not be read as an Excel workbook"):
        list_sheets(cut)


def test_cell_text_rules():
    assert cell_text(3.0) == "3"
    assert cell_text(-0.0) == "0"
    assert cell_text(2.08) == "2.08"
    assert cell_text(1e-05) == "1e-05"
    assert cell_text(7) == "7"
    assert cell_text(True) == "TRUE"
    assert cell_text("") is None
    assert cell_text(" x ") == " x "
    assert cell_text(dt.datetime(2010, 12, 1, 8, 26)) == "2010-12-01 08:26:00"
    assert cell_text(dt.date(2010, 12, 1)) == "2010-12-01"
    assert cell_text(dt.time(8, 30)) == "08:30:00"
    assert cell_text(None) is None


@pytest.mark.realdata
@pytest.mark.skipif(not (DATASETS / "Online Retail.xlsx").exists(), reason="shared datasets not present")
def test_online_retail_workbook():
    path = DATASETS / "Online Retail.xlsx"
    sheets = list_sheets(path)
    sheet = choose_sheet(sheets, None)
    table = read_sheet(path, sheet)
    assert sheets == [SheetInfo("Sheet1", 40000, 8, True, "a table of 40,000 rows and 8 columns (header on row 1)")]
    assert table.num_rows == 40000
    assert table.column_names == [
        "_row", "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country",
    ]
    first = {name: table.column(name)[0].as_py() for name in table.column_names}
    assert first == {
        "_row": 2, "InvoiceNo": "573415", "StockCode": "21166", "Description": "COOK WITH WINE METAL SIGN ",
        "Quantity": "1", "InvoiceDate": "2011-10-30 16:17:00", "UnitPrice": "2.08", "CustomerID": "13607",
        "Country": "United Kingdom",
    }
    assert table.column("_row")[-1].as_py() == 40001
    invoices = table.column("InvoiceNo").to_pylist()
    assert sum(v.startswith("C") for v in invoices) > 0
    assert not any(v.endswith(".0") for v in invoices if v)
    assert table.column("CustomerID").null_count == 10057


def test_notes_sheet_and_narrow_tables(tmp_path):
    path = _save(
        tmp_path / "notes.xlsx",
        {
            "About": [
                ["About this file"],
                ["This export was made by the CRM team on the first of March."],
                ["Customers who asked not to be contacted were removed before export."],
            ],
            "Feedback": [
                ["customer_id", "comment"],
                [101, "The delivery was late but the support team was very helpful"],
                [102, "Great prices and a friendly shop assistant in the Leeds store"],
            ],
            "Ages": [["email", "age"], ["a@x.com", 31], ["b@x.com", 45]],
        },
    )
    about, feedback, ages = list_sheets(path)
    assert (about.has_table, about.reason) == (False, "looks like notes (one column of sentences), not a table of records")
    # Long text next to numeric ids is customer data, not a dictionary.
    assert feedback.has_table and (feedback.rows, feedback.columns) == (2, 2)
    assert ages.has_table
    assert choose_sheet([about, feedback, ages], None) == "Feedback"


def test_password_protected_workbook_is_named_as_such(tmp_path):
    # An .xlsx saved with a password is an OLE2 container (the magic below), not a zip archive.
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    with pytest.raises(DataImportError, match=r"^locked\.xlsx could not be read: the workbook seems to be protected by a password"):
        list_sheets(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataImportError, match=r"^The file nope\.xlsx was not found\.$"):
        list_sheets(tmp_path / "nope.xlsx")


def test_import_opens_the_data_sheet_and_says_why_the_dictionary_was_skipped(tmp_path):
    from segdash import db
    from segdash.ingest import import_file

    path = _save(
        tmp_path / "survey.xlsx",
        {
            "Dictionary": [["Sheet", "Variable", "Description"], ["Responses", "id", "Id"], ["Responses", "age", "Age"],
                           ["Responses", "spend", "Spend"]],
            "Responses": [["id", "age", "spend"], [1, 30, 10.5], [2, 41, 20]],
        },
    )
    result = import_file(db.connect(), path)
    assert result.sheet == "Responses"
    assert result.sheets == ["Dictionary", "Responses"]  # the picker still offers both
    assert "Sheet 'Dictionary': looks like a data dictionary: it describes the columns of sheet 'Responses' " \
           "(3 of its 3 column names are listed here), not customer records." in result.notes
