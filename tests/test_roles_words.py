"""Issue 16, roles on unseen files: how real column names are written.

Squashed names (``Tenureinmonths``), abbreviations (``Total_Trans_Amt``), plurals (``PAYMENTS``),
figures derived from others (``BalanceSalaryRatio``), model outputs, and ids known only from their
content. Each test uses a tiny table whose expected roles were worked out by hand from the rules.
"""

from __future__ import annotations

import pandas as pd
import pytest

from segdash.columns import name_words, phrase_matches, role_words
from tests.helpers import frame_roles

_roles = frame_roles


# -- words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Tenureinmonths", ("tenure", "in", "months")),
        ("Totalrevenue", ("total", "revenue")),
        ("CLIENTNUM", ("client", "num")),
        ("Paymentmethod", ("payment", "method")),
        ("Avgmonthlygbdownload", ("avg", "monthly", "gb", "download")),
        # words the role table knows, and plain English words, are never split
        ("Kidhome", ("kidhome",)),
        ("Recency", ("recency",)),
        ("Customerid", ("customerid",)),
        ("Timestamp", ("timestamp",)),
        ("MntWines", ("mnt", "wines")),
        ("Attrition_Flag", ("attrition", "flag")),
        # in a name whose words are separated, only a long run is read as squashed
        ("invoice_no", ("invoice", "no")),
        ("Customer_Lifetimevalue", ("customer", "lifetime", "value")),
    ],
)
def test_squashed_runs_of_letters_are_split_into_known_words(name: str, words: tuple[str, ...]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Total_Trans_Amt", ("total", "transaction", "amount")),
        ("Total_Revolving_Bal", ("total", "revolving", "balance")),
        ("Total_Ct_Chng_Q4_Q1", ("total", "count", "change", "q", "4", "q", "1")),
        ("HasCrCard", ("has", "credit", "card")),
        ("MINIMUM_PAYMENTS", ("minimum", "payment")),
        ("Policies", ("policy",)),
        ("Marital_Status", ("marital", "status")),  # "status" is not a plural
        ("Address", ("address",)),
        # a leading number word before more words counts things; a trailing one is a number
        ("NumOfProducts", ("count", "of", "product")),
        ("No_of_children", ("count", "of", "children")),  # irregular plurals stay: the table lists both
        ("CLIENTNUM", ("client", "number")),
        ("Account No", ("account", "number")),
    ],
)
def test_role_words_write_out_abbreviations_and_plurals(name: str, words: tuple[str, ...]) -> None:
    assert role_words(name) == words


def test_role_table_phrases_are_read_like_names() -> None:
    assert phrase_matches("payment", "MINIMUM_PAYMENTS")
    assert phrase_matches("num", "CLIENTNUM")  # both sides read "num" as "number"
    assert phrase_matches("charges", "Monthlycharge")
    assert phrase_matches("^id", "ID")
    assert not phrase_matches("^id", "CustomerID")
    assert not phrase_matches("values", "Total Value")  # "values" (beliefs) is not stemmed to "value"


# -- roles ---------------------------------------------------------------------------------------


def test_squashed_names_get_the_roles_of_their_words() -> None:
    frame = pd.DataFrame({
        "Customerid": ["0002-ORFBO", "0003-MKNFE", "0004-TLHLJ", "0011-IGKFF", "0013-EXCHZ"],
        "Numberofdependents": [0, 0, 0, 1, 3],
        "Tenureinmonths": [9, 9, 4, 13, 3],
        "Streamingtv": [True, False, False, True, True],
        "Paymentmethod": ["Credit Card", "Credit Card", "Bank Withdrawal", "Bank Withdrawal", "Credit Card"],
        "Monthlycharge": [65.6, -4.0, 73.9, 98.0, 83.9],
        "Totalrevenue": [974.81, 610.28, 415.45, 1599.51, 289.54],
        "Totalrefunds": [0.0, 38.33, 0.0, 0.0, 0.0],
        "Customerstatus": ["Stayed", "Stayed", "Churned", "Churned", "Churned"],
    })
    assert _roles(frame) == {
        "Customerid": "id",  # a known squashed word: customer id
        "Numberofdependents": "demographic",  # count of dependent: dependents are demographic
        "Tenureinmonths": "behavioral",
        "Streamingtv": "behavioral",
        "Paymentmethod": "behavioral",
        "Monthlycharge": "revenue",  # charge = charges, an amount (not a 0-10 scale)
        "Totalrevenue": "revenue",
        "Totalrefunds": "behavioral",  # refunds are never revenue
        "Customerstatus": "behavioral",
    }


