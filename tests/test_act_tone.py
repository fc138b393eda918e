"""Tone and approach rules: firing, order, evidence lines, switching off, editing, saving."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from segdash.act import tone as tn
from segdash.data import Data
from tests.act_helpers import tiny_con

ROLES = {"age": "demographic", "values": "psychographic", "email": "pii"}
TYPES = {"age": "number", "values": "text", "email": "text"}


@pytest.fixture
def con():
    frame = pd.DataFrame({"age": [60, 70, 20, 30], "values": ["Quality-first", "Convenience", "Convenience", None],
                          "email": ["a@x", "b@x", "c@x", "d@x"]})
    return tiny_con(frame, ["Old", "Old", "Young", "Young"])


def test_default_rules_fire_with_evidence(con) -> None:
    results, problems = tn.suggest_tone(Data.duckdb(con), rules=tn.default_rules(), roles=ROLES, types=TYPES)
    assert problems == []
    old, young = results["Old"], results["Young"]
    assert (old.tone, old.approach, old.tone_rule) == ("formal", "reassuring", 1)
    assert (young.tone, young.approach) == ("casual", "enthusiastic")
    # the evidence names the rule, the trait, the segment's figure against the overall, and n
    assert old.evidence[0].sentence.startswith(
        "Rule 1 (age: average at least 55) fired: average age is 65.0 (overall 45.0, n = 2) → formal, reassuring.")
    assert (old.evidence[0].segment_value, old.evidence[0].overall_value, old.evidence[0].n) == (65.0, 45.0, 2)
    # Young: 1 of 1 known values is Convenience (100% >= 25%): rule 4 fires too, but rule 2 set the approach first
    rule4 = next(e for e in young.evidence if e.rule == 4)
    assert rule4.sentence.startswith("Rule 4 (values: at least 25% are 'Convenience') fired: 100% of the segment "
                                     "are 'Convenience' in values (overall 67%, n = 1)")
    assert young.approach_rule == 2
    assert rule4.sentence.endswith(" (Not used: rule 2 set the approach first.)")  # said, so no one reads it as used
    assert "Not used" not in old.evidence[0].sentence and "not used" not in old.evidence[0].sentence


def test_a_fired_rule_says_which_part_of_it_an_earlier_rule_overrode() -> None:
    result = tn.ToneResult(tone="formal", approach="detailed", tone_rule=1, approach_rule=2)
    both = tn.Evidence(rule=3, column="age", segment_value=1, overall_value=1, n=1, sentence="", tone="casual",
                       approach="reassuring")
    assert tn._not_used(both, result) == " (Not used: rule 1 set the tone and rule 2 the approach first.)"
    result.approach_rule = 3
    assert tn._not_used(both, result) == " (Its tone is not used: rule 1 set it first.)"
    result.tone_rule = 3
    assert tn._not_used(both, result) == ""  # all of it used
    tone_only = tn.Evidence(rule=4, column="age", segment_value=1, overall_value=1, n=1, sentence="", tone="casual")
    assert tn._not_used(tone_only, result) == " (Not used: rule 3 set the tone first.)"


def test_switching_off_and_editing_a_rule(con) -> None:
    rules = tn.default_rules()
    rules.loc[0, "on"] = False  # no more "formal for the older"
    results, _ = tn.suggest_tone(Data.duckdb(con), rules=rules, roles=ROLES, types=TYPES)
    old = results["Old"]
    # Old: Quality 50% >= 30% -> rule 5 detailed; Convenience 50% >= 25% -> rule 4 concise (listed first)
    assert old.tone == "neutral" and old.tone_rule is None
    assert old.approach == "concise/simple" and old.approach_rule == 4
    assert "No rule set the tone: neutral is the default." in old.sentences()
    rules.loc[0, ["on", "tone"]] = [True, "casual"]
    results, _ = tn.suggest_tone(Data.duckdb(con), rules=rules, roles=ROLES, types=TYPES)
    assert results["Old"].tone == "casual"


def test_personal_data_never_matches(con) -> None:
    rules = pd.DataFrame([[True, "email", "share at least", "a@", 1.0, "formal", "", ""]], columns=list(tn.RULE_COLUMNS))
    cleaned, problems = tn.clean_rules(rules)
    assert problems == []
    assert tn.rules_status(cleaned, roles=ROLES, types=TYPES) == ["no matching column in this file"]
    results, _ = tn.suggest_tone(Data.duckdb(con), rules=rules, roles=ROLES, types=TYPES)
    assert results["Old"].evidence == []


def test_bad_rows_are_listed_and_skipped() -> None:
    rules = pd.DataFrame([
        [True, "age", "older than", "", 50, "formal", "", ""],
        [True, "age", "average at least", "", "fifty", "formal", "", ""],
        [True, "values", "share at least", "", 30, "", "detailed", ""],
        [True, "age", "average at least", "", 50, "posh", "", ""],
        [True, "age", "average at least", "", 50, "", "", ""],
        [True, "", "", "", None, "", "", ""],  # an empty new row: ignored
        [True, "Age", "Average at least", "", 50, "Formal", "Detailed", ""],
    ], columns=list(tn.RULE_COLUMNS))
    cleaned, problems = tn.clean_rules(rules)
    assert problems == [
        "Rule 1: the test must be one of average at least, average below, share at least.",
        "Rule 2: the threshold must be a number.",
        "Rule 3: a share rule needs the value to look for (e.g. Convenience).",
        "Rule 4: the tone must be one of formal, neutral, casual (or blank).",
        "Rule 5: suggest a tone, an approach, or both.",
    ]
    # numbering keeps the table's rows; unusable rows stay as switched-off placeholders
    assert [r.on for r in cleaned] == [False] * 5 + [True]
    assert cleaned[-1] == tn.Rule(True, "Age", "average at least", "", 50.0, "formal", "detailed", "")


def test_trait_words_match_columns() -> None:
    roles = {"Customer Age": "demographic", "page_views": "behavioral", "household": "demographic",
             "lifestyle": "psychographic", "signup_date": "date", "Shopping_Satisfaction": "behavioral"}
    types = {"Customer Age": "number", "page_views": "number", "household": "text", "lifestyle": "text",
             "signup_date": "date", "Shopping_Satisfaction": "number"}
    assert tn.matching_columns("age", roles=roles, types=types, test="average at least") == ["Customer Age"]
    assert tn.matching_columns("life stage", roles=roles, types=types, test="share at least") == ["household",
                                                                                                "lifestyle"]
    assert tn.matching_columns("satisfaction", roles=roles, types=types, test="average below") == [
        "Shopping_Satisfaction"]
    assert tn.matching_columns("signup", roles=roles, types=types, test="average below") == ["signup_date"]


def test_rules_round_trip_through_a_document() -> None:
    rules = tn.default_rules()
    rules.loc[2, "on"] = False
    rules.loc[len(rules)] = [True, "income", "average at least", "", 100000.0, "formal", "detailed", "Rich"]
    doc = tn.rules_to_doc(rules)
    assert doc["version"] == 1 and doc["rules"][2]["on"] is False
    back = tn.rules_from_doc(doc)
    pd.testing.assert_frame_equal(back, rules.reset_index(drop=True), check_dtype=False)
    assert tn.rules_from_doc(None).equals(tn.default_rules())


def test_dates_are_days_since(con) -> None:
    frame = pd.DataFrame({"signup_date": pd.to_datetime(["2026-01-01", "2025-12-22", "2020-01-01", "2021-01-01"])})
    con = tiny_con(frame, ["New", "New", "Old", "Old"])
    results, _ = tn.suggest_tone(Data.duckdb(con), rules=tn.default_rules(), roles={"signup_date": "date"},
                                 types={"signup_date": "date"})
    new = results["New"]
    assert new.approach == "enthusiastic"
    assert new.evidence[0].segment_value == pytest.approx(5.0)  # 0 and 10 days before the latest date
    assert "average days since signup date is 5.0" in new.evidence[0].sentence
    assert results["Old"].approach == tn.DEFAULT_APPROACH and not math.isnan(results["Old"].tone_rule or 0)
