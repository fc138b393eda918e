"""Every customer of the embedded DuckDB put in a segment by a fitted clustering, inside DuckDB (issue 16).

A file's clustering fits on a sample (:mod:`segdash.segment.cluster`); putting each of a million
customers in a segment then needs no model in Python: the fitted model (:class:`ClusterModel`) is
numbers, and one SQL statement with those numbers as bound parameters labels everyone where the
data already is. Nothing of the million rows comes back to Python but their cluster numbers.

The statement does numpy's arithmetic (:meth:`ClusterModel.transform`, then
:meth:`ClusterModel.assign`) step for step, so a saved segmentation applied again, in numpy or
here, gives the same labels:

1. raw values as :func:`segdash.segment.features.feature_data` reads them: numbers rounded to
   FLOAT (numpy's float32; infinite or NaN: missing), dates as whole days since the latest date of
   the column, ordered answers as their place, categories and yes/no as text;
2. model inputs: the fill value, "was missing" flags, ``ln(1 + x)`` for log-scaled blocks,
   ``(x - centre) / scale`` in DOUBLE, rounded to FLOAT (numpy rounds the model input to float32);
   one-hot 0/1 columns for categories;
3. the squared distance to each centre, ``(z - c) * (z - c)`` summed in column order in DOUBLE
   (numpy adds the columns in the same order), and the nearest centre (the lower one on a tie).

numpy's ``log1p`` and DuckDB's ``ln(1 + x)`` can differ in the last bit of a double; after the
rounding to float32 that decides a label only for a customer within a rounding error of two
centres. ``tests/test_segment_assign.py`` checks 100% agreement on random data.

Gaussian mixtures are assigned in numpy (most likely component; not a nearest-centre rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from segdash import db
from segdash.errors import SettingsError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from segdash.data import Data
    from segdash.segment.model import ClusterModel

#: Temporary table of one run: every customer's key and cluster number (``_cluster``).
CLUSTERS = "_segdash_clusters"


@dataclass
class _Params:
    """Numbered SQL parameters (``$1``, ``$2`` ...): every number and value of the model is bound, never formatted."""

    values: list[Any]

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def can_assign(model: ClusterModel, data: Data) -> bool:
    """Whether :func:`assign_clusters` can label ``data``'s customers with ``model``.

    That is: the workspace's own embedded DuckDB tables, and a nearest-centre model (k-means, Ward).
    """
    return (data.con is not None and data.table == db.TABLE and data.key == db.ROW and model.algorithm != "gmm"
            and bool(model.centers))


def cluster_query(model: ClusterModel, data: Data, *, types: dict[str, str]) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) giving ``(<key>, _cluster)`` for every customer of ``data``.

    Parameters
    ----------
    model
        A fitted nearest-centre model (k-means or Ward).
    data
        The customers, in the embedded DuckDB.
    types
        Column name -> type (``number``, ``date``, ``text``, ``boolean``); missing: from the stored column.

    Returns
    -------
    tuple[str, list]
        The query and its parameters (``$n``).

    Raises
    ------
    SettingsError
        A feature is missing, or a date feature does not hold dates.
    """
    if not model.centers or len(model.centers[0]) == 0:
        raise SettingsError("The clustering model does not match its features; segment again.")
    source, schema, flag_types = _chosen_columns(model, data)
    types = {**flag_types, **types}
    params = _Params([])
    key = db.quote_ident(data.key)
    numeric = {name for block in model.numeric for name in block.columns}
    categories = {feature.column: feature for feature in model.categorical}
    raw = [_raw_value(data.require_con(), source, f"_f{j}", schema[f"_f{j}"], types.get(name), numeric=name in numeric,
                      name=name, params=params) for j, name in enumerate(model.features)]
    # a category becomes the number of its one-hot column once per customer (-1: none), as numpy's lookup
    raw = [_category_column(x, categories[name], params) if name in categories else x
           for x, name in zip(raw, model.features, strict=True)]
    refs = {name: db.quote_ident(f"_x{j}") for j, name in enumerate(model.features)}
    inputs = _model_inputs(model, refs, params)
    distances = _distances(model, len(inputs), params)
    values = ", ".join(f"{x} AS {refs[name]}" for x, name in zip(raw, model.features, strict=True))
    rounded = ", ".join(f"CAST(CAST({z} AS FLOAT) AS DOUBLE) AS _z{i}" for i, z in enumerate(inputs))
    squared = ", ".join(f"{d} AS _d{c}" for c, d in enumerate(distances))
    sql = (f"SELECT {key}, {_nearest(len(distances))} AS _cluster FROM (SELECT {key}, {squared} FROM ("
           f"SELECT {key}, {rounded} FROM (SELECT {key}, {values} FROM {source})))")
    return sql, params.values


