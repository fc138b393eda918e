"""Survey answers: question types, ordered bands, short labels, multi-select, and joining back.

A survey export (Google Forms, SurveyMonkey, Qualtrics, Typeform; CSV or XLSX) is imported with
the same code as a customer file (:func:`segdash.ingest.import_file`, on its own connection), then
each column gets a question type:

* ``key``        a token, email or customer id to match answers to the sample
* ``timestamp``  when the answer was given (``2019/10/01 12:38:43 PM GMT+8``)
* ``likert``     a 1-5 (or 0-10) rating
* ``ordinal``    ordered answers: bands (``Less than 25,000`` < ``25,000 to 50,000``) or
  frequency/agreement words (``Never`` < ``Rarely`` < ``Often``)
* ``number``     any other number (an age)
* ``multi``      several options in one cell, joined by ``;`` or ``,``
* ``single``     one option from a list (categories, yes/no)
* ``text``       free text (not tested)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segdash.report.export import restore_cell
from segdash.survey import SurveyError


def __getattr__(name: str) -> Any:
    """``split_cell`` and ``split_multi`` of :mod:`segdash.act.multivalue`, re-exported on first use.

    Not imported at the top: that module loads Ibis, and clustering a file (which reads ordered answers
    with :func:`answer_order`) runs without it (issue 16).
    """
    if name in ("split_cell", "split_multi"):
        from segdash.act import multivalue

        return getattr(multivalue, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


QUESTION_TYPES = ("key", "timestamp", "likert", "ordinal", "number", "multi", "single", "text")
TYPE_LABELS = {
    "key": "Respondent key", "timestamp": "Time answered", "likert": "Rating (1-5)",
    "ordinal": "Ordered choices", "number": "Number", "multi": "Several choices",
    "single": "One choice", "text": "Free text",
}
#: Types whose answers are compared with a rank test (Kruskal-Wallis).
RANKED = ("likert", "ordinal", "number")
#: Answers that are no answer (left out of tests and orders).
NON_ANSWERS = frozenset({"prefer not to say", "don't know", "dont know", "do not know", "n/a", "na",
                         "not applicable", "no answer", "rather not say", "nil", "none of the above", "."})

_KEY_NAME = re.compile(r"(?i)^(token|e-?mail( address)?|customer[ _-]?id|respondent[ _-]?id|external ?data ?reference|"
                       r"id|participant[ _-]?id|custom ?data ?1|attribute_1|invitation[ _-]?id)$")
_KEYISH = re.compile(r"(?i)token|e-?mail|(^|[\s_])id$|_id\b|customer|respondent|reference|custom ?data|attribute_1|"
                     r"participant|invitation")
_TIMESTAMP = re.compile(r"^\d{4}[/-]\d{1,2}[/-]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2})?(\s*[AP]M)?(\s*(GMT|UTC)?[+-]?\d{0,2}:?\d{0,2})?$"
                        r"|^\d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2}(:\d{2})?(\s*[AP]M)?$", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])[^\d\s-]{0,3}(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(k|m)?\b", re.IGNORECASE)
_RATED = re.compile(r"^(\d{1,2})(?:\s*[-–:=.]\s*\D.*)?$")
_LESS = re.compile(r"(?i)\b(less than|under|below|up to|fewer than|younger than|at most)\b|^<|^≤")
_MORE = re.compile(r"(?i)\b(more than|over|above|or more|and over|and above|or older|and older|at least|older than|plus)\b"
                   r"|\+\s*$|^>|^≥")

#: Scores of ordered words (frequency, intensity, agreement, satisfaction, likelihood, importance).
#: Only the order within one question matters.
SCALE_WORDS: dict[str, float] = {
    # frequency
    "never": 0, "almost never": 0.5, "hardly ever": 0.5, "rarely": 1, "seldom": 1,
    "less than once a month": 1.5, "occasionally": 2, "sometimes": 2.2, "once a month": 2.5,
    "monthly": 2.5, "few times a month": 3, "a few times a month": 3, "several times a month": 3,
    "2-3 times a month": 3, "once a week": 3.5, "weekly": 3.5, "often": 4, "few times a week": 4,
    "a few times a week": 4, "several times a week": 4.2, "multiple times a week": 4.5,
    "very often": 4.8, "almost always": 5.5, "usually": 4.5, "daily": 5, "every day": 5,
    "once a day": 5, "multiple times a day": 5.5, "several times a day": 5.5, "always": 6,
    # intensity
    "not at all": 0, "slightly": 1, "a little": 1, "somewhat": 2, "moderately": 3, "very": 4,
    "heavily": 5, "extremely": 5, "completely": 6,
    # agreement / satisfaction / likelihood / importance / quality
    "strongly disagree": -2, "disagree": -1, "somewhat disagree": -0.5,
    "neither agree nor disagree": 0, "neutral": 0, "somewhat agree": 0.5, "agree": 1, "strongly agree": 2,
    "very dissatisfied": -2, "dissatisfied": -1, "somewhat dissatisfied": -0.5,
    "neither satisfied nor dissatisfied": 0, "somewhat satisfied": 0.5, "satisfied": 1, "very satisfied": 2,
    "very unlikely": -2, "unlikely": -1, "somewhat unlikely": -0.5, "neither likely nor unlikely": 0,
    "somewhat likely": 0.5, "likely": 1, "very likely": 2, "extremely likely": 3,
    "not at all important": 0, "not important": 0, "slightly important": 1, "somewhat important": 2,
    "moderately important": 2, "important": 3, "very important": 4, "extremely important": 5,
    "very poor": -2, "poor": -1, "fair": 0, "average": 0, "good": 1, "very good": 2, "excellent": 3,
    "low": 0, "medium": 1, "high": 2, "very low": -1, "very high": 3,
}


def normalise_answer(value: Any) -> str:
    """An answer as comparable text: apostrophe of a safe export undone, spaces folded, lower case."""
    text = str(restore_cell(value)) if value is not None else ""
    return " ".join(text.split()).strip().rstrip(".!").casefold()


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


# -- bands -----------------------------------------------------------------------------------------------

def _numbers(text: str) -> list[float]:
    found = []
    for match in _NUMBER.finditer(text):
        whole = float(match.group(1).replace(",", ""))
        if match.group(2):
            whole += float("0." + match.group(2))
        suffix = (match.group(3) or "").lower()
        whole *= 1_000 if suffix == "k" else 1_000_000 if suffix == "m" else 1
        found.append(whole)
    return found


def band_interval(text: Any) -> tuple[float, float] | None:
    """The range a band answer covers: ``"25 to 34"`` -> (25, 34), ``"Less than RM25,000"`` ->
    (-inf, 25000), ``"65+"`` -> (65, inf), ``"42"`` -> (42, 42); ``None`` when it names no number.

    Parameters
    ----------
    text
        One answer.

    Returns
    -------
    tuple of two floats, or None
        Lower and upper end (both included, except an open "less than"/"more than" end).
    """
    if _is_missing(text):
        return None
    value = str(text).strip()
    numbers = _numbers(value)
    if not numbers:
        return None
    if _LESS.search(value) and len(numbers) == 1:
        return (-math.inf, numbers[0])
    if _MORE.search(value) and len(numbers) == 1:
        return (numbers[0], math.inf)
    if len(numbers) >= 2:
        return (min(numbers[0], numbers[1]), max(numbers[0], numbers[1]))
    return (numbers[0], numbers[0])


def _band_key(text: str) -> tuple[float, float] | None:
    interval = band_interval(text)
    if interval is None:
        return None
    lo, hi = interval
    return (hi - 1e-9, hi) if lo == -math.inf else (lo, hi)


def answer_order(values: Any) -> list[str] | None:
    """The order of a question's answers when they are ordered categories, else ``None``.

    Bands are ordered by the numbers they name (``Less than 25,000`` < ``25,000 to 50,000`` <
    ``More than 100,000``; ``18-24`` < ``25 to 34`` < ``65+``); words by their place on a known
    scale (``Never`` < ``Rarely`` < ``Sometimes`` < ``Often`` < ``Always``; ``Strongly disagree`` <
    ... < ``Strongly agree``). Non-answers (``Prefer not to say``) are left out of the order.

    Parameters
    ----------
    values
        The answers (any iterable; repeats and missing values allowed).

    Returns
    -------
    list[str] or None
        Distinct answers, lowest first; ``None`` if fewer than three, or any answer does not fit.
    """
    distinct = []
    seen = set()
    for value in values:
        if _is_missing(value):
            continue
        text = " ".join(str(value).split())
        if text and text not in seen and normalise_answer(text) not in NON_ANSWERS:
            seen.add(text)
            distinct.append(text)
    if len(distinct) < 3:
        return None
    words = [SCALE_WORDS.get(normalise_answer(v)) for v in distinct]
    if all(w is not None for w in words) and len(set(words)) == len(words):
        return [v for _, v in sorted(zip(words, distinct, strict=True))]
    keys = [_band_key(v) for v in distinct]
    if all(k is not None for k in keys) and len(set(keys)) == len(keys):
        if all(band_interval(v)[0] == band_interval(v)[1] for v in distinct):
            return None  # plain numbers, not bands
        return [v for _, v in sorted(zip(keys, distinct, strict=True))]
    return None


# -- multi-select --------------------------------------------------------------------------------------------
# One splitter for multi-value cells in segdash: :func:`segdash.act.multivalue.split_cell` (quotes,
# ``;``/``|``/``,``, the comma of ``25,000`` kept) and :func:`segdash.act.multivalue.split_multi`
# (one 0/1 column per option). Survey answers use it as customer columns do.


def multi_separator(values: pd.Series) -> str | None:
    """The separator of a multi-select column (``";"`` or ``","``), or ``None`` if it is not one.

    A column is multi-select when at least 5% of its answers hold the separator (cells split by
    :func:`segdash.act.multivalue.split_cell`) and the options it splits into recur: most options
    also appear on their own or in many answers.

    Parameters
    ----------
    values
        One text column.

    Returns
    -------
    str or None
    """
    from segdash.act.multivalue import split_cell  # not at the top: see __getattr__

    text = values.dropna().astype(str).map(lambda v: " ".join(v.split()))
    text = text[text != ""]
    if len(text) < 3:
        return None
    for separator in (";", ","):
        split = [split_cell(cell, separator=separator) for cell in text]
        holds = np.array([len(parts) > 1 for parts in split])
        if holds.sum() < 2 or holds.mean() < 0.05:
            continue
        parts = Counter(p.casefold() for cell in split for p in cell)
        wholes = set(text.str.casefold())
        if not parts or len(parts) > 40:
            continue
        recurring = sum(1 for p, n in parts.items() if n >= 2)
        alone = sum(1 for p in parts if p in wholes)
        if recurring / len(parts) >= 0.6 and (alone / len(parts) >= 0.3 or separator == ";"):
            return separator
    return None


# -- short labels ---------------------------------------------------------------------------------------------

_OPENERS = [
    r"on a scale (of|from) \S+ (to|-) \S+,?", r"please (tell us|indicate|rate|select|choose|let us know)",
    r"how (?=(often|much|many|likely|satisfied|important)\b)", r"how would you rate", r"to what extent",
    r"which of the following( best)?( describes)?", r"what is your", r"what are your", r"what is the", r"what",
    r"which", r"do you", r"did you", r"are you", r"have you", r"would you", r"how", r"in general,?",
    r"overall,?",
]
_FILLERS = r"\b(you|your|yours|the|a|an|do|does|did|are|is|of|please|us|we|our)\b"


def short_label(question: str, *, max_chars: int = 40) -> str:
    """A short readable label for a question-length header.

    ``"How often do you purchase on Amazon?"`` -> ``"Often purchase on Amazon"``;
    ``Shopping_Satisfaction`` -> ``"Shopping satisfaction"``. Short headers are only tidied.

    Parameters
    ----------
    question
        The header or question.
    max_chars
        Longest label (cut at a word, with an ellipsis).

    Returns
    -------
    str
    """
    text = re.sub(r"[_\s]+", " ", str(question)).strip()
    text = re.sub(r"\s*\[[^\]]*\]|\s*\([^)]*\)$", "", text).strip() or text
    if len(text) <= max_chars + 8:  # a header that is nearly short enough reads best whole
        text = text.rstrip("?:. ")
        return (text[:1].upper() + text[1:]) if text else str(question)
    body = text.rstrip("?:. ")
    for _ in range(3):  # "On a scale of 1 to 5, how satisfied are you ..." loses two openers
        for opener in _OPENERS:
            trimmed = re.sub(rf"(?i)^{opener}\s*", "", body).strip(" ,")
            if trimmed != body and trimmed:
                body = trimmed
                break
        else:
            break
    words = re.sub(rf"(?i){_FILLERS}", " ", body)
    words = " ".join(words.replace(" ,", ",").split()).strip(" ,") or body
    if len(words) > max_chars:
        cut = words[:max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
        words = cut + "…"
    return words[:1].upper() + words[1:]


def short_labels(questions: list[str], *, max_chars: int = 40) -> dict[str, str]:
    """Unique short labels for many headers (a repeat gets `` (2)``, `` (3)``).

    Parameters
    ----------
    questions
        Headers, in order.
    max_chars
        Longest label.

    Returns
    -------
    dict[str, str]
        Header -> label.
    """
    labels: dict[str, str] = {}
    used: Counter = Counter()
    for question in questions:
        label = short_label(question, max_chars=max_chars)
        used[label] += 1
        labels[question] = label if used[label] == 1 else f"{label} ({used[label]})"
    return labels


# -- question types -----------------------------------------------------------------------------------------

@dataclass
class Question:
    """One answer column and how to read it.

    Attributes
    ----------
    column
        Column name in the answers table.
    type
        One of :data:`QUESTION_TYPES`.
    label
        Short label for screens.
    order
        For ``ordinal``: the answers lowest first; for ``likert``: the scale points.
    separator
        For ``multi``: ``";"`` or ``","``.
    options
        For ``multi``: the options (most chosen first); for ``single``: the answers seen.
    """

    column: str
    type: str
    label: str
    order: list[Any] = field(default_factory=list)
    separator: str | None = None
    options: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"column": self.column, "type": self.type, "label": self.label,
                "order": [str(o) if not isinstance(o, (int, float)) else o for o in self.order],
                "separator": self.separator, "options": list(self.options)}


def question_type(values: pd.Series, *, name: str = "", kind: str | None = None) -> tuple[str, dict[str, Any]]:
    """The question type of one answer column (see the module docstring).

    Parameters
    ----------
    values
        The column's answers.
    name
        Its header (``token``, ``email``, ``customer_id``... make it a key).
    kind
        Type the import gave it (``number``, ``text``, ``date``, ``boolean``), if known.

    Returns
    -------
    tuple
        The type and details (``order``, ``separator``, ``options``).
    """
    present = values.dropna()
    if kind is not None and kind != "text" and kind != "number":
        if kind == "date":
            return "timestamp", {}
        return "single", {"options": [str(v) for v in pd.unique(present)]}
    if _KEY_NAME.match(" ".join(str(name).split())):
        return "key", {}
    if present.empty:
        return "text", {}
    numeric = pd.to_numeric(present, errors="coerce") if kind != "text" else pd.Series(dtype=float)
    if kind == "number" or (len(numeric) and numeric.notna().all()):
        numbers = pd.to_numeric(present, errors="coerce").dropna()
        whole = bool((numbers == numbers.round()).all())
        points = sorted(numbers.unique())
        if whole and 2 <= len(points) <= 11 and points[0] >= 0 and points[-1] <= 10 and (
                points[-1] - points[0] <= 10):
            return "likert", {"order": [int(p) for p in points]}
        return "number", {}
    text = present.astype(str).map(lambda v: " ".join(v.split()))
    text = text[text != ""]
    if text.empty:
        return "text", {}
    rated = text.str.extract(_RATED, expand=False)
    if rated.notna().all():  # "1 - Very dissatisfied", "2", ..., "5 - Very satisfied"
        points = sorted({int(p) for p in rated})
        if 2 <= len(points) <= 11 and points[-1] - points[0] <= 10:
            return "likert", {"order": points}
    sample = text.head(50)
    if sample.map(lambda v: bool(_TIMESTAMP.match(v))).mean() > 0.9:
        return "timestamp", {}
    if text.str.contains("@").mean() > 0.8 or (text.nunique() == len(text) and len(text) >= 20 and
                                                  text.str.fullmatch(r"[A-Za-z0-9_-]{6,64}").all()):
        return "key", {}
    order = answer_order(text)
    if order is not None and len(order) <= 15:
        return "ordinal", {"order": order}
    separator = multi_separator(text)
    if separator is not None:
        from segdash.act.multivalue import split_multi

        options = list(split_multi(text, separator=separator).columns)
        return "multi", {"separator": separator, "options": options}
    distinct = text.str.casefold().nunique()
    if distinct <= 2 or distinct <= 20 or (distinct <= 40 and distinct <= 0.2 * len(text)):
        return "single", {"options": list(text.value_counts().index)}
    return "text", {}


def question_types(answers: pd.DataFrame, *, kinds: dict[str, str] | None = None) -> dict[str, Question]:
    """Question type and short label of every answer column.

    Parameters
    ----------
    answers
        The imported answers (``_row`` is skipped).
    kinds
        Column -> type from the import.

    Returns
    -------
    dict[str, Question]
        In column order.
    """
    kinds = kinds or {}
    columns = [c for c in answers.columns if c != "_row"]
    labels = short_labels(columns)
    result = {}
    for column in columns:
        kind, details = question_type(answers[column], name=column, kind=kinds.get(column))
        result[column] = Question(column=column, type=kind, label=labels[column], order=details.get("order", []),
                                  separator=details.get("separator"), options=details.get("options", []))
    return result


def ordered_codes(values: pd.Series, question: Question) -> pd.Series:
    """Answers of a ranked question as numbers (an ordinal answer's place in the order, from 1).

    Parameters
    ----------
    values
        The answers.
    question
        Its :class:`Question` (``likert``, ``ordinal`` or ``number``).

    Returns
    -------
    pandas.Series
        Floats; non-answers and unknown answers are NaN.
    """
    if question.type == "ordinal":
        places = {normalise_answer(v): i + 1 for i, v in enumerate(question.order)}
        return values.map(lambda v: np.nan if _is_missing(v) else places.get(normalise_answer(v), np.nan)).astype(float)
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if question.type == "likert" and numbers.isna().any():  # "5 - Very satisfied" -> 5
        leading = values.astype("string").str.strip().str.extract(_RATED, expand=False)
        numbers = numbers.fillna(pd.to_numeric(leading, errors="coerce").astype(float))
    return numbers


def as_ordered_category(values: pd.Series, question: Question) -> pd.Series:
    """An ordinal question's answers as an ordered pandas Categorical (for profiles and clustering).

    Parameters
    ----------
    values
        The answers.
    question
        An ``ordinal`` or ``likert`` :class:`Question`.

    Returns
    -------
    pandas.Series
        ``category`` dtype with ``ordered=True``; answers outside the order become missing.
    """
    order = [str(o) for o in question.order]
    lookup = {normalise_answer(o): o for o in order}
    mapped = values.map(lambda v: None if _is_missing(v) else lookup.get(normalise_answer(v)))
    return pd.Series(pd.Categorical(mapped, categories=order, ordered=True), index=values.index, name=values.name)


def load_answers(path: Any, *, name: str | None = None, sheet: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Import a survey export with the customer-file import code, on its own connection.

    Parameters
    ----------
    path
        CSV/TSV/XLSX/Parquet on disk.
    name
        Name to show.
    sheet
        Excel sheet.

    Returns
    -------
    tuple
        The answers (``_row`` first) and column -> import type.

    Raises
    ------
    segdash.errors.DataImportError
        When the file cannot be read.
    """
    from segdash.workspace import Workspace

    answers_ws = Workspace()  # a separate DuckDB: the customers of the session stay as they are
    try:
        answers_ws.load(path, name=name, sheet=sheet)
        frame = answers_ws.con.execute("SELECT * FROM customers ORDER BY _row").df()
        return frame, answers_ws.column_types()
    finally:
        answers_ws.con.close()


# -- joining answers to the sample ----------------------------------------------------------------------------

#: What an answer can be matched by, in order of preference on a tie.
SAMPLE_FIELDS = ("token", "email", "key")
FIELD_LABELS = {"token": "survey token", "email": "email", "key": "customer id"}


@dataclass
class JoinedAnswers:
    """Answers matched to the sample.

    Attributes
    ----------
    matched
        Answers that matched someone, with ``_key``, ``_segment`` and ``_role`` added.
    unmatched
        Answers that matched no one (never dropped: shown to the user).
    answer_column
        The answers' column used (``None``: anonymous).
    sample_field
        ``token``, ``email`` or ``key``.
    candidates
        Every (answer column, sample field, matches) tried, best first.
    """

    matched: pd.DataFrame
    unmatched: pd.DataFrame
    answer_column: str | None
    sample_field: str | None
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence on how answers were matched."""
        if self.answer_column is None:
            return "No column of the answers matches the sample (no token, email or customer id): the survey is anonymous."
        return (f"Matched {len(self.matched):,} answers to the sample by {FIELD_LABELS[self.sample_field]} "
                f"(answers column '{self.answer_column}'); {len(self.unmatched):,} matched no one.")


def _norm_keys(values: pd.Series) -> pd.Series:
    return values.map(lambda v: None if _is_missing(v) else normalise_answer(
        int(v) if isinstance(v, float) and float(v).is_integer() else v)).replace("", None)


def join_candidates(answers: pd.DataFrame, sample: pd.DataFrame) -> list[dict[str, Any]]:
    """How many answers each (answers column, sample field) pair matches, best first.

    Parameters
    ----------
    answers
        The imported answers.
    sample
        The sample: ``key``, ``token`` and optionally ``email``.

    Returns
    -------
    list[dict]
        ``{"answer_column", "sample_field", "matches"}`` with at least one match; ties go to the
        token, then the email, then the customer id.
    """
    found = []
    targets = {f: set(_norm_keys(sample[f]).dropna()) for f in SAMPLE_FIELDS if f in sample.columns}
    for column in answers.columns:
        if column == "_row":
            continue
        keys = _norm_keys(answers[column])
        known = int(keys.notna().sum())
        if known == 0:
            continue
        named = bool(_KEYISH.search(str(column))) or question_type(answers[column], name=str(column))[0] == "key"
        for sample_field, target in targets.items():
            matches = int(keys.isin(target).sum())
            # an answer (an age, a 1-5 rating) that happens to equal row numbers is not a key: a column
            # only counts when it is named or shaped like one, or most of its answers match
            if matches and (named or (matches >= 0.5 * known and not keys.dropna().str.fullmatch(r"\d{1,4}").all())):
                found.append({"answer_column": column, "sample_field": sample_field, "matches": matches})
    found.sort(key=lambda c: (-c["matches"], SAMPLE_FIELDS.index(c["sample_field"])))
    return found


def join_answers(answers: pd.DataFrame, sample: pd.DataFrame, *, answer_column: str | None = None,
                 sample_field: str | None = None) -> JoinedAnswers:
    """Match answers to sampled customers by token, email or customer id (chosen automatically).

    Parameters
    ----------
    answers
        The imported answers.
    sample
        The sample (``key``, ``segment``, ``role``, ``token``, optionally ``email``).
    answer_column, sample_field
        Override the automatic choice (both, or ``answer_column`` alone: its best field).

    Returns
    -------
    JoinedAnswers

    Raises
    ------
    SurveyError
        An override that names an unknown column or field.
    """
    candidates = join_candidates(answers, sample)
    if answer_column is not None:
        if answer_column not in answers.columns:
            raise SurveyError(f"The answers have no column '{answer_column}' (columns: "
                              f"{', '.join(c for c in answers.columns if c != '_row')}).")
        chosen = [c for c in candidates if c["answer_column"] == answer_column
                  and (sample_field is None or c["sample_field"] == sample_field)]
        if sample_field is not None and sample_field not in sample.columns:
            raise SurveyError(f"The sample has no {FIELD_LABELS.get(sample_field, sample_field)} to match by.")
        pick = chosen[0] if chosen else {"answer_column": answer_column,
                                         "sample_field": sample_field or "key", "matches": 0}
    else:
        pick = candidates[0] if candidates else None
    if pick is None:
        return JoinedAnswers(matched=answers.iloc[0:0].assign(_key=[], _segment=[], _role=[]),
                             unmatched=answers.copy(), answer_column=None, sample_field=None, candidates=[])
    keys = _norm_keys(answers[pick["answer_column"]])
    lookup = sample.assign(_n=_norm_keys(sample[pick["sample_field"]])).dropna(subset=["_n"])
    lookup = lookup.drop_duplicates("_n").set_index("_n")
    hit = keys.isin(lookup.index)
    matched = answers[hit.to_numpy()].copy()
    rows = lookup.loc[keys[hit].to_numpy()]
    matched["_key"] = rows["key"].astype(str).to_numpy()
    matched["_segment"] = rows["segment"].astype(str).to_numpy()
    matched["_role"] = rows["role"].astype(str).to_numpy() if "role" in rows.columns else "invite"
    unmatched = answers[~hit.to_numpy()].copy()
    return JoinedAnswers(matched=matched, unmatched=unmatched, answer_column=pick["answer_column"],
                         sample_field=pick["sample_field"], candidates=candidates)


def response_rates(sample: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """Invited, answered and the response rate per segment (backups who answered count as answers).

    Parameters
    ----------
    sample
        The sample (``key``, ``segment``, ``role``).
    matched
        :attr:`JoinedAnswers.matched`.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``invited``, ``answered`` (distinct people), ``response_rate``.
    """
    invited = sample[sample["role"] == "invite"].groupby("segment").size()
    answered = matched.drop_duplicates("_key").groupby("_segment").size() if len(matched) else pd.Series(dtype=int)
    segments = list(dict.fromkeys([*invited.index, *answered.index]))
    frame = pd.DataFrame({"segment": segments})
    frame["invited"] = frame["segment"].map(invited).fillna(0).astype(int)
    frame["answered"] = frame["segment"].map(answered).fillna(0).astype(int)
    frame["response_rate"] = np.where(frame["invited"] > 0, frame["answered"] / frame["invited"].clip(lower=1), np.nan)
    return frame


def response_bias(rates: pd.DataFrame, *, names: dict[str, str] | None = None) -> str | None:
    """A warning when response rates differ enough between segments to bias the picture, else ``None``.

    The warning is given when a chi-square test of answered/not answered by segment says the rates
    differ (p < 0.05) and the highest rate is at least 1.5 times the lowest.

    Parameters
    ----------
    rates
        :func:`response_rates`.
    names
        Segment label -> display name.

    Returns
    -------
    str or None
    """
    from scipy import stats

    names = names or {}
    used = rates[rates["invited"] > 0]
    if len(used) < 2 or used["answered"].sum() == 0:
        return None
    table = np.column_stack([used["answered"], (used["invited"] - used["answered"]).clip(lower=0)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return None
    p_value = float(stats.chi2_contingency(table, correction=False)[1])
    low = used.loc[used["response_rate"].idxmin()]
    high = used.loc[used["response_rate"].idxmax()]
    ratio = high["response_rate"] / low["response_rate"] if low["response_rate"] > 0 else math.inf
    if p_value < 0.05 and ratio >= 1.5:
        return (f"Response rates differ a lot between segments: {high['response_rate']:.0%} in "
                f"'{names.get(high['segment'], high['segment'])}' against {low['response_rate']:.0%} in "
                f"'{names.get(low['segment'], low['segment'])}'. Those who answered may not speak for their "
                "segment; send reminders or use the backups in the segments that answered least.")
    return None
