"""What every way of segmenting shares: storing one label per imported row."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from segdash import db

# Table names are our constants, never user text.
_STORE_LABELS = f"CREATE OR REPLACE TABLE {db.LABELS} AS SELECT * FROM _segdash_new_labels"
_SIZES = f"SELECT segment, count(*) AS n FROM {db.LABELS} GROUP BY segment ORDER BY n DESC, segment"


def write_labels(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[int] | np.ndarray,
    labels: Sequence[str] | np.ndarray,
) -> dict[str, int]:
    """Store ``segment_labels(_row, segment)`` and return the segment sizes, largest first.

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
        If ``rows`` and ``labels`` differ in length or a row id repeats (a programming error).
    """
    row_ids = np.asarray(rows, dtype=np.int64)
    label_values = np.asarray(labels, dtype=object).astype(str)
    if len(row_ids) != len(label_values):
        raise ValueError(f"{len(row_ids)} rows but {len(label_values)} labels")
    if len(np.unique(row_ids)) != len(row_ids):
        raise ValueError("each row must get exactly one label")
    table = pa.table({db.ROW: pa.array(row_ids, pa.int64()), "segment": pa.array(label_values, pa.string())})
    con.register("_segdash_new_labels", table)
    try:
        con.execute(_STORE_LABELS)
    finally:
        con.unregister("_segdash_new_labels")
    return segment_sizes(con)


def segment_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Segment label -> rows in ``segment_labels``, largest first (ties by label)."""
    rows = db.fetch_all(con, _SIZES)
    return {str(label): int(count) for label, count in rows}


def write_label_table(con: duckdb.DuckDBPyConnection, table: pa.Table) -> dict[str, int]:
    """Store an Arrow table of ``(_row, segment)`` as ``segment_labels`` and return the sizes.

    For methods that compute labels in DuckDB (dimensions, RFM): the labels stay columnar,
    with no per-row Python objects. The caller guarantees one row per imported row.

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
    """
    labels = pa.table({
        db.ROW: table.column(db.ROW).cast(pa.int64()),
        "segment": table.column("segment").cast(pa.string()),
    })
    con.register("_segdash_new_labels", labels)
    try:
        con.execute(_STORE_LABELS)
    finally:
        con.unregister("_segdash_new_labels")
    return segment_sizes(con)
