"""segdash.preview: the first rows by a LIMIT query, the column table, the import report in words."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash import db, preview
from segdash.schema import ColumnInfo, ImportResult, RejectedRow


@pytest.fixture
def con():
    connection = db.connect()
    connection.execute(
        'CREATE TABLE customers ("_row" BIGINT, "name" VARCHAR, "spend $" DOUBLE, "say ""hi""" VARCHAR)'
    )
    # inserted out of order: the preview follows the line in the file, not insertion order
    connection.execute(
        "INSERT INTO customers VALUES (4, 'Cy', 3.5, 'c'), (2, 'Ann', 1.0, 'a'), (3, 'Bo', 2.0, 'b')"
    )
    yield connection
    connection.close()


def test_preview_rows_in_file_order_with_limit(con) -> None:
    rows = preview.preview_rows(con, limit=2)
    assert list(rows.index) == [2, 3]
    assert rows.index.name == "_row"
    assert list(rows.columns) == ["name", "spend $", 'say "hi"']
    assert rows["spend $"].tolist() == [1.0, 2.0]


def test_preview_rows_selected_columns_in_given_order_unknown_ignored(con) -> None:
    rows = preview.preview_rows(con, limit=10, columns=['say "hi"', "name", "nope"])
    assert list(rows.columns) == ['say "hi"', "name"]
    assert rows["name"].tolist() == ["Ann", "Bo", "Cy"]


def test_preview_rows_without_data_and_bad_limit() -> None:
    empty = db.connect()
    assert preview.preview_rows(empty, limit=5).empty
    with pytest.raises(ValueError, match="limit=-1"):
        preview.preview_rows(empty, limit=-1)


def _result(**changes) -> ImportResult:
    base = dict(source="shop.csv", format="csv", rows_in_file=5000, rows_loaded=5000, rows_rejected=0)
    base.update(changes)
    return ImportResult(**base)


def test_reconciliation_text_has_thousands_separators() -> None:
    text = preview.reconciliation_text(_result(rows_in_file=5002, rows_loaded=5000, rows_rejected=2))
    assert text == "5,002 rows in the file · 5,000 loaded · 2 rejected"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [([], ""), ([4], "line 4"), ([4, 9], "lines 4 and 9"), ([4, 9, 1200], "lines 4, 9 and 1,200")],
)
def test_rejected_lines_text(lines: list[int], expected: str) -> None:
    result = _result(rejected=[RejectedRow(line, "too many fields") for line in lines])
    assert preview.rejected_lines_text(result) == expected


def test_rejected_lines_text_is_capped() -> None:
    result = _result(rejected=[RejectedRow(line, "x") for line in range(1, 13)])
    assert preview.rejected_lines_text(result, limit=3) == "lines 1, 2, 3, ... (12 in all)"
    result.rows_rejected = 40  # the import listed only the first 12
    assert preview.rejected_lines_text(result, limit=3) == "lines 1, 2, 3, ... (40 in all)"


def test_found_text_names_delimiter_encoding_sheet() -> None:
    columns = [ColumnInfo("a", "text"), ColumnInfo("b", "number")]
    assert preview.found_text(_result(delimiter=";", encoding="cp1252", columns=columns)) == (
        "Text file (CSV) · semicolon-separated · Windows-1252 encoding · 2 columns"
    )
    workbook = _result(format="xlsx", sheet="Customers", sheets=["About", "Customers"], columns=columns)
    assert preview.found_text(workbook) == "Excel workbook · sheet “Customers” (of 2 sheets) · 2 columns"


