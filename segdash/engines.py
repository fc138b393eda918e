"""Data that lives in an engine: connecting to Spark, PostgreSQL, a DuckDB file or a warehouse through Ibis.

A data source is either a file (imported into embedded DuckDB, :mod:`segdash.ingest`) or a table in
an engine Ibis connects to, named by a connection URL:

=====================================  ===============================================================
``duckdb:///path/to/file.duckdb``      a DuckDB database file (``duckdb://`` alone: in memory)
``pyspark://``                         Apache Spark in local mode on this machine (``pyspark://HOST:PORT``:
                                       the cluster master ``spark://HOST:PORT``)
``postgres://user@host:5432/db``       PostgreSQL (``postgresql://`` too)
``trino://``, ``snowflake://``,        the other engines Ibis supports, by the same code (not tested
``bigquery://``, ``databricks://``     here: ``ibis.connect`` with the URL)
=====================================  ===============================================================

Credentials never travel in the URL that is shown or logged: the password comes from
``SEGDASH_SOURCE_PASSWORD`` (or the engine's own variables and files, e.g. ``PGPASSWORD`` and
``~/.pgpass`` for PostgreSQL, read by its driver), and :func:`display_url` removes any password
or token from a URL before it is printed. ``SEGDASH_SOURCE`` names the default source.

Nothing here pulls a table: :meth:`Source.data` returns a :class:`segdash.data.Data` handle whose
queries run in the engine.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from segdash.errors import SegdashError

if TYPE_CHECKING:
    from segdash.data import Data

#: Environment variable holding the default source URL.
SOURCE_ENV = "SEGDASH_SOURCE"
#: Environment variable naming the default customers table (pre-fills the Data page's form).
TABLE_ENV = "SEGDASH_SOURCE_TABLE"
#: Environment variable holding the source's password (never put it in the URL).
PASSWORD_ENV = "SEGDASH_SOURCE_PASSWORD"
#: Engines by URL scheme: the name shown on screen.
ENGINES = {
    "duckdb": "DuckDB",
    "pyspark": "Apache Spark",
    "postgres": "PostgreSQL",
    "postgresql": "PostgreSQL",
    "trino": "Trino",
    "snowflake": "Snowflake",
    "bigquery": "BigQuery",
    "databricks": "Databricks",
}
#: Engines tested here (the others are documented, run by the same code, and untested).
TESTED = ("duckdb", "pyspark", "postgres")
#: Names of Ibis backends -> the name shown on screen.
BACKEND_NAMES = {"duckdb": "DuckDB", "pyspark": "Apache Spark", "postgres": "PostgreSQL", "trino": "Trino",
                 "snowflake": "Snowflake", "bigquery": "BigQuery", "databricks": "Databricks"}
#: Query parameters that are secrets (removed from a shown URL).
_SECRET_WORDS = ("pass", "secret", "token", "key", "credential", "auth")
#: Local Spark: few shuffle partitions (a laptop has few cores), no web UI.
SPARK_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}


class SourceError(SegdashError):
    """A data source URL cannot be used: unknown engine, unreachable, or a missing table."""


def engine_name(scheme_or_backend: str) -> str:
    """The name shown on screen for a URL scheme or an Ibis backend name (``"postgres"`` -> ``"PostgreSQL"``).

    Parameters
    ----------
    scheme_or_backend
        ``"postgres"``, ``"pyspark"``, ...

    Returns
    -------
    str
    """
    key = str(scheme_or_backend).lower()
    return ENGINES.get(key) or BACKEND_NAMES.get(key) or key or "unknown engine"


def display_url(url: str) -> str:
    """``url`` without its password, tokens or secrets: what may be shown on screen or written to a log.

    Parameters
    ----------
    url
        A connection URL.

    Returns
    -------
    str
        ``postgres://shop@db.example.com:5432/sales`` for
        ``postgres://shop:s3cret@db.example.com:5432/sales?sslpassword=x``.
    """
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "(a connection URL that cannot be read)"
    if not parts.scheme:
        return re.sub(r":[^:@/]*@", "@", text)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not any(word in k.lower() for word in _SECRET_WORDS)]
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return shown + (f"?{urlencode(query)}" if query else "")


def source_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The default source URL (``SEGDASH_SOURCE``), or ``None`` when none is configured.

    Parameters
    ----------
    environ
        The environment (default: ``os.environ``).

    Returns
    -------
    str or None
    """
    return _setting(SOURCE_ENV, environ)


