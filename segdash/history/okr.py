"""Objectives and key results per segment: saved in the project, measured on every snapshot.

An objective is a sentence ("Grow our loyal phone customers") with key results. A key result
is a KPI (:class:`segdash.history.kpi.Kpi`), a segment (a label, or
:data:`segdash.history.kpi.ALL`), a target, a start date and a due date. They are saved with
``project.put_doc("okrs", "okrs", {"objectives": [...]})``.

How a key result is judged (:func:`evaluate`):

* its **series** are the snapshots that hold its segment (all snapshots for all customers),
  oldest first; for a survey KPI, only the snapshots with a survey verdict;
* **start value**: the value in the newest of those snapshots saved on or before the start date
  (the snapshot that was current when the key result was written), else the oldest one;
* **current value**: the value in the newest snapshot of the series;
* **progress** = (current - start) / (target - start), in % (so a target below the start, such as
  a lower CAC, works the same way);
* **status**, against the share of time elapsed between start and due date: *on track* when the
  progress is at least the elapsed share minus 10 points (or the target is reached), *at risk*
  when it is within 25 points, *behind* otherwise or when the due date has passed short of the
  target. Undefined values give ``n/a`` with the reason.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from segdash.history.kpi import ALL, ALL_NAME, NO_VERDICT, SURVEY, Kpi, format_kpi, kpi_history
from segdash.history.snapshots import HistoryError, Snapshot

DOC_KIND = "okrs"
DOC_NAME = "okrs"
#: Points of progress below the time elapsed still "on track" / still only "at risk".
ON_TRACK_SLACK = 10.0
AT_RISK_SLACK = 25.0
STATUSES = ("on track", "at risk", "behind", "n/a")
TABLE_COLUMNS = ("Objective", "Key result", "Segment", "KPI", "Start", "Current", "Target", "Due",
                 "Progress %", "Status", "Note")
#: The columns shown on screen (segment, KPI and due date are in the key result's sentence).
SCREEN_COLUMNS = ("Objective", "Key result", "Start", "Current", "Target", "Progress %", "Status", "Note")


def _new_id() -> str:
    return secrets.token_hex(4)


@dataclass
class KeyResult:
    """A KPI of a segment to bring to a target by a date."""

    kpi: Kpi
    segment: str
    target: float
    due: date
    start: date
    id: str = field(default_factory=_new_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "kpi": self.kpi.to_dict(), "segment": self.segment, "target": float(self.target),
                "due": self.due.isoformat(), "start": self.start.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyResult:
        """The key result saved by :meth:`to_dict`."""
        return cls(kpi=Kpi.from_dict(data.get("kpi") or {}), segment=str(data.get("segment", ALL)),
                   target=float(data.get("target", 0.0)), due=date.fromisoformat(str(data["due"])),
                   start=date.fromisoformat(str(data["start"])), id=str(data.get("id") or _new_id()))


@dataclass
class Objective:
    """An objective in words and its key results."""

    title: str
    key_results: list[KeyResult] = field(default_factory=list)
    id: str = field(default_factory=_new_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "title": self.title, "key_results": [kr.to_dict() for kr in self.key_results]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Objective:
        """The objective saved by :meth:`to_dict`."""
        return cls(title=str(data.get("title", "")), id=str(data.get("id") or _new_id()),
                   key_results=[KeyResult.from_dict(k) for k in data.get("key_results") or []])


def new_objective(title: str) -> Objective:
    """An objective with no key results yet.

    Raises
    ------
    HistoryError
        The title is blank.
    """
    cleaned = " ".join(str(title or "").split())
    if not cleaned:
        raise HistoryError("Write the objective in a few words, for example 'Grow our loyal phone customers'.")
    if len(cleaned) > 300:
        raise HistoryError("Keep the objective under 300 characters.")
    return Objective(title=cleaned)


def new_key_result(kpi: Kpi, *, segment: str, target: Any, due: date, start: date | None = None) -> KeyResult:
    """A validated key result.

    Parameters
    ----------
    kpi
        What to measure.
    segment
        Segment label, or :data:`segdash.history.kpi.ALL`.
    target
        The value to reach, in the KPI's unit (shares and ROI in %).
    due
        When it should be reached.
    start
        When it starts (default: today).

    Raises
    ------
    HistoryError
        The target is not a number, or the due date is not after the start.
    """
    start = start or date.today()
    try:
        value = float(target)
    except (TypeError, ValueError) as err:
        raise HistoryError(f"The target must be a number, not '{target}'.") from err
    if not math.isfinite(value):
        raise HistoryError("The target must be a number.")
    if due <= start:
        raise HistoryError(f"The due date ({due}) must be after the start ({start}).")
    return KeyResult(kpi=kpi, segment=str(segment), target=value, due=due, start=start)


def edit_objective(objectives: list[Objective], objective_id: str, *, title: str) -> list[Objective]:
    """The objectives with one objective's title rewritten (its key results kept).

    Parameters
    ----------
    objectives
        The objectives as saved.
    objective_id
        The objective to edit.
    title
        Its new wording (checked as for a new objective).

    Returns
    -------
    list[Objective]
        New objects; ``objectives`` is left as it was.

    Raises
    ------
    HistoryError
        The title is blank or too long, or no objective has that id.
    """
    cleaned = new_objective(title).title
    found = False
    edited = []
    for objective in objectives:
        copy = Objective.from_dict(objective.to_dict())
        if copy.id == objective_id:
            copy.title = cleaned
            found = True
        edited.append(copy)
    if not found:
        raise HistoryError("That objective is no longer saved; reload the page.")
    return edited


def edit_key_result(objectives: list[Objective], key_result_id: str, *, target: Any = None,
                    due: date | None = None, segment: str | None = None, kpi: Kpi | None = None) -> list[Objective]:
    """The objectives with one key result changed (what is not given stays as it was).

    Its id and start date are kept, so its progress is still measured from when it was set.

    Parameters
    ----------
    objectives
        The objectives as saved.
    key_result_id
        The key result to edit.
    target, due, segment, kpi
        The new target, due date, segment label or KPI (``None``: unchanged).

    Returns
    -------
    list[Objective]
        New objects; ``objectives`` is left as it was.

    Raises
    ------
    HistoryError
        The target is not a number, the due date is not after the start, or no key result has that id.
    """
    found = False
    edited = []
    for objective in objectives:
        copy = Objective.from_dict(objective.to_dict())
        for position, kr in enumerate(copy.key_results):
            if kr.id != key_result_id:
                continue
            checked = new_key_result(kpi or kr.kpi, segment=kr.segment if segment is None else segment,
                                     target=kr.target if target is None else target,
                                     due=due or kr.due, start=kr.start)
            checked.id = kr.id
            copy.key_results[position] = checked
            found = True
        edited.append(copy)
    if not found:
        raise HistoryError("That key result is no longer saved; reload the page.")
    return edited


def load_objectives(project: Any) -> list[Objective]:
    """The objectives saved in ``project`` (none yet: an empty list)."""
    data = project.get_doc(DOC_KIND, DOC_NAME, default=None) or {}
    return [Objective.from_dict(o) for o in data.get("objectives") or []]


def save_objectives(project: Any, objectives: list[Objective]) -> None:
    """Save ``objectives`` in ``project`` (replacing what was there, atomically)."""
    project.put_doc(DOC_KIND, DOC_NAME, {"objectives": [o.to_dict() for o in objectives]})


# -- judging ----------------------------------------------------------------------------------------
def progress_pct(start: float, current: float, target: float) -> tuple[float | None, str]:
    """Progress from ``start`` towards ``target`` in %, or ``None`` with the reason."""
    values = (start, current, target)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None, ""
    if target == start:
        if current == target:
            return 100.0, ""
        return None, "the target equals the start value"
    return 100.0 * (current - start) / (target - start), ""


def elapsed_pct(*, start: date, due: date, today: date) -> float:
    """Share of the time from ``start`` to ``due`` that has passed, in % (0-100)."""
    span = (due - start).days
    if span <= 0:
        return 100.0
    return max(0.0, min(100.0, 100.0 * (today - start).days / span))


def status(progress: float | None, *, start: date, due: date, today: date) -> str:
    """``on track``, ``at risk``, ``behind`` (or ``n/a``) given the progress and the time elapsed."""
    if progress is None:
        return "n/a"
    if progress >= 100.0:
        return "on track"
    if today > due:
        return "behind"
    expected = elapsed_pct(start=start, due=due, today=today)
    if progress >= expected - ON_TRACK_SLACK:
        return "on track"
    if progress >= expected - AT_RISK_SLACK:
        return "at risk"
    return "behind"


def series_for(key_result: KeyResult, history: pd.DataFrame) -> pd.DataFrame:
    """The key result's values across snapshots (``snapshot_id``, ``snapshot``, ``created``, ``value``, ``reason``)."""
    rows = history[(history["kpi"] == key_result.kpi.key) & (history["segment"] == key_result.segment)]
    if key_result.kpi.metric in SURVEY:  # a survey is not run on every snapshot: follow the ones surveyed
        rows = rows[rows["reason"] != NO_VERDICT]
    return rows.sort_values(["created", "snapshot_id"], kind="stable")[
        ["snapshot_id", "snapshot", "created", "value", "reason"]].reset_index(drop=True)


