"""The pages on a table in a database (issue 15), through AppTest: connect on the Data page, then segment,
profile, ROI, playbook; the engine and table named on every page, never a password; back to a file.

Most flows use a DuckDB database file made in the test (a table in an engine: no ``_row``, nothing
imported); one goes through the test PostgreSQL server (marker ``engines``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segdash.data import table_exists
from segdash.ui import state
from tests.conftest import SAMPLE
from tests.engines_helpers import PG_PASSWORD, free_port, load_table

DATA_PAGE = "pages/data.py"
K = "segdash.segments."
ROWS = 200


def _connect(at: Any, url: str, table: str, key: str = "") -> None:
    at.text_input(key=state.ENGINE_URL).input(url)
    at.text_input(key=state.ENGINE_TABLE).input(table)
    if key:
        at.text_input(key=state.ENGINE_KEY).input(key)
    next(button for button in at.button if button.label == "Connect").click()
    at.run()


def _texts(elements: Any) -> list[str]:
    return [str(element.value).replace("\\", "") for element in elements]  # without markdown escapes


def _all_text(at: Any) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader"):
        parts += _texts(getattr(at, kind))
    return "\n".join(parts).replace("\\", "")  # markdown escapes


def _shop(path: Path, rows: int = ROWS) -> Path:
    """A DuckDB database file with table ``customers``: the first rows of the bundled sample, read by DuckDB."""
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv(?) ORDER BY customer_id LIMIT {int(rows)}",
                [str(SAMPLE)])
    con.close()
    return path


def _roi_table(at: Any) -> Any:
    """The Acquisition & ROI page's per-segment table."""
    return next(d.value for d in at.dataframe if "ROI to date" in d.value.columns and "Segment" in d.value.columns)


def _workspace(at: Any) -> Any:
    return at.session_state[state.WORKSPACE]


@pytest.fixture
def connected(make_app: Callable[..., Any], tmp_path: Path) -> Any:
    """The app with no file, connected to table ``customers`` of a DuckDB file."""
    path = _shop(tmp_path / "shop.duckdb")
    at = make_app(None, timeout=180)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, f"duckdb://{path}", "customers")
    assert not at.exception and not at.error
    return at


def test_connect_to_a_duckdb_file_shows_the_engine_table_and_command(make_app: Callable[..., Any],
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "tiny.duckdb"
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
    assert "Working on table" in shown and "customers" in shown and "DuckDB" in shown
    assert "40 customers" in shown and "customer_id" in shown
    assert "Working on table **customers** in **DuckDB**" in " ".join(_texts(at.info))  # the notice on every page
    preview = at.dataframe[-1].value
    assert list(preview.columns) == ["customer_id", "country", "spend"] and len(preview) == 40
    assert "--source" in at.code[-1].value and "--table customers" in at.code[-1].value
    ws = _workspace(at)
    assert ws.engine is not None and ws.has_data and ws.imported is None
    assert ws.data.key == "customer_id" and ws.data.labels is None


def test_a_failed_connection_is_a_plain_error_without_the_password(make_app: Callable[..., Any]) -> None:
    at = make_app(None)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, f"postgres://shop:hunter2@127.0.0.1:{free_port()}/sales", "customers")
    assert not at.exception
    errors = " ".join(_texts(at.error))
    assert "Could not connect to postgres://shop@127.0.0.1" in errors
    assert "hunter2" not in _all_text(at)
    assert _workspace(at).engine is None
    _connect(at, "mysql://x@y/z", "customers")
    assert "names no engine segdash knows" in " ".join(_texts(at.error))


def test_a_bad_key_column_is_a_plain_error(make_app: Callable[..., Any], tmp_path: Path) -> None:
    path = _shop(tmp_path / "shop.duckdb", rows=30)
    at = make_app(None)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, f"duckdb://{path}", "customers", key="country")
    assert not at.exception
    assert "'country' does not identify each customer once" in " ".join(_texts(at.error))
    assert _workspace(at).engine is None


