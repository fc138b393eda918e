"""Open saved segmentation snapshots of a project as DuckDB tables.

A snapshot (see :mod:`segdash.store`) is a record, a labels table ``(key, segment)`` and the
export (dataset) it was made from. :func:`attach` puts the labels and the export into a DuckDB
connection under names we choose (never user text), with the export's customer id turned into
``key`` text so customers of two exports join on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis

from segdash.errors import SegdashError
from segdash.store import StoreError

#: Where the labels of the i-th attached snapshot live.
LABELS_VIEW = "sd_hist_labels_{alias}"
#: Where the export (one row per customer, with ``_sd_key``) of the snapshot lives.
DATA_VIEW = "sd_hist_data_{alias}"
#: Column holding the customer id as text in :data:`DATA_VIEW`.
KEY = "_sd_key"
#: Column types that PSI treats as numbers / as categories.
NUMBER_TYPES = frozenset({"number"})
CATEGORY_TYPES = frozenset({"text", "boolean"})
#: Column types that drift compares as dates (days before the export's latest date).
DATE_TYPES = frozenset({"date"})


class HistoryError(SegdashError):
    """Two snapshots cannot be compared, or an objective is not valid."""


@dataclass
class Snapshot:
    """What the history functions need from one saved snapshot.

    Attributes
    ----------
    id, name, created
        The snapshot's id, name and creation time (ISO text).
    names
        Segment label -> display name.
    sizes
        Segment label -> customers (from the record).
    key_column
        The export's customer id column (``"_row"``: row number).
    labels
        Arrow table ``(key, segment)``.
    dataset_id, dataset_name
        The export it was made from.
    data_path
        The export's Parquet file, or ``None`` when that export was deleted.
    roles, types
        Column -> role and column -> type of the export (empty without it).
    record
        The whole saved record.
    survey
        The survey KPIs of the verdict saved for this snapshot
        (:func:`segdash.survey.results.survey_kpis`), or ``None``.
    """

    id: str
    name: str
    created: str
    names: dict[str, str]
    sizes: dict[str, int]
    key_column: str
    labels: Any
    dataset_id: str | None = None
    dataset_name: str | None = None
    data_path: Path | None = None
    roles: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    survey: Any = None

    def display(self, label: Any) -> str:
        """The name to show for segment ``label``."""
        return str(self.names.get(str(label), label))

    @property
    def title(self) -> str:
        """``name (date)`` for pickers and sentences."""
        return f"{self.name} ({self.created[:10]})" if self.created else self.name


def load_snapshot(project: Any, name_or_id: str) -> Snapshot:
    """Read a saved snapshot of ``project`` (record, labels and, if still there, its export).

    Parameters
    ----------
    project
        A :class:`segdash.store.Project`.
    name_or_id
        Snapshot id, or the name of one (the newest with that name is used).

    Returns
    -------
    Snapshot

    Raises
    ------
    segdash.store.StoreError
        No such snapshot, or its files are damaged.
    """
    record = project.find_segmentation(name_or_id)
    labels = project.segmentation_labels(record["id"])
    missing = {"key", "segment"} - set(labels.column_names)
    if missing:
        raise HistoryError(f"The saved segmentation '{record.get('name')}' has no customer ids with its segments; "
                           "save it again from the Segments page.")
    dataset_id = record.get("dataset_id")
    data_path = None
    roles: dict[str, str] = {}
    types: dict[str, str] = {}
    if dataset_id:
        try:
            data_path = project.dataset_path(dataset_id)
            meta = project.dataset_meta(dataset_id)
        except StoreError:
            data_path = None
        else:
            roles = {str(k): str(v) for k, v in (meta.get("roles") or {}).items()}
            columns = (meta.get("imported") or {}).get("columns") or []
            types = {str(c.get("name")): str(c.get("type")) for c in columns if isinstance(c, dict)}
    return Snapshot(
        id=str(record["id"]), name=str(record.get("name", record["id"])), created=str(record.get("created", "")),
        names={str(k): str(v) for k, v in (record.get("names") or {}).items()},
        sizes={str(k): int(v) for k, v in (record.get("sizes") or {}).items()},
        key_column=str(record.get("key_column") or "_row"), labels=labels,
        dataset_id=dataset_id, dataset_name=record.get("dataset_name"), data_path=data_path,
        roles=roles, types=types, record=record, survey=_survey(project, str(record["id"])),
    )


def _survey(project: Any, snapshot_id: str) -> Any:
    """The survey KPIs saved for the snapshot, or ``None`` (see :mod:`segdash.survey.results`)."""
    from segdash.survey.results import survey_kpis

    return survey_kpis(project).get(snapshot_id)


def attach(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, *, alias: str) -> tuple[Any, Any | None]:
    """Make a snapshot's labels and export queryable in ``con``.

    Parameters
    ----------
    con
        A DuckDB connection (a private one per comparison is best).
    snapshot
        From :func:`load_snapshot`.
    alias
        ``"old"``, ``"new"`` or another short word of ours (it becomes part of a view name).

    Returns
    -------
    tuple
        Ibis tables ``labels(key, segment)`` and ``data`` (the export with ``_sd_key``), the
        latter ``None`` when the export is gone.
    """
    if not alias.isidentifier():
        raise ValueError(f"alias must be a plain word, not {alias!r}")  # a programming error
    backend = ibis.duckdb.from_connection(con)
    labels_name = LABELS_VIEW.format(alias=alias)
    con.register(labels_name, snapshot.labels)
    raw = backend.table(labels_name)
    labels = raw.select(key=raw["key"].cast("string"), segment=raw["segment"].cast("string"))
    data = None
    if snapshot.data_path is not None:
        table = backend.read_parquet(str(snapshot.data_path), table_name=DATA_VIEW.format(alias=alias))
        key_column = snapshot.key_column if snapshot.key_column in table.columns else "_row"
        if key_column in table.columns:
            data = table.mutate(**{KEY: table[key_column].cast("string")})
    return labels, data


def snapshot_choice_label(entry: dict[str, Any]) -> str:
    """How a snapshot is listed in a picker: ``name · 2026-03-01 09:00 · 1,204 customers``."""
    created = str(entry.get("created") or "")[:16].replace("T", " ")
    customers = entry.get("customers")
    if customers is None and entry.get("sizes"):
        customers = sum(int(v) for v in entry["sizes"].values())
    parts = [str(entry.get("name") or entry.get("id")), created]
    if customers is not None:
        parts.append(f"{int(customers):,} customers")
    return " · ".join(p for p in parts if p)
