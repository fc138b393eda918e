"""A fitted clustering as plain data: preprocessing and model parameters that can be saved and applied.

A clustering run fits scikit-learn's ``ColumnTransformer`` and a model on a sample. To save it
(JSON, never pickle) and to apply it to next month's export, this module turns the fitted
objects into numbers and value lists (:class:`ClusterModel`), and applies them with plain
numpy. The clustering run itself uses :meth:`ClusterModel.transform` and
:meth:`ClusterModel.assign` too, so a saved segmentation applied to the same file gives exactly
the saved labels: there is one code path, not a copy.

What is kept per feature:

* numbers (and dates as days since the latest date): the fill value (median), whether a
  "was missing" column was added, ``log1p`` or not, and the scaler's centre and scale;
* categories: the *values* (not the per-file codes) that got their own one-hot column, the
  rare values pooled together, and the fill value. In new data, a value never seen joins the
  pooled "rare" column when there is one (scikit-learn's ``handle_unknown="infrequent_if_exist"``),
  else no column;
* the model: k-means / Ward centres (nearest centre wins), or the Gaussian mixture's weights,
  means and covariances (most likely component wins, computed by scikit-learn from those
  arrays);
* the segment label of each cluster.

The same numbers are what a warehouse needs to assign customers in SQL (issue 15).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from segdash import db
from segdash.errors import SettingsError
from segdash.segment.features import MISSING_CODE, FeatureData

if TYPE_CHECKING:
    from segdash.data import Data

_CHUNK = 200_000


def nearest_centre(matrix: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of every row, the lower index on a tie.

    The squared differences are summed column by column, in order, in float64: the arithmetic the
    DuckDB statement of :mod:`segdash.segment.assign` does, so both give the same labels (scikit-learn's
    ``pairwise_distances_argmin``, used until issue 16, expands ``|x|^2 - 2 x.c + |c|^2`` instead,
    which rounds differently when two centres are nearly as close).

    Parameters
    ----------
    matrix
        Model input (rows x inputs), float32 or float64.
    centers
        Centres (k x inputs).

    Returns
    -------
    numpy.ndarray
        int64 index of the nearest centre per row.
    """
    points = np.asarray(matrix, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    distances = np.zeros((len(points), len(centers)), dtype=np.float64)
    for c, centre in enumerate(centers):
        if points.shape[1] == 0:
            continue
        diff = points[:, 0] - centre[0]
        total = diff * diff
        for j in range(1, points.shape[1]):
            diff = points[:, j] - centre[j]
            total += diff * diff
        distances[:, c] = total
    return np.argmin(distances, axis=1).astype(np.int64)


@dataclass
class NumericBlock:
    """One numeric pipeline: fill -> (indicator) -> (log1p) -> scale, over ``columns``."""

    columns: list[str]
    fill: list[float]
    indicator: list[int]  # positions (within ``columns``) that get a "was missing" column
    log: bool
    center: list[float]
    scale: list[float]


@dataclass
class CategoricalFeature:
    """One categorical feature's one-hot columns."""

    column: str
    values: list[str | None]  # values with their own column, in output order (None = missing)
    rare: list[str | None]  # values pooled into the "rare" column (empty: no such column)
    fill: str | None  # value given to missing cells (None: missing stays its own value)


@dataclass
class ClusterModel:
    """A fitted clustering as data (see the module docstring)."""

    algorithm: str
    features: list[str]
    numeric: list[NumericBlock] = field(default_factory=list)
    categorical: list[CategoricalFeature] = field(default_factory=list)
    centers: list[list[float]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    covariances: list[Any] = field(default_factory=list)
    covariance_type: str = "full"
    segments: list[str] = field(default_factory=list)  # segment label of cluster i

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def from_preprocessor(cls, preprocessor: Any, data: FeatureData, *, algorithm: str) -> ClusterModel:
        """Read a fitted ``ColumnTransformer`` (from ``features.build_preprocessor``) into data.

        Parameters
        ----------
        preprocessor
            The fitted transformer.
        data
            The features it was fitted on (names, kinds and category values).
        algorithm
            ``kmeans``, ``gmm`` or ``hierarchical``.

        Returns
        -------
        ClusterModel
            Without model parameters yet (see :meth:`set_centers`, :meth:`set_mixture`).
        """
        model = cls(algorithm=algorithm, features=list(data.features))
        for name, pipeline, positions in preprocessor.transformers_:
            if name in ("numbers", "skewed_numbers"):
                fill = pipeline.named_steps["fill"]
                scale = pipeline.named_steps["scale"]
                center = getattr(scale, "mean_", None)
                if center is None:
                    center = scale.center_
                indicator = [] if fill.indicator_ is None else [int(i) for i in fill.indicator_.features_]
                model.numeric.append(NumericBlock(
                    columns=[data.features[j] for j in positions],
                    fill=[float(v) for v in fill.statistics_],
                    indicator=indicator,
                    log="log" in pipeline.named_steps,
                    center=[float(v) for v in np.asarray(center, dtype=np.float64)],
                    scale=[float(v) for v in np.asarray(scale.scale_, dtype=np.float64)],
                ))
            elif name == "categories":
                fill = pipeline.named_steps["fill"]
                encoder = pipeline.named_steps["one_hot"]
                infrequent = getattr(encoder, "infrequent_categories_", [None] * len(positions))
                for i, j in enumerate(positions):
                    column = data.features[j]
                    labels = data.categories[column]

                    def value(code: float, labels: list[str] = labels) -> str | None:
                        return None if float(code) == MISSING_CODE or np.isnan(code) else labels[int(code)]

                    rare_codes = [] if infrequent[i] is None else list(infrequent[i])
                    rare_set = {float(c) for c in rare_codes}
                    kept = [value(c) for c in encoder.categories_[i] if float(c) not in rare_set]
                    fill_code = fill.statistics_[i]
                    model.categorical.append(CategoricalFeature(
                        column=column, values=kept, rare=[value(c) for c in rare_codes],
                        fill=None if float(fill_code) == MISSING_CODE else value(fill_code),
                    ))
        return model

    def set_centers(self, centers: np.ndarray, segments: list[str]) -> None:
        """Nearest-centre assignment (k-means, Ward) with these centres; ``segments[i]`` labels centre i."""
        self.centers = np.asarray(centers, dtype=np.float32).astype(np.float64).tolist()
        self.segments = list(segments)

    def set_mixture(self, mixture: Any, segments: list[str]) -> None:
        """Most-likely-component assignment with a fitted ``GaussianMixture``'s parameters."""
        self.centers = np.asarray(mixture.means_, dtype=np.float64).tolist()
        self.weights = np.asarray(mixture.weights_, dtype=np.float64).tolist()
        self.covariances = np.asarray(mixture.covariances_, dtype=np.float64).tolist()
        self.covariance_type = str(mixture.covariance_type)
        self.segments = list(segments)

    # -- applying -------------------------------------------------------------------------------
    def transform(self, data: FeatureData) -> np.ndarray:
        """The model input (float32) for ``data``, whose features must include :attr:`features`.

        Raises
        ------
        SettingsError
            A feature is missing from ``data`` or has changed kind (number vs category).
        """
        position = {name: j for j, name in enumerate(data.features)}
        for name in self.features:
            if name not in position:
                raise SettingsError(f"The saved segmentation needs the column '{name}', which this file does "
                                    "not have. Load an export with the same columns.")
        parts: list[np.ndarray] = []
        n = len(data.rows)
        for block in self.numeric:
            for name in block.columns:
                if data.kinds.get(name) != "numeric":
                    raise SettingsError(f"'{name}' held numbers when the segmentation was saved but does not "
                                        "now; check its type on the Data page.")
            raw = data.matrix[:, [position[c] for c in block.columns]].astype(np.float64)
            missing = np.isnan(raw)
            filled = np.where(missing, np.asarray(block.fill, dtype=np.float64), raw)
            if block.indicator:
                filled = np.hstack([filled, missing[:, block.indicator].astype(np.float64)])
            if block.log:
                filled = np.log1p(filled)
            parts.append(((filled - np.asarray(block.center)) / np.asarray(block.scale)).astype(np.float32))
        for feature in self.categorical:
            if data.kinds.get(feature.column) != "categorical":
                raise SettingsError(f"'{feature.column}' held categories when the segmentation was saved but "
                                    "does not now; check its type on the Data page.")
            parts.append(self._one_hot(feature, data, position[feature.column], n))
        if not parts:
            return np.zeros((n, 0), dtype=np.float32)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)

    @staticmethod
    def _one_hot(feature: CategoricalFeature, data: FeatureData, j: int, n: int) -> np.ndarray:
        width = len(feature.values) + (1 if feature.rare else 0)
        out = np.zeros((n, width), dtype=np.float32)
        column_of: dict[str | None, int] = {value: i for i, value in enumerate(feature.values)}
        rare_column = len(feature.values) if feature.rare else -1
        labels = data.categories.get(feature.column, [])
        # new code -> output column (-1: no column); the last slot is for missing cells
        lookup = np.full(len(labels) + 1, -1, dtype=np.int64)
        for code, label in enumerate([*labels, None]):
            value = feature.fill if (label is None and feature.fill is not None) else label
            lookup[code] = column_of.get(value, rare_column)
        codes = data.matrix[:, j]
        index = np.where(np.isnan(codes), len(labels), np.nan_to_num(codes, nan=0.0)).astype(np.int64)
        target = lookup[index]
        hit = target >= 0
        out[np.nonzero(hit)[0], target[hit]] = 1.0
        return out

    def assign(self, matrix: np.ndarray) -> np.ndarray:
        """Cluster index of every row of the model input ``matrix`` (from :meth:`transform`)."""
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.int64)
        if self.algorithm == "gmm":
            mixture = self._mixture()
            parts = [mixture.predict(matrix[s:s + _CHUNK]) for s in range(0, len(matrix), _CHUNK)]
            return np.concatenate(parts).astype(np.int64)
        centers = np.asarray(self.centers, dtype=np.float64)
        parts = [nearest_centre(matrix[s:s + _CHUNK], centers) for s in range(0, len(matrix), _CHUNK)]
        return np.concatenate(parts)

    def labels(self, data: FeatureData) -> np.ndarray:
        """Segment label of every customer of ``data`` (transform, then assign)."""
        return np.asarray(self.segments, dtype=object)[self.assign(self.transform(data))]

    # -- compiling to the engine (issue 15) -------------------------------------------------------
    def ibis_inputs(self, raw: Mapping[str, Any]) -> list[Any]:
        """The model input as Ibis float64 expressions: :meth:`transform`, written as arithmetic the engine runs.

        Numbers: fill (median) -> "was missing" flags -> ``ln(1 + x)`` -> ``(x - centre) / scale``;
        categories: one 0/1 column per kept value, plus the "rare" column (anything else). The same
        order and numbers as :meth:`transform`, in float64 (numpy rounds the result to float32).

        Parameters
        ----------
        raw
            Feature name -> Ibis expression of its raw value: a number (dates as days since the
            latest date, ordered answers as their place) for numeric features, text for categories.

        Returns
        -------
        list
            One float64 expression per model input column.

        Raises
        ------
        SettingsError
            A feature has no expression in ``raw``.
        """
        import ibis

        for name in self.features:
            if name not in raw:
                raise SettingsError(f"The saved segmentation needs the column '{name}', which this table does "
                                    "not have.")
        inputs: list[Any] = []
        for block in self.numeric:
            values = [raw[name].cast("float64") for name in block.columns]
            missing = [value.isnull() for value in values]
            columns = [ibis.ifelse(gap, ibis.literal(float(fill), "float64"), value)
                       for value, gap, fill in zip(values, missing, block.fill, strict=True)]
            columns += [ibis.ifelse(missing[i], 1, 0).cast("float64") for i in block.indicator]
            if block.log:  # log1p; the fitted columns were never negative (see features.skewed_columns)
                columns = [(ibis.greatest(column, ibis.literal(0.0, "float64")) + 1.0).ln() for column in columns]
            inputs += [(column - float(center)) / float(scale)
                       for column, center, scale in zip(columns, block.center, block.scale, strict=True)]
        for feature in self.categorical:
            value = raw[feature.column].cast("string")
            if feature.fill is not None:
                value = value.fill_null(feature.fill)
            hits = [(value.isnull() if kept is None else (value == kept).fill_null(False)) for kept in feature.values]
            # 1/0 as integers cast to float64: a float literal is NUMERIC in PostgreSQL, and the distances
            # would then be summed in decimal arithmetic there but in binary floating point elsewhere
            inputs += [ibis.ifelse(hit, 1, 0).cast("float64") for hit in hits]
            if feature.rare:
                known = ibis.literal(False)
                for hit in hits:
                    known = known | hit
                inputs.append(ibis.ifelse(known, 0, 1).cast("float64"))
        return inputs

    def ibis_distances(self, inputs: Sequence[Any]) -> list[Any]:
        """Squared Euclidean distance of model inputs (from :meth:`ibis_inputs`) to each centre, as Ibis expressions.

        Summed in a fixed order, so every engine adds the same numbers the same way. k-means and
        Ward only (a Gaussian mixture is not a nearest-centre rule).

        Parameters
        ----------
        inputs
            The model input expressions (same order as the centres' coordinates).

        Returns
        -------
        list
            One float64 expression per centre.

        Raises
        ------
        SettingsError
            The model is a Gaussian mixture, or the inputs do not match the centres.
        """
        if self.algorithm == "gmm":
            raise SettingsError("A Gaussian mixture cannot assign customers inside a database engine yet; use "
                                "k-means or hierarchical clustering there.")
        if not self.centers or len(self.centers[0]) != len(inputs):
            raise SettingsError("The clustering model does not match its features; segment again.")
        distances = []
        for center in self.centers:
            total = None
            for value, coordinate in zip(inputs, center, strict=True):
                term = (value - float(coordinate)) * (value - float(coordinate))
                total = term if total is None else total + term
            distances.append(total)
        return distances

    @staticmethod
    def ibis_nearest(distances: Sequence[Any]) -> Any:
        """Index (0-based) of the smallest distance, the lower index on a tie (as :meth:`assign`), as Ibis.

        Parameters
        ----------
        distances
            Expressions from :meth:`ibis_distances` (or columns holding them).

        Returns
        -------
        ibis int64 expression
        """
        import ibis

        if len(distances) == 1:
            return ibis.literal(0, "int64")
        nearest = ibis.least(*distances)
        branches = [(distance <= nearest, ibis.literal(i, "int64")) for i, distance in enumerate(distances[:-1])]
        return ibis.cases(*branches, else_=ibis.literal(len(distances) - 1, "int64"))

    def ibis_assign(self, data: Data, raw: Mapping[str, Any]) -> Any:
        """Every customer of ``data`` with the index of its cluster, as a table expression the engine runs.

        Built in steps (raw values, model inputs, distances, nearest centre), each a projection of
        the one before, so no engine has to repeat a long expression.

        Parameters
        ----------
        data
            The customers (:class:`segdash.data.Data`).
        raw
            Feature name -> raw value expression over ``data.customers()``
            (:func:`segdash.segment.features.engine_features`).

        Returns
        -------
        ibis.Table
            Columns ``<data.key>`` and ``_cluster`` (0-based index of the nearest centre).
        """
        table = data.customers()
        names = list(self.features)
        step = table.select(table[data.key], **{f"_x{i}": raw[name] for i, name in enumerate(names)})
        inputs = self.ibis_inputs({name: step[f"_x{i}"] for i, name in enumerate(names)})
        step = step.select(step[data.key], **{f"_z{j}": value for j, value in enumerate(inputs)})
        distances = self.ibis_distances([step[f"_z{j}"] for j in range(len(inputs))])
        step = step.select(step[data.key], **{f"_d{c}": value for c, value in enumerate(distances)})
        nearest = self.ibis_nearest([step[f"_d{c}"] for c in range(len(distances))])
        return step.select(step[data.key], _cluster=nearest)

    def ibis_segment(self, cluster: Any) -> Any:
        """The segment label (:attr:`segments`) of a cluster index expression."""
        import ibis

        if len(self.segments) == 1:
            return ibis.literal(self.segments[0], "string")
        return ibis.cases(*[(cluster == i, ibis.literal(name, "string")) for i, name in enumerate(self.segments[:-1])],
                          else_=ibis.literal(self.segments[-1], "string"))

    def assign_all(self, data: Data, *, types: dict[str, str]) -> dict[str, int]:
        """Assign every customer of ``data`` to a segment and stage the labels (``Workspace`` commits them).

        The one place where a saved or just-fitted clustering labels a whole table: in the embedded
        DuckDB, one SQL statement with the model's numbers as parameters (:mod:`segdash.segment.assign`;
        a Gaussian mixture pulls the features and assigns in numpy); in another engine (issue 15), the
        model compiled to an Ibis expression.

        Parameters
        ----------
        data
            The customers.
        types
            Column name -> type.

        Returns
        -------
        dict[str, int]
            Segment label -> customers (staged labels).
        """
        import pyarrow as pa

        from segdash.segment.base import write_label_table
        from segdash.segment.features import engine_features, pull_features

        if not data.is_duckdb:  # Spark, Postgres, a warehouse: the model runs there as an expression
            features = engine_features(data, features=self.features, types=types)
            clusters = self.ibis_assign(data, features.raw)
            return write_label_table(data, clusters.select(clusters[data.key],
                                                           segment=self.ibis_segment(clusters._cluster)))
        from segdash.segment.assign import assign_clusters, can_assign, stage_segments

        if can_assign(self, data):
            assign_clusters(self, data, types=types)
            return stage_segments(data, self.segments)
        pulled = pull_features(data, features=self.features, types=types)
        labels = self.labels(pulled)
        rows = pa.array(pulled.rows, pa.int64()) if data.key == db.ROW else pa.array(pulled.rows)
        return write_label_table(data, pa.table({data.key: rows, "segment": pa.array(labels.astype(str), pa.string())}))

    def _mixture(self) -> Any:
        """A ``GaussianMixture`` rebuilt from the saved arrays (no pickle: numbers only)."""
        from sklearn.mixture import GaussianMixture
        from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

        mixture = GaussianMixture(n_components=len(self.weights), covariance_type=self.covariance_type)
        mixture.weights_ = np.asarray(self.weights, dtype=np.float64)
        mixture.means_ = np.asarray(self.centers, dtype=np.float64)
        mixture.covariances_ = np.asarray(self.covariances, dtype=np.float64)
        mixture.precisions_cholesky_ = _compute_precision_cholesky(mixture.covariances_, self.covariance_type)
        mixture.n_features_in_ = mixture.means_.shape[1]
        mixture.converged_ = True
        mixture.n_iter_ = 0
        mixture.lower_bound_ = 0.0
        return mixture

    # -- saving ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``kind: "cluster"``)."""
        return {"kind": "cluster", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterModel:
        """The model saved by :meth:`to_dict`.

        Raises
        ------
        SettingsError
            The saved form is not a clustering model.
        """
        try:
            return cls(
                algorithm=str(data["algorithm"]), features=[str(f) for f in data["features"]],
                numeric=[NumericBlock(**block) for block in data.get("numeric", [])],
                categorical=[CategoricalFeature(**feature) for feature in data.get("categorical", [])],
                centers=data.get("centers", []), weights=data.get("weights", []),
                covariances=data.get("covariances", []), covariance_type=data.get("covariance_type", "full"),
                segments=[str(s) for s in data.get("segments", [])],
            )
        except (KeyError, TypeError) as err:
            raise SettingsError("The saved clustering model is incomplete; segment again and save.") from err
