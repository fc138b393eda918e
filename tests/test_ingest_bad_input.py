"""Bad input: clear one-sentence errors, renamed columns, and the earlier data kept on failure."""

from __future__ import annotations

import zipfile
from pathlib import Path

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
