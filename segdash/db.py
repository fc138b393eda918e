"""The embedded engine: one DuckDB connection per workspace, plus the Ibis view of it.

DuckDB 2.0 notes: always finish a result with ``fetchall()`` or ``df()``; use
``con.cursor()`` per thread. Identifiers that come from a user (column names) go
through Ibis, or, inside the ingest module only, through :func:`quote_ident`.
"""

from __future__ import annotations

import os
from typing import Any

import duckdb
import ibis
import pandas as pd

# Resolve Ibis's lazily loaded DuckDB backend once, while this module is imported (under Python's
# import lock). Left to first use, ten sessions starting at once raced inside Ibis and one got
# "module 'ibis.duckdb' has no attribute 'from_connection'" (bench/load_test.py, issue 14).
_IBIS_DUCKDB = ibis.duckdb

#: The imported customers. Every row has ``_row``: its line (CSV) or row (Excel) in the file.
TABLE = "customers"
#: Unique, stable id of an imported row (line number of the record in the file).
ROW = "_row"
#: One label per imported row: ``(_row BIGINT, segment VARCHAR)``.
LABELS = "segment_labels"


def connect(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open a private in-memory DuckDB for one workspace, with the session memory limit set.

    Parameters
    ----------
    threads
        Worker threads; defaults to ``SEGDASH_THREADS`` or DuckDB's own choice.

    Returns
    -------
    duckdb.DuckDBPyConnection
    """
    from segdash.limits import apply_memory_limit

    con = duckdb.connect(":memory:")
    apply_memory_limit(con)  # SEGDASH_SESSION_MEMORY: one session cannot starve the others
    threads = threads or int(os.environ.get("SEGDASH_THREADS", "0") or 0)
    if threads:
        con.execute("SET threads = ?", [threads])
    return con


def backend(con: duckdb.DuckDBPyConnection) -> Any:
    """Return an Ibis backend over ``con`` (no copy: same database)."""
    return ibis.duckdb.from_connection(con)


def quote_ident(name: str) -> str:
    """Quote a SQL identifier (doubling embedded quotes). For the ingest module only."""
    return '"' + str(name).replace('"', '""') + '"'


def fetch_all(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple]:
    """Run ``sql`` with bound ``params`` and return every row."""
    return con.execute(sql, params or []).fetchall()


def fetch_scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """Run ``sql`` with bound ``params`` and return the first column of the first row."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def fetch_df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Run ``sql`` with bound ``params`` and return a DataFrame."""
    return con.execute(sql, params or []).df()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view called ``name`` exists."""
    return bool(
        fetch_scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    )
