"""Plain words for statistics, so the first view of a page speaks to a marketer.

The figures themselves stay in each page's "Details for analysts".
"""

from __future__ import annotations

import math


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
