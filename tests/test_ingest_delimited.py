"""Delimited text: delimiters, encodings, quoting, line endings, malformed lines, line numbers."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from segdash import db
from segdash.ingest import import_file
from segdash.schema import ImportResult


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _load(path: Path) -> tuple[ImportResult, list[tuple]]:
    con = db.connect()
    result = import_file(con, path)
    rows = con.execute("SELECT * FROM customers ORDER BY _row").fetchall()
    assert result.rows_in_file == result.rows_loaded + result.rows_rejected
    assert result.rows_loaded == len(rows)
    assert len({r[0] for r in rows}) == len(rows), "_row must be unique"
    return result, rows


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")],
)
@pytest.mark.parametrize("extension", ["csv", "txt", "dat"])
def test_any_delimiter_any_extension(tmp_path: Path, delimiter: str, name: str, extension: str) -> None:
    text = delimiter.join(["id", "city", "spend"]) + "\n"
    text += delimiter.join(["1", "Paris", "10.5"]) + "\n" + delimiter.join(["2", "Lyon", "20"]) + "\n"
    result, rows = _load(_write(tmp_path, f"f.{extension}", text))
    assert result.delimiter == delimiter
    assert [c.name for c in result.columns] == ["id", "city", "spend"]
    assert rows == [(2, 1, "Paris", 10.5), (3, 2, "Lyon", 20.0)]
    assert any(name in note for note in result.notes)


def test_one_column_csv_that_is_really_semicolon_separated(tmp_path: Path) -> None:
    path = _write(tmp_path, "export.csv", "name;age;income\nAnna;34;1200,50\nBob;41;980,00\n")
    result, rows = _load(path)
    assert result.delimiter == ";"
    assert [c.name for c in result.columns] == ["name", "age", "income"]
    assert [c.type for c in result.columns] == ["text", "number", "number"]
    assert rows == [(2, "Anna", 34, 1200.5), (3, "Bob", 41, 980.0)]


def test_every_line_quoted_as_one_value_is_unwrapped(tmp_path: Path) -> None:
    path = _write(tmp_path, "wrapped.csv", '"name;age"\n"Anna;34"\n"Bob;41"\n')
    result, rows = _load(path)
    assert [c.name for c in result.columns] == ["name", "age"]
    assert rows == [(2, "Anna", 34), (3, "Bob", 41)]
    assert any("wrapped in quotes" in r for r in result.repairs)


def test_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path: Path) -> None:
    text = 'id,comment,spend\n1,"Hello, world",5\n2,"She said ""hi""",6\n3,"two\nlines",7\n4,plain,8\n'
    result, rows = _load(_write(tmp_path, "q.csv", text))
    assert rows == [
        (2, 1, "Hello, world", 5),
        (3, 2, 'She said "hi"', 6),
        (4, 3, "two\nlines", 7),
        (6, 4, "plain", 8),  # record 3 spans lines 4-5, so record 4 starts on line 6
    ]
    assert result.rows_in_file == 4


def test_crlf_and_no_final_newline(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "crlf.csv", "a,b\r\n1,x\r\n2,y"))
    assert rows == [(2, 1, "x"), (3, 2, "y")]
    assert result.rows_in_file == 2


def test_utf8_bom(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "bom.csv", codecs.BOM_UTF8 + "name,city\nZoë,Köln\n".encode()))
    assert [c.name for c in result.columns] == ["name", "city"]
    assert rows == [(2, "Zoë", "Köln")]
    assert result.encoding == "utf-8-sig"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16(tmp_path: Path, encoding: str) -> None:
    data = "name\tcity\nZoë\tKöln\nJosé\tSão Paulo\n".encode(encoding)
    if encoding != "utf-16":  # explicit-endian codecs write no BOM: add one, as Excel does
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    result, rows = _load(_write(tmp_path, "u16.txt", data))
    assert rows == [(2, "Zoë", "Köln"), (3, "José", "São Paulo")]
    assert result.encoding.startswith("utf-16")
    assert result.delimiter == "\t"


def test_windows_1252(tmp_path: Path) -> None:
    data = "name;price\nCafé;€5\nNaïve “quote”;7\n".encode("cp1252")
    result, rows = _load(_write(tmp_path, "win.csv", data))
    assert result.encoding == "cp1252"
    assert rows[0][1] == "Café"
    assert rows[1][1] == "Naïve “quote”"