def _chosen_columns(model: ClusterModel, data: Data) -> tuple[str, dict[str, pa.DataType], dict[str, str]]:
    """SQL of the key and the model's features (as ``_f0``, ``_f1``, ...), their Arrow types, and flag types.

    Stored columns only: built by DuckDB's relational API (Ibis is not loaded; issue 16). A flag
    such as ``interests: Travel`` (:mod:`segdash.act.multivalue`): built by Ibis.
    """
    aliases = {f"_f{j}": name for j, name in enumerate(model.features)}
    if data.table == db.TABLE and set(model.features) <= set(db.table_columns(data.require_con(), data.table)):
        chosen = db.select_columns(data.require_con(), data.table, {data.key: data.key, **aliases})
        if chosen is not None:
            schema = chosen.limit(0).to_arrow_table().schema
            return "(" + chosen.sql_query() + ")", {alias: schema.field(alias).type for alias in aliases}, {}
    import ibis

    from segdash.act.multivalue import add_flags

    table, flag_types = add_flags(data, data.customers(), model.features)
    for name in model.features:
        if name not in table.columns:
            raise SettingsError(f"The saved segmentation needs the column '{name}', which this file does "
                                "not have. Load an export with the same columns.")
    chosen = table.select(table[data.key], **{alias: table[name] for alias, name in aliases.items()})
    schema = chosen.schema()
    return ("(" + ibis.to_sql(chosen, dialect="duckdb") + ")",
            {alias: schema[alias].to_pyarrow() for alias in aliases}, flag_types)


def assign_clusters(model: ClusterModel, data: Data, *, types: dict[str, str]) -> None:
    """Put every customer of ``data`` in its nearest centre, in DuckDB, kept in the temporary table :data:`CLUSTERS`.

    Parameters
    ----------
    model
        A fitted nearest-centre model.
    data
        The customers, in the embedded DuckDB.
    types
        Column name -> type.
    """
    con = data.require_con("Assigning customers in DuckDB")
    sql, params = cluster_query(model, data, types=types)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CLUSTERS} AS " + sql, params)


def fetch_clusters(data: Data) -> tuple[np.ndarray, np.ndarray]:
    """Every customer's key and cluster number (0-based) from :data:`CLUSTERS`, in key order."""
    con = data.require_con("Assigning customers in DuckDB")
    key = db.quote_ident(data.key)
    # stored in the customers' order (DuckDB keeps insertion order): checked, and sorted here only if need be
    fetched = con.execute(f"SELECT {key} AS k, _cluster FROM {CLUSTERS}").fetchnumpy()
    keys, clusters = np.asarray(fetched["k"]), np.asarray(fetched["_cluster"], dtype=np.int64)
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        order = np.argsort(keys, kind="stable")
        keys, clusters = keys[order], clusters[order]
    return keys, clusters


def stage_segments(data: Data, segments: list[str]) -> dict[str, int]:
    """Stage the labels of the clusters in :data:`CLUSTERS` (cluster ``i`` is ``segments[i]``), then drop it.

    Returns
    -------
    dict[str, int]
        Segment label -> customers (as :func:`segdash.segment.base.write_label_table`).
    """
    from segdash.segment.base import write_label_query

    con = data.require_con("Writing labels in DuckDB")
    params = _Params([])
    cases = " ".join(f"WHEN {i} THEN {params(str(name))}" for i, name in enumerate(segments))
    key = db.quote_ident(data.key)
    try:
        return write_label_query(
            data, f"SELECT {key} AS {key}, CAST(CASE _cluster {cases} END AS VARCHAR) AS segment FROM {CLUSTERS}",
            params.values)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {CLUSTERS}")


def drop_clusters(con: duckdb.DuckDBPyConnection) -> None:
    """Drop :data:`CLUSTERS` (a run that stopped before its labels were staged)."""
    con.execute(f"DROP TABLE IF EXISTS {CLUSTERS}")


# -- the pieces of the statement -----------------------------------------------------------------

