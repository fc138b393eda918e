"""Tone and approach per segment from visible, editable rules.

A rule says "when <trait> <test> <threshold>, suggest <tone> and/or <approach>". Rules are data:
a table (:data:`RULE_COLUMNS`) that ships with defaults (:func:`default_rules`), can be edited,
switched off or extended by the user, and is saved with the project as a JSON document.

* ``trait``: a column name, or a word standing for several (``age``, ``life stage``, ``values``,
  ``lifestyle``, ``satisfaction``, ``tenure``, ``signup``: see :data:`TRAIT_WORDS`). The rule
  looks at every matching column (personal data and ids never) and fires on the first that passes.
* ``test``: ``average at least`` / ``average below`` ``threshold`` (numbers; dates as days since),
  or ``share at least`` ``threshold`` % of the segment whose cell contains ``value`` (text,
  ignoring case, so it works on multi-value cells too).
* Rules are read top to bottom: the first rule that fires and suggests a tone sets the tone; the
  same for the approach. Without one, the tone is :data:`DEFAULT_TONE` and the approach
  :data:`DEFAULT_APPROACH`. Every fired rule is listed as evidence: the rule, the trait, the
  segment's figure against the overall one, and n.

All figures come from one grouped engine query over ``customers JOIN segment_labels``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import pandas as pd

from segdash import db
from segdash.data import Data
from segdash.schema import is_modelling_role

TONES = ("formal", "neutral", "casual")
APPROACHES = ("concise/simple", "detailed", "reassuring", "enthusiastic")
TESTS = ("average at least", "average below", "share at least")
DEFAULT_TONE = "neutral"
DEFAULT_APPROACH = "concise/simple"
RULE_COLUMNS = ("on", "trait", "test", "value", "threshold", "tone", "approach", "why")

#: Words that stand for several column names (matched on whole words of the column name).
TRAIT_WORDS: dict[str, tuple[str, ...]] = {
    "age": ("age", "age band", "age group", "customer age"),
    "life stage": ("life stage", "lifestage", "lifestyle", "household", "marital status", "family"),
    "values": ("values", "value", "personal values"),
    "lifestyle": ("lifestyle", "life style"),
    "satisfaction": ("satisfaction", "satisfaction rating", "shopping satisfaction", "csat", "nps"),
    "tenure": ("tenure", "signup date", "signup", "customer since", "member since", "join date"),
    "signup": ("signup date", "signup", "customer since", "member since", "join date"),
    "interests": ("interests", "interest", "hobbies"),
}


@dataclass(frozen=True)
class Rule:
    """One rule: when ``trait`` ``test`` ``threshold`` (``value`` for shares), suggest ``tone`` / ``approach``."""

    on: bool
    trait: str
    test: str
    value: str
    threshold: float
    tone: str
    approach: str
    why: str = ""

    def describe(self) -> str:
        """Plain words: ``age average at least 55``, ``values share at least 25% 'Convenience'``."""
        if self.test == "share at least":
            return f"{self.trait}: at least {self.threshold:g}% are '{self.value}'"
        return f"{self.trait}: {self.test} {self.threshold:g}"

    def suggestion(self) -> str:
        """``formal, reassuring`` (what it suggests)."""
        return ", ".join(x for x in (self.tone, self.approach) if x)


@dataclass
class Evidence:
    """A rule that fired for a segment."""

    rule: int
    column: str
    segment_value: float
    overall_value: float
    n: int
    sentence: str
    tone: str = ""
    approach: str = ""


@dataclass
class ToneResult:
    """Tone and approach of one segment with the rules that fired."""

    tone: str
    approach: str
    evidence: list[Evidence] = field(default_factory=list)
    tone_rule: int | None = None
    approach_rule: int | None = None

    def sentences(self) -> list[str]:
        """Evidence lines, then how defaults filled any gap."""
        lines = [e.sentence for e in self.evidence]
        if self.tone_rule is None:
            lines.append(f"No rule set the tone: {self.tone} is the default.")
        if self.approach_rule is None:
            lines.append(f"No rule set the approach: {self.approach} is the default.")
        return lines


def default_rules() -> pd.DataFrame:
    """The rules that ship with segdash, as the editable table (:data:`RULE_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
    """
    rows = [
        (True, "age", "average at least", "", 55.0, "formal", "reassuring",
         "Older customers expect courtesy and a patient, clear answer (email, phone, letter)."),
        (True, "age", "average below", "", 35.0, "casual", "enthusiastic",
         "Younger customers answer a relaxed, lively voice (social media, chat)."),
        (True, "satisfaction", "average below", "", 3.0, "", "reassuring",
         "Unhappy customers need to be heard and reassured before anything else."),
        (True, "values", "share at least", "Convenience", 25.0, "", "concise/simple",
         "Customers who value convenience and simplicity want short, simple answers."),
        (True, "values", "share at least", "Quality", 30.0, "", "detailed",
         "Quality-first customers want the details: specs, materials, guarantees."),
        (True, "life stage", "share at least", "Family", 40.0, "neutral", "concise/simple",
         "Busy families want quick, practical answers."),
        (True, "lifestyle", "share at least", "professional", 40.0, "formal", "detailed",
         "Professionals expect a businesslike tone and complete information."),
        (True, "signup", "average below", "", 365.0, "", "enthusiastic",
         "Customers in their first year (days since signup): welcome them and show what else there is."),
    ]
    return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


def rules_to_doc(frame: pd.DataFrame) -> dict[str, Any]:
    """The rules table as a JSON document for ``project.put_doc("playbook", "rules", ...)``.

    Parameters
    ----------
    frame
        The rules table.

    Returns
    -------
    dict
        ``{"version": 1, "rules": [{...}, ...]}``.
    """
    records = []
    for record in frame.reindex(columns=list(RULE_COLUMNS)).to_dict("records"):
        clean = {}
        for key, value in record.items():
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
                value = None
            clean[key] = value.item() if hasattr(value, "item") else value
        records.append(clean)
    return {"version": 1, "rules": records}


def rules_from_doc(doc: Mapping[str, Any] | None) -> pd.DataFrame:
    """The rules table from a saved document (defaults when there is none).

    Parameters
    ----------
    doc
        What :func:`rules_to_doc` wrote, or ``None``.

    Returns
    -------
    pandas.DataFrame
    """
    if not doc or not isinstance(doc.get("rules"), list):
        return default_rules()
    frame = pd.DataFrame(doc["rules"]).reindex(columns=list(RULE_COLUMNS))
    frame["on"] = frame["on"].map(lambda v: bool(v) if v is not None and not pd.isna(v) else False)
    frame["threshold"] = pd.to_numeric(frame["threshold"], errors="coerce")
    for column in ("trait", "test", "value", "tone", "approach", "why"):
        frame[column] = frame[column].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return frame


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def clean_rules(frame: pd.DataFrame) -> tuple[list[Rule], list[str]]:
    """Turn the (edited) table into rules; rows that cannot work are listed as problems and skipped.

    Parameters
    ----------
    frame
        The rules table (:data:`RULE_COLUMNS`).

    Returns
    -------
    tuple[list[Rule], list[str]]
        The usable rules in table order (switched-off ones included, with ``on=False``), and one
        plain sentence per unusable row.
    """
    rules: list[Rule] = []
    problems: list[str] = []
    for number, record in enumerate(frame.reindex(columns=list(RULE_COLUMNS)).to_dict("records"), start=1):
        trait = _text(record["trait"])
        test = _text(record["test"]).lower()
        tone = _text(record["tone"]).lower()
        approach = _text(record["approach"]).lower()
        if not trait and not test:
            continue  # an empty new row
        threshold = pd.to_numeric(pd.Series([record["threshold"]]), errors="coerce").iloc[0]
        where = f"Rule {number}"
        if not trait:
            problems.append(f"{where}: say which trait it looks at (e.g. age, values, or a column name).")
        elif test not in TESTS:
            problems.append(f"{where}: the test must be one of {', '.join(TESTS)}.")
        elif pd.isna(threshold):
            problems.append(f"{where}: the threshold must be a number.")
        elif test == "share at least" and not _text(record["value"]):
            problems.append(f"{where}: a share rule needs the value to look for (e.g. Convenience).")
        elif tone and tone not in TONES:
            problems.append(f"{where}: the tone must be one of {', '.join(TONES)} (or blank).")
        elif approach and approach not in APPROACHES:
            problems.append(f"{where}: the approach must be one of {', '.join(APPROACHES)} (or blank).")
        elif not tone and not approach:
            problems.append(f"{where}: suggest a tone, an approach, or both.")
        else:
            on = record["on"]
            rules.append(Rule(on=bool(on) if on is not None and not pd.isna(on) else False, trait=trait, test=test,
                              value=_text(record["value"]), threshold=float(threshold), tone=tone, approach=approach,
                              why=_text(record["why"])))
            continue
        rules.append(Rule(on=False, trait=trait, test="", value="", threshold=math.nan, tone="", approach=""))
    return rules, problems


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split()) + " "


def matching_columns(trait: str, *, roles: Mapping[str, str], types: Mapping[str, str], test: str) -> list[str]:
    """Columns a rule's trait stands for, in file order (personal data and ids never).

    A column matches when its name is the trait, or contains one of the trait's words
    (:data:`TRAIT_WORDS`) as whole words. Average tests take number and date columns; share tests
    take text and yes/no columns.

    Parameters
    ----------
    trait
        The rule's trait.
    roles, types
        Column name -> role / type.
    test
        The rule's test.

    Returns
    -------
    list[str]
    """
    wanted = ("number", "date") if test.startswith("average") else ("text", "boolean")
    key = " ".join(_words(trait).split())
    phrases = [_words(w) for w in (trait, *TRAIT_WORDS.get(key, ()))]
    found = []
    for column, role in roles.items():
        if column == db.ROW or not is_modelling_role(role) or types.get(column) not in wanted:
            continue
        name = _words(column)
        if _words(column) == _words(trait) or any(phrase.strip() and phrase in name for phrase in phrases):
            found.append(column)
    return found


@dataclass(frozen=True)
class _Check:
    rule: int
    column: str
    kind: str  # "average" | "share"
    date: bool = False


def rule_checks(rules: Sequence[Rule], *, roles: Mapping[str, str], types: Mapping[str, str]) -> list[_Check]:
    """The rule x column checks to compute (switched-off and unusable rules are skipped).

    Parameters
    ----------
    rules
        Cleaned rules.
    roles, types
        Column name -> role / type.

    Returns
    -------
    list
        One check per rule and matching column, in rule order.
    """
    checks: list[_Check] = []
    for number, rule in enumerate(rules, start=1):
        if not rule.on or rule.test not in TESTS:
            continue
        for column in matching_columns(rule.trait, roles=roles, types=types, test=rule.test):
            checks.append(_Check(number, column, "share" if rule.test == "share at least" else "average",
                                 date=types.get(column) == "date"))
    return checks


def check_metrics(data: Data, table: Any, *, checks: Sequence[_Check], rules: Sequence[Rule],
                  cells: Mapping[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """Ibis aggregates ``c{i}_sum`` / ``c{i}_n`` for the checks, to run in a query grouped by segment.

    A share test matches its value (ignoring case) against the column's distinct cells in Python
    and becomes ``column IN (matching cells)`` (cheap in the engine); without the cells (free
    text) it falls back to ``lower(column) LIKE``.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    table
        Ibis table of customers joined with their labels.
    checks
        From :func:`rule_checks`.
    rules
        The rules the checks refer to.
    cells
        Column -> distinct cells (``cell``, ``n``), see :func:`segdash.act.multivalue.distinct_cells_many`.

    Returns
    -------
    dict[str, ibis expression]
    """
    customers = data.customers()
    dates = sorted({c.column for c in checks if c.date and c.kind == "average"})
    as_of = {}
    if dates:
        row = customers.aggregate(**{f"d{i}": customers[c].max() for i, c in enumerate(dates)}).execute().iloc[0]
        as_of = {c: row[f"d{i}"] for i, c in enumerate(dates)}
    metrics: dict[str, Any] = {}
    for i, check in enumerate(checks):
        column = table[check.column]
        rule = rules[check.rule - 1]
        if check.kind == "average":
            if check.date:
                latest = as_of.get(check.column)
                if latest is None or pd.isna(latest):
                    value = ibis.null().cast("float64")
                else:
                    value = ibis.literal(pd.Timestamp(latest).date()).delta(column.cast("date"), unit="day")
                value = value.cast("float64")
            else:
                value = column.cast("float64")
            metrics[f"c{i}_sum"] = value.sum()
            metrics[f"c{i}_n"] = value.count()
        else:
            text = column.cast("string").nullif("")
            known = (cells or {}).get(check.column)
            if known is not None and not known.empty:
                wanted = rule.value.lower()
                matching = [str(c) for c in known["cell"] if wanted in str(c).lower()]
                holds = text.isin(matching) if matching else (text.isnull() & text.notnull())  # never
            else:
                holds = text.lower().contains(rule.value.lower())
            metrics[f"c{i}_sum"] = holds.sum()
            metrics[f"c{i}_n"] = text.count()
    return metrics


def trait_figures(data: Data, *, rules: Sequence[Rule], roles: Mapping[str, str],
                  types: Mapping[str, str]) -> tuple[pd.DataFrame, list[_Check]]:
    """Per segment, the figure each rule x matching column needs (one grouped engine query).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    rules
        The rules (switched-off ones are skipped).
    roles, types
        Column name -> role / type.

    Returns
    -------
    tuple[pandas.DataFrame, list]
        One row per segment with ``c{i}_sum`` and ``c{i}_n`` per check (sum of values or of matches,
        and known values), and the checks in order.
    """
    from segdash.act.multivalue import distinct_cells_many

    table = data.customers().join(data.segment_labels(), data.key)
    checks = rule_checks(rules, roles=roles, types=types)
    cells = distinct_cells_many(data, columns=[c.column for c in checks if c.kind == "share"])
    metrics = {"customers": table.count(), **check_metrics(data, table, checks=checks, rules=rules, cells=cells)}
    frame = table.group_by("segment").aggregate(**metrics).execute()
    frame["segment"] = frame["segment"].astype(str)
    return frame, checks


def _number(value: float, *, kind: str) -> str:
    if kind == "share":
        return f"{value:.0%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def evaluate_rules(figures: pd.DataFrame, *, checks: Sequence[Any], rules: Sequence[Rule]) -> dict[str, ToneResult]:
    """Fire the rules on each segment's figures (pure; see :func:`trait_figures`).

    Parameters
    ----------
    figures
        One row per segment: ``segment`` and ``c{i}_sum`` / ``c{i}_n``.
    checks
        Rule x column checks, as returned with the figures.
    rules
        The rules, in table order.

    Returns
    -------
    dict[str, ToneResult]
        Segment label -> tone, approach and evidence.
    """
    totals = {f"c{i}": (float(pd.to_numeric(figures[f"c{i}_sum"]).fillna(0).sum()),
                        float(pd.to_numeric(figures[f"c{i}_n"]).fillna(0).sum())) for i in range(len(checks))}
    results: dict[str, ToneResult] = {}
    for record in figures.to_dict("records"):
        segment = str(record["segment"])
        result = ToneResult(tone=DEFAULT_TONE, approach=DEFAULT_APPROACH)
        fired_rules: set[int] = set()
        for i, check in enumerate(checks):
            if check.rule in fired_rules:
                continue
            rule = rules[check.rule - 1]
            n = int(record.get(f"c{i}_n") or 0)
            if n == 0:
                continue
            value = float(record[f"c{i}_sum"] or 0) / n
            total_sum, total_n = totals[f"c{i}"]
            overall = total_sum / total_n if total_n else math.nan
            if rule.test == "average at least":
                fired = value >= rule.threshold
            elif rule.test == "average below":
                fired = value < rule.threshold
            else:
                fired = value * 100 >= rule.threshold
            if not fired:
                continue
            fired_rules.add(check.rule)
            label = _column_words(check.column, date=bool(getattr(check, "date", False)))
            if check.kind == "share":
                figure = (f"{_number(value, kind='share')} of the segment are '{rule.value}' in {label} "
                          f"(overall {_number(overall, kind='share')}, n = {n:,})")
            else:
                figure = (f"average {label} is {_number(value, kind='average')} "
                          f"(overall {_number(overall, kind='average')}, n = {n:,})")
            sentence = f"Rule {check.rule} ({rule.describe()}) fired: {figure} → {rule.suggestion()}."
            if rule.why:
                sentence += f" Why: {rule.why}"
            evidence = Evidence(rule=check.rule, column=check.column, segment_value=value, overall_value=overall, n=n,
                                sentence=sentence, tone=rule.tone, approach=rule.approach)
            result.evidence.append(evidence)
            if rule.tone and result.tone_rule is None:
                result.tone, result.tone_rule = rule.tone, check.rule
            if rule.approach and result.approach_rule is None:
                result.approach, result.approach_rule = rule.approach, check.rule
        for evidence in result.evidence:
            evidence.sentence += _not_used(evidence, result)
        result.evidence.sort(key=lambda e: e.rule)
        results[segment] = result
    return results


def _not_used(evidence: Evidence, result: ToneResult) -> str:
    """What of a fired rule's suggestion an earlier rule overrode, in words ("" when all of it is used)."""
    suggested = [(part, rule) for part, rule in (("tone", result.tone_rule), ("approach", result.approach_rule))
                 if getattr(evidence, part)]
    lost = [(part, rule) for part, rule in suggested if rule != evidence.rule]
    if not lost:
        return ""
    if len(lost) < len(suggested):  # one part used, the other set by an earlier rule
        return f" (Its {lost[0][0]} is not used: rule {lost[0][1]} set it first.)"
    earlier = " and ".join(f"rule {rule} the {what}" if i else f"rule {rule} set the {what}"
                           for i, (what, rule) in enumerate(lost))
    return f" (Not used: {earlier} first.)"


def _column_words(column: str, *, date: bool) -> str:
    words = " ".join(re.sub(r"[_\s]+", " ", str(column)).split()).lower()
    return f"days since {words}" if date else words


def suggest_tone(data: Data, *, rules: pd.DataFrame | Sequence[Rule], roles: Mapping[str, str],
                 types: Mapping[str, str]) -> tuple[dict[str, ToneResult], list[str]]:
    """Tone and approach of every segment, with evidence (one engine query).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    rules
        The rules table (or cleaned rules).
    roles, types
        Column name -> role / type.

    Returns
    -------
    tuple[dict[str, ToneResult], list[str]]
        Segment label -> result, and problems with the rules table.
    """
    if isinstance(rules, pd.DataFrame):
        cleaned, problems = clean_rules(rules)
    else:
        cleaned, problems = list(rules), []
    figures, checks = trait_figures(data, rules=cleaned, roles=roles, types=types)
    return evaluate_rules(figures, checks=checks, rules=cleaned), problems


def rules_status(rules: Sequence[Rule], *, roles: Mapping[str, str], types: Mapping[str, str]) -> list[str]:
    """Per rule, which columns it looks at here (``"age"``, or ``"no matching column"``).

    Parameters
    ----------
    rules
        Cleaned rules.
    roles, types
        Column name -> role / type.

    Returns
    -------
    list[str]
    """
    status = []
    for rule in rules:
        if not rule.test:
            status.append("not usable")
            continue
        columns = matching_columns(rule.trait, roles=roles, types=types, test=rule.test)
        status.append(", ".join(columns) if columns else "no matching column in this file")
    return status


def as_dicts(results: Mapping[str, ToneResult]) -> dict[str, dict[str, Any]]:
    """Plain dicts of the results (for JSON)."""
    return {segment: {**asdict(result), "evidence": result.sentences()} for segment, result in results.items()}
