"""What every way of segmenting shares: storing one label per imported row.

Labels are written to a staging table (:data:`STAGING`) first; :func:`commit_labels`
(called by :meth:`segdash.workspace.Workspace.set_segmentation`) swaps them into
``segment_labels`` in one transaction. So a run that fails or is stopped after writing
its labels never leaves new labels under the previous segmentation.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from segdash import db

#: Labels written by a run that is not current yet (swapped in by :func:`commit_labels`).
STAGING = f"{db.LABELS}_next"

# Table names are our constants, never user text.
_STORE_LABELS = f"CREATE OR REPLACE TABLE {STAGING} AS SELECT * FROM _segdash_new_labels"
_SIZES = f"SELECT segment, count(*) AS n FROM {STAGING} GROUP BY segment ORDER BY n DESC, segment"
_CURRENT_SIZES = f"SELECT segment, count(*) AS n FROM {db.LABELS} GROUP BY segment ORDER BY n DESC, segment"
_CHECK = (
    f"SELECT (SELECT count(*) FROM _segdash_new_labels), "
    f"(SELECT count(DISTINCT {db.ROW}) FROM _segdash_new_labels), "
    f"(SELECT count(*) FROM {db.TABLE}), "
    f"(SELECT count(*) FROM _segdash_new_labels n SEMI JOIN {db.TABLE} c ON n.{db.ROW} = c.{db.ROW})"
)
_DROP_STAGING = f"DROP TABLE IF EXISTS {STAGING}"
_DROP_LABELS = f"DROP TABLE IF EXISTS {db.LABELS}"
_RENAME_STAGING = f"ALTER TABLE {STAGING} RENAME TO {db.LABELS}"


def write_labels(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[int] | np.ndarray,
    labels: Sequence[str] | np.ndarray,
) -> dict[str, int]:
    """Stage ``(_row, segment)`` labels (see :func:`write_label_table`) and return the segment sizes.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    rows
        ``_row`` ids of the imported rows; each must appear exactly once.
    labels
        The segment label of each row (same length as ``rows``).

    Returns
    -------
    dict[str, int]
        Segment label -> number of rows, sorted by size (desc) then label.

    Raises
    ------
    ValueError
        If ``rows`` and ``labels`` differ in length, or the rows are not the imported rows,
        each exactly once (a programming error).
    """
    row_ids = np.asarray(rows, dtype=np.int64)
    label_values = np.asarray(labels, dtype=object).astype(str)
    if len(row_ids) != len(label_values):
        raise ValueError(f"{len(row_ids)} rows but {len(label_values)} labels")
    table = pa.table({db.ROW: pa.array(row_ids, pa.int64()), "segment": pa.array(label_values, pa.string())})
    return write_label_table(con, table)


def segment_sizes(con: duckdb.DuckDBPyConnection, *, staged: bool = False) -> dict[str, int]:
    """Segment label -> rows in the current ``segment_labels`` (or the staged labels), largest first."""
    rows = db.fetch_all(con, _SIZES if staged else _CURRENT_SIZES)
    return {str(label): int(count) for label, count in rows}


def write_label_table(con: duckdb.DuckDBPyConnection, table: pa.Table) -> dict[str, int]:
    """Stage an Arrow table of ``(_row, segment)`` in :data:`STAGING` and return the sizes.

    The labels stay columnar (no per-row Python objects). They become current only when
    :func:`commit_labels` swaps them in (``Workspace.set_segmentation`` does this).

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    table
        Columns ``_row`` (integers) and ``segment`` (text), one row per imported row.

    Returns
    -------
    dict[str, int]
        Segment label -> number of rows, sorted by size (desc) then label.

    Raises
    ------
    ValueError
        If the table does not hold exactly one label for every ``_row`` of ``customers``
        (a programming error); nothing is staged then.
    """
    labels = pa.table({
        db.ROW: table.column(db.ROW).cast(pa.int64()),
        "segment": table.column("segment").cast(pa.string()),
    })
    con.register("_segdash_new_labels", labels)
    try:
        given, distinct, loaded, known = con.execute(_CHECK).fetchall()[0]
        if not given == distinct == loaded == known:
            raise ValueError(f"each of the {loaded:,} loaded rows must get exactly one label: got {given:,} "
                             f"labels for {distinct:,} distinct rows, {known:,} of them loaded rows")
        con.execute(_STORE_LABELS)
    finally:
        con.unregister("_segdash_new_labels")
    return {str(label): int(count) for label, count in db.fetch_all(con, _SIZES)}


def commit_labels(con: duckdb.DuckDBPyConnection) -> bool:
    """Make the staged labels current: swap :data:`STAGING` into ``segment_labels`` in one transaction.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.

    Returns
    -------
    bool
        Whether staged labels were swapped in (``False``: nothing was staged; ``segment_labels``
        is left as it is).
    """
    if not db.table_exists(con, STAGING):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_DROP_LABELS)
        con.execute(_RENAME_STAGING)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def discard_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Drop staged labels of a run that failed or was stopped (the current labels stay).

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    """
    con.execute(_DROP_STAGING)
