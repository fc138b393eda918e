"""segdash.config: the server's data folder and the sample a new session loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from segdash import config


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(data))
    return data


def test_data_dir_honours_environment(folder: Path) -> None:
    assert config.data_dir() == folder


def test_data_dir_defaults_to_bundled_sample_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGDASH_DATA_DIR", raising=False)
    assert config.data_dir() == config.SAMPLE_FILE.parent


def test_data_dir_missing_folder_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(tmp_path / "nowhere"))
    assert config.data_dir() is None
    assert config.data_dir_files() == []


def test_data_dir_files_lists_only_data_files_directly_inside(folder: Path, tmp_path: Path) -> None:
    for name in ("b.csv", "a.XLSX", "c.parquet", "d.tsv", "notes.md", "image.png", ".hidden"):
        (folder / name).write_text("x")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "deep.csv").write_text("x")
    (folder / "folder.csv").mkdir()  # a folder with a data-like name is not a file
    outside = tmp_path / "outside.csv"
    outside.write_text("x")
    (folder / "link.csv").symlink_to(outside)  # a link out of the folder is not listed
    (folder / "inside-link.csv").symlink_to(folder / "b.csv")  # a link within the folder is fine

    assert [path.name for path in config.data_dir_files()] == [
        "a.XLSX", "b.csv", "c.parquet", "d.tsv", "inside-link.csv",
    ]


def test_sample_file_none_disables(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("none", "NONE", " none ", "", "off", "0"):
        monkeypatch.setenv("SEGDASH_SAMPLE", value)
        assert config.sample_file() is None, value


def test_sample_file_from_environment_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text("id\n1\n")
    monkeypatch.setenv("SEGDASH_SAMPLE", str(mine))
    assert config.sample_file() == mine
    monkeypatch.setenv("SEGDASH_SAMPLE", str(tmp_path / "missing.csv"))
    assert config.sample_file() is None
    monkeypatch.delenv("SEGDASH_SAMPLE")
    assert config.sample_file() == config.SAMPLE_FILE
