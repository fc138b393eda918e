"""Configuration from the environment (documented in README.md)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_FILE = PROJECT_DIR / "sample_data" / "customers.csv"

#: File extensions the import understands (anything else is still sniffed as text).
DATA_EXTENSIONS = (".csv", ".tsv", ".txt", ".psv", ".dat", ".xlsx", ".xlsm", ".parquet", ".pq")


def data_dir() -> Path | None:
    """The server-side folder whose files can be opened without uploading.

    ``SEGDASH_DATA_DIR`` names it; by default it is the bundled ``sample_data/`` folder.
    Returns ``None`` when the folder does not exist.
    """
    configured = os.environ.get("SEGDASH_DATA_DIR")
    folder = Path(configured).expanduser() if configured else SAMPLE_FILE.parent
    return folder if folder.is_dir() else None


def data_dir_files() -> list[Path]:
    """Data files directly inside :func:`data_dir`, sorted by name (no sub-folders, no links out)."""
    folder = data_dir()
    if folder is None:
        return []
    root = folder.resolve()
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in DATA_EXTENSIONS and path.resolve().parent == root:
            files.append(path)
    return files


def sample_file() -> Path | None:
    """The file loaded for a new session: ``SEGDASH_SAMPLE`` (``none`` disables) or the bundled sample."""
    configured = os.environ.get("SEGDASH_SAMPLE")
    if configured is not None:
        if configured.strip().lower() in ("", "none", "0", "off"):
            return None
        path = Path(configured).expanduser()
    else:
        path = SAMPLE_FILE
    return path if path.is_file() else None


def data_dir_file(name: str) -> Path:
    """The file called ``name`` directly inside :func:`data_dir`, checked again when it is opened.

    Parameters
    ----------
    name
        A plain file name as listed by :func:`data_dir_files`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    segdash.errors.DataImportError
        ``name`` is a path (``../``, ``/etc/passwd``, ``sub/x.csv``), is not a data file, or is a
        link that leads out of the folder (including one swapped in after the folder was listed).
    """
    from segdash.errors import DataImportError

    folder = data_dir()
    refused = DataImportError(f"'{name}' is not a file in the server's data folder; choose one from the list.")
    text = str(name)
    if folder is None or not text or text in (".", "..") or "/" in text or "\\" in text or "\x00" in text:
        raise refused
    path = folder / text
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise refused from None
    if resolved.parent != folder.resolve() or not resolved.is_file() or path.suffix.lower() not in DATA_EXTENSIONS:
        raise refused
    return path
