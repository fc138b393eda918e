"""The shared real survey export (Google Forms, Amazon shoppers) imports with the right question types."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segdash.survey.answers import load_answers, question_types, split_multi

DATASETS = Path(os.environ.get("SEGDASH_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets")
SURVEY = DATASETS / "Amazon Customer Behavior Survey.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not SURVEY.is_file(), reason=f"real survey export {SURVEY} is absent"),
]


@pytest.fixture(scope="module")
def survey():
    answers, kinds = load_answers(SURVEY)
    return answers, question_types(answers, kinds=kinds)


def test_rows_and_question_types(survey):
    answers, questions = survey
    assert len(answers) == 602
    types = {column: q.type for column, q in questions.items()}
    assert types["Timestamp"] == "timestamp"  # 2023/06/04 1:28:19 PM GMT+5:30
    assert types["age"] == "number"
    assert types["Gender"] == "single"
    assert types["Purchase_Categories"] == "multi"
    for rating in ("Customer_Reviews_Importance", "Rating_Accuracy", "Shopping_Satisfaction",
                   "Personalized_Recommendation_Frequency (2)"):
        assert types[rating] == "likert", rating
    for ordered in ("Purchase_Frequency", "Browsing_Frequency", "Cart_Completion_Frequency",
                    "Saveforlater_Frequency", "Review_Reliability"):
        assert types[ordered] == "ordinal", ordered
    for choice in ("Personalized_Recommendation_Frequency", "Add_to_Cart_Browsing", "Review_Left",
                   "Product_Search_Method", "Cart_Abandonment_Factors"):
        assert types[choice] == "single", choice


def test_orders_and_options(survey):
    answers, questions = survey
    assert questions["Purchase_Frequency"].order == ["Less than once a month", "Once a month", "Few times a month",
                                                     "Once a week", "Multiple times a week"]
    assert questions["Review_Reliability"].order == ["Never", "Rarely", "Occasionally", "Moderately", "Heavily"]
    assert questions["Shopping_Satisfaction"].order == [1, 2, 3, 4, 5]
    chosen = split_multi(answers["Purchase_Categories"], separator=questions["Purchase_Categories"].separator)
    assert "Beauty and Personal Care" in chosen.columns
    assert sum(c.lower() == "others" for c in chosen.columns) == 1  # "others" and "Others" are one option
    assert int((chosen.sum(axis=1) > 1).sum()) == 304  # the 304 cells joined by ";"
    assert questions["Shopping_Satisfaction"].label == "Shopping Satisfaction"
