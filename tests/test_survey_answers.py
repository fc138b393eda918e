"""Survey answers: ordered bands, question types, short labels, multi-select, joining back."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segdash.survey import SurveyError
from segdash.survey.answers import (
    Question,
    answer_order,
    as_ordered_category,
    band_interval,
    join_answers,
    multi_separator,
    ordered_codes,
    question_type,
    question_types,
    response_bias,
    response_rates,
    short_label,
    short_labels,
    split_multi,
)


def test_bands_are_ordered_by_their_numbers():
    assert answer_order(["More than 100,000", "Less than 25,000", "50,000 to 100,000", "25,000 to 50,000"]) == [
        "Less than 25,000", "25,000 to 50,000", "50,000 to 100,000", "More than 100,000"]
    assert answer_order(["RM25,000 to RM50,000", "Less than RM25,000", "More than RM100,000"]) == [
        "Less than RM25,000", "RM25,000 to RM50,000", "More than RM100,000"]
    assert answer_order(["25 to 34", "18-24", "65+", "Under 18", "35 to 44", "Prefer not to say"]) == [
        "Under 18", "18-24", "25 to 34", "35 to 44", "65+"]


def test_frequency_and_agreement_words_are_ordered():
    assert answer_order(["Often", "Never", "Rarely", "Rarely"]) == ["Never", "Rarely", "Often"]
    assert answer_order(["Once a week", "Less than once a month", "Few times a month", "Multiple times a week",
                         "Once a month"]) == ["Less than once a month", "Once a month", "Few times a month",
                                              "Once a week", "Multiple times a week"]
    assert answer_order(["Agree", "Strongly disagree", "Neutral", "Strongly agree", "Disagree"]) == [
        "Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def test_unordered_answers_have_no_order():
    assert answer_order(["Email", "Phone", "Chat"]) is None
    assert answer_order(["Yes", "No", "Sometimes"]) is None
    assert answer_order(["1", "2", "3"]) is None  # plain numbers are ratings, not bands
    assert answer_order(["Never", "Often"]) is None  # two answers: nothing to order


@pytest.mark.parametrize(("text", "interval"), [
    ("25 to 34", (25, 34)), ("18-24", (18, 24)), ("Less than RM25,000", (-math.inf, 25000)),
    ("65+", (65, math.inf)), ("65 or older", (65, math.inf)), ("More than 100,000", (100000, math.inf)),
    ("42", (42, 42)), ("$1.5k to $3k", (1500, 3000)), ("Email", None), (None, None),
])
def test_band_interval(text, interval):
    assert band_interval(text) == interval


def test_ordered_categories_for_profiles_and_clustering():
    question = Question("income", "ordinal", "Income", order=["Less than 25,000", "25,000 to 50,000",
                                                              "More than 50,000"])
    values = pd.Series(["25,000 to 50,000", "less than 25,000", None, "Prefer not to say"])
    category = as_ordered_category(values, question)
    assert category.cat.ordered and list(category.cat.categories) == question.order
    assert category[1] == "Less than 25,000"
    assert category.cat.codes.tolist() == [1, 0, -1, -1]  # in order; a non-answer is missing
    assert ordered_codes(values, question).tolist()[:2] == [2.0, 1.0]
    assert np.isnan(ordered_codes(values, question)[3])


def test_multi_select_split_by_semicolon_and_comma():
    values = pd.Series(["Books;Toys", "books", "Toys ; Food", None, "Food;Books;Toys", "Toys"])
    assert multi_separator(values) == ";"
    chosen = split_multi(values, separator=";")
    assert list(chosen.columns) == ["Toys", "Books", "Food"]  # most chosen first, most common spelling
    assert chosen.loc[0].tolist() == [1.0, 1.0, 0.0]
    assert chosen.loc[1].tolist() == [0.0, 1.0, 0.0]  # "books" is "Books"
    assert chosen.loc[3].isna().all()
    commas = pd.Series(["Fitness, Travel", "Travel", "Fitness", "Cooking, Travel", "Cooking"])
    assert multi_separator(commas) == ","
    split = split_multi(commas, separator=",")
    assert list(split.columns) == ["Travel", "Cooking", "Fitness"]
    assert split.loc[0].tolist() == [1.0, 0.0, 1.0]


def test_thousands_commas_and_free_text_are_not_multi_select():
    bands = pd.Series(["Less than 25,000", "25,000 to 50,000", "More than 50,000"] * 5)
    assert multi_separator(bands) is None
    assert split_multi(bands, separator=",").shape[1] == 3
    prose = pd.Series([f"I liked the service, but delivery {i} was slow, really" for i in range(20)])
    assert multi_separator(prose) is None


def test_short_labels_for_question_length_headers():
    assert short_label("Shopping_Satisfaction") == "Shopping Satisfaction"
    long = "On a scale of 1 to 5, how satisfied are you with your overall shopping experience on our website?"
    label = short_label(long)
    assert len(label) <= 40 and label.startswith("Satisfied with overall shopping")
    assert short_label("What is your annual household income, before tax (in RM)?").startswith(
        "Annual household income")
    labels = short_labels(["Age", "age ", "How often do you buy from us?"])
    assert labels["Age"] == "Age" and labels["age "] == "Age (2)"


@pytest.mark.parametrize(("values", "name", "kind", "expected"), [
    ([1, 2, 3, 4, 5, 3], "Satisfaction", None, "likert"),
    (["1 - Very dissatisfied", "3", "5 - Very satisfied"], "Rating", None, "likert"),
    ([23, 45, 67, 18, 33, 90, 41], "age", None, "number"),
    (["2019/10/01 12:38:43 PM GMT+8", "2019/10/02 9:01:00 AM GMT+8"], "Timestamp", None, "timestamp"),
    (["a1b2c3d4e5f60718"], "token", None, "key"),
    (["x@example.com", "y@example.com"], "Your email", None, "key"),
    (["Never", "Often", "Rarely", "Always"], "How often?", None, "ordinal"),
    (["Email", "Phone", "Email", "Chat"], "Channel", None, "single"),
    ([True, False, True], "Review left", "boolean", "single"),
])
def test_question_types(values, name, kind, expected):
    assert question_type(pd.Series(values), name=name, kind=kind)[0] == expected


def test_free_text_is_not_tested():
    values = pd.Series([f"Comment number {i} about something" for i in range(60)])
    assert question_type(values, name="Anything else?")[0] == "text"


SAMPLE = pd.DataFrame({"key": ["C1", "C2", "C3", "C4", "C5", "C6"], "segment": ["A", "A", "A", "B", "B", "B"],
                       "role": ["invite"] * 5 + ["backup"], "token": [f"tok{i}" for i in range(1, 7)],
                       "email": [f"p{i}@example.com" for i in range(1, 7)]})


@pytest.mark.parametrize(("column", "values", "field"), [
    ("Token", ["tok1", "tok2", "tok4", "nobody"], "token"),
    ("Email Address", ["P1@Example.com ", "p2@example.com", "p4@example.com", "z@example.com"], "email"),
    ("Customer ID", ["C1", "C2", "C4", "C99"], "key"),
])
def test_join_by_each_key_lists_unmatched(column, values, field):
    answers = pd.DataFrame({column: values, "Likes": ["Yes", "No", "Yes", "No"]})
    joined = join_answers(answers, SAMPLE)
    assert (joined.answer_column, joined.sample_field) == (column, field)
    assert joined.matched["_key"].tolist() == ["C1", "C2", "C4"]
    assert joined.matched["_segment"].tolist() == ["A", "A", "B"]
    assert len(joined.unmatched) == 1 and joined.unmatched[column].iloc[0] == values[3]
    assert "1 matched no one" in joined.describe()


def test_join_override_and_anonymous():
    answers = pd.DataFrame({"ref": ["C1", "C4"], "code": ["tok4", "tok1"]})
    auto = join_answers(answers, SAMPLE)
    assert auto.sample_field == "token"  # a tie goes to the token
    forced = join_answers(answers, SAMPLE, answer_column="ref", sample_field="key")
    assert forced.matched["_segment"].tolist() == ["A", "B"]
    with pytest.raises(SurveyError, match="no column 'nope'"):
        join_answers(answers, SAMPLE, answer_column="nope")
    anonymous = join_answers(pd.DataFrame({"Likes": ["Yes"]}), SAMPLE)
    assert anonymous.answer_column is None and len(anonymous.unmatched) == 1 and anonymous.matched.empty


def test_response_rates_and_bias_warning():
    matched = pd.DataFrame({"_key": ["C1", "C2", "C2", "C6"], "_segment": ["A", "A", "A", "B"]})
    rates = response_rates(SAMPLE, matched).set_index("segment")
    assert rates.loc["A"].tolist()[:2] == [3, 2] and rates.loc["A", "response_rate"] == pytest.approx(2 / 3)
    assert rates.loc["B"].tolist()[:2] == [2, 1]  # a backup who answered counts as an answer
    assert response_bias(response_rates(SAMPLE, matched), names={}) is None  # too few to tell
    big = pd.DataFrame({"segment": ["A", "B"], "invited": [500, 500], "answered": [250, 60]})
    big["response_rate"] = big["answered"] / big["invited"]
    warning = response_bias(big, names={"B": "Bargain hunters"})
    assert "50% in 'A' against 12% in 'Bargain hunters'" in warning
    even = big.assign(answered=[150, 140])
    even["response_rate"] = even["answered"] / even["invited"]
    assert response_bias(even) is None


def test_question_types_of_a_frame_skip_the_row_column():
    frame = pd.DataFrame({"_row": [1, 2, 3], "How often do you buy?": ["Never", "Often", "Rarely"]})
    questions = question_types(frame)
    assert list(questions) == ["How often do you buy?"]
    assert questions["How often do you buy?"].order == ["Never", "Rarely", "Often"]


def test_an_excel_export_with_question_headers_imports_with_types(tmp_path):
    from openpyxl import Workbook

    from segdash.survey.answers import load_answers

    book = Workbook()
    sheet = book.active
    headers = ["Timestamp", "Email Address", 'How would you rate us, "overall"? (1 = poor, 5 = great)',
               "What is your yearly income, before tax?", "Which of these do you use? Select all that apply."]
    sheet.append(headers)
    rows = [("2019/10/01 12:38:43 PM GMT+8", "a@example.com", 5, "Less than RM25,000", "Email;Phone"),
            ("2019/10/01 1:02:11 PM GMT+8", "b@example.com", 3, "RM25,000 to RM50,000", "Email"),
            ("2019/10/02 9:15:00 AM GMT+8", "c@example.com", 1, "More than RM100,000", "Chat;Email"),
            ("2019/10/02 9:20:00 AM GMT+8", "d@example.com", 4, "RM50,000 to RM100,000", "Phone")]
    for row in rows:
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    book.save(path)
    answers, kinds = load_answers(path)
    assert list(answers.columns) == ["_row", *headers]
    questions = question_types(answers, kinds=kinds)
    assert [q.type for q in questions.values()] == ["timestamp", "key", "likert", "ordinal", "multi"]
    assert questions[headers[3]].order == ["Less than RM25,000", "RM25,000 to RM50,000", "RM50,000 to RM100,000",
                                           "More than RM100,000"]
    assert questions[headers[2]].label == 'How would you rate us, "overall"'  # the bracketed scale dropped


def test_answers_that_happen_to_equal_row_numbers_are_not_a_key():
    sample = pd.DataFrame({"key": [str(i) for i in range(1, 101)], "segment": ["A"] * 100, "role": "invite",
                           "token": [f"t{i:04d}" for i in range(100)]})
    answers = pd.DataFrame({"age": [23, 45, 31], "Rating": [1, 5, 3]})
    joined = join_answers(answers, sample)
    assert joined.answer_column is None and len(joined.unmatched) == 3
    named = join_answers(pd.DataFrame({"Customer ID": ["23", "45"], "age": [23, 45]}), sample)
    assert named.answer_column == "Customer ID"
