"""The Data page's "Connect to a database" tab (AppTest): the engine's name, the table, never a password."""

from __future__ import annotations

from pathlib import Path

import duckdb

from segdash.ui import state
from tests.engines_helpers import free_port

DATA_PAGE = "pages/data.py"


def _connect(at, url: str, table: str) -> None:
    at.text_input(key=state.ENGINE_URL).input(url)
    at.text_input(key=state.ENGINE_TABLE).input(table)
    next(button for button in at.button if button.label == "Connect").click()
    at.run()


def _texts(elements) -> list[str]:
    return [str(element.value) for element in elements]


def test_connect_to_a_duckdb_file_shows_the_engine_table_and_command(make_app, tmp_path: Path) -> None:
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers AS SELECT range AS customer_id, 'FR' AS country, range * 2.5 AS spend "
                "FROM range(40)")
    con.close()
    at = make_app(None)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, f"duckdb://{path}", "customers")
    assert not at.exception and not at.error
    shown = " ".join(_texts(at.success)).replace("\\", "")  # markdown escapes
    assert "customers" in shown and "DuckDB" in shown and "40 customers" in shown and "customer_id" in shown
    columns = at.dataframe[-1].value
    assert list(columns["name"]) == ["customer_id", "country", "spend"]
    assert "--source" in at.code[-1].value and "--table customers" in at.code[-1].value
    assert any("not available yet" in text for text in _texts(at.info))


def test_a_failed_connection_is_a_plain_error_without_the_password(make_app) -> None:
    at = make_app(None)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, f"postgres://shop:hunter2@127.0.0.1:{free_port()}/sales", "customers")
    assert not at.exception
    errors = " ".join(_texts(at.error))
    assert "Could not connect to postgres://shop@127.0.0.1" in errors
    assert "hunter2" not in errors and "hunter2" not in " ".join(_texts(at.success))
    _connect(at, "mysql://x@y/z", "customers")
    assert "names no engine segdash knows" in " ".join(_texts(at.error))
