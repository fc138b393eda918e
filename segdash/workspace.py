"""A workspace: one person's data, segmentation and naming, over a private DuckDB.

The browser keeps one workspace per session (``segdash.ui.state``); the command line
makes one per command. Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from segdash import db
from segdash.data import STAGING, Data
from segdash.schema import ImportResult, Segmentation, is_modelling_role

T = TypeVar("T")

_MEMO_LIMIT = 64
_DROP_LABELS = f"DROP TABLE IF EXISTS {db.LABELS}"  # our constant, not user text
_DROP_CUSTOMERS = f"DROP TABLE IF EXISTS {db.TABLE}"  # our constant, not user text
_DROP_STAGED = f"DROP TABLE IF EXISTS {STAGING}"  # as segdash.segment.base.discard_labels does in DuckDB


def _suggested_labels(columns: list[str]) -> dict[str, str]:
    from segdash.labels import suggest_labels

    return suggest_labels(columns)


def file_digest(path: str | os.PathLike[str]) -> str:
    """A short content hash of a file (used to key cached results)."""
    digest = hashlib.blake2b(digest_size=12)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Workspace:
    """One person's working state.

    Attributes
    ----------
    con
        Private DuckDB holding ``customers`` and, once segmented, ``segment_labels``.
    imported
        The last import's report, or ``None`` before any import.
    roles
        Column name -> role, as suggested at import and edited by the user.
    segmentation
        The current segmentation, or ``None``.
    segment_names
        Segment label -> name the user (or the namer) gave it.
    column_labels
        Column name -> display label (suggested at import by :mod:`segdash.labels`, editable).
    """

    con: duckdb.DuckDBPyConnection = field(default_factory=db.connect)
    imported: ImportResult | None = None
    data_id: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    segmentation: Segmentation | None = None
    segmentation_id: str = ""
    segment_names: dict[str, str] = field(default_factory=dict)
    column_labels: dict[str, str] = field(default_factory=dict)
    memo: dict[Hashable, Any] = field(default_factory=dict)
    #: Results that depend on the data and roles only (default features, multi-value columns): they
    #: outlive a new segmentation (see :meth:`cached_data`).
    data_memo: dict[Hashable, Any] = field(default_factory=dict)
    #: The open project (:class:`segdash.store.Project`), or ``None``: work stays in memory only.
    project: Any = None
    #: Id of the loaded data in the project's store ("" when not saved there).
    stored_dataset_id: str = ""
    #: Id of the saved segmentation snapshot that is current ("" when the segmentation is not saved).
    snapshot_id: str = ""
    #: Counts the segmentations made current in this workspace (each new one, even with the same settings,
    #: gets the next number; see :attr:`working_of`).
    made: int = 0
    #: Id of the project's kept copy of segments not saved yet (:meth:`keep_working`; "" when none is kept).
    working_id: str = ""
    #: :attr:`made` of the segmentation that copy holds (0: none).
    working_of: int = 0
    #: The page inputs that copy holds (see :meth:`keep_working_inputs`).
    working_inputs: dict[str, Any] = field(default_factory=dict)
    #: Why the last load could not be kept in the project ("" when it was, or no project is open).
    store_error: str = ""
    #: What the user typed on pages that belongs with a segmentation (e.g. ``inputs["roi"]``: the
    #: cost source, channel spend and assumptions), JSON-ready; saved with a snapshot and restored
    #: when it is reopened.
    inputs: dict[str, Any] = field(default_factory=dict)
    #: A table in an engine the workspace works on instead of an imported file (issue 15): a
    #: :class:`segdash.engines.EngineTable` (its open connection, types and suggested roles), or ``None``.
    #: Every query then runs in that engine, and the labels are written there (``<table>_segments``).
    engine: Any = None
    #: ``(con, Ibis backend over it)``, made once per connection (see :attr:`data`).
    _backend: Any = field(default=None, repr=False, compare=False)

    # -- the handle the core works on ---------------------------------------------------------------
    @property
    def data(self) -> Data:
        """The handle to this workspace's customers and current labels (``labels`` is ``None`` before segmenting)."""
        return self.data_with_labels(db.LABELS if self.segmentation is not None else None)

    def data_with_labels(self, labels: str | None) -> Data:
        """The handle to this workspace's customers with the labels table ``labels`` (e.g. staged ones).

        On a table in an engine (:attr:`engine`), ``segment_labels`` stands for that table's labels table
        (``<table>_segments``, in the engine); the staged labels are staged there too.
        """
        if self.engine is not None:
            return self.engine.data.with_labels(self.engine.data.labels if labels == db.LABELS else labels)
        if self._backend is None or self._backend[0] is not self.con:
            self._backend = (self.con, db.LazyBackend(self.con))  # Ibis is imported on first use
        return Data(backend=self._backend[1], table=db.TABLE, key=db.ROW, labels=labels, con=self.con)

    @contextlib.contextmanager
    def cursor_data(self) -> Iterator[Data]:
        """The handle over a cursor of its own (closed at the end), for work in another thread.

        DuckDB refuses a second call on a busy connection; a download built on click runs while the
        page may be querying. Nothing here touches the shared connection but ``cursor()``. A table in an
        engine: the engine's own handle (its driver serves each query on its own).
        """
        if self.engine is not None:
            yield self.data
            return
        cursor = self.con.cursor()
        try:
            yield Data.duckdb(cursor, labels=db.LABELS if self.segmentation is not None else None)
        finally:
            cursor.close()

    @property
    def staged_data(self) -> Data:
        """The handle a segmentation run writes to: the customers, labels staged but not yet committed."""
        return self.data_with_labels(STAGING)

    # -- data ---------------------------------------------------------------
    def load(self, path: str | os.PathLike[str], *, name: str | None = None, sheet: str | None = None,
             fingerprint: bool = True) -> ImportResult:
        """Import a file into this workspace, replacing any earlier data.

        Parameters
        ----------
        path
            File on disk (uploads are written to a private temporary file first).
        name
            Name to show for the file (defaults to the path's file name).
        sheet
            Excel sheet to read (defaults to the first sheet that holds a table).
        fingerprint
            Key cached results by a hash of the file's content (the app: the same upload gives the
            same results). The command line, one workspace per command, skips reading the file
            twice and keys them by the path.

        Returns
        -------
        ImportResult

        Raises
        ------
        segdash.errors.DataImportError
            When the file cannot be read; the workspace keeps its earlier data.
        """
        from segdash.ingest import import_file

        result = import_file(self.con, path, name=name or Path(path).name, sheet=sheet)
        self.close_table()  # back to a file: the engine's connection closes (its labels table stays there)
        self.imported = result
        self.data_id = f"{file_digest(path) if fingerprint else os.fspath(path)}:{result.sheet or ''}"
        self.roles = {c.name: c.role for c in result.columns}
        self.column_labels = _suggested_labels([c.name for c in result.columns])
        self.stored_dataset_id = ""
        self.store_error = ""
        self.data_memo.clear()
        self.clear_segmentation()
        if self.project is not None:
            from segdash.store import StoreError

            try:
                self.store_dataset()
            except StoreError as err:  # the data is loaded; only keeping it failed
                self.store_error = str(err)
        return result

    # -- the project store ------------------------------------------------------------------------
    def open_project(self, project: Any, *, restore: bool = True) -> None:
        """Make ``project`` (a :class:`segdash.store.Project`) the one work is saved into.

        With ``restore``, the project's last dataset and last opened snapshot come back, so a
        reload lands where the user was. The data loaded now stays when the project has none.
        """
        self.project = project
        self.snapshot_id = ""
        self._forget_working()
        if not restore:
            return
        state = project.get_doc("settings", "last_open", {}) or {}
        datasets = [d["id"] for d in project.datasets()]
        dataset_id = state.get("dataset_id") if state.get("dataset_id") in datasets else (datasets[-1] if datasets
                                                                                           else "")
        if dataset_id:
            self.open_dataset(dataset_id)
            snapshot = state.get("snapshot_id")
            if snapshot and any(s["id"] == snapshot for s in project.segmentations()):
                self.open_snapshot(snapshot)
            elif state.get("working") and dataset_id == state.get("dataset_id"):
                self.open_working(str(state["working"]))
        elif self.imported is not None:  # a table in an engine is not copied into a project
            self.store_dataset()

    def open_working(self, working_id: str) -> bool:
        """Bring back segments made but not saved before a reload (see :meth:`keep_working`).

        Only a copy made on the dataset open now is brought back; one that is gone or unreadable is
        skipped (``False``), and the workspace stays as it was.
        """
        import logging

        from segdash.errors import SegdashError

        try:
            record, labels = self.project.working(working_id)
            if not self.stored_dataset_id or record.get("dataset_id") != self.stored_dataset_id:
                return False
            self._restore(record, labels)
        except (SegdashError, OSError, ValueError, KeyError):  # gone or unreadable: start without segments
            logging.getLogger(__name__).warning("the segments kept for a reload could not be read", exc_info=True)
            return False
        self.working_id, self.working_of, self.working_inputs = working_id, self.made, dict(self.inputs)
        self._remember()  # opening the dataset noted no segments: note the kept ones again
        return True

    @property
    def working_current(self) -> bool:
        """The segments shown are not saved under a name and the project keeps a copy of them for a reload."""
        return (self.segmentation is not None and not self.snapshot_id and bool(self.working_id)
                and self.working_of == self.made)

    def _forget_working(self) -> None:
        self.working_id, self.working_of, self.working_inputs = "", 0, {}

    def keep_working(self) -> bool:
        """Keep the current segmentation in the project while it is not saved, so a reload brings it back.

        Does nothing (``False``) without a project, without segments, when they are saved (a snapshot is
        current), for a table in an engine, or when these segments are already kept. The copy is keyed by
        row (the same stored dataset comes back with it); this workspace's previous copy is removed.

        Raises
        ------
        segdash.store.StoreError
            The disk is full or read-only (the segments stay open in this session; nothing is noted as kept).
        """
        if (self.project is None or self.segmentation is None or self.snapshot_id or self.engine is not None
                or self.imported is None or self.working_current):
            return False
        from segdash.store import StoreError

        previous = self.working_id
        try:
            if not self.stored_dataset_id:
                self.store_dataset()
            record, labels = self._snapshot_parts("Not saved yet", key_column=db.ROW)
            self.working_id, self.working_of, self.working_inputs = (self.project.keep_working(record, labels),
                                                                     self.made, dict(self.inputs))
            self._remember()
        except StoreError:
            self._forget_working()
            raise
        if previous and previous != self.working_id:
            with contextlib.suppress(StoreError):  # a leftover is removed by Store.clean() in a week
                self.project.drop_working(previous)
        return True

    def keep_working_inputs(self) -> bool:
        """Write the page inputs (:attr:`inputs`) into the kept copy when they changed since it was written."""
        if not self.working_current or self.inputs == self.working_inputs:
            return False
        self.project.update_working(self.working_id, inputs=dict(self.inputs))
        self.working_inputs = dict(self.inputs)
        return True

    def close_project(self) -> None:
        """Keep working in memory only (the data and segments stay loaded)."""
        self.project = None
        self.stored_dataset_id = ""
        self.snapshot_id = ""
        self._forget_working()

    def _remember(self) -> None:
        """Note in the project which dataset and snapshot are open (a reload restores them)."""
        if self.project is not None:
            working = self.working_id if self.working_current else ""
            self.project.put_doc("settings", "last_open", {"dataset_id": self.stored_dataset_id,
                                                           "snapshot_id": self.snapshot_id, "working": working})

    def store_dataset(self) -> str:
        """Save the loaded data (table, import report, roles) into the open project.

        Returns
        -------
        str
            The dataset id in the project.

        Raises
        ------
        segdash.store.StoreError
            Disk full or read-only: the data stays loaded in this session.
        """
        if self.engine is not None:
            from segdash.store import StoreError

            raise StoreError(self.engine_save_message())
        if self.project is None or self.imported is None:
            raise ValueError("no project open or no data loaded")
        self.stored_dataset_id = self.project.save_dataset(self.con, imported=self.imported, roles=self.roles,
                                                           column_labels=self.column_labels)
        self._remember()
        return self.stored_dataset_id

    def open_dataset(self, dataset_id: str) -> None:
        """Load a dataset saved in the open project (replacing the data loaded now)."""
        from segdash.saved import load_dataset

        meta = load_dataset(self.con, self.project, dataset_id)
        self.close_table()
        self.imported = meta["imported"]
        self.data_id = f"store:{dataset_id}"
        self.roles = {c.name: c.role for c in self.imported.columns}
        self.roles.update({k: v for k, v in (meta.get("roles") or {}).items() if k in self.roles})
        self.column_labels = _suggested_labels(list(self.roles))
        self.column_labels.update({k: str(v) for k, v in (meta.get("column_labels") or {}).items()
                                   if k in self.roles})
        self.stored_dataset_id = dataset_id
        self.data_memo.clear()
        self.clear_segmentation()
        self._remember()

    def save_roles(self) -> None:
        """Keep edited roles with the stored dataset (when a project is open)."""
        if self.project is None or not self.stored_dataset_id:
            return
        from segdash.store import StoreError, write_json_atomic

        try:
            meta = self.project.dataset_meta(self.stored_dataset_id)
            meta.pop("schema", None)
            meta["roles"] = dict(self.roles)
            meta["column_labels"] = dict(self.column_labels)
            write_json_atomic(self.project.path / "datasets" / self.stored_dataset_id / "dataset.json", meta)
        except StoreError as err:  # the edit stays in this session
            self.store_error = str(err)

    def save_segmentation(self, name: str, *, parent_id: str | None = None) -> str:
        """Save the current segmentation (settings, model, names, labels by customer id) in the project.

        Returns
        -------
        str
            The snapshot id (also :attr:`snapshot_id`).

        Raises
        ------
        segdash.store.StoreError
            No name, or the disk is full or read-only (the segmentation stays open in this session).
        """
        from segdash.store import StoreError

        if self.project is None:
            raise StoreError("Open or create a project first: saved segmentations live in a project.")
        if self.segmentation is None:
            raise StoreError("There is no segmentation to save yet. Make one on the Segments page.")
        if self.engine is not None:
            raise StoreError(self.engine_save_message())
        if not self.stored_dataset_id:
            self.store_dataset()
        record, labels = self._snapshot_parts(name, parent_id=parent_id)
        self.snapshot_id = self.project.save_segmentation(record, labels)
        self._remember()
        if self.working_id:
            with contextlib.suppress(StoreError):  # saved now: the copy kept for a reload is not needed
                self.project.drop_working(self.working_id)
        self._forget_working()
        return self.snapshot_id

    def _snapshot_parts(self, name: str, *, parent_id: str | None = None,
                        key_column: str | None = None) -> tuple[dict[str, Any], Any]:
        """The record and the labels ``(key, segment)`` of the current segmentation, as a snapshot keeps them
        (keyed by the customer id, or by ``key_column``)."""
        from segdash.saved import key_is_unique, label_key, snapshot_labels, snapshot_record

        key_column = key_column or label_key(self.data, self.segmentation, roles=self.roles)
        labels = snapshot_labels(self.data, key_column, unique=key_is_unique(self.segmentation, key_column))
        names = {label: self.display_name(label) for label in self.segmentation.sizes}
        record = snapshot_record(self.segmentation, name=name, names=names, dataset_id=self.stored_dataset_id,
                                 dataset_name=self.imported.source if self.imported else "",
                                 key_column=key_column, customers=labels.num_rows, roles=self.roles,
                                 parent_id=parent_id)
        record["inputs"] = dict(self.inputs)
        return record, labels

    def open_snapshot(self, snapshot_id: str) -> None:
        """Reopen a saved segmentation: its data (when another is loaded), labels, names and settings."""
        record = self.project.segmentation(snapshot_id)
        if record.get("dataset_id") and record["dataset_id"] != self.stored_dataset_id:
            self.open_dataset(record["dataset_id"])
        self._restore(record, self.project.segmentation_labels(snapshot_id))
        self.snapshot_id = snapshot_id
        self._remember()

    def _restore(self, record: dict[str, Any], labels: Any) -> None:
        """Make a saved or kept segmentation current on the loaded rows: labels, names and page inputs."""
        from segdash.saved import restore_labels, segmentation_from_record
        from segdash.segment.base import discard_labels, segment_sizes

        try:
            restore_labels(self.staged_data, labels, str(record.get("key_column") or db.ROW))
            segmentation = segmentation_from_record(record)
            segmentation.sizes = segment_sizes(self.staged_data)
            self.set_segmentation(segmentation, names=record.get("names") or {})
        finally:
            discard_labels(self.staged_data)
        self.inputs = dict(record.get("inputs") or {})

    def apply_snapshot(self, snapshot_id: str, *, new_cuts: bool = False) -> Any:
        """Segment the loaded data with a snapshot of the open project (see :meth:`apply_record`)."""
        return self.apply_record(self.project.segmentation(snapshot_id), self.project.segmentation_labels(snapshot_id),
                                 new_cuts=new_cuts)

    def apply_record(self, record: dict[str, Any], saved_labels: Any, *, new_cuts: bool = False) -> Any:
        """Segment the loaded data with a saved segmentation and count new and gone customers.

        The result becomes the current segmentation (with the saved names); save it to keep it.

        Parameters
        ----------
        record
            The snapshot's record (settings, model, names).
        saved_labels
            The snapshot's labels (Arrow ``key, segment``), to count new and gone customers.
        new_cuts
            RFM only: this data's own quintiles instead of the saved cut points.

        Returns
        -------
        segdash.saved.ApplyReport
        """
        from segdash.saved import (
            ApplyReport,
            apply_model,
            compare_keys,
            key_is_unique,
            label_key,
            snapshot_labels,
        )
        from segdash.segment.base import discard_labels

        if self.engine is not None:
            from segdash.errors import SegdashError

            raise SegdashError(f"Not available on a database table yet: applying a saved segmentation to "
                               f"{self.source_description()}. Load a file on the Data page to apply it.")
        try:
            segmentation = apply_model(self.staged_data, record, roles=self.roles, types=self.column_types(),
                                       new_cuts=new_cuts)
            self.set_segmentation(segmentation, names=record.get("names") or {})
        finally:
            discard_labels(self.staged_data)
        self.snapshot_id = ""
        key_column = label_key(self.data, segmentation, roles=self.roles)
        current = snapshot_labels(self.data, key_column, unique=key_is_unique(segmentation, key_column))
        matched, new, gone = compare_keys(current, saved_labels)
        return ApplyReport(customers=current.num_rows, matched=matched, new_customers=new, gone_customers=gone,
                           sizes=dict(segmentation.sizes), key_column=key_column)

    @property
    def has_data(self) -> bool:
        """Whether a file has been imported or a table in an engine is connected."""
        return self.imported is not None or self.engine is not None

    # -- a table in an engine (issue 15) ---------------------------------------------------------------
    def use_table(self, table: Any) -> None:
        """Work on a table in an engine instead of a file: nothing is copied, every query runs there.

        The file loaded before (and its segments) is put away; :meth:`load` brings a file back.

        Parameters
        ----------
        table
            A :class:`segdash.engines.EngineTable` (open connection, key checked, roles suggested). The
            workspace owns it from now on and closes it when another source replaces it.
        """
        self.clear_segmentation()  # the file's labels (or the previous table's staged ones) go
        self.close_table()
        self.con.execute(_DROP_CUSTOMERS)  # the file's rows are not needed any more
        self.engine = table
        self.imported = None
        source = f"{table.source.url}|{table.data.table}|{table.data.key}"
        self.data_id = "engine:" + hashlib.blake2b(source.encode(), digest_size=10).hexdigest()
        self.roles = dict(table.roles)
        self.column_labels = _suggested_labels(list(table.types))
        self.stored_dataset_id = ""
        self.store_error = ""
        self.snapshot_id = ""
        self.memo.clear()
        self.data_memo.clear()

    def close_table(self) -> None:
        """Stop working on the table in an engine (its connection closes; nothing there is dropped)."""
        table, self.engine = self.engine, None
        if table is not None:
            if self.segmentation is not None:  # those segments were the table's: they stay there, not here
                self.segmentation = None
                self.segmentation_id = ""
                self.segment_names = {}
            self.memo.clear()
            self.data_memo.clear()
            table.close()

    def row_count(self) -> int:
        """Rows loaded from the file, or customers in the table in an engine (one count there, memoised)."""
        if self.engine is not None:
            return int(self.cached(("workspace.rows",), lambda: self.engine.rows))
        return int(self.imported.rows_loaded) if self.imported is not None else 0

    @property
    def engine_label(self) -> str:
        """The engine's name on screen (``"PostgreSQL"``), or ``""`` when the data is a file."""
        return self.engine.source.engine_label if self.engine is not None else ""

    def source_description(self) -> str:
        """``table 'customers' in PostgreSQL (postgres://shop@db:5432/sales)``, or the file's name; never a password."""
        if self.engine is not None:
            return self.engine.description
        return self.imported.source if self.imported is not None else "no data"

    def engine_save_message(self) -> str:
        """Why a segmentation of a table in an engine is not saved in a project (yet), and where its labels are."""
        if self.engine is None:
            return ""
        return (f"Not available on a database table yet: saving its segments in a project. They are kept in "
                f"table '{self.engine.data.labels}' in {self.engine_label}, next to '{self.engine.data.table}', "
                "until the next segmentation replaces them.")

    def columns_with_role(self, *roles: str) -> list[str]:
        """Imported columns whose current role is one of ``roles``, in file order."""
        return [name for name, role in self.roles.items() if role in roles]

    def column_types(self) -> dict[str, str]:
        """Column name -> type (``number``, ``text``, ``date``, ``boolean``)."""
        if self.engine is not None:
            return dict(self.engine.types)
        return {c.name: c.type for c in self.imported.columns} if self.imported else {}

    def modelling_columns(self) -> list[str]:
        """Columns that may be used for segmenting and profiling (no personal data, no ids)."""
        return [name for name, role in self.roles.items() if is_modelling_role(role)]

    def set_role(self, column: str, role: str) -> None:
        """Change a column's role (results that depend on roles are recomputed)."""
        if self.roles.get(column) != role:
            self.roles[column] = role
            self.memo.clear()
            self.data_memo.clear()
            self.save_roles()

    # -- column labels --------------------------------------------------------
    def column_label(self, column: str) -> str:
        """The plain-words label shown for ``column`` (see :mod:`segdash.labels`)."""
        from segdash.labels import label_of

        return label_of(column, self.column_labels)

    def display_labels(self) -> dict[str, str]:
        """Column -> label for every column (suggested where none is stored, e.g. a project opened from disk)."""
        return {column: self.column_label(column) for column in self.roles}

    def set_column_label(self, column: str, label: str) -> None:
        """Give ``column`` a display label (blank: back to the suggestion); profiles are rebuilt."""
        from segdash.labels import suggest_label

        cleaned = " ".join(str(label).split()) or suggest_label(column)
        if self.column_labels.get(column) != cleaned:
            self.column_labels[column] = cleaned
            self.memo.clear()
            self.data_memo.clear()
            self.save_roles()  # kept with the stored dataset, like the roles

    # -- segmentation ---------------------------------------------------------
    def set_segmentation(self, segmentation: Segmentation, *, names: dict[str, str] | None = None) -> None:
        """Make ``segmentation`` current: swap its staged labels into ``segment_labels``, then set the state.

        Parameters
        ----------
        segmentation
            The run's result; its labels were staged by ``segdash.segment.base.write_label_table``
            (labels already in ``segment_labels`` with nothing staged are kept as they are).
        names
            Segment label -> display name.
        """
        from segdash.segment.base import commit_labels

        commit_labels(self.data_with_labels(db.LABELS))
        self._make_current(segmentation, names=names)

    def _make_current(self, segmentation: Segmentation, *, names: dict[str, str] | None = None) -> None:
        """The state of a segmentation whose labels are already in place (``segment_labels`` or the engine's table)."""
        self.snapshot_id = ""
        self.segmentation = segmentation
        self.made += 1
        key = repr((self.data_id, segmentation.method, sorted(segmentation.settings.items(), key=str)))
        self.segmentation_id = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
        self.segment_names = dict(names or {})
        self.memo.clear()

    def use_labels_file(self, path: str | os.PathLike[str]) -> dict[str, int]:
        """Make the labels of a ``labels.csv`` (from ``python -m segdash segment``) the current segmentation.

        Returns
        -------
        dict[str, int]
            Segment sizes.

        Raises
        ------
        segdash.errors.EconomicsError
            The file cannot be read or does not match the loaded customers one to one; the
            current segmentation stays.
        """
        from segdash.economics import match_labels_csv
        from segdash.segment.base import discard_labels, write_labels

        if self.engine is not None:
            from segdash.errors import SegdashError

            raise SegdashError("Not available on a database table yet: reading segments from a labels file. "
                               "Segment the table on the Segments page instead.")
        matched = match_labels_csv(self.data, path=path, id_columns=self.columns_with_role("id"))
        try:
            sizes = write_labels(self.staged_data, matched[db.ROW].to_numpy(), matched["segment"].to_numpy())
            segmentation = Segmentation(method="labels", settings={"file": Path(path).name}, sizes=sizes,
                                        k=len(sizes), notes=[f"Segments read from {Path(path).name}."])
            self.set_segmentation(segmentation)
        finally:
            discard_labels(self.staged_data)
        return sizes

    def use_labels_table(self, labels: str | None = None) -> dict[str, int]:
        """Make a labels table already in the engine the current segmentation (a table in an engine only).

        Parameters
        ----------
        labels
            Its name: columns ``<key>, segment`` (default ``<table>_segments``, what segmenting writes).

        Returns
        -------
        dict[str, int]
            Segment sizes (one grouped count in the engine).

        Raises
        ------
        segdash.errors.SegdashError
            The workspace holds a file, not a table in an engine.
        segdash.engines.SourceError
            No such table, or it lacks the key or ``segment`` column; the current segmentation stays.
        """
        if self.engine is None:
            from segdash.errors import SegdashError

            raise SegdashError("Segments from a labels table need a table in a database; "
                               "for a file, read a labels file instead.")
        sizes = self.engine.point_labels(labels)
        name = self.engine.data.labels
        self._make_current(Segmentation(method="labels table", settings={"labels table": name}, sizes=sizes,
                                        k=len(sizes)))
        return sizes

    def clear_segmentation(self) -> None:
        """Forget the current segmentation and its labels."""
        self.snapshot_id = ""
        self.segmentation = None
        self.segmentation_id = ""
        self.segment_names = {}
        self.memo.clear()
        # plain DuckDB (our own table names): an import clears the segmentation without loading Ibis or pandas
        self.con.execute(_DROP_LABELS)
        self.con.execute(_DROP_STAGED)

    def rename_segment(self, label: str, name: str) -> None:
        """Give segment ``label`` a display name used on every page and export."""
        cleaned = " ".join(str(name).split())
        if cleaned:
            self.segment_names[label] = cleaned
        else:
            self.segment_names.pop(label, None)
        if self.project is not None and self.segmentation is not None:
            names = {lab: self.display_name(lab) for lab in self.segmentation.sizes}
            if self.snapshot_id:
                self.project.update_segmentation(self.snapshot_id, names=names)
            elif self.working_current:
                from segdash.store import StoreError

                try:
                    self.project.update_working(self.working_id, names=names)
                except StoreError:  # e.g. removed: kept afresh at the end of the run
                    self._forget_working()

    def display_name(self, label: str) -> str:
        """The name to show for segment ``label``."""
        return self.segment_names.get(label, label)

    def display_names(self, labels: Iterable[str]) -> dict[str, str]:
        """Label -> name to show, unique across ``labels`` (a repeated name gets " (2)", " (3)", ...).

        Parameters
        ----------
        labels
            Segment labels, in the order that decides which one keeps a shared name
            (e.g. the segmentation's sizes, largest first).

        Returns
        -------
        dict[str, str]
            Every label -> its display name; no two labels share a name.
        """
        from segdash.profile import unique_names

        ordered = list(dict.fromkeys(str(label) for label in labels))
        return dict(zip(ordered, unique_names(ordered, names=self.segment_names), strict=True))

    # -- memo -----------------------------------------------------------------
    def cached_data(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return ``compute()`` memoised under ``key`` for this data and these roles, whatever the segmentation.

        For what a page needs on every run that does not depend on the segments (the default
        clustering features, the multi-value columns): :meth:`cached` recomputes after every
        segmentation run, this does not (issue 14: the reruns after a click). Emptied when the data,
        the roles or the column labels change.
        """
        full_key = (self.data_id, tuple(self.roles.items()), key)
        if full_key not in self.data_memo:
            if len(self.data_memo) >= _MEMO_LIMIT:
                self.data_memo.pop(next(iter(self.data_memo)))
            self.data_memo[full_key] = compute()
        return self.data_memo[full_key]

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """What :meth:`cached` holds under ``key`` for this data and segmentation, or ``default`` (nothing is computed or stored)."""
        return self.memo.get((self.data_id, self.segmentation_id, key), default)

    def multivalue_specs(self) -> dict[str, Any]:
        """The multi-value text columns among the modelling columns (``interests: sports; travel``), per data.

        Returns
        -------
        dict[str, segdash.act.multivalue.MultiValueColumn]
            Column -> how it splits (:func:`segdash.act.multivalue.detect_multivalue`).
        """
        from segdash.act.multivalue import detect_multivalue

        types = self.column_types()
        columns = [c for c in self.modelling_columns() if types.get(c) == "text"]
        return self.cached_data(("multivalue.specs",), lambda: detect_multivalue(self.data, columns=columns,
                                                                                 types=types))

    def profile_attributes(self) -> tuple[list[Any], dict[str, Any]]:
        """The attributes a profile of this data describes, and its multi-value columns (kept per data).

        Returns
        -------
        tuple[list[segdash.profile.Attribute], dict]
            As :func:`segdash.profile.expand_multivalue` gives them (0/1 numbers as yes/no, multi-value
            columns as one yes/no attribute per common value).
        """
        from segdash import profile as prof

        def work_out() -> tuple[list[Any], dict[str, Any]]:
            found = prof.flag_attributes(self.data, prof.profile_attributes(self.roles, self.column_types(),
                                                                            self.display_labels()))
            return prof.expand_multivalue(self.data, found, specs=self.multivalue_specs())

        return self.cached_data(("profile.attributes",), work_out)

    def everyone_numbers(self) -> tuple[dict[str, Any], Any]:
        """Everyone's figures of the profile's numbers and the dates' latest days (kept per data).

        Returns
        -------
        tuple[dict, pandas.DataFrame]
            :func:`segdash.profile.everyone_numbers` of :meth:`profile_attributes`.
        """
        from segdash import profile as prof

        return self.cached_data(("profile.everyone",), lambda: prof.everyone_numbers(
            self.data, attributes=self.profile_attributes()[0]))

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return ``compute()`` memoised under ``key`` for this data and segmentation.

        The memo lives in the workspace (one per session) and is emptied whenever the
        data, roles or segmentation change, so no result outlives what it was made from.
        """
        full_key = (self.data_id, self.segmentation_id, key)
        if full_key not in self.memo:
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.pop(next(iter(self.memo)))
            self.memo[full_key] = compute()
        return self.memo[full_key]

