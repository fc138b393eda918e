"""The question kit: draft questions from what defines the segments, edit them, export them.

The draft asks respondents to confirm the location and demographic traits the segments rest on
(with the bands used), about their behaviour (matching the behavioural traits), and about their
preferences (service channel, tone, interests, values, satisfaction). Ratings are 1-5 with
labelled ends; the options of a question never overlap (numeric bands are ``Less than 25``,
``25 to 34``, ..., ``65 or more``).
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

import ibis
import pandas as pd

from segdash.data import Data
from segdash.numbers import format_number, nice_number
from segdash.profile import humanize
from segdash.report.export import neutralise_formulas
from segdash.survey import SurveyError
from segdash.survey.answers import short_label, split_multi

#: Types a kit question can have.
KIT_TYPES = ("single", "multi", "likert", "number", "text")
KIT_TYPE_LABELS = {"single": "One choice", "multi": "Several choices", "likert": "Rating 1-5",
                   "number": "Number", "text": "Free text"}
PURPOSES = ("confirm", "behaviour", "preference")
#: Options of the Likert items (1-5, labelled ends).
SATISFACTION = ["1 - Very dissatisfied", "2", "3", "4", "5 - Very satisfied"]
LIKELIHOOD = ["1 - Very unlikely", "2", "3", "4", "5 - Very likely"]
TONES = ["Friendly and casual", "Professional and formal", "Short and to the point", "Inspiring and aspirational"]
OPTION_SEPARATOR = " | "
MAX_OPTIONS = 8
OTHER = "Other"
PREFER_NOT = "Prefer not to say"

_TEMPLATES: list[tuple[str, str]] = [
    (r"(^|_)age($|_)|age_?group|birth", "Which age group are you in?"),
    (r"gender|(^|_)sex($|_)", "What is your gender?"),
    (r"country|nation", "Which country do you live in?"),
    (r"region|state|province|county", "Which region do you live in?"),
    (r"city|town", "Which city or town do you live in?"),
    (r"postcode|zip|postal", "What is your postcode area?"),
    (r"income|salary|earn", "Which band is your yearly household income in?"),
    (r"occupation|job|profession|employment", "What is your occupation?"),
    (r"household|family|children|kids", "Who lives in your household?"),
    (r"marital|relationship", "What is your marital status?"),
    (r"education|degree", "What is the highest level of education you have completed?"),
    (r"orders|purchases|frequency|transactions|visits", "About how many times have you bought from us so far?"),
    (r"spend|revenue|amount|sales|monetary|value_total|ltv", "Roughly how much have you spent with us so far?"),
    (r"last_?(purchase|order|visit)|recency", "When did you last buy from us?"),
    (r"tenure|months|years_?as", "How long have you been a customer?"),
    (r"interest|hobb", "Which of these interest you? (choose all that apply)"),
    (r"lifestyle", "Which of these describes you best?"),
    (r"values|priorit|motivation", "What matters most to you when you choose where to buy?"),
]
_SENSITIVE = re.compile(r"(?i)gender|sex|income|salary|marital|age|religio|ethnic")


def _question_text(column: str) -> str:
    for pattern, text in _TEMPLATES:
        if re.search(pattern, column, re.IGNORECASE):
            return text
    return f"What is your {humanize(column).lower()}?"


def _item(question: str, *, kind: str, options: list[str], purpose: str, column: str | None) -> dict[str, Any]:
    return {"question": question, "type": kind, "options": options, "purpose": purpose, "column": column,
            "label": short_label(question)}


def numeric_bands(cuts: list[float], *, integral: bool) -> list[str]:
    """Mutually exclusive band labels for cut points: ``Less than 25``, ``25 to 34``, ``35 or more``.

    Parameters
    ----------
    cuts
        Increasing cut points.
    integral
        Whole numbers: ``25 to 34``; otherwise ``25 to less than 35``.

    Returns
    -------
    list[str]
        ``len(cuts) + 1`` labels.
    """
    cuts = sorted(dict.fromkeys(float(c) for c in cuts))
    if not cuts:
        return []
    labels = [f"Less than {format_number(cuts[0], significant=3)}"]
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if integral and float(lo).is_integer() and float(hi).is_integer():
            labels.append(f"{format_number(lo, significant=3)} to {format_number(hi - 1, significant=3)}")
        else:
            labels.append(f"{format_number(lo, significant=3)} to less than {format_number(hi, significant=3)}")
    labels.append(f"{format_number(cuts[-1], significant=3)} or more")
    return labels


def _cuts_for(data: Data, column: str, *, edges: tuple[float, ...] | None,
              bands: int = 4) -> tuple[list[float], bool]:
    table = data.customers()
    value = table[column].cast("float64")
    row = table.aggregate(q=value.quantile([i / bands for i in range(1, bands)]),
                          frac=(value != value.floor()).fill_null(False).any()).execute().iloc[0]
    integral = not bool(row["frac"])
    if edges:
        return [float(e) for e in edges], integral
    cuts = [nice_number(float(q), digits=2) for q in (row["q"] or []) if q is not None and math.isfinite(q)]
    if integral:
        cuts = [float(round(c)) for c in cuts]
    return sorted(dict.fromkeys(c for c in cuts if c > 0)), integral


def _top_values(data: Data, column: str, *, multi: bool) -> tuple[list[str], bool]:
    table = data.customers()
    if multi:
        values = table.select(v=table[column].cast("string")).execute()["v"]
        chosen = split_multi(values, separator="," if not values.astype(str).str.contains(";").any() else ";")
        options = list(chosen.sum().sort_values(ascending=False).index)
        return options[:MAX_OPTIONS], len(options) > MAX_OPTIONS
    text = table[column].cast("string")
    counts = (table.select(v=text).filter(lambda t: t.v.notnull() & (t.v.strip() != ""))
              .group_by("v").aggregate(n=lambda t: t.count()).order_by([ibis.desc("n"), "v"]).execute())
    options = [str(v) for v in counts["v"]]
    return options[:MAX_OPTIONS], len(options) > MAX_OPTIONS


def _is_multi(data: Data, column: str) -> bool:
    from segdash.survey.answers import multi_separator

    table = data.customers()
    values = table.select(v=table[column].cast("string")).limit(2000).execute()["v"]
    return multi_separator(values) is not None


def draft_kit(
    data: Data,
    *,
    roles: dict[str, str],
    types: dict[str, str],
    features: list[str] | None = None,
    edges: dict[str, tuple[float, ...]] | None = None,
    max_confirm: int = 5,
    max_behaviour: int = 3,
) -> list[dict[str, Any]]:
    """Draft the question kit from the columns that define the segments.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    roles
        Column -> role.
    types
        Column -> type.
    features
        Columns the segmentation used (they come first).
    edges
        Column -> the band edges the segmentation used (the same bands are offered).
    max_confirm, max_behaviour
        Most confirmation and behaviour questions.

    Returns
    -------
    list[dict]
        Items ``{"question", "type", "options", "purpose", "column", "label"}`` in a sensible order.
    """
    features = [f for f in (features or []) if f in roles]
    edges = edges or {}
    ordered = list(dict.fromkeys([*features, *roles]))
    used = [c for c in features if roles.get(c) in ("geographic", "demographic")]
    geographic = [c for c in ordered if roles.get(c) == "geographic" and c not in used]
    demographic = [c for c in ordered if roles.get(c) == "demographic" and c not in used]
    has_place = any(roles.get(c) == "geographic" for c in used)
    confirm = [*used, *([] if has_place else geographic[:1]), *demographic][:max_confirm]
    behaviour = [c for c in ordered if roles.get(c) in ("behavioral", "revenue")][:max_behaviour]
    items: list[dict[str, Any]] = []
    for purpose, columns in (("confirm", confirm), ("behaviour", behaviour)):
        for column in columns:
            kind = types.get(column, "text")
            question = _question_text(column)
            if kind == "number":
                cuts, integral = _cuts_for(data, column, edges=edges.get(column))
                options = numeric_bands(cuts, integral=integral)
            elif kind == "date":
                options = ["In the last month", "1 to 3 months ago", "3 to 12 months ago", "More than a year ago"]
                question = _question_text(column) if "last" in column.lower() else "When did you first buy from us?"
            elif kind == "boolean":
                options = ["Yes", "No"]
            else:
                options, more = _top_values(data, column, multi=False)
                if more:
                    options.append(OTHER)
            if len(options) < 2:
                continue
            if _SENSITIVE.search(column) and purpose == "confirm":
                options = [*options, PREFER_NOT]
            items.append(_item(question, kind="single", options=options, purpose=purpose, column=column))
    channel = next((c for c in ordered if roles.get(c) == "service_channel"), None)
    if channel is not None:
        options, more = _top_values(data, channel, multi=False)
        items.append(_item("How do you prefer to contact us?", kind="single",
                           options=[*options, *([OTHER] if more else [])], purpose="preference", column=channel))
    else:
        items.append(_item("How do you prefer to contact us?", kind="single",
                           options=["Email", "Phone", "Live chat", "In store", "Social media"],
                           purpose="preference", column=None))
    items.append(_item("Which tone do you prefer in our messages?", kind="single", options=list(TONES),
                       purpose="preference", column=None))
    for column in [c for c in ordered if roles.get(c) == "psychographic"][:3]:
        multi = _is_multi(data, column)
        options, more = _top_values(data, column, multi=multi)
        if len(options) < 2:
            continue
        items.append(_item(_question_text(column) if not multi or "interest" in column.lower()
                           else f"Which of these apply to you? ({humanize(column).lower()}; choose all that apply)",
                           kind="multi" if multi else "single",
                           options=[*options, *([OTHER] if more else [])], purpose="preference", column=column))
    items.append(_item("How satisfied are you with us overall?", kind="likert", options=list(SATISFACTION),
                       purpose="preference", column=None))
    items.append(_item("How likely are you to recommend us to a friend or colleague?", kind="likert",
                       options=list(LIKELIHOOD), purpose="preference", column=None))
    return items


# -- editing -------------------------------------------------------------------------------------------------

def kit_frame(kit: list[dict[str, Any]]) -> pd.DataFrame:
    """The kit as an editable table: ``order``, ``question``, ``type``, ``options`` (``" | "``-joined),
    ``purpose``, ``column``."""
    return pd.DataFrame({
        "order": list(range(1, len(kit) + 1)),
        "question": [k["question"] for k in kit],
        "type": [k["type"] for k in kit],
        "options": [OPTION_SEPARATOR.join(k.get("options") or []) for k in kit],
        "purpose": [k.get("purpose", "preference") for k in kit],
        "column": [k.get("column") or "" for k in kit],
    })


#: The editable table's columns, in order (:func:`kit_frame`).
KIT_COLUMNS = ("order", "question", "type", "options", "purpose", "column")


def table_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """An edited kit table as JSON-ready rows (a draft kept in the project): blanks as ``None``, numbers as
    Python numbers, text as text; only the :data:`KIT_COLUMNS`. :func:`table_from_rows` reads it back."""
    rows = []
    for record in frame.reindex(columns=list(KIT_COLUMNS)).to_dict("records"):
        row = {}
        for column, value in record.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                row[column] = None
            elif column == "order":
                number = float(value)
                row[column] = int(number) if number.is_integer() else number
            else:
                row[column] = str(value)
        rows.append(row)
    return rows


def table_from_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The edited kit table again from :func:`table_rows`' rows (missing columns blank, unknown keys ignored)."""
    frame = pd.DataFrame([{column: row.get(column) for column in KIT_COLUMNS} for row in rows],
                         columns=list(KIT_COLUMNS))
    frame["order"] = pd.to_numeric(frame["order"], errors="coerce")
    return frame