def test_import_notes_in_plain_words() -> None:
    result = _result(
        notes=["Dates in signup read as day-month-year (dd-mm-yyyy)."],
        repairs=["Line 7: an unclosed quote was closed at the end of the line."],
        missing_tokens={"income": ["NA", "(blank)"], "age": ["NA"]},
        columns=[
            ColumnInfo("name_2", "text", original_name="name"),
            ColumnInfo("column_3", "text", original_name=""),
            ColumnInfo("age", "number", original_name="age", note="read as day-month-year"),
        ],
    )
    notes = preview.import_notes(result)
    assert notes[0].startswith("Dates in signup")
    assert notes[1].startswith("Line 7")
    assert "“NA” in income, age counts as a missing value." in notes
    assert "Empty cells in income count as missing values." in notes
    assert "Column “name” renamed to “name_2”." in notes
    assert "Column a blank header renamed to “column_3”." in notes
    assert len(notes) == 6  # nothing about "age": same name, and column notes go to the column table


def test_rejected_table_columns() -> None:
    result = _result(rejected=[RejectedRow(4, "3 fields instead of 2", "a;b;c")])
    table = preview.rejected_table(result)
    assert table.to_dict("records") == [{"line": 4, "reason": "3 fields instead of 2", "raw": "a;b;c"}]
    assert list(preview.rejected_table(_result()).columns) == ["line", "reason", "raw"]


def _profile() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"name": "email", "type": "text", "role": "pii", "missing": 0, "missing_pct": 0.0, "distinct": 4,
             "min": None, "median": None, "max": None, "top_values": "all different", "histogram": []},
            {"name": "age", "type": "number", "role": "demographic", "missing": 1, "missing_pct": 25.0,
             "distinct": 3, "min": "18", "median": "30", "max": "61", "top_values": None, "histogram": [1, 0, 2]},
            {"name": "id", "type": "text", "role": "id", "missing": 0, "missing_pct": 0.0, "distinct": 4,
             "min": None, "median": None, "max": None, "top_values": None, "histogram": []},
        ]
    )


def test_columns_overview_uses_current_roles_and_plain_labels() -> None:
    overview = preview.columns_overview(_profile(), roles={"email": "pii", "age": "behavioral", "id": "id"}, rows=4,
                                        notes={"age": "spaces around 2 values were removed"})
    assert list(overview.columns) == list(preview.OVERVIEW_COLUMNS)
    rows = overview.set_index("name")
    assert rows.loc["email", "role"] == "Personal data"
    assert rows.loc["email", "used_for"] == "Excluded from segments and exports"
    assert rows.loc["id", "used_for"] == "Not used to build segments"
    assert rows.loc["age", "role"] == "Behavioral"  # the edited role wins over the profile's
    assert rows.loc["age", "used_for"] == "Segments and profiles"
    assert rows.loc["age", "summary"] == "min 18 · median 30 · max 61"
    assert rows.loc["email", "summary"] == "hidden (personal data)"  # personal data is hidden by default
    assert rows.loc["id", "summary"] == ""
    assert rows.loc["age", "missing_pct"] == 25.0
    assert rows.loc["age", "histogram"] == [1, 0, 2]
    assert rows.loc["age", "note"] == "spaces around 2 values were removed"
    assert rows.loc["id", "note"] == ""


def test_columns_overview_hides_personal_values_unless_asked() -> None:
    records = _profile().to_dict("records")
    records[0].update(name="full_name", top_values=[("Noah Williams", 0.004), ("Ava Smith", 0.003)], histogram=[3, 1])
    profile = pd.DataFrame(records)
    roles = {"full_name": "pii", "age": "demographic", "id": "id"}
    hidden = preview.columns_overview(profile, roles=roles, rows=4).set_index("name")
    assert hidden.loc["full_name", "summary"] == "hidden (personal data)"
    assert hidden.loc["full_name", "histogram"] == []
    assert "Noah" not in " ".join(hidden["summary"])
    assert hidden.loc["age", "summary"] == "min 18 · median 30 · max 61"  # other columns unchanged
    assert hidden.loc["age", "histogram"] == [1, 0, 2]
    shown = preview.columns_overview(profile, roles=roles, rows=4, show_personal=True).set_index("name")
    assert shown.loc["full_name", "summary"].startswith("Noah Williams")
    assert shown.loc["full_name", "histogram"] == [3, 1]
    # a column the user re-marks as personal data is hidden too
    remarked = preview.columns_overview(profile, roles={**roles, "age": "pii"}, rows=4).set_index("name")
    assert remarked.loc["age", "summary"] == "hidden (personal data)"


