"""Service-channel mix per segment: shares with intervals, a preferred channel, and a test.

Where a customer's service channel comes from (:class:`ChannelSource`):

* ``column``: a preferred service channel per customer (role ``service_channel``);
* ``counts``: several number columns of contacts per channel (``calls``, ``emails``, ``chats``):
  a customer's channel is the one with the most contacts (ties: the first listed; no contact:
  unknown);
* ``interactions``: a separate file, one row per contact with a customer id and a channel
  (support tickets), aggregated per customer the way order lines are for RFM: a customer's
  channel is the one they used most (ties: alphabetical);
* ``survey``: survey answers to a question such as "How would you like to be contacted?",
  matched to customers on the Survey page (:func:`survey_channel_rows`) and used like an
  interactions file: each chosen option counts once, so a customer's channel is the option
  they chose (several chosen: the first alphabetically). Customers who did not answer have no
  known channel, so the shares are over the respondents.

Labels that mean the same are merged first (``Mobile Phone`` -> ``Phone``, ``Twitter`` ->
``Social media``) with an editable table (:func:`label_map_frame`). Every aggregate runs in the
engine (one grouped query); the statistics run on the small segment x channel count table.

Statistics
----------
* Share of a channel in a segment: customers with that channel / customers with a known
  channel; 95% **Wilson score** interval (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``,
  the same as ``statsmodels.stats.proportion.proportion_confint(method="wilson")``).
* Lift: segment share / overall share.
* **Preferred channel**: only when the segment has at least :data:`MIN_KNOWN` customers with a
  known channel *and* the top channel leads the runner-up significantly. The lead test is the
  conditional (McNemar-style) test for two categories of one multinomial sample: among the
  customers who chose either the top channel or the runner-up, the top channel's count is
  ``Binomial(n_top + n_second, 1/2)`` if both were equally liked; one-sided exact binomial test
  (``scipy.stats.binomtest(alternative="greater")``), significant when p < :data:`ALPHA`.
  Otherwise "no clear preference" with the reason.
* "Channel preference differs between segments": chi-square test of independence on the
  segment x channel table, with Cramér's V (:func:`segdash.profile.category_test`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from scipy import stats

from segdash import db
from segdash.data import Data, table_exists
from segdash.errors import SegdashError

#: Customers with a known channel a segment needs before one channel can be called preferred.
MIN_KNOWN = 30
#: Significance level of the lead test.
ALPHA = 0.05
#: Confidence level of the share intervals.
CONFIDENCE = 0.95
#: Name of the table an interactions file is loaded into.
INTERACTIONS = "interactions"
#: Name of the table survey answers are loaded into as a channel source (``customer``, ``channel``).
SURVEY_CHANNELS = "survey_channels"
#: Sources read from a table of (customer id, channel) rows.
TABLE_SOURCES = ("interactions", "survey")
#: A survey question asking how or where customers want to be contacted.
_CONTACT_QUESTION = re.compile(r"(?i)channel|contact|reach (you|out)|get in touch|hear from us|speak to us")
#: Label for customers without a known channel.
UNKNOWN = "(not known)"

SOURCE_KINDS = ("column", "counts", "interactions", "survey")
#: Words that, next to "channel" in a column name, mark a service channel (not an acquisition one).
SERVICE_WORDS = ("service", "ticket", "contact", "support", "preferred", "care")

#: Default merges: the channel shown -> labels that mean it (compared ignoring case, spaces, "-" and "_").
DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Phone": ("phone", "mobile phone", "telephone", "phone call", "call", "calls", "call center", "call centre",
              "mobile", "hotline"),
    "Email": ("email", "e-mail", "mail", "emails"),
    "Live chat": ("live chat", "chat", "web chat", "chats", "chatbot", "messenger", "whatsapp"),
    "Social media": ("social media", "social", "twitter", "x", "facebook", "instagram", "tiktok", "linkedin"),
    "In store": ("in store", "store", "in-store", "shop", "branch", "in person", "walk-in", "agent"),
    "Letter": ("letter", "post", "postal", "mail letter", "letters"),
    "Credit card": ("credit card", "cc"),
    "Web": ("web", "website", "online", "web form", "portal"),
}


class ChannelError(SegdashError):
    """A channel source that cannot be used (missing column, unreadable interactions file)."""


def _fold(label: str) -> str:
    return " ".join(str(label).lower().replace("-", " ").replace("_", " ").split())


@dataclass(frozen=True)
class ChannelSource:
    """Where each customer's service channel comes from.

    Attributes
    ----------
    kind
        ``column``, ``counts``, ``interactions`` or ``survey``.
    column
        The service-channel column (``column``).
    counts
        ``(channel, column)`` pairs of contact counts (``counts``).
    key
        The customers' id column matched with the interactions or survey answers.
    table_key, table_channel
        Id and channel columns of the :data:`INTERACTIONS` (or :data:`SURVEY_CHANNELS`) table.
    question
        The survey question the channel comes from (``survey``, for the words only).
    """

    kind: str
    column: str | None = None
    counts: tuple[tuple[str, str], ...] = ()
    key: str | None = None
    table_key: str | None = None
    table_channel: str | None = None
    question: str | None = None

    @property
    def table(self) -> str | None:
        """The table of (customer id, channel) rows this source reads, if any."""
        return {"interactions": INTERACTIONS, "survey": SURVEY_CHANNELS}.get(self.kind)

    def describe(self) -> str:
        """Plain words for where the channel comes from."""
        if self.kind == "column":
            return f"the column '{self.column}'"
        if self.kind == "counts":
            return "the most-used channel in the contact counts (" + ", ".join(c for _, c in self.counts) + ")"
        if self.kind == "survey":
            return f"the survey answers to '{self.question or self.table_channel}'"
        return f"the channel each customer used most in the interactions file ('{self.table_channel}')"


@dataclass
class Preference:
    """A segment's preferred channel, or why there is none.

    Attributes
    ----------
    channel
        The preferred channel, or ``None`` ("no clear preference").
    top, backup
        The most and second most chosen channels (``None`` when there are none).
    known
        Customers with a known channel.
    p_value
        One-sided p-value of the lead test (NaN when not run).
    reason
        Plain sentence: why this channel, or why none.
    """

    channel: str | None
    top: str | None
    backup: str | None
    known: int
    p_value: float
    reason: str


@dataclass
class ChannelMix:
    """The channel mix of every segment.

    Attributes
    ----------
    shares
        ``segment, channel, customers, known, share, low, high, overall_share, lift`` (known channels only).
    preferences
        Segment label -> :class:`Preference`.
    sizes
        Segment label -> customers (incl. unknown channel).
    test
        Chi-square test: ``test, statistic, p_value, effect`` (Cramér's V), ``note``.
    source
        Where the channels came from.
    """

    shares: pd.DataFrame
    preferences: dict[str, Preference]
    sizes: dict[str, int]
    test: dict[str, Any]
    source: ChannelSource
    notes: list[str] = field(default_factory=list)


# -- label merging ----------------------------------------------------------------------------


def canonical_label(label: Any, *, synonyms: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The channel a raw label means (``Mobile Phone`` -> ``Phone``); unknown labels keep their words.

    Parameters
    ----------
    label
        A raw channel label (``None``/blank: unknown).
    synonyms
        Channel -> labels that mean it (default :data:`DEFAULT_SYNONYMS`).

    Returns
    -------
    str | None
    """
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return None
    text = " ".join(str(label).split())
    if not text:
        return None
    folded = _fold(text)
    for channel, aliases in (DEFAULT_SYNONYMS if synonyms is None else synonyms).items():
        if folded == _fold(channel) or folded in {_fold(a) for a in aliases}:
            return channel
    return text


def label_map_frame(raw_labels: Sequence[str], *, saved: Mapping[str, str] | None = None,
                    synonyms: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """The editable merge table: one row per raw label with the channel it is counted as.

    Parameters
    ----------
    raw_labels
        Distinct labels found in the data.
    saved
        Raw label -> channel the user chose before (wins over the defaults).
    synonyms
        Default merges (:data:`DEFAULT_SYNONYMS`).

    Returns
    -------
    pandas.DataFrame
        ``label`` (as found), ``channel`` (counted as).
    """
    saved = dict(saved or {})
    rows = [{"label": str(raw), "channel": saved.get(str(raw)) or canonical_label(raw, synonyms=synonyms) or str(raw)}
            for raw in dict.fromkeys(str(r) for r in raw_labels)]
    return pd.DataFrame(rows, columns=["label", "channel"])


def label_map(frame: pd.DataFrame | None) -> dict[str, str]:
    """Raw label -> channel from an (edited) merge table; blank channels keep the raw label.

    Parameters
    ----------
    frame
        ``label``, ``channel`` (see :func:`label_map_frame`).

    Returns
    -------
    dict[str, str]
    """
    if frame is None or frame.empty:
        return {}
    mapping = {}
    for raw, channel in zip(frame["label"], frame["channel"], strict=True):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or not str(raw).strip():
            continue
        target = "" if channel is None or (isinstance(channel, float) and math.isnan(channel)) else str(channel)
        mapping[str(raw)] = " ".join(target.split()) or str(raw)
    return mapping


# -- sources ----------------------------------------------------------------------------------


def suggest_source(roles: Mapping[str, str], *, types: Mapping[str, str]) -> ChannelSource | None:
    """The channel source a file suggests: a ``service_channel`` text column, else contact counts.

    Parameters
    ----------
    roles
        Column name -> role.
    types
        Column name -> type.

    Returns
    -------
    ChannelSource | None
        ``None`` when the file has neither.
    """
    for column, role in roles.items():
        if role == "service_channel" and types.get(column) == "text":
            return ChannelSource(kind="column", column=column)
    counts = contact_count_columns(roles, types=types)
    if len(counts) >= 2:
        return ChannelSource(kind="counts", counts=tuple(counts.items()))
    for column, role in roles.items():  # "Ticket Channel", "Preferred contact channel": a service channel by name
        words = _fold(column).split()
        if (types.get(column) == "text" and role not in ("pii", "id", "acquisition_channel") and "channel" in words
                and any(w in words for w in SERVICE_WORDS)):
            return ChannelSource(kind="column", column=column)
    return None


def contact_count_columns(roles: Mapping[str, str], *, types: Mapping[str, str]) -> dict[str, str]:
    """Number columns that count contacts per channel, by their names (``calls``, ``num_emails``, ``chats``).

    Parameters
    ----------
    roles
        Column name -> role (personal data and ids are skipped).
    types
        Column name -> type.

    Returns
    -------
    dict[str, str]
        Channel -> column, at most one column per channel.
    """
    aliases = {_fold(a): channel for channel, names in DEFAULT_SYNONYMS.items() for a in (channel, *names)
               if len(_fold(a)) > 1}
    found: dict[str, str] = {}
    for column, role in roles.items():
        if types.get(column) != "number" or role in ("pii", "id"):
            continue
        for word in _fold(column).split():
            stem = word[:-1] if word.endswith("s") and len(word) > 3 else word
            channel = aliases.get(stem) or aliases.get(word)
            if channel is not None and channel not in found:
                found[channel] = column
                break
    return found


def load_interactions(data: Data, path: str | Path) -> list[str]:
    """Read an interactions file (one row per contact) into the table :data:`INTERACTIONS`.

    The file is parsed by segdash's importer (any delimiter, encoding, multi-line cells) in a
    private connection and copied into ``data.con``; ``customers`` is untouched.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    path
        CSV/TSV/Excel/Parquet file.

    Returns
    -------
    list[str]
        The file's columns.

    Raises
    ------
    segdash.errors.DataImportError
        When the file cannot be read.
    """
    from segdash.ingest import import_file

    con = data.require_con("Loading an interactions file")  # DuckDB-only: the file is read by DuckDB
    private = db.connect()
    try:
        import_file(private, path, name=Path(path).name)
        arrow = private.table(db.TABLE).to_arrow_table()
    finally:
        private.close()
    con.execute(f"DROP TABLE IF EXISTS {INTERACTIONS}")  # our constant, not user text
    con.from_arrow(arrow).create(INTERACTIONS)
    return [c for c in arrow.column_names if c != db.ROW]


def survey_channel_question(questions: Mapping[str, Any]) -> str | None:
    """The survey question asking how customers want to be contacted, or ``None``.

    Parameters
    ----------
    questions
        Answers column -> :class:`segdash.survey.answers.Question` (its ``type``).

    Returns
    -------
    str | None
        The first one- or several-choice question whose text names a channel or contact
        ("How would you like to be contacted?", "Preferred channel").
    """
    for column, question in questions.items():
        if getattr(question, "type", None) in ("single", "multi") and _CONTACT_QUESTION.search(str(column)):
            return str(column)
    return None


def survey_channel_rows(answers: pd.DataFrame, *, question: str, key: str = "_key",
                        separator: str | None = None) -> pd.DataFrame:
    """Survey answers as (customer, channel) rows, one per option chosen.

    Parameters
    ----------
    answers
        Answers matched to customers (``Confirmation.answers``: ``key`` holds the customer id as text).
    question
        The answers column with the channel.
    key
        The column with the customer id.
    separator
        For a several-choice question: its separator (each chosen option is a row; the one
        multi-value splitter, :func:`segdash.act.multivalue.split_cell`).

    Returns
    -------
    pandas.DataFrame
        ``customer`` and ``channel`` (text); answers without a customer or a channel are left out.

    Raises
    ------
    ChannelError
        When ``question`` or ``key`` is not a column of the answers.
    """
    from segdash.act.multivalue import split_cell

    for column in (question, key):
        if column not in answers.columns:
            raise ChannelError(f"The survey answers have no column '{column}'.")
    rows = []
    for customer, cell in zip(answers[key], answers[question], strict=True):
        if customer is None or pd.isna(customer) or cell is None or (isinstance(cell, float) and pd.isna(cell)):
            continue
        options = split_cell(cell, separator=separator) if separator else [" ".join(str(cell).split())]
        rows.extend((str(customer), option) for option in options if option)
    return pd.DataFrame(rows, columns=["customer", "channel"], dtype=object)


def load_survey_channels(data: Data, rows: pd.DataFrame) -> None:
    """Put :func:`survey_channel_rows` into the table :data:`SURVEY_CHANNELS` (replacing an earlier one).

    DuckDB-only for now, like the interactions file.
    """
    con = data.require_con("Survey answers as a channel source")
    frame = rows[["customer", "channel"]].astype({"customer": "string", "channel": "string"})
    con.execute(f"DROP TABLE IF EXISTS {SURVEY_CHANNELS}")  # our constant, not user text
    con.from_df(frame).create(SURVEY_CHANNELS)


def survey_source(*, key: str, question: str) -> ChannelSource:
    """The channel source reading :data:`SURVEY_CHANNELS` (loaded by :func:`load_survey_channels`)."""
    return ChannelSource(kind="survey", key=key, table_key="customer", table_channel="channel", question=question)


def guess_interaction_columns(columns: Sequence[str], *, customer_columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Guess the interactions file's customer id column and channel column.

    Parameters
    ----------
    columns
        The interactions file's columns.
    customer_columns
        The customer file's id columns, best first (a column of the same name is the match).

    Returns
    -------
    tuple[str | None, str | None]
        ``(id column, channel column)``.
    """
    folded = {_fold(c): c for c in columns}
    key = next((folded[_fold(c)] for c in customer_columns if _fold(c) in folded), None)
    if key is None:
        key = next((c for c in columns if any(w in _fold(c) for w in ("customer id", "customer email", "email",
                                                                       "customer"))), None)
    channel = next((c for c in columns if "channel" in _fold(c)), None)
    return key, channel


def _check(source: ChannelSource, *, columns: Sequence[str], interaction_columns: Sequence[str] = ()) -> None:
    if source.kind not in SOURCE_KINDS:
        raise ChannelError(f"Unknown channel source '{source.kind}' (use one of {', '.join(SOURCE_KINDS)}).")
    needed = []
    if source.kind == "column":
        needed = [source.column]
    elif source.kind == "counts":
        if not source.counts:
            raise ChannelError("Pick at least one column of contact counts per channel.")
        needed = [c for _, c in source.counts]
    else:
        needed = [source.key]
        for name in (source.table_key, source.table_channel):
            if name not in interaction_columns:
                what = "survey answers" if source.kind == "survey" else "interactions file"
                raise ChannelError(f"The {what} has no column '{name}'. Pick its customer id and channel columns.")
    for name in needed:
        if name not in columns:
            raise ChannelError(f"The customer file has no column '{name}'. Pick another channel column.")


def customer_channels(data: Data, *, source: ChannelSource,
                      mapping: Mapping[str, str] | None = None) -> Any:
    """An Ibis table ``(_row, channel)``: each customer's merged service channel (null: unknown).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    source
        Where the channel comes from.
    mapping
        Raw label -> channel (:func:`label_map`); labels not in it go through :func:`canonical_label`.

    Returns
    -------
    ibis.Table

    Raises
    ------
    ChannelError
        When a column of the source is missing.
    """
    backend = data.backend
    customers = data.customers()
    interactions = backend.table(source.table) if source.table and table_exists(backend, source.table) else None
    if source.kind == "interactions" and interactions is None:
        raise ChannelError("Load an interactions file first (one row per contact with a customer id and a channel).")
    if source.kind == "survey" and interactions is None:
        raise ChannelError("Match survey answers to customers on the Survey page first.")
    _check(source, columns=customers.columns, interaction_columns=interactions.columns if interactions is not None else ())
    if source.kind == "column":
        raw = customers[source.column].cast("string").nullif("")
        table = customers.select(customers[data.key], raw_channel=raw)
    elif source.kind == "counts":
        values = [customers[column].cast("float64").fill_null(0) for _, column in source.counts]
        top = ibis.greatest(*values) if len(values) > 1 else values[0]
        branches = [((value == top) & (top > 0), ibis.literal(channel)) for (channel, _), value in
                    zip(source.counts, values, strict=True)]
        table = customers.select(customers[data.key], raw_channel=ibis.cases(*branches, else_=ibis.null("string")))
    else:
        contacts = interactions.select(k=interactions[source.table_key].cast("string"),
                                       c=interactions[source.table_channel].cast("string").nullif(""))
        contacts = contacts.filter(contacts.k.notnull() & contacts.c.notnull())
        contacts = contacts.mutate(c=_merged(contacts.c, contacts, mapping))  # merge before counting
        per = contacts.group_by(["k", "c"]).aggregate(n=lambda t: t.count())
        ranked = per.mutate(rank=ibis.row_number().over(group_by="k", order_by=[ibis.desc("n"), "c"]))
        main = ranked.filter(ranked["rank"] == 0).select("k", "c")
        keyed = customers.select(customers[data.key], k=customers[source.key].cast("string"))
        joined = keyed.left_join(main, keyed.k == main.k)
        return joined.select(joined[data.key], channel=joined.c)
    return table.select(table[data.key], channel=_merged(table.raw_channel, table, mapping))


def _merged(column: Any, table: Any, mapping: Mapping[str, str] | None) -> Any:
    """``column`` with raw labels replaced by their merged channel (distinct labels mapped in Python)."""
    distinct = table.select(raw=column).filter(lambda t: t.raw.notnull()).distinct()
    raws = [str(r) for r in distinct.raw.execute().tolist() if isinstance(r, str)]
    merge = {raw: (dict(mapping or {}).get(raw) or canonical_label(raw) or raw) for raw in raws}
    return column.substitute(merge) if merge else column


def raw_labels(data: Data, *, source: ChannelSource) -> list[str]:
    """The distinct raw channel labels of a source, most common first (for the merge table).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    source
        Where the channel comes from.

    Returns
    -------
    list[str]
    """
    backend = data.backend
    if source.kind == "column":
        customers = data.customers()
        col = customers[source.column].cast("string").nullif("")
        counted = customers.select(label=col).filter(lambda t: t.label.notnull())
    elif source.table is not None:
        inter = backend.table(source.table)
        col = inter[source.table_channel].cast("string").nullif("")
        counted = inter.select(label=col).filter(lambda t: t.label.notnull())
    else:
        return [channel for channel, _ in source.counts]
    frame = counted.group_by("label").aggregate(n=lambda t: t.count()).order_by([ibis.desc("n"), "label"]).execute()
    return [str(v) for v in frame["label"]]


# -- statistics -------------------------------------------------------------------------------


def wilson_interval(successes: int, trials: int, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a share (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``).

    Parameters
    ----------
    successes
        Customers with the channel.
    trials
        Customers with a known channel.
    confidence
        Confidence level (default 0.95).

    Returns
    -------
    tuple[float, float]
        ``(low, high)``; ``(nan, nan)`` when ``trials`` is 0.
    """
    if trials <= 0:
        return math.nan, math.nan
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def _pct(value: float) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.0%}"


def preferred_channel(counts: Mapping[str, int], *, min_known: int = MIN_KNOWN, alpha: float = ALPHA) -> Preference:
    """Decide a segment's preferred channel from its channel counts (see the module's lead test).

    Parameters
    ----------
    counts
        Channel -> customers with that channel (known channels only).
    min_known
        Customers with a known channel needed (default 30).
    alpha
        Significance level (default 0.05).

    Returns
    -------
    Preference
    """
    ranked = sorted(((str(c), int(n)) for c, n in counts.items() if int(n) > 0), key=lambda item: (-item[1], item[0]))
    known = sum(n for _, n in ranked)
    top = ranked[0][0] if ranked else None
    backup = ranked[1][0] if len(ranked) > 1 else None
    if not ranked:
        return Preference(None, None, None, 0, math.nan, "No customer in this segment has a known service channel.")
    n_top = ranked[0][1]
    n_second = ranked[1][1] if len(ranked) > 1 else 0
    p_value = float(stats.binomtest(n_top, n_top + n_second, 0.5, alternative="greater").pvalue)
    if known < min_known:
        return Preference(None, top, backup, known, p_value,
                          f"Only {known} customers in this segment have a known channel; at least {min_known} "
                          "are needed to call a preference.")
    if p_value >= alpha:
        second = f"{backup} ({_pct(n_second / known)})" if backup else "any other channel"
        return Preference(None, top, backup, known, p_value,
                          f"{top} ({_pct(n_top / known)}) is not clearly ahead of {second}: the lead could be "
                          f"chance (p = {p_value:.2f}).")
    lead = f"ahead of {backup} ({_pct(n_second / known)})" if backup else "the only channel used"
    return Preference(top, top, backup, known, p_value,
                      f"{top} is chosen by {_pct(n_top / known)} of {known:,} customers with a known channel, "
                      f"clearly {lead} (p {'< 0.001' if p_value < 0.001 else f'= {p_value:.3f}'}).")


def mix_from_counts(counts: pd.DataFrame, *, source: ChannelSource | None = None,
                    min_known: int = MIN_KNOWN, alpha: float = ALPHA) -> ChannelMix:
    """Shares, intervals, lift, preferences and the chi-square test from a segment x channel count table.

    Parameters
    ----------
    counts
        ``segment``, ``channel`` (``None`` = unknown), ``customers``.
    source
        Where the channels came from (kept in the result).
    min_known, alpha
        See :func:`preferred_channel`.

    Returns
    -------
    ChannelMix
    """
    from segdash.profile import category_test

    frame = counts.copy()
    frame["segment"] = frame["segment"].astype(str)
    frame["customers"] = frame["customers"].astype("int64")
    sizes = frame.groupby("segment", sort=False)["customers"].sum()
    sizes = sizes.sort_values(ascending=False, kind="stable")
    known_rows = frame[frame["channel"].notna()].copy()
    known_rows["channel"] = known_rows["channel"].astype(str)
    known_rows = known_rows.groupby(["segment", "channel"], as_index=False)["customers"].sum()
    known = known_rows.groupby("segment")["customers"].sum()
    overall = known_rows.groupby("channel")["customers"].sum()
    overall_total = int(overall.sum())
    rows = []
    for record in known_rows.to_dict("records"):
        n = int(known[record["segment"]])
        low, high = wilson_interval(record["customers"], n)
        share = record["customers"] / n if n else math.nan
        overall_share = overall[record["channel"]] / overall_total if overall_total else math.nan
        rows.append({**record, "known": n, "share": share, "low": low, "high": high, "overall_share": overall_share,
                     "lift": share / overall_share if overall_share else math.nan})
    shares = pd.DataFrame(rows, columns=["segment", "channel", "customers", "known", "share", "low", "high",
                                         "overall_share", "lift"])
    order = {segment: i for i, segment in enumerate(sizes.index)}
    shares = shares.sort_values(["segment", "share", "channel"], ascending=[True, False, True],
                                key=lambda col: col.map(order) if col.name == "segment" else col, ignore_index=True)
    preferences = {}
    for segment in sizes.index:
        part = shares[shares["segment"] == segment]
        preferences[segment] = preferred_channel(dict(zip(part["channel"], part["customers"], strict=True)),
                                                 min_known=min_known, alpha=alpha)
    table = known_rows.pivot_table(index="segment", columns="channel", values="customers", aggfunc="sum", fill_value=0)
    test = category_test(table.to_numpy()) if not table.empty else {
        "test": "Chi-square", "statistic": math.nan, "p_value": math.nan, "effect": math.nan,
        "note": "no known channels"}
    notes = []
    unknown = int(frame.loc[frame["channel"].isna(), "customers"].sum())
    if unknown:
        notes.append(f"{unknown:,} customers have no known service channel and are left out of the shares.")
    return ChannelMix(shares=shares, preferences=preferences, sizes={s: int(n) for s, n in sizes.items()}, test=test,
                      source=source or ChannelSource(kind="column"), notes=notes)


def merge_groups(raws: Sequence[str], *, mapping: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Merged channel -> the raw labels counted as it (mapping first, then :func:`canonical_label`).

    Parameters
    ----------
    raws
        Distinct raw labels.
    mapping
        Raw label -> channel (the edited merge table).

    Returns
    -------
    dict[str, list[str]]
    """
    groups: dict[str, list[str]] = {}
    for raw in raws:
        channel = dict(mapping or {}).get(raw) or canonical_label(raw) or raw
        groups.setdefault(channel, []).append(raw)
    return groups


def mix_metrics(table: Any, *, source: ChannelSource, mapping: Mapping[str, str] | None = None,
                raws: Sequence[str] = ()) -> tuple[dict[str, Any], list[str]] | None:
    """Ibis aggregates counting each merged channel, for a query grouped by segment (column and counts sources).

    Parameters
    ----------
    table
        Ibis table of customers joined with their labels.
    source
        A ``column`` or ``counts`` source (``interactions`` needs its own query: ``None`` is returned).
    mapping
        Raw label -> channel.
    raws
        Distinct raw labels of the source column (``column`` source).

    Returns
    -------
    tuple[dict, list[str]] | None
        Metrics ``ch{i}`` and the channel each counts.
    """
    if source.kind == "column":
        groups = merge_groups(raws, mapping=mapping)
        text = table[source.column].cast("string")
        channels = list(groups)
        return {f"ch{i}": text.isin(groups[c]).sum() for i, c in enumerate(channels)}, channels
    if source.kind == "counts":
        values = [table[column].cast("float64").fill_null(0) for _, column in source.counts]
        top = ibis.greatest(*values) if len(values) > 1 else values[0]
        merged = merge_groups([c for c, _ in source.counts], mapping=mapping)
        metrics, channels = {}, []
        for i, (channel, raw_names) in enumerate(merged.items()):
            firsts = []
            for position, ((name, _), value) in enumerate(zip(source.counts, values, strict=True)):
                if name in raw_names:
                    earlier = [values[j] < top for j in range(position)]  # ties go to the first listed
                    condition = (value == top) & (top > 0)
                    for lower in earlier:
                        condition = condition & lower
                    firsts.append(condition)
            hit = firsts[0]
            for other in firsts[1:]:
                hit = hit | other
            metrics[f"ch{i}"] = hit.sum()
            channels.append(channel)
        return metrics, channels
    return None


def counts_from_wide(wide: pd.DataFrame, *, channels: Sequence[str]) -> pd.DataFrame:
    """Long ``segment, channel, customers`` (``None`` = unknown) from a grouped query with ``customers`` and ``ch{i}``.

    Parameters
    ----------
    wide
        One row per segment.
    channels
        The channel of each ``ch{i}``.

    Returns
    -------
    pandas.DataFrame
    """
    rows = []
    for record in wide.to_dict("records"):
        known = 0
        for i, channel in enumerate(channels):
            n = int(record.get(f"ch{i}") or 0)
            known += n
            if n:
                rows.append((str(record["segment"]), channel, n))
        unknown = int(record["customers"]) - known
        if unknown:
            rows.append((str(record["segment"]), None, unknown))
    return pd.DataFrame(rows, columns=["segment", "channel", "customers"]).astype({"channel": object})


def channel_counts(data: Data, *, source: ChannelSource,
                   mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Customers per segment x merged channel (one grouped engine query over every customer).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    source
        Where the channel comes from.
    mapping
        Raw label -> channel.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``channel`` (``None``: unknown), ``customers``.
    """
    channels = customer_channels(data, source=source, mapping=mapping)
    labels = data.segment_labels()
    joined = labels.join(channels, data.key)
    frame = joined.group_by(["segment", "channel"]).aggregate(customers=joined.count()).execute()
    frame["segment"] = frame["segment"].astype(str)
    frame["channel"] = pd.Series([None if v is None or pd.isna(v) else str(v) for v in frame["channel"]],
                                 index=frame.index, dtype=object)
    frame["customers"] = frame["customers"].astype("int64")
    return frame


def channel_mix(data: Data, *, source: ChannelSource, mapping: Mapping[str, str] | None = None,
                min_known: int = MIN_KNOWN, alpha: float = ALPHA) -> ChannelMix:
    """The service-channel mix of every segment (see the module docstring for the statistics).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    source
        Where the channel comes from.
    mapping
        Raw label -> channel (:func:`label_map`).
    min_known, alpha
        See :func:`preferred_channel`.

    Returns
    -------
    ChannelMix

    Raises
    ------
    ChannelError
        When a column of the source is missing.
    """
    counts = channel_counts(data, source=source, mapping=mapping)
    return mix_from_counts(counts, source=source, min_known=min_known, alpha=alpha)


# -- purchase channel x service channel ------------------------------------------------------------


def purchase_service_crosstab(data: Data, *, purchase: str, source: ChannelSource,
                              mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per segment, how customers of each purchase (or order) channel want to be served.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    purchase
        The purchase/order channel column (``Online``/``Store``, or the acquisition channel).
    source
        Where the service channel comes from.
    mapping
        Raw label -> channel.

    Returns
    -------
    pandas.DataFrame
        ``segment, purchase, service, customers, share`` (of the segment x purchase group with a known
        service channel), ``overall_share`` (of that service channel among everyone with that purchase
        channel) and ``lift``.
    """
    customers = data.customers()
    if purchase not in customers.columns:
        raise ChannelError(f"The customer file has no column '{purchase}'.")
    channels = customer_channels(data, source=source, mapping=mapping)
    bought = customers.select(customers[data.key], purchase=customers[purchase].cast("string").nullif(""))
    joined = data.segment_labels().join(channels, data.key).join(bought, data.key)
    joined = joined.filter(joined.channel.notnull() & joined.purchase.notnull())
    frame = joined.group_by(["segment", "purchase", "channel"]).aggregate(customers=joined.count()).execute()
    frame = frame.rename(columns={"channel": "service"})
    frame["segment"] = frame["segment"].astype(str)
    frame["customers"] = frame["customers"].astype("int64")
    group = frame.groupby(["segment", "purchase"])["customers"].transform("sum")
    frame["share"] = frame["customers"] / group
    overall = frame.groupby(["purchase", "service"])["customers"].sum()
    overall = overall / overall.groupby(level="purchase").transform("sum")
    frame["overall_share"] = [overall[(p, s)] for p, s in zip(frame["purchase"], frame["service"], strict=True)]
    frame["lift"] = frame["share"] / frame["overall_share"]
    return frame.sort_values(["segment", "purchase", "customers"], ascending=[True, True, False], ignore_index=True)


def crosstab_highlights(crosstab: pd.DataFrame, *, names: Mapping[str, str] | None = None, min_group: int = MIN_KNOWN,
                        min_share: float = 0.3, min_lift: float = 1.3, limit: int = 6) -> list[str]:
    """Sentences for groups such as "buys online, wants a phone call" (clear, big enough, above average).

    Parameters
    ----------
    crosstab
        From :func:`purchase_service_crosstab`.
    names
        Segment label -> display name.
    min_group
        Customers a segment x purchase group needs.
    min_share, min_lift
        A service channel is a highlight when at least this share of the group wants it and that is
        at least ``min_lift`` times the share among everyone with the same purchase channel.
    limit
        At most this many sentences (largest groups first).

    Returns
    -------
    list[str]
    """
    if crosstab.empty:
        return []
    names = dict(names or {})
    group = crosstab.groupby(["segment", "purchase"])["customers"].transform("sum")
    picked = crosstab[(group >= min_group) & (crosstab["share"] >= min_share) & (crosstab["lift"] >= min_lift)]
    picked = picked.assign(group=group[picked.index]).sort_values(["customers"], ascending=False).head(limit)
    return [
        f"{names.get(row.segment, row.segment)}: of those who buy via {row.purchase}, {_pct(row.share)} want "
        f"{row.service} ({_pct(row.overall_share)} of all {row.purchase} buyers; n = {int(row.group):,})."
        for row in picked.itertuples()
    ]


def crosstab_display(crosstab: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                     order: Sequence[str] = ()) -> pd.DataFrame:
    """The cross-tab for a screen: display names, segments in ``order``, shares as whole percentages.

    Parameters
    ----------
    crosstab
        From :func:`purchase_service_crosstab`.
    names
        Segment label -> display name.
    order
        Segment labels in the order to show (others follow).

    Returns
    -------
    pandas.DataFrame
        ``Segment, Buys via, Wants service via, Customers, Share %, Share % among all who buy via it, × average``.
    """
    names = dict(names or {})
    rank = {label: i for i, label in enumerate(order)}
    frame = crosstab.assign(_rank=crosstab["segment"].map(lambda s: rank.get(s, len(rank))))
    frame = frame.sort_values(["_rank", "segment", "purchase", "customers"], ascending=[True, True, True, False])
    return pd.DataFrame({
        "Segment": [names.get(s, s) for s in frame["segment"]],
        "Buys via": frame["purchase"].astype(str).to_numpy(),
        "Wants service via": frame["service"].astype(str).to_numpy(),
        "Customers": frame["customers"].astype("int64").to_numpy(),
        "Share %": (frame["share"] * 100).round(0).to_numpy(),
        "Share % among all who buy via it": (frame["overall_share"] * 100).round(0).to_numpy(),
        "× average": frame["lift"].round(1).to_numpy(),
    })
