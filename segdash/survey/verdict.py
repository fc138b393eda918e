"""The verdict: do answers differ between segments, do they agree with the data, and what to do.

* Categorical answers (one choice): chi-square test of independence with Cramér's V.
* Ordered answers (ratings, bands, frequency words, numbers): Kruskal-Wallis with the rank-based
  eta squared ``(H - k + 1) / (n - k)``.
* Several choices: one chi-square test per option (chose it or not).
* Many questions: Benjamini-Hochberg over all tests (``scipy.stats.false_discovery_control``), as
  on the Profiles page; a question *differs* when its corrected p-value is under 5% and its effect
  is at least small (the same cut-offs as :mod:`segdash.profile`).

Each segment is then compared with all the others (segment vs rest), and each pair of segments
with each other, on every question; confirmation questions (location, demographics) are checked
against the data on file. A segment is *confirmed* when its answers set it apart and agree with
the data, *partly confirmed* when only some evidence holds, and *not confirmed* when its answers
cannot be told apart from the rest or contradict the data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segdash.profile import ALPHA, category_test, numeric_test, strength
from segdash.survey.answers import (
    RANKED,
    Question,
    band_interval,
    normalise_answer,
    ordered_codes,
    split_multi,
)

#: Fewest answers in a segment for a verdict.
MIN_ANSWERS = 5
#: Answers given by fewer people than this are pooled into "Other answers" for the chi-square test.
MIN_CELL = 5
#: Agreement with the data on file needed for "confirmed", and below which the data is "contradicted".
AGREE_CONFIRMED = 0.8
AGREE_CONTRADICTED = 0.5
OTHER_ANSWERS = "Other answers"
VERDICTS = ("confirmed", "partly confirmed", "not confirmed", "not enough answers")
TESTED = ("single", "multi", *RANKED)


@dataclass
class SurveyVerdict:
    """Everything the verdict found.

    Attributes
    ----------
    questions
        One row per test: ``question`` (column), ``label``, ``option`` (multi-select), ``type``,
        ``test``, ``statistic``, ``p_value``, ``p_adjusted``, ``effect``, ``effect_name``,
        ``strength``, ``differs``, ``answers``.
    segments
        One row per segment: ``segment``, ``answers``, ``stands_out`` (questions where it differs
        from the rest), ``agreement``, ``twins`` (segments it cannot be told apart from),
        ``verdict``, ``evidence`` (list of sentences), ``advice`` (list of sentences).
    agreement
        Per segment and confirmation question: ``segment``, ``question``, ``column``, ``checked``,
        ``agree``, ``share``.
    kpis
        Per segment: ``confirmation_rate``, ``average_satisfaction``, ``preferred_channel``,
        ``preferred_tone`` (what the playbook and the KPIs read).
    notes
        Plain sentences about the whole survey.
    """

    questions: pd.DataFrame
    segments: pd.DataFrame
    agreement: pd.DataFrame
    kpis: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_json(self, *, names: dict[str, str] | None = None) -> dict[str, Any]:
        """JSON for the command line and the project: ``questions`` and ``verdicts``."""
        names = names or {}
        questions = [{"question": row.label if not row.option else f"{row.label}: {row.option}",
                      "column": row.question, "test": row.test, "p_value": _num(row.p_value),
                      "p_adjusted": _num(row.p_adjusted), "effect": _num(row.effect), "differs": bool(row.differs)}
                     for row in self.questions.itertuples()]
        verdicts = [{"segment": row.segment, "name": names.get(row.segment, row.segment), "verdict": row.verdict,
                     "evidence": list(row.evidence), "advice": list(row.advice), "answers": int(row.answers)}
                    for row in self.segments.itertuples()]
        kpis = [{"segment": row.segment, "name": names.get(row.segment, row.segment), "answers": int(row.answers),
                 "confirmation_rate": _num(row.confirmation_rate),
                 "average_satisfaction": _num(row.average_satisfaction),
                 "preferred_channel": _text(row.preferred_channel), "preferred_tone": _text(row.preferred_tone)}
                for row in self.kpis.itertuples()]
        return {"questions": questions, "verdicts": verdicts, "kpis": kpis, "notes": list(self.notes)}


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _num(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


# -- one test -------------------------------------------------------------------------------------------

def _crosstab(segments: pd.Series, answers: pd.Series) -> pd.DataFrame:
    """Segment x answer counts, rare answers pooled (a chi-square test needs filled cells)."""
    known = answers.notna() & segments.notna()
    text = answers[known].map(lambda v: " ".join(str(v).split()))
    lowered = text.str.casefold()
    counts = lowered.value_counts()
    rare = set(counts[counts < MIN_CELL].index)
    if rare and len(counts) - len(rare) >= 1 and len(rare) < len(counts):
        lowered = lowered.where(~lowered.isin(rare), OTHER_ANSWERS.casefold())
    return pd.crosstab(segments[known], lowered)


def test_question(segments: pd.Series, values: pd.Series, question: Question) -> list[dict[str, Any]]:
    """The tests of one question across segments (one per option for a multi-select question).

    Parameters
    ----------
    segments
        Each answer's segment.
    values
        The answers (same index).
    question
        How to read them.

    Returns
    -------
    list[dict]
        ``option``, ``test``, ``statistic``, ``p_value``, ``effect``, ``effect_name``, ``answers``,
        ``note`` per test.
    """
    results = []
    if question.type in RANKED:
        codes = ordered_codes(values, question)
        known = codes.notna() & segments.notna()
        groups = [codes[known & (segments == s)].to_numpy() for s in pd.unique(segments[known])]
        test = numeric_test(groups, skewed=True)
        results.append({"option": "", **test, "test": "Kruskal-Wallis", "effect_name": "eta squared (H)",
                        "answers": int(known.sum())})
    elif question.type == "multi":
        chosen = split_multi(values, separator=question.separator or ";")
        for option in chosen.columns:
            column = chosen[option]
            known = column.notna() & segments.notna()
            table = pd.crosstab(segments[known], column[known])
            test = category_test(table.to_numpy())
            results.append({"option": option, **test, "effect_name": "Cramér's V", "answers": int(known.sum())})
    elif question.type == "single":
        table = _crosstab(segments, values)
        test = category_test(table.to_numpy())
        results.append({"option": "", **test, "effect_name": "Cramér's V", "answers": int(table.to_numpy().sum())})
    return results


def _bh(p_values: pd.Series) -> pd.Series:
    adjusted = pd.Series(np.nan, index=p_values.index, dtype=float)
    valid = p_values.notna()
    if valid.any():
        adjusted[valid] = stats.false_discovery_control(p_values[valid].clip(0, 1).to_numpy(), method="bh")
    return adjusted


def _differs(frame: pd.DataFrame) -> pd.Series:
    kinds = np.where(frame["effect_name"] == "Cramér's V", "cramer", "eta")
    words = [strength(e, kind=k) for e, k in zip(frame["effect"], kinds, strict=True)]
    return pd.Series([bool(p < ALPHA) and w not in ("none", "unknown") for p, w in
                      zip(frame["p_adjusted"].fillna(1.0), words, strict=True)], index=frame.index), words


def question_tests(answers: pd.DataFrame, *, questions: dict[str, Question], segment_column: str = "_segment",
                   only: list[str] | None = None) -> pd.DataFrame:
    """Every tested question's test across segments, Benjamini-Hochberg corrected.

    Parameters
    ----------
    answers
        Answers with a segment column.
    questions
        Column -> :class:`Question` (only the types in :data:`TESTED` are tested).
    segment_column
        The segment column.
    only
        Restrict to these segments (e.g. a pair).

    Returns
    -------
    pandas.DataFrame
        See :attr:`SurveyVerdict.questions`.
    """
    data = answers if only is None else answers[answers[segment_column].isin(only)]
    rows = []
    for column, question in questions.items():
        if question.type not in TESTED or column not in data.columns:
            continue
        for result in test_question(data[segment_column], data[column], question):
            rows.append({"question": column, "label": question.label, "type": question.type, **result})
    columns = ["question", "label", "option", "type", "test", "statistic", "p_value", "p_adjusted", "effect",
               "effect_name", "strength", "differs", "answers", "note"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    frame["p_adjusted"] = _bh(frame["p_value"])
    frame["differs"], frame["strength"] = _differs(frame)
    return frame[columns]


def _segment_vs_rest(answers: pd.DataFrame, questions: dict[str, Question], segment: str) -> pd.DataFrame:
    grouped = answers.assign(_vs=np.where(answers["_segment"] == segment, "this", "rest"))
    return question_tests(grouped, questions=questions, segment_column="_vs")


# -- agreement with the data ---------------------------------------------------------------------------------

def _agrees(answer: Any, on_file: Any, *, numeric: bool) -> bool | None:
    if answer is None or on_file is None or (isinstance(answer, float) and math.isnan(answer)) or pd.isna(on_file):
        return None
    if normalise_answer(answer) in ("", "prefer not to say"):
        return None
    if numeric:
        try:
            value = float(on_file)
        except (TypeError, ValueError):
            return None
        interval = band_interval(answer)
        if interval is None:
            return None
        lo, hi = interval
        if lo == hi:  # an exact number: a year's slack (an age has moved on since the data was written)
            return abs(value - lo) <= 1
        if lo == -math.inf:  # "Less than 30": 30 itself is the next band
            return value < hi
        return lo <= value <= hi if hi != math.inf else value >= lo
    return normalise_answer(answer) == normalise_answer(on_file)


def agreement(answers: pd.DataFrame, on_file: pd.DataFrame, *, pairs: dict[str, str],
              questions: dict[str, Question], numeric: set[str]) -> pd.DataFrame:
    """How often respondents' answers agree with the data on file, per segment and question.

    Parameters
    ----------
    answers
        Matched answers (``_key``, ``_segment``).
    on_file
        The customers' values for those keys: ``key`` and the compared columns.
    pairs
        Answers column -> customers column (e.g. ``"Which age group are you in?" -> "age"``).
    questions
        Column -> :class:`Question` (for labels).
    numeric
        Customer columns that hold numbers (answers are then bands or numbers).

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``question``, ``label``, ``column``, ``checked``, ``agree``, ``share``.
    """
    rows = []
    if not pairs or answers.empty:
        return pd.DataFrame(columns=["segment", "question", "label", "column", "checked", "agree", "share"])
    lookup = on_file.drop_duplicates("key").set_index("key")
    for question, column in pairs.items():
        if question not in answers.columns or column not in lookup.columns:
            continue
        values = answers["_key"].map(lookup[column])
        verdicts = [_agrees(a, v, numeric=column in numeric) for a, v in zip(answers[question], values, strict=True)]
        frame = pd.DataFrame({"segment": answers["_segment"].to_numpy(), "ok": verdicts})
        for segment, group in frame.groupby("segment", sort=False):
            checked = group["ok"].notna().sum()
            agree = int((group["ok"] == True).sum())  # noqa: E712 - object column of True/False/None
            label = questions[question].label if question in questions else question
            rows.append({"segment": str(segment), "question": question, "label": label, "column": column,
                         "checked": int(checked), "agree": agree, "share": agree / checked if checked else np.nan})
    return pd.DataFrame(rows, columns=["segment", "question", "label", "column", "checked", "agree", "share"])


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).casefold())


def confirmation_pairs(questions: dict[str, Question], customer_columns: list[str], *,
                       kit: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Answer columns that ask for something on file: by the kit's column, or by the same name.

    Parameters
    ----------
    questions
        The answers' questions.
    customer_columns
        Columns of the customer file that may be compared (no personal data, no ids).
    kit
        The question kit (its ``question`` text and ``column``).

    Returns
    -------
    dict[str, str]
        Answers column -> customers column.
    """
    by_name = {_norm_name(c): c for c in customer_columns}
    by_question = {}
    for item in kit or []:
        if item.get("column") and item.get("purpose") == "confirm" and item["column"] in customer_columns:
            by_question[_norm_name(item.get("question", ""))] = item["column"]
            by_question[_norm_name(item.get("label", ""))] = item["column"]
    pairs = {}
    for column, question in questions.items():
        if question.type in ("key", "timestamp", "text", "multi"):
            continue
        key = _norm_name(column)
        match = by_question.get(key) or by_name.get(key) or by_name.get(_norm_name(question.label))
        if match:
            pairs[column] = match
    return pairs


