"""Tiny in-memory workspaces for the act/ tests: a customers table and its labels."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from segdash import db
from segdash.data import Data
from segdash.segment.base import commit_labels, write_labels


def tiny_con(frame: pd.DataFrame, segments: list[str]) -> duckdb.DuckDBPyConnection:
    """A connection with ``customers`` (``frame`` plus ``_row`` 1..n) and ``segment_labels``."""
    con = db.connect()
    customers = frame.copy()
    customers.insert(0, db.ROW, range(1, len(frame) + 1))
    con.from_arrow(pa.Table.from_pandas(customers, preserve_index=False)).create(db.TABLE)
    write_labels(Data.duckdb(con), list(customers[db.ROW]), segments)
    commit_labels(Data.duckdb(con))
    return con
