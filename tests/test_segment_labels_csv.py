"""labels.csv written by DuckDB (issue 16): the same bytes as Arrow's writer, and no Ibis in ``segment`` on a file."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from segdash import db
from segdash.data import Data
from segdash.errors import SegdashError
from segdash.report.export import write_arrow_csv
from segdash.segment import labels_table, write_labels_csv
from tests.helpers import loaded_after_script

REPO = Path(__file__).resolve().parents[1]

#: Awkward text: quotes, separators, line breaks, formula starts, accents, an empty string.
ODD_TEXT = ['a"b', "x,y", "line\nbreak", "=1+2", "-5", "+3", "@home", "\tTab", "\rCR", "Zoë", ""]


def _data(ids: list, *, id_type: str, id_name: str = "customer_id", segments: list[str] | None = None,
          shuffled_labels: bool = True) -> Data:
    """``customers(_row, <id_name>, age)`` and ``segment_labels`` (stored in reverse row order when ``shuffled_labels``)."""
    con = db.connect()
    con.execute(f"CREATE TABLE customers (_row BIGINT, {db.quote_ident(id_name)} {id_type}, age INTEGER)")
    con.executemany("INSERT INTO customers VALUES (?, ?, ?)", [[i + 1, v, 20 + i] for i, v in enumerate(ids)])
    segments = segments or [f"Segment {i % 3 + 1}" for i in range(len(ids))]
    rows = list(enumerate(segments, start=1))
    con.execute(f"CREATE TABLE {db.LABELS} (_row BIGINT, segment VARCHAR)")
    con.executemany(f"INSERT INTO {db.LABELS} VALUES (?, ?)", [list(r) for r in (rows[::-1] if shuffled_labels else rows)])
    return Data.duckdb(con)


def _by_arrow(data: Data, roles: dict[str, str], path: Path) -> bytes:
    """The reference: Ibis reads the labels (names mapped to themselves force that path), Arrow writes them."""
    labels = [s for (s,) in db.fetch_all(data.con, f"SELECT DISTINCT segment FROM {db.LABELS}")]
    write_arrow_csv(labels_table(data, roles=roles, names={s: s for s in labels}), path)
    return path.read_bytes()


def test_small_file_by_hand(tmp_path: Path) -> None:
    data = _data(["C1", "=cmd", "C3"], id_type="VARCHAR", segments=["Segment 2", "Segment 1", "-Lost"])
    out = tmp_path / "labels.csv"
    write_labels_csv(data, out, roles={"customer_id": "id", "age": "demographic"})
    assert out.read_bytes() == ('\ufeff"customer_id","segment"\n"C1","Segment 2"\n"\'=cmd","Segment 1"\n'
                                '"C3","\'-Lost"\n').encode()


@pytest.mark.parametrize(("ids", "id_type", "id_name"), [
    (ODD_TEXT, "VARCHAR", "customer_id"),
    (ODD_TEXT, "VARCHAR", 'my "id", =odd'),
    ([10, -3, 7, 2**40, 0], "BIGINT", "id"),
    ([1.5, 2.25, 1e20, -0.0, 3.0], "DOUBLE", "id"),  # not DuckDB's: Arrow writes it
    (["2024-01-02", "2023-05-06", "1999-12-31"], "DATE", "id"),  # not DuckDB's: Arrow writes it
])
def test_same_bytes_as_arrow(tmp_path: Path, ids: list, id_type: str, id_name: str) -> None:
    data = _data(ids, id_type=id_type, id_name=id_name, segments=[ODD_TEXT[i % len(ODD_TEXT)] or "x"
                                                                    for i in range(len(ids))])
    roles = {id_name: "id", "age": "demographic"}
    out = tmp_path / "labels.csv"
    write_labels_csv(data, out, roles=roles)
    assert out.read_bytes() == _by_arrow(data, roles, tmp_path / "arrow.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf\"")


def test_rows_without_unique_id_are_numbered(tmp_path: Path) -> None:
    data = _data(["a", "a", "b"], id_type="VARCHAR")  # repeated: not an id for labels
    out = tmp_path / "labels.csv"
    write_labels_csv(data, out, roles={"customer_id": "id"})
    assert out.read_text(encoding="utf-8-sig") == '"row","segment"\n1,"Segment 1"\n2,"Segment 2"\n3,"Segment 3"\n'
    assert out.read_bytes() == _by_arrow(data, {"customer_id": "id"}, tmp_path / "arrow.csv")


def test_no_temporary_folder_left_and_unwritable_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    data = _data(["C1", "C2"], id_type="VARCHAR")
    write_labels_csv(data, tmp_path / "labels.csv", roles={"customer_id": "id"})
    assert list(root.iterdir()) == []
    with pytest.raises(SegdashError, match="Cannot write"):
        write_labels_csv(data, tmp_path / "missing-folder" / "labels.csv", roles={"customer_id": "id"})
    assert list(root.iterdir()) == []


def test_plain_duckdb_connection_works_too(tmp_path: Path) -> None:
    """A cursor of the workspace's connection (work in another thread) writes the same file."""
    data = _data(["C1", "C2", "C3"], id_type="VARCHAR")
    cursor = data.con.cursor()
    out = tmp_path / "labels.csv"
    write_labels_csv(Data.duckdb(cursor), out, roles={"customer_id": "id"})
    cursor.close()
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == '"C1","Segment 1"'
    assert isinstance(data.con, duckdb.DuckDBPyConnection)


#: Run ``python -m segdash ARGS`` the way a user does, then report which heavy libraries it loaded.
_LOADED_AFTER = loaded_after_script(('ibis', 'sqlglot', 'plotly', 'streamlit'))


def test_segment_on_a_file_loads_no_ibis(tmp_path: Path) -> None:
    """Issue 16: clustering a file runs on DuckDB and scikit-learn alone; Ibis (and the SQL compilers of every
    dialect it loads) cost about half a second of CPU of ``segment --k auto``. scikit-learn itself loads pandas."""
    path = tmp_path / "customers.csv"
    rows = ["customer_id,age,income,channel,lifestyle,last_purchase"]
    rows += [f"C{i},{20 + i % 50},{1000 + (i * 37) % 900},{['Email', 'Social', 'Search'][i % 3]},"
             f"{['Urban', 'Family', 'Senior'][(i // 3) % 3]},2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(300)]
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "labels.csv"
    for method, extra in (("kmeans", ["--k", "auto", "--k-range", "2-4"]), ("hierarchical", ["--k", "3"]),
                          ("gmm", ["--k", "3"])):
        done = subprocess.run([sys.executable, "-c", _LOADED_AFTER, "segment", str(path), "--method", method,
                               "--features", "age,income,channel,lifestyle,last_purchase", *extra, "--out", str(out),
                               "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report == {"code": 0, "loaded": []}, (method, report)
        lines = out.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == '"customer_id","segment"' and len(lines) == 301
        assert lines[1].startswith('"C0","Segment ')
