"""Bad input: clear one-sentence errors, renamed columns, and the earlier data kept on failure."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import import_file


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(DataImportError, match="is empty"):
        import_file(db.connect(), _write(tmp_path, "empty.csv", content))


def test_header_only_is_an_error_that_says_so(tmp_path: Path) -> None:
    with pytest.raises(DataImportError, match="column names but no rows"):
        import_file(db.connect(), _write(tmp_path, "head.csv", "id,name,age\n"))


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(64), "JPEG image"),
        (b"%PDF-1.4\n%\xe2\xe3", "PDF"),
        (bytes(range(256)) * 4, "binary data"),
    ],
)
def test_binary_file_is_not_a_table(tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(DataImportError, match="This file is not a table") as err:
        import_file(db.connect(), _write(tmp_path, "customers.csv", data))
    assert what in str(err.value)


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataImportError, match="File not found"):
        import_file(db.connect(), tmp_path / "nope.csv")


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50)
    with pytest.raises(DataImportError, match="could not be read as an Excel workbook"):
        import_file(db.connect(), path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DataImportError):
        import_file(db.connect(), path)


def test_blank_and_duplicate_column_names_are_renamed_and_noted(tmp_path: Path) -> None:
    con = db.connect()
    result = import_file(con, _write(tmp_path, "names.csv", "age,,age,Age, \n1,2,3,4,5\n"))
    assert [c.name for c in result.columns] == ["age", "Column 2", "age (2)", "Age (3)", "Column 5"]
    assert [c.original_name for c in result.columns] == ["age", "", "age", "Age", " "]
    assert len(result.repairs) == 4
    assert any("repeats the name 'age'" in r and "'age (2)'" in r for r in result.repairs)
    assert con.execute('SELECT "age (2)", "Column 5" FROM customers').fetchall() == [(3, 5)]


def test_column_called_row_does_not_clash(tmp_path: Path) -> None:
    con = db.connect()
    result = import_file(con, _write(tmp_path, "r.csv", "_row,x\n7,a\n"))
    assert [c.name for c in result.columns] == ["_row (2)", "x"]
    assert con.execute("SELECT * FROM customers").fetchall() == [(2, 7, "a")]


def test_failed_import_keeps_the_previous_table(tmp_path: Path) -> None:
    con = db.connect()
    import_file(con, _write(tmp_path, "good.csv", "a,b\n1,x\n2,y\n"))
    before = con.execute("SELECT * FROM customers ORDER BY _row").fetchall()
    for bad in [_write(tmp_path, "head.csv", "a,b\n"), _write(tmp_path, "img.csv", b"\x89PNG\r\n\x1a\n" + bytes(20))]:
        with pytest.raises(DataImportError):
            import_file(con, bad)
        assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == before
    leftovers = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '_segdash%'"
    ).fetchall()
    assert leftovers == []


def test_failure_after_loading_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import segdash.columns

    con = db.connect()
    import_file(con, _write(tmp_path, "good.csv", "a\n1\n"))

    def broken(*args: object, **kwargs: object) -> dict[str, str]:
        raise DataImportError("roles failed")

    monkeypatch.setattr(segdash.columns, "suggest_roles", broken)
    with pytest.raises(DataImportError, match="roles failed"):
        import_file(con, _write(tmp_path, "other.csv", "b\n2\n3\n"))
    assert con.execute("SELECT * FROM customers").fetchall() == [(2, 1)]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '_segdash%'").fetchone()[0] == 0


def test_a_second_import_replaces_the_first(tmp_path: Path) -> None:
    con = db.connect()
    import_file(con, _write(tmp_path, "one.csv", "a\n1\n"))
    result = import_file(con, _write(tmp_path, "two.csv", "b,c\nx,2\ny,3\n"))
    assert result.rows_loaded == 2
    assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == [(2, "x", 2), (3, "y", 3)]


# --- the reader's own failures (not a bad line): one plain sentence, never DuckDB's text ---------

_JARGON = ("Error:", "duckdb", "DuckDB", "Exception", "Invalid Input", "Conversion", "state machine")


def _assert_plain(err: DataImportError, file_name: str) -> None:
    message = str(err)
    assert file_name in message
    assert "\n" not in message
    assert not any(word in message for word in _JARGON), message
    assert err.__cause__ is not None  # the detail is kept for the log


def _with_customers(tmp_path: Path) -> tuple[object, list[tuple]]:
    con = db.connect()
    import_file(con, _write(tmp_path, "good.csv", "a,b\n1,x\n2,y\n"))
    return con, con.execute("SELECT * FROM customers ORDER BY _row").fetchall()


def _parquet_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "source.parquet"
    db.connect().sql("SELECT range AS id, 'name ' || range AS name FROM range(5000)").write_parquet(str(path))
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tail_cut", "middle_zeroed"])
def test_damaged_parquet_is_one_plain_sentence(tmp_path: Path, damage: str) -> None:
    good = _parquet_bytes(tmp_path)
    data = {
        "garbage": b"PAR1" + b"\x13garbage\x00" * 40 + b"PAR1",
        "truncated": good[: len(good) // 2],
        "tail_cut": good[:-20],
        "middle_zeroed": good[:100] + bytes(200) + good[300:],
    }[damage]
    con, before = _with_customers(tmp_path)
    with pytest.raises(DataImportError, match="could not be read") as err:
        import_file(con, _write(tmp_path, "broken.parquet", data))
    _assert_plain(err.value, "broken.parquet")
    assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == before


def test_csv_that_confuses_the_reader_is_one_plain_sentence(tmp_path: Path) -> None:
    # Old-Mac line endings mixed with Unix and Windows ones: DuckDB's CSV reader stops with an
    # internal "Invalid Input Error" about its state machine, not with a rejected line.
    con, before = _with_customers(tmp_path)
    with pytest.raises(DataImportError, match="could not be read as a table") as err:
        import_file(con, _write(tmp_path, "mixed.csv", "id,name\r1,a\r2,b\n3,c\r\n"), name="Export May.csv")
    _assert_plain(err.value, "Export May.csv")
    assert "save it again as CSV" in str(err.value)
    assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == before


def test_file_that_vanishes_mid_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from segdash.ingest import sniff

    con, before = _with_customers(tmp_path)
    path = _write(tmp_path, "moving.csv", "a,b\n3,z\n")
    prepare = sniff.prepare_text

    def prepare_then_vanish(*args: object, **kwargs: object) -> sniff.TextFile:
        text = prepare(*args, **kwargs)
        path.unlink()
        return text

    monkeypatch.setattr(sniff, "prepare_text", prepare_then_vanish)
    with pytest.raises(DataImportError, match="could not be read from disk") as err:
        import_file(con, path)
    _assert_plain(err.value, "moving.csv")
    assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == before


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (lambda: duckdb.ConversionException("Conversion Error: Could not convert string 'x' to INT32"),
         "could not be read as a table"),
        (lambda: duckdb.InvalidInputException("Invalid Input Error: internal"), "could not be read as a table"),
        (lambda: duckdb.IOException("IO Error: No files found that match the pattern"), "from disk"),
        (lambda: duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate"), "too large"),
        (lambda: PermissionError(13, "Permission denied"), "access to it was refused"),
        (lambda: FileNotFoundError(2, "No such file or directory"), "from disk"),
        (lambda: UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not be read as text"),
    ],
)
def test_reader_failures_after_the_read_are_plain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: object, expected: str
) -> None:
    import segdash.ingest

    con, before = _with_customers(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise failure()  # type: ignore[operator]

    monkeypatch.setattr(segdash.ingest, "coerce_table", broken)
    with pytest.raises(DataImportError, match=expected) as err:
        import_file(con, _write(tmp_path, "other.csv", "a,b\n3,z\n"))
    _assert_plain(err.value, "other.csv")
    assert con.execute("SELECT * FROM customers ORDER BY _row").fetchall() == before
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '_segdash%'").fetchone()[0] == 0
