"""Clustering assigns every customer of a file inside DuckDB with numpy's arithmetic (issue 16).

The fit runs on a sample in numpy; the million customers are then labelled by one SQL statement
(:mod:`segdash.segment.assign`). Applying the same model in numpy (:meth:`ClusterModel.labels`,
what a saved segmentation re-applied to pulled data does) must give every customer the same label.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import pairwise_distances_argmin

from segdash import db
from segdash.data import Data
from segdash.segment.assign import CLUSTERS, cluster_query
from segdash.segment.base import commit_labels
from segdash.segment.cluster import cluster_customers
from segdash.segment.features import pull_features
from segdash.segment.model import ClusterModel, nearest_centre

TYPES = {"spend $ (total)": "number", 'visits "web"': "number", "age": "number", "last order": "date",
         "channel": "text", "vip": "boolean", "how often": "text"}
FEATURES = list(TYPES)


def _random_customers(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.lognormal(4, 1.2, rows)  # skewed money: log-scaled
    spend[rng.random(rows) < 0.05] = np.nan
    visits = rng.poisson(3, rows).astype(float) * rng.choice([1.0, 10.0], rows)
    age = rng.normal(45, 14, rows).round(1)
    age[rng.random(rows) < 0.03] = np.nan
    days = rng.integers(0, 900, rows)
    last = [dt.date(2024, 6, 30) - dt.timedelta(days=int(d)) for d in days]
    channel = rng.choice(["Email", "Social", "Search", "Shop", "Fax", None], rows, p=[.4, .25, .2, .13, .005, .015])
    vip = rng.random(rows) < 0.2
    often = rng.choice(["Never", "Rarely", "Sometimes", "Often", "Always", None], rows)
    return pd.DataFrame({"spend $ (total)": spend, 'visits "web"': visits, "age": age, "last order": last,
                         "channel": channel, "vip": vip, "how often": often})


def _load(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = db.connect()
    con.register("_frame", frame)
    con.execute(f"CREATE TABLE {db.TABLE} AS SELECT (row_number() OVER () + 1)::BIGINT AS {db.ROW}, * FROM _frame")
    con.unregister("_frame")
    return con


def _committed(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    commit_labels(Data.duckdb(con))
    return dict(con.execute(f"SELECT {db.ROW}, segment FROM {db.LABELS}").fetchall())


@pytest.mark.parametrize(("algorithm", "missing", "k"), [("kmeans", "impute", 6), ("kmeans", "missing_category", 4),
                                                         ("hierarchical", "impute", 5)])
def test_duckdb_labels_agree_with_numpy_on_every_customer(algorithm: str, missing: str, k: int) -> None:
    con = _load(_random_customers(20_000, seed=k))
    data = Data.duckdb(con)
    seg = cluster_customers(data, features=FEATURES, types=TYPES, algorithm=algorithm, k=k, missing=missing,
                            random_state=3)
    in_duckdb = _committed(con)
    model = ClusterModel.from_dict(seg.model)
    assert any(block.log for block in model.numeric) and model.categorical  # log-scaling and one-hot both ran
    assert any(block.indicator for block in model.numeric) == (missing == "missing_category")
    pulled = pull_features(data, features=FEATURES, types=TYPES)
    in_numpy = dict(zip(pulled.rows.tolist(), model.labels(pulled).tolist(), strict=True))
    assert len(in_duckdb) == 20_000 and in_duckdb == in_numpy
    assert seg.sizes == dict(pd.Series(in_numpy).value_counts().sort_index().sort_values(ascending=False, kind="stable"))
    # and scikit-learn's nearest centre (other arithmetic) agrees on these continuous data
    matrix = model.transform(pulled)
    sklearn = pairwise_distances_argmin(matrix, np.asarray(model.centers, dtype=np.float32))
    assert np.array_equal(sklearn, model.assign(matrix))
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [CLUSTERS]).fetchall()[0][0]


def test_the_same_model_applied_again_in_duckdb_gives_the_same_labels() -> None:
    con = _load(_random_customers(3_000, seed=1))
    data = Data.duckdb(con)
    seg = cluster_customers(data, features=FEATURES, types=TYPES, k=4, random_state=0)
    first = _committed(con)
    sizes = ClusterModel.from_dict(seg.model).assign_all(data, types=TYPES)
    assert _committed(con) == first and sizes == seg.sizes


def test_nearest_centre_sums_in_column_order_and_takes_the_lower_index_on_a_tie() -> None:
    # 1-D: the point 1 is exactly as close to 0.5 as to 1.5 -> the first centre; 2 -> the second
    points = np.array([[0.0], [1.0], [2.0], [1.4]], dtype=np.float32)
    centers = np.array([[0.5], [1.5]])
    assert nearest_centre(points, centers).tolist() == [0, 0, 1, 1]
    con = _load(pd.DataFrame({"x": [0.0, 1.0, 2.0, 1.4]}))
    model = ClusterModel(algorithm="kmeans", features=["x"], centers=centers.tolist(), segments=["a", "b"])
    from segdash.segment.model import NumericBlock

    model.numeric = [NumericBlock(columns=["x"], fill=[0.0], indicator=[], log=False, center=[0.0], scale=[1.0])]
    sql, params = cluster_query(model, Data.duckdb(con), types={"x": "number"})
    assert dict(con.execute(sql + " ORDER BY 1", params).fetchall()) == {2: 0, 3: 0, 4: 1, 5: 1}
    assert "1.5" not in sql and "0.5" not in sql  # the model's numbers are bound, not written into the SQL


def test_a_saved_model_on_a_file_without_its_column_is_refused() -> None:
    from segdash.errors import SettingsError

    con = _load(pd.DataFrame({"y": [1.0, 2.0]}))
    model = ClusterModel(algorithm="kmeans", features=["x"], centers=[[0.0]], segments=["a"])
    with pytest.raises(SettingsError, match="needs the column 'x'"):
        model.assign_all(Data.duckdb(con), types={"y": "number"})


def test_pulled_features_come_in_row_order_whatever_the_stored_order() -> None:
    con = db.connect()
    con.execute(f"CREATE TABLE {db.TABLE} AS SELECT * FROM (VALUES (5, 1.0), (2, 2.0), (9, 3.0)) t({db.ROW}, x)")
    pulled = pull_features(Data.duckdb(con), features=["x"], types={"x": "number"})
    assert pulled.rows.tolist() == [2, 5, 9] and pulled.matrix[:, 0].tolist() == [2.0, 1.0, 3.0]