def test_abbreviated_and_plural_names() -> None:
    frame = pd.DataFrame({
        "CLIENTNUM": [768805383, 818770008, 713982108, 769911858, 709106358],
        "Total_Trans_Amt": [1144, 1291, 1887, 1171, 816],
        "Total_Trans_Ct": [42, 33, 20, 20, 28],
        "Total_Revolving_Bal": [777, 864, 0, 2517, 0],
        "HasCrCard": [1, 0, 1, 0, 1],
        "PAYMENTS": [201.8, 4103.0, 622.1, 0.0, 678.3],
        "Avg_Session_Len": [34.5, 31.9, 33.0, 34.3, 33.3],
    })
    assert _roles(frame) == {
        "CLIENTNUM": "id",  # client number
        "Total_Trans_Amt": "revenue",  # total transaction amount: money the customer spent
        "Total_Trans_Ct": "behavioral",  # a count
        "Total_Revolving_Bal": "behavioral",  # a balance
        "HasCrCard": "behavioral",  # has a credit card (a number 0/1: not a card number)
        "PAYMENTS": "behavioral",  # payment, singular in the role table
        "Avg_Session_Len": "behavioral",  # sessions, singular here
    }


def test_a_leading_number_word_counts_and_is_never_an_id() -> None:
    # Every value different in a tiny table: "number" would make an id, "count of" does not.
    frame = pd.DataFrame({
        "Order No": ["A-1", "A-2", "A-3", "A-4"],
        "NumberOfAddress": [1, 2, 3, 4],
        "No_of_children": [0, 1, 2, 3],
    })
    assert _roles(frame) == {"Order No": "id", "NumberOfAddress": "behavioral", "No_of_children": "demographic"}


def test_yes_no_discounts_and_promotions_are_behavioral() -> None:
    frame = pd.DataFrame({
        "discount_applied": [True, False, True, False],
        "promo_code_used": [False, False, True, True],
        "Discount": [0.0, 5.0, 2.5, 0.0],
    })
    assert _roles(frame) == {"discount_applied": "behavioral", "promo_code_used": "behavioral", "Discount": "behavioral"}


def test_derived_figures_are_not_the_money_income_or_place_they_name() -> None:
    frame = pd.DataFrame({
        "BalanceSalaryRatio": [0.0, 0.74, 1.40, 0.0, 1.58],
        "Salary_Ratio": [0.1, 0.2, 0.3, 0.4, 0.5],
        "Total_Amt_Chng_Q4_Q1": [1.335, 1.541, 2.594, 1.405, 2.175],
        "EstimatedSalary": [101348.88, 112542.58, 113931.57, 93826.63, 79084.10],
        "Total_Amount": [120.5, 80.0, 33.2, 99.9, 10.0],
    })
    assert _roles(frame) == {
        "BalanceSalaryRatio": "behavioral",  # not demographic: "salary" is only part of a ratio
        "Salary_Ratio": "behavioral",  # a ratio is a behaviour measure, not an income
        "Total_Amt_Chng_Q4_Q1": "behavioral",  # a change in amount is not revenue
        "EstimatedSalary": "demographic",
        "Total_Amount": "revenue",
    }


def test_model_outputs_are_other() -> None:
    frame = pd.DataFrame({
        "churn_probability": [0.1, 0.8, 0.3, 0.5],
        "Predicted_Income": [40000.0, 52000.0, 61000.0, 38000.0],
        "Income": [41000, 50000, 60000, 39000],
    })
    assert _roles(frame) == {"churn_probability": "other", "Predicted_Income": "other", "Income": "demographic"}


def test_a_long_name_stringing_other_columns_names_is_other() -> None:
    long = "Score_Card_Category_Education_Level_Dependent_count_1"  # 8 words, 3 other columns' names
    frame = pd.DataFrame({
        "Card_Category": ["Blue", "Blue", "Gold", "Silver"],
        "Education_Level": ["Graduate", "High School", "Graduate", "Uneducated"],
        "Dependent_count": [3, 5, 3, 4],
        long: [0.00009, 0.00006, 0.00002, 0.00013],
    })
    roles = _roles(frame)
    assert roles == {
        "Card_Category": "behavioral",
        "Education_Level": "demographic",
        "Dependent_count": "demographic",
        long: "other",
    }
    # Alone, the same name reads as education (demographic): only the other columns' names make it a compound.
    assert _roles(frame[[long]]) == {long: "demographic"}


