"""Segmenting customers: by dimensions (:mod:`.rules`), by RFM (:mod:`.rfm`), by clustering (:mod:`.cluster`).

Every method stores one label per imported row in ``segment_labels(_row, segment)`` and returns
a :class:`segdash.schema.Segmentation`. This module holds what the page and the command line
share: default choices and the labels table as written to ``labels.csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from segdash.data import Data
from segdash.schema import Segmentation, is_modelling_role

if TYPE_CHECKING:
    from segdash.workspace import Workspace

#: Roles whose number/date columns are preselected as clustering features, in this order.
DEFAULT_FEATURE_ROLES = ("behavioral", "revenue", "demographic")
#: Roles whose columns describe customers and are preselected when the data can be checked
#: (behaviour and spend, who they are, what they value), categories included.
DESCRIBING_ROLES = ("behavioral", "revenue", "demographic", "psychographic")
#: A category column with more different values than this is free text or a code list, not a trait.
MAX_FEATURE_CATEGORIES = 30
#: A column missing for more than this share of customers is left out of the default features.
MAX_FEATURE_MISSING = 0.5
#: Methods of the command line that are clustering algorithms.
CLUSTER_METHODS = ("kmeans", "gmm", "hierarchical")


def default_cluster_features(roles: dict[str, str], types: dict[str, str], *,
                             data: Data | None = None) -> list[str]:
    """Sensible clustering features: the informative columns that describe customers.

    With ``data`` (the data can be checked): every behavioral, revenue, demographic and
    psychographic column, categories included, that tells customers apart (see
    :func:`cluster_feature_choice`). Without it: the number and date columns of those roles.
    Personal data and ids are never chosen. If none fits, every numeric column that is not
    personal data or an id.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.
    data
        The customers, to leave out constant, mostly-missing and free-text columns.

    Returns
    -------
    list[str]
        Column names in file order within each role.
    """
    if data is not None:
        return cluster_feature_choice(data, roles=roles, types=types)[0]
    chosen = [c for role in DEFAULT_FEATURE_ROLES for c, r in roles.items()
              if r == role and types.get(c) in ("number", "date")]
    if len(chosen) >= 2:
        return chosen
    # One column alone (a survey export's single 1-5 rating) splits into its own values with a
    # "perfect" silhouette that means nothing: add the other numbers (ratings, age) instead.
    others = [c for c, r in roles.items() if is_modelling_role(r) and types.get(c) == "number" and c not in chosen]
    return [*chosen, *others]


def cluster_feature_choice(data: Data, *, roles: dict[str, str],
                           types: dict[str, str]) -> tuple[list[str], list[str]]:
    """The default clustering features and, in plain sentences, why other describing columns were left out.

    A column is chosen when its role describes customers (:data:`DESCRIBING_ROLES`), it has at
    least two different values, it is missing for at most :data:`MAX_FEATURE_MISSING` of the
    customers, and, for text, it has at most :data:`MAX_FEATURE_CATEGORIES` different values
    (more is free text or a code list). Numbers, dates, yes/no and categories all count.

    Parameters
    ----------
    data
        The customers.
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    tuple[list[str], list[str]]
        The features (behavior and spend first, then demographics, then psychographics; file
        order within each) and the notes.
    """
    table = data.customers()
    candidates = [c for role in DESCRIBING_ROLES for c, r in roles.items()
                  if r == role and c in table.columns and types.get(c) in ("number", "date", "text", "boolean")]
    if not candidates:
        return default_cluster_features(roles, types), []
    aggregates = {"_n": table.count()}
    for i, column in enumerate(candidates):
        aggregates[f"d{i}"] = table[column].approx_nunique()
        aggregates[f"m{i}"] = table[column].isnull().sum()
    counts = data.backend.execute(table.aggregate(**aggregates)).iloc[0]
    rows = max(int(counts["_n"]), 1)
    chosen, notes = [], []
    for i, column in enumerate(candidates):
        distinct, missing = int(counts[f"d{i}"]), int(counts[f"m{i}"])
        if distinct < 2:
            notes.append(f"'{column}' left out: it has the same value for every customer.")
        elif missing / rows > MAX_FEATURE_MISSING:
            notes.append(f"'{column}' left out: it is missing for {missing / rows:.0%} of customers.")
        elif types.get(column) == "text" and distinct > MAX_FEATURE_CATEGORIES:
            notes.append(f"'{column}' left out: about {distinct:,} different texts are free text or codes, "
                         "not a trait customers share.")
        else:
            chosen.append(column)
    return chosen, notes


def single_column_message(features: list[str]) -> str | None:
    """A plain sentence when the default features cannot make a clustering worth the name, else ``None``.

    Clustering on one column only cuts that column into ranges, which "By dimensions" does in
    the open; with none there is nothing to cluster on.

    Parameters
    ----------
    features
        The default features (:func:`default_cluster_features`).

    Returns
    -------
    str or None
    """
    if len(features) > 1:
        return None
    if not features:
        return ("No column describes your customers' behaviour, spend, demographics or values, so there is "
                "nothing to cluster on. Set the roles of the columns that do on the Data page (or with --role).")
    return (f"Only one column describes your customers ('{features[0]}'): clustering on it would just cut it "
            "into ranges. Use 'By dimensions' with that column instead, or add columns that describe customers "
            "(set their roles on the Data page, or with --role).")


def labels_key_column(data: Data, *, roles: dict[str, str]) -> str | None:
    """The id column that identifies each loaded row once (role ``id``, no repeats, no blanks), or ``None``.

    Parameters
    ----------
    data
        The customers.
    roles
        Column -> role.

    Returns
    -------
    str or None
        ``None`` means: identify rows by their row number (``_row``) instead.
    """
    table = data.customers()
    for column in [c for c, r in roles.items() if r == "id" and c in table.columns]:
        key = table[column]
        stats = data.backend.execute(table.aggregate(n=table.count(), distinct=key.nunique(),
                                                     blank=key.isnull().sum()))
        row = stats.iloc[0]
        if int(row["blank"]) == 0 and int(row["distinct"]) == int(row["n"]):
            return column
    return None


def labels_table(data: Data, *, roles: dict[str, str],
                 names: dict[str, str] | None = None) -> pa.Table:
    """One row per loaded row, as Arrow: the file's id column (or ``row`` = ``_row``) and ``segment``.

    Columnar all the way (no Python object per customer): a million labels take a fraction of a
    second. :func:`labels_frame` is the same as a DataFrame.

    Parameters
    ----------
    data
        The customers and their labels (a handle over a cursor for another thread).
    roles
        Column -> role (the id column is the first ``id`` column that is unique per row).
    names
        Segment label -> display name (``Workspace.display_names``); ``segment`` then holds the
        names (labels without one stay as they are). ``None``: the labels themselves.

    Returns
    -------
    pyarrow.Table
        Columns ``[<id column> or "row", "segment"]``, in file order.
    """
    key = labels_key_column(data, roles=roles)
    joined = data.labelled()
    value = joined[key] if key is not None else joined[data.key]
    segment = joined["segment"].cast("string")
    if names:
        segment = segment.substitute({str(k): str(v) for k, v in names.items()})
    expr = joined.select(_order=joined[data.key], _key=value, segment=segment).order_by("_order")
    arrow = data.backend.to_pyarrow(expr)
    return pa.table({key if key is not None else "row": arrow.column("_key"), "segment": arrow.column("segment")})


def labels_frame(data: Data, *, roles: dict[str, str],
                 names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per loaded row: the file's id column (or ``row`` = ``_row``) and ``segment``.

    Parameters
    ----------
    data
        The customers and their labels (a handle over a cursor for another thread).
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
    arrow = labels_table(data, roles=roles, names=names)
    return pd.DataFrame({name: arrow.column(name).to_numpy(zero_copy_only=False) for name in arrow.column_names})


#: ``Workspace.cached`` key of the current segmentation's :class:`segdash.profile.Profile`
#: (built by :func:`workspace_profile` when a page first needs it).
PROFILE_CACHE_KEY = ("profile", "build")
#: ``Workspace.cached`` key of its :class:`segdash.profile.ProfileBase` (aggregates and names, no tests):
#: a clustering run fills it when it names the segments, and :func:`workspace_profile` completes it.
PROFILE_BASE_KEY = ("profile", "base")


def workspace_profile(ws: Workspace) -> Any:
    """The current segmentation's full profile, built once per segmentation (with its tests).

    Reuses the aggregates the naming of a clustering run computed (:data:`PROFILE_BASE_KEY`), so
    they are not computed twice; the sample, percentiles and statistical tests are made here,
    when a page first shows them, not on the clustering click (issue 14).

    Parameters
    ----------
    ws
        The workspace, with a segmentation.

    Returns
    -------
    segdash.profile.Profile
    """
    from segdash import profile as prof

    def build() -> Any:
        return prof.build_profile(ws.data, roles=ws.roles, types=ws.column_types(), labels=ws.display_labels(),
                                  base=ws.peek(PROFILE_BASE_KEY), specs=_specs(ws))

    return ws.cached(PROFILE_CACHE_KEY, build)


def _profile_base(ws: Workspace, segmentation: Segmentation) -> Any:
    """The naming's aggregates, with what the workspace already knows (attributes per data, the run's sizes)."""
    from segdash import profile as prof

    attributes, specs, everyone = None, None, None
    if hasattr(ws, "profile_attributes"):  # a workspace that keeps them per data
        (attributes, specs), everyone = ws.profile_attributes(), ws.everyone_numbers()
    return prof.profile_base(ws.data, roles=ws.roles, types=ws.column_types(), labels=ws.display_labels(),
                             specs=specs, attributes=attributes, sizes=segmentation.sizes or None,
                             everyone=everyone)


def _specs(ws: Workspace) -> Any:
    """The workspace's multi-value columns (kept per data), or ``None`` for one that does not keep them."""
    return ws.multivalue_specs() if hasattr(ws, "multivalue_specs") else None


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
        Called with ``progress``; segments ``ws.staged_data`` and returns the :class:`Segmentation`.
    named
        Name the segments from their top traits (clustering, whose labels say nothing). The
        aggregates this needs (:func:`segdash.profile.profile_base`, no sample or tests) are
        cached under :data:`PROFILE_BASE_KEY`, where :func:`workspace_profile` finds them.
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
        discard_labels(ws.staged_data)
    if named:
        report(0.95, "Naming the segments from their top traits ...")
        base = ws.cached(PROFILE_BASE_KEY, lambda: _profile_base(ws, segmentation))
        for label, name in base.names.items():
            ws.rename_segment(label, name)
    return segmentation
