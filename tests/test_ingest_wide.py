"""Wide files (issue 16): many columns are typed, roled and profiled from long-form queries.

The long-form path must give exactly what the per-column queries give; it is forced here on a
small table by lowering the width at which it starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segdash import columns, db
from segdash.ingest import coerce, import_file


def _write(path: Path, width: int, rows: int = 12) -> Path:
    header = ["customer_id", "email"] + [f"c{i}" for i in range(width)]
    lines = [",".join(header)]
    for r in range(1, rows + 1):
        values = [str(r), f"p{r}@mail.com"]
        for i in range(width):
            kind = i % 5
            if kind == 0:
                values.append("-" if r == 3 else str(r * i % 11))  # numbers, one placeholder
            elif kind == 1:
                values.append(f"{r * 1.5 + i:.2f}")
            elif kind == 2:
                values.append(["North", "South", "n/a", "East"][r % 4])
            elif kind == 3:
                values.append(f"2024-0{1 + r % 9}-1{r % 10}")
            else:
                values.append(["Yes", "No"][r % 2])
        lines.append(",".join(values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _everything(path: Path, monkeypatch: pytest.MonkeyPatch, wide_from: int):
    monkeypatch.setattr(coerce, "WIDE_COLUMNS", wide_from)
    monkeypatch.setattr(columns, "WIDE_COLUMNS", wide_from)
    con = db.connect(threads=1)
    result = import_file(con, path)
    types = {c.name: c.type for c in result.columns}
    roles = {c.name: c.role for c in result.columns}
    profile = columns.profile_columns(con, types=types, roles=roles)
    rows = con.execute("SELECT * FROM customers ORDER BY _row").fetchall()
    return result, profile.to_dict("records"), rows


def test_long_form_path_gives_the_same_import_and_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "wide.csv", width=15)
    narrow, narrow_profile, narrow_rows = _everything(path, monkeypatch, wide_from=10_000)
    wide, wide_profile, wide_rows = _everything(path, monkeypatch, wide_from=2)
    assert [(c.name, c.type, c.role, c.missing, c.note) for c in wide.columns] == [
        (c.name, c.type, c.role, c.missing, c.note) for c in narrow.columns
    ]
    assert wide.missing_tokens == narrow.missing_tokens
    assert wide.missing_tokens["c0"] == ["-"]
    assert wide.missing_tokens["c2"] == ["n/a"]
    assert wide_rows == narrow_rows
    assert wide_profile == narrow_profile
    types = {c.name: c.type for c in wide.columns}
    assert [types[f"c{i}"] for i in range(5)] == ["number", "number", "text", "date", "boolean"]
    assert {c.name: c.role for c in wide.columns}["email"] == "pii"


def test_a_wide_file_imports_every_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "wider.csv", width=400, rows=20)
    con = db.connect()
    result = import_file(con, path)
    assert (result.rows_loaded, len(result.columns)) == (20, 402)
    assert con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers'").fetchone()[0] \
        == 403
    assert {c.type for c in result.columns if c.name.startswith("c")} == {"number", "text", "date", "boolean"}
