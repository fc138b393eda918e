"""Saved segmentations: turning the current one into a store snapshot, reopening it, applying it again.

A snapshot (see :mod:`segdash.store`) holds the segmentation's settings, its model (bands and
kept combinations, RFM cut points, or the clustering's preprocessing and parameters, all as
JSON), its segment names and one label per customer keyed by the customer id column (not by
line number, which means nothing in next month's export).

* :func:`snapshot_record` / :func:`snapshot_labels` build what is saved from a workspace.
* :func:`load_dataset` restores a saved dataset into a workspace connection.
* :func:`apply_model` segments the loaded data with a saved segmentation's model (same bands,
  same cut points or new ones, same preprocessing and centres).
* :func:`compare_keys` counts new customers and customers who are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from segdash import db
from segdash.data import Data
from segdash.errors import SettingsError
from segdash.schema import ColumnInfo, ImportResult, RejectedRow, Segmentation

if TYPE_CHECKING:
    from segdash.store import Project

#: Name of the key column in a snapshot's labels file.
KEY = "key"
#: Key column recorded when the data has no unique customer id (labels keyed by row number).
ROW_KEY = db.ROW
#: Segmentation fields kept in a snapshot record as they are.
_FIELDS = ("method", "settings", "sizes", "k", "features", "chosen_k_reason", "stability", "notes", "rules",
           "model", "seconds")


@dataclass
class ApplyReport:
    """What applying a saved segmentation to new data found."""

    customers: int
    matched: int
    new_customers: int
    gone_customers: int
    sizes: dict[str, int] = field(default_factory=dict)
    key_column: str = ROW_KEY

    def sentences(self) -> list[str]:
        """Plain sentences for the page and the command line."""
        said = [f"{self.customers:,} customers were given a segment: {self.matched:,} were in the saved "
                f"segmentation and {self.new_customers:,} are new."]
        if self.gone_customers:
            said.append(f"{self.gone_customers:,} customers of the saved segmentation are not in this data (gone).")
        else:
            said.append("Every customer of the saved segmentation is in this data.")
        if self.key_column == ROW_KEY:
            said.append("This file has no unique customer id column, so customers were matched by line number; "
                        "set a column's role to Customer id on the Data page for a real match.")
        return said


# -- building a snapshot ------------------------------------------------------------------------------

def _json_safe(value: Any) -> Any:
    """``value`` as JSON data (numpy scalars become numbers; a segmentation holds nothing else)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _revive(value: Any) -> Any:
    """A saved ``extra`` as it is; snapshots saved before it was JSON-only held a map as ``{"__frame__": columns}``."""
    if isinstance(value, dict):
        if set(value) == {"__frame__"}:
            return {str(k): _revive(v) for k, v in value["__frame__"].items()}
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def label_key(data: Data, segmentation: Segmentation, *, roles: dict[str, str]) -> str:
    """The column that identifies a customer in the labels: a unique id column, or ``_row``.

    A transactions RFM segmentation is keyed by its customer column (one label per customer).
    """
    from segdash.segment import labels_key_column

    if segmentation.method == "rfm" and segmentation.settings.get("source") == "transactions":
        return str(segmentation.settings["customer"])
    return labels_key_column(data, roles=roles) or ROW_KEY


def key_is_unique(segmentation: Segmentation, key_column: str) -> bool:
    """Whether :func:`label_key`'s column identifies each loaded row once (so no grouping is needed)."""
    return key_column == ROW_KEY or not (segmentation.method == "rfm"
                                         and segmentation.settings.get("source") == "transactions")


def snapshot_labels(data: Data, key_column: str, *, unique: bool = False) -> pa.Table:
    """``(key, segment)`` of the current labels, one row per customer, key as text, in file order.

    Parameters
    ----------
    data
        The customers and their current labels.
    key_column
        From :func:`label_key`.
    unique
        The key is known to be unique per row (no grouping needed).

    Returns
    -------
    pyarrow.Table
    """
    joined = data.labelled()
    key = joined[key_column].cast("string").strip()
    expr = joined.select(_order=joined[data.key], **{KEY: key, "segment": joined["segment"]})
    expr = expr.filter(expr[KEY].notnull() & (expr[KEY] != ""))
    if key_column != ROW_KEY and not unique:  # e.g. order lines: one label per customer
        expr = expr.group_by(KEY).aggregate(segment=expr.segment.first(order_by=expr._order),
                                            _order=expr._order.min())
    return data.backend.to_pyarrow(expr.order_by("_order").select(KEY, "segment"))


