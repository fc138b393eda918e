"""The explicit handle to what the core works on: one customers table and one segmentation's labels.

Core functions take a :class:`Data` (keyword ``data=``) instead of a raw DuckDB connection and the
fixed names ``customers`` / ``segment_labels``. The handle names an Ibis backend, so the same
expressions run on embedded DuckDB (imported files) or, through :mod:`segdash.engines` (issue 15),
on Spark, Postgres or a warehouse. Where a function still needs DuckDB's own SQL it reads
:attr:`Data.con` (see :meth:`Data.require_con`); those functions are DuckDB-only.

Nothing here imports Streamlit. The :class:`segdash.workspace.Workspace` builds the handle of a
session (``Workspace.data``) and is the one place that commits labels and names.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from segdash import db

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: Labels written by a run that is not current yet (swapped in by the workspace).
STAGING = f"{db.LABELS}_next"


class NoLabelsError(RuntimeError):
    """Asked for the labels of a :class:`Data` that names none (nothing is segmented)."""


@dataclass(frozen=True)
class Data:
    """What the core works on: one customers table, and one segmentation's labels, in one Ibis backend.

    Attributes
    ----------
    backend
        An Ibis backend: DuckDB for imported files; Spark, Postgres ... via issue 15.
    table
        Name of the customers table.
    key
        Column that identifies a customer (``_row`` for imported files; the id column in a
        warehouse table).
    labels
        Name of the labels table (columns ``<key>, segment``), or ``None`` when nothing is segmented.
    con
        The embedded DuckDB connection when the backend is DuckDB (fast raw-SQL paths), else ``None``.
    """

    backend: Any
    table: str = db.TABLE
    key: str = db.ROW
    labels: str | None = db.LABELS
    con: duckdb.DuckDBPyConnection | None = None

    # -- tables ---------------------------------------------------------------------------------
    def customers(self) -> ir.Table:
        """The customers table as an Ibis table expression."""
        return self.backend.table(self.table)

    def segment_labels(self) -> ir.Table:
        """The labels table (``<key>, segment``) as an Ibis table expression.

        Raises
        ------
        NoLabelsError
            When :attr:`labels` is ``None`` (nothing is segmented).
        """
        if self.labels is None:
            raise NoLabelsError("There are no segments yet: segment the customers first.")
        return self.backend.table(self.labels)

    def labelled(self) -> ir.Table:
        """Customers joined to their labels (inner join on :attr:`key`): every column plus the label as ``segment``."""
        customers = self.customers()
        labels = self.segment_labels()
        joined = customers.join(labels.select(labels[self.key], labels["segment"]),
                                customers[self.key] == labels[self.key])
        return joined.select(*[customers[c] for c in customers.columns if c != "segment"], labels["segment"])

    # -- facts ----------------------------------------------------------------------------------
    @property
    def engine(self) -> str:
        """The engine's name: ``'duckdb'``, ``'pyspark'``, ``'postgres'``, ..."""
        return str(getattr(self.backend, "name", "") or "")

    @property
    def is_duckdb(self) -> bool:
        """Whether the fast embedded-DuckDB paths (:attr:`con`) are available."""
        return self.con is not None

    @property
    def has_labels(self) -> bool:
        """Whether a labels table is named (it may still have to be written)."""
        return self.labels is not None

    def require_con(self, what: str = "This") -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for DuckDB-only functions.

        Raises
        ------
        segdash.errors.SegdashError
            When the data lives in another engine.
        """
        if self.con is None:
            from segdash.errors import SegdashError

            raise SegdashError(f"{what} works on imported files only for now, not on data in {self.engine or 'another engine'}.")
        return self.con

    # -- variants -------------------------------------------------------------------------------
    def with_labels(self, labels: str | None) -> Data:
        """The same data with another labels table (``None``: unsegmented)."""
        return dataclasses.replace(self, labels=labels)

    def staged(self) -> Data:
        """The same data with the labels a run has staged but not committed yet."""
        return self.with_labels(STAGING)

    @contextlib.contextmanager
    def own_cursor(self) -> Iterator[Data]:
        """The same data over a DuckDB cursor of its own, closed at the end (other engines: itself).

        DuckDB refuses a second call on a busy connection: work in another thread (a download
        built on click) takes its own cursor.
        """
        if self.con is None:
            yield self
            return
        cursor = self.con.cursor()
        try:
            yield Data.duckdb(cursor, table=self.table, labels=self.labels)
        finally:
            cursor.close()

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def duckdb(cls, con: duckdb.DuckDBPyConnection, *, table: str = db.TABLE,
               labels: str | None = db.LABELS) -> Data:
        """The handle of an embedded DuckDB connection (imported files; key ``_row``).

        Parameters
        ----------
        con
            The workspace's DuckDB connection (or a cursor of it).
        table
            Customers table name.
        labels
            Labels table name, or ``None`` when nothing is segmented.

        Returns
        -------
        Data
        """
        return cls(backend=db.LazyBackend(con), table=table, key=db.ROW, labels=labels, con=con)

    @classmethod
    def ibis(cls, backend: Any, *, table: str, key: str, labels: str | None = None) -> Data:
        """The handle of a table in another Ibis backend (issue 15): no DuckDB connection.

        When the backend is DuckDB, its connection is kept as :attr:`con` (fast paths).
        """
        con = getattr(backend, "con", None) if getattr(backend, "name", "") == "duckdb" else None
        return cls(backend=backend, table=table, key=key, labels=labels,
                   con=con if isinstance(con, duckdb.DuckDBPyConnection) else None)

    def __repr__(self) -> str:  # the backend's repr is long and says little
        return f"Data(engine={self.engine!r}, table={self.table!r}, key={self.key!r}, labels={self.labels!r})"


def table_exists(backend: Any, name: str) -> bool:
    """Whether ``backend`` has a table or view ``name`` (not ``list_tables``: it fails on DuckDB 2.0 with Ibis 12)."""
    try:
        backend.table(name)
    except Exception:  # noqa: BLE001 - each engine raises its own "not found"
        return False
    return True


def drop_table(backend: Any, name: str) -> None:
    """``DROP TABLE IF EXISTS name`` in any Ibis backend (the name quoted for its dialect).

    Not ``backend.drop_table(force=True)``: with the sqlglot release installed next to Ibis 12 it
    renders ``DROP TABLE IF EXISTS`` without the name (the same goes for ``create_table(overwrite=True)``).
    """
    import sqlglot as sg

    dialect = getattr(getattr(backend, "compiler", None), "dialect", None) or backend.name
    result = backend.raw_sql("DROP TABLE IF EXISTS " + sg.to_identifier(name, quoted=True).sql(dialect))
    close = getattr(result, "close", None)
    if callable(close) and not isinstance(result, duckdb.DuckDBPyConnection):  # DuckDB returns its connection
        close()  # e.g. a Postgres cursor


def materialise(data: Data, expr: Any) -> Any:
    """Compute a table expression once, in ``data``'s engine, and return the stored result.

    For results read several times (sizes, then labels, then summaries): without it each read
    recomputes the whole chain (ranking, joins), which on Spark costs seconds of planning per read.
    Spark: a cached DataFrame (Ibis ``cache``); other engines: a temporary table, gone with the
    connection (not Ibis ``cache``: releasing it renders an empty ``DROP TABLE`` with the sqlglot
    installed next to Ibis 12). Nothing is pulled onto the app's machine.

    Parameters
    ----------
    data
        The handle whose engine computes ``expr``.
    expr
        An Ibis table expression over ``data``'s tables.

    Returns
    -------
    ibis.Table
    """
    import uuid

    if data.engine == "pyspark":
        return expr.cache()
    name = f"_segdash_tmp_{uuid.uuid4().hex[:12]}"
    data.backend.create_table(name, expr, temp=True)
    return data.backend.table(name)


def as_data(value: Data | duckdb.DuckDBPyConnection) -> Data:
    """A :class:`Data` from a handle (returned as is) or a DuckDB connection (default names).

    For callers in transition; new code passes a :class:`Data`.
    """
    if isinstance(value, Data):
        return value
    return Data.duckdb(value)