def test_latin1_bytes_undefined_in_windows_1252(tmp_path: Path) -> None:
    data = "name,code\nJosé,\x81x\n".encode("latin-1")
    result, rows = _load(_write(tmp_path, "latin.csv", data))
    assert result.encoding == "latin-1"
    assert rows == [(2, "José", "\x81x")]


def test_invalid_utf8_late_in_the_file_is_still_found(tmp_path: Path) -> None:
    lines = ["id,name"] + [f"{i},Name{i}" for i in range(1, 30_001)] + ["30001,Mu\xf1oz"]
    data = "\n".join(lines).encode("latin-1")
    result, rows = _load(_write(tmp_path, "late.csv", data))
    assert result.rows_loaded == 30_001
    assert rows[-1] == (30_002, 30_001, "Muñoz")


def test_short_line_is_padded_and_reported(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "short.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n"))
    assert rows == [(2, 1, 2, 3), (3, 4, 5, None), (4, 6, 7, 8)]
    assert result.rows_rejected == 0
    assert any("fewer values" in r and "line 3" in r for r in result.repairs)


def test_long_line_is_rejected_with_line_number(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "long.csv", "a,b\n1,2\n3,4,5\n6,7\n"))
    assert [r[0] for r in rows] == [2, 4]
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "has 3 values but the header has 2 columns")]
    assert result.rejected[0].raw == "3,4,5"
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (3, 2, 1)


def test_broken_quote_is_rejected_and_following_lines_keep_their_numbers(tmp_path: Path) -> None:
    text = "a,b\n1,x\n2,\"bad\"quote\n3,y\n4,z\n"
    result, rows = _load(_write(tmp_path, "quote.csv", text))
    assert [(r[0], r[1]) for r in rows] == [(2, 1), (4, 3), (5, 4)]
    assert [r.line for r in result.rejected] == [3]
    assert "quote" in result.rejected[0].reason


def test_blank_lines_are_skipped_not_counted(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "blank.csv", "a,b\n1,x\n\n2,y\n\n\n"))
    assert rows == [(2, 1, "x"), (4, 2, "y")]
    assert result.rows_in_file == 2
    assert any("blank line" in n for n in result.notes)


def test_many_malformed_lines_are_all_accounted_for(tmp_path: Path) -> None:
    lines = ["id,v"]
    for i in range(1, 2001):
        lines.append(f"{i},{i}" if i % 100 else f"{i},{i},extra")
    result, rows = _load(_write(tmp_path, "many.csv", "\n".join(lines) + "\n"))
    assert result.rows_in_file == 2000
    assert result.rows_rejected == 20
    assert [r.line for r in result.rejected] == [i + 1 for i in range(100, 2001, 100)]
    assert all(r[0] == r[1] + 1 for r in rows), "every loaded row keeps its own line number"


def test_row_numbers_follow_physical_lines(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "n.csv", "x\n" + "".join(f"{i}\n" for i in range(10))))
    assert [r[0] for r in rows] == list(range(2, 12))
    assert [r[1] for r in rows] == list(range(10))


def test_windows_1252_with_quoted_line_breaks(tmp_path: Path) -> None:
    data = 'id,note\n1,"two\nlines"\n2,caf\xe9\n'.encode("latin-1")
    result, rows = _load(_write(tmp_path, "mixed.csv", data))
    assert result.encoding == "cp1252"
    assert rows == [(2, 1, "two\nlines"), (4, 2, "café")]


def test_utf16_without_bom(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "nobom.csv", "name,age\nZoë,30\n".encode("utf-16-le")))
    assert result.encoding == "utf-16-le"
    assert rows == [(2, "Zoë", 30)]


def test_text_named_like_a_workbook_is_read_as_text(tmp_path: Path) -> None:
    result, rows = _load(_write(tmp_path, "report.xlsx", "a;b\n1;2\n"))
    assert result.format == "csv"
    assert rows == [(2, 1, 2)]