def snapshot_record(segmentation: Segmentation, *, name: str, names: dict[str, str], dataset_id: str,
                    dataset_name: str, key_column: str, customers: int, roles: dict[str, str],
                    parent_id: str | None = None) -> dict[str, Any]:
    """The JSON record of a snapshot (see :mod:`segdash.store`)."""
    record = {f: _json_safe(getattr(segmentation, f)) for f in _FIELDS}
    record["scores"] = {str(k): v for k, v in segmentation.scores.items()}
    record["extra"] = _json_safe(segmentation.extra)
    record.update(name=name, names=dict(names), dataset_id=dataset_id, dataset_name=dataset_name,
                  key_column=key_column, customers=int(customers), roles=dict(roles), parent_id=parent_id)
    return record


def segmentation_from_record(record: dict[str, Any]) -> Segmentation:
    """The :class:`Segmentation` saved in ``record`` (labels are separate)."""
    return Segmentation(
        method=str(record["method"]), settings=dict(record.get("settings") or {}),
        sizes={str(k): int(v) for k, v in (record.get("sizes") or {}).items()}, k=int(record.get("k") or 0),
        features=list(record.get("features") or []),
        scores={int(k): v for k, v in (record.get("scores") or {}).items()},
        chosen_k_reason=str(record.get("chosen_k_reason") or ""), stability=record.get("stability"),
        notes=list(record.get("notes") or []), rules=dict(record.get("rules") or {}),
        seconds=float(record.get("seconds") or 0.0), extra=_revive(record.get("extra") or {}),
        model=dict(record.get("model") or {}),
    )


# -- datasets -------------------------------------------------------------------------------------------

def import_result_from_dict(data: dict[str, Any]) -> ImportResult:
    """An :class:`ImportResult` from its saved ``asdict`` form."""
    data = dict(data)
    data["columns"] = [ColumnInfo(**c) for c in data.get("columns", [])]
    data["rejected"] = [RejectedRow(**r) for r in data.get("rejected", [])]
    known = set(ImportResult.__dataclass_fields__)
    return ImportResult(**{k: v for k, v in data.items() if k in known})


def load_dataset(con: duckdb.DuckDBPyConnection, project: Project, dataset_id: str) -> dict[str, Any]:
    """Restore a saved dataset as the ``customers`` table of ``con`` (replacing it in one step).

    Returns
    -------
    dict
        The dataset's record: ``imported`` (an :class:`ImportResult`), ``roles``,
        ``column_labels``, ``name``, ``id``.
    """
    meta = project.dataset_meta(dataset_id)
    path = project.dataset_path(dataset_id)
    stage = "_segdash_restore"
    con.read_parquet(str(path)).create(stage)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DROP TABLE IF EXISTS {db.TABLE}")  # our constants only
        con.execute(f"ALTER TABLE {stage} RENAME TO {db.TABLE}")
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    meta = dict(meta)
    meta["imported"] = import_result_from_dict(meta.get("imported") or {})
    return meta


# -- applying and matching ------------------------------------------------------------------------------

def apply_model(data: Data, record: dict[str, Any], *, roles: dict[str, str],
                types: dict[str, str], new_cuts: bool = False) -> Segmentation:
    """Segment the loaded data with a saved segmentation (labels are staged, as any run).

    Parameters
    ----------
    data
        The new data (the labels are staged in its engine; the workspace commits them).
    record
        The saved snapshot's record.
    roles, types
        Of the new data.
    new_cuts
        RFM only: score with this data's own quintiles instead of the saved cut points.

    Returns
    -------
    Segmentation
        Same method, settings and segment labels as the saved one.

    Raises
    ------
    SettingsError
        The new data lacks a column the segmentation needs, or the record has no model.
    """
    method = str(record.get("method"))
    settings = dict(record.get("settings") or {})
    model = dict(record.get("model") or {})
    if not model:
        raise SettingsError("This saved segmentation was made before models were saved, so it cannot be "
                            "applied to new data; segment again and save.")
    if method == "dimensions":
        from segdash.segment.rules import Condition, Dimension, segment_by_dimensions

        dims = [Dimension(d["column"], d.get("banding", "quantiles"), int(d.get("bands", 4)),
                          tuple(d.get("edges") or ())) for d in settings["dimensions"]]
        conditions = [Condition(c["column"], c["operator"], c.get("value")) for c in settings.get("conditions", [])]
        return segment_by_dimensions(data, dimensions=dims, types=types, min_size=int(settings.get("min_size", 1)),
                                     conditions=conditions, combine=settings.get("combine", "and"),
                                     saved_model=model)
    if method == "rfm":
        from segdash.segment import rfm

        cuts = None if new_cuts else model.get("cuts")
        reference = rfm.parse_reference_date(settings.get("reference_date")) if settings.get("reference_date") else None
        if settings.get("source") == "transactions":
            known = set(rfm.TransactionColumns.__dataclass_fields__)
            columns = rfm.TransactionColumns(**{k: v for k, v in settings.items() if k in known})
            return rfm.rfm_from_transactions(data, columns=columns, types=types, reference_date=reference, cuts=cuts)
        return rfm.rfm_from_customers(data, recency=settings["recency"], frequency=settings["frequency"],
                                      monetary=settings["monetary"], types=types, reference_date=reference, cuts=cuts)
    return _apply_cluster(data, record, types=types)


