"""Projects on disk: a folder per server (``SEGDASH_HOME``) that keeps a team's work.

Layout (every name on disk is an id we made, never user text)::

    SEGDASH_HOME/
      store.json                               {"app": "segdash", "schema": 1}
      projects/<project id>/
        project.json                           name, owner, shared_with, created
        datasets/<dataset id>/dataset.json     import report, roles, column labels, source name
        datasets/<dataset id>/customers.parquet
        segmentations/<snapshot id>/segmentation.json   settings, model (arrays as lists), names
        segmentations/<snapshot id>/labels.parquet      customer id -> segment
        working/<id>/segmentation.json, labels.parquet   segments made but not saved yet (a reload brings
                                               them back: the address or docs/settings "last_open" names the copy)
        docs/<kind>/<hash of name>.json        small documents (rules, notes, OKRs, sample settings)
        tables/<kind>/<hash of name>.parquet   tables (survey samples, answers)

Why this shape:

* **Atomic.** A file is written to a temporary name beside it, flushed to disk and renamed over
  the old one (``os.replace``). A snapshot (a folder of several files) is built in a temporary
  folder and renamed into place in one step. A crash or ``kill -9`` mid-save leaves the previous
  state whole; half-written temporary files are ignored and cleaned up later.
* **Many writers.** Nothing is held open between operations, and every save writes its own new
  folder or replaces one file, so two browser sessions and the command line can save into one
  project at the same time (the last rename of a document wins; no file is ever half of two).
* **Never code.** Everything is JSON or Parquet read by DuckDB. Nothing is unpickled; a file
  that is not what we wrote (a pickle, a script) is refused with a plain sentence.
* **Versioned.** ``schema`` in every JSON file; :data:`SCHEMA_VERSION` is what this release writes
  and :func:`_upgrade` brings older files up to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from segdash.errors import SegdashError

#: Version of the files this release writes.
SCHEMA_VERSION = 1
#: Kinds of documents and tables a project holds (folder names; never user text).
KINDS = frozenset({"playbook", "notes", "okrs", "survey", "survey_samples", "survey_answers", "settings",
                   "channel_map", "report"})
#: Days a copy of unsaved segments stays in a project without being written (see ``Project.drop_stale_working``).
WORKING_DAYS = 7
_TMP = ".tmp-"
_TRASH = ".trash-"
_STALE_SECONDS = 3600
_PARQUET_MAGIC = b"PAR1"


class StoreError(SegdashError):
    """The project folder cannot be read or written (full or read-only disk, a damaged file)."""


def default_home() -> Path:
    """``SEGDASH_HOME``, or ``segdash-data/`` next to the app."""
    configured = os.environ.get("SEGDASH_HOME")
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parent.parent / "segdash-data"


def now_iso() -> str:
    """The current UTC time as ISO text (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_id() -> str:
    """A new id that sorts by creation time: ``20261130T053700-3f9a2c``."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)


# -- atomic files -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _plain_errors(what: str) -> Iterator[None]:
    """Turn disk errors into one sentence a marketer can act on."""
    try:
        yield
    except StoreError:
        raise
    except OSError as err:
        reason = "the disk is full" if err.errno == 28 else (
            "the folder is read-only" if err.errno in (13, 30) else f"the disk said: {err.strerror or err}")
        raise StoreError(
            f"Could not {what}: {reason}. Your work is still open in this session but was not saved; "
            "free some space or check the project folder (SEGDASH_HOME), then save again."
        ) from err


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Parameters
    ----------
    path
        Target file; its folder is created when missing.
    data
        The whole new content.

    Raises
    ------
    StoreError
        When the disk is full or read-only (the old file is left as it was).
    """
    with _plain_errors(f"save {path.name}"):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{_TMP}{secrets.token_hex(4)}-{path.name}")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_dir(path.parent)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` (with ``schema`` added) as JSON, atomically (see :func:`write_bytes_atomic`)."""
    payload = {"schema": SCHEMA_VERSION, **data}
    write_bytes_atomic(path, json.dumps(payload, indent=1, ensure_ascii=False, default=str).encode("utf-8"))


def read_json(path: Path) -> dict[str, Any]:
    """Read a store JSON file, refusing anything that is not one.

    Parameters
    ----------
    path
        A JSON file written by :func:`write_json_atomic`.

    Returns
    -------
    dict
        Its content, upgraded to :data:`SCHEMA_VERSION`.

    Raises
    ------
    StoreError
        The file is missing, is not JSON text (a pickle or other binary), is not an object with
        a ``schema`` number, or was written by a newer segdash.
    """
    with _plain_errors(f"read {path.name}"):
        if not path.is_file():
            raise StoreError(f"The project file {path.name} is missing; the project folder may have been moved.")
        raw = path.read_bytes()
    refused = StoreError(
        f"{path.parent.name}/{path.name} in the project folder is not a segdash file (it may have been edited "
        "or replaced by hand), so segdash will not open it. Restore it from a backup or delete that folder."
    )
    if raw[:1] == b"\x80" or b"\x00" in raw[:64]:  # a pickle or other binary: never parsed, never run
        raise refused
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise refused from err
    if not isinstance(data, dict) or not isinstance(data.get("schema"), int):
        raise refused
    if data["schema"] > SCHEMA_VERSION:
        raise StoreError(f"{path.name} was saved by a newer segdash (format {data['schema']}); update segdash "
                         "to open this project.")
    return _upgrade(data)


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a file of an older format up to :data:`SCHEMA_VERSION` (format 1 is the first)."""
    return data


def check_parquet(path: Path) -> Path:
    """``path`` if it is a Parquet file (magic bytes at both ends), else a plain :class:`StoreError`."""
    with _plain_errors(f"read {path.name}"):
        if not path.is_file():
            raise StoreError(f"The project file {path.parent.name}/{path.name} is missing.")
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(0, size - 4))
            tail = handle.read(4)
    if size < 12 or head != _PARQUET_MAGIC or tail != _PARQUET_MAGIC:
        raise StoreError(f"{path.parent.name}/{path.name} in the project folder is not a segdash data file "
                         "(it may have been edited or replaced by hand), so segdash will not open it.")
    return path


def _write_parquet(path: Path, table: Any) -> None:
    """Write an Arrow table (or DataFrame) as Parquet without pandas metadata (no atomicity: see callers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata: nothing to interpret on reading
    with _plain_errors(f"save {path.name}"):
        pq.write_table(table, path)


def write_parquet_atomic(path: Path, table: Any) -> None:
    """Write an Arrow table (or pandas DataFrame) as Parquet, atomically."""
    with _plain_errors(f"save {path.name}"):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{_TMP}{secrets.token_hex(4)}-{path.name}")
        try:
            _write_parquet(tmp, table)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _fsync_dir(path.parent)


def read_parquet(path: Path) -> Any:
    """Read a store Parquet file into an Arrow table (DuckDB's reader: no Python objects revived)."""
    import duckdb

    check_parquet(path)
    con = duckdb.connect(":memory:")
    try:
        return con.read_parquet(str(path)).to_arrow_table()
    except duckdb.Error as err:
        raise StoreError(f"{path.parent.name}/{path.name} in the project folder is damaged and cannot be read.") from err
    finally:
        con.close()


class _Snapshot:
    """A folder built under a temporary name and renamed into place in one step."""

    def __init__(self, parent: Path, final_name: str) -> None:
        self.parent = parent
        self.final = parent / final_name
        self.tmp = parent / f"{_TMP}{final_name}"

    def __enter__(self) -> Path:
        with _plain_errors("start saving"):
            self.tmp.mkdir(parents=True)
        return self.tmp

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        try:
            with _plain_errors("finish saving"):
                for child in self.tmp.iterdir():
                    with open(child, "rb") as handle:
                        os.fsync(handle.fileno())
                os.rename(self.tmp, self.final)
                _fsync_dir(self.parent)
        except StoreError:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise


def _remove_tree(path: Path) -> None:
    """Remove a folder: first renamed out of sight (atomic), then deleted."""
    if not path.exists():
        return
    with _plain_errors(f"delete {path.name}"):
        trash = path.with_name(f"{_TRASH}{secrets.token_hex(4)}-{path.name}")
        os.rename(path, trash)
        shutil.rmtree(trash, ignore_errors=True)


def _clean_stale(folder: Path) -> None:
    """Remove temporary and trash entries left by a crash (only old ones: a live save may own a new one)."""
    if not folder.is_dir():
        return
    cutoff = time.time() - _STALE_SECONDS
    for child in folder.iterdir():
        if child.name.startswith((_TMP, _TRASH)):
            with contextlib.suppress(OSError):
                if child.stat().st_mtime < cutoff:
                    if child.is_dir():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink()


def _entries(folder: Path) -> list[Path]:
    """Complete entries of a folder (temporary and trash names left out), oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith((_TMP, _TRASH, ".")))


def _name_key(name: str) -> str:
    return hashlib.blake2b(name.encode("utf-8"), digest_size=10).hexdigest()


def clean_name(name: str, *, what: str = "name") -> str:
    """``name`` with white space folded; a blank one is refused."""
    cleaned = " ".join(str(name or "").split())
    if not cleaned:
        raise StoreError(f"Give the {what} a name.")
    if len(cleaned) > 200:
        raise StoreError(f"That {what} is too long ({len(cleaned)} characters); keep it under 200.")
    return cleaned


_ID = re.compile(r"^[0-9T]{15,}-[0-9a-f]{6}$")


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise StoreError(f"There is no {what} called '{value}' in this project.")
    return value


# -- the store ----------------------------------------------------------------------------------------

@dataclass
class ProjectInfo:
    """What the project picker lists."""

    id: str
    name: str
    created: str
    owner: str | None = None
    shared_with: list[str] = field(default_factory=list)


class Store:
    """The folder of projects (``SEGDASH_HOME``)."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()

    @property
    def projects_dir(self) -> Path:
        """Where the projects live."""
        return self.home / "projects"

    def ensure(self) -> None:
        """Create the folder and its version file when missing (refuse a newer format)."""
        marker = self.home / "store.json"
        if marker.is_file():
            read_json(marker)
            return
        write_json_atomic(marker, {"app": "segdash", "created": now_iso()})

    def projects(self, *, user: str | None = None) -> list[ProjectInfo]:
        """Projects in the store, by name; with ``user``, only those the user may open.

        Parameters
        ----------
        user
            A signed-in user: projects owned by them, shared with them, or without owner.

        Returns
        -------
        list[ProjectInfo]
        """
        found = []
        for folder in _entries(self.projects_dir):
            try:
                meta = read_json(folder / "project.json")
            except StoreError:
                continue  # a damaged project is not listed; opening it by id says why
            info = ProjectInfo(id=folder.name, name=str(meta.get("name", folder.name)),
                               created=str(meta.get("created", "")), owner=meta.get("owner"),
                               shared_with=list(meta.get("shared_with") or []))
            if user is None or info.owner in (None, user) or user in info.shared_with:
                found.append(info)
        return sorted(found, key=lambda p: (p.name.lower(), p.created))

    def create_project(self, name: str, *, owner: str | None = None) -> Project:
        """Create an empty project called ``name`` (names may repeat; ids do not)."""
        self.ensure()
        project_id = new_id()
        with _Snapshot(self.projects_dir, project_id) as tmp:
            write_json_atomic(tmp / "project.json", {
                "name": clean_name(name, what="project"), "created": now_iso(), "owner": owner, "shared_with": [],
            })
        return Project(self, project_id)

    def open_project(self, project_id: str) -> Project:
        """The project with this id.

        Raises
        ------
        StoreError
            No such project, or its file is damaged.
        """
        _check_id(project_id, "project")
        folder = self.projects_dir / project_id
        if not folder.is_dir():
            raise StoreError("That project no longer exists (it may have been deleted). Choose another one.")
        project = Project(self, project_id)
        project.meta()  # refuses a damaged file now, with a plain sentence
        return project

    def find_project(self, name_or_id: str) -> Project:
        """The project with this id, or the only one with this name.

        Raises
        ------
        StoreError
            None or several match.
        """
        if _ID.match(str(name_or_id)) and (self.projects_dir / name_or_id).is_dir():
            return self.open_project(name_or_id)
        matches = [p for p in self.projects() if p.name == " ".join(str(name_or_id).split())]
        if not matches:
            known = ", ".join(p.name for p in self.projects()) or "none yet"
            raise StoreError(f"There is no project called '{name_or_id}' in {self.home} (projects: {known}).")
        if len(matches) > 1:
            raise StoreError(f"Several projects are called '{name_or_id}'; use the project id instead.")
        return self.open_project(matches[0].id)

    def get_or_create(self, name: str, *, owner: str | None = None) -> Project:
        """The only project called ``name``, created when there is none."""
        for info in self.projects():
            if info.name == " ".join(str(name).split()):
                return self.open_project(info.id)
        return self.create_project(name, owner=owner)

    def delete_project(self, project_id: str) -> None:
        """Delete a project and everything in it."""
        _check_id(project_id, "project")
        _remove_tree(self.projects_dir / project_id)

    def clean(self) -> None:
        """Remove what crashed saves left behind (old temporary folders and files) and week-old copies of
        unsaved segments (see :meth:`Project.drop_stale_working`); the server does this at start-up."""
        _clean_stale(self.projects_dir)
        for folder in _entries(self.projects_dir):
            for sub in ("datasets", "segmentations", "working"):
                _clean_stale(folder / sub)
            for sub in ("docs", "tables"):
                for kind in _entries(folder / sub):
                    _clean_stale(kind)
            Project(self, folder.name).drop_stale_working()


class Project:
    """One project: datasets, saved segmentations (snapshots), documents and tables."""

    def __init__(self, store: Store, project_id: str) -> None:
        self.store = store
        self.id = project_id
        self.path = store.projects_dir / project_id

    # -- the project itself ------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        """``project.json``: name, owner, shared_with, created."""
        return read_json(self.path / "project.json")

    @property
    def name(self) -> str:
        """The project's name."""
        return str(self.meta().get("name", self.id))

    def rename(self, name: str) -> None:
        """Give the project a new name."""
        meta = self.meta()
        meta["name"] = clean_name(name, what="project")
        write_json_atomic(self.path / "project.json", meta)

    def share(self, users: list[str]) -> None:
        """Set the users (besides the owner) who may open this project."""
        meta = self.meta()
        meta["shared_with"] = sorted({u.strip() for u in users if u and u.strip()})
        write_json_atomic(self.path / "project.json", meta)

    # -- datasets --------------------------------------------------------------------------------
    def save_dataset(self, con: Any, *, imported: Any, roles: dict[str, str],
                     column_labels: dict[str, str] | None = None, table: str = "customers") -> str:
        """Keep the imported table (Parquet) with its import report and roles.

        Parameters
        ----------
        con
            DuckDB connection holding ``table``.
        imported
            The :class:`segdash.schema.ImportResult`.
        roles
            Column -> role.
        column_labels
            Column -> display label.
        table
            The table to keep.

        Returns
        -------
        str
            The dataset id.
        """
        from dataclasses import asdict

        dataset_id = new_id()
        relation = con.table(table)
        rows = int(relation.aggregate("count(*)").fetchall()[0][0])
        with _Snapshot(self.path / "datasets", dataset_id) as tmp:
            with _plain_errors("save the data"):
                # DuckDB's parallel writer; the file is inside the snapshot's temporary folder, so
                # it only becomes visible when the whole folder is renamed into place.
                relation.write_parquet(str(tmp / "customers.parquet"))
            write_json_atomic(tmp / "dataset.json", {
                "id": dataset_id, "name": imported.source, "created": now_iso(), "rows": rows,
                "imported": asdict(imported), "roles": dict(roles), "column_labels": dict(column_labels or {}),
            })
        return dataset_id

    def datasets(self) -> list[dict[str, Any]]:
        """Saved datasets (their ``dataset.json`` without the report), oldest first."""
        found = []
        for folder in _entries(self.path / "datasets"):
            try:
                meta = read_json(folder / "dataset.json")
            except StoreError:
                continue
            found.append({k: meta.get(k) for k in ("id", "name", "created", "rows")})
        return found

    def dataset_meta(self, dataset_id: str) -> dict[str, Any]:
        """A dataset's ``dataset.json`` (import report, roles, labels)."""
        _check_id(dataset_id, "data set")
        return read_json(self.path / "datasets" / dataset_id / "dataset.json")

    def dataset_path(self, dataset_id: str) -> Path:
        """The dataset's Parquet file (checked to be one)."""
        _check_id(dataset_id, "data set")
        return check_parquet(self.path / "datasets" / dataset_id / "customers.parquet")

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset (its snapshots stay: they hold their own labels)."""
        _check_id(dataset_id, "data set")
        _remove_tree(self.path / "datasets" / dataset_id)

    # -- saved segmentations (snapshots) ------------------------------------------------------------
    def save_segmentation(self, record: dict[str, Any], labels: Any) -> str:
        """Save one segmentation snapshot: its record (JSON) and its labels (Parquet).

        Parameters
        ----------
        record
            JSON-ready settings, model, names, sizes, dataset id, key column, ...
            (see :mod:`segdash.saved`).
        labels
            Arrow table or DataFrame ``(key, segment)``: one row per customer.

        Returns
        -------
        str
            The snapshot id.
        """
        record = {**record, "created": record.get("created") or now_iso()}
        record["name"] = clean_name(record.get("name", ""), what="saved segmentation")
        return self._write_segmentation("segmentations", record, labels)

    def _write_segmentation(self, area: str, record: dict[str, Any], labels: Any) -> str:
        """A new folder ``<area>/<new id>`` holding ``record`` (with its id) and ``labels``, renamed into place."""
        folder_id = new_id()
        with _Snapshot(self.path / area, folder_id) as tmp:
            _write_parquet(tmp / "labels.parquet", labels)
            write_json_atomic(tmp / "segmentation.json", {**record, "id": folder_id})
        return folder_id

    def segmentations(self) -> list[dict[str, Any]]:
        """Saved snapshots, oldest first: id, name, created, method, dataset, sizes, parent."""
        found = []
        for folder in _entries(self.path / "segmentations"):
            try:
                meta = read_json(folder / "segmentation.json")
            except StoreError:
                continue
            found.append({k: meta.get(k) for k in ("id", "name", "created", "method", "dataset_id",
                                                   "dataset_name", "sizes", "parent_id", "customers")})
        return found

    def segmentation(self, snapshot_id: str) -> dict[str, Any]:
        """A snapshot's whole record (settings, model, names, ...)."""
        _check_id(snapshot_id, "saved segmentation")
        return read_json(self.path / "segmentations" / snapshot_id / "segmentation.json")

    def segmentation_labels(self, snapshot_id: str) -> Any:
        """A snapshot's labels as an Arrow table ``(key, segment)``."""
        _check_id(snapshot_id, "saved segmentation")
        return read_parquet(self.path / "segmentations" / snapshot_id / "labels.parquet")

    def find_segmentation(self, name_or_id: str) -> dict[str, Any]:
        """The snapshot with this id, or the newest one with this name.

        Raises
        ------
        StoreError
            None matches.
        """
        listed = self.segmentations()
        for entry in listed:
            if entry["id"] == name_or_id:
                return self.segmentation(entry["id"])
        named = [e for e in listed if e["name"] == " ".join(str(name_or_id).split())]
        if not named:
            known = ", ".join(sorted({e["name"] for e in listed})) or "none yet"
            raise StoreError(f"There is no saved segmentation called '{name_or_id}' in project "
                             f"'{self.name}' (saved: {known}).")
        return self.segmentation(named[-1]["id"])

    def update_segmentation(self, snapshot_id: str, **changes: Any) -> None:
        """Change a snapshot's name or segment names (the labels never change)."""
        record = self.segmentation(snapshot_id)
        if "name" in changes:
            changes["name"] = clean_name(changes["name"], what="saved segmentation")
        record.update(changes)
        record.pop("schema", None)
        write_json_atomic(self.path / "segmentations" / snapshot_id / "segmentation.json", record)

    def delete_segmentation(self, snapshot_id: str) -> None:
        """Delete a snapshot."""
        _check_id(snapshot_id, "saved segmentation")
        _remove_tree(self.path / "segmentations" / snapshot_id)

    # -- the segments made but not saved yet ---------------------------------------------------------
    def keep_working(self, record: dict[str, Any], labels: Any) -> str:
        """Keep the segments made but not saved yet (record and labels as for :meth:`save_segmentation`), so a
        reload can bring them back; returns the id to note in ``last_open`` (older copies stay until
        :meth:`drop_working`, so a crash before the note leaves the previous copy whole)."""
        return self._write_segmentation("working", record, labels)

    def working(self, working_id: str) -> tuple[dict[str, Any], Any]:
        """The record and labels (Arrow) kept by :meth:`keep_working`."""
        _check_id(working_id, "kept segments")
        folder = self.path / "working" / working_id
        return read_json(folder / "segmentation.json"), read_parquet(folder / "labels.parquet")

    def update_working(self, working_id: str, **changes: Any) -> None:
        """Change fields of a kept record (e.g. segment names)."""
        _check_id(working_id, "kept segments")
        path = self.path / "working" / working_id / "segmentation.json"
        write_json_atomic(path, {**read_json(path), **changes})

    def drop_working(self, working_id: str) -> None:
        """Remove a kept copy of unsaved segments (nothing happens when it is gone)."""
        _check_id(working_id, "kept segments")
        _remove_tree(self.path / "working" / working_id)

    def drop_stale_working(self, *, older_than: float = WORKING_DAYS * 86400) -> None:
        """Remove kept copies of unsaved segments not written for ``older_than`` seconds (another session's,
        left when it ended; each session removes its own when it saves or makes new segments)."""
        cutoff = time.time() - older_than
        for folder in _entries(self.path / "working"):
            with contextlib.suppress(OSError, StoreError):
                if (folder / "segmentation.json").stat().st_mtime < cutoff:
                    _remove_tree(folder)

    # -- documents and tables ------------------------------------------------------------------------
    def _kind_dir(self, area: str, kind: str) -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")  # a programming error, not a user's
        return self.path / area / kind

    def put_doc(self, kind: str, name: str, data: dict[str, Any]) -> None:
        """Save a small JSON document (e.g. the playbook rules) under ``name``, atomically."""
        cleaned = clean_name(name)
        write_json_atomic(self._kind_dir("docs", kind) / f"{_name_key(cleaned)}.json",
                          {"name": cleaned, "saved": now_iso(), "data": data})

    def get_doc(self, kind: str, name: str, default: Any = None) -> Any:
        """The document saved under ``name``, or ``default``."""
        path = self._kind_dir("docs", kind) / f"{_name_key(clean_name(name))}.json"
        if not path.is_file():
            return default
        return read_json(path).get("data", default)

    def list_docs(self, kind: str) -> list[str]:
        """Names of the documents of ``kind``."""
        names = []
        for path in _entries(self._kind_dir("docs", kind)):
            with contextlib.suppress(StoreError):
                names.append(str(read_json(path).get("name", path.stem)))
        return sorted(names)

    def delete_doc(self, kind: str, name: str) -> None:
        """Delete a document (nothing happens when there is none)."""
        path = self._kind_dir("docs", kind) / f"{_name_key(clean_name(name))}.json"
        with _plain_errors(f"delete {name}"), contextlib.suppress(FileNotFoundError):
            path.unlink()

    def put_table(self, kind: str, name: str, table: Any, *, meta: dict[str, Any] | None = None) -> None:
        """Save a table (Arrow or DataFrame) under ``name``, with optional JSON ``meta``, atomically."""
        cleaned = clean_name(name)
        key = _name_key(cleaned)
        folder = self._kind_dir("tables", kind)
        write_parquet_atomic(folder / f"{key}.parquet", table)
        write_json_atomic(folder / f"{key}.json", {"name": cleaned, "saved": now_iso(), "meta": meta or {}})

    def get_table(self, kind: str, name: str) -> Any:
        """The table saved under ``name`` as a DataFrame, or ``None``."""
        path = self._kind_dir("tables", kind) / f"{_name_key(clean_name(name))}.parquet"
        if not path.is_file():
            return None
        return read_parquet(path).to_pandas()

    def table_meta(self, kind: str, name: str) -> dict[str, Any] | None:
        """The ``meta`` saved with a table, or ``None``."""
        path = self._kind_dir("tables", kind) / f"{_name_key(clean_name(name))}.json"
        return read_json(path).get("meta", {}) if path.is_file() else None

    def list_tables(self, kind: str) -> list[dict[str, Any]]:
        """Tables of ``kind``: name, saved (time), meta; oldest first."""
        found = []
        for path in _entries(self._kind_dir("tables", kind)):
            if path.suffix != ".json":
                continue
            with contextlib.suppress(StoreError, FileNotFoundError):
                meta = read_json(path)
                # "saved" has whole seconds: two saves in one second are ordered by the file's write time
                found.append({"name": meta.get("name"), "saved": meta.get("saved"), "meta": meta.get("meta", {}),
                              "_written": path.stat().st_mtime_ns})
        found.sort(key=lambda t: (str(t["saved"]), t["_written"]))
        return [{k: v for k, v in t.items() if k != "_written"} for t in found]

    def delete_table(self, kind: str, name: str) -> None:
        """Delete a table (nothing happens when there is none)."""
        key = _name_key(clean_name(name))
        folder = self._kind_dir("tables", kind)
        with _plain_errors(f"delete {name}"):
            for suffix in (".parquet", ".json"):
                with contextlib.suppress(FileNotFoundError):
                    (folder / f"{key}{suffix}").unlink()
