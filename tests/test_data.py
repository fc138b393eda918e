"""The handle the core works on (segdash.data.Data)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from segdash import db
from segdash.data import STAGING, Data, NoLabelsError, as_data, table_exists
from segdash.workspace import Workspace


def _con() -> duckdb.DuckDBPyConnection:
    con = db.connect()
    con.execute("CREATE TABLE customers AS SELECT * FROM (VALUES (1, 'x', 10.0), (2, 'y', 20.0), (3, 'x', 30.0)) "
                "t(_row, city, spend)")
    con.execute("CREATE TABLE segment_labels AS SELECT * FROM (VALUES (1, 'A'), (3, 'B')) t(_row, segment)")
    return con


def test_duckdb_handle_reads_customers_and_labels() -> None:
    data = Data.duckdb(_con())
    assert data.engine == "duckdb"
    assert data.is_duckdb and data.key == "_row" and data.table == "customers"
    assert data.customers().count().execute() == 3
    assert sorted(data.segment_labels()["segment"].execute().tolist()) == ["A", "B"]
    joined = data.labelled().order_by("_row").execute()
    assert joined["_row"].tolist() == [1, 3]  # the unlabelled customer is left out
    assert joined["segment"].tolist() == ["A", "B"]
    assert joined["spend"].tolist() == [10.0, 30.0]


def test_no_labels_is_a_clear_error_and_variants_keep_the_rest() -> None:
    data = Data.duckdb(_con(), labels=None)
    assert not data.has_labels
    with pytest.raises(NoLabelsError, match="segment"):
        data.segment_labels()
    staged = data.staged()
    assert staged.labels == STAGING and staged.con is data.con and staged.table == data.table
    assert data.with_labels("segment_labels").segment_labels().count().execute() == 2


def test_other_backend_has_no_connection_and_duckdb_only_paths_say_so() -> None:
    import ibis

    from segdash.errors import SegdashError

    backend = ibis.duckdb.connect()
    backend.create_table("people", ibis.memtable({"id": ["a", "b"], "spend": [1.0, 2.0]}))
    data = Data.ibis(backend, table="people", key="id")
    assert data.customers().count().execute() == 2
    assert data.labels is None and data.engine == "duckdb"
    other = Data(backend=backend, table="people", key="id")
    with pytest.raises(SegdashError, match="imported files"):
        other.require_con("Sampling")
    assert as_data(data) is data
    assert as_data(_con()).table == "customers"


def test_workspace_handle_follows_the_segmentation() -> None:
    from segdash.schema import Segmentation

    ws = Workspace(con=_con())
    assert ws.data.labels is None and ws.data.con is ws.con
    assert ws.staged_data.labels == STAGING
    ws.segmentation = Segmentation(method="rules", settings={}, sizes={"A": 1, "B": 1}, k=2)
    assert ws.data.labels == "segment_labels"
    assert ws.data.backend is ws.data.backend  # one Ibis backend per connection


def _other_engine(frame: pd.DataFrame) -> Data:
    """Customers in an Ibis backend with no DuckDB connection handed over: the engine-neutral paths only."""
    import ibis

    backend = ibis.duckdb.connect()
    backend.create_table("people", ibis.memtable(frame))
    return Data(backend=backend, table="people", key="id", labels="people_segments")


def test_segmentation_path_runs_on_a_backend_without_the_duckdb_connection() -> None:


    from segdash.segment import labels_table
    from segdash.segment.base import commit_labels, discard_labels, segment_sizes
    from segdash.segment.rfm import rfm_from_customers
    from segdash.segment.rules import segment_by_dimensions

    frame = pd.DataFrame({"id": [f"C{i}" for i in range(10)], "city": ["Lyon"] * 6 + ["Nice"] * 4,
                          "days": [float(d) for d in range(10)], "orders": [float(10 - d) for d in range(10)],
                          "spend": [float(100 * d) for d in range(10)]})
    data = _other_engine(frame)
    assert data.con is None and not data.is_duckdb
    seg = segment_by_dimensions(data, dimensions=["city"], types={"city": "text"})
    assert seg.sizes == {"Lyon": 6, "Nice": 4}
    assert segment_sizes(data, staged=True) == {"Lyon": 6, "Nice": 4}
    assert commit_labels(data) is True
    assert table_exists(data.backend, "people_segments") and not table_exists(data.backend, STAGING)
    assert segment_sizes(data) == {"Lyon": 6, "Nice": 4}
    labels = labels_table(data, roles={"id": "id"}).to_pandas()
    assert labels["id"].tolist() == [f"C{i}" for i in range(10)]  # keyed by the id column, in key order
    assert labels["segment"].tolist() == ["Lyon"] * 6 + ["Nice"] * 4
    rfm = rfm_from_customers(data, recency="days", frequency="orders", monetary="spend",
                             types={"days": "number", "orders": "number", "spend": "number"})
    assert sum(rfm.sizes.values()) == 10
    discard_labels(data)
    assert not table_exists(data.backend, STAGING)
    with pytest.raises(ValueError, match="exactly one label"):  # a programming error: nothing is staged
        from segdash.segment.base import write_labels

        write_labels(data, ["C1", "C1"], ["A", "B"])
    assert not table_exists(data.backend, STAGING)