def test_columns_overview_missing_share_from_counts_when_absent() -> None:
    profile = _profile().drop(columns=["missing_pct"])
    overview = preview.columns_overview(profile, roles={}, rows=4)
    assert overview["missing_pct"].tolist() == [0.0, 25.0, 0.0]
    assert overview["role"].tolist() == ["Personal data", "Demographic", "Customer id"]


def test_summary_text_numbers_and_top_value_pairs() -> None:
    assert preview.summary_text(type="number", minimum=1000, median=2500.5, maximum=None, top_values=None) == (
        "min 1,000 · median 2,500.50"
    )
    assert preview.summary_text(type="text", minimum=None, median=None, maximum=None,
                                top_values=[("Email", 0.5), ("Phone", 0.25)]) == "Email (50%), Phone (25%)"


def test_role_changes_and_labels() -> None:
    edited = pd.DataFrame({"name": ["email", "age"], "role": ["Personal data", "Behavioral"]})
    assert preview.role_changes({"email": "pii", "age": "demographic"}, edited) == {"age": "behavioral"}
    assert preview.role_from_label("pii") == "pii"
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        preview.role_from_label("boss")


def test_private_columns() -> None:
    assert preview.private_columns({"a": "pii", "b": "id", "c": "pii"}) == ["a", "c"]


def test_columns_with_times() -> None:
    frame = pd.DataFrame(
        {
            "signup": pd.to_datetime(["2024-01-02", None]),
            "ordered": pd.to_datetime(["2024-01-02 00:00", "2024-01-03 08:26"]),
            "text": ["2024-01-02 08:00", "x"],
        }
    )
    assert preview.columns_with_times(frame) == ["ordered"]


def test_import_notes_do_not_repeat_what_found_text_says() -> None:
    # The Data page showed "Read as text in UTF-8, values separated by comma." twice: once in the
    # summary line (found_text) and once in the notes list. The notes now leave it to found_text.
    result = _result(
        delimiter=",", encoding="utf-8",
        notes=["Read as text in UTF-8, values separated by comma.", "Read sheet 'Sheet1' of 1.",
               "Dates in signup read as day-month-year (dd-mm-yyyy)."],
        columns=[ColumnInfo("age", "number")],
    )
    assert preview.import_notes(result) == ["Dates in signup read as day-month-year (dd-mm-yyyy)."]
    assert preview.found_text(result) == "Text file (CSV) · comma-separated · UTF-8 encoding · 1 column"


def test_year_columns_of_preview_rows() -> None:
    rows = pd.DataFrame({"Year_Birth": [1957, 1954, None], "Income": [58138.0, 46344.0, 1.0],
                         "signup_year": [2019, 2020, 2021], "year_count": [3, 4, 5]})
    assert preview.year_columns(rows) == ["Year_Birth", "signup_year"]


def test_columns_page_searches_names_and_clips_the_page() -> None:
    import pandas as pd

    from segdash.preview import columns_page

    overview = pd.DataFrame({"name": [f"col_{i}" for i in range(1, 8)] + ["Region"], "role": ["Other"] * 8})
    page, pages, matched = columns_page(overview, per_page=3, page=2)
    assert (page["name"].tolist(), pages, matched) == (["col_4", "col_5", "col_6"], 3, 8)
    page, pages, matched = columns_page(overview, search=" region ", per_page=3, page=9)
    assert (page["name"].tolist(), pages, matched) == (["Region"], 1, 1)
    page, pages, matched = columns_page(overview, search="nothing", per_page=3)
    assert (len(page), pages, matched) == (0, 1, 0)