def evaluate(objectives: list[Objective], history: pd.DataFrame, *, today: date | None = None,
             names: dict[str, str] | None = None) -> pd.DataFrame:
    """Start, current, progress and status of every key result.

    Parameters
    ----------
    objectives
        The objectives.
    history
        :func:`segdash.history.kpi.kpi_history` over the project's snapshots for these KPIs.
    today
        The day to judge on (default: today).
    names
        Segment label -> display name.

    Returns
    -------
    pandas.DataFrame
        One row per key result: ``objective_id``, ``key_result_id``, :data:`TABLE_COLUMNS`
        (formatted text for the screen and exports) and the raw ``start_value``,
        ``current_value``, ``target_value``, ``progress`` (floats, NaN when undefined).
    """
    today = today or date.today()
    names = {ALL: ALL_NAME, **(names or {})}
    rows = []
    for objective in objectives:
        for kr in objective.key_results:
            series = series_for(kr, history)
            note = ""
            start_value = current_value = math.nan
            if series.empty:
                note = f"no saved snapshot has the segment '{names.get(kr.segment, kr.segment)}'"
            else:
                started = series[series["created"].astype(str).str[:10] <= kr.start.isoformat()]
                first = started.iloc[-1] if len(started) else series.iloc[0]
                last = series.iloc[-1]
                start_value, current_value = float(first["value"]), float(last["value"])
                if math.isnan(start_value):
                    note = f"start value n/a: {first['reason']}"
                elif math.isnan(current_value):
                    note = f"current value n/a: {last['reason']}"
            progress, why = progress_pct(start_value, current_value, kr.target)
            note = note or why
            state = status(progress, start=kr.start, due=kr.due, today=today)
            if progress is not None and progress >= 100.0:
                note = note or "target reached"
            unit = kr.kpi.unit
            rows.append({
                "objective_id": objective.id, "key_result_id": kr.id,
                "Objective": objective.title,
                "Key result": f"{names.get(kr.segment, kr.segment)}: {kr.kpi.label.lower()} to "
                              f"{format_kpi(kr.target, unit=unit)} by {kr.due.isoformat()}",
                "Segment": names.get(kr.segment, kr.segment), "KPI": kr.kpi.label,
                "Start": format_kpi(start_value, unit=unit), "Current": format_kpi(current_value, unit=unit),
                "Target": format_kpi(kr.target, unit=unit), "Due": kr.due.isoformat(),
                "Progress %": "n/a" if progress is None else f"{progress:,.0f}%",
                "Status": state, "Note": note,
                "start_value": start_value, "current_value": current_value, "target_value": kr.target,
                "progress": math.nan if progress is None else progress,
            })
    columns = ["objective_id", "key_result_id", *TABLE_COLUMNS, "start_value", "current_value", "target_value",
               "progress"]
    return pd.DataFrame(rows, columns=columns)


