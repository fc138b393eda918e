"""Connection URLs of data sources (segdash.engines): shown without secrets, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from segdash import engines
from segdash.errors import SegdashError
from tests.engines_helpers import free_port


@pytest.mark.parametrize(("url", "shown"), [
    ("postgres://shop:s3cret@db.example.com:5432/sales", "postgres://shop@db.example.com:5432/sales"),
    ("postgresql://shop@db.example.com/sales?sslmode=require&password=x&api_token=y",
     "postgresql://shop@db.example.com/sales?sslmode=require"),
    ("pyspark://", "pyspark://"),
    ("duckdb:///data/shop.duckdb", "duckdb:///data/shop.duckdb"),
    ("snowflake://me:pw@account/db/schema?warehouse=wh", "snowflake://me@account/db/schema?warehouse=wh"),
])
def test_display_url_never_shows_a_password(url: str, shown: str) -> None:
    assert engines.display_url(url) == shown
    assert "s3cret" not in engines.display_url(url) and "pw@" not in engines.display_url(url)


def test_source_comes_from_the_environment_and_names_the_engine(tmp_path: Path) -> None:
    env = {engines.SOURCE_ENV: f"duckdb://{tmp_path / 'shop.duckdb'}"}
    assert engines.source_url(env) == env[engines.SOURCE_ENV]
    assert engines.source_url({}) is None
    source = engines.connect(environ=env)
    try:
        assert source.engine == "duckdb" and source.engine_label == "DuckDB"
        assert source.tables() == []
    finally:
        source.close()
    assert engines.engine_name("pyspark") == "Apache Spark"
    assert engines.engine_name("postgres") == "PostgreSQL"


def test_unknown_scheme_or_no_url_is_a_plain_error() -> None:
    with pytest.raises(engines.SourceError, match="names no engine segdash knows") as err:
        engines.connect("mysql://me:secret@host/db", environ={})
    assert "secret" not in str(err.value)
    assert isinstance(err.value, SegdashError)
    with pytest.raises(engines.SourceError, match="SEGDASH_SOURCE"):
        engines.connect(environ={})


def test_failed_connection_is_a_plain_error_without_the_password() -> None:
    url = f"postgres://shop:topsecret@127.0.0.1:{free_port()}/sales"  # nothing listens there
    with pytest.raises(engines.SourceError, match="Could not connect to postgres://shop@127.0.0.1") as err:
        engines.connect(url, environ={})
    assert "topsecret" not in str(err.value)
    with pytest.raises(engines.SourceError) as err:
        engines.connect(f"postgres://shop@127.0.0.1:{free_port()}/sales",
                        environ={engines.PASSWORD_ENV: "envsecret"})
    assert "envsecret" not in str(err.value)


def test_key_and_types_come_from_the_engine() -> None:
    import ibis

    source = engines.connect("duckdb://", environ={})
    people = pa.table({
        "Name": ["a", "b", "c"], "CustomerID": [7, 8, 9], "region_id": [1, 1, 2],
        "joined": [dt.date(2024, 1, d) for d in (1, 2, 3)], "vip": [True, False, True], "spend": [1.5, 2.0, 3.0],
    })
    source.backend.con.register("_people", people)
    source.backend.con.execute("CREATE TABLE people AS SELECT * FROM _people")
    source.backend.con.unregister("_people")
    table = source.table("people")
    assert engines.find_key(table) == "CustomerID"
    assert engines.column_types(table) == {"Name": "text", "CustomerID": "number", "region_id": "number",
                                           "joined": "date", "vip": "boolean", "spend": "number"}
    with pytest.raises(engines.SourceError, match="'region_id' does not identify each customer once"):
        engines.find_key(table, key="region_id")
    with pytest.raises(engines.SourceError, match="name the customer id column"):
        engines.find_key(ibis.memtable({"a": [1, 1]}))
    data = source.data("people")
    assert data.key == "CustomerID" and data.engine == "duckdb"
    with pytest.raises(engines.SourceError, match=r"no table 'nope' .* \(tables: people\)"):
        source.data("nope")
    assert source.tables() == ["people"]  # the connection still works after the error


def test_embedded_duckdb_source_gets_the_session_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """``duckdb://`` runs inside the app's process: its memory is bounded by SEGDASH_SESSION_MEMORY."""
    monkeypatch.setenv("SEGDASH_SESSION_MEMORY", "64MB")
    source = engines.connect("duckdb://")
    limit = source.backend.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert limit in {"64.0 MiB", "64 MiB"}, limit
