"""From a survey export to a verdict in one call (used by the Survey page and ``survey-confirm``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segdash.data import Data
from segdash.schema import Segmentation, is_modelling_role
from segdash.survey import SurveyError
from segdash.survey.anonymous import Placed, place_answers
from segdash.survey.answers import (
    JoinedAnswers,
    Question,
    join_answers,
    question_types,
    response_bias,
    response_rates,
)
from segdash.survey.sample import SurveySample, is_email_column, sample_contacts
from segdash.survey.verdict import SurveyVerdict, confirmation_pairs, survey_verdict


@dataclass
class Confirmation:
    """Answers matched (or placed), their questions, response rates and the verdict.

    Attributes
    ----------
    questions
        Answers column -> :class:`Question` (types the user overrode applied).
    joined
        The match to the sample (``None`` when the answers were placed by rules).
    placed
        Anonymous answers placed by the segments' rules (``None`` when matched).
    answers
        The answers used for the verdict (``_segment`` set).
    response
        Per segment: invited, answered, response rate (``None`` for anonymous answers).
    bias_warning
        A sentence when response rates differ enough to bias the picture.
    verdict
        The verdict, or ``None`` when no answer could be placed in a segment.
    pairs
        Answers column -> customers column checked for agreement.
    message
        What happened, in one sentence.
    """

    questions: dict[str, Question]
    joined: JoinedAnswers | None
    placed: Placed | None
    answers: pd.DataFrame
    response: pd.DataFrame | None
    bias_warning: str | None
    verdict: SurveyVerdict | None
    pairs: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def to_json(self, *, names: dict[str, str] | None = None) -> dict[str, Any]:
        """The ``survey-confirm --json`` shape: ``response_rate``, ``questions``, ``verdicts`` (and notes)."""
        names = names or {}
        data: dict[str, Any] = {"message": self.message, "response_rate": []}
        if self.response is not None:
            data["response_rate"] = [{"segment": r.segment, "name": names.get(r.segment, r.segment),
                                      "invited": int(r.invited), "answered": int(r.answered),
                                      "response_rate": None if pd.isna(r.response_rate) else float(r.response_rate)}
                                     for r in self.response.itertuples()]
        data["bias_warning"] = self.bias_warning
        data["unmatched_answers"] = 0 if self.joined is None else len(self.joined.unmatched)
        data.update(self.verdict.to_json(names=names) if self.verdict is not None else {"questions": [], "verdicts": []})
        return data


def population_sample(data: Data, *, key_column: str,
                      email_column: str | None = None) -> pd.DataFrame:
    """Every labelled customer as if invited (``key``, ``segment``, ``role``, ``token``, ``email``).

    Used when answers come back without a drawn sample (the command line): answers are then
    matched by customer id or email, and response rates are per customer of each segment.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    key_column
        The customers' id column, or ``_row``.
    email_column
        The customers' email column, if any.

    Returns
    -------
    pandas.DataFrame
    """
    customers = data.customers()
    labels = data.segment_labels()
    joined = customers.join(labels.select(labels[data.key], labels["segment"]), data.key)
    fields = {"key": joined[key_column].cast("string"), "segment": joined["segment"].cast("string")}
    if email_column:
        fields["email"] = joined[email_column].cast("string")
    frame = joined.select(**fields).execute()
    frame["role"] = "invite"
    frame["token"] = None
    return frame


def sample_from_file(path: Any, *, key_column: str) -> pd.DataFrame:
    """The sample written by ``survey-sample --out`` (or the page's CSV), read back for matching by token.

    Parameters
    ----------
    path
        The CSV: the customer id column (named as in the customer file, ``row`` for row numbers,
        or ``key``), ``segment``, ``role`` (``invite`` / ``backup``; default ``invite``) and ``token``.
    key_column
        The customers' id column (``_row``: row numbers).

    Returns
    -------
    pandas.DataFrame
        ``key``, ``segment``, ``role``, ``token`` as text (spreadsheet-safe apostrophes removed).

    Raises
    ------
    SurveyError
        The file cannot be read, or has no id, ``segment`` or ``token`` column.
    """
    from pathlib import Path

    from segdash.report.export import restore_cell

    try:
        frame = pd.read_csv(Path(path), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise SurveyError(f"Cannot read the sample file {Path(path).name}: {err}.") from err
    id_column = next((c for c in (key_column, "row" if key_column == "_row" else None, "key", "customer_id")
                      if c and c in frame.columns), None)
    missing = [name for name, found in (("the customer id", id_column), ("segment", "segment" in frame.columns),
                                        ("token", "token" in frame.columns)) if not found]
    if missing:
        raise SurveyError(f"The sample file {Path(path).name} has no {' or '.join(missing)} column; give the file "
                          "written by 'survey-sample --out'.")
    text = frame.map(restore_cell)
    role = text["role"] if "role" in text.columns else pd.Series("invite", index=text.index)
    sample = pd.DataFrame({"key": text[id_column].str.strip(), "segment": text["segment"],
                           "role": role.replace("", "invite"), "token": text["token"].str.strip().replace("", None)})
    return sample[sample["key"] != ""].reset_index(drop=True)


def with_emails(data: Data, sample: pd.DataFrame, *, key_column: str,
                email_column: str | None) -> pd.DataFrame:
    """``sample`` with each customer's email looked up (to match answers by email too; never shown or saved)."""
    if not email_column:
        return sample
    if not data.is_duckdb:  # another engine: look up the sampled customers only, in the engine
        import ibis

        customers = data.customers()
        keys = ibis.memtable(pd.DataFrame({"_k": sample["key"].astype(str).drop_duplicates().tolist()}, dtype=object))
        found = customers.select(key=customers[key_column].cast("string"), email=customers[email_column].cast("string"))
        found = found.join(keys, found.key == keys._k).select("key", "email")
        everyone = data.backend.to_pyarrow(found).to_pandas()
    else:
        everyone = population_sample(data, key_column=key_column, email_column=email_column)[["key", "email"]]
    return sample.merge(everyone.drop_duplicates("key"), on="key", how="left")


def matching_frame(data: Data, sample: SurveySample, *, email_column: str | None) -> pd.DataFrame:
    """The sample with each customer's email (only to match answers; never shown or saved)."""
    if not email_column:
        return sample.frame
    contacts = sample_contacts(data, sample, columns=[email_column])
    return contacts.rename(columns={email_column: "email"})


def email_column_of(roles: dict[str, str], types: dict[str, str]) -> str | None:
    """The customers' email column (a personal-data column named like one), or ``None``."""
    return next((c for c, r in roles.items() if r in ("pii", "id") and types.get(c, "text") == "text"
                 and is_email_column(c)), None)


def confirm_survey(
    data: Data,
    answers: pd.DataFrame,
    *,
    matching: pd.DataFrame,
    segmentation: Segmentation | None,
    roles: dict[str, str],
    types: dict[str, str],
    key_column: str,
    kinds: dict[str, str] | None = None,
    kit: list[dict[str, Any]] | None = None,
    names: dict[str, str] | None = None,
    answer_column: str | None = None,
    sample_field: str | None = None,
    type_overrides: dict[str, str] | None = None,
) -> Confirmation:
    """Match the answers to the sample (or place anonymous ones by the rules) and judge the segments.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    answers
        The imported answers (:func:`segdash.survey.answers.load_answers`).
    matching
        The sample to match against: ``key``, ``segment``, ``role``, ``token`` and optionally
        ``email`` (:func:`matching_frame`, or :func:`population_sample` without a sample).
    segmentation
        The current segmentation (to place anonymous answers by its rules).
    roles, types
        The customers' column roles and types.
    key_column
        The customers' id column (or ``_row``).
    kinds
        The answers' import types.
    kit
        The question kit (maps questions to customer columns).
    names
        Segment label -> display name.
    answer_column, sample_field
        Override the automatic choice of how answers are matched.
    type_overrides
        Answers column -> question type the user chose.

    Returns
    -------
    Confirmation

    Raises
    ------
    SurveyError
        When the answers file is empty.
    """
    if answers.empty:
        raise SurveyError("The answers file has no answers in it.")
    questions = question_types(answers, kinds=kinds)
    for column, kind in (type_overrides or {}).items():
        if column in questions:
            questions[column].type = kind
    if answer_column is not None and answer_column in questions:
        questions[answer_column].type = "key"
    joined = join_answers(answers, matching, answer_column=answer_column, sample_field=sample_field)
    placed = None
    response = None
    bias = None
    if joined.answer_column is not None and len(joined.matched):
        used = joined.matched
        response = response_rates(matching, used)
        bias = response_bias(response, names=names)
        message = joined.describe()
    else:
        if segmentation is None:
            return Confirmation(questions=questions, joined=joined, placed=None, answers=answers.iloc[0:0],
                                response=None, bias_warning=None, verdict=None,
                                message="No answer matches the sample and there are no segments to place answers in.")
        placed = place_answers(data, answers, segmentation=segmentation, types=types, kit=kit)
        message = placed.message
        if placed.answers is None:
            return Confirmation(questions=questions, joined=joined, placed=placed, answers=answers.iloc[0:0],
                                response=None, bias_warning=None, verdict=None, message=message)
        used = placed.answers
        joined = None
    comparable = [c for c, r in roles.items() if is_modelling_role(r) and c != key_column]
    pairs = confirmation_pairs(questions, comparable, kit=kit)
    on_file = None
    if pairs and "_key" in used.columns and used["_key"].notna().any():
        customers = data.customers()
        wanted = sorted(set(pairs.values()))
        on_file = customers.select(key=customers[key_column].cast("string"),
                                   **{c: customers[c] for c in wanted})
        keys = pd.DataFrame({"key": used["_key"].dropna().astype(str).unique()})
        import ibis

        chosen = ibis.memtable(keys)
        on_file = on_file.join(chosen, on_file.key == chosen.key).select(on_file).execute()
    present = set(used["_segment"].astype(str))
    if joined is not None:
        present |= set(matching.loc[matching["role"] == "invite", "segment"].astype(str))
    segments = [s for s in (list(segmentation.sizes) if segmentation is not None else []) if s in present] or None
    verdict = survey_verdict(used, questions=questions, segments=segments, names=names, on_file=on_file,
                             pairs=pairs, numeric={c for c in pairs.values() if types.get(c) == "number"})
    return Confirmation(questions=questions, joined=joined, placed=placed, answers=used, response=response,
                        bias_warning=bias, verdict=verdict, pairs=pairs, message=message)