def source_table(environ: Mapping[str, str] | None = None) -> str | None:
    """The default customers table (``SEGDASH_SOURCE_TABLE``), or ``None``.

    Parameters
    ----------
    environ
        The environment (default: ``os.environ``).

    Returns
    -------
    str or None
    """
    return _setting(TABLE_ENV, environ)


def _setting(name: str, environ: Mapping[str, str] | None) -> str | None:
    """An environment setting with surrounding spaces removed; ``None`` when unset or blank."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


@dataclass
class Source:
    """An open connection to an engine.

    Attributes
    ----------
    url
        The URL it was opened with, **without** its password (safe to show: :func:`display_url`).
    backend
        The Ibis backend.
    scheme
        The URL scheme (``"postgres"``, ``"pyspark"``, ``"duckdb"``, ...).
    """

    url: str
    backend: Any
    scheme: str

    @property
    def engine(self) -> str:
        """The Ibis backend's name (``"duckdb"``, ``"pyspark"``, ``"postgres"``, ...)."""
        return str(getattr(self.backend, "name", self.scheme))

    @property
    def engine_label(self) -> str:
        """The engine's name on screen (``"PostgreSQL"``)."""
        return engine_name(self.engine)

    def tables(self) -> list[str]:
        """Tables and views the connection sees (default schema)."""
        try:
            if self.engine == "duckdb":  # Ibis 12's list_tables leaves DuckDB 2.0 with an unfinished result
                rows = self.backend.con.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = current_schema()").fetchall()
                return sorted(str(name) for (name,) in rows)
            return sorted(self.backend.list_tables())
        except Exception as err:  # driver errors differ per engine
            raise SourceError(f"Could not list the tables of {self.url}: {_first_line(err)}") from err

    def data(self, table: str, *, key: str | None = None, labels: str | None = None) -> Data:
        """A handle on ``table``: its customer id column checked (or found), queries run in the engine.

        Parameters
        ----------
        table
            The customers table (or view).
        key
            The column that identifies each customer once; found when ``None`` (:func:`find_key`).
        labels
            Name of a labels table (``<key>, segment``) already in the engine, if any.

        Returns
        -------
        segdash.data.Data

        Raises
        ------
        SourceError
            The table does not exist, or no column identifies each customer once.
        """
        from segdash.data import Data

        customers = self.table(table)
        chosen = find_key(customers, key=key, table_name=table)
        # No ``con`` even for a DuckDB file: a table in an engine is queried in place, never pulled
        # into the app's memory (the embedded fast paths are for imported files).
        return Data(backend=self.backend, table=table, key=chosen, labels=labels, con=None)

    def table(self, name: str) -> Any:
        """The Ibis table ``name``, or a plain error naming the tables there are."""
        if not str(name or "").strip():
            raise SourceError(f"Name the table of customers in {self.url} (e.g. --table customers).")
        try:
            return self.backend.table(name)
        except Exception as err:
            try:
                known = self.tables()
            except SourceError:  # the first error is the one to show
                known = []
            shown = ", ".join(sorted(known)[:20]) or "none"
            raise SourceError(f"There is no table '{name}' in {self.url} (tables: {shown}).") from err

    def close(self) -> None:
        """Close the connection (a local Spark session is left to the process: it is shared)."""
        if self.scheme == "pyspark":
            return
        disconnect = getattr(self.backend, "disconnect", None)
        if disconnect is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                disconnect()


