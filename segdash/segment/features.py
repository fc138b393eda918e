"""Turn the columns a user chose into a numeric matrix for clustering.

Two steps, kept apart so that the slow part (a million rows) stays columnar:

1. :func:`pull_features` reads only ``_row`` and the chosen columns from DuckDB as Arrow (DuckDB's
   relational API for an imported file's stored columns, without loading Ibis (issue 16); Ibis for
   flags of multi-value columns and other engines: column names with spaces, ``$`` or brackets need
   no quoting either way), and turns every column into one ``float32`` column of a matrix:

   - ``number``: the value (missing -> NaN);
   - ``date``: *days since* the latest date in that column (the most recent customer gets 0);
   - ``text`` of ordered answers (bands such as ``Less than 25,000`` < ``25,000 to 50,000``, or
     ``Never`` < ``Rarely`` < ``Often``; see :func:`segdash.survey.answers.answer_order`): their
     place in the order, 1, 2, 3, ... (a number, so the order counts);
   - ``text`` / ``boolean``: Arrow dictionary codes 0, 1, 2, ... (missing -> NaN). The code -> value
     table is kept in :attr:`FeatureData.categories`. One-hot encoding integer codes gives the
     same matrix as one-hot encoding the strings, without a million Python strings.

2. :func:`build_preprocessor` returns the scikit-learn ``ColumnTransformer`` that turns that
   matrix into model input:

   - numbers: ``SimpleImputer(median)`` -> ``log1p`` (only for skewed, non-negative columns; see
     :func:`skewed_columns`) -> ``StandardScaler`` or ``RobustScaler``;
   - categories: ``SimpleImputer`` -> ``OneHotEncoder`` (at most :data:`MAX_CATEGORIES` columns per
     feature; values held by fewer than :data:`MIN_CATEGORY_SHARE` of customers are pooled into
     one "rare" column; values never seen when fitting go there too).

Missing values (``missing=``)
-----------------------------
``"impute"``
    Numbers get the column's median, categories the most frequent value. Customers with gaps
    are placed as if they were typical on that column.
``"missing_category"``
    Categories get their own value "(missing)", so "unknown channel" can be a trait of a
    segment. Numbers still get the median (a number cannot be a category) plus a 0/1
    "was missing" column, so customers with unknown values can still be told apart.

Nothing is ever dropped: every row, including outliers and rows with gaps, stays in the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler

from segdash import db
from segdash.data import Data
from segdash.errors import SettingsError

#: How missing values can be treated (see the module docstring).
MISSING_MODES = ("impute", "missing_category")
#: How numbers can be scaled: ``standard`` (mean 0, sd 1) or ``robust`` (median 0, IQR 1; less
#: pulled by a few extreme customers).
SCALINGS = ("standard", "robust")
#: Column types a feature can have (``segdash.schema.TYPES``).
NUMERIC_TYPES = frozenset({"number", "date"})
CATEGORY_TYPES = frozenset({"text", "boolean"})
#: A non-negative number column whose skewness is above this is log-scaled (log1p).
SKEW_THRESHOLD = 1.0
#: At most this many one-hot columns per categorical feature (the rest pooled as "rare").
MAX_CATEGORIES = 12
#: Values held by fewer than this share of customers are pooled as "rare".
MIN_CATEGORY_SHARE = 0.01
#: Category code that stands for "missing" when ``missing="missing_category"``.
MISSING_CODE = -1.0


@dataclass
class FeatureData:
    """The chosen columns of every customer, as one float32 matrix.

    Attributes
    ----------
    rows
        ``_row`` of each customer, in ``_row`` order.
    matrix
        ``(customers, features)`` float32; numbers, days-since for dates, codes for categories;
        NaN where the value is missing.
    features
        Column names, in matrix order.
    kinds
        Column name -> ``"numeric"`` or ``"categorical"``.
    categories
        Categorical column -> its values (index = code).
    missing
        Column name -> number of missing values.
    distinct
        Column name -> number of distinct non-missing values.
    notes
        Plain sentences about conversions (dates to days since).
    """

    rows: np.ndarray
    matrix: np.ndarray
    features: list[str]
    kinds: dict[str, str]
    categories: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def indices(self, kind: str, names: list[str] | None = None) -> list[int]:
        """Matrix column positions of the features of ``kind`` (optionally only ``names``)."""
        return [
            i for i, name in enumerate(self.features)
            if self.kinds[name] == kind and (names is None or name in names)
        ]

    def drop(self, names: list[str]) -> FeatureData:
        """A copy without the columns ``names``."""
        keep = [i for i, name in enumerate(self.features) if name not in names]
        kept = [self.features[i] for i in keep]
        return FeatureData(
            rows=self.rows,
            matrix=np.ascontiguousarray(self.matrix[:, keep]),
            features=kept,
            kinds={n: self.kinds[n] for n in kept},
            categories={n: v for n, v in self.categories.items() if n in kept},
            missing={n: self.missing[n] for n in kept},
            distinct={n: self.distinct[n] for n in kept},
            notes=list(self.notes),
        )


def pull_features(data: Data, *, features: list[str], types: dict[str, str]) -> FeatureData:
    """Read ``_row`` and ``features`` of every customer into a :class:`FeatureData`.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    features
        Column names (unique).
    types
        Column name -> ``"number" | "text" | "date" | "boolean"``. A feature missing here gets
        the type its stored values have.

    Returns
    -------
    FeatureData

    Raises
    ------
    SettingsError
        If a feature is not a column of the data, or its values do not fit its type.
    """
    arrow = _pull_in_duckdb(data, features)
    if arrow is None:
        from segdash.act.multivalue import add_flags

        # "interests: Travel" is the yes/no of one value of a multi-value column (segdash.act.multivalue)
        table, flag_types = add_flags(data, data.customers(), features)
        types = {**flag_types, **types}
        unknown = [name for name in features if name not in table.columns]
        if unknown:
            raise SettingsError(
                f"{_names(unknown)} {'is not a column' if len(unknown) == 1 else 'are not columns'} "
                "of the loaded data. Choose features from the list of columns."
            )
        # In ``_row`` order, so samples and labels never depend on how the rows were inserted or scanned.
        # An imported table is stored in that order and DuckDB scans it in that order: the rows are
        # checked instead of sorted by DuckDB (a sort of every pulled column), and sorted here if need be.
        chosen = table.select(data.key, *features)
        if data.key != db.ROW:
            chosen = chosen.order_by(data.key)
        arrow = data.backend.to_pyarrow(chosen)
    rows = arrow.column(data.key).to_numpy(zero_copy_only=False)
    if data.key == db.ROW:
        rows = rows.astype(np.int64, copy=False)
        if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):
            order = np.argsort(rows, kind="stable")
            arrow, rows = arrow.take(pa.array(order)), rows[order]
    return feature_data(arrow, rows=rows, features=features, types=types)


def _pull_in_duckdb(data: Data, features: list[str]) -> pa.Table | None:
    """``_row`` and ``features`` of an imported file's customers, read by DuckDB alone (no Ibis), or ``None``.

    ``None`` (the Ibis path then) for data in another engine, a key other than ``_row``, or a
    feature that is not a stored column (a flag such as ``interests: Travel``, or a name to report
    as unknown). The same columns as Ibis gives, in the stored (``_row``) order.
    """
    if data.con is None or data.table != db.TABLE or data.key != db.ROW or db.ROW in features:
        return None
    if not set(features) <= set(db.table_columns(data.con, data.table)):
        return None
    chosen = db.select_columns(data.con, data.table, {db.ROW: db.ROW, **{name: name for name in features}})
    return None if chosen is None else chosen.to_arrow_table()


def feature_data(arrow: pa.Table, *, rows: np.ndarray, features: list[str], types: dict[str, str]) -> FeatureData:
    """Turn the pulled columns of some customers into a :class:`FeatureData` (see the module docstring).

    :func:`pull_features` reads every customer of the embedded DuckDB; the engine path
    (:func:`segdash.segment.cluster.cluster_in_engine`) a seeded sample of a table in Spark or a
    warehouse. Both convert the columns here.

    Parameters
    ----------
    arrow
        The customers' values of ``features``, one row per customer, in ``rows`` order.
    rows
        The customers' ids (``_row``, or the key column's values).
    features
        Column names (unique).
    types
        Column name -> ``"number" | "text" | "date" | "boolean"``.

    Returns
    -------
    FeatureData

    Raises
    ------
    SettingsError
        If a feature's values do not fit its type.
    """
    matrix = np.empty((len(rows), len(features)), dtype=np.float32)
    pulled = FeatureData(rows=rows, matrix=matrix, features=list(features), kinds={})
    for j, name in enumerate(features):
        column = arrow.column(name)
        kind = types.get(name) or _arrow_kind(column.type)
        if kind in NUMERIC_TYPES:
            values = _days_since(name, column) if kind == "date" else _numbers(name, column)
            pulled.kinds[name] = "numeric"
            finite = values[~np.isnan(values)]
            pulled.missing[name] = int(len(values) - len(finite))
            pulled.distinct[name] = _distinct_numbers(finite)
            if kind == "date":
                pulled.notes.append(f"{name}: dates turned into days since the latest date in the column")
        elif kind in CATEGORY_TYPES and (ordered := _ordered_answers(column, coded := _codes(column))) is not None:
            values, order = ordered  # "Never" < "Rarely" < "Often", "Less than 25,000" < ...: places 1, 2, 3
            pulled.kinds[name] = "numeric"
            finite = values[~np.isnan(values)]
            pulled.missing[name] = int(len(values) - len(finite))
            pulled.distinct[name] = _distinct_numbers(finite)
            pulled.notes.append(f"{name}: ordered answers used as places 1-{len(order)} "
                              f"({' < '.join(order[:3])}{' < …' if len(order) > 3 else ''})")
        elif kind in CATEGORY_TYPES:
            values, labels = coded  # encoded once, for the ordered-answers check
            pulled.kinds[name] = "categorical"
            pulled.categories[name] = labels
            pulled.missing[name] = int(np.isnan(values).sum())
            present = np.bincount(values[~np.isnan(values)].astype(np.int64), minlength=len(labels))
            pulled.distinct[name] = int((present > 0).sum())
        else:
            raise SettingsError(
                f"The feature '{name}' has an unknown type '{kind}'. Set its type to number, text, date or boolean."
            )
        matrix[:, j] = values
    return pulled


def skewed_columns(sample: np.ndarray, data: FeatureData) -> list[str]:
    """Numeric features that are non-negative and skewed (skewness > :data:`SKEW_THRESHOLD`).

    Money and counts (spend, orders, days since) usually have a long right tail; ``log1p``
    keeps a few big spenders from stretching the scale for everyone.

    Parameters
    ----------
    sample
        Rows of ``data.matrix`` (a random sample is enough).
    data
        The features.

    Returns
    -------
    list[str]
        Names of the columns to log-scale.
    """
    skewed = []
    for j in data.indices("numeric"):
        values = sample[:, j]
        values = values[~np.isnan(values)].astype(np.float64)
        if len(values) < 3 or values.min() < 0 or values.min() == values.max():
            continue
        if float(stats.skew(values)) > SKEW_THRESHOLD:
            skewed.append(data.features[j])
    return skewed


def build_preprocessor(
    data: FeatureData, *, scaling: str = "standard", log_columns: list[str] | None = None,
    missing: str = "impute",
) -> ColumnTransformer:
    """The (unfitted) ``ColumnTransformer`` turning ``data.matrix`` into model input.

    Parameters
    ----------
    data
        The features (only names and kinds are used).
    scaling
        ``"standard"`` or ``"robust"`` (:data:`SCALINGS`).
    log_columns
        Numeric features to ``log1p`` before scaling (see :func:`skewed_columns`).
    missing
        ``"impute"`` or ``"missing_category"`` (:data:`MISSING_MODES`).

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Dense ``float32`` output.
    """
    log_columns = log_columns or []
    flag = missing == "missing_category"

    def scaler() -> Any:
        return RobustScaler() if scaling == "robust" else StandardScaler()

    parts = []
    plain = [j for j in data.indices("numeric") if data.features[j] not in log_columns]
    logged = data.indices("numeric", log_columns)
    if plain:
        parts.append(("numbers", Pipeline([
            ("fill", SimpleImputer(strategy="median", add_indicator=flag)),
            ("scale", scaler()),
        ]), plain))
    if logged:
        parts.append(("skewed_numbers", Pipeline([
            ("fill", SimpleImputer(strategy="median", add_indicator=flag)),
            ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
            ("scale", scaler()),
        ]), logged))
    categorical = data.indices("categorical")
    if categorical:
        fill = (
            SimpleImputer(strategy="constant", fill_value=MISSING_CODE) if flag
            else SimpleImputer(strategy="most_frequent")
        )
        parts.append(("categories", Pipeline([
            ("fill", fill),
            ("one_hot", OneHotEncoder(
                max_categories=MAX_CATEGORIES, min_frequency=MIN_CATEGORY_SHARE,
                handle_unknown="infrequent_if_exist", sparse_output=False, dtype=np.float32,
            )),
        ]), categorical))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def pooled_notes(preprocessor: ColumnTransformer, data: FeatureData) -> list[str]:
    """Plain sentences naming the categorical features whose rare values were pooled.

    Parameters
    ----------
    preprocessor
        A fitted transformer from :func:`build_preprocessor`.
    data
        The features it was built for.

    Returns
    -------
    list[str]
    """
    if "categories" not in preprocessor.named_transformers_:
        return []
    encoder = preprocessor.named_transformers_["categories"].named_steps["one_hot"]
    notes = []
    names = [data.features[j] for j in data.indices("categorical")]
    for name, rare in zip(names, encoder.infrequent_categories_, strict=True):
        if rare is None or len(rare) == 0:
            continue
        labels = data.categories[name]
        shown = [labels[int(code)] if code >= 0 else "(missing)" for code in rare[:3]]
        more = f" and {len(rare) - 3} more" if len(rare) > 3 else ""
        notes.append(
            f"{name}: {len(rare)} rare value{'s' if len(rare) > 1 else ''} "
            f"({', '.join(shown)}{more}) pooled together"
        )
    return notes


def transform(preprocessor: ColumnTransformer, matrix: np.ndarray, *, chunk: int = 250_000) -> np.ndarray:
    """Apply a fitted preprocessor to ``matrix`` in chunks (bounded memory); float32 result."""
    first = np.asarray(preprocessor.transform(matrix[:chunk]), dtype=np.float32)
    if len(matrix) <= chunk:
        return np.ascontiguousarray(first)
    out = np.empty((len(matrix), first.shape[1]), dtype=np.float32)
    out[:chunk] = first
    for start in range(chunk, len(matrix), chunk):
        out[start:start + chunk] = preprocessor.transform(matrix[start:start + chunk])
    return out


# -- column conversions ------------------------------------------------------------------------

def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _arrow_kind(dtype: pa.DataType) -> str:
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "number"
    if pa.types.is_temporal(dtype):
        return "date"
    return "text"


def _numbers(name: str, column: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_boolean(column.type):
        column = pc.cast(column, pa.int8())
    try:
        as_float = pc.cast(column, pa.float32(), safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise SettingsError(
            f"The feature '{name}' holds values that are not numbers. Set its type to text, or choose another feature."
        ) from err
    values = as_float.to_numpy().astype(np.float32, copy=False)
    infinite = np.isinf(values)
    if infinite.any():  # "inf" cannot be scaled: count it as missing
        values = np.where(infinite, np.float32(np.nan), values)
    return values


def _days_since(name: str, column: pa.ChunkedArray) -> np.ndarray:
    if not pa.types.is_temporal(column.type):
        raise SettingsError(
            f"The feature '{name}' is marked as a date but does not hold dates. Fix its type on the Data page."
        )
    latest = pc.max(column)
    if not latest.is_valid:
        return np.full(len(column), np.nan, dtype=np.float32)
    days = pc.days_between(column, latest)
    return pc.cast(days, pa.float32()).to_numpy().astype(np.float32, copy=False)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    encoded = pc.dictionary_encode(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
    codes = pc.cast(encoded.indices, pa.float32()).to_numpy(zero_copy_only=False)
    return codes.astype(np.float32, copy=False), [str(v) for v in encoded.dictionary.to_pylist()]


def _ordered_answers(column: pa.ChunkedArray, coded: tuple[np.ndarray, list[str]] | None = None,
                     ) -> tuple[np.ndarray, list[str]] | None:
    """A text column of ordered answers (bands, frequency or agreement words) as places 1..k, else ``None``.

    Uses :func:`segdash.survey.answers.answer_order` on the distinct values only; answers outside
    the order ("Prefer not to say") become missing. ``coded``: the column's :func:`_codes`, when
    already computed.
    """
    if pa.types.is_boolean(column.type):
        return None
    values, labels = coded if coded is not None else _codes(column)
    places = answer_places(labels)
    if places is None:
        return None
    order, place = places
    lookup = np.array([place.get(label, np.nan) for label in labels], dtype=np.float32)
    known = ~np.isnan(values)
    placed = np.full(len(values), np.nan, dtype=np.float32)
    placed[known] = lookup[values[known].astype(np.int64)]
    return placed, order


def answer_places(labels: list[str]) -> tuple[list[str], dict[str, float]] | None:
    """When ``labels`` (a text column's distinct values) are ordered answers: the order and each label's place.

    Parameters
    ----------
    labels
        Distinct values of a text column.

    Returns
    -------
    tuple or None
        ``(order, {label: place 1..k})`` (labels outside the order are left out), or ``None`` when
        the values are not 3-15 ordered answers (:func:`segdash.survey.answers.answer_order`).
    """
    from segdash.survey.answers import answer_order, normalise_answer

    if not 3 <= len(labels) <= 15:
        return None
    order = answer_order(labels)
    if order is None:
        return None
    by_text = {normalise_answer(v): float(i + 1) for i, v in enumerate(order)}
    place = {label: by_text[normalise_answer(label)] for label in labels if normalise_answer(label) in by_text}
    return order, place


def _distinct_numbers(finite: np.ndarray) -> int:
    if len(finite) == 0:
        return 0
    if finite.min() == finite.max():
        return 1
    return 2  # "two or more" is all the checks need; counting exactly would sort a million values


# -- features of a table in another engine (issue 15) --------------------------------------------

@dataclass
class EngineFeatures:
    """The chosen columns of a table in an engine, as Ibis expressions the engine computes.

    Attributes
    ----------
    raw
        Feature name -> expression over ``data.customers()``: numbers as float64, dates as days
        since the latest date in the column (over the whole table), ordered answers as their place
        1..k, other text and yes/no as they are.
    types
        Feature name -> the type of ``raw`` (``number`` for dates and ordered answers).
    notes
        Plain sentences about the conversions.
    """

    raw: dict[str, Any]
    types: dict[str, str]
    notes: list[str] = field(default_factory=list)


def engine_features(data: Data, *, features: list[str], types: dict[str, str]) -> EngineFeatures:
    """The features of every customer as expressions that run in ``data``'s engine (nothing is pulled).

    The same conversions as :func:`feature_data`, written so the engine does them: the latest
    date of a date column is a scalar subquery over the whole table; a text column whose few
    distinct values (looked up in the engine) are ordered answers becomes its place.

    Parameters
    ----------
    data
        The customers (:class:`segdash.data.Data`).
    features
        Column names (unique).
    types
        Column name -> ``"number" | "text" | "date" | "boolean"`` (missing: from the engine's schema).

    Returns
    -------
    EngineFeatures

    Raises
    ------
    SettingsError
        If a feature is not a column of the table or has an unknown type.
    """

    table = data.customers()
    # "interests: Travel" is the yes/no of one value of a multi-value column (segdash.act.multivalue):
    # ``column IN (cells holding the value)``, an expression over the table that the engine runs
    flags = _engine_flags(data, table, [name for name in features if name not in table.columns])
    unknown = [name for name in features if name not in table.columns and name not in flags]
    if unknown:
        raise SettingsError(
            f"{_names(unknown)} {'is not a column' if len(unknown) == 1 else 'are not columns'} "
            f"of the table '{data.table}'. Choose features from its columns."
        )
    if data.key in features:
        raise SettingsError(f"'{data.key}' identifies customers; it cannot also be a feature.")
    schema = table.schema()
    out = EngineFeatures(raw={}, types={})
    for name in features:
        if name in flags:
            out.raw[name], out.types[name] = flags[name], "boolean"
            continue
        column = table[name]
        kind = types.get(name) or _arrow_kind(schema[name].to_pyarrow())
        if kind == "number":
            out.raw[name], out.types[name] = column.cast("float64"), "number"
        elif kind == "date":
            day = column.cast("date")
            out.raw[name] = day.max().as_scalar().delta(day, unit="day").cast("float64")
            out.types[name] = "number"
            out.notes.append(f"{name}: dates turned into days since the latest date in the column")
        elif kind == "boolean":
            out.raw[name], out.types[name] = column, "boolean"
        elif kind == "text":
            few = data.backend.to_pyarrow(table.select(_v=column.cast("string")).distinct().limit(16))
            labels = [str(v) for v in few.column("_v").to_pylist() if v is not None]
            places = answer_places(labels) if len(labels) <= 15 else None
            if places is None:
                out.raw[name], out.types[name] = column.cast("string"), "text"
            else:
                out.raw[name], out.types[name] = ordered_expr(column, places[1]), "number"
                out.notes.append(f"{name}: ordered answers used as places 1-{len(places[0])} "
                                 f"({' < '.join(places[0][:3])}{' < …' if len(places[0]) > 3 else ''})")
        else:
            raise SettingsError(
                f"The feature '{name}' has an unknown type '{kind}'. Set its type to number, text, date or boolean."
            )
    return out


def _engine_flags(data: Data, table: Any, names: list[str]) -> dict[str, Any]:
    """Flag name -> yes/no expression over ``table`` for the names that are values of multi-value columns."""
    from segdash.act.multivalue import analyse_cells, distinct_cells_many, indicator_exprs, parse_flag

    wanted: dict[str, list[str]] = {}
    for name in names:
        parsed = parse_flag(name)
        if parsed is not None and parsed[0] in table.columns:
            wanted.setdefault(parsed[0], []).append(parsed[1])
    flags: dict[str, Any] = {}
    if not wanted:
        return flags
    for column, cells in distinct_cells_many(data, columns=list(wanted)).items():
        spec = analyse_cells(cells, column=column)
        if spec is not None:
            flags.update(indicator_exprs(table, spec, values=[v for v in wanted[column] if v in spec.values]))
    return flags


def ordered_expr(column: Any, place: dict[str, float]) -> Any:
    """An Ibis float64 expression: the place of each text answer (``place``), missing for any other value.

    Parameters
    ----------
    column
        Ibis text (or any) column.
    place
        Answer text -> place 1..k (:func:`answer_places`).

    Returns
    -------
    ibis float64 expression
    """
    import ibis

    text = column.cast("string")
    return ibis.cases(*[(text == label, ibis.literal(value, "float64")) for label, value in place.items()],
                      else_=ibis.null("float64"))


#: Modulus and multipliers of the seeded order of an engine sample (Lehmer generator, 2^31 - 1):
#: integer arithmetic every SQL engine does the same way, so the sample does not depend on the engine.
_SAMPLE_MODULUS = 2_147_483_647
_SAMPLE_MULTIPLIERS = (48_271, 69_621)


def engine_sample(data: Data, raw: dict[str, Any], *, size: int, random_state: int = 0) -> tuple[pa.Table, int]:
    """A seeded sample of at most ``size`` customers, computed in the engine, and the number of customers.

    The sample is the same on every engine: each customer gets a pseudo-random number from its key
    (integer keys: the key itself; text keys: its place in key order) by integer arithmetic modulo
    2^31 - 1, and the ``size`` smallest are kept (ties by key). A table of at most ``size``
    customers is pulled whole. The rows come back sorted by key.

    Parameters
    ----------
    data
        The customers (:class:`segdash.data.Data`).
    raw
        Feature name -> expression (:attr:`EngineFeatures.raw`).
    size
        At most this many customers.
    random_state
        Seed.

    Returns
    -------
    tuple[pyarrow.Table, int]
        Columns ``<key>`` and the features; and the number of customers in the table.
    """
    import ibis

    table = data.customers()
    key = table[data.key]
    total = int(table.count().execute())
    chosen = table.select(key, **raw)
    if total > size:
        # 64-bit literals: with 32-bit ones Spark did the products in 32 bits and wrapped around
        modulus = ibis.literal(_SAMPLE_MODULUS, "int64")
        if key.type().is_integer():
            base = key.cast("int64").abs() % modulus
        else:  # text keys: the place in key order (the engine's collation decides ties of equal text only)
            # through float64: Ibis types ROW_NUMBER as int64 and drops a cast to int64, but Spark's is 32-bit
            base = ibis.row_number().over(order_by=key).cast("float64").cast("int64") % modulus
        seed = ibis.literal((int(random_state) * 7_919 + 1) % _SAMPLE_MODULUS, "int64")
        first, second = (ibis.literal(m, "int64") for m in _SAMPLE_MULTIPLIERS)
        draw = ((base * first) % modulus + seed) % modulus
        draw = (draw * second) % modulus
        chosen = chosen.mutate(_segdash_draw=draw).order_by(["_segdash_draw", data.key]).limit(int(size))
        chosen = chosen.drop("_segdash_draw")
    arrow = data.backend.to_pyarrow(chosen)
    arrow = arrow.take(pc.sort_indices(arrow, sort_keys=[(data.key, "ascending")]))
    return arrow, total
