"""Other features' parts of the meeting report: playbook, survey verdict, OKRs, changes since last time.

Each feature's core has a ``report_summary(...)`` returning plain sentences and tables; this
module makes them from a workspace so that the Report page and ``python -m segdash report``
bring in the same sections. A feature with nothing to show gives ``None``; one that fails is
logged and left out, so the rest of the report still comes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from segdash.errors import SegdashError

if TYPE_CHECKING:
    from segdash.report.meeting import Section
    from segdash.workspace import Workspace

log = logging.getLogger(__name__)

Summary = tuple[list[str], dict[str, pd.DataFrame]]

#: Workbook sheets taken from the summaries: feature -> {table: sheet name}.
SHEETS = {"playbook": {"routing": "Playbook and routing", "channel_mix": "Service channel mix"},
          "okrs": {"OKRs": "OKRs"}}


def playbook_summary(ws: Workspace, *, playbook: Any = None) -> Summary | None:
    """The playbook's summary: ``playbook`` as built on its page, or built with the project's saved rules."""
    from segdash.act import playbook as pb
    from segdash.act import tone

    if ws.segmentation is None:
        return None
    if playbook is None:
        def build() -> Any:
            rules = tone.rules_from_doc(ws.project.get_doc("playbook", "rules") if ws.project is not None else None)
            return pb.build_playbook(ws.data, roles=ws.roles, types=ws.column_types(), rules=rules)

        playbook = ws.cached(("report-feature", "playbook"), build)
    names = ws.display_names([card.segment for card in playbook.cards])
    return pb.report_summary(pb.rename(playbook, names=names), names=names)


def okr_summary(ws: Workspace) -> Summary | None:
    """The project's objectives and key results, when it has any."""
    from segdash.history import okr

    if ws.project is None or not okr.load_objectives(ws.project):
        return None
    return okr.report_summary(ws.project)


def changes_summary(ws: Workspace) -> Summary | None:
    """The open saved snapshot against the one saved before it in the same project."""
    from segdash.history import compare

    if ws.project is None or not ws.snapshot_id:
        return None
    ids = [entry["id"] for entry in ws.project.segmentations()]
    if ws.snapshot_id not in ids or ids.index(ws.snapshot_id) == 0:
        return None
    previous = ids[ids.index(ws.snapshot_id) - 1]
    return ws.cached(("report-feature", "changes", previous, ws.snapshot_id), lambda: compare.report_summary(
        compare.compare_snapshots(ws.project, previous, ws.snapshot_id)))


def survey_summary(ws: Workspace) -> Summary | None:
    """The project's saved survey verdict, when there is one (the page passes its own, fresher one)."""
    if ws.project is None:
        return None
    saved = (ws.project.get_doc("survey", "verdict") or {}).get("report") or {}
    if not saved.get("sentences"):
        return None
    tables = {name: pd.DataFrame(rows) for name, rows in (saved.get("tables") or {}).items()}
    return list(saved["sentences"]), tables


def summaries(ws: Workspace, *, overrides: dict[str, Callable[[], Summary | None]] | None = None,
              ) -> dict[str, Summary]:
    """Every feature summary there is, by key (``playbook``, ``survey``, ``okrs``, ``changes``)."""
    makers: dict[str, Callable[[], Summary | None]] = {
        "playbook": lambda: playbook_summary(ws), "survey": lambda: survey_summary(ws),
        "okrs": lambda: okr_summary(ws), "changes": lambda: changes_summary(ws),
    }
    makers.update(overrides or {})
    found = {}
    for key, make in makers.items():
        try:
            summary = make()
        except SegdashError as err:
            log.info("report: %s left out: %s", key, err)
            continue
        except Exception:  # a feature's bug must not cost the meeting its report
            log.exception("report: %s section failed", key)
            continue
        if summary is not None:
            found[key] = summary
    return found


def sections(ws: Workspace, found: dict[str, Summary]) -> list[Section]:
    """Report sections from :func:`summaries` (personal-data columns dropped from their tables)."""
    from segdash.report import meeting

    return [meeting.summary_section(key, summary, personal=ws.columns_with_role("pii"))
            for key, summary in found.items()]


def sheets(found: dict[str, Summary]) -> dict[str, pd.DataFrame]:
    """Workbook sheets from :func:`summaries` (routing, channel mix, OKRs)."""
    out: dict[str, pd.DataFrame] = {}
    for key, wanted in SHEETS.items():
        if key not in found:
            continue
        for table, sheet in wanted.items():
            frame = found[key][1].get(table)
            if frame is not None and not frame.empty:
                out[sheet] = frame
    return out
