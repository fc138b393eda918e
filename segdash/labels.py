"""Display labels for columns: plain words suggested from a column's name, editable by the user.

``MntWines`` -> ``Amount spent on wines``, ``NumWebPurchases`` -> ``Number of web purchases``,
``Kidhome`` -> ``Young children at home``, ``total_spend`` -> ``Total spend``. The labels live in
the workspace (:attr:`segdash.workspace.Workspace.column_labels`) and are used wherever a column is
named for people: segment names, cards, charts and sentences. The column's own name is unchanged
(queries and exports use it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: Whole names that read badly split (lower case, separators removed) -> label.
WHOLE_NAMES = {
    "kidhome": "Young children at home",
    "teenhome": "Teenagers at home",
    "dtcustomer": "Customer since",
    "yearbirth": "Year of birth",
    "recency": "Days since last purchase",
    "seniorcitizen": "Senior citizen",
    "customerid": "Customer id",
}
#: Abbreviations at the start of a name -> words (the rest of the name follows, lower case).
PREFIXES = {
    "mnt": "Amount spent on",
    "num": "Number of",
    "nb": "Number of",
    "no": "Number of",
    "qty": "Quantity of",
    "amt": "Amount of",
    "avg": "Average",
    "pct": "Percent",
    "dt": "Date of",
    "accepted": "Accepted",
}
#: Abbreviated words anywhere -> words.
WORDS = {
    "cmp": "campaign",
    "prods": "products",
    "prod": "product",
    "qty": "quantity",
    "amt": "amount",
    "avg": "average",
    "pct": "percent",
    "cnt": "count",
    "tot": "total",
    "cust": "customer",
    "dob": "date of birth",
    "addr": "address",
    "acct": "account",
    "txn": "transaction",
    "txns": "transactions",
    "rev": "revenue",
    "ltv": "lifetime value",
    "cac": "acquisition cost",
    "aov": "average order value",
    "yr": "year",
    "yrs": "years",
    "mo": "month",
    "mos": "months",
    "k$": "thousand $",
}
#: Kept in capitals.
UPPER = {"id", "sms", "tv", "url", "vip", "rfm", "nps", "csat", "uk", "us", "eu", "gps", "pc", "sku"}
#: Charts shorten a label to this many characters (the full label shows on hover).
SHORT_LENGTH = 28
#: A column name longer than this is a question (a survey export's header): its label is a short
#: version (:func:`segdash.survey.answers.short_label`) and the full question shows on hover.
QUESTION_LENGTH = 48


def _words(name: str) -> list[str]:
    text = re.sub(r"[_\-.\s/]+", " ", str(name))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase -> camel Case
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # HTTPServer -> HTTP Server
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)  # Cmp3 -> Cmp 3
    return [w for w in text.split(" ") if w]


def suggest_label(name: str) -> str:
    """Plain words for a column name.

    Parameters
    ----------
    name
        A column name as imported (any case, separators or abbreviations).

    Returns
    -------
    str
        The suggested label, first letter capital; the name itself when nothing better is found.

    Examples
    --------
    >>> suggest_label("MntWines")
    'Amount spent on wines'
    >>> suggest_label("NumWebVisitsMonth")
    'Number of web visits month'
    >>> suggest_label("AcceptedCmp3")
    'Accepted campaign 3'
    """
    if is_question(name):  # "How often do you ...?" -> "Often purchase on Amazon" (full text on hover)
        from segdash.survey.answers import short_label

        return short_label(" ".join(str(name).split()))
    squashed = re.sub(r"[\W_]+", "", str(name)).lower()
    if squashed in WHOLE_NAMES:
        return WHOLE_NAMES[squashed]
    words = _words(name)
    if not words:
        return str(name)
    out: list[str] = []
    first = words[0].lower()
    if first in PREFIXES and len(words) > 1:
        out.extend(PREFIXES[first].split(" "))
        words = words[1:]
    for word in words:
        lower = word.lower()
        if lower in WORDS:
            out.extend(WORDS[lower].split(" "))
        elif lower in UPPER:
            out.append(lower.upper())
        elif word.isupper() and len(word) > 1 and not word.isdigit():
            out.append(word)  # an acronym the name spelled in capitals (e.g. "CLV")
        else:
            out.append(lower)
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def suggest_labels(names: Iterable[str]) -> dict[str, str]:
    """Column name -> suggested label, made unique (a repeated label gets its column name in brackets).

    Parameters
    ----------
    names
        Column names.

    Returns
    -------
    dict[str, str]
    """
    names = list(names)
    labels = {name: suggest_label(name) for name in names}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label.lower()] = counts.get(label.lower(), 0) + 1
    return {name: label if counts[label.lower()] == 1 else f"{label} ({name})" for name, label in labels.items()}


def label_of(column: str, labels: Mapping[str, str] | None) -> str:
    """The label to show for ``column`` (its suggestion when none is set).

    Parameters
    ----------
    column
        A column name.
    labels
        Column -> label (the workspace's).

    Returns
    -------
    str
    """
    label = (labels or {}).get(column)
    return label if label else suggest_label(column)


def shorten(text: str, *, length: int = SHORT_LENGTH) -> str:
    """``text`` cut to about ``length`` characters at a word boundary, with an ellipsis.

    Parameters
    ----------
    text
        A label or name.
    length
        Most characters kept (the ellipsis included).

    Returns
    -------
    str
        ``text`` itself when it is short enough.
    """
    text = str(text)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-·") + "…"


#: Words in a name or label that mean "more of this is worse for the business".
_WORSE = re.compile(r"(?i)(days since (the )?(last|latest|most recent)|recency|complain|churn|bounce|exit rate|"
                    r"abandon|cancel|return rate|refund|acquisition cost|cost per|waiting|wait time|"
                    r"time to resolution|first response time)")


def higher_is_worse(column: str, *, label: str = "", role: str = "") -> bool:
    """Whether a higher value of this column is worse (so charts colour it the other way round).

    Parameters
    ----------
    column
        The column's name.
    label
        Its display label (e.g. ``"Days since last purchase"``).
    role
        Its role (``acquisition_cost`` is a cost).

    Returns
    -------
    bool
    """
    if role == "acquisition_cost":
        return True
    return bool(_WORSE.search(str(column).replace("_", " ")) or _WORSE.search(str(label)))


def label_changes(labels: Mapping[str, str], *, edited: Iterable[tuple[object, object]]) -> dict[str, str]:
    """Labels the user changed in the column table (blank cells are ignored).

    Parameters
    ----------
    labels
        Column name -> label now.
    edited
        ``(column name, label)`` pairs as edited.

    Returns
    -------
    dict[str, str]
        Column name -> new label (spaces tidied), for changed columns only.
    """
    changes = {}
    for name, label in edited:
        if label is None or (isinstance(label, float) and label != label):
            continue
        cleaned = " ".join(str(label).split())
        if cleaned and cleaned != label_of(str(name), labels):
            changes[str(name)] = cleaned
    return changes


def is_question(column: object) -> bool:
    """Whether a column name is question-length (a survey header), so its label is shortened."""
    return len(" ".join(str(column).split())) > QUESTION_LENGTH


def full_questions(columns: Iterable[str], *, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Label -> full question, for the question-length columns among ``columns`` (for hover texts).

    Parameters
    ----------
    columns
        Column names.
    labels
        Column -> label (the workspace's; suggested where missing).

    Returns
    -------
    dict[str, str]
        Only the columns whose names are questions (:func:`is_question`), in the order given.
    """
    return {label_of(c, labels): " ".join(str(c).split()) for c in dict.fromkeys(columns) if is_question(c)}


def questions_help(columns: Iterable[str], *, labels: Mapping[str, str] | None = None) -> str | None:
    """A hover text giving the full question behind each short label, or ``None`` when there is none.

    Markdown (for Streamlit ``help=``), with the user's text escaped.
    """
    from segdash.report.text import escape_markdown

    found = full_questions(columns, labels=labels)
    if not found:
        return None
    return "Full questions:\n\n" + "\n\n".join(f"**{escape_markdown(label)}**: {escape_markdown(question)}"
                                                  for label, question in found.items())