# -- the verdict ---------------------------------------------------------------------------------------------

def _find(questions: dict[str, Question], pattern: str, types: tuple[str, ...]) -> str | None:
    for column, question in questions.items():
        if question.type in types and re.search(pattern, f"{column} {question.label}", re.IGNORECASE):
            return column
    return None


def segment_kpis(answers: pd.DataFrame, *, questions: dict[str, Question], agreement_table: pd.DataFrame,
                 segments: list[str]) -> pd.DataFrame:
    """Per segment: confirmation rate, average satisfaction, preferred channel and tone from the answers.

    Parameters
    ----------
    answers
        Matched answers.
    questions
        Column -> :class:`Question`.
    agreement_table
        :func:`agreement`.
    segments
        Segments to report.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``answers``, ``confirmation_rate``, ``average_satisfaction``,
        ``preferred_channel``, ``preferred_tone``.
    """
    satisfaction = _find(questions, r"satisf", ("likert",))
    channel = _find(questions, r"channel|contact us|reach you|prefer.*(contact|hear)", ("single", "multi"))
    tone = _find(questions, r"\btone\b|style of (our )?messages", ("single",))
    rows = []
    for segment in segments:
        group = answers[answers["_segment"] == segment]
        agree = agreement_table[agreement_table["segment"] == segment]
        checked = int(agree["checked"].sum()) if len(agree) else 0
        row = {"segment": segment, "answers": len(group),
               "confirmation_rate": float(agree["agree"].sum() / checked) if checked else np.nan,
               "average_satisfaction": np.nan, "preferred_channel": None, "preferred_tone": None}
        if satisfaction and len(group):
            row["average_satisfaction"] = float(pd.to_numeric(group[satisfaction], errors="coerce").mean())
        for key, column in (("preferred_channel", channel), ("preferred_tone", tone)):
            if column and len(group):
                question = questions[column]
                if question.type == "multi":
                    chosen = split_multi(group[column], separator=question.separator or ";").mean()
                    row[key] = str(chosen.idxmax()) if len(chosen) and chosen.notna().any() else None
                else:
                    counts = group[column].dropna().astype(str).value_counts()
                    row[key] = str(counts.index[0]) if len(counts) else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["segment", "answers", "confirmation_rate", "average_satisfaction",
                                       "preferred_channel", "preferred_tone"])