def connect(url: str | None = None, *, environ: Mapping[str, str] | None = None) -> Source:
    """Open the data source at ``url`` (default: ``SEGDASH_SOURCE``).

    Parameters
    ----------
    url
        A connection URL (see the module docstring). A password in it works but is never shown;
        prefer ``SEGDASH_SOURCE_PASSWORD``.
    environ
        The environment to read ``SEGDASH_SOURCE`` and ``SEGDASH_SOURCE_PASSWORD`` from (default
        ``os.environ``).

    Returns
    -------
    Source

    Raises
    ------
    SourceError
        No URL, an unknown scheme, a missing driver, or a connection that fails (the message
        names the URL without its password).
    """
    env = os.environ if environ is None else environ
    url = (url or source_url(env) or "").strip()
    if not url:
        raise SourceError(f"No data source: give a connection URL (e.g. postgres://user@host:5432/db) or set "
                          f"{SOURCE_ENV}.")
    shown = display_url(url)
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise SourceError(f"'{shown}' is not a connection URL.") from err
    scheme = parts.scheme.lower()
    if scheme == "postgresql":
        scheme = "postgres"
    if scheme not in ENGINES:
        known = ", ".join(f"{s}://" for s in ENGINES if s != "postgresql")
        raise SourceError(f"'{shown}' names no engine segdash knows; use one of {known}.")
    password = _password(parts, env)
    try:
        if scheme == "duckdb":
            backend = _duckdb(parts)
        elif scheme == "pyspark":
            backend = _pyspark(parts)
        elif scheme == "postgres":
            backend = _postgres(parts, password)
        else:
            backend = _generic(url, parts, password)
    except SourceError:
        raise
    except ImportError as err:
        raise SourceError(f"The driver for {engine_name(scheme)} is not installed ({err.name or err}); install "
                          "the packages in requirements-dev.txt.") from err
    except Exception as err:  # each driver raises its own error types
        raise SourceError(f"Could not connect to {shown}: {_first_line(err, password)}") from err
    return Source(url=shown, backend=backend, scheme=scheme)


def _password(parts: Any, env: Mapping[str, str]) -> str | None:
    if parts.password:
        return unquote(parts.password)
    return env.get(PASSWORD_ENV) or None


def _first_line(err: BaseException, password: str | None = None) -> str:
    """The first line of a driver's message, with the password blanked should a driver echo it."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if password:
        text = text.replace(password, "***")
    return text[:300]


def _duckdb(parts: Any) -> Any:
    import ibis

    from segdash.limits import apply_memory_limit

    path = unquote(parts.netloc + parts.path) if parts.netloc else unquote(parts.path)
    backend = ibis.duckdb.connect() if not path or path == "/" else ibis.duckdb.connect(path)
    # Embedded DuckDB runs inside the app's process: the session limit (SEGDASH_SESSION_MEMORY)
    # keeps the app's memory bounded however large the table; DuckDB spills to disk beyond it.
    apply_memory_limit(backend.con)
    return backend


def spark_session(master: str = "local[2]", *, memory: str = "1g", warehouse: str | None = None) -> Any:
    """The process's Spark session: created once (local mode by default), then shared.

    Parameters
    ----------
    master
        ``local[N]`` or a cluster master URL (``spark://host:7077``).
    memory
        Driver memory (local mode runs everything in the driver).
    warehouse
        Folder for the tables segdash writes (labels); default: a temporary folder.

    Returns
    -------
    pyspark.sql.SparkSession
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(master).appName("segdash")
    builder = builder.config("spark.driver.memory", memory)
    builder = builder.config("spark.sql.warehouse.dir",
                             warehouse or os.environ.get("SEGDASH_SPARK_WAREHOUSE")
                             or tempfile.mkdtemp(prefix="segdash-spark-"))
    for name, value in SPARK_LOCAL_CONF.items():
        builder = builder.config(name, value)
    if master.startswith("local"):  # a local session talks to itself only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _pyspark(parts: Any) -> Any:
    import ibis

    query = dict(parse_qsl(parts.query))
    if parts.hostname:
        master = f"spark://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    else:
        master = query.get("master") or os.environ.get("SEGDASH_SPARK_MASTER") or "local[2]"
    session = spark_session(master, memory=query.get("memory") or os.environ.get("SEGDASH_SPARK_MEMORY") or "1g")
    return ibis.pyspark.connect(session)


def _postgres(parts: Any, password: str | None) -> Any:
    import ibis

    database = unquote(parts.path.lstrip("/")) or None
    kwargs: dict[str, Any] = {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": unquote(parts.username) if parts.username else None,
        "database": database,
    }
    if password:
        kwargs["password"] = password
    query = dict(parse_qsl(parts.query))
    kwargs.update({k: v for k, v in query.items() if not any(word in k.lower() for word in _SECRET_WORDS)})
    kwargs.setdefault("connect_timeout", 10)
    return ibis.postgres.connect(**{k: v for k, v in kwargs.items() if v is not None})


def _generic(url: str, parts: Any, password: str | None) -> Any:
    """Any other Ibis backend through ``ibis.connect(url)``, the password put back from the environment."""
    import ibis

    if password and not parts.password and parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}:{quote(password, safe='')}@" \
                 + parts.netloc.split("@", 1)[-1]
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return ibis.connect(url)