def _fast_and_text_path(monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[tuple, tuple, bool]:
    """Import ``path`` with numbers typed while read, then through the all-text path only."""
    from segdash.ingest import coerce, delimited

    used: list[bool] = []
    finish_read = coerce.finish_read

    def spy(*args: object, **kwargs: object) -> object:
        checked = finish_read(*args, **kwargs)
        used.append(checked is not None)
        return checked

    monkeypatch.setattr(coerce, "finish_read", spy)
    outcomes = []
    for text_only in (False, True):
        if text_only:
            monkeypatch.setattr(delimited, "_plan_typed", lambda *args: ({}, {}))
        result, rows = _load(path)
        columns = [(c.name, c.type, c.missing, c.note) for c in result.columns]
        outcomes.append((columns, result.missing_tokens, result.notes, result.repairs, rows))
    return outcomes[0], outcomes[1], any(used)


def test_numbers_typed_while_read_keep_file_order_and_match_the_text_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big enough (~10 MB) for DuckDB to read it in parallel, where row order can get lost.
    lines = ["id,n,spend,day,flag,price,note"]
    for i in range(220_000):
        n = "NA" if i % 97 == 0 else ("" if i % 89 == 0 else str(i))
        day = "null" if i % 83 == 0 else f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
        lines.append(f'c{i},{n},{i * 0.5},{day},{"yes" if i % 2 else "no"},"${i:,}.00",n/a')
    path = _write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    fast, text, used = _fast_and_text_path(monkeypatch, path)
    assert used, "plain number and date columns should be typed while the file is read"
    assert fast == text
    rows = fast[-1]
    assert [(r[0], r[1]) for r in rows[:3]] == [(2, "c0"), (3, "c1"), (4, "c2")]
    assert all(r[1] == f"c{r[0] - 2}" for r in rows), "every record keeps its own line number"
    assert fast[1]["n"] == ["(blank)", "NA"] and fast[1]["day"] == ["null"]


def test_leading_zeros_far_down_send_the_file_back_to_the_text_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["zip,v"] + [f"{10000 + i},{i}" for i in range(3_000)] + ["02134,7"]
    fast, text, used = _fast_and_text_path(monkeypatch, _write(tmp_path, "zips.csv", "\n".join(lines) + "\n"))
    assert not used
    assert fast == text
    zip_column = next(c for c in fast[0] if c[0] == "zip")
    assert zip_column[1] == "text" and "leading zeros" in zip_column[3]


@pytest.mark.parametrize("size", [50, 120_000])  # small, and big enough for DuckDB's parallel read
@pytest.mark.parametrize("blank_and_trimmed", [False, True])  # False: DuckDB's reader; True: the Python one
def test_set_aside_and_repaired_lines_keep_every_line_number(tmp_path: Path, size: int, blank_and_trimmed: bool) -> None:
    # Each record carries its own line number, so every loaded row can be checked against _row.
    # Padded (short) and rejected (too long) lines, with blank and trimmed (trailing delimiters)
    # ones in the second case, are scattered, including right after the header and on the last line.
    from segdash.preview import preview_rows

    lines = ["line,amount,day"]
    odd = {2: "short", size // 3: "long", size // 2: "short", size - 1: "long", size: "short"}
    if blank_and_trimmed:
        odd |= {3: "blank", size // 2 + 1: "trim"}
    for line in range(2, size + 1):
        kind = odd.get(line)
        if kind == "short":
            lines.append(f"{line},{line * 2}")
        elif kind == "trim":
            lines.append(f"{line},{line * 2},2024-01-02,,")
        elif kind == "blank":
            lines.append("")
        elif kind == "long":
            lines.append(f"{line},{line * 2},2024-01-02,extra")
        else:
            lines.append(f"{line},{line * 2},2024-01-{line % 28 + 1:02d}")
    con = db.connect()
    result = import_file(con, _write(tmp_path, "odd.csv", "\n".join(lines) + "\n"))
    rows = con.execute("SELECT _row, line, amount FROM customers ORDER BY _row").fetchall()
    assert result.rows_in_file == result.rows_loaded + result.rows_rejected
    assert [r.line for r in result.rejected] == sorted(n for n, k in odd.items() if k == "long")
    expected = [n for n in range(2, size + 1) if odd.get(n) not in ("blank", "long")]
    assert [r[0] for r in rows] == expected
    assert all(r[0] == r[1] and r[2] == 2 * r[1] for r in rows), "every row keeps its own line number"
    assert any("fewer values" in r for r in result.repairs)
    assert list(preview_rows(con, limit=3).index) == expected[:3]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '_segdash%'").fetchone()[0] == 0
