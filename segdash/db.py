"""The embedded engine: one DuckDB connection per workspace, plus the Ibis view of it.

DuckDB 2.0 notes: always finish a result with ``fetchall()`` or ``df()``; use
``con.cursor()`` per thread. Identifiers that come from a user (column names) go
through Ibis, or, inside the ingest module only, through :func:`quote_ident`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd

# Ibis loads its DuckDB backend lazily, on first attribute access. Ten sessions starting at once
# raced inside that and one got "module 'ibis.duckdb' has no attribute 'from_connection'"
# (bench/load_test.py, issue 14): the first access is made under this lock.
_IBIS_LOCK = threading.Lock()

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
    """Return an Ibis backend over ``con`` (no copy: same database).

    Ibis (and pandas, which it loads) is imported here, on first use, rather than with this
    module: a command that only reads a file should not wait for it at start-up.
    """
    import ibis

    with _IBIS_LOCK:
        duckdb_backend = ibis.duckdb
    return duckdb_backend.from_connection(con)


class LazyBackend:
    """The Ibis backend over a DuckDB connection, made on first use (:func:`backend`).

    A file's clustering runs on DuckDB alone (issue 16): importing Ibis (and the SQL compilers of
    every dialect it ships) cost about half a second of CPU in ``segment --k auto``. The handle
    of a workspace (:class:`segdash.data.Data`) holds one of these; anything asking it for an Ibis
    table makes the backend then.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    """

    #: :attr:`segdash.data.Data.engine` without importing Ibis.
    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._backend: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, attribute: str) -> Any:  # only for what this class does not hold itself
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        with self._lock:
            if self._backend is None:
                self._backend = backend(self.con)
        return getattr(self._backend, attribute)


def select_columns(con: duckdb.DuckDBPyConnection, table: str,
                   columns: dict[str, str]) -> duckdb.DuckDBPyRelation | None:
    """``SELECT name AS alias, ... FROM table`` built by DuckDB's relational API (no SQL text is formatted).

    For DuckDB-only fast paths that must not load Ibis: DuckDB quotes the names itself, so names
    with spaces, quotes or dots just work.

    Parameters
    ----------
    con
        The connection.
    table
        A table of that connection (a fixed name such as :data:`TABLE`).
    columns
        Output name -> column of ``table``.

    Returns
    -------
    duckdb.DuckDBPyRelation or None
        ``None`` when a column is called ``*`` (DuckDB would read it as every column): the caller
        then takes its Ibis path.
    """
    if any(name == "*" for name in columns.values()):
        return None
    return con.table(table).select(*[duckdb.ColumnExpression(name).alias(alias) for alias, name in columns.items()])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The column names of ``table`` (a fixed name such as :data:`TABLE`)."""
    return list(con.table(table).columns)


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
    import pandas  # noqa: F401 - DuckDB's .df() needs it loaded

    return con.execute(sql, params or []).df()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view called ``name`` exists."""
    return bool(
        fetch_scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    )


def long_form(source: str, expressions: list[str], *, limit: int | None = None) -> str:
    """SQL for a table in long form: one row per non-missing cell, ``i`` (expression number) and ``v``.

    Per-column facts of a wide table (thousands of columns) come from one ``GROUP BY i`` over this
    instead of one aggregate per column: DuckDB plans every aggregate of a query separately, and
    distinct counts over thousands of columns took minutes (and gigabytes) for 20 rows.

    Parameters
    ----------
    source
        A table name quoted with :func:`quote_ident`, or a parenthesised query.
    expressions
        SQL expressions over ``source``'s columns, all of one type (built from quoted names and
        constants, never from user text).
    limit
        Only the first rows.

    Returns
    -------
    str
        ``SELECT i, v FROM (UNPIVOT ...)``; cells whose expression is NULL are left out.
    """
    select = ", ".join(f"{e} AS c{i}" for i, e in enumerate(expressions))
    inner = "SELECT " + select + " FROM " + source + (f" LIMIT {int(limit)}" if limit else "")
    names = ", ".join(f"c{i}" for i in range(len(expressions)))
    return "SELECT CAST(substr(k, 2) AS INTEGER) AS i, v FROM (UNPIVOT (" + inner + ") ON " + names + " INTO NAME k VALUE v)"


def per_column(con: duckdb.DuckDBPyConnection, long_sql: str, aggregates: list[str], count: int) -> list[tuple]:
    """Aggregates over ``v`` per column of a :func:`long_form` query.

    Parameters
    ----------
    con
        The connection.
    long_sql
        A :func:`long_form` query (or one built on it, with columns ``i`` and ``v``).
    aggregates
        SQL aggregates over ``v``.
    count
        Number of columns (expressions) in the long form.

    Returns
    -------
    list of tuple
        One tuple per column, in order; ``(0, ...)`` for a column without any value.
    """
    with plain_plans(con, when=count > 48):  # thousands of expressions under the UNPIVOT
        rows = fetch_all(con, "SELECT i, " + ", ".join(aggregates) + " FROM (" + long_sql + ") GROUP BY i")
    out: list[tuple] = [(0,) * len(aggregates)] * count
    for i, *values in rows:
        out[i] = tuple(values)
    return out


@contextlib.contextmanager
def plain_plans(con: duckdb.DuckDBPyConnection, *, when: bool = True) -> Iterator[None]:
    """Run the statements inside without DuckDB's query optimizer (when ``when``).

    For a statement with thousands of column expressions (typing a 5,000-column file) the optimizer
    costs minutes, while the statement itself (a projection, a full scan) has nothing to optimise.

    Parameters
    ----------
    con
        The connection.
    when
        Only then; otherwise the statements run as usual.
    """
    if not when:
        yield
        return
    con.execute("PRAGMA disable_optimizer")
    try:
        yield
    finally:
        con.execute("PRAGMA enable_optimizer")