# -- the customer id ----------------------------------------------------------------------------

#: Column names that usually identify a customer (compared without case, spaces or underscores).
_ID_NAMES = ("_row", "customerid", "customer_id", "custid", "clientid", "id", "customerkey", "accountid",
             "memberid", "userid")


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", str(name).lower()).replace("_", "") if name != "_row" else "_row"


def find_key(table: Any, *, key: str | None = None, table_name: str = "") -> str:
    """The column that identifies each customer once: ``key`` checked, or the first id-like column that does.

    One aggregate query in the engine per candidate (rows, distinct values, blanks).

    Parameters
    ----------
    table
        Ibis table of the customers.
    key
        The column the user named, or ``None`` to look for one (``_row``, ``customer_id``,
        ``CustomerID``, ``id``, ... then any column whose name ends in ``id``).
    table_name
        For messages.

    Returns
    -------
    str

    Raises
    ------
    SourceError
        ``key`` is not a column or repeats / has blanks; or no column identifies each customer once.
    """
    name = f"'{table_name}'" if table_name else "the table"
    columns = list(table.columns)
    if key is not None:
        if key not in columns:
            raise SourceError(f"There is no column '{key}' in {name} (columns: {', '.join(columns[:30])}).")
        if not _unique(table, key):
            raise SourceError(f"'{key}' does not identify each customer once in {name} (it repeats or has "
                              "blanks); name the customer id column with --key.")
        return key
    ranked = sorted((c for c in columns if _squash(c) in {_squash(n) for n in _ID_NAMES}),
                    key=lambda c: [_squash(n) for n in _ID_NAMES].index(_squash(c)))
    ranked += [c for c in columns if c not in ranked and re.search(r"id$", str(c).lower())]
    for candidate in ranked:
        if _unique(table, candidate):
            return candidate
    raise SourceError(f"No column of {name} identifies each customer once; name the customer id column "
                      "with --key.")


def _unique(table: Any, column: str) -> bool:
    col = table[column]
    row = table.aggregate(n=table.count(), distinct=col.nunique(), blank=col.isnull().sum()).to_pyarrow()
    n, distinct, blank = (row.column(c)[0].as_py() for c in ("n", "distinct", "blank"))
    return int(n or 0) > 0 and int(blank or 0) == 0 and int(distinct or 0) == int(n)


def column_types(table: Any) -> dict[str, str]:
    """segdash's type of each column (``number``, ``text``, ``date``, ``boolean``) from the engine's schema.

    Parameters
    ----------
    table
        Ibis table.

    Returns
    -------
    dict[str, str]
        Column -> type, in table order (no data is read).
    """
    types = {}
    for name, dtype in table.schema().items():
        if dtype.is_boolean():
            types[name] = "boolean"
        elif dtype.is_numeric():
            types[name] = "number"
        elif dtype.is_temporal():
            types[name] = "date"
        else:
            types[name] = "text"
    return types


# -- a table in an engine, as the command line uses it ------------------------------------------

#: Customers read from an engine (a seeded sample, the same rows on every engine) to suggest column
#: roles and profile the columns from names and content.
ROLE_SAMPLE = 5_000


def role_sample(data: Data, *, size: int = ROLE_SAMPLE, random_state: int = 0) -> tuple[Any, int]:
    """A seeded sample of whole customers (every column), chosen in the engine, and the number of customers.

    The choice is integer arithmetic on the key (:func:`segdash.segment.features.engine_sample`), so
    DuckDB, Spark and PostgreSQL return the same customers; a table of at most ``size`` customers
    comes back whole.

    Parameters
    ----------
    data
        The customers.
    size
        At most this many customers.
    random_state
        Seed.

    Returns
    -------
    tuple[pyarrow.Table, int]
        The sampled rows (columns in table order, sorted by key) and the table's customers.
    """
    from segdash.segment.features import engine_sample

    table = data.customers()
    sample, total = engine_sample(data, {c: table[c] for c in table.columns if c != data.key}, size=size,
                                  random_state=random_state)
    return sample.select(list(table.columns)), total


