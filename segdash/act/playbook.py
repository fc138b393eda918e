"""The playbook: one card per segment (who, channels, tone, values, products, economics, do/don't)
and a routing table for the support desk.

:func:`build_playbook` runs a handful of grouped engine queries (channel mix, rule figures, value
shares per psychographic/product/acquisition column) and assembles small tables; everything
after that is pure and tested on hand-made inputs (:func:`do_and_dont`, :func:`routing_table`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segdash.act import channels as ch
from segdash.act import multivalue as mv
from segdash.act import tone as tn
from segdash.data import Data
from segdash.schema import is_modelling_role

#: A value is "what they value" when at least this share of the segment holds it ...
VALUE_MIN_SHARE = 0.2
#: ... and it is at least this many times as common as overall.
VALUE_MIN_LIFT = 1.2
#: A channel is "avoid" when its share is below this fraction of its overall share.
AVOID_LIFT = 0.6
#: Words in a column name that mark products or categories.
PRODUCT_WORDS = ("product", "category", "categories", "item")
ROUTING_COLUMNS = ("Segment", "Customers", "Preferred channel", "Backup channel", "Tone", "Approach", "Notes")

_TONE_DO = {
    "formal": ("Write formally: a greeting, full sentences, a clear sign-off.",
               "Don't use slang, emoji or first names unless they start it."),
    "neutral": ("Keep a friendly, neutral tone: plain words, no jargon.",
                "Don't be chatty or stiff; stay matter-of-fact."),
    "casual": ("Keep it casual and warm; a light touch (even an emoji on social media) is fine.",
               "Don't sound stiff or corporate."),
}
_APPROACH_DO = {
    "concise/simple": "Keep answers short: one point per message, the next step first.",
    "detailed": "Give the full details: specs, terms and comparisons, with links to more.",
    "reassuring": "Reassure first: acknowledge the question, say what happens next, follow up.",
    "enthusiastic": "Bring energy: what's new, what's coming, offers worth their time.",
}


@dataclass
class ValueShare:
    """One value of a column in a segment: share, overall share and lift."""

    column: str
    value: str
    share: float
    overall: float
    n: int

    @property
    def lift(self) -> float:
        """Segment share / overall share."""
        return self.share / self.overall if self.overall else math.nan

    def text(self) -> str:
        """``Quality-first (62%, 3.1× average)``."""
        lift = f", {self.lift:.1f}× average" if math.isfinite(self.lift) else ""
        return f"{self.value} ({self.share:.0%}{lift})"


@dataclass
class SegmentCard:
    """Everything one playbook card shows."""

    segment: str
    name: str
    customers: int
    share: float
    who: list[str]
    channel_mix: list[dict[str, Any]]
    preference: ch.Preference | None
    avoid_channels: list[str]
    marketing: list[str]
    tone: str
    approach: str
    evidence: list[str]
    values: list[str]
    products: list[str]
    economics: dict[str, float | None]
    dos: list[str]
    donts: list[str]
    notes: str = ""


@dataclass
class Playbook:
    """Cards in segment-size order, plus what they came from."""

    cards: list[SegmentCard]
    mix: ch.ChannelMix | None
    rule_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- value shares -------------------------------------------------------------------------------


def single_value_spec(cells: pd.DataFrame, *, column: str, top: int = 12) -> mv.MultiValueColumn | None:
    """Treat a one-value-per-cell column like a multi-value one (each cell is its own value).

    Parameters
    ----------
    cells
        ``cell``, ``n`` (:func:`segdash.act.multivalue.distinct_cells`).
    column
        Column name.
    top
        Most common values kept.

    Returns
    -------
    MultiValueColumn | None
        ``None`` when the column has more than :data:`segdash.act.multivalue.MAX_VALUES` values
        (free text, ids).
    """
    if cells.empty or len(cells) > mv.MAX_VALUES:
        return None
    kept = cells.head(top)
    values = tuple(str(c) for c in kept["cell"])
    return mv.MultiValueColumn(column=column, separator="", values=values, cells={v: (v,) for v in values},
                               counts={str(c): int(n) for c, n in zip(kept["cell"], kept["n"], strict=True)})


def column_value_shares(data: Data, *, column: str) -> pd.DataFrame:
    """Per segment and overall, the share of customers holding each value of a text column.

    Multi-value cells (``sports; travel``) count towards each of their values.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    column
        A text column.

    Returns
    -------
    pandas.DataFrame
        See :func:`segdash.act.multivalue.value_shares`; empty when the column is free text.
    """
    cells = mv.distinct_cells(data, column=column)
    spec = mv.analyse_cells(cells, column=column) or single_value_spec(cells, column=column)
    if spec is None:
        return pd.DataFrame(columns=["segment", "value", "customers", "known", "share"])
    return mv.value_shares(data, spec=spec)


def all_distinctive_values(data: Data, *,
                           columns: Sequence[str]) -> dict[str, dict[str, list[ValueShare]]]:
    """:func:`distinctive_values` of several text columns, in three engine queries in all.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    columns
        Text columns (multi-value ones are split; free text is skipped).

    Returns
    -------
    dict[str, dict[str, list[ValueShare]]]
        Column -> segment label -> values.
    """
    specs = []
    for column, cells in mv.distinct_cells_many(data, columns=columns).items():
        spec = mv.analyse_cells(cells, column=column) or single_value_spec(cells, column=column)
        if spec is not None:
            specs.append(spec)
    shares = mv.value_shares_many(data, specs=specs)
    return {spec.column: distinctive_values(shares[shares["column"] == spec.column], column=spec.column)
            for spec in specs}


def distinctive_values(shares: pd.DataFrame, *, column: str, min_share: float = VALUE_MIN_SHARE,
                       min_lift: float = VALUE_MIN_LIFT) -> dict[str, list[ValueShare]]:
    """Per segment, the values clearly more common than overall, highest lift first (pure).

    Parameters
    ----------
    shares
        From :func:`column_value_shares` (``segment`` ``None`` = overall).
    column
        Column name (kept in the results).
    min_share, min_lift
        A value counts when the segment's share is at least ``min_share`` and ``min_lift`` times overall.

    Returns
    -------
    dict[str, list[ValueShare]]
    """
    if shares.empty:
        return {}
    overall_rows = shares[shares["segment"].isna()]
    overall = dict(zip(overall_rows["value"], overall_rows["share"], strict=True))
    found: dict[str, list[ValueShare]] = {}
    for record in shares[shares["segment"].notna()].to_dict("records"):
        item = ValueShare(column=column, value=str(record["value"]), share=float(record["share"]),
                          overall=float(overall.get(record["value"], math.nan)), n=int(record["known"]))
        if item.share >= min_share and math.isfinite(item.lift) and item.lift >= min_lift:
            found.setdefault(str(record["segment"]), []).append(item)
    for items in found.values():
        items.sort(key=lambda v: (-v.lift, -v.share, v.value))
    return found


# -- words --------------------------------------------------------------------------------------


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def do_and_dont(*, preference: ch.Preference | None, avoid: Sequence[str], tone: str, approach: str,
                values: Sequence[str] = (), economics: Mapping[str, float | None] | None = None,
                limit: int = 5) -> tuple[list[str], list[str]]:
    """Three to five "do" and "don't" sentences from a segment's channel, tone, values and economics (pure).

    Parameters
    ----------
    preference
        The segment's channel preference (``None``: no channel data).
    avoid
        Channels the segment uses far less than everyone (``"Letter (4%)"``).
    tone, approach
        The suggested tone and approach.
    values
        What they value, as texts (``"Quality-first (62%, 3.1× average)"``).
    economics
        ``ltv_to_cac`` and ``roi`` when known.
    limit
        At most this many sentences in all.

    Returns
    -------
    tuple[list[str], list[str]]
        ``(dos, donts)``; together between three and ``limit`` sentences.
    """
    ranked: list[tuple[bool, str]] = []  # (is a "do", sentence), most useful first
    if preference is not None and preference.channel:
        backup = f", with {preference.backup} as the backup" if preference.backup else ""
        ranked.append((True, f"Answer on {preference.channel} first{backup}."))
    elif preference is not None and preference.top:
        other = f" and {preference.backup}" if preference.backup else ""
        ranked.append((True, f"Offer {preference.top}{other} side by side: no single channel is clearly preferred."))
    tone_do, tone_dont = _TONE_DO.get(tone, _TONE_DO["neutral"])
    ranked.append((True, tone_do))
    ranked.append((True, _APPROACH_DO.get(approach, _APPROACH_DO["concise/simple"])))
    if avoid:
        ranked.append((False, f"Don't route them to {' or '.join(avoid[:2])} by default: few of them use it."))
    ratio = dict(economics or {}).get("ltv_to_cac")
    if _finite(ratio) and float(ratio) < 1:
        ranked.append((False, f"Don't spend more to win customers like these yet: they return {float(ratio):.1f}× "
                              "what they cost to acquire."))
    elif _finite(ratio) and float(ratio) >= 3:
        ranked.append((True, f"Win more customers like these: lifetime value is {float(ratio):.1f}× "
                             "acquisition cost."))
    ranked.append((False, tone_dont))
    if values:
        ranked.append((True, f"Speak to what they value: {values[0]}."))
    kept = ranked[:max(3, limit)]
    dos = [text for is_do, text in kept if is_do]
    donts = [text for is_do, text in kept if not is_do]
    return dos, donts


def who_they_are(top_traits: pd.DataFrame, *, segment: str, limit: int = 3) -> list[str]:
    """Plain sentences on who a segment is, from the profile's top traits.

    Parameters
    ----------
    top_traits
        :attr:`segdash.profile.Profile.top_traits` (``segment``, ``rank``, ``text``).
    segment
        Segment label.
    limit
        At most this many traits.

    Returns
    -------
    list[str]
    """
    if top_traits is None or top_traits.empty:
        return []
    rows = top_traits[top_traits["segment"].astype(str) == str(segment)].sort_values("rank")
    return [str(text) for text in rows["text"].head(limit)]


# -- the playbook --------------------------------------------------------------------------------


def product_columns(roles: Mapping[str, str], *, types: Mapping[str, str]) -> list[str]:
    """Text columns naming products or categories (``Product Purchased``, ``Purchase_Categories``)."""
    return [c for c, role in roles.items() if types.get(c) == "text" and is_modelling_role(role)
            and any(word in c.lower() for word in PRODUCT_WORDS)]


def build_playbook(
    data: Data,
    *,
    roles: Mapping[str, str],
    types: Mapping[str, str],
    rules: pd.DataFrame | None = None,
    source: ch.ChannelSource | None = None,
    mapping: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    economics: pd.DataFrame | None = None,
    who: Mapping[str, list[str]] | None = None,
    notes: Mapping[str, str] | None = None,
    use_channels: bool = True,
) -> Playbook:
    """One card per segment: channels, tone and approach with evidence, values, products, economics, do/don't.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles, types
        Column name -> role / type.
    rules
        The tone/approach rules table (default :func:`segdash.act.tone.default_rules`).
    source
        Where the service channel comes from (default :func:`segdash.act.channels.suggest_source`;
        no channel section when the file has none).
    mapping
        Raw channel label -> merged channel.
    names
        Segment label -> display name (the Profiles page's names; renames follow).
    economics
        Per segment ``segment``, ``cac``, ``predicted_ltv``, ``roi``, ``ltv_to_cac``
        (:attr:`segdash.economics.EconomicsResult.segments`), when known.
    who
        Segment label -> sentences on who they are (the profile's top traits).
    notes
        Segment label -> the team's notes.
    use_channels
        ``False``: no channel section even when the file suggests a source.

    Returns
    -------
    Playbook
    """
    names = dict(names or {})
    source = (source or ch.suggest_source(roles, types=types)) if use_channels else None
    rules_frame = rules if rules is not None else tn.default_rules()
    cleaned, problems = tn.clean_rules(rules_frame)
    checks = tn.rule_checks(cleaned, roles=roles, types=types)
    value_columns = [c for c, role in roles.items() if role == "psychographic" and types.get(c) == "text"]
    marketing_columns = [c for c, role in roles.items() if role == "acquisition_channel" and types.get(c) == "text"]
    products = product_columns(roles, types=types)
    described = list(dict.fromkeys([*value_columns, *marketing_columns[:1], *products]))
    # two scans for the distinct cells of every text column used, then one grouped query for everything
    text_columns = [*described, *(c.column for c in checks if c.kind == "share")]
    if source is not None and source.kind == "column":
        text_columns.append(source.column)
    cells = mv.distinct_cells_many(data, columns=text_columns)
    specs = []
    for column in described:
        spec = mv.analyse_cells(cells[column], column=column) or single_value_spec(cells[column], column=column)
        if spec is not None:
            specs.append(spec)
    table = data.customers().join(data.segment_labels(), data.key)
    metrics: dict[str, Any] = {"customers": table.count()}
    metrics.update(tn.check_metrics(data, table, checks=checks, rules=cleaned, cells=cells))
    metrics.update(mv.value_metrics(table, specs=specs))
    channel_part = None
    if source is not None and source.kind not in ch.TABLE_SOURCES:
        ch._check(source, columns=table.columns)
        raws = [str(c) for c in cells[source.column]["cell"]] if source.kind == "column" else []
        channel_part = ch.mix_metrics(table, source=source, mapping=mapping, raws=raws)
        metrics.update(channel_part[0])
    wide = table.group_by("segment").aggregate(**metrics).execute()
    wide["segment"] = wide["segment"].astype(str)
    sizes_frame = wide[["segment", "customers"]].astype({"customers": "int64"})
    sizes_frame = sizes_frame.sort_values(["customers", "segment"], ascending=[False, True], ignore_index=True)
    total = int(sizes_frame["customers"].sum()) or 1
    results = tn.evaluate_rules(wide, checks=checks, rules=cleaned)
    if channel_part is not None:
        mix = ch.mix_from_counts(ch.counts_from_wide(wide, channels=channel_part[1]), source=source)
    elif source is not None:
        mix = ch.channel_mix(data, source=source, mapping=mapping)
    else:
        mix = None
    shares = mv.shares_from_wide(wide, specs=specs)
    found = {spec.column: distinctive_values(shares[shares["column"] == spec.column], column=spec.column)
             for spec in specs}
    econ: dict[str, dict[str, float | None]] = {}
    if economics is not None and not economics.empty:
        for record in economics.to_dict("records"):
            econ[str(record["segment"])] = {k: (float(record[k]) if _finite(record.get(k)) else None)
                                            for k in ("cac", "predicted_ltv", "roi", "ltv_to_cac")}
    cards = []
    for segment, customers in zip(sizes_frame["segment"], sizes_frame["customers"], strict=True):
        result = results.get(segment, tn.ToneResult(tone=tn.DEFAULT_TONE, approach=tn.DEFAULT_APPROACH))
        preference = mix.preferences.get(segment) if mix is not None else None
        mix_rows: list[dict[str, Any]] = []
        avoid: list[str] = []
        if mix is not None:
            part = mix.shares[mix.shares["segment"] == segment]
            for row in part.itertuples():
                mix_rows.append({"channel": row.channel, "share": float(row.share), "low": float(row.low),
                                 "high": float(row.high), "overall": float(row.overall_share),
                                 "lift": float(row.lift), "customers": int(row.customers)})
                if row.lift < AVOID_LIFT and row.known >= ch.MIN_KNOWN:
                    avoid.append(f"{row.channel} ({row.share:.0%})")
        values = [v.text() for c in value_columns for v in found.get(c, {}).get(segment, [])[:2]]
        marketing = [v.text() for c in marketing_columns[:1] for v in found.get(c, {}).get(segment, [])[:3]]
        product_texts = [v.text() for c in products for v in found.get(c, {}).get(segment, [])[:3]]
        economics_row = econ.get(segment, {})
        dos, donts = do_and_dont(preference=preference, avoid=avoid, tone=result.tone, approach=result.approach,
                                 values=values, economics=economics_row)
        cards.append(SegmentCard(
            segment=segment, name=names.get(segment, segment), customers=int(customers),
            share=int(customers) / total, who=list((who or {}).get(segment, [])), channel_mix=mix_rows,
            preference=preference, avoid_channels=avoid, marketing=marketing, tone=result.tone,
            approach=result.approach, evidence=result.sentences(), values=values[:3], products=product_texts[:3],
            economics=economics_row, dos=dos, donts=donts, notes=str((notes or {}).get(segment, "") or ""),
        ))
    playbook_notes = list(mix.notes) if mix is not None else [
        "The file has no service channel (a 'Service channel' column, contact counts per channel, an "
        "interactions file or survey answers), so the cards show no channel preference."]
    return Playbook(cards=cards, mix=mix, rule_problems=problems, notes=playbook_notes)


def rename(playbook: Playbook, *, names: Mapping[str, str]) -> Playbook:
    """The same playbook with the segments' current display names (renames follow without recomputing)."""
    for card in playbook.cards:
        card.name = names.get(card.segment, card.segment)
    return playbook


# -- routing table and exports ---------------------------------------------------------------------


def _preferred_text(preference: ch.Preference | None) -> str:
    if preference is None:
        return "No channel data"
    if preference.channel:
        return preference.channel
    if preference.top:
        return f"No clear preference (most use {preference.top})"
    return "No clear preference"


def routing_table(playbook: Playbook, *, notes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per segment for the support desk (pure).

    Parameters
    ----------
    playbook
        From :func:`build_playbook`.
    notes
        Segment label -> the team's notes (default: the cards' notes).

    Returns
    -------
    pandas.DataFrame
        :data:`ROUTING_COLUMNS`.
    """
    rows = []
    for card in playbook.cards:
        text = (notes or {}).get(card.segment, card.notes) if notes is not None else card.notes
        backup = card.preference.backup if card.preference is not None else None
        rows.append((card.name, card.customers, _preferred_text(card.preference), backup or "",
                     card.tone, card.approach, " ".join(str(text or "").split())))
    return pd.DataFrame(rows, columns=list(ROUTING_COLUMNS))


def routing_csv(table: pd.DataFrame) -> bytes:
    """The routing table as spreadsheet-safe CSV (formulas neutralised, UTF-8 with BOM)."""
    from segdash.report.export import to_safe_csv

    return to_safe_csv(table)


def routing_xlsx(table: pd.DataFrame) -> bytes:
    """The routing table as an Excel workbook with formula-like text neutralised."""
    from segdash.report.export import neutralise_formulas

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(table).to_excel(writer, index=False, sheet_name="Routing")
    return buffer.getvalue()


def _md_cell(value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    for char in ("\\", "|", "*", "_", "`", "[", "]", "<", ">", "#"):
        text = text.replace(char, "\\" + char)
    return text


def routing_markdown(table: pd.DataFrame) -> str:
    """The routing table as a Markdown table (pipes and markup in cells escaped)."""
    header = "| " + " | ".join(_md_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(_md_cell(f"{v:,}" if isinstance(v, int) else v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


# -- records for the command line and the report ----------------------------------------------------


def to_records(playbook: Playbook) -> list[dict[str, Any]]:
    """Per segment, the ``playbook --json`` shape.

    Returns
    -------
    list[dict]
        ``segment`` (display name), ``label``, ``customers``, ``channel_mix``
        (``[{"channel", "share", "low", "high"}]``), ``preferred_channel`` (or ``None``), ``reason``,
        ``backup_channel``, ``tone``, ``approach``, ``evidence`` (sentences).
    """
    records = []
    for card in playbook.cards:
        pref = card.preference
        records.append({
            "segment": card.name, "label": card.segment, "customers": card.customers,
            "channel_mix": [{"channel": m["channel"], "share": round(m["share"], 4), "low": round(m["low"], 4),
                             "high": round(m["high"], 4)} for m in card.channel_mix],
            "preferred_channel": pref.channel if pref is not None else None,
            "reason": pref.reason if pref is not None else "No service channel in this file.",
            "backup_channel": pref.backup if pref is not None else None,
            "tone": card.tone, "approach": card.approach,
            "evidence": [*([pref.reason] if pref is not None else []), *card.evidence],
        })
    return records


def mix_test_sentence(mix: ch.ChannelMix | None) -> str:
    """One sentence on whether channel preference differs between segments."""
    if mix is None:
        return "There is no service channel in this file."
    test = mix.test
    if not _finite(test.get("p_value")):
        return "Channel preference cannot be compared: too few segments or channels."
    p = float(test["p_value"])
    v = float(test["effect"])
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    if p < ch.ALPHA and v >= 0.1:
        return (f"Channel preference differs clearly between segments (chi-square {p_text}, Cramér's V = {v:.2f}): "
                "serving each segment on its own channel is worth it.")
    if p < ch.ALPHA:
        return (f"Channel preference differs between segments, but only a little (chi-square {p_text}, "
                f"Cramér's V = {v:.2f}).")
    return f"Channel preference does not differ clearly between segments (chi-square {p_text})."


def mix_plain_sentence(mix: ch.ChannelMix | None) -> str:
    """:func:`mix_test_sentence` in plain words, without test names or numbers (the first view of a page).

    Parameters
    ----------
    mix
        The channel mix of the playbook (``None`` without a service channel).

    Returns
    -------
    str
    """
    if mix is None:
        return "There is no service channel in this file."
    test = mix.test
    if not _finite(test.get("p_value")):
        return "Channel preference cannot be compared: too few segments or channels."
    p, v = float(test["p_value"]), float(test["effect"])
    if p < ch.ALPHA and v >= 0.1:
        return ("Channel preference differs clearly between segments, and that is very unlikely to be chance: "
                "serving each segment on its own channel is worth it.")
    if p < ch.ALPHA:
        return ("Channel preference differs between segments, but only a little: one channel plan for everyone "
                "loses little.")
    return ("Channel preference does not differ clearly between segments: the differences could well be chance, "
            "so one channel plan for everyone is fine.")


def report_summary(playbook: Playbook, *, names: Mapping[str, str] | None = None) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """What the meeting report needs from the playbook: sentences and small tables (no personal data).

    Parameters
    ----------
    playbook
        From :func:`build_playbook`.
    names
        Segment label -> display name (default: the names in the playbook).

    Returns
    -------
    tuple[list[str], dict[str, pandas.DataFrame]]
        Sentences (one on the channel test, one per segment), and tables ``routing`` (see
        :func:`routing_table`) and ``channel_mix`` (``Segment, Channel, Share, Low, High, Lift``).
    """
    if names:
        playbook = rename(playbook, names=names)
    sentences = [mix_test_sentence(playbook.mix)]
    for card in playbook.cards:
        pref = card.preference
        if pref is not None and pref.channel:
            channel = f"prefers {pref.channel}" + (f" (backup {pref.backup})" if pref.backup else "")
        elif pref is not None and pref.top:
            channel = f"has no clear channel preference (most use {pref.top})"
        else:
            channel = "has no known service channel"
        sentences.append(f"{card.name} ({card.customers:,} customers) {channel}; tone {card.tone}, "
                         f"approach {card.approach}.")
    mix_rows = [(card.name, m["channel"], m["share"], m["low"], m["high"], m["lift"])
                for card in playbook.cards for m in card.channel_mix]
    tables = {"routing": routing_table(playbook),
              "channel_mix": pd.DataFrame(mix_rows, columns=["Segment", "Channel", "Share", "Low", "High", "Lift"])}
    return sentences, tables


def notes_doc_name(snapshot_id: str | None) -> str:
    """The ``notes`` document name for a segmentation: its snapshot id, or ``current``."""
    return snapshot_id or "current"


def playbook_for_file(path: str, *, labels: str, sheet: str | None = None,
                      roles: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The ``playbook`` command: import a file, attach its labels, build the playbook, return records.

    Parameters
    ----------
    path
        The customer file.
    labels
        ``labels.csv`` written by ``python -m segdash segment`` for this file.
    sheet
        Excel sheet to read.
    roles
        Role corrections (``--role COLUMN=ROLE``) applied after the import.

    Returns
    -------
    list[dict]
        See :func:`to_records`.

    Raises
    ------
    segdash.errors.SegdashError
        When the file or the labels cannot be used.
    """
    from segdash.errors import SettingsError
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path, sheet=sheet)
    for column, role in (roles or {}).items():
        if column not in ws.roles:
            raise SettingsError(f"--role: there is no column '{column}' in the file (columns: {', '.join(ws.roles)}).")
        ws.set_role(column, role)
    ws.use_labels_file(labels)
    return to_records(build_playbook(ws.data, roles=ws.roles, types=ws.column_types()))
