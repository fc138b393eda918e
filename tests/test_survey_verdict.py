"""The verdict: tests agree with scipy, a planted survey is confirmed and a random one is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association

from segdash.survey.answers import question_types, split_multi
from segdash.survey.verdict import (
    agreement,
    confirmation_pairs,
    question_tests,
    report_summary,
    survey_verdict,
)

SEGMENTS = ["A", "B", "C"]


def planted_survey(seed: int = 1, per_segment: int = 60) -> pd.DataFrame:
    """Answers that depend on the segment: channel, satisfaction, purchase frequency, categories."""
    rng = np.random.default_rng(seed)
    segment = np.repeat(SEGMENTS, per_segment)
    favourite = {"A": "Email", "B": "Phone", "C": "Chat"}
    frequency = ["Never", "Rarely", "Sometimes", "Often", "Always"]
    level = {"A": 4, "B": 2, "C": 0}
    return pd.DataFrame({
        "_key": [f"K{i}" for i in range(len(segment))],
        "_segment": segment,
        "Which channel do you prefer?": [favourite[s] if rng.random() < 0.75 else rng.choice(list(favourite.values()))
                                         for s in segment],
        "How satisfied are you with us overall?": [int(np.clip(round(rng.normal(level[s] / 2 + 2, 0.8)), 1, 5))
                                                   for s in segment],
        "How often do you buy?": [frequency[int(np.clip(level[s] + rng.integers(-1, 2), 0, 4))] for s in segment],
        "What do you buy?": [";".join(sorted({"Books", *(["Toys"] if s != "A" and rng.random() < 0.8 else []),
                                              *(["Food"] if rng.random() < 0.5 else [])})) for s in segment],
    })


def random_survey(seed: int = 2) -> pd.DataFrame:
    answers = planted_survey(seed)
    rng = np.random.default_rng(seed)
    for column in answers.columns[2:]:
        answers[column] = rng.permutation(answers[column].to_numpy())  # answers no longer depend on the segment
    return answers


def test_every_p_value_agrees_with_scipy():
    answers = planted_survey()
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    assert [q.type for q in questions.values()] == ["single", "likert", "ordinal", "multi"]
    tests = question_tests(answers, questions=questions).set_index(["question", "option"])
    segment = answers["_segment"]

    channel = pd.crosstab(segment, answers["Which channel do you prefer?"]).to_numpy()
    chi2, p_value, _, _ = stats.chi2_contingency(channel, correction=False)
    row = tests.loc[("Which channel do you prefer?", "")]
    assert row["p_value"] == pytest.approx(p_value, abs=1e-9) and row["test"] == "Chi-square"
    assert row["effect"] == pytest.approx(association(channel, method="cramer"), abs=1e-9)

    rating = answers["How satisfied are you with us overall?"]
    h, p_value = stats.kruskal(*[rating[segment == s] for s in SEGMENTS])
    row = tests.loc[("How satisfied are you with us overall?", "")]
    assert row["p_value"] == pytest.approx(p_value, abs=1e-9) and row["test"] == "Kruskal-Wallis"
    n, k = len(rating), 3
    assert row["effect"] == pytest.approx((h - k + 1) / (n - k), abs=1e-9)  # eta squared (H)

    order = {"Never": 1, "Rarely": 2, "Sometimes": 3, "Often": 4, "Always": 5}
    codes = answers["How often do you buy?"].map(order)
    _, p_value = stats.kruskal(*[codes[segment == s] for s in SEGMENTS])
    assert tests.loc[("How often do you buy?", ""), "p_value"] == pytest.approx(p_value, abs=1e-9)

    chosen = split_multi(answers["What do you buy?"], separator=";")
    assert set(tests.loc["What do you buy?"].index) == set(chosen.columns)  # one test per option
    for option in chosen.columns:
        table = pd.crosstab(segment, chosen[option]).to_numpy()
        expected = 1.0 if table.shape[1] < 2 else stats.chi2_contingency(table, correction=False)[1]
        assert tests.loc[("What do you buy?", option), "p_value"] == pytest.approx(expected, abs=1e-9)

    adjusted = stats.false_discovery_control(tests["p_value"].to_numpy(), method="bh")
    assert np.allclose(tests["p_adjusted"].to_numpy(), adjusted, atol=1e-9, rtol=0)


def test_a_planted_survey_confirms_its_segments():
    answers = planted_survey()
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    verdict = survey_verdict(answers, questions=questions, segments=SEGMENTS)
    assert verdict.questions.loc[verdict.questions["option"] == "", "differs"].all()
    assert verdict.segments["verdict"].tolist() == ["confirmed"] * 3
    first = verdict.segments.iloc[0]
    assert first["evidence"][0].startswith("Its 60 respondents answer differently from the other segments on")
    kpis = verdict.kpis.set_index("segment")
    assert kpis["preferred_channel"].to_dict() == {"A": "Email", "B": "Phone", "C": "Chat"}
    assert kpis.loc["A", "average_satisfaction"] > kpis.loc["C", "average_satisfaction"]


def test_a_random_survey_does_not():
    answers = random_survey()
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    verdict = survey_verdict(answers, questions=questions, segments=SEGMENTS)
    assert not verdict.questions["differs"].any()
    assert verdict.segments["verdict"].tolist() == ["not confirmed"] * 3
    advice = " ".join(a for row in verdict.segments["advice"] for a in row)
    assert "Consider merging 'A' and 'B'" in advice
    assert "0 of 3 segments are confirmed" in verdict.notes[1]


def test_too_few_answers_is_said_plainly():
    answers = planted_survey(per_segment=60)
    answers = answers[(answers["_segment"] != "C") | (answers.index < 123)]  # C keeps 3 answers
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    verdict = survey_verdict(answers, questions=questions, segments=SEGMENTS)
    row = verdict.segments.set_index("segment").loc["C"]
    assert row["verdict"] == "not enough answers" and "Only 3 answers" in row["evidence"][0]


def test_agreement_with_the_data_on_file():
    answers = pd.DataFrame({"_key": ["1", "2", "3", "4", "5"], "_segment": ["A", "A", "A", "B", "B"],
                            "Which age group are you in?": ["25 to 34", "Less than 25", "35 or more", "25 to 34",
                                                            "Prefer not to say"],
                            "Country": ["france", "Spain", "France", "Spain", "Spain"]})
    on_file = pd.DataFrame({"key": ["1", "2", "3", "4", "5"], "age": [30, 25, 40, 20, 50],
                            "country": ["France", "Spain", "Italy", "Spain", "Spain"]})
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    pairs = confirmation_pairs(questions, ["age", "country"], kit=[
        {"question": "Which age group are you in?", "column": "age", "purpose": "confirm"}])
    assert pairs == {"Which age group are you in?": "age", "Country": "country"}
    table = agreement(answers, on_file, pairs=pairs, questions=questions, numeric={"age"}).set_index(
        ["segment", "column"])
    # A: 30 in 25-34 yes; 25 is not "less than 25"; 40 is 35 or more -> 2 of 3
    assert table.loc[("A", "age"), ["checked", "agree"]].tolist() == [3, 2]
    # B: 20 is not 25-34; "prefer not to say" is not checked -> 0 of 1
    assert table.loc[("B", "age"), ["checked", "agree"]].tolist() == [1, 0]
    assert table.loc[("A", "country"), "share"] == pytest.approx(2 / 3)  # Italy on file, France answered


def test_a_contradicted_rule_is_flagged_for_review():
    answers = planted_survey()
    answers["Country"] = np.where(answers["_segment"] == "C", "Italy", answers["_segment"].map(
        {"A": "France", "B": "Spain"}))
    on_file = pd.DataFrame({"key": answers["_key"], "country": answers["_segment"].map(
        {"A": "France", "B": "Spain", "C": "Germany"})})
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    verdict = survey_verdict(answers, questions=questions, segments=SEGMENTS, on_file=on_file,
                             pairs={"Country": "country"})
    rows = verdict.segments.set_index("segment")
    assert rows.loc["A", "verdict"] == "confirmed"
    assert rows.loc["C", "verdict"] == "not confirmed"
    assert any("Review the rule on country: only 0%" in a for a in rows.loc["C", "advice"])
    assert verdict.kpis.set_index("segment").loc["A", "confirmation_rate"] == 1.0


def test_report_summary_has_sentences_and_tables_without_personal_data():
    answers = planted_survey()
    questions = question_types(answers.drop(columns=["_key", "_segment"]))
    verdict = survey_verdict(answers, questions=questions, segments=SEGMENTS)
    sentences, tables = report_summary(verdict, names={"A": "Email lovers"})
    assert any(s.startswith("'Email lovers': confirmed.") for s in sentences)
    assert set(tables) == {"Survey verdict", "Survey questions", "Survey KPIs"}
    assert tables["Survey KPIs"].set_index("Segment").loc["Email lovers", "Preferred channel"] == "Email"
    assert tables["Survey verdict"]["Segment"].tolist()[0] == "Email lovers"
    for table in tables.values():
        assert "_key" not in table.columns and not table.astype(str).apply(
            lambda c: c.str.contains("K1")).any().any()
    data = verdict.to_json()
    assert {"question", "test", "p_value", "effect", "differs"} <= set(data["questions"][0])
    assert {"segment", "verdict", "evidence"} <= set(data["verdicts"][0])
    assert data["kpis"][0]["preferred_channel"] == "Email"
