"""The workspace on a table in an engine (issue 15): the handle, labels written there, back to a file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from segdash import db, engines
from segdash.data import STAGING, table_exists
from segdash.errors import SegdashError
from segdash.segment import run_segmentation
from segdash.segment.rules import Dimension, segment_by_dimensions
from segdash.store import Store, StoreError
from segdash.workspace import Workspace
from tests.conftest import SAMPLE


@pytest.fixture
def shop(tmp_path: Path) -> str:
    """URL of a DuckDB file with 12 customers in table ``customers``."""
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers AS SELECT 'C' || lpad(range::VARCHAR, 3, '0') AS customer_id, "
                "CASE WHEN range < 8 THEN 'FR' ELSE 'DE' END AS country, range * 10.0 AS spend FROM range(12)")
    con.close()
    return f"duckdb://{path}"


def test_use_table_points_the_handle_at_the_engine(shop: str) -> None:
    ws = Workspace()
    ws.load(SAMPLE, fingerprint=False)
    file_id = ws.data_id
    ws.use_table(engines.EngineTable.open(shop, "customers"))
    assert ws.has_data and ws.imported is None and ws.data_id != file_id and ws.data_id.startswith("engine:")
    assert ws.data.key == "customer_id" and ws.data.table == "customers" and ws.data.labels is None
    assert ws.staged_data.labels == STAGING and ws.data.con is None
    assert ws.column_types() == {"customer_id": "text", "country": "text", "spend": "number"}
    assert ws.roles["customer_id"] == "id" and ws.row_count() == 12
    assert ws.engine_label == "DuckDB" and "table 'customers' in DuckDB" in ws.source_description()
    assert not db.table_exists(ws.con, db.TABLE)  # the file's rows are gone from the private database


def test_segmenting_writes_the_labels_in_the_engine_and_a_file_switches_back(shop: str) -> None:
    ws = Workspace()
    ws.use_table(engines.EngineTable.open(shop, "customers"))
    backend = ws.engine.source.backend
    seg = run_segmentation(ws, lambda progress: segment_by_dimensions(
        ws.staged_data, dimensions=[Dimension("country")], types=ws.column_types(), min_size=1))
    assert seg.sizes == {"FR": 8, "DE": 4} and ws.segmentation is seg
    assert ws.data.labels == "customers_segments" and table_exists(backend, "customers_segments")
    assert not table_exists(backend, STAGING)
    rows = backend.to_pyarrow(backend.table("customers_segments").order_by("customer_id"))
    assert rows.column("segment").to_pylist() == ["FR"] * 8 + ["DE"] * 4
    # saving in a project and applying saved rules: a plain "not yet", naming where the labels are
    project = Store(Path(ws.engine.source.url.removeprefix("duckdb://")).parent / "home").create_project("P")
    ws.open_project(project)
    assert ws.engine is not None  # an empty project leaves the table open
    with pytest.raises(StoreError, match="Not available on a database table yet.*customers_segments"):
        ws.save_segmentation("Countries")
    with pytest.raises(SegdashError, match="Not available on a database table yet"):
        ws.apply_record({"method": "dimensions"}, None)
    # back to a file: the connection closes, the table's labels stay in the engine
    engine = ws.engine
    ws.load(SAMPLE, fingerprint=False)
    assert ws.engine is None and ws.segmentation is None and ws.data.key == db.ROW and ws.row_count() == 5000
    with pytest.raises(Exception):  # noqa: B017, PT011 - closed: any driver error
        engine.source.backend.table("customers").count().execute()
    again = engines.connect(shop)
    try:
        assert table_exists(again.backend, "customers_segments")
    finally:
        again.close()


def test_a_labels_table_already_in_the_engine_becomes_the_segmentation(shop: str) -> None:
    """What the command line does for playbook/report/survey --source: one workspace, the engine's labels."""
    first = Workspace()
    first.use_table(engines.EngineTable.open(shop, "customers"))
    run_segmentation(first, lambda progress: segment_by_dimensions(
        first.staged_data, dimensions=[Dimension("country")], types=first.column_types(), min_size=1))
    first.close_table()

    ws = Workspace()
    ws.use_table(engines.EngineTable.open(shop, "customers"))
    ws.set_role("spend", "revenue")  # a correction lives in the workspace, as on the pages
    assert ws.use_labels_table() == {"FR": 8, "DE": 4}
    assert ws.segmentation.method == "labels table" and ws.segmentation.settings == {
        "labels table": "customers_segments"}
    assert ws.segmentation_id and ws.data.labels == "customers_segments"
    ws.rename_segment("FR", "France")
    assert ws.display_names(ws.segmentation.sizes) == {"FR": "France", "DE": "DE"}
    assert ws.engine.summary(roles=ws.roles)["columns"][2]["role"] == "revenue"
    with pytest.raises(engines.SourceError, match="no segments in table 'nothing_here'"):
        ws.use_labels_table("nothing_here")
    assert ws.segmentation.sizes == {"FR": 8, "DE": 4}  # a failed pick keeps the segmentation
    ws.close_table()

    on_file = Workspace()
    on_file.load(SAMPLE, fingerprint=False)
    with pytest.raises(SegdashError, match="need a table in a database"):
        on_file.use_labels_table()