def test_an_unnamed_first_column_of_unique_whole_numbers_or_codes_is_an_id() -> None:
    numbers = pd.DataFrame({"Column 1": [10, 11, 12, 13, 14], "Age": [30, 41, 30, 25, 41]})
    assert _roles(numbers) == {"Column 1": "id", "Age": "demographic"}
    codes = pd.DataFrame({"Column 1": ["AB-1001", "AB-1002", "AB-1003", "AB-1004"], "Age": [30, 41, 30, 25]})
    assert _roles(codes)["Column 1"] == "id"
    # Not an id: a value repeats; words without digits; decimals; negative numbers; not the first column;
    # a period.
    repeats = pd.DataFrame({"Column 1": [10, 11, 11, 13], "Age": [30, 41, 30, 25]})
    assert _roles(repeats)["Column 1"] == "other"
    words = pd.DataFrame({"Label": ["alpha", "beta", "gamma", "delta"], "Age": [30, 41, 30, 25]})
    assert _roles(words)["Label"] == "other"
    # Decimals and negative numbers are no id. Since set C (issue 16), an unknown measurement of the customer
    # is read as behaviour rather than left "other" (see segdash.columns, "what other means"): what matters
    # here is that neither becomes the id.
    decimals = pd.DataFrame({"Mystery": [1.5, 2.5, 3.5, 4.5], "Age": [30, 41, 30, 25]})
    assert _roles(decimals)["Mystery"] == "behavioral"
    negative = pd.DataFrame({"Mystery": [-1, 2, 3, 4], "Age": [30, 41, 30, 25]})
    assert _roles(negative)["Mystery"] == "behavioral"
    second = pd.DataFrame({"Age": [30, 41, 30, 25], "Column 2": [10, 11, 12, 13]})
    assert _roles(second)["Column 2"] == "other"
    years = pd.DataFrame({"Year": [2019, 2020, 2021, 2022], "Age": [30, 41, 30, 25]})
    assert _roles(years)["Year"] == "other"  # periods, not customers


def test_new_words_of_real_customer_files() -> None:
    frame = pd.DataFrame({
        "Geography": ["France", "Spain", "Germany", "France"],
        "Graduated": [True, False, True, True],
        "Work_Experience": [1.0, 0.0, 8.0, 4.0],
        "Attrition_Flag": ["Existing Customer", "Attrited Customer", "Existing Customer", "Existing Customer"],
        "IsActiveMember": [1, 0, 1, 1],
        "Exited": [1, 0, 0, 1],
        "Months_on_book": [39, 44, 36, 34],
        "Credit_Limit": [12691.0, 8256.0, 3418.0, 3313.0],
        "Length of Membership": [4.08, 2.66, 4.10, 3.12],
        "Time on Website": [39.6, 37.3, 37.1, 36.7],
        "shipping_type": ["Express", "Free Shipping", "Store Pickup", "Express"],
        "Last Interaction": [5, 10, 20, 7],
    })
    assert _roles(frame) == {
        "Geography": "geographic",
        "Graduated": "demographic",
        "Work_Experience": "demographic",
        "Attrition_Flag": "behavioral",
        "IsActiveMember": "behavioral",
        "Exited": "behavioral",
        "Months_on_book": "behavioral",
        "Credit_Limit": "behavioral",
        "Length of Membership": "behavioral",
        "Time on Website": "behavioral",
        "shipping_type": "behavioral",
        "Last Interaction": "behavioral",
    }


def test_a_loyalty_tier_is_not_a_place_and_survey_scores_are_opinions() -> None:
    frame = pd.DataFrame({
        "CityTier": ["1", "3", "1", "2"],
        "Loyalty_Tier": ["Gold", "Silver", "Gold", "Bronze"],
        "CSAT": [4, 5, 3, 4],
        "Page_Views": [12, 40, 3, 18],
        "Avg_Transaction_Value": [35.5, 80.0, 12.25, 50.0],
    })
    assert _roles(frame) == {
        "CityTier": "geographic",
        "Loyalty_Tier": "behavioral",
        "CSAT": "psychographic",
        "Page_Views": "behavioral",
        "Avg_Transaction_Value": "revenue",
    }


def test_time_spent_is_not_money_and_long_is_longitude_only_alone() -> None:
    frame = pd.DataFrame({
        "Time_Spent_Min": [12.5, 40.0, 3.25, 18.0],
        "Long_Term_Customer": ["Yes", "No", "Yes", "Yes"],
        "Long": [-0.12, 2.35, 13.40, -3.70],
        "Resp_Rate": [0.1, 0.4, 0.25, 0.3],
    })
    assert _roles(frame) == {
        "Time_Spent_Min": "behavioral",
        # not a longitude; a yes/no no rule knows is behaviour (issue 16, set D: unknown text categories too)
        "Long_Term_Customer": "behavioral",
        "Long": "geographic",
        "Resp_Rate": "behavioral",  # resp = response
    }