def kit_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Read an edited kit table back, in the order of its ``order`` column.

    Blank rows are dropped; repeated options are removed (options must not overlap); a rating
    without options gets the 1-5 satisfaction scale.

    Parameters
    ----------
    frame
        :func:`kit_frame` output as the user edited it.

    Returns
    -------
    list[dict]

    Raises
    ------
    SurveyError
        A question with an unknown type, or a choice question with fewer than two options.
    """
    rows = frame.copy()
    rows["order"] = pd.to_numeric(rows.get("order"), errors="coerce")
    rows["_pos"] = range(len(rows))
    rows = rows.sort_values(["order", "_pos"], na_position="last")
    kit = []
    for row in rows.itertuples():
        question = " ".join(str(row.question or "").split()) if not pd.isna(row.question) else ""
        if not question:
            continue
        kind = str(row.type or "single").strip().lower() if not pd.isna(row.type) else "single"
        if kind not in KIT_TYPES:
            raise SurveyError(f"'{question}': the type must be one of {', '.join(KIT_TYPES)}, not '{kind}'.")
        text = "" if pd.isna(row.options) else str(row.options)
        options = list(dict.fromkeys(o.strip() for o in re.split(r"\s*\|\s*|\n", text) if o.strip()))
        if kind == "likert" and not options:
            options = list(SATISFACTION)
        if kind in ("single", "multi") and len(options) < 2:
            raise SurveyError(f"'{question}' needs at least two options, separated by ' | '.")
        purpose = str(getattr(row, "purpose", "") or "preference")
        column = getattr(row, "column", "")
        column = None if column is None or pd.isna(column) or not str(column).strip() else str(column).strip()
        kit.append(_item(question, kind=kind, options=options if kind in ("single", "multi", "likert") else [],
                         purpose=purpose if purpose in PURPOSES else "preference", column=column))
    return kit


def move(kit: list[dict[str, Any]], index: int, *, by: int) -> list[dict[str, Any]]:
    """A copy of ``kit`` with question ``index`` moved ``by`` places (negative: up), kept in range."""
    items = list(kit)
    if not 0 <= index < len(items):
        return items
    target = max(0, min(len(items) - 1, index + by))
    item = items.pop(index)
    items.insert(target, item)
    return items


# -- export ---------------------------------------------------------------------------------------------------

def kit_text(kit: list[dict[str, Any]]) -> str:
    """The kit as plain text, numbered, ready to paste into any survey tool."""
    lines = []
    for number, item in enumerate(kit, start=1):
        how = {"multi": " (choose all that apply)", "likert": " (1 to 5)"}.get(item["type"], "")
        lines.append(f"{number}. {item['question']}{how if how.strip('( )') not in item['question'] else ''}")
        for option in item.get("options") or []:
            lines.append(f"   [ ] {option}")
        if item["type"] in ("number", "text"):
            lines.append("   ______")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def kit_csv(kit: list[dict[str, Any]]) -> bytes:
    """The kit as CSV (``question``, ``type``, ``options``, ``purpose``, ``column``), formula-safe."""
    frame = pd.DataFrame({
        "question": [k["question"] for k in kit],
        "type": [k["type"] for k in kit],
        "options": [OPTION_SEPARATOR.join(k.get("options") or []) for k in kit],
        "purpose": [k.get("purpose", "") for k in kit],
        "column": [k.get("column") or "" for k in kit],
    })
    buffer = io.StringIO()
    neutralise_formulas(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8-sig")