def all_kpis(objectives: list[Objective]) -> list[Kpi]:
    """Every KPI the key results use, once each."""
    return list(dict.fromkeys(kr.kpi for o in objectives for kr in o.key_results))


def okr_history(snapshots: list[Snapshot], objectives: list[Objective]) -> pd.DataFrame:
    """KPI values the key results need, on every snapshot (see :func:`segdash.history.kpi.kpi_history`)."""
    return kpi_history(snapshots, all_kpis(objectives))


def export_table(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The OKR table people see and download (text columns only; pass it through the safe exporters)."""
    return evaluated[list(TABLE_COLUMNS)].copy() if len(evaluated) else pd.DataFrame(columns=list(TABLE_COLUMNS))


def report_summary(project: Any, *, today: date | None = None,
                   snapshots: list[Snapshot] | None = None) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """What the meeting report needs about OKRs: sentences and the OKR table (no personal data).

    Parameters
    ----------
    project
        A :class:`segdash.store.Project`.
    today
        The day to judge on (default: today).
    snapshots
        The project's snapshots, loaded (default: all of them).

    Returns
    -------
    tuple[list[str], dict[str, pandas.DataFrame]]
        Sentences such as "Grow our loyal phone customers: 2 of 3 key results on track, 1 behind."
        and ``{"OKRs": table}``.
    """
    from segdash.history.snapshots import load_snapshot

    objectives = load_objectives(project)
    if not objectives:
        return ["No objectives are set for this project yet."], {"OKRs": export_table(pd.DataFrame())}
    if snapshots is None:
        snapshots = [load_snapshot(project, s["id"]) for s in project.segmentations()]
    names: dict[str, str] = {}
    for snapshot in sorted(snapshots, key=lambda s: s.created):
        names.update(snapshot.names)
    evaluated = evaluate(objectives, okr_history(snapshots, objectives), today=today, names=names)
    return status_sentences(objectives, evaluated), {"OKRs": export_table(evaluated)}


def status_sentences(objectives: list[Objective], evaluated: pd.DataFrame) -> list[str]:
    """One sentence per objective: how many key results are on track, at risk, behind."""
    sentences = []
    for objective in objectives:
        rows = evaluated[evaluated["objective_id"] == objective.id]
        if rows.empty:
            sentences.append(f"{objective.title}: no key results yet.")
            continue
        counts = rows["Status"].value_counts()
        parts = [f"{int(counts[s])} {s}" for s in STATUSES if s in counts]
        sentences.append(f"{objective.title}: {len(rows)} key result{'s' if len(rows) != 1 else ''} - "
                         + ", ".join(parts) + ".")
    return sentences
