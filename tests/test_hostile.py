"""Hostile users and input: the data folder cannot be escaped, zip bombs are refused by size,
hostile names stay text, exports stay formula-safe, no HTML from users, no shared caches."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segdash import config
from segdash.errors import DataImportError
from segdash.report.export import to_safe_csv
from segdash.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "<script>window.__pwned=1</script>", "+cmd|' /C calc'!A0",
           "@SUM(1+1)", "-2+3", "**bold** [link](http://evil)", "<img src=x onerror=alert(1)>"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "ok.csv").write_text("id,spend\n1,2\n")
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(data))
    return data


def test_data_folder_cannot_be_escaped(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.csv").write_text("a\n1\n")
    (folder / "link-out.csv").symlink_to(secret)
    (folder / "link-in.csv").symlink_to(folder / "ok.csv")
    (folder / "notes.txt.sh").write_text("x")
    assert config.data_dir_file("ok.csv") == folder / "ok.csv"
    assert config.data_dir_file("link-in.csv") == folder / "link-in.csv"
    for name in ("../secret.csv", str(secret), "/etc/passwd", "sub/deep.csv", "link-out.csv", "..", ".",
                 "", "ok.csv\x00.png", "..\\secret.csv", "missing.csv", "sub", "notes.txt.sh"):
        with pytest.raises(DataImportError, match="is not a file in the server's data folder"):
            config.data_dir_file(name)
    assert "link-out.csv" not in [p.name for p in config.data_dir_files()]


def test_link_swapped_in_after_listing_is_refused(folder: Path, tmp_path: Path) -> None:
    listed = [p.name for p in config.data_dir_files()]
    assert listed == ["ok.csv"]
    secret = tmp_path / "secret.csv"
    secret.write_text("x\n1\n")
    (folder / "ok.csv").unlink()
    (folder / "ok.csv").symlink_to(secret)  # swapped between listing and opening
    with pytest.raises(DataImportError):
        config.data_dir_file(listed[0])


def _bomb(path: Path, *, unpacked: int) -> Path:
    """A zip shaped like an .xlsx whose sheet unpacks to ``unpacked`` bytes of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"\0" * (1 << 20)
            for _ in range(unpacked // len(block)):
                sheet.write(block)
    return path


def test_zip_bomb_xlsx_is_refused_by_its_unpacked_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_XLSX_MAX_BYTES", str(4 * 1024**2))
    bomb = _bomb(tmp_path / "report.xlsx", unpacked=8 * 1024**2)
    assert bomb.stat().st_size < 64 * 1024  # small on disk
    ws = Workspace()
    with pytest.raises(DataImportError, match=r"report.xlsx would unpack to 0.0 GB, more than this server reads"):
        ws.load(bomb)
    assert not ws.has_data
    # a real workbook under the limit still loads
    book = openpyxl.Workbook()
    book.active.append(["id", "spend"])
    book.active.append([1, 2.5])
    book.save(tmp_path / "fine.xlsx")
    assert ws.load(tmp_path / "fine.xlsx").rows_loaded == 1


def test_tightly_packed_entry_is_a_bomb_at_any_limit(tmp_path: Path) -> None:
    from segdash.ingest.excel import refuse_zip_bomb

    bomb = _bomb(tmp_path / "tight.xlsx", unpacked=110 * 1024**2)  # ~1000:1, the most deflate packs
    info = zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml")
    if info.file_size <= 1000 * info.compress_size:
        pytest.fail(f"test file not packed tightly enough: {info.file_size / info.compress_size:.0f}:1")
    with pytest.raises(DataImportError, match="would unpack to"):
        refuse_zip_bomb(bomb, name="tight.xlsx")


def test_hostile_names_are_text_and_exports_formula_safe(tmp_path: Path) -> None:
    path = tmp_path / "=cmd|calc.csv"
    frame = pd.DataFrame({name: [value, "plain"] for name, value in zip(HOSTILE, reversed(HOSTILE), strict=True)})
    frame.insert(0, "id", ["=1+1", "2"])
    frame.to_csv(path, index=False)
    ws = Workspace()
    result = ws.load(path)
    assert [c.name for c in result.columns][:len(HOSTILE) + 1] == ["id", *HOSTILE]  # kept as written
    exported = to_safe_csv(ws.con.execute("SELECT * EXCLUDE (_row) FROM customers").df()).decode("utf-8-sig")
    parsed = pd.read_csv(io.StringIO(exported), dtype=str, keep_default_na=False)
    for cell in [*parsed.columns, *parsed.to_numpy().ravel()]:
        assert not re.match(r"^[=+\-@\t\r]", cell), cell


def test_no_user_html_and_no_shared_caches() -> None:
    """Audit: no page renders HTML or script from text, and nothing caches data across sessions."""
    sources = [*REPO.glob("segdash/**/*.py"), *REPO.glob("pages/*.py"), REPO / "app.py"]
    html, cached = [], []
    for source in sources:
        lines = source.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            # a reviewed use carries "# shared-ok: <why>" on its line or the line above
            reviewed = "shared-ok:" in line or (number > 0 and "shared-ok:" in lines[number - 1])
            for pattern in ("unsafe_allow_html=True", "st.html(", "components.html(", "unsafe_allow_javascript"):
                if pattern in line and not reviewed:
                    html.append(f"{source.name}:{number + 1}: {pattern}")
            for pattern in ("st.cache_data", "st.cache_resource", "@cache_data", "@cache_resource"):
                if pattern in line and not reviewed:
                    cached.append(f"{source.name}:{number + 1}: {pattern}")
    assert html == [], "user text must be shown as text (escape it, then allow HTML only if unavoidable)"
    assert cached == [], "per-session results go in Workspace.cached, never in a cache shared between sessions"


def test_xsrf_protection_is_not_turned_off() -> None:
    import tomllib

    config_toml = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config_toml.get("server", {}).get("enableXsrfProtection", True) is True
    assert config_toml.get("server", {}).get("enableCORS", True) is True
