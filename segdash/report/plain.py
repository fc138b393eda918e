"""Plain words for statistics, so the first view of a page speaks to a marketer.

The figures themselves stay in each page's "Details for analysts".
"""

from __future__ import annotations

import math

import pandas as pd


def clarity_words(silhouette: float | None) -> str:
    """How clearly customers fall into groups, from a silhouette score (-1 to 1).

    Parameters
    ----------
    silhouette
        Mean silhouette (``sklearn.metrics.silhouette_score``), or ``None``.

    Returns
    -------
    str
        e.g. ``"clearly"`` (0.5 and up) down to ``"hardly: the groups overlap a lot"`` (below 0.1).
    """
    if silhouette is None or not math.isfinite(silhouette):
        return "not measured"
    if silhouette >= 0.5:
        return "clearly"
    if silhouette >= 0.25:
        return "fairly clearly"
    if silhouette >= 0.1:
        return "somewhat: neighbouring groups overlap"
    return "hardly: the groups overlap a lot"


def chance_words(p_value: float | None) -> str:
    """How likely a difference is to be chance, from a (corrected) p-value.

    Parameters
    ----------
    p_value
        Probability, or ``None``.

    Returns
    -------
    str
        ``"very unlikely to be chance"`` (under 0.1%) ... ``"could well be chance"`` (5% and up).
    """
    if p_value is None or not math.isfinite(p_value):
        return "not tested"
    if p_value < 0.001:
        return "very unlikely to be chance"
    if p_value < 0.05:
        return "unlikely to be chance"
    return "could well be chance"


def tests_table(tests: pd.DataFrame) -> pd.DataFrame:
    """The first view of "are the differences real?": one plain line per attribute, no statistics.

    Parameters
    ----------
    tests
        :attr:`segdash.profile.Profile.tests` (``label``, ``differs``, ``strength``, ``p_adjusted``).

    Returns
    -------
    pandas.DataFrame
        ``Attribute``, ``Do segments differ?``, ``How much``, ``Could it be chance?``.
    """
    p_values = pd.to_numeric(tests["p_adjusted"], errors="coerce")
    tested = p_values.notna()
    return pd.DataFrame({
        "Attribute": tests["label"].astype(str),
        "Do segments differ?": [("Yes" if bool(d) else "No") if t else "Not tested"
                                for d, t in zip(tests["differs"], tested, strict=True)],
        "How much": tests["strength"].astype(str).str.capitalize(),
        "Could it be chance?": [chance_words(float(p)) if t else "not tested"
                                for p, t in zip(p_values, tested, strict=True)],
    })
