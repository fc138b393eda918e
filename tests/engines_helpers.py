"""Engines for the ``engines`` tests: a throw-away PostgreSQL server and a local Spark session.

``make test`` installs what they need on a fresh machine (Debian's ``postgresql`` and Java runtime,
``pyspark`` from requirements-dev.txt). When an engine cannot start, the fixtures in conftest.py
fail with the reason: the engine tests are never skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Password of the test server's user (passed to segdash through SEGDASH_SOURCE_PASSWORD, never in the URL).
PG_USER = "segdash"
PG_PASSWORD = "engine-test-secret"
PG_DATABASE = "postgres"


class EngineUnavailable(RuntimeError):
    """An engine could not be started; the message says why and what to install."""


@dataclass
class PostgresServer:
    """A running test server."""

    data_dir: Path
    port: int
    bin_dir: Path
    owner: str | None

    @property
    def url(self) -> str:
        """Its URL without a password."""
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def stop(self) -> None:
        """Stop the server and remove its data directory."""
        _run(self.owner, [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
             check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL server programs (newest version), or :class:`EngineUnavailable`."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise EngineUnavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
                            "run `make test` (it installs Debian's postgresql) or `apt-get install postgresql`.")


def _owner() -> str | None:
    """The user to run the server as: ``postgres`` when we are root (initdb refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as err:
        raise EngineUnavailable("Running as root and there is no 'postgres' user to run the test server as "
                                "(Debian's postgresql package creates it).") from err
    return "postgres"


def _run(owner: str | None, command: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    full = ["runuser", "-u", owner, "--", *command] if owner else command
    done = subprocess.run(full, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise EngineUnavailable(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-600:]}")
    return done


def start_postgres() -> PostgresServer:
    """Start a PostgreSQL server in a temporary data directory on a free local port.

    User ``segdash`` with a password (scram-sha-256), listening on 127.0.0.1 only; fsync off (test data).

    Returns
    -------
    PostgresServer

    Raises
    ------
    EngineUnavailable
        The programs are missing or the server does not start.
    """
    bin_dir = postgres_bin()
    owner = _owner()
    root = Path(tempfile.mkdtemp(prefix="segdash-pg-"))
    data_dir = root / "data"
    password_file = root / "pw"
    password_file.write_text(PG_PASSWORD + "\n")
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(password_file, entry.pw_uid, entry.pw_gid)
    password_file.chmod(0o600)
    _run(owner, [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", PG_USER, "--pwfile", str(password_file),
                 "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync"])
    port = free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
              "-c full_page_writes=off -c shared_buffers=32MB -c max_connections=20"
    done = _run(owner, [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(root / "log"),
                        "-w", "-t", "60", "start"], check=False)
    if done.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-600:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise EngineUnavailable(f"PostgreSQL did not start: {(done.stderr or done.stdout).strip()} {log}")
    return PostgresServer(data_dir=data_dir, port=port, bin_dir=bin_dir, owner=owner)


def start_spark(warehouse: str | None = None) -> object:
    """The process's local Spark session (2 cores, 1 GB, no UI, 4 shuffle partitions).

    Parameters
    ----------
    warehouse
        Folder for the tables the tests write (default: a temporary folder).

    Raises
    ------
    EngineUnavailable
        pyspark or Java is missing, or the session does not start.
    """
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EngineUnavailable("Java is not installed, so Spark cannot start: run `make test` (it installs "
                                "Debian's default-jre-headless) or `apt-get install default-jre-headless`.")
    try:
        import pyspark  # noqa: F401
    except ImportError as err:
        raise EngineUnavailable("pyspark is not installed: pip install -r requirements-dev.txt.") from err
    from segdash.engines import spark_session

    try:
        return spark_session("local[2]", memory="1g", warehouse=warehouse)
    except Exception as err:  # Py4J / JVM start-up errors
        raise EngineUnavailable(f"Spark did not start: {str(err).strip()[:600]}") from err


def load_table(backend: object, name: str, table: object) -> None:
    """Put an Arrow table into an engine as table ``name`` (replacing it).

    DuckDB and Spark through their own readers: Ibis 12's ``create_table`` from in-memory data renders
    an empty ``DROP VIEW IF EXISTS`` on DuckDB with the sqlglot installed next to it, and on Spark it
    turned an integer column with gaps into nulls.
    """
    from segdash.data import drop_table

    drop_table(backend, name)
    if getattr(backend, "name", "") == "duckdb":
        con = backend.con
        con.register("_segdash_load", table)
        try:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _segdash_load')
        finally:
            con.unregister("_segdash_load")
        return
    if getattr(backend, "name", "") == "pyspark":  # Spark's own Arrow reader: Ibis' memtable path lost
        session = backend._session  # nullable integers (a column with gaps came out all null)
        session.createDataFrame(table).write.saveAsTable(name, mode="overwrite")
        return
    backend.create_table(name, table)
