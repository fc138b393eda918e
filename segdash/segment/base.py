"""What every way of segmenting shares: storing one label per customer.

Labels are written to a staging table (:data:`STAGING`) in the data's engine first;
:func:`commit_labels` (called only by :meth:`segdash.workspace.Workspace.set_segmentation`) swaps
them into the labels table in one transaction. So a run that fails or is stopped after writing
its labels never leaves new labels under the previous segmentation.

Every function takes the :class:`segdash.data.Data` handle. On embedded DuckDB (``data.con``) the
labels are checked and swapped with DuckDB SQL; on another Ibis engine through Ibis
(``create_table`` / ``rename_table``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from segdash import db
from segdash.data import STAGING, Data, drop_table, table_exists

# Table names are our constants, never user text.
_STORE_LABELS = f"CREATE OR REPLACE TABLE {STAGING} AS SELECT * FROM _segdash_new_labels"
_CHECK = (
    f"SELECT (SELECT count(*) FROM _segdash_new_labels), "
    f"(SELECT count(DISTINCT {db.ROW}) FROM _segdash_new_labels), "
    f"(SELECT count(*) FROM {db.TABLE}), "
    f"(SELECT count(*) FROM _segdash_new_labels n SEMI JOIN {db.TABLE} c ON n.{db.ROW} = c.{db.ROW})"
)
_DROP_STAGING = f"DROP TABLE IF EXISTS {STAGING}"
_DROP_LABELS = f"DROP TABLE IF EXISTS {db.LABELS}"
_RENAME_STAGING = f"ALTER TABLE {STAGING} RENAME TO {db.LABELS}"


def _default_names(data: Data) -> bool:
    """Whether ``data`` uses the workspace's own table names (the DuckDB SQL above applies)."""
    return data.con is not None and data.table == db.TABLE and data.key == db.ROW


def write_labels(
    data: Data,
    rows: Sequence[Any] | np.ndarray,
    labels: Sequence[str] | np.ndarray,
) -> dict[str, int]:
    """Stage ``(key, segment)`` labels (see :func:`write_label_table`) and return the segment sizes.

    Parameters
    ----------
    data
        The customers (the labels are staged in their engine).
    rows
        Key values (``_row`` ids of imported rows); each must appear exactly once.
    labels
        The segment label of each row (same length as ``rows``).

    Returns
    -------
    dict[str, int]
        Segment label -> number of rows, sorted by size (desc) then label.

    Raises
    ------
    ValueError
        If ``rows`` and ``labels`` differ in length, or the rows are not the customers,
        each exactly once (a programming error).
    """
    row_ids = np.asarray(rows, dtype=np.int64) if data.key == db.ROW else np.asarray(rows)
    label_values = np.asarray(labels, dtype=object).astype(str)
    if len(row_ids) != len(label_values):
        raise ValueError(f"{len(row_ids)} rows but {len(label_values)} labels")
    key = pa.array(row_ids, pa.int64()) if data.key == db.ROW else pa.array(row_ids)
    table = pa.table({data.key: key, "segment": pa.array(label_values, pa.string())})
    return write_label_table(data, table)


def segment_sizes(data: Data, *, staged: bool = False) -> dict[str, int]:
    """Segment label -> customers in ``data``'s labels (or the staged labels), largest first.

    Engine-neutral (one Ibis ``GROUP BY``); on the workspace's own DuckDB tables the same query in
    DuckDB, without loading Ibis (issue 16: a file's clustering runs without it).
    """
    if _default_names(data) and (staged or data.labels is not None):
        table = STAGING if staged else data.labels
        rows = data.require_con().execute(
            f"SELECT segment, count(*) AS n FROM {db.quote_ident(table)} GROUP BY segment ORDER BY n DESC, segment")
        return {str(segment): int(n) for segment, n in rows.fetchall()}
    import ibis

    labels = (data.staged() if staged else data).segment_labels()
    counts = labels.group_by("segment").aggregate(n=labels.count())
    rows = data.backend.to_pyarrow(counts.order_by([ibis.desc("n"), "segment"])).to_pylist()
    return {str(row["segment"]): int(row["n"]) for row in rows}


