"""Segmenting customers: by dimensions (:mod:`.rules`), by RFM (:mod:`.rfm`), by clustering (:mod:`.cluster`).

Every method stores one label per imported row in ``segment_labels(_row, segment)`` and returns
a :class:`segdash.schema.Segmentation`. This module holds what the page and the command line
share: default choices and the labels table as written to ``labels.csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from segdash import db
from segdash.schema import Segmentation, is_modelling_role

if TYPE_CHECKING:
    from segdash.workspace import Workspace

#: Roles whose number/date columns are preselected as clustering features, in this order.
DEFAULT_FEATURE_ROLES = ("behavioral", "revenue", "demographic")
#: Methods of the command line that are clustering algorithms.
CLUSTER_METHODS = ("kmeans", "gmm", "hierarchical")


def default_cluster_features(roles: dict[str, str], types: dict[str, str]) -> list[str]:
    """Sensible clustering features: the numeric and date columns that describe behaviour and spend.

    Behavioral and revenue columns (orders, spend, last purchase) come first, then numeric
    demographics (age, income). Personal data and ids are never chosen. If none fits, every
    numeric column that is not personal data or an id.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    list[str]
        Column names in file order within each role.
    """
    chosen = [c for role in DEFAULT_FEATURE_ROLES for c, r in roles.items()
              if r == role and types.get(c) in ("number", "date")]
    if chosen:
        return chosen
    return [c for c, r in roles.items() if is_modelling_role(r) and types.get(c) == "number"]


def labels_key_column(con: duckdb.DuckDBPyConnection, *, roles: dict[str, str]) -> str | None:
    """The id column that identifies each loaded row once (role ``id``, no repeats, no blanks), or ``None``.

    Parameters
    ----------
    con
        The workspace's DuckDB connection.
    roles
        Column -> role.

    Returns
    -------
    str or None
        ``None`` means: identify rows by their row number (``_row``) instead.
    """
    table = db.backend(con).table(db.TABLE)
    for column in [c for c, r in roles.items() if r == "id" and c in table.columns]:
        key = table[column]
        stats = table.aggregate(n=table.count(), distinct=key.nunique(), blank=key.isnull().sum()).execute()
        row = stats.iloc[0]
        if int(row["blank"]) == 0 and int(row["distinct"]) == int(row["n"]):
            return column
    return None


def labels_frame(con: duckdb.DuckDBPyConnection, *, roles: dict[str, str],
                 names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per loaded row: the file's id column (or ``row`` = ``_row``) and ``segment``.

    Parameters
    ----------
    con
        The workspace's DuckDB connection (or a cursor of it), with ``segment_labels`` written.
    roles
        Column -> role (the id column is the first ``id`` column that is unique per row).
    names
        Segment label -> display name (``Workspace.display_names``); ``segment`` then holds the
        names (labels without one stay as they are). ``None``: the labels themselves.

    Returns
    -------
    pandas.DataFrame
        Columns ``[<id column> or "row", "segment"]``, in file order.
    """
    backend = db.backend(con)
    table = backend.table(db.TABLE)
    labels = backend.table(db.LABELS)
    key = labels_key_column(con, roles=roles)
    joined = table.join(labels, table[db.ROW] == labels[db.ROW])
    name = key if key is not None else "row"
    value = joined[key] if key is not None else joined[db.ROW]
    expr = joined.select(_order=joined[db.ROW], _key=value, segment=joined["segment"]).order_by("_order")
    frame = expr.execute()
    segments = frame["segment"]
    if names:
        segments = segments.map(lambda label: names.get(label, label))
    return pd.DataFrame({name: frame["_key"].to_numpy(), "segment": segments.to_numpy()})


#: ``Workspace.cached`` key of the current segmentation's :class:`segdash.profile.Profile`
#: (the Profiles page reads it; a clustering run fills it when it names the segments).
PROFILE_CACHE_KEY = ("profile", "build")


def run_segmentation(
    ws: Workspace,
    fit: Callable[[Callable[[float, str], None]], Segmentation],
    *,
    named: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> Segmentation:
    """Run one segmentation and make it current, or leave the previous one exactly as it was.

    ``fit`` stages its labels (``segment_labels_next``); only :meth:`Workspace.set_segmentation`
    swaps them in. Whatever stops the run before that (an error, a stopped Streamlit rerun,
    which raises from inside a ``progress`` call) drops the staged labels, so the current
    labels, segmentation, names and cache stay together.

    Parameters
    ----------
    ws
        The workspace.
    fit
        Called with ``progress``; segments ``ws.con`` and returns the :class:`Segmentation`.
    named
        Name the segments from their top traits (clustering, whose labels say nothing). The
        profile this needs is built once and cached under :data:`PROFILE_CACHE_KEY`, where the
        Profiles page finds it.
    progress
        ``progress(fraction, message)`` for a progress bar.

    Returns
    -------
    Segmentation
        The new current segmentation.

    Raises
    ------
    segdash.errors.SegdashError
        Whatever ``fit`` raises for settings that do not work; the previous segmentation stays.
    """
    from segdash.segment.base import discard_labels

    report = progress or (lambda fraction, message: None)
    try:
        segmentation = fit(report)
        ws.set_segmentation(segmentation)
    finally:
        discard_labels(ws.con)
    if named:
        from segdash import profile as prof

        report(0.95, "Naming the segments from their top traits ...")
        profile = ws.cached(PROFILE_CACHE_KEY,
                            lambda: prof.build_profile(ws.con, roles=ws.roles, types=ws.column_types(),
                                                       labels=ws.column_labels))
        for label, name in profile.names.items():
            ws.rename_segment(label, name)
    return segmentation
