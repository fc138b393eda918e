"""Types from the whole file: numbers, missing tokens, dates, booleans, and text that stays text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segdash import db
from segdash.ingest import coerce, import_file
from segdash.schema import ImportResult


def _load(tmp_path: Path, text: str, name: str = "f.csv") -> tuple[ImportResult, dict[str, list], dict[str, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    con = db.connect()
    result = import_file(con, path)
    assert result.rows_in_file == result.rows_loaded + result.rows_rejected
    cursor = con.execute("SELECT * FROM customers ORDER BY _row")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    values = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    sql_types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = ?", [db.TABLE]).fetchall())
    return result, values, sql_types


def _col(result: ImportResult, name: str):
    return next(c for c in result.columns if c.name == name)


def test_first_column_is_row_bigint_then_file_columns(tmp_path: Path) -> None:
    _, values, types = _load(tmp_path, "a,b\n1,x\n")
    assert list(values) == ["_row", "a", "b"]
    assert types["_row"] == "BIGINT"


def test_integers_are_bigint_and_decimals_double(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "n,x\n1,1.5\n2,2\n-3,1e3\n")
    assert (types["n"], types["x"]) == ("BIGINT", "DOUBLE")
    assert values["n"] == [1, 2, -3]
    assert values["x"] == [1.5, 2.0, 1000.0]
    assert _col(result, "n").type == "number"


def test_zero_one_column_stays_a_number(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "flag\n0\n1\n1\n")
    assert _col(result, "flag").type == "number"
    assert values["flag"] == [0, 1, 1]


def test_currency_thousands_and_trailing_space(tmp_path: Path) -> None:
    text = 'income\n"$84,835.00 "\n"$1,200.50"\n$7\n'
    result, values, types = _load(tmp_path, text)
    assert types["income"] == "DOUBLE"
    assert values["income"] == [84835.0, 1200.5, 7.0]


def test_european_numbers(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "amount\n1.234,5\n12,75\n3\n", name="eu.csv")
    assert values["amount"] == [1234.5, 12.75, 3.0]
    assert any("European" in n for n in result.notes)


def test_percent_is_the_number_written_and_a_note_says_so(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "rate\n12%\n7.5%\n100%\n")
    assert values["rate"] == [12, 7.5, 100]
    assert any("'12%' is read as 12" in n for n in result.notes)


def test_parenthesised_negatives(tmp_path: Path) -> None:
    _, values, _ = _load(tmp_path, 'p\n"(1,234)"\n"2,000"\n')
    assert values["p"] == [-1234, 2000]


def test_missing_tokens_become_missing_and_are_reported(tmp_path: Path) -> None:
    text = "age,city\n34,Paris\n,NA\n  ,n/a\nnull,Lyon\nUnknown,unknown\nN/A,\n41,NULL\n"
    result, values, types = _load(tmp_path, text)
    assert types["age"] == "BIGINT"
    assert values["age"] == [34, None, None, None, None, None, 41]
    assert values["city"] == ["Paris", None, None, "Lyon", None, None, None]
    assert _col(result, "age").missing == 5
    assert _col(result, "city").missing == 5
    assert set(result.missing_tokens["age"]) == {"(blank)", "null", "Unknown", "N/A"}
    assert set(result.missing_tokens["city"]) == {"(blank)", "NA", "n/a", "unknown", "NULL"}


def test_bad_value_far_down_keeps_text_and_drops_no_row(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 5000
    lines = ["id,score"] + [f"{i},{i % 97}" for i in range(1, n + 1)]
    lines[n - 10] = f"{n - 10},abc"  # a bad value long after the sample
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert result.rows_loaded == n
    assert types["score"] == "VARCHAR"
    note = _col(result, "score").note
    assert note.startswith("mostly numbers; 1 value is not")
    assert f"'abc' on line {n - 9}" in note
    assert values["score"][n - 11] == "abc"
    assert values["score"][0] == "1"


def test_decimal_far_down_turns_bigint_into_double(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 100
    lines = ["v"] + ["1"] * n
    lines[-1] = "1.5"
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert types["v"] == "DOUBLE"
    assert values["v"][-1] == 1.5


def test_iso_dates_and_timestamps(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "d,t\n2012-09-04,2011-10-30 16:17:00\n2014-03-08,2011-01-02 08:00\n")
    assert (types["d"], types["t"]) == ("DATE", "TIMESTAMP")
    assert values["d"][0] == dt.date(2012, 9, 4)
    assert values["t"][0] == dt.datetime(2011, 10, 30, 16, 17)
    assert _col(result, "d").type == "date" and _col(result, "t").type == "date"


def test_day_first_is_proven_by_a_day_above_12(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "Dt_Customer\n04-09-2012\n21-03-2014\n")
    assert types["Dt_Customer"] == "DATE"
    assert [v for v in values["Dt_Customer"]] == [dt.date(2012, 9, 4), dt.date(2014, 3, 21)]
    assert "Dates in 'Dt_Customer' were read as day-month-year (dd-mm-yyyy)." in result.notes


def test_month_first_two_digit_years(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "d\n12/31/99\n01/02/05\n")
    assert [v for v in values["d"]] == [dt.date(1999, 12, 31), dt.date(2005, 1, 2)]
    assert any("month-day-year" in n for n in result.notes)


def test_ambiguous_dates_say_which_format_was_assumed(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "d\n01/02/2020\n03/04/2020\n")
    assert [v for v in values["d"]] == [dt.date(2020, 1, 2), dt.date(2020, 3, 4)]
    assert any("assumed" in n and "mm/dd/yyyy" in n for n in result.notes)


def test_day_first_slashes(tmp_path: Path) -> None:
    _, values, _ = _load(tmp_path, "d\n25/12/2020\n01/02/2020\n")
    assert [v for v in values["d"]] == [dt.date(2020, 12, 25), dt.date(2020, 2, 1)]


def test_proof_of_day_first_far_down_the_file(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 50
    lines = ["d"] + ["01-02-2020"] * n + ["31-01-2020"]
    result, values, _ = _load(tmp_path, "\n".join(lines) + "\n")
    assert values["d"][0] == dt.date(2020, 2, 1)
    assert values["d"][-1] == dt.date(2020, 1, 31)
    assert any("day-month-year (dd-mm-yyyy)." in n for n in result.notes)


def test_impossible_date_keeps_text(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "d\n04-09-2012\n31-02-2012\n")
    assert types["d"] == "VARCHAR"
    assert values["d"] == ["04-09-2012", "31-02-2012"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Yes", "No", "yes"], [True, False, True]),
        (["TRUE", "FALSE", "true"], [True, False, True]),
        (["Y", "N", "y"], [True, False, True]),
        (["T", "F", "f"], [True, False, False]),
    ],
)
def test_booleans(tmp_path: Path, raw: list[str], expected: list[bool]) -> None:
    result, values, types = _load(tmp_path, "flag\n" + "\n".join(raw) + "\n")
    assert types["flag"] == "BOOLEAN"
    assert values["flag"] == expected
    assert _col(result, "flag").type == "boolean"


def test_leading_zero_codes_stay_text(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "zip\n02134\n10001\n")
    assert values["zip"] == ["02134", "10001"]
    assert "leading zeros" in _col(result, "zip").note


def test_mixed_text_stays_text_with_its_values(tmp_path: Path) -> None:
    result, values, types = _load(tmp_path, "code\nA1\n22\nB\n")
    assert types["code"] == "VARCHAR"
    assert values["code"] == ["A1", "22", "B"]


def test_all_missing_column(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "a,b\n1,\n2,NA\n")
    assert values["b"] == [None, None]
    assert _col(result, "b").missing == 2
    assert _col(result, "b").type == "text"


def test_odd_missing_spelling_far_down_stays_a_number(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 100
    lines = ["v"] + [str(i) for i in range(n)]
    lines[-1] = " nA "  # not an exact spelling: found when the column is converted
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert types["v"] == "BIGINT"
    assert values["v"][-1] is None and values["v"][-2] == n - 2
    assert _col(result, "v").missing == 1
    assert result.missing_tokens["v"] == ["nA"]


def test_time_far_down_makes_a_timestamp_column(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 100
    lines = ["d"] + ["2020-01-02"] * n + ["2020-01-03 10:30:00"]
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert types["d"] == "TIMESTAMP"
    assert values["d"][-1] == dt.datetime(2020, 1, 3, 10, 30)
    assert values["d"][0] == dt.datetime(2020, 1, 2)


def test_long_integer_ids_keep_every_digit(tmp_path: Path) -> None:
    _, values, types = _load(tmp_path, "id\n1234567890123456789\n1234567890123456788\n")
    assert types["id"] == "BIGINT"
    assert values["id"] == [1234567890123456789, 1234567890123456788]


# -- spreadsheet placeholders for "no value" (issue 16) -------------------------------------------

PLACEHOLDERS = ["-", "--", "?", "#N/A", "NaN", "n.a.", "(blank)"]


def test_placeholder_tokens_in_a_numeric_column_are_missing(tmp_path: Path) -> None:
    lines = ["id,spend,visits"] + [f"{i},{token},{i}" for i, token in enumerate(PLACEHOLDERS, start=1)]
    lines += ["8,10.5,8", "9,20,9", "10,30.25,10"]
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert _col(result, "spend").type == "number"
    assert types["spend"] == "DOUBLE"
    assert values["spend"] == [None] * 7 + [10.5, 20.0, 30.25]
    assert _col(result, "spend").missing == 7
    assert set(result.missing_tokens["spend"]) == set(PLACEHOLDERS)


def test_placeholder_tokens_next_to_formatted_numbers(tmp_path: Path) -> None:
    text = 'amount\n"$1,200.50"\n-\n--\n?\n"$7"\n(blank)\nn.a.\n'
    result, values, types = _load(tmp_path, text)
    assert types["amount"] == "DOUBLE"
    assert values["amount"] == [1200.5, None, None, None, 7.0, None, None]
    assert set(result.missing_tokens["amount"]) == {"-", "--", "?", "(blank)", "n.a."}


def test_placeholder_token_long_after_the_sample(tmp_path: Path) -> None:
    n = coerce.SAMPLE_ROWS + 500
    lines = ["id,score"] + [f"{i},{i % 97}" for i in range(1, n + 1)]
    lines[n - 3] = f"{n - 3},--"
    lines[n - 2] = f"{n - 2},?"
    result, values, types = _load(tmp_path, "\n".join(lines) + "\n")
    assert types["score"] == "BIGINT"
    assert values["score"][n - 4 : n - 2] == [None, None]
    assert result.missing_tokens["score"] == ["--", "?"]


def test_placeholder_tokens_in_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "income"])
    for i, value in enumerate([52000, "-", 61000.5, "n.a.", "?", 48000], start=1):
        sheet.append([i, value])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    con = db.connect()
    result = import_file(con, path)
    assert _col(result, "income").type == "number"
    assert _col(result, "income").missing == 3
    assert set(result.missing_tokens["income"]) == {"-", "n.a.", "?"}
    assert con.execute("SELECT sum(income) FROM customers").fetchone()[0] == 161000.5


def test_a_dash_in_a_text_column_is_missing_too(tmp_path: Path) -> None:
    result, values, _ = _load(tmp_path, "city\nParis\n-\nLyon\n?\n")
    assert values["city"] == ["Paris", None, "Lyon", None]
    assert set(result.missing_tokens["city"]) == {"-", "?"}