def _sample_duckdb(sample: Any) -> Any:
    """A private in-memory DuckDB holding ``sample`` as table ``customers``."""
    from segdash import db

    con = db.connect()
    con.register("_segdash_sample", sample)
    con.execute(f"CREATE TABLE {db.TABLE} AS SELECT * FROM _segdash_sample")
    con.unregister("_segdash_sample")
    return con


def suggest_roles(data: Data, *, types: dict[str, str], sample: Any = None) -> dict[str, str]:
    """Column roles of a table in an engine, suggested as for an imported file, on a seeded sample.

    The sample (:func:`role_sample`, the same customers on every engine) is read into a private
    in-memory DuckDB and :func:`segdash.columns.suggest_roles` looks at it (names and content); the
    key column is the customer id.

    Parameters
    ----------
    data
        The customers.
    types
        Column -> type (:func:`column_types`).
    sample
        The sample, when already read (:func:`role_sample`).

    Returns
    -------
    dict[str, str]
        Column -> role.
    """
    from segdash.columns import suggest_roles as suggest

    if sample is None:
        sample, _ = role_sample(data)
    con = _sample_duckdb(sample)
    try:
        roles = suggest(con, types=types)
    finally:
        con.close()
    roles[data.key] = "id"
    return {name: roles.get(name, "other") for name in types}


def profile_table(data: Data, *, types: dict[str, str], roles: dict[str, str], sample: Any = None) -> Any:
    """The column profile of a table in an engine (as the Data page shows for a file).

    Missing values are counted over every customer in the engine (one aggregate query); distinct
    values, min / median / max, top values and histograms describe the seeded sample
    (:func:`role_sample`), the same customers on every engine. Nothing else is read.

    Parameters
    ----------
    data
        The customers.
    types, roles
        Column -> type / role.
    sample
        The sample, when already read.

    Returns
    -------
    pandas.DataFrame
        As :func:`segdash.columns.profile_columns`; ``attrs["rows"]`` is the number of customers and
        ``attrs["sample"]`` the number profiled (equal when the table is small).
    """
    from segdash.columns import profile_columns

    table = data.customers()
    if sample is None:
        sample, _ = role_sample(data)
    con = _sample_duckdb(sample)
    try:
        frame = profile_columns(con, types=types, roles=roles)
    finally:
        con.close()
    names = [str(n) for n in frame["name"]]
    counts = table.aggregate(_n=table.count(), **{f"v{i}": table[n].count() for i, n in enumerate(names)})
    row = data.backend.to_pyarrow(counts).to_pylist()[0]
    rows = int(row["_n"] or 0)
    missing = [rows - int(row[f"v{i}"] or 0) for i in range(len(names))]
    frame["missing"] = _series_like(missing, like=frame["missing"])
    frame["missing_pct"] = [round(100 * m / rows, 2) if rows else 0.0 for m in missing]
    frame.attrs["rows"] = rows
    frame.attrs["sample"] = int(sample.num_rows)
    frame.attrs["approximate"] = bool(frame.attrs.get("approximate")) or sample.num_rows < rows
    return frame


def _series_like(values: list[int], *, like: Any) -> Any:
    """``values`` as a pandas Series with the dtype and index of ``like``."""
    import pandas as pd

    return pd.Series(values, index=like.index, dtype=like.dtype)