def _raw_value(con: duckdb.DuckDBPyConnection, source: str, column: str, dtype: pa.DataType, kind: str | None, *,
               numeric: bool, name: str, params: _Params) -> str:
    """SQL of one feature's raw value as :func:`segdash.segment.features.feature_data` reads it (``dtype``: its Arrow type)."""
    import pyarrow as pa

    from segdash.segment.features import _arrow_kind, answer_places

    quoted = db.quote_ident(column)
    kind = kind or _arrow_kind(dtype)
    if kind == "date" and numeric:
        if not (pa.types.is_date(dtype) or pa.types.is_timestamp(dtype) or pa.types.is_time(dtype)):
            raise SettingsError(f"The feature '{name}' is marked as a date but does not hold dates. "
                                "Fix its type on the Data page.")
        days = f"date_diff('day', {quoted}, (SELECT max({quoted}) FROM {source}))"
        return f"CAST({days} AS FLOAT)"
    if kind == "number" and numeric:
        number = f"TRY_CAST({quoted} AS FLOAT)"
        return f"CASE WHEN isfinite({number}) THEN {number} END"
    if kind in ("date", "number") or (numeric and kind == "boolean"):
        raise SettingsError(f"'{name}' held {'categories' if kind != 'boolean' else 'numbers'} when the segmentation "
                            "was saved but does not now; check its type on the Data page.")
    text = f"CAST({quoted} AS VARCHAR)"
    if numeric:  # text read as ordered answers ("Never" < "Rarely" < "Often"): the place, else missing
        labels = [row[0] for row in con.execute(
            f"SELECT DISTINCT {text} FROM {source} WHERE {quoted} IS NOT NULL LIMIT 16").fetchall()]
        places = answer_places([str(v) for v in labels])
        if places is None:
            raise SettingsError(f"'{name}' held ordered answers when the segmentation was made but does not now; "
                                "check its type on the Data page.")
        cases = " ".join(f"WHEN {params(label)} THEN {params(float(place))}" for label, place in places[1].items())
        return f"CAST(CASE {text} {cases} END AS FLOAT)"
    return text


def _model_inputs(model: ClusterModel, raw: dict[str, str], params: _Params) -> list[str]:
    """SQL of every model input column (DOUBLE, before the rounding to FLOAT), in :meth:`ClusterModel.transform` order.

    ``raw`` maps each feature to the (quoted) column holding its raw value.
    """
    inputs: list[str] = []
    for block in model.numeric:
        values = [f"CAST({raw[name]} AS DOUBLE)" for name in block.columns]
        columns = [f"coalesce({value}, {params(float(fill))})" for value, fill in zip(values, block.fill, strict=True)]
        columns += [f"CASE WHEN {values[i]} IS NULL THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END" for i in block.indicator]
        if block.log:  # numpy's log1p
            columns = [f"ln(1.0::DOUBLE + {column})" for column in columns]
        inputs += [f"(({column}) - {params(float(center))}) / {params(float(scale))}"
                   for column, center, scale in zip(columns, block.center, block.scale, strict=True)]
    for feature in model.categorical:
        width = len(feature.values) + (1 if feature.rare else 0)
        inputs += [f"CASE WHEN {raw[feature.column]} = {i} THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END" for i in range(width)]
    return inputs


def _category_column(text: str, feature: Any, params: _Params) -> str:
    """SQL: the one-hot column a category's value goes to (``-1``: none), as :meth:`ClusterModel._one_hot` looks it up.

    A missing value takes the fill value (when there is one); a value with its own column gets that
    column; any other value (missing included, when missing has no column of its own) the "rare"
    column when there is one.
    """
    value = text if feature.fill is None else f"coalesce({text}, {params(str(feature.fill))})"
    other = len(feature.values) if feature.rare else -1
    missing = feature.values.index(None) if None in feature.values else other
    kept = " ".join(f"WHEN {value} = {params(str(v))} THEN {i}" for i, v in enumerate(feature.values) if v is not None)
    return f"CASE WHEN {value} IS NULL THEN {missing} {kept} ELSE {other} END"


def _distances(model: ClusterModel, width: int, params: _Params) -> list[str]:
    """SQL of the squared distance to each centre, summed in column order (as :meth:`ClusterModel.assign`)."""
    if len(model.centers[0]) != width:
        raise SettingsError("The clustering model does not match its features; segment again.")
    distances = []
    for center in model.centers:
        terms = []
        for i, coordinate in enumerate(center):
            c = params(float(coordinate))
            terms.append(f"(_z{i} - {c}) * (_z{i} - {c})")
        distances.append(" + ".join(terms))
    return distances


def _nearest(count: int) -> str:
    """SQL of the index of the smallest of ``_d0 .. _d{count-1}``, the lower index on a tie."""
    if count == 1:
        return "0"
    least = "least(" + ", ".join(f"_d{c}" for c in range(count)) + ")"
    branches = " ".join(f"WHEN _d{c} <= {least} THEN {c}" for c in range(count - 1))
    return f"CASE {branches} ELSE {count - 1} END"
