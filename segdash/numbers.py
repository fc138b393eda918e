"""The one way segdash writes a number for people (tables, cards, sentences, labels, charts)."""

from __future__ import annotations

import math
from typing import Any


def nice_number(value: float, *, digits: int = 3) -> float:
    """Round ``value`` to ``digits`` significant digits (41,234.5 -> 41,200).

    Parameters
    ----------
    value
        Any number.
    digits
        Significant digits kept.

    Returns
    -------
    float
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    magnitude = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - magnitude))


def format_number(value: Any, *, compact: bool = False, significant: int | None = None,
                  missing: str = "–") -> str:
    """A number for a screen: thousands separators and no needless decimals.

    Parameters
    ----------
    value
        Any real number (``None`` and NaN are missing; text is returned as it is).
    compact
        For sentences and cards: whole numbers from 10 up, at most one decimal below
        (``26152.4`` -> ``"26,152"``, ``3.44`` -> ``"3.4"``). Otherwise at most two decimals,
        three significant digits below 1 (``1234.5`` -> ``"1,234.5"``, ``0.00123`` -> ``"0.00123"``).
    significant
        For band edges and cut points: whole numbers as they are, other numbers rounded to this
        many significant digits (``8.6234`` -> ``"8.62"``, ``41234.5`` -> ``"41,200"`` with 3).
        Takes precedence over ``compact``.
    missing
        What a missing value shows as.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(1234.5), format_number(1234.5, compact=True), format_number(1234.5, significant=3)
    ('1,234.5', '1,234', '1,230')
    """
    if value is None:
        return missing
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return missing
    if significant is not None:
        if number.is_integer():
            return f"{int(number):,}"
        if abs(number) >= 1e6:
            return f"{number:,.0f}"
        return f"{nice_number(number, digits=significant):,.6g}"
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
