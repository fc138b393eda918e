"""The meeting report: one self-contained HTML file (and, optionally, a PDF of it).

A report is a list of :class:`Section` objects, each a title and blocks (sentences, bullet lists,
tables, Plotly figures). :func:`render_html` writes them into one HTML page:

* Plotly's JavaScript is embedded once (no request to the internet; the file opens offline);
* every chart stays interactive;
* a print stylesheet gives clean A4 or Letter pages, one section per page;
* every piece of user text (segment names, file names, notes, the title and summary) is escaped
  with :func:`html.escape`; Plotly's own JSON escapes ``<`` and ``/`` inside chart data.

Builders turn what segdash computes into sections: :func:`data_section` (the import and its
reconciliation line), :func:`method_section`, :func:`sizes_section`, :func:`traits_section`,
:func:`proof_section`, :func:`economics_section`. A feature that lives elsewhere (playbook,
survey, OKRs, comparison of snapshots) hands its ``report_summary(...)`` output (plain sentences
and tables) to :func:`summary_section`. :func:`workspace_sections` builds every section that the
open workspace has something for.

Personal data never reaches a report: no customer-level rows are shown, and any table column
whose name is a personal-data column is dropped (:func:`drop_personal`).

Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segdash.errors import SegdashError

if TYPE_CHECKING:
    from segdash.economics import EconomicsResult
    from segdash.profile import Profile
    from segdash.schema import ImportResult, Segmentation
    from segdash.workspace import Workspace

#: Paper sizes the print stylesheet knows.
PAPER_SIZES = ("A4", "Letter")
#: Default Chromium used to print the PDF (``SEGDASH_CHROMIUM`` overrides it).
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless print that makes no network request of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--virtual-time-budget=15000",
)
#: Section keys in the order a report shows them.
SECTION_ORDER = ("data", "method", "sizes", "traits", "proof", "economics", "playbook", "survey", "okrs",
                 "changes")
#: Plain titles of the section keys.
SECTION_TITLES = {
    "data": "The data",
    "method": "How the segments were made",
    "sizes": "Segment sizes",
    "traits": "What each segment is like",
    "proof": "Do the segments really differ?",
    "economics": "Acquisition cost, lifetime value and return",
    "playbook": "Playbook: channel and tone per segment",
    "survey": "Survey verdict",
    "okrs": "OKRs and KPIs",
    "changes": "What changed since the previous snapshot",
}
_METHOD_WORDS = {
    "dimensions": "by dimensions (rules on chosen columns)",
    "labels file": "from a labels file",
    "labels table": "from a labels table in the engine",
    "rules": "by dimensions (rules on chosen columns)",
    "rfm": "by RFM (recency, frequency, monetary value)",
    "kmeans": "by clustering (k-means)",
    "gmm": "by clustering (Gaussian mixture)",
    "hierarchical": "by clustering (hierarchical)",
}
_SEED_KEYS = ("random_state", "seed")


# -- the model ---------------------------------------------------------------------------------
@dataclass
class Block:
    """One piece of a section.

    Attributes
    ----------
    kind
        ``"text"`` (a paragraph), ``"lead"`` (a paragraph in large type), ``"bullets"`` (a list of
        sentences), ``"table"`` (a DataFrame), ``"figure"`` (a Plotly figure) or ``"note"`` (small print).
    content
        A string, a list of strings, a DataFrame or a figure, as ``kind`` says.
    caption
        Optional heading shown above a table or a figure.
    """

    kind: str
    content: Any
    caption: str = ""


@dataclass
class Section:
    """A titled part of the report.

    Attributes
    ----------
    key
        Which section this is (one of :data:`SECTION_ORDER`, or any other word for a new feature).
    title
        The heading.
    blocks
        What the section shows, in order.
    """

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def text(self, value: str) -> Section:
        """Add a paragraph; returns the section (for chaining)."""
        self.blocks.append(Block("text", str(value)))
        return self

    def lead(self, value: str) -> Section:
        """Add a paragraph in large type (a headline sentence)."""
        self.blocks.append(Block("lead", str(value)))
        return self

    def bullets(self, values: Iterable[str], *, caption: str = "") -> Section:
        """Add a list of sentences (nothing is added for an empty list)."""
        items = [str(v) for v in values]
        if items:
            self.blocks.append(Block("bullets", items, caption))
        return self

    def table(self, frame: pd.DataFrame, *, caption: str = "") -> Section:
        """Add a table."""
        self.blocks.append(Block("table", frame, caption))
        return self

    def figure(self, fig: go.Figure, *, caption: str = "") -> Section:
        """Add a Plotly figure."""
        self.blocks.append(Block("figure", fig, caption))
        return self

    def note(self, value: str) -> Section:
        """Add small print."""
        self.blocks.append(Block("note", str(value)))
        return self

    @property
    def charts(self) -> int:
        """How many figures the section holds."""
        return sum(block.kind == "figure" for block in self.blocks)


# -- rendering ---------------------------------------------------------------------------------
def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def format_cell(value: object) -> str:
    """A table cell as text: thousands separators, two decimals for fractions, "–" when missing.

    Parameters
    ----------
    value
        Any cell value.

    Returns
    -------
    str
        Not yet HTML-escaped.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return "–"
        return f"{number:,.0f}" if number.is_integer() and abs(number) >= 1000 else f"{number:,.2f}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def table_html(frame: pd.DataFrame, *, max_rows: int = 200) -> str:
    """An escaped HTML table (numbers right-aligned); longer tables are cut with a note.

    Parameters
    ----------
    frame
        The table (small: an aggregate, never customer rows).
    max_rows
        Rows shown at most.

    Returns
    -------
    str
    """
    shown = frame.head(max_rows)
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
               for c in shown.columns]
    head = "".join(f'<th class="{"num" if n else ""}">{_esc(c)}</th>' for c, n in zip(shown.columns, numeric,
                                                                                         strict=True))
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = "".join(f'<td class="{"num" if n else ""}">{_esc(format_cell(v))}</td>'
                        for v, n in zip(values, numeric, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    more = ""
    if len(frame) > max_rows:
        more = f'<p class="note">{len(frame) - max_rows:,} more rows are in the workbook export.</p>'
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>{more}'


def figure_html(fig: go.Figure, *, div_id: str) -> str:
    """A figure as a ``<div>`` and the script that draws it (Plotly's JavaScript not included).

    Parameters
    ----------
    fig
        The figure (built from aggregates or a sample).
    div_id
        A stable id for its ``<div>`` (so the same report gives the same file).

    Returns
    -------
    str
    """
    from plotly.io.json import to_json_plotly

    spec = fig.to_dict()  # no validation pass: the figure was validated when it was built
    layout = dict(spec.get("layout") or {})
    layout.pop("width", None)
    layout.pop("template", None)  # the report defines the template once (SEGDASH_TEMPLATE)
    layout["autosize"] = True
    height = int(layout.get("height") or 450)
    # Plotly's JSON encoder escapes "<", ">" and "/" so no text can end the <script> element
    data = [dict(trace) for trace in spec.get("data") or []]
    for trace in data:  # SVG rather than WebGL: prints and opens everywhere (charts hold a few thousand points)
        if trace.get("type") == "scattergl":
            trace["type"] = "scatter"
    data_json = to_json_plotly(data)
    layout_json = to_json_plotly(layout)
    return (f'<div id="{_esc(div_id)}" class="plotly-graph-div" style="height:{height}px; width:100%;"></div>'
            f'<script type="text/javascript">Plotly.newPlot("{_esc(div_id)}", {data_json}, '
            f'Object.assign({{template: SEGDASH_TEMPLATE}}, {layout_json}), SEGDASH_CONFIG);</script>')


def _template_js() -> str:
    """The chart template and options, defined once for every chart of the page."""
    import plotly.io as pio
    from plotly.io.json import to_json_plotly

    template = to_json_plotly(pio.templates["plotly_white"].to_plotly_json())
    config = to_json_plotly({"displaylogo": False, "responsive": True,
                             "modeBarButtonsToRemove": ["sendDataToCloud"]})
    return f"window.SEGDASH_TEMPLATE = {template}; window.SEGDASH_CONFIG = {config};"


_CSS = """
:root { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #f4f6f9; line-height: 1.45; }
main { max-width: 720px; margin: 0 auto; background: white; padding: 32px 36px 48px; }
header.cover h1 { font-size: 2rem; margin: 0 0 .25rem; }
header.cover .meta { color: var(--muted); margin: 0 0 1rem; }
header.cover .summary { font-size: 1.15rem; white-space: pre-wrap; border-left: 4px solid var(--accent);
                        padding: .25rem 0 .25rem 1rem; margin: 1rem 0; }
nav.contents ol { margin: .25rem 0 0; padding-left: 1.4rem; color: var(--muted); }
section { margin-top: 2.2rem; }
section h2 { font-size: 1.45rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
p.lead { font-size: 1.2rem; font-weight: 600; }
p.note, .pdf-note { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure { margin: .4rem 0 1rem; break-inside: avoid; page-break-inside: avoid; }
.plotly-graph-div { width: 100% !important; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; }
@media print {
  body { background: white; }
  main { max-width: none; padding: 0; }
  nav.contents { break-after: page; page-break-after: always; }
  section { break-before: page; page-break-before: always; margin-top: 0; }
  table, .figure, h3 { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .modebar-container { display: none !important; }
}
"""


def render_html(
    sections: Sequence[Section],
    *,
    title: str,
    summary: str = "",
    created: datetime | None = None,
    paper: str = "A4",
    notes: Sequence[str] = (),
) -> str:
    """The whole report as one self-contained HTML page (Plotly's JavaScript embedded once).

    Parameters
    ----------
    sections
        What to show, in order (empty sections are left out).
    title
        The report's title (user text: escaped).
    summary
        A free-text summary shown under the title (user text: escaped; line breaks kept).
    created
        When the report was made (default: now).
    paper
        ``"A4"`` or ``"Letter"``: the page size used when printing.
    notes
        Small print under the title (e.g. that no PDF could be made on this machine).

    Returns
    -------
    str
        The HTML text.

    Raises
    ------
    ValueError
        If ``paper`` is not one of :data:`PAPER_SIZES`.
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper={paper!r} should be one of {PAPER_SIZES}")
    from plotly.offline import get_plotlyjs

    created = created or datetime.now()
    shown = [s for s in sections if s.blocks]
    parts: list[str] = []
    figure_count = 0
    for number, section in enumerate(shown, start=1):
        body = [f'<section id="{_esc(section.key)}"><h2>{number}. {_esc(section.title)}</h2>']
        for block in section.blocks:
            if block.caption:
                body.append(f"<h3>{_esc(block.caption)}</h3>")
            if block.kind == "text":
                body.append(f"<p>{_esc(block.content)}</p>")
            elif block.kind == "lead":
                body.append(f'<p class="lead">{_esc(block.content)}</p>')
            elif block.kind == "note":
                body.append(f'<p class="note">{_esc(block.content)}</p>')
            elif block.kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{_esc(item)}</li>" for item in block.content) + "</ul>")
            elif block.kind == "table":
                body.append(table_html(block.content))
            elif block.kind == "figure":
                figure_count += 1
                body.append(f'<div class="figure">{figure_html(block.content, div_id=f"chart-{figure_count}")}</div>')
            else:  # a programming error, not a user's
                raise ValueError(f"unknown block kind {block.kind!r}")
        body.append("</section>")
        parts.append("\n".join(body))
    contents = "".join(f'<li><a href="#{_esc(s.key)}">{_esc(s.title)}</a></li>' for s in shown)
    summary_html = f'<p class="summary">{_esc(summary.strip())}</p>' if summary.strip() else ""
    notes_html = "".join(f'<p class="pdf-note">{_esc(n)}</p>' for n in notes)
    page_css = f"@page {{ size: {paper}; margin: 14mm 12mm; }}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="segdash">'
        f"<title>{_esc(title)}</title>"
        f"<style>{_CSS}\n{page_css}</style>"
        # Plotly's bundle, once, inline: the file opens offline
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f'<script type="text/javascript">{_template_js()}</script>'
        "</head><body><main>"
        f'<header class="cover"><h1>{_esc(title)}</h1>'
        f'<p class="meta">Made with segdash on {created:%Y-%m-%d %H:%M}</p>{summary_html}{notes_html}</header>'
        f'<nav class="contents"><strong>Contents</strong><ol>{contents}</ol></nav>'
        + "\n".join(parts)
        + '<footer>No personal data is included in this report. Charts show totals or samples, '
          "never individual customers.</footer>"
        "</main></body></html>\n"
    )


# -- PDF ---------------------------------------------------------------------------------------
def chromium_path() -> Path | None:
    """The Chromium used for PDFs: ``SEGDASH_CHROMIUM`` or ``/usr/bin/chromium``; ``None`` when missing.

    Returns
    -------
    pathlib.Path or None
    """
    configured = os.environ.get("SEGDASH_CHROMIUM", "").strip()
    path = Path(configured).expanduser() if configured else Path(DEFAULT_CHROMIUM)
    if path.is_file() and os.access(path, os.X_OK):
        return path
    found = shutil.which(configured) if configured and os.sep not in configured else None
    return Path(found) if found else None


def no_pdf_message() -> str:
    """The sentence shown when no PDF can be made on this machine."""
    return ("No PDF here: Chromium is not installed on this server. The HTML report works on its own: "
            "open it in a browser and use Print > Save as PDF.")


def print_pdf(html_path: str | os.PathLike[str], *, out: str | os.PathLike[str],
              chromium: str | os.PathLike[str] | None = None, timeout: float = 120) -> Path:
    """Print an HTML report to PDF with headless Chromium (the page's print stylesheet applies).

    Parameters
    ----------
    html_path
        The report file.
    out
        The PDF to write.
    chromium
        The Chromium executable (default: :func:`chromium_path`).
    timeout
        Seconds before giving up.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    ReportError
        When Chromium is missing, fails or writes no PDF.
    """
    browser = Path(chromium) if chromium is not None else chromium_path()
    if browser is None or not browser.is_file():
        raise ReportError(no_pdf_message())
    target = Path(out).resolve()
    source = Path(html_path).resolve()
    with tempfile.TemporaryDirectory(prefix="segdash-pdf-") as profile:
        command = [str(browser), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise ReportError(f"Chromium could not print the PDF ({type(err).__name__}). "
                              "The HTML report is still complete.") from err
    if not target.is_file() or target.stat().st_size == 0 or not target.read_bytes()[:5] == b"%PDF-":
        raise ReportError("Chromium did not write a PDF. The HTML report is still complete.")
    return target


class ReportError(SegdashError):
    """A report could not be written (the message says why, in plain words)."""


# -- personal data -----------------------------------------------------------------------------
def drop_personal(frame: pd.DataFrame, *, personal: Iterable[str]) -> pd.DataFrame:
    """``frame`` without any column named like a personal-data column.

    Parameters
    ----------
    frame
        A table a feature handed to the report.
    personal
        Names of the columns with role ``pii``.

    Returns
    -------
    pandas.DataFrame
    """
    names = {str(p).strip().lower() for p in personal}
    keep = [c for c in frame.columns if str(c).strip().lower() not in names]
    return frame[keep] if len(keep) != len(frame.columns) else frame


# -- builders ------------------------------------------------------------------------------------
def data_section(imported: ImportResult, *, roles: Mapping[str, str]) -> Section:
    """The data and its reconciliation line (rows in the file = loaded + rejected).

    Parameters
    ----------
    imported
        The import report.
    roles
        Column -> role as the user left them.

    Returns
    -------
    Section
    """
    from segdash.schema import ROLE_LABELS

    section = Section("data", SECTION_TITLES["data"])
    section.lead(f"{imported.source}: {imported.rows_in_file:,} rows in the file, {imported.rows_loaded:,} "
                 f"loaded, {imported.rows_rejected:,} rejected.")
    section.text("Every row is accounted for: rows in the file = rows loaded + rows rejected "
                 f"({imported.rows_in_file:,} = {imported.rows_loaded:,} + {imported.rows_rejected:,}).")
    counts: dict[str, int] = {}
    for role in roles.values():
        counts[role] = counts.get(role, 0) + 1
    table = pd.DataFrame({"Kind of column": [ROLE_LABELS.get(r, r) for r in counts],
                          "Columns": list(counts.values())})
    section.table(table, caption=f"{len(roles):,} columns")
    personal = sum(1 for r in roles.values() if r == "pii")
    if personal:
        holds = "1 column holds" if personal == 1 else f"{personal:,} columns hold"
        section.note(f"{holds} personal data: never used for segmenting and left out of this report.")
    if imported.sheet:
        section.note(f"Sheet '{imported.sheet}' of {len(imported.sheets):,}.")
    reasons: dict[str, int] = {}
    for row in imported.rejected:
        reasons[row.reason] = reasons.get(row.reason, 0) + 1
    if reasons:  # reasons only: a rejected line's text may hold personal data
        section.bullets([f"{count:,} rejected: {reason}" for reason, count in reasons.items()],
                        caption="Why rows were rejected")
    section.bullets([*imported.repairs, *imported.notes], caption="Notes from the import")
    return section


def _setting_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_setting_text(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_setting_text(v)}" for k, v in value.items()) or "–"
    return "–" if value is None else str(value)


def method_section(segmentation: Segmentation, *, created: datetime | str | None = None,
                   names: Mapping[str, str] | None = None) -> Section:
    """How the segments were made: method, settings, seed and date.

    Parameters
    ----------
    segmentation
        The segmentation.
    created
        When it was made (a saved snapshot's date); default: not stated.
    names
        Segment label -> display name (for the rules table).

    Returns
    -------
    Section
    """
    seg = segmentation
    section = Section("method", SECTION_TITLES["method"])
    words = _METHOD_WORDS.get(seg.method, seg.method)
    section.lead(f"{seg.k:,} segments, made {words}.")
    seed = next((seg.settings[k] for k in _SEED_KEYS if k in seg.settings), None)
    facts = [("Method", words), ("Segments", f"{seg.k:,}")]
    if seed is not None:
        facts.append(("Random seed", str(seed)))
    if created and not isinstance(created, datetime):
        with contextlib.suppress(ValueError):
            created = datetime.fromisoformat(str(created))
    if created:
        facts.append(("Made on", created.strftime("%Y-%m-%d %H:%M") if isinstance(created, datetime) else str(created)))
    if seg.features:
        facts.append(("Columns used", ", ".join(seg.features)))
    for key, value in seg.settings.items():
        if key in _SEED_KEYS or key == "features":
            continue
        facts.append((str(key).replace("_", " ").capitalize(), _setting_text(value)))
    section.table(pd.DataFrame(facts, columns=["Setting", "Value"]))
    if seg.chosen_k_reason:
        section.text(seg.chosen_k_reason)
    if seg.stability is not None and math.isfinite(seg.stability):
        section.text(f"Stability: re-fitting on other samples gives the same segments {seg.stability:.0%} "
                     "of the time (adjusted Rand index).")
    if seg.rules:
        shown = names or {}
        section.table(pd.DataFrame({"Segment": [shown.get(k, k) for k in seg.rules],
                                    "Rule": list(seg.rules.values())}), caption="Rules")
    section.bullets(seg.notes, caption="Notes")
    return section


def _named_sizes(profile: Profile, names: Mapping[str, str]) -> pd.DataFrame:
    from segdash.profile import segment_summary

    return segment_summary(profile, names=dict(names))


def sizes_section(profile: Profile, *, names: Mapping[str, str], unit: str = "customers") -> Section:
    """How big each segment is: one sentence, a bar chart and a table.

    Parameters
    ----------
    profile
        The segmentation's profile.
    names
        Segment label -> display name.
    unit
        What one row is (``customers`` or ``order lines``).

    Returns
    -------
    Section
    """
    from segdash.report.profile_charts import sizes_chart

    section = Section("sizes", SECTION_TITLES["sizes"])
    summary = _named_sizes(profile, names)
    if summary.empty:
        return section
    total = int(summary["customers"].sum())
    top = summary.iloc[0]
    section.lead(f"{total:,} {unit} in {len(summary):,} segments; the largest, '{top['segment']}', "
                 f"holds {float(top['share']):.0%}.")
    section.figure(sizes_chart(summary, unit=unit))
    section.table(pd.DataFrame({"Segment": summary["segment"], unit.capitalize(): summary["customers"].astype(int),
                                "Share (%)": (summary["share"].astype(float) * 100).round(1)}))
    return section


def traits_section(profile: Profile, *, names: Mapping[str, str], cards: int = 12) -> Section:
    """Each segment's traits in words, a small chart per segment and the traits heatmap.

    Parameters
    ----------
    profile
        The segmentation's profile.
    names
        Segment label -> display name.
    cards
        Segments given their own sentences and chart (the largest first).

    Returns
    -------
    Section
    """
    from segdash.report.profile_charts import comparison_chart, traits_heatmap

    section = Section("traits", SECTION_TITLES["traits"])
    summary = _named_sizes(profile, names)
    display = dict(zip(summary["label"], summary["segment"], strict=True))
    for row in summary.head(cards).itertuples(index=False):
        top = profile.top_traits[profile.top_traits["segment"] == row.label]
        caption = f"{row.segment} ({int(row.customers):,} · {float(row.share):.0%})"
        if top.empty:
            section.blocks.append(Block("text", "Close to average on every attribute.", caption))
            continue
        section.bullets(list(top["text"]), caption=caption)
        section.figure(comparison_chart(top))
    if len(summary) > cards:
        section.note(f"Sentences for the {cards} largest segments; every segment is in the chart below.")
    if not profile.traits.empty and len(summary) >= 2:
        heatmap = traits_heatmap(profile.traits, names=display, hide_quiet=True)
        section.figure(shorten_ticks(heatmap, axis="y", width=34), caption="Every segment against the average")
    return section


def shorten_ticks(fig: go.Figure, *, axis: str = "y", width: int = 34) -> go.Figure:
    """Cut long category labels on an axis to ``width`` characters (the full label stays on hover).

    A page of a printed report is narrow: a free-text value as a row label would squeeze the chart.

    Parameters
    ----------
    fig
        A figure with an ``array`` tick mode on that axis (or category labels).
    axis
        ``"x"`` or ``"y"``.
    width
        Characters kept (an ellipsis marks the cut).

    Returns
    -------
    plotly.graph_objects.Figure
        The same figure.
    """
    layout_axis = fig.layout.yaxis if axis == "y" else fig.layout.xaxis
    values = list(layout_axis.tickvals) if layout_axis.tickvals is not None else None
    if values is None:
        return fig
    texts = [str(t) for t in (layout_axis.ticktext if layout_axis.ticktext is not None else values)]
    short = [t if len(html.unescape(t)) <= width else html.escape(html.unescape(t)[: width - 1], quote=False) + "…"
             for t in texts]
    if axis == "y":
        fig.update_yaxes(tickmode="array", tickvals=values, ticktext=short)
    else:
        fig.update_xaxes(tickmode="array", tickvals=values, ticktext=short)
    return fig


def proof_section(profile: Profile, *, names: Mapping[str, str]) -> Section:
    """Whether the segments really differ: the verdict, the tests, and merge suggestions.

    Parameters
    ----------
    profile
        The segmentation's profile.
    names
        Segment label -> display name.

    Returns
    -------
    Section
    """
    from segdash.profile import merge_suggestions, tests_table

    section = Section("proof", SECTION_TITLES["proof"])
    if len(profile.sizes) < 2:
        return section
    section.lead(profile.verdict)
    if not profile.tests.empty:
        section.table(tests_table(profile.tests))
    section.bullets(merge_suggestions(profile.pairs, names=dict(names)), caption="Segments that look alike")
    section.note("Numbers: ANOVA or Kruskal-Wallis on a sample per segment; categories: chi-square on every "
                 "customer. The chance that a difference is luck is corrected for testing many attributes "
                 "(Benjamini-Hochberg). Differs = under 5% and at least a small effect.")
    return section


def assumptions_lines(result: EconomicsResult) -> list[str]:
    """The assumptions behind the economics, one plain sentence each.

    Parameters
    ----------
    result
        From :func:`segdash.economics.compute_economics`.

    Returns
    -------
    list[str]
    """
    a = result.assumptions
    c = result.columns
    lines = [f"Gross margin: {a.margin:.0%} of revenue."]
    if a.monthly_churn:
        lines.append(f"Monthly churn: {a.monthly_churn:.1%} (expected lifetime {a.expected_lifetime_months:,.0f} months).")
    else:
        lines.append(f"Expected customer lifetime: {a.expected_lifetime_months:,.0f} months.")
    if a.annual_discount_rate:
        lines.append(f"Future profit discounted at {a.annual_discount_rate:.0%} a year.")
    mode = {"per_customer": f"Acquisition cost per customer from the column '{c.cost}'.",
            "channel_spend": "Acquisition spend entered per channel, shared equally among each channel's customers.",
            "none": "No acquisition cost recorded."}
    lines.append(mode.get(result.mode, result.mode))
    used = [f"{what}: '{col}'" for what, col in (("revenue", c.revenue), ("orders", c.orders),
                                                  ("signup date", c.signup), ("channel", c.channel)) if col]
    if used:
        lines.append("Columns used: " + ", ".join(used) + ".")
    if result.as_of is not None:
        lines.append(f"Tenure measured to {result.as_of}.")
    if a.period_start or a.period_end:
        lines.append(f"Spend period: {a.period_start or 'start'} to {a.period_end or 'end'}.")
    return lines


def economics_section(result: EconomicsResult, *, names: Mapping[str, str]) -> Section:
    """CAC, LTV and ROI per segment (and per channel), with the assumptions and charts.

    Parameters
    ----------
    result
        From :func:`segdash.economics.compute_economics`.
    names
        Segment label -> display name.

    Returns
    -------
    Section
    """
    from segdash import economics
    from segdash.report import roi_charts
    from segdash.report.profile_charts import plain

    section = Section("economics", SECTION_TITLES["economics"])
    if result.segments.empty:
        return section

    def named(frame: pd.DataFrame, *, chart: bool) -> pd.DataFrame:
        out = frame.copy()
        # ROI charts show names as Plotly labels: escape them there (Plotly reads tags in labels)
        out["segment"] = out["segment"].astype(str).map(lambda s: plain(names.get(s, s)) if chart else names.get(s, s))
        return out

    section.bullets(roi_charts.summary_sentences(named(result.segments, chart=False)))
    table = economics.format_table(economics.with_total(result), columns=result.columns, names=dict(names),
                                   metrics=("customers", "spend", "cac", "revenue", "predicted_ltv",
                                            "ltv_to_cac", "roi", "payback_months"))
    section.table(table, caption="Per segment")
    section.bullets(assumptions_lines(result), caption="Assumptions")
    if result.mode != "none":
        section.figure(roi_charts.roi_by_segment(named(result.segments, chart=True)))
        section.figure(roi_charts.cac_vs_ltv(named(result.segments, chart=True)))
        if not result.by_channel.empty:
            by_channel = named(result.by_channel, chart=True)
            by_channel["channel"] = by_channel["channel"].astype(str).map(plain)
            section.figure(roi_charts.roi_heatmap(by_channel))
    if not result.channels.empty:
        section.table(economics.format_table(result.channels, columns=result.columns,
                                             metrics=("customers", "spend", "cac", "revenue", "roi")),
                      caption="Per acquisition channel")
    section.bullets([*result.notes, *result.warnings], caption="Notes")
    return section


def _caption(text: str) -> str:
    """A table key such as ``channel_mix`` as a heading ("Channel mix"); other text unchanged."""
    return text.replace("_", " ").capitalize() if re.fullmatch(r"[a-z0-9_]+", text) else text


def summary_section(key: str, summary: Any, *, title: str | None = None,
                    personal: Iterable[str] = ()) -> Section:
    """A section from a feature's ``report_summary(...)``: plain sentences, then tables.

    This is the one call that brings a feature (playbook, survey, OKRs, comparison of snapshots)
    into the report, e.g. ``summary_section("playbook", playbook.report_summary(...))``.

    Parameters
    ----------
    key
        Section key (``"playbook"``, ``"survey"``, ``"okrs"``, ``"changes"`` or a new word).
    summary
        ``(sentences, tables)``; or a mapping with ``sentences`` and ``tables`` (and optionally
        ``figures``: title -> Plotly figure); or an object with those attributes. ``sentences`` is
        a list of strings, ``tables`` a mapping of caption -> DataFrame (no personal data).
    title
        Heading (default: :data:`SECTION_TITLES` for the key).
    personal
        Names of personal-data columns, dropped from every table as a safeguard.

    Returns
    -------
    Section
        Empty (and so left out) when the summary has nothing to show.
    """
    sentences: Any = []
    tables: Any = {}
    figures: Any = {}
    if summary is None:
        pass
    elif isinstance(summary, tuple | list) and len(summary) in (2, 3) and not isinstance(summary[0], str):
        sentences, tables = summary[0], summary[1]
        figures = summary[2] if len(summary) == 3 else {}
    elif isinstance(summary, Mapping):
        sentences = summary.get("sentences", [])
        tables = summary.get("tables", {})
        figures = summary.get("figures", {})
    else:
        sentences = getattr(summary, "sentences", [])
        tables = getattr(summary, "tables", {})
        figures = getattr(summary, "figures", {})
    section = Section(key, title or SECTION_TITLES.get(key, key.replace("_", " ").capitalize()))
    section.bullets([str(s) for s in (sentences or [])])
    for caption, frame in dict(tables or {}).items():
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            section.table(drop_personal(frame, personal=personal), caption=_caption(str(caption)))
    for caption, fig in dict(figures or {}).items():
        if isinstance(fig, go.Figure):
            section.figure(fig, caption=str(caption))
    return section


# -- everything the workspace has ----------------------------------------------------------------
def available_sections(sections: Sequence[Section]) -> list[str]:
    """Keys of the sections that have something to show, in report order.

    Parameters
    ----------
    sections
        Built sections.

    Returns
    -------
    list[str]
    """
    return [s.key for s in sections if s.blocks]


def order_sections(sections: Iterable[Section]) -> list[Section]:
    """Sections in :data:`SECTION_ORDER` (unknown keys last, in the order given).

    Parameters
    ----------
    sections
        Built sections.

    Returns
    -------
    list[Section]
    """
    rank = {key: i for i, key in enumerate(SECTION_ORDER)}
    return sorted(sections, key=lambda s: rank.get(s.key, len(rank)))


def workspace_economics(ws: Workspace, *, margin: float | None = None) -> EconomicsResult:
    """Economics with the suggested columns and the given margin (the command line's defaults).

    Parameters
    ----------
    ws
        A workspace with data and labels.
    margin
        Gross margin 0-1 (default :data:`segdash.economics.DEFAULT_MARGIN`).

    Returns
    -------
    EconomicsResult
    """
    from segdash import economics

    types = ws.column_types()
    assumptions = economics.Assumptions(margin=economics.DEFAULT_MARGIN if margin is None else margin)
    columns = economics.suggest_columns(ws.roles, types=types)
    date_columns = tuple(name for name, kind in types.items() if kind == "date")
    return ws.cached(("report", "economics", columns, assumptions, date_columns),
                     lambda: economics.compute_economics(ws.data, columns=columns, assumptions=assumptions,
                                                         date_columns=date_columns))


def report_names(ws: Workspace, profile: Profile) -> dict[str, str]:
    """Segment label -> display name; labels that say nothing ("Segment 2") get their suggested name.

    Like the Profiles page, a suggested name is kept in the workspace unless the user named the
    segment already.

    Parameters
    ----------
    ws
        The workspace (with a segmentation).
    profile
        Its profile.

    Returns
    -------
    dict[str, str]
        Unique display names.
    """
    from segdash.profile import is_generic_label

    for label, name in profile.names.items():
        if label not in ws.segment_names and is_generic_label(label):
            ws.rename_segment(label, name)
    labels = [*(ws.segmentation.sizes if ws.segmentation is not None else []), *profile.sizes["segment"].astype(str)]
    return ws.display_names(labels)


def sample_blocks(ws: Workspace, *, profile: Profile, names: Mapping[str, str], distributions: int = 6,
                  map_points: int = 2000, per_segment: int = 400) -> list[Block]:
    """Charts drawn from samples: box plots of the numbers that differ most, and a map of customers.

    Parameters
    ----------
    ws
        Workspace with a segmentation.
    profile
        Its profile.
    names
        Segment label -> display name.
    distributions
        Box plots at most (numbers that differ clearly, strongest effect first).
    map_points
        Customers on the map (0: no map).
    per_segment
        Customers sampled per segment for each box plot.

    Returns
    -------
    list[Block]
    """
    from segdash import profile as prof
    from segdash.report.profile_charts import distribution_chart, pca_map_chart

    if len(profile.sizes) < 2:
        return []
    blocks: list[Block] = []
    order = [names.get(s, s) for s in profile.sizes["segment"].astype(str)]
    sizes = dict(zip(profile.sizes["segment"].astype(str), profile.sizes["customers"].astype(int), strict=True))
    by_name = {a.name: a for a in profile.attributes if a.numeric}
    tests = profile.tests
    if distributions and not tests.empty:
        ranked = tests[tests["attribute"].isin(list(by_name)) & tests["differs"].astype(bool)]
        ranked = ranked.sort_values("effect", ascending=False, kind="stable").head(distributions)
        chosen = [by_name[name] for name in ranked["attribute"]]
        if chosen:  # one sample query for every box plot
            sample = ws.cached(("report", "dist", tuple(a.name for a in chosen), per_segment),
                               lambda: prof.stratified_sample(ws.data, attributes=chosen, sizes=sizes,
                                                              per_segment=per_segment))
            segment_names = sample["segment"].map(lambda s: names.get(s, s))
            for attribute in chosen:
                named = pd.DataFrame({"segment": segment_names, "value": sample[attribute.name]}).dropna()
                if named.empty:
                    continue
                blocks.append(Block("figure", distribution_chart(named, label=attribute.label, order=order),
                                    f"{attribute.label} by segment"))
    if map_points:
        features = list(getattr(ws.segmentation, "features", []) or [])
        points = ws.cached(("report", "map", map_points),
                           lambda: prof.pca_map(ws.data, attributes=profile.attributes, features=features,
                                                max_points=map_points))
        if not points.empty:
            named = points.assign(segment=points["segment"].astype(str).map(lambda s: names.get(s, s)))
            blocks.append(Block("figure", pca_map_chart(named[["x", "y", "segment"]], order=order),
                                "Map of customers"))
            blocks.append(Block("note", f"Each dot is one of {len(named):,} customers drawn at random; customers "
                                        "close together are alike. Box plots: the middle half of a sample of up "
                                        f"to {per_segment:,} customers per segment."))
    return blocks


def workspace_sections(
    ws: Workspace,
    *,
    margin: float | None = None,
    profile: Profile | None = None,
    economics_result: EconomicsResult | None = None,
    created: datetime | str | None = None,
    extra: Sequence[Section] = (),
    distributions: int = 6,
    map_points: int = 2000,
) -> list[Section]:
    """Every section the workspace has something for, in report order.

    Parameters
    ----------
    ws
        A workspace with data (and, for most sections, a segmentation).
    margin
        Gross margin for the economics when ``economics_result`` is not given.
    profile
        The segmentation's profile (built and memoised in the workspace when not given).
    economics_result
        The economics as the user set them up (default: :func:`workspace_economics`).
    created
        When the segmentation was made (a saved snapshot's date).
    extra
        Sections of other features (:func:`summary_section`).
    distributions
        Box plots of the numbers that separate the segments most (from a sample).
    map_points
        Customers drawn on the map (a sample; 0 leaves the map out).

    Returns
    -------
    list[Section]
        Only sections with something to show.
    """
    from segdash.segment import workspace_profile

    sections: list[Section] = []
    if ws.imported is not None:
        sections.append(data_section(ws.imported, roles=ws.roles))
    if ws.segmentation is not None:
        if profile is None:
            profile = workspace_profile(ws)
        names = report_names(ws, profile)
        unit = str(ws.segmentation.extra.get("unit", "customers"))
        sections.append(method_section(ws.segmentation, created=created, names=names))
        sections.append(sizes_section(profile, names=names, unit=unit))
        traits = traits_section(profile, names=names)
        traits.blocks.extend(sample_blocks(ws, profile=profile, names=names, distributions=distributions,
                                           map_points=map_points))
        sections.append(traits)
        sections.append(proof_section(profile, names=names))
        if unit == "customers":
            result = economics_result if economics_result is not None else workspace_economics(ws, margin=margin)
            sections.append(economics_section(result, names=names))
    sections.extend(workspace_extra(ws, extra))
    return [s for s in order_sections(sections) if s.blocks]


def workspace_extra(ws: Workspace, extra: Sequence[Section]) -> list[Section]:
    """Other features' sections with any personal-data column dropped from their tables.

    Parameters
    ----------
    ws
        The workspace (its ``pii`` columns are dropped).
    extra
        Sections made with :func:`summary_section`.

    Returns
    -------
    list[Section]
        Those with something to show.
    """
    personal = ws.columns_with_role("pii")
    for section in extra:
        for block in section.blocks:
            if block.kind == "table":
                block.content = drop_personal(block.content, personal=personal)
    return [s for s in extra if s.blocks]


def report_title(ws: Workspace) -> str:
    """A default title: "Customer segments: <file name>".

    Parameters
    ----------
    ws
        The workspace.

    Returns
    -------
    str
    """
    source = ws.imported.source if ws.imported is not None else ""
    return f"Customer segments: {source}" if source else "Customer segments"


def write_report(html_text: str, *, out: str | os.PathLike[str], pdf: bool = False) -> tuple[Path, Path | None, str]:
    """Write the HTML (atomically) and, if asked and possible, the PDF next to it.

    Parameters
    ----------
    html_text
        From :func:`render_html`.
    out
        The HTML file to write.
    pdf
        Also print ``<out>.pdf`` with Chromium.

    Returns
    -------
    tuple
        The HTML path, the PDF path (``None`` when not made) and a note ("" or why there is no PDF).

    Raises
    ------
    ReportError
        When the HTML cannot be written.
    """
    target = Path(out)
    if target.is_dir():
        raise ReportError(f"{out} is a folder; give a file name such as report.html.")
    try:
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(html_text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as err:
        raise ReportError(f"Cannot write {out}: {err.strerror or err}.") from err
    if not pdf:
        return target, None, ""
    if chromium_path() is None:
        return target, None, no_pdf_message()
    try:
        return target, print_pdf(target, out=target.with_suffix(".pdf")), ""
    except ReportError as err:
        return target, None, str(err)