def _apply_cluster(data: Data, record: dict[str, Any], *, types: dict[str, str]) -> Segmentation:
    from segdash.segment.model import ClusterModel

    model = ClusterModel.from_dict(record["model"])
    missing = [name for name in model.features if name not in types]
    if missing:
        raise SettingsError(f"The saved segmentation needs the column '{missing[0]}', which this data does not "
                            "have. Load an export with the same columns.")
    sizes = model.assign_all(data, types=types)
    saved = segmentation_from_record(record)
    return Segmentation(
        method=saved.method, settings=saved.settings, sizes=sizes, k=saved.k, features=saved.features,
        notes=[f"Applied the saved segmentation '{record.get('name')}': every customer joins the nearest saved "
               "segment, with the saved scaling and categories."],
        rules=saved.rules, model=dict(record["model"]), chosen_k_reason=saved.chosen_k_reason,
        stability=saved.stability,
    )


def compare_keys(current: pa.Table, saved: pa.Table) -> tuple[int, int, int]:
    """``(matched, new, gone)`` customer counts between two ``(key, ...)`` label tables."""
    con = duckdb.connect(":memory:")
    try:
        con.register("cur", current.select([KEY]))
        con.register("old", saved.select([KEY]))
        matched, new, gone = con.execute(
            "SELECT (SELECT count(DISTINCT key) FROM cur SEMI JOIN old USING (key)),"
            " (SELECT count(DISTINCT key) FROM cur ANTI JOIN old USING (key)),"
            " (SELECT count(DISTINCT key) FROM old ANTI JOIN cur USING (key))"
        ).fetchall()[0]
    finally:
        con.close()
    return int(matched), int(new), int(gone)


def engine_key_counts(data: Data, saved: pa.Table, *, sizes: dict[str, int]) -> ApplyReport:
    """New and gone customers of a table in an engine against a saved segmentation, counted in the engine.

    The saved keys (a small upload) meet the engine's labels there; only three counts come back.

    Parameters
    ----------
    data
        The customers and their (new) labels in the engine.
    saved
        The snapshot's labels (``key, segment``; keys as text).
    sizes
        The new segment sizes.

    Returns
    -------
    ApplyReport
    """
    import ibis
    import pandas as pd

    labels = data.segment_labels()
    current = labels.select(_k=labels[data.key].cast("string").strip())
    keys = [str(k) for k in dict.fromkeys(saved.column(KEY).to_pylist()) if k is not None]
    old = ibis.memtable(pd.DataFrame({"_old": pd.Series(keys, dtype=object)}))
    customers = int(data.backend.execute(current.count()))
    matched = int(data.backend.execute(current.semi_join(old, current._k == old._old).count()))
    gone = int(data.backend.execute(old.anti_join(current, old._old == current._k).count()))
    return ApplyReport(customers=customers, matched=matched, new_customers=customers - matched,
                       gone_customers=gone, sizes=dict(sizes), key_column=data.key)


def restore_labels(data: Data, labels: pa.Table, key_column: str) -> dict[str, int]:
    """Stage a snapshot's labels onto the loaded rows (joined on the key) and return the sizes.

    Rows whose key is not in the snapshot are labelled "Not in the saved segmentation".

    Raises
    ------
    SettingsError
        The loaded data has no column ``key_column``.
    """
    from segdash.segment import base

    table = data.customers()
    if key_column != ROW_KEY and key_column not in table.columns:
        raise SettingsError(f"The saved segmentation identifies customers by '{key_column}', which the loaded "
                            "data does not have.")
    import ibis

    saved = ibis.memtable(labels.rename_columns(["_k", "_segment"]))
    key = table[key_column].cast("string").strip()
    rows = table.select(_key=table[data.key], _k=key)
    joined = rows.left_join(saved, rows._k == saved._k)
    result = joined.select(**{data.key: joined._key, "segment": joined._segment.fill_null(NOT_SAVED)})
    return base.write_label_table(data, result)


#: Label of loaded rows that a reopened snapshot has no label for.
NOT_SAVED = "Not in the saved segmentation"
