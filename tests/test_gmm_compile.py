"""A fitted Gaussian mixture compiled to an Ibis expression labels rows as scikit-learn's ``predict`` does."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sklearn.mixture import GaussianMixture

from segdash import db
from segdash.errors import SettingsError
from segdash.segment.model import ClusterModel


def _compiled_labels(model: ClusterModel, matrix: np.ndarray) -> np.ndarray:
    """The component of every row, computed by DuckDB from the compiled expression."""
    con = duckdb.connect()
    columns = {f"x{j}": pa.array(matrix[:, j], pa.float64()) for j in range(matrix.shape[1])}
    con.register("_points", pa.table({"_i": pa.array(np.arange(len(matrix)), pa.int64()), **columns}))
    con.execute("CREATE TABLE points AS SELECT * FROM _points")
    backend = db.backend(con)
    table = backend.table("points")
    costs = model.ibis_mixture_costs([table[f"x{j}"] for j in range(matrix.shape[1])])
    step = table.select(table["_i"], **{f"c{i}": cost for i, cost in enumerate(costs)})
    chosen = step.select(step["_i"], component=ClusterModel.ibis_nearest([step[f"c{i}"] for i in range(len(costs))]))
    result = backend.to_pyarrow(chosen.order_by("_i"))
    return np.asarray(result.column("component").to_pylist())


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_compiled_mixture_gives_sklearn_predict_labels(covariance_type: str) -> None:
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [-2.0, 3.0, 1.0], [1.0, -3.0, 2.0]])
    matrix = np.vstack([rng.normal(centre, [1.0, 0.6, 1.4], size=(150, 3)) for centre in centres])
    # correlated features, so the full covariances are not diagonal
    matrix[:, 2] += 0.8 * matrix[:, 0]
    mixture = GaussianMixture(n_components=4, covariance_type=covariance_type, random_state=0).fit(matrix)
    model = ClusterModel(algorithm="gmm", features=["a", "b", "c"])
    model.set_mixture(mixture, ["A", "B", "C", "D"])
    expected = mixture.predict(matrix)
    got = _compiled_labels(model, matrix)
    assert len(set(expected.tolist())) == 4  # every component is used: the test can tell them apart
    assert (got == expected).all()  # 100% the same component for every row


def test_precision_factors_are_the_inverse_covariances() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(200, 2)) @ np.array([[2.0, 0.5], [0.0, 1.0]])
    mixture = GaussianMixture(n_components=2, random_state=0).fit(matrix)
    model = ClusterModel(algorithm="gmm", features=["a", "b"])
    model.set_mixture(mixture, ["A", "B"])
    factors, constants = model.mixture_precision_factors()
    for c in range(2):
        precision = factors[c] @ factors[c].T
        assert np.allclose(precision, np.linalg.inv(mixture.covariances_[c]))
        # -log w - log det P = -log w + 1/2 log det Sigma
        expected = -np.log(mixture.weights_[c]) + 0.5 * np.log(np.linalg.det(mixture.covariances_[c]))
        assert constants[c] == pytest.approx(expected)


def test_mixture_costs_refuse_a_kmeans_model() -> None:
    model = ClusterModel(algorithm="kmeans", features=["a"], centers=[[0.0], [1.0]], segments=["A", "B"])
    with pytest.raises(SettingsError, match="not a Gaussian mixture"):
        model.mixture_precision_factors()
