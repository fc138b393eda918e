"""The same segments on DuckDB, Spark (local mode) and PostgreSQL (issue 15).

One small file (the first rows of the bundled sample, imported by segdash's own reader) is loaded
into the three engines; dimensions, RFM and k-means (fixed seed) must give the same sizes and the
same label for every customer everywhere, computed in each engine (labels written back there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from segdash import engines
from segdash.data import Data, table_exists
from segdash.segment.base import commit_labels, segment_sizes
from segdash.segment.cluster import cluster_customers
from segdash.segment.features import pull_features
from segdash.segment.model import ClusterModel
from segdash.segment.rfm import rfm_from_customers
from segdash.segment.rules import Dimension, segment_by_dimensions
from tests.engines_helpers import PG_PASSWORD, load_table

pytestmark = pytest.mark.engines

REPO = Path(__file__).resolve().parents[1]
ROWS = 300
KEY = "customer_id"
TYPES = {"customer_id": "text", "country": "text", "gender": "text", "age": "number", "income": "number",
         "orders": "number", "total_spend": "number", "last_purchase_date": "date", "signup_date": "date",
         "acquisition_channel": "text", "acquisition_cost": "number", "interests": "text"}
ENGINES = ("duckdb", "pyspark", "postgres")


def _customers() -> pa.Table:
    """The first rows of the bundled sample with the columns the tests use, typed as segdash imports them."""
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(REPO / "sample_data" / "customers.csv", fingerprint=False)
    table = ws.data.customers()
    arrow = ws.data.backend.to_pyarrow(table.order_by("_row").limit(ROWS).select(*TYPES))
    return arrow


@pytest.fixture(scope="module")
def sources(postgres_server: Any, spark_session: Any, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[dict[str, engines.Source]]:
    """The same customers as table ``customers`` in DuckDB (a file), Spark and PostgreSQL."""
    arrow = _customers()
    env = {engines.PASSWORD_ENV: PG_PASSWORD}
    duck_file = tmp_path_factory.mktemp("duck") / "shop.duckdb"
    opened = {
        "duckdb": engines.connect(f"duckdb://{duck_file}"),
        "pyspark": engines.connect("pyspark://"),
        "postgres": engines.connect(postgres_server.url, environ=env),
    }
    for source in opened.values():
        load_table(source.backend, "customers", arrow)
    yield opened
    for source in opened.values():
        source.close()


def _labels(data: Data) -> dict[str, str]:
    """Customer id -> staged label, read back from the engine."""
    labels = data.backend.to_pyarrow(data.staged().segment_labels())
    return dict(zip(labels.column(KEY).to_pylist(), labels.column("segment").to_pylist(), strict=True))


def _run_everywhere(sources: dict[str, engines.Source], run: Any) -> dict[str, tuple[Any, dict[str, str]]]:
    out = {}
    for name in ENGINES:
        data = sources[name].data("customers", key=KEY, labels="customers_segments")
        seg = run(data)
        out[name] = (seg, _labels(data))
    return out


def _assert_same(results: dict[str, tuple[Any, dict[str, str]]]) -> None:
    seg0, labels0 = results["duckdb"]
    assert len(labels0) == ROWS and sum(seg0.sizes.values()) == ROWS
    for name in ENGINES[1:]:
        seg, labels = results[name]
        assert seg.sizes == seg0.sizes, f"{name} sizes differ from DuckDB's"
        differ = [k for k in labels0 if labels.get(k) != labels0[k]]
        assert not differ, f"{name}: {len(differ)} customers labelled differently, e.g. {differ[:3]}"


def test_sources_show_the_engine_and_never_the_password(sources: dict[str, engines.Source]) -> None:
    assert {name: s.engine for name, s in sources.items()} == {n: n for n in ENGINES}
    assert sources["postgres"].engine_label == "PostgreSQL"
    assert PG_PASSWORD not in sources["postgres"].url
    assert "customers" in sources["postgres"].tables()


def test_key_is_checked_and_found_in_the_engine(sources: dict[str, engines.Source]) -> None:
    for name in ENGINES:
        source = sources[name]
        assert source.data("customers").key == KEY  # found: the id-like column that is unique
        with pytest.raises(engines.SourceError, match="does not identify each customer once"):
            source.data("customers", key="country")
        with pytest.raises(engines.SourceError, match="no table 'nope'"):
            source.data("nope")


def test_dimensions_agree_on_every_engine(sources: dict[str, engines.Source]) -> None:
    dims = [Dimension("country"), Dimension("age", banding="quantiles", bands=3)]
    results = _run_everywhere(sources, lambda data: segment_by_dimensions(
        data, dimensions=dims, types=TYPES, min_size=8))
    _assert_same(results)
    seg = results["duckdb"][0]
    assert "Other" in seg.sizes  # small combinations pooled, in the engine
    assert seg.model["bands"]["age"] == results["postgres"][0].model["bands"]["age"]


def test_rfm_agrees_on_every_engine_and_with_the_file_import(sources: dict[str, engines.Source]) -> None:
    def run(data: Data) -> Any:
        return rfm_from_customers(data, recency="last_purchase_date", frequency="orders",
                                  monetary="total_spend", types=TYPES)

    results = _run_everywhere(sources, run)
    _assert_same(results)
    # the embedded path (an imported file, key _row) gives the same group to every customer
    import duckdb

    con = duckdb.connect()
    con.register("_t", _customers())
    con.execute("CREATE TABLE customers AS SELECT row_number() OVER (ORDER BY customer_id) AS _row, * FROM _t")
    local = Data.duckdb(con)
    rfm_from_customers(local, recency="last_purchase_date", frequency="orders", monetary="total_spend", types=TYPES)
    commit_labels(local)
    rows = con.execute("SELECT c.customer_id, l.segment FROM customers c JOIN segment_labels l USING (_row)").fetchall()
    assert dict(rows) == results["postgres"][1]
    assert results["pyspark"][0].model["cuts"] == results["duckdb"][0].model["cuts"]


def test_kmeans_agrees_on_every_engine_and_with_numpy(sources: dict[str, engines.Source]) -> None:
    features = ["age", "income", "orders", "total_spend", "last_purchase_date", "country", "gender"]

    def run(data: Data) -> Any:
        return cluster_customers(data, features=features, types=TYPES, k=4, random_state=7, in_engine=True,
                                 sample_size=120)

    results = _run_everywhere(sources, run)
    _assert_same(results)
    seg = results["duckdb"][0]
    assert seg.k == 4 and seg.extra["samples"]["engine_sample"] == 120
    assert seg.model == results["pyspark"][0].model == results["postgres"][0].model  # the same fit everywhere
    assert any("inside" in note for note in seg.notes)
    # the model compiled to SQL labels everyone as numpy does with the same model (float32 there)
    data = sources["duckdb"].data("customers", key=KEY)
    model = ClusterModel.from_dict(seg.model)
    pulled = pull_features(data, features=features, types=TYPES)
    expected = dict(zip(pulled.rows.tolist(), model.labels(pulled).tolist(), strict=True))
    assert expected == results["duckdb"][1]


def test_gaussian_mixture_agrees_on_every_engine(sources: dict[str, engines.Source]) -> None:
    features = ["age", "income", "orders", "total_spend", "country"]

    def run(data: Data) -> Any:
        return cluster_customers(data, features=features, types=TYPES, algorithm="gmm", k=3, random_state=5,
                                 in_engine=True, sample_size=150)

    results = _run_everywhere(sources, run)
    _assert_same(results)
    seg = results["duckdb"][0]
    assert seg.method == "gmm" and seg.k == 3 and len(seg.sizes) >= 2
    assert seg.model == results["pyspark"][0].model == results["postgres"][0].model  # the same fit everywhere
    assert any("inside" in note for note in seg.notes)
    # the mixture compiled to SQL labels everyone as scikit-learn's predict does with the same model
    data = sources["duckdb"].data("customers", key=KEY)
    model = ClusterModel.from_dict(seg.model)
    pulled = pull_features(data, features=features, types=TYPES)
    expected = dict(zip(pulled.rows.tolist(), model.labels(pulled).tolist(), strict=True))
    assert expected == results["duckdb"][1]


def test_labels_are_written_back_as_a_table_in_the_engine(sources: dict[str, engines.Source]) -> None:
    for name in ENGINES:
        data = sources[name].data("customers", key=KEY, labels="customers_segments")
        seg = rfm_from_customers(data, recency="last_purchase_date", frequency="orders", monetary="total_spend",
                                 types=TYPES)
        assert commit_labels(data)
        assert table_exists(sources[name].backend, "customers_segments")
        assert segment_sizes(data) == seg.sizes


def test_engine_sample_is_seeded_and_the_same_everywhere(sources: dict[str, engines.Source]) -> None:
    from segdash.segment.features import engine_features, engine_sample

    keys = {}
    for name in ENGINES:
        data = sources[name].data("customers", key=KEY)
        found = engine_features(data, features=["age"], types=TYPES)
        sample, total = engine_sample(data, found.raw, size=50, random_state=3)
        assert total == ROWS and sample.num_rows == 50
        keys[name] = sample.column(KEY).to_pylist()
        assert keys[name] == sorted(keys[name])
    assert keys["duckdb"] == keys["pyspark"] == keys["postgres"]
    other, _ = engine_sample(sources["duckdb"].data("customers", key=KEY), {}, size=50, random_state=4)
    assert other.column(KEY).to_pylist() != keys["duckdb"]  # another seed, another sample
    assert np.unique(keys["duckdb"]).size == 50


def test_command_line_reads_and_writes_in_the_engine(sources: dict[str, engines.Source], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, postgres_server: Any,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from segdash.cli import main

    monkeypatch.setenv(engines.PASSWORD_ENV, PG_PASSWORD)
    out = tmp_path / "labels.csv"
    code = main(["segment", "--source", postgres_server.url, "--table", "customers", "--method", "rfm",
                 "--recency", "last_purchase_date", "--frequency", "orders", "--monetary", "total_spend",
                 "--out", str(out)])
    assert code == 0
    written = pa_csv.read_csv(out)
    assert written.num_rows == ROWS and written.column_names == [KEY, "segment"]
    capsys.readouterr()
    # ROI reads the labels table 'segment' wrote in the engine (customers_segments)
    assert main(["roi", "--source", postgres_server.url, "--table", "customers", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert sum(row["customers"] for row in records) == ROWS
