"""A workspace: one person's data, segmentation and naming, over a private DuckDB.

The browser keeps one workspace per session (``segdash.ui.state``); the command line
makes one per command. Nothing here imports Streamlit.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from segdash import db
from segdash.schema import ImportResult, Segmentation, is_modelling_role

T = TypeVar("T")

_MEMO_LIMIT = 64
_DROP_LABELS = f"DROP TABLE IF EXISTS {db.LABELS}"  # our constant, not user text
_DROP_STAGED = f"DROP TABLE IF EXISTS {db.LABELS}_next"  # staged labels of an unfinished run


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

    # -- data ---------------------------------------------------------------
    def load(self, path: str | os.PathLike[str], *, name: str | None = None, sheet: str | None = None) -> ImportResult:
        """Import a file into this workspace, replacing any earlier data.

        Parameters
        ----------
        path
            File on disk (uploads are written to a private temporary file first).
        name
            Name to show for the file (defaults to the path's file name).
        sheet
            Excel sheet to read (defaults to the first sheet that holds a table).

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
        self.imported = result
        self.data_id = f"{file_digest(path)}:{result.sheet or ''}"
        self.roles = {c.name: c.role for c in result.columns}
        self.column_labels = _suggested_labels([c.name for c in result.columns])
        self.clear_segmentation()
        return result

    @property
    def has_data(self) -> bool:
        """Whether a file has been imported."""
        return self.imported is not None

    def columns_with_role(self, *roles: str) -> list[str]:
        """Imported columns whose current role is one of ``roles``, in file order."""
        return [name for name, role in self.roles.items() if role in roles]

    def column_types(self) -> dict[str, str]:
        """Column name -> type (``number``, ``text``, ``date``, ``boolean``)."""
        return {c.name: c.type for c in self.imported.columns} if self.imported else {}

    def modelling_columns(self) -> list[str]:
        """Columns that may be used for segmenting and profiling (no personal data, no ids)."""
        return [name for name, role in self.roles.items() if is_modelling_role(role)]

    def set_role(self, column: str, role: str) -> None:
        """Change a column's role (results that depend on roles are recomputed)."""
        if self.roles.get(column) != role:
            self.roles[column] = role
            self.memo.clear()

    # -- column labels --------------------------------------------------------
    def column_label(self, column: str) -> str:
        """The plain-words label shown for ``column`` (see :mod:`segdash.labels`)."""
        from segdash.labels import label_of

        return label_of(column, self.column_labels)

    def set_column_label(self, column: str, label: str) -> None:
        """Give ``column`` a display label (blank: back to the suggestion); profiles are rebuilt."""
        from segdash.labels import suggest_label

        cleaned = " ".join(str(label).split()) or suggest_label(column)
        if self.column_labels.get(column) != cleaned:
            self.column_labels[column] = cleaned
            self.memo.clear()

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

        commit_labels(self.con)
        self.segmentation = segmentation
        key = repr((self.data_id, segmentation.method, sorted(segmentation.settings.items(), key=str)))
        self.segmentation_id = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
        self.segment_names = dict(names or {})
        self.memo.clear()

    def clear_segmentation(self) -> None:
        """Forget the current segmentation and its labels."""
        self.segmentation = None
        self.segmentation_id = ""
        self.segment_names = {}
        self.memo.clear()
        self.con.execute(_DROP_LABELS)
        self.con.execute(_DROP_STAGED)

    def rename_segment(self, label: str, name: str) -> None:
        """Give segment ``label`` a display name used on every page and export."""
        cleaned = " ".join(str(name).split())
        if cleaned:
            self.segment_names[label] = cleaned
        else:
            self.segment_names.pop(label, None)

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
