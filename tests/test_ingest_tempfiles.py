"""Temporary copies made while reading text: long values, and no folder left behind on failure."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import delimited, import_file, sniff


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Temporary folders made by the importer go here, so the test can see what is left."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    limit = csv.field_size_limit()
    csv.field_size_limit(128 * 1024)  # Python's default: what a fresh process has
    yield root
    csv.field_size_limit(limit)


def test_unwrapped_file_with_a_200_kb_value(tmp_path: Path, temp_root: Path) -> None:
    big = "x" * 200_000
    lines = ['"id,notes"', '"1,short"', '"2,also short"', f'"3,{big}"']
    path = tmp_path / "wrapped.csv"
    path.write_text("\n".join(lines) + "\n")
    con = db.connect()
    result = import_file(con, path)
    assert result.rows_loaded == 3 and result.rows_rejected == 0
    assert any("wrapped in quotes" in repair for repair in result.repairs)
    lengths = con.execute("SELECT length(notes) FROM customers ORDER BY _row").fetchall()
    assert [n for (n,) in lengths] == [5, 10, 200_000]
    assert list(temp_root.iterdir()) == []  # the unwrapped copy is removed after the import


def test_unwrap_failure_becomes_a_plain_error_and_removes_the_copy(
        tmp_path: Path, temp_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wrapped.csv"
    path.write_text('"id,notes"\n"1,a"\n"2,b"\n')

    class BrokenReader:
        """Reads one line, then fails the way csv does on a bad line."""

        line_num = 2

        def __init__(self, source: object) -> None:
            self.source = source

        def __iter__(self) -> Iterator[list[str]]:
            yield ["id,notes"]
            raise csv.Error("field larger than field limit")

    monkeypatch.setattr(delimited.csv, "reader", BrokenReader)
    with pytest.raises(DataImportError, match=r"wrapped\.csv could not be read near line 2"):
        delimited._unwrap_lines(str(path), label="wrapped.csv")
    assert list(temp_root.iterdir()) == []


def test_transcode_failure_mid_copy_removes_the_folder(
        tmp_path: Path, temp_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,city\n1,Orléans\n".encode("cp1252"))

    def disk_full(tail: bytes, data: bytes) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sniff, "_tail", disk_full)
    with pytest.raises(OSError, match="No space left"):
        sniff._transcode(path, "cp1252")
    assert list(temp_root.iterdir()) == []
