"""The one way segdash writes a number for people (tables, cards, sentences, labels, charts)."""

from __future__ import annotations

import math
from typing import Any


def format_number(value: Any, *, compact: bool = False, missing: str = "–") -> str:
    """A number for a screen: thousands separators and no needless decimals.

    Parameters
    ----------
    value
        Any real number (``None`` and NaN are missing).
    compact
        For sentences and cards: whole numbers from 10 up, at most one decimal below
        (``26152.4`` -> ``"26,152"``, ``3.44`` -> ``"3.4"``). Otherwise at most two decimals,
        three significant digits below 1 (``1234.5`` -> ``"1,234.5"``, ``0.00123`` -> ``"0.00123"``).
    missing
        What a missing value shows as.

    Returns
    -------
    str
    """
    if value is None:
        return missing
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return missing
    if compact:
        if abs(number) >= 10:
            return f"{number:,.0f}"
        text = f"{number:,.1f}"
        return text[:-2] if text.endswith(".0") else text
    if number.is_integer():
        return f"{int(number):,}"
    if abs(number) < 1:
        return f"{number:.3g}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")
