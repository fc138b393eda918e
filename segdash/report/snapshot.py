"""Open a saved segmentation snapshot of a project into a workspace, for a report.

Uses only the project store's public calls (``Project.find_segmentation``,
``segmentation_labels``, ``dataset_path``, ``dataset_meta``). The app's own "reopen" can replace
this once it exists; the report only needs a workspace holding the data, the labels, the names
and the segmentation's settings.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import ibis
import pandas as pd

from segdash import db
from segdash.errors import SegdashError
from segdash.schema import ColumnInfo, ImportResult, RejectedRow, Segmentation
from segdash.workspace import Workspace

_CREATE = f"CREATE OR REPLACE TABLE {db.TABLE} AS SELECT * FROM read_parquet(?)"  # our constant; path bound


def import_result(data: dict[str, Any]) -> ImportResult:
    """Rebuild an :class:`ImportResult` from its saved dict (unknown keys ignored).

    Parameters
    ----------
    data
        ``dataset_meta(...)["imported"]``.

    Returns
    -------
    ImportResult
    """
    known = {f.name for f in fields(ImportResult)}
    values = {k: v for k, v in data.items() if k in known}
    values["columns"] = [ColumnInfo(**{k: v for k, v in c.items() if k in {f.name for f in fields(ColumnInfo)}})
                         for c in data.get("columns", [])]
    values["rejected"] = [RejectedRow(line=int(r.get("line", 0)), reason=str(r.get("reason", "")))
                          for r in data.get("rejected", [])]
    return ImportResult(**values)


def open_snapshot(project: Any, name_or_id: str, *, ws: Workspace | None = None) -> tuple[Workspace, dict[str, Any]]:
    """A workspace holding a saved snapshot's data, labels, names and settings.

    Parameters
    ----------
    project
        A :class:`segdash.store.Project`.
    name_or_id
        The snapshot's id, or its name (the newest with that name).
    ws
        Workspace to fill (default: a new one).

    Returns
    -------
    tuple[Workspace, dict]
        The workspace and the snapshot's record.

    Raises
    ------
    SegdashError
        When the snapshot, its data set or its labels are missing or do not match.
    """
    from segdash.segment.base import commit_labels, write_labels

    record = project.find_segmentation(name_or_id)
    dataset_id = str(record.get("dataset_id") or "")
    if not dataset_id:
        raise SegdashError(f"The saved segmentation '{record.get('name')}' does not say which data it was made on.")
    meta = project.dataset_meta(dataset_id)
    path = project.dataset_path(dataset_id)
    ws = ws or Workspace()
    ws.clear_segmentation()
    ws.con.execute(_CREATE, [str(path)])
    ws.imported = import_result(meta.get("imported") or {"source": str(meta.get("name", "data")), "format": "parquet",
                                                         "rows_in_file": 0, "rows_loaded": 0, "rows_rejected": 0})
    ws.roles = dict(meta.get("roles") or {c.name: c.role for c in ws.imported.columns})
    ws.data_id = f"project:{project.id}:{dataset_id}"
    ws.project = project
    ws.stored_dataset_id = dataset_id

    labels = project.segmentation_labels(record["id"])
    frame = labels.to_pandas() if hasattr(labels, "to_pandas") else pd.DataFrame(labels)
    key_column = str(record.get("key_column") or db.ROW)
    backend = db.backend(ws.con)
    customers = backend.table(db.TABLE)
    if key_column != db.ROW and key_column not in customers.columns:
        raise SegdashError(f"The saved segmentation matches customers by '{key_column}', which the data no longer has.")
    key = customers[db.ROW] if key_column == db.ROW else customers[key_column]
    keys = customers.select(_sd_row=customers[db.ROW], _sd_key=key.cast("string"))
    given = ibis.memtable(pd.DataFrame({"_sd_key": frame["key"].astype(str), "_sd_segment": frame["segment"].astype(str)}))
    matched = keys.join(given, keys._sd_key == given._sd_key).select("_sd_row", "_sd_segment").execute()
    loaded = int(customers.count().execute())
    if len(matched) != loaded or matched["_sd_row"].duplicated().any():
        raise SegdashError(f"The saved labels of '{record.get('name')}' do not match its data "
                           f"({len(frame):,} labels, {loaded:,} customers).")
    sizes = write_labels(ws.con, matched["_sd_row"].to_numpy(), matched["_sd_segment"].to_numpy())
    commit_labels(ws.con)
    settings = dict(record.get("settings") or {})
    segmentation = Segmentation(method=str(record.get("method", "")), settings=settings, sizes=sizes, k=len(sizes),
                                features=list(settings.get("features") or []),
                                extra={"unit": record.get("unit", "customers")})
    ws.set_segmentation(segmentation, names=dict(record.get("names") or {}))
    ws.snapshot_id = str(record["id"])
    return ws, record