def survey_verdict(
    answers: pd.DataFrame,
    *,
    questions: dict[str, Question],
    segments: list[str] | None = None,
    names: dict[str, str] | None = None,
    on_file: pd.DataFrame | None = None,
    pairs: dict[str, str] | None = None,
    numeric: set[str] | None = None,
) -> SurveyVerdict:
    """Test every question across segments, check answers against the data, and give each segment a verdict.

    Parameters
    ----------
    answers
        Answers with ``_segment`` (and ``_key`` when matched to customers).
    questions
        Column -> :class:`Question`.
    segments
        Segments to judge, in order (default: those with answers, largest first).
    names
        Segment label -> display name (for sentences).
    on_file, pairs, numeric
        For the agreement check: the customers' values (``key`` + columns), answers column ->
        customers column, and which customer columns are numbers (see :func:`agreement`).

    Returns
    -------
    SurveyVerdict
    """
    names = names or {}
    if segments is None:
        segments = [str(s) for s in answers["_segment"].value_counts().index]
    answers = answers.assign(_segment=answers["_segment"].astype(str))
    tests = question_tests(answers, questions=questions)
    agree = (agreement(answers, on_file, pairs=pairs or {}, questions=questions, numeric=numeric or set())
             if on_file is not None and "_key" in answers.columns else agreement(answers, pd.DataFrame(), pairs={},
                                                                                  questions=questions, numeric=set()))
    counts = answers["_segment"].value_counts()
    judged = [s for s in segments if counts.get(s, 0) >= MIN_ANSWERS]

    # pairs of segments whose answers cannot be told apart
    twins: dict[str, list[str]] = {s: [] for s in segments}
    if tests["differs"].any() or len(judged) > 1:
        for first, second in combinations(judged, 2):
            pair = question_tests(answers, questions=questions, only=[first, second])
            if len(pair) and not pair["differs"].any():
                twins[first].append(second)
                twins[second].append(first)

    rows = []
    for segment in segments:
        name = names.get(segment, segment)
        n = int(counts.get(segment, 0))
        evidence: list[str] = []
        advice: list[str] = []
        seg_agree = agree[agree["segment"] == segment]
        checked = int(seg_agree["checked"].sum()) if len(seg_agree) else 0
        share = float(seg_agree["agree"].sum() / checked) if checked else None
        if n < MIN_ANSWERS or len(judged) < 2:
            verdict = "not enough answers"
            evidence.append(f"Only {n:,} answers from '{name}'" + (" and too few from the other segments"
                                                                   if n >= MIN_ANSWERS else "") + ".")
            advice.append(f"Collect at least {MIN_ANSWERS} answers per segment: send reminders or invite the backups.")
            rows.append({"segment": segment, "answers": n, "stands_out": 0, "agreement": share,
                         "twins": [], "verdict": verdict, "evidence": evidence, "advice": advice})
            continue
        versus = _segment_vs_rest(answers[answers["_segment"].isin(judged)], questions, segment)
        standing = versus[versus["differs"]].sort_values("effect", ascending=False)
        tested = versus["question"].nunique()
        if len(standing):
            top = standing.iloc[0]
            top_label = top["label"] + (f" ({top['option']})" if top["option"] else "")
            evidence.append(f"Its {n:,} respondents answer differently from the other segments on "
                            f"{standing['question'].nunique():,} of {tested:,} questions (clearest: {top_label}).")
        else:
            evidence.append(f"Its {n:,} respondents answer like the other segments on all {tested:,} questions.")
        for _, row in seg_agree.iterrows():
            if row["checked"]:
                evidence.append(f"{row['share']:.0%} of {row['checked']:,} respondents confirm the {row['column']} on "
                                "file.")
        if twins.get(segment):
            others = ", ".join(f"'{names.get(t, t)}'" for t in twins[segment])
            evidence.append(f"Its answers cannot be told apart from {others}.")
        contradicted = [r for _, r in seg_agree.iterrows() if r["checked"] and r["share"] < AGREE_CONTRADICTED]
        if len(standing) and (share is None or share >= AGREE_CONFIRMED) and not twins.get(segment):
            verdict = "confirmed"
            advice.append("Keep this segment: its customers say what the data says, and differ from the others.")
        elif not len(standing) or (share is not None and share < AGREE_CONTRADICTED):
            verdict = "not confirmed"
        else:
            verdict = "partly confirmed"
        for twin in twins.get(segment, []):
            advice.append(f"Consider merging '{name}' and '{names.get(twin, twin)}': their answers cannot be told apart.")
        for row in contradicted:
            advice.append(f"Review the rule on {row['column']}: only {row['share']:.0%} of respondents in '{name}' agree "
                          "with the data on file (the data may be out of date, or the rule cuts in the wrong place).")
        if verdict == "not confirmed" and not advice:
            advice.append(f"Rethink '{name}': the survey gives no sign that it is a group of its own; try other "
                          "segmenting columns or merge it with its closest segment.")
        if verdict == "partly confirmed" and not advice:
            advice.append("Look at the questions where it does not stand out before acting on this segment alone.")
        rows.append({"segment": segment, "answers": n, "stands_out": int(standing["question"].nunique()),
                     "agreement": share, "twins": list(twins.get(segment, [])), "verdict": verdict,
                     "evidence": evidence, "advice": advice})
    table = pd.DataFrame(rows, columns=["segment", "answers", "stands_out", "agreement", "twins", "verdict",
                                        "evidence", "advice"])
    differing = tests[tests["differs"]]
    notes = []
    if len(tests):
        notes.append(f"Answers differ between segments on {differing['question'].nunique():,} of "
                     f"{tests['question'].nunique():,} questions (after correcting for testing many at once).")
    else:
        notes.append("No question could be tested: the answers hold no choice, rating or number questions.")
    confirmed = int((table["verdict"] == "confirmed").sum())
    notes.append(f"{confirmed:,} of {len(table):,} segments are confirmed by the survey.")
    kpis = segment_kpis(answers, questions=questions, agreement_table=agree, segments=segments)
    return SurveyVerdict(questions=tests, segments=table, agreement=agree, kpis=kpis, notes=notes)