def test_the_environment_prefills_the_form(make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_SOURCE", "postgres://shop:s3cret@db.example.com:5432/sales")
    monkeypatch.setenv("SEGDASH_SOURCE_TABLE", "customers")
    at = make_app(None)
    at.run()
    at.switch_page(DATA_PAGE).run()
    assert at.text_input(key=state.ENGINE_URL).value == "postgres://shop@db.example.com:5432/sales"
    assert at.text_input(key=state.ENGINE_TABLE).value == "customers"
    assert "s3cret" not in " ".join(t.value for t in at.text_input)


def test_segment_a_table_in_the_engine_by_rfm_dimensions_and_clusters(connected: Any) -> None:
    at = connected
    ws = _workspace(at)
    backend = ws.engine.source.backend
    at.switch_page("pages/segments.py").run()
    assert not at.exception
    assert "Working on table **customers** in **DuckDB**" in " ".join(_texts(at.info))
    # RFM: the columns suggested from the roles, scored in the engine, labels written there
    at.radio(key=K + "method").set_value("RFM").run()
    assert at.selectbox(key=K + "rfm.recency").value == "last_purchase_date"
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and not at.error
    seg = ws.segmentation
    assert seg.method == "rfm" and sum(seg.sizes.values()) == ROWS
    assert table_exists(backend, "customers_segments")
    written = backend.to_pyarrow(backend.table("customers_segments"))
    assert written.num_rows == ROWS and set(written.column_names) == {"customer_id", "segment"}
    assert "customers_segments" in _all_text(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == f"{ROWS:,}"
    # by dimensions
    at.radio(key=K + "method").set_value("By dimensions").run()
    at.multiselect(key=K + "dims").set_value(["country"]).run()
    at.number_input(key=K + "min_size").set_value(5)
    at.button(key=K + "dims_run").click()
    at.run()
    assert not at.exception and not at.error
    assert ws.segmentation.method == "dimensions" and sum(ws.segmentation.sizes.values()) == ROWS
    # k-means, hierarchical and a Gaussian mixture: fitted on a sample, every customer assigned in the engine
    at.radio(key=K + "method").set_value("Clustering").run()
    at.radio(key=K + "k_mode").set_value("Fixed number").run()
    at.multiselect(key=K + "features").set_value(["age", "income", "orders", "total_spend"])
    for algorithm in ("kmeans", "hierarchical", "gmm"):
        at.selectbox(key=K + "algorithm").set_value(algorithm)
        at.number_input(key=K + "k").set_value(3)
        at.button(key=K + "cluster_run").click()
        at.run()
        assert not at.exception and not at.error, algorithm
        seg = ws.segmentation
        assert seg.method == algorithm and seg.k == 3 and sum(seg.sizes.values()) == ROWS
        assert any("inside" in note for note in seg.notes), algorithm
        counts = backend.to_pyarrow(backend.table("customers_segments").group_by("segment").aggregate(
            n=backend.table("customers_segments").count()))
        assert dict(zip(counts.column("segment").to_pylist(), counts.column("n").to_pylist(), strict=True)) \
            == seg.sizes


def test_the_other_pages_on_a_table_in_the_engine(connected: Any) -> None:
    at = connected
    ws = _workspace(at)
    at.switch_page("pages/segments.py").run()
    at.radio(key=K + "method").set_value("RFM").run()
    at.button(key=K + "rfm_run").click()
    at.run()
    assert ws.segmentation is not None
    # saving into a project: a plain "not yet", naming where the labels are
    assert any("Not available on a database table yet: saving its segments in a project" in text
               and "customers_segments" in text for text in _texts(at.info))
    for page in ("pages/profiles.py", "pages/roi.py", "pages/playbook.py", "pages/report.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert "Something went wrong" not in _all_text(at), page
        assert "Working on table **customers** in **DuckDB**" in " ".join(_texts(at.info)), page
    at.switch_page("pages/roi.py").run()
    table = _roi_table(at)
    assert len(table) >= 3 and table["Segment"].tolist()[-1] == "All customers"
    assert table["Customers"].tolist()[-1] == f"{ROWS:,}"  # computed in the engine, every customer counted
    # the survey: a sample drawn in the engine, or (where the core cannot yet) one plain sentence
    at.switch_page("pages/survey.py").run()
    assert not at.exception
    next(button for button in at.button if button.label == "Draw the sample").click()
    at.run()
    assert not at.exception and "Something went wrong" not in _all_text(at)
    downloads = [d.label for d in at.get("download_button")]
    assert "Download the sample without personal data (CSV)" in downloads \
        or any("works on imported files only" in text or text.startswith("Not available on a database table yet: "
                                                                        "drawing a survey sample")
               for text in _texts(at.info))


def test_switching_back_to_a_file(connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    at = connected
    ws = _workspace(at)
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(SAMPLE.parent))
    at.switch_page(DATA_PAGE).run()
    at.selectbox(key=state.FOLDER_FILE).set_value(SAMPLE.name)
    next(button for button in at.button if button.label == "Open").click()
    at.run()
    assert not at.exception and not at.error
    assert ws.engine is None and ws.imported is not None and ws.imported.rows_loaded == 5000
    assert ws.data.key == "_row"
    assert "Working on table" not in " ".join(_texts(at.info))


@pytest.mark.engines
def test_postgres_connect_segment_by_rfm_then_profiles_and_roi(make_app: Callable[..., Any], postgres_server: Any,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    """The whole flow on PostgreSQL: password from the environment, never on screen."""
    from segdash import engines

    monkeypatch.setenv(engines.PASSWORD_ENV, PG_PASSWORD)
    reader = duckdb.connect()
    arrow = reader.sql(f"SELECT * FROM read_csv(?) ORDER BY customer_id LIMIT {ROWS}",
                       params=[str(SAMPLE)]).to_arrow_table()
    reader.close()
    source = engines.connect(postgres_server.url)
    try:
        load_table(source.backend, "page_customers", arrow)
    finally:
        source.close()
    at = make_app(None, timeout=240)
    at.run()
    at.switch_page(DATA_PAGE).run()
    _connect(at, postgres_server.url, "page_customers")
    assert not at.exception and not at.error
    assert "PostgreSQL" in " ".join(_texts(at.success))
    at.switch_page("pages/segments.py").run()
    assert "Working on table **page_customers** in **PostgreSQL**" in " ".join(_texts(at.info))
    at.radio(key=K + "method").set_value("RFM").run()
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and not at.error
    ws = _workspace(at)
    assert ws.segmentation.method == "rfm" and sum(ws.segmentation.sizes.values()) == ROWS
    assert table_exists(ws.engine.source.backend, "page_customers_segments")
    for page in ("pages/profiles.py", "pages/roi.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert "Something went wrong" not in _all_text(at), page
        assert PG_PASSWORD not in _all_text(at)
    table = _roi_table(at)
    assert table["Segment"].tolist()[-1] == "All customers" and table["Customers"].tolist()[-1] == f"{ROWS:,}"
    # a password typed into the address works, and is not shown once connected
    monkeypatch.delenv(engines.PASSWORD_ENV)
    at.switch_page(DATA_PAGE).run()
    typed = postgres_server.url.replace("segdash@", f"segdash:{PG_PASSWORD}@")
    _connect(at, typed, "page_customers")
    assert not at.exception and not at.error
    assert at.text_input(key=state.ENGINE_URL).value == postgres_server.url
    assert PG_PASSWORD not in _all_text(at)
