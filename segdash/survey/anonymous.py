"""Anonymous answers (no token, email or id): place them in segments by the segments' own rules.

Only segments made by dimensions (rules over columns) can be rebuilt from answers: the answers
must then hold every column the rules use (same name as in the customer file, or the kit question
that asks for it). Numeric rules accept numbers, or band answers placed by the middle of their
band. Clustering and RFM segments rest on data respondents cannot give; the page says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from segdash.data import Data
from segdash.schema import Segmentation
from segdash.survey.answers import band_interval, normalise_answer


@dataclass
class Placed:
    """Anonymous answers placed in segments, or why they could not be.

    Attributes
    ----------
    answers
        The answers with ``_segment`` (``None`` when nothing could be placed).
    columns
        Customer column -> answers column used.
    missing
        Customer columns the rules need that the answers lack.
    message
        One plain sentence for the page.
    notes
        Caveats (bands placed by their middle, ...).
    """

    answers: pd.DataFrame | None
    columns: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    message: str = ""
    notes: list[str] = field(default_factory=list)


def _norm(name: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).casefold())


def rule_columns(segmentation: Segmentation) -> list[str]:
    """Columns the segments' rules use (dimensions and filter conditions); empty for other methods."""
    if segmentation.method != "dimensions":
        return []
    dims = [d["column"] for d in segmentation.settings.get("dimensions", [])]
    conds = [c["column"] for c in segmentation.settings.get("conditions", [])]
    return list(dict.fromkeys([*dims, *conds]))


def find_columns(answers: pd.DataFrame, needed: list[str], *, kit: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Customer column -> answers column that holds it (same name, or the kit question asking for it)."""
    by_name = {_norm(c): c for c in answers.columns if c != "_row"}
    found = {}
    for column in needed:
        match = by_name.get(_norm(column))
        if match is None:
            for item in kit or []:
                if item.get("column") == column:
                    match = by_name.get(_norm(item.get("question", ""))) or by_name.get(_norm(item.get("label", "")))
                    if match:
                        break
        if match is not None:
            found[column] = match
    return found


def _as_number(value: Any) -> float | None:
    interval = band_interval(value)
    if interval is None:
        return None
    lo, hi = interval
    if lo == -math.inf:
        return hi - 1 if hi != math.inf else None
    if hi == math.inf:
        return lo
    return (lo + hi) / 2


def place_answers(
    data: Data,
    answers: pd.DataFrame,
    *,
    segmentation: Segmentation,
    types: dict[str, str],
    kit: list[dict[str, Any]] | None = None,
) -> Placed:
    """Segment anonymous answers by the same rules as the customers.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
        the segments were made).
    answers
        The imported answers.
    segmentation
        The current segmentation.
    types
        Customer column -> type.
    kit
        The question kit (maps questions to columns).

    Returns
    -------
    Placed
    """
    from segdash.segment.rules import (
        NOT_SEGMENTED,
        OTHER,
        SEPARATOR,
        Band,
        Condition,
        Dimension,
        _bands_for,
        _dimension_expr,
        _numeric_stats,
        filter_expr,
    )

    if segmentation.method != "dimensions":
        method = {"rfm": "RFM (recency, frequency and spend)"}.get(segmentation.method, "clustering")
        return Placed(None, message=(
            f"These segments were made by {method}, which respondents cannot report about themselves, so "
            "anonymous answers cannot be placed in segments. Add the survey token (or the email) to the survey "
            "so answers can be matched to the customers invited."))
    needed = rule_columns(segmentation)
    found = find_columns(answers, needed, kit=kit)
    missing = [c for c in needed if c not in found]
    if missing:
        return Placed(None, columns=found, missing=missing, message=(
            "The answers have no token, email or customer id, so they are placed in segments by the segments' "
            f"rules; those need {', '.join(needed)}, and the answers lack {', '.join(missing)}. Ask for "
            f"{' and '.join(missing)} in the survey (the question kit does), or add the survey token."))
    dims = [Dimension(column=d["column"], banding=d.get("banding", "quantiles"), bands=int(d.get("bands", 4)),
                      edges=tuple(d.get("edges") or ())) for d in segmentation.settings.get("dimensions", [])]
    conds = [Condition(column=c["column"], operator=c["operator"], value=c.get("value"))
             for c in segmentation.settings.get("conditions", [])]
    backend = data.backend
    customers = data.customers()
    notes = []
    data = {}
    for column, source in found.items():
        values = answers[source]
        if types.get(column) == "number":
            numbers = pd.to_numeric(values, errors="coerce")
            if numbers.notna().sum() < values.notna().sum():
                numbers = numbers.fillna(values.map(_as_number).astype(float))
                notes.append(f"'{source}' holds bands, so respondents were placed by the middle of their band; one "
                             f"near a cut of {column} may land in the neighbouring segment.")
            data[column] = numbers.astype(float).to_numpy()
        else:
            known = customers.select(v=customers[column].cast("string")).distinct().execute()["v"].dropna()
            spelled = {normalise_answer(v): v for v in known}
            data[column] = values.map(lambda v, s=spelled: None if pd.isna(v) else s.get(normalise_answer(v), str(v)))
            data[column] = data[column].astype(object).to_numpy()
    frame = pd.DataFrame(data)
    frame["_i"] = range(len(frame))
    table = ibis.memtable(frame)
    # the bands the segments were made with: from the segmentation's model (as a saved snapshot
    # keeps them), else worked out again from the customers exactly as when segmenting
    saved = (segmentation.model or {}).get("bands", {})
    combine = segmentation.settings.get("combine", "and")
    numeric = [d for d in dims if types.get(d.column) == "number" and d.column not in saved]
    stats = _numeric_stats(customers.filter(filter_expr(customers, conds, combine=combine, types=types))
                           if conds else customers, numeric, types) if numeric else {}
    parts = []
    for dim in dims:
        kind = types.get(dim.column, "text")
        bands = None
        if kind == "number":
            bands = ([Band(*band) for band in saved[dim.column]] if dim.column in saved
                     else _bands_for(dim, stats[dim.column]))
        parts.append(_dimension_expr(table, dim, kind, bands)[0])
    label = parts[0]
    for part in parts[1:]:
        label = label.concat(SEPARATOR, part)
    if conds:
        passes = filter_expr(table, conds, combine=combine, types=types)
        label = ibis.ifelse(passes, label, NOT_SEGMENTED)
    result = backend.execute(table.select(table._i, _segment=label).order_by("_i"))
    known = set(segmentation.sizes)
    other = (segmentation.model or {}).get("other") or next((s for s in segmentation.sizes if s.startswith(OTHER)),
                                                            None)
    other = other if other in known else None
    segment = result["_segment"].map(lambda s: s if s in known else (other or s))
    placed = answers.copy()
    placed["_segment"] = segment.to_numpy()
    placed["_key"] = None
    outside = int((~segment.isin(known)).sum())
    if outside:
        notes.append(f"{outside:,} answers fall in no current segment (a combination no customer has).")
    return Placed(placed, columns=found, message=(
        f"The answers have no token, email or customer id, so {len(placed):,} answers were placed in segments by "
        f"the segments' rules ({', '.join(found)})."), notes=notes)