def verdict_summary(verdict: SurveyVerdict, *, names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per segment for screens and exports: name, answers, verdict, evidence and advice as text."""
    names = names or {}
    frame = verdict.segments
    return pd.DataFrame({
        "Segment": [names.get(s, s) for s in frame["segment"]],
        "Answers": frame["answers"].astype(int),
        "Verdict": frame["verdict"],
        "Agreement with data": [None if a is None or (isinstance(a, float) and math.isnan(a)) else f"{a:.0%}"
                                for a in frame["agreement"]],
        "Evidence": [" ".join(e) for e in frame["evidence"]],
        "What to do": [" ".join(a) for a in frame["advice"]],
    })


def questions_table(verdict: SurveyVerdict) -> pd.DataFrame:
    """The per-question tests for screens, in the Profiles page's words: question, option, differs,
    strength, effect size, chance it is luck (corrected), how tested, and the full question."""
    frame = verdict.questions

    def luck(p: float) -> str:
        if p is None or not np.isfinite(p):
            return "–"
        return "< 0.1%" if p < 0.001 else f"{p:.1%}"

    return pd.DataFrame({
        "Question": frame["label"],
        "Option": frame["option"].fillna(""),
        "Differs?": np.where(frame["p_value"].isna(), "Not tested", np.where(frame["differs"], "Yes", "No")),
        "Strength": frame["strength"].astype(str).str.capitalize(),
        "Effect size": [f"{e:.2f} ({name})" if np.isfinite(e) else "–"
                        for e, name in zip(frame["effect"].astype(float), frame["effect_name"], strict=True)],
        "Chance it is luck": frame["p_adjusted"].astype(float).map(luck),
        "How tested": frame["test"],
        "Answers": frame["answers"].astype(int),
        "Full question": frame["question"],
    })


def report_summary(verdict: SurveyVerdict, *, names: dict[str, str] | None = None,
                   response: pd.DataFrame | None = None) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """What the meeting report needs from a survey verdict: sentences and tables, no personal data.

    Parameters
    ----------
    verdict
        :func:`survey_verdict`.
    names
        Segment label -> display name.
    response
        :func:`segdash.survey.answers.response_rates` (optional).

    Returns
    -------
    tuple
        ``(sentences, {"Survey verdict": ..., "Survey questions": ..., "Survey KPIs": ...,
        "Response rates": ...})``; the KPIs (confirmation rate, average satisfaction, preferred
        channel and tone per segment) are what the playbook and the OKRs read.
    """
    names = names or {}
    sentences = list(verdict.notes)
    for row in verdict.segments.itertuples():
        sentences.append(f"'{names.get(row.segment, row.segment)}': {row.verdict}. {' '.join(row.evidence)} "
                         f"{' '.join(row.advice)}".strip())
    kpis = verdict.kpis
    tables = {"Survey verdict": verdict_summary(verdict, names=names),
              "Survey questions": questions_table(verdict),
              "Survey KPIs": pd.DataFrame({
                  "Segment": [names.get(s, s) for s in kpis["segment"]], "Answers": kpis["answers"],
                  "Confirmation rate": kpis["confirmation_rate"].round(3),
                  "Average satisfaction": kpis["average_satisfaction"].round(2),
                  "Preferred channel": kpis["preferred_channel"], "Preferred tone": kpis["preferred_tone"]})}
    if response is not None:
        tables["Response rates"] = pd.DataFrame({
            "Segment": [names.get(s, s) for s in response["segment"]], "Invited": response["invited"],
            "Answered": response["answered"], "Response rate": response["response_rate"].round(3)})
    return sentences, tables