@dataclass
class EngineTable:
    """A customers table in an engine: its open connection, the column types and the suggested roles.

    Nothing is copied. :meth:`segdash.workspace.Workspace.use_table` takes it over: the workspace holds
    the roles a user corrects, the segmentation and its names, for the pages and the command line alike;
    segmenting writes the labels as a table in the engine (:attr:`Data.labels`).
    """

    source: Source
    data: Data
    types: dict[str, str]
    roles: dict[str, str]

    @classmethod
    def open(cls, url: str | None, table: str, *, key: str | None = None, labels: str | None = None,
             environ: Mapping[str, str] | None = None) -> EngineTable:
        """Connect to ``url`` and open ``table`` (key checked or found, types and roles suggested).

        Parameters
        ----------
        url
            Connection URL (default ``SEGDASH_SOURCE``).
        table
            The customers table.
        key
            Customer id column (found when ``None``).
        labels
            Table the labels are written to (default ``<table>_segments``).
        environ
            Environment for the URL and password (default ``os.environ``).

        Returns
        -------
        EngineTable

        Raises
        ------
        SourceError
            The source, the table or the key cannot be used.
        """
        source = connect(url, environ=environ)
        try:
            data = source.data(table, key=key, labels=labels or f"{table}_segments")
            types = column_types(data.customers())
            roles = suggest_roles(data, types=types)
        except Exception:
            source.close()
            raise
        return cls(source=source, data=data, types=types, roles=roles)

    @property
    def rows(self) -> int:
        """Customers in the table (one count in the engine)."""
        return int(self.data.customers().count().execute())

    @property
    def description(self) -> str:
        """``table 'customers' in PostgreSQL (postgres://shop@db:5432/sales)``: never a password."""
        return f"table '{self.data.table}' in {self.source.engine_label} ({self.source.url})"

    def summary(self, *, roles: Mapping[str, str] | None = None) -> dict[str, Any]:
        """What the Data page and ``import --source`` show: engine, URL (no password), rows, key, columns.

        Parameters
        ----------
        roles
            The roles to show (the workspace's, corrections included); default: the suggested ones.

        Returns
        -------
        dict
            ``engine`` (name on screen), ``source`` (URL without secrets), ``table``, ``key``, ``rows``
            (one count in the engine), ``labels_table``, ``columns`` (``name``, ``type``, ``role``) and
            ``command``: the command line that segments it (RFM as the example).
        """
        shown = dict(self.roles if roles is None else roles)
        return {
            "engine": self.source.engine_label, "source": self.source.url, "table": self.data.table,
            "key": self.data.key, "rows": self.rows, "labels_table": self.data.labels,
            "columns": [{"name": c, "type": t, "role": shown.get(c, "other")} for c, t in self.types.items()],
            "command": (f'python -m segdash segment --source "{self.source.url}" --table {self.data.table} '
                        f"--key {self.data.key} --method rfm --out labels.csv"),
        }

    def profile(self, *, roles: Mapping[str, str] | None = None) -> Any:
        """The column profile (:func:`profile_table`): missing values over everyone, the rest on a seeded sample.

        Parameters
        ----------
        roles
            The roles to describe the columns with (default: the suggested ones).
        """
        return profile_table(self.data, types=self.types, roles=dict(self.roles if roles is None else roles))

    def preview(self, *, columns: list[str], limit: int = 100) -> Any:
        """The first ``limit`` rows of ``columns`` (one ``LIMIT`` query in the engine), as a DataFrame.

        Parameters
        ----------
        columns
            Columns to show (personal data left out by the caller unless asked for).
        limit
            Rows.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        shown = [c for c in columns if c in self.types]
        if not shown:
            return pd.DataFrame()
        arrow = self.data.backend.to_pyarrow(self.data.customers().select(*shown).limit(int(limit)))
        return arrow.to_pandas()

    def point_labels(self, labels: str | None = None) -> dict[str, int]:
        """Make a labels table already in the engine (``<key>, segment``) this table's labels.

        Parameters
        ----------
        labels
            Its name (default: :attr:`Data.labels`, ``<table>_segments``).

        Returns
        -------
        dict[str, int]
            Segment -> customers (one grouped count in the engine).

        Raises
        ------
        SourceError
            No such table, or it lacks the key or ``segment`` column.
        """
        import dataclasses

        from segdash.data import table_exists
        from segdash.segment.base import segment_sizes

        name = labels or self.data.labels
        if not name or not table_exists(self.source.backend, name):
            raise SourceError(f"There are no segments in table '{name}' of {self.source.engine_label}: run "
                              "'segment --source ...' first, or name the labels table with --labels-table.")
        columns = self.source.backend.table(name).columns
        if self.data.key not in columns or "segment" not in columns:
            raise SourceError(f"Table '{name}' is not a labels table: it needs the columns '{self.data.key}' "
                              "and 'segment'.")
        self.data = dataclasses.replace(self.data, labels=name)
        return segment_sizes(self.data)

    def close(self) -> None:
        """Close the connection."""
        self.source.close()
