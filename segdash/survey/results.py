"""Survey results kept in a project, read back for other pages (playbook, OKRs, KPIs).

The Survey page saves each verdict with ``project.put_doc("survey", "verdict", doc)`` (the latest)
and, when the segmentation is a saved snapshot, also as ``"verdict <snapshot id>"``. The document
holds ``kpis``: per segment ``segment``, ``answers``, ``confirmation_rate`` (0-1),
``average_satisfaction``, ``preferred_channel`` and ``preferred_tone``
(:func:`segdash.survey.verdict.segment_kpis`). A verdict saved before the snapshot id was kept in
it is tied to its snapshot through the sample it answers (the sample's ``snapshot_id``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segdash.store import StoreError

DOC_KIND = "survey"
LATEST = "verdict"
KPI_COLUMNS = ("segment", "answers", "confirmation_rate", "average_satisfaction", "preferred_channel",
               "preferred_tone")


def verdict_name(snapshot_id: str) -> str:
    """The document name of the verdict of one saved snapshot."""
    return f"{LATEST} {snapshot_id}"


def _snapshot_of(project: Any, doc: dict[str, Any]) -> str:
    snapshot_id = str(doc.get("snapshot_id") or "")
    if snapshot_id or not doc.get("sample"):
        return snapshot_id
    try:
        meta = project.table_meta("survey_samples", str(doc["sample"])) or {}
    except StoreError:
        return ""
    return str(meta.get("snapshot_id") or "")


def kpi_frame(doc: dict[str, Any] | None) -> pd.DataFrame:
    """The per-segment survey KPIs of a saved verdict document (empty without one)."""
    rows = (doc or {}).get("kpis") or []
    frame = pd.DataFrame([{c: row.get(c) for c in KPI_COLUMNS} for row in rows if isinstance(row, dict)],
                         columns=list(KPI_COLUMNS))
    frame["segment"] = frame["segment"].astype(str)
    frame["answers"] = pd.to_numeric(frame["answers"], errors="coerce").fillna(0).astype("int64")
    for column in ("confirmation_rate", "average_satisfaction"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def survey_kpis(project: Any) -> dict[str, pd.DataFrame]:
    """Snapshot id -> the survey KPIs of the newest verdict saved for it.

    Parameters
    ----------
    project
        A :class:`segdash.store.Project` (``None``: no results).

    Returns
    -------
    dict[str, pandas.DataFrame]
        :data:`KPI_COLUMNS` per snapshot that has a verdict (a verdict not tied to a saved
        snapshot is left out).
    """
    if project is None:
        return {}
    found: dict[str, tuple[str, pd.DataFrame]] = {}
    try:
        names = project.list_docs(DOC_KIND)
    except StoreError:
        return {}
    for name in names:
        if name != LATEST and not name.startswith(LATEST + " "):
            continue
        try:
            doc = project.get_doc(DOC_KIND, name) or {}
        except StoreError:
            continue
        snapshot_id = _snapshot_of(project, doc) or (name[len(LATEST) + 1:] if name != LATEST else "")
        if not snapshot_id:
            continue
        stamp = str(doc.get("saved_at") or "")
        if snapshot_id not in found or stamp >= found[snapshot_id][0]:
            found[snapshot_id] = (stamp, kpi_frame(doc))
    return {snapshot_id: frame for snapshot_id, (_, frame) in found.items()}


def latest_kpis(project: Any) -> pd.DataFrame:
    """The survey KPIs of the latest verdict saved in ``project`` (empty without one)."""
    if project is None:
        return kpi_frame(None)
    try:
        return kpi_frame(project.get_doc(DOC_KIND, LATEST))
    except StoreError:
        return kpi_frame(None)


def overall(frame: pd.DataFrame, column: str) -> float:
    """A survey KPI for all customers: the segments' values weighted by their answers (NaN without any)."""
    known = frame[frame[column].notna() & (frame["answers"] > 0)]
    if known.empty:
        return float("nan")
    return float(np.average(known[column].astype(float), weights=known["answers"].astype(float)))


def kpi_table(frame: pd.DataFrame, *, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The survey KPIs as a table for a page: one row per segment, plain column names.

    Parameters
    ----------
    frame
        :data:`KPI_COLUMNS` (:func:`survey_kpis`, :func:`latest_kpis` or ``SurveyVerdict.kpis``).
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
        ``Segment``, ``Answers``, ``Confirmed %`` (0-100, NaN when no confirmation question was
        checked), ``Average satisfaction``, ``Preferred channel``, ``Preferred tone`` (``–`` when not asked).
    """
    names = names or {}
    return pd.DataFrame({
        "Segment": [names.get(str(s), str(s)) for s in frame["segment"]],
        "Answers": frame["answers"].astype("int64").to_numpy(),
        "Confirmed %": (frame["confirmation_rate"].astype(float) * 100).to_numpy(),
        "Average satisfaction": frame["average_satisfaction"].astype(float).to_numpy(),
        "Preferred channel": [str(v) if v is not None and not pd.isna(v) else "–" for v in frame["preferred_channel"]],
        "Preferred tone": [str(v) if v is not None and not pd.isna(v) else "–" for v in frame["preferred_tone"]],
    })


def segment_sentence(frame: pd.DataFrame, segment: str) -> str:
    """What the survey said about one segment, in one line ("" when it gave no answers).

    E.g. ``"12 answers: 83% of the checks against the data agree; satisfaction 4.2; prefer Email;
    tone casual."``.
    """
    rows = frame[frame["segment"].astype(str) == str(segment)]
    if rows.empty or int(rows.iloc[0]["answers"]) == 0:
        return ""
    row = rows.iloc[0]
    answers = int(row["answers"])
    parts = [f"{answers:,} answer{'s' if answers != 1 else ''}"]
    details = []
    if pd.notna(row["confirmation_rate"]):
        details.append(f"{float(row['confirmation_rate']):.0%} of the checks against the data agree")
    if pd.notna(row["average_satisfaction"]):
        details.append(f"satisfaction {float(row['average_satisfaction']):.1f}")
    if row["preferred_channel"] is not None and not pd.isna(row["preferred_channel"]):
        details.append(f"prefer {row['preferred_channel']}")
    if row["preferred_tone"] is not None and not pd.isna(row["preferred_tone"]):
        details.append(f"tone {row['preferred_tone']}")
    return parts[0] + (": " + "; ".join(details) if details else "") + "."