def write_label_table(data: Data, table: pa.Table | Any) -> dict[str, int]:
    """Stage ``(key, segment)`` labels in :data:`STAGING`, in ``data``'s engine, and return the sizes.

    The labels stay columnar (no per-row Python objects). They become current only when
    :func:`commit_labels` swaps them in (``Workspace.set_segmentation`` does this).

    Parameters
    ----------
    data
        The customers; the labels are staged in the same engine.
    table
        An Arrow table, or an Ibis table expression over ``data`` (on another engine it is
        written there without leaving it), with columns ``<data.key>`` and ``segment``, one
        row per customer.

    Returns
    -------
    dict[str, int]
        Segment label -> number of rows, sorted by size (desc) then label.

    Raises
    ------
    ValueError
        If the labels do not hold exactly one label for every customer (a programming error);
        nothing is staged then.
    """
    if _default_names(data):
        if not isinstance(table, pa.Table):
            table = data.backend.to_pyarrow(table)
        labels = pa.table({
            db.ROW: table.column(db.ROW).cast(pa.int64()),
            "segment": table.column("segment").cast(pa.string()),
        })
        con = data.con
        con.register("_segdash_new_labels", labels)
        try:
            given, distinct, loaded, known = con.execute(_CHECK).fetchall()[0]
            _check(given, distinct, loaded, known)
            con.execute(_STORE_LABELS)
        finally:
            con.unregister("_segdash_new_labels")
        return segment_sizes(data, staged=True)
    import ibis

    if isinstance(table, pa.Table):
        table = ibis.memtable(table)
    staged = table.select(table[data.key], segment=table["segment"].cast("string"))
    drop_table(data.backend, STAGING)  # not create_table(overwrite=True): see segdash.data.drop_table
    data.backend.create_table(STAGING, staged)
    new = data.staged().segment_labels()
    customers = data.customers()
    counts = new.aggregate(given=new.count(), distinct=new[data.key].nunique())
    given, distinct = (int(v) for v in data.backend.execute(counts).iloc[0])
    loaded = int(data.backend.execute(customers.count()))
    known = int(data.backend.execute(new.semi_join(customers, new[data.key] == customers[data.key]).count()))
    try:
        _check(given, distinct, loaded, known)
    except ValueError:
        discard_labels(data)
        raise
    return segment_sizes(data, staged=True)


_CHECK_STAGED = _CHECK.replace("_segdash_new_labels", STAGING)


def write_label_query(data: Data, sql: str, params: Sequence[Any] = ()) -> dict[str, int]:
    """Stage the labels a DuckDB query computes (columns ``_row`` and ``segment``) and return the sizes.

    For labels computed where the data is (:mod:`segdash.segment.assign`): nothing goes through
    Python. The same checks as :func:`write_label_table`.

    Parameters
    ----------
    data
        The customers, in the workspace's embedded DuckDB (``customers`` keyed by ``_row``).
    sql
        A query over that connection; user values only as bound ``params``.
    params
        Its parameters.

    Returns
    -------
    dict[str, int]
        Segment label -> number of rows, sorted by size (desc) then label.

    Raises
    ------
    ValueError
        If the labels do not hold exactly one label for every customer (a programming error);
        nothing is staged then.
    """
    if not _default_names(data):
        raise ValueError("write_label_query needs the workspace's own DuckDB tables")
    con = data.con
    con.execute(f"CREATE OR REPLACE TABLE {STAGING} AS " + sql, list(params))
    given, distinct, loaded, known = con.execute(_CHECK_STAGED).fetchall()[0]
    try:
        _check(given, distinct, loaded, known)
    except ValueError:
        discard_labels(data)
        raise
    rows = con.execute(f"SELECT segment, count(*) AS n FROM {STAGING} GROUP BY segment ORDER BY n DESC, segment")
    return {str(segment): int(n) for segment, n in rows.fetchall()}


def _check(given: int, distinct: int, loaded: int, known: int) -> None:
    if not given == distinct == loaded == known:
        raise ValueError(f"each of the {loaded:,} loaded rows must get exactly one label: got {given:,} "
                         f"labels for {distinct:,} distinct rows, {known:,} of them loaded rows")


def has_staged(data: Data) -> bool:
    """Whether a run has staged labels that are not committed yet."""
    if data.con is not None:
        return db.table_exists(data.con, STAGING)
    return table_exists(data.backend, STAGING)


def commit_labels(data: Data) -> bool:
    """Make the staged labels current: swap :data:`STAGING` into ``data.labels`` in one transaction.

    Only :meth:`segdash.workspace.Workspace.set_segmentation` calls this (tests and benchmarks
    that stand in for it too).

    Parameters
    ----------
    data
        The customers; ``data.labels`` names the labels table (``segment_labels`` when ``None``).

    Returns
    -------
    bool
        Whether staged labels were swapped in (``False``: nothing was staged; the labels are
        left as they are).
    """
    if not has_staged(data):
        return False
    target = data.labels or db.LABELS
    if data.con is not None and target == db.LABELS:
        con = data.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_DROP_LABELS)
            con.execute(_RENAME_STAGING)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return True
    drop_table(data.backend, target)
    try:
        data.backend.rename_table(STAGING, target)
    except NotImplementedError:  # an engine without RENAME: copy, then drop the staged table
        data.backend.create_table(target, data.backend.table(STAGING))
        drop_table(data.backend, STAGING)
    return True


def discard_labels(data: Data) -> None:
    """Drop staged labels of a run that failed or was stopped (the current labels stay).

    Parameters
    ----------
    data
        The customers whose staged labels go.
    """
    if data.con is not None:
        data.con.execute(_DROP_STAGING)
    else:
        drop_table(data.backend, STAGING)
