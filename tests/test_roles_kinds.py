"""Issue 16, roles on unseen files: kinds of column the role table did not know (hold-out set B).

Years and months of events, tenure words, firmographics, sign-up channels written as codes, dates
written as numbers (``yyyymmdd``, Unix times), yes/no columns named after a category's value, free
text and web addresses. Each test writes a tiny table of the same shape; the expected roles were
worked out by hand from the rules, and each table holds a look-alike that must keep its old role.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.helpers import frame_roles, imported_roles_types

_roles = frame_roles


def _imported(tmp_path: Path, text: str) -> dict[str, str]:
    """Roles of a CSV file through the real import (the page's and the command line's path)."""
    return imported_roles_types(tmp_path, text)[0]


AGE = [30, 41, 30, 25, 52, 38]


def test_the_year_or_month_of_an_event_is_a_date() -> None:
    frame = pd.DataFrame({
        "Age": AGE,
        "Enrollment_Year": [2016, 2016, 2014, 2013, 2018, 2015],
        "Enrollment_Month": [2, 3, 7, 12, 1, 9],
        "Cancellation_Year": [0, 0, 2018, 0, 2017, 0],  # 0 = still a member
        "Cancellation_Month": [0, 0, 1, 0, 11, 0],
        "signup_year": [2020, 2021, 2021, 2022, 2023, 2020],
        "join_yr": [2019, 2019, 2020, 2021, 2022, 2022],
        "cohort_month": [1, 2, 3, 4, 5, 6],
        # durations and counts of the same periods: behaviour
        "tenure_months": [1, 5, 12, 7, 30, 2],
        "Month_to_end_contract": [5, 12, 1, 6, 3, 1],
        "months_since_signup": [3, 10, 11, 2, 4, 8],
        # a year with no event is not a date; a birth year describes the person
        "Year": [2019, 2020, 2021, 2022, 2023, 2024],
        "birth_year": [1990, 1985, 1970, 2001, 1999, 1964],
        # an event word and a period word, but the values are no month
        "signup_month_spend": [120.5, 80.0, 99.9, 15.0, 64.0, 230.0],
        # a plural counts: purchases in a month, not the month of a purchase
        "Purchases_Month": [0, 3, 12, 5, 1, 7],
        "arrival_date_year": [2015, 2016, 2016, 2017, 2015, 2017],
    })
    roles = _roles(frame)
    for column in ("Enrollment_Year", "Enrollment_Month", "Cancellation_Year", "Cancellation_Month", "signup_year",
                   "join_yr", "cohort_month", "arrival_date_year"):
        assert roles[column] == "date", column
    assert roles["tenure_months"] == "behavioral"
    assert roles["Month_to_end_contract"] == "behavioral"
    assert roles["months_since_signup"] == "behavioral"
    assert roles["Year"] == "other"
    assert roles["birth_year"] == "demographic"
    assert roles["signup_month_spend"] != "date"
    assert roles["Purchases_Month"] == "behavioral"


def test_tenure_words_are_behavioral_and_an_account_age_is_not_a_persons_age() -> None:
    frame = pd.DataFrame({
        "Lifetime": [3, 7, 2, 0, 12, 31],
        "vintage": [5, 8, 1, 0, 3, 2],
        "account_age_days": [40, 380, 1200, 15, 700, 90],
        "member_since": [2015, 2018, 2020, 2012, 2019, 2021],
        "Seniority": [1, 2, 5, 3, 4, 1],
        "Customer_Age": AGE,  # the customer's own age
        "Customer Lifetime Value": [3839.14, 5102.5, 2200.0, 8040.1, 640.0, 1290.9],
    })
    assert _roles(frame) == {
        "Lifetime": "behavioral",
        "vintage": "behavioral",
        "account_age_days": "behavioral",
        "member_since": "behavioral",
        "Seniority": "behavioral",
        "Customer_Age": "demographic",
        "Customer Lifetime Value": "revenue",
    }


def test_education_firmographics_and_birth_are_demographic() -> None:
    frame = pd.DataFrame({
        "qualification": ["Bachelor", "High School", "Others", "Bachelor", "High School", "Bachelor"],
        "industry": ["EdTech", "FinTech", "DevTools", "FinTech", "HealthTech", "EdTech"],
        "sector": ["Retail", "Banking", "Retail", "Energy", "Energy", "Banking"],
        "segment_industry": ["A", "B", "A", "C", "B", "A"],
        "company_size": ["1-10", "11-50", "51-200", "1-10", "11-50", "201+"],
        "bd": [31, 0, 38, 27, 45, 22],  # age in years, as in the KKBox members file
    })
    assert set(_roles(frame).values()) == {"demographic"}


def test_seats_trials_and_premium_flags_are_behavioral() -> None:
    frame = pd.DataFrame({
        "seats": [9, 18, 1, 40, 5, 12],
        "num_seats": [3, 3, 10, 25, 1, 2],
        "licenses": [2, 4, 4, 8, 1, 1],
        "is_trial": [False, True, False, False, True, False],
        "is_premium": [0, 1, 1, 0, 0, 1],
        "Premium": [1, 0, 0, 1, 1, 0],  # a 0/1 premium tier, never money
        "has_app": [True, True, False, True, False, False],
        "Monthly Premium Auto": [69.0, 94.0, 108.0, 106.0, 73.0, 67.0],  # an insurance premium is money
        "Seat comfort": [3, 5, 4, 1, 2, 5],  # an airline survey's 0-5 opinion, not seats held
        "Ease of Online booking": [3, 3, 2, 5, 4, 1],
    })
    assert _roles(frame) == {
        "seats": "behavioral",
        "num_seats": "behavioral",
        "licenses": "behavioral",
        "is_trial": "behavioral",
        "is_premium": "behavioral",
        "Premium": "behavioral",
        "has_app": "behavioral",
        "Monthly Premium Auto": "revenue",
        "Seat comfort": "psychographic",
        "Ease of Online booking": "psychographic",
    }


def test_how_a_customer_signed_up_is_the_acquisition_channel_even_as_a_number_code() -> None:
    frame = pd.DataFrame({
        "registered_via": [7, 9, 7, 3, 13, 4],
        "acq_source": ["ads", "organic", "partner", "ads", "event", "organic"],
        "utm_source": ["google", "newsletter", "google", "facebook", "bing", "google"],
        "signup_method": ["web", "app", "web", "store", "app", "web"],
        "Enrollment_Type": ["Standard", "Standard", "2018 Promotion", "Standard", "Standard", "2018 Promotion"],
        # a count of contacts in a campaign (bank file) stays behaviour
        "campaign": [1, 2, 1, 5, 3, 1],
        # a code with a name that says nothing of sign-up stays a number without a role
        "tier_code_b": [3, 4, 7, 9, 13, 4],
    })
    roles = _roles(frame)
    for column in ("registered_via", "acq_source", "utm_source", "signup_method", "Enrollment_Type"):
        assert roles[column] == "acquisition_channel", column
    assert roles["campaign"] == "behavioral"
    assert roles["tier_code_b"] != "acquisition_channel"


def test_dates_written_as_numbers_are_dates() -> None:
    frame = pd.DataFrame({
        "Age": AGE,
        "registration_init_time": [20161118, 20160324, 20151207, 20170101, 20041231, 20140228],
        "order_date": [20230105, 20230212, 20230301, 20230315, 20230420, 20230502],  # a purchase date
        "created_at": [1714557600, 1704067200, 1696118400, 1717200000, 1709251200, 1701388800],
        "event_ts": [1714557600000, 1704067200000, 1696118400000, 1717200000000, 1709251200000, 1701388800000],
        "last_login_ts": [1714557600, 1704067200, 1696118400, 1717200000, 1709251200, 1701388800],
        # 8 digits that are no dates (month 13 and up): amounts; a time in seconds spent
        "turnover_band": [20161399, 20169950, 19998877, 20001350, 20154400, 19874532],
        "session_time": [35, 120, 48, 300, 12, 75],
    })
    roles = _roles(frame)
    assert roles["registration_init_time"] == "date"
    assert roles["order_date"] == "behavioral"  # when the customer bought: recency, as for a date column
    assert roles["created_at"] == "date"
    assert roles["event_ts"] == "date"
    assert roles["last_login_ts"] == "behavioral"
    assert roles["turnover_band"] != "date"
    assert roles["session_time"] != "date"


def test_a_yes_no_column_named_after_a_category_value_takes_that_categorys_role() -> None:
    frame = pd.DataFrame({
        "Male": [0, 1, 0, 0, 1, 1],
        "Female": [True, False, True, True, False, False],
        "is_female": [1, 0, 1, 1, 0, 0],
        "Urban": [1, 1, 0, 1, 0, 1],
        "Married_YN": ["Y", "N", "N", "Y", "Y", "N"],
        "Phone": [0, 1, 1, 1, 0, 1],  # gave a phone number: not a category value
        "Male_visits": [0, 3, 5, 1, 2, 8],  # a count, not a yes/no
        "Long_Term_Customer": ["Yes", "No", "Yes", "Yes", "No", "No"],
    })
    assert _roles(frame) == {
        "Male": "demographic",
        "Female": "demographic",
        "is_female": "demographic",
        "Urban": "geographic",
        "Married_YN": "demographic",
        "Phone": "other",
        "Male_visits": "behavioral",
        # A yes/no no rule knows, written as text, is behaviour like a 0/1 one (issue 16, set D: unknown text
        # categories are behaviour too, so they are no longer left out of segmenting).
        "Long_Term_Customer": "behavioral",
    }


def test_free_text_and_web_addresses_are_other_whatever_word_their_name_has() -> None:
    frame = pd.DataFrame({
        "Ad Topic Line": ["Cloned 5thgeneration orchestration", "Monitored national standardization",
                          "Organic bottom-line service-desk", "Triple-buffered reciprocal time-frame",
                          "Robust logistical utilization", "Sharable client-driven software"],
        "Website": ["http://www.stephenson.com/", "http://www.hobbs.com/", "https://lawrence.com/",
                    "www.glass-ross.info", "hudson.net", "http://www.deleon.org/"],
        "account_name": ["Company_0", "Company_1", "Company_2", "Company_3", "Company_4", "Company_5"],
        # a few web shops a customer uses, repeated: a channel of behaviour, not free text
        "Shopping Website": ["amazon.com", "ebay.com", "amazon.com", "amazon.com", "ebay.com", "amazon.com"],
        "Product Line": ["Motorcycles", "Classic Cars", "Motorcycles", "Planes", "Ships", "Classic Cars"],
        "Time on Website": [39.6, 37.3, 37.1, 36.7, 40.2, 35.0],
    })
    assert _roles(frame) == {
        "Ad Topic Line": "other",
        "Website": "other",
        "account_name": "pii",
        "Shopping Website": "behavioral",
        "Product Line": "behavioral",
        "Time on Website": "behavioral",
    }


def test_a_members_file_of_the_kkbox_shape_through_the_real_import(tmp_path: Path) -> None:
    text = "msno,city,bd,gender,registered_via,registration_init_time\n" + "".join(
        f"user_{i:07d},{city},{age},{gender},{via},{day}\n"
        for i, (city, age, gender, via, day) in enumerate([
            (16, 31, "", 7, 20161118), (20, 0, "female", 9, 20160324), (1, 38, "male", 7, 20151207),
            (5, 27, "male", 3, 20170101), (13, 45, "female", 13, 20140228), (1, 22, "", 4, 20100615),
            (22, 0, "", 9, 20120930),
        ])
    )
    assert _imported(tmp_path, text) == {
        "msno": "id", "city": "geographic", "bd": "demographic", "gender": "demographic",
        "registered_via": "acquisition_channel", "registration_init_time": "date",
    }


def test_a_loyalty_file_of_the_airline_shape_through_the_real_import(tmp_path: Path) -> None:
    text = (
        "Loyalty_Number,Gender,Loyalty_Card,CLV,Enrollment_Type,Enrollment_Year,Enrollment_Month,"
        "Cancellation_Year,Cancellation_Month\n"
        "480934,Female,Star,3839.14,Standard,2016,2,0,0\n"
        "549612,Male,Star,3839.61,Standard,2016,3,0,0\n"
        "429460,Male,Nova,3839.75,Standard,2014,7,2018,1\n"
        "608370,Female,Aurora,3839.75,2018 Promotion,2018,4,0,0\n"
        "530508,Male,Star,3842.79,Standard,2013,12,0,0\n"
        "193662,Female,Nova,3844.57,Standard,2012,8,2016,10\n"
    )
    assert _imported(tmp_path, text) == {
        "Loyalty_Number": "id", "Gender": "demographic", "Loyalty_Card": "behavioral", "CLV": "revenue",
        "Enrollment_Type": "acquisition_channel", "Enrollment_Year": "date", "Enrollment_Month": "date",
        "Cancellation_Year": "date", "Cancellation_Month": "date",
    }


def test_a_battery_of_survey_ratings_is_psychographic_whatever_words_the_items_have() -> None:
    scores = [[3, 4, 2, 5, 0, 1], [5, 3, 3, 4, 2, 1], [1, 4, 5, 2, 3, 0], [2, 2, 4, 5, 1, 3], [4, 5, 1, 3, 3, 2],
              [0, 3, 4, 4, 5, 2]]
    items = ["Inflight wifi service", "Gate location", "Food and drink", "Online boarding", "Baggage handling",
             "Leg room service"]
    frame = pd.DataFrame({
        "Age": AGE,
        **dict(zip(items, scores, strict=True)),
        "Flight Distance": [460, 235, 1142, 562, 214, 1180],
        "Dependent_count": [0, 3, 5, 1, 2, 4],  # a count on the same 0-5 scale stays a count
    })
    roles = _roles(frame)
    assert {roles[item] for item in items} == {"psychographic"}
    assert roles["Dependent_count"] == "demographic"
    assert roles["Age"] == "demographic"
    # Four such columns are no battery: the words decide, as before.
    few = _roles(frame[["Age", *items[:4]]])
    assert few["Inflight wifi service"] == "behavioral"
    assert few["Gate location"] == "geographic"


def test_words_of_saas_hotel_and_insurance_exports() -> None:
    frame = pd.DataFrame({
        "mrr": [49.0, 99.0, 499.0, 49.0, 1200.0, 99.0],  # monthly recurring revenue
        "ARR": [588.0, 1188.0, 5988.0, 588.0, 14400.0, 1188.0],
        "Customer Value": [197.6, 46.0, 1536.5, 240.0, 145.8, 282.3],
        "employees": [12, 250, 5000, 40, 8, 1200],  # the size of a business customer
        "bmi": [27.9, 33.8, 22.7, 28.9, 25.7, 33.4],
        "adults": [2, 2, 1, 3, 2, 1],
        "Driving_License": [1, 1, 0, 1, 1, 1],
        "Previously_Insured": [0, 1, 0, 0, 1, 1],
        "stays_in_weekend_nights": [0, 2, 1, 4, 0, 2],
        "customer_type": ["Transient", "Contract", "Transient", "Group", "Transient", "Contract"],
        "unsubscribed": [False, True, False, False, True, False],
        "distribution_channel": ["TA/TO", "Direct", "Corporate", "TA/TO", "Direct", "GDS"],
        "market_segment": ["Online TA", "Direct", "Groups", "Online TA", "Corporate", "Direct"],  # not a place
    })
    assert _roles(frame) == {
        "mrr": "revenue", "ARR": "revenue", "Customer Value": "revenue",
        "employees": "demographic", "bmi": "demographic", "adults": "demographic", "Driving_License": "demographic",
        "Previously_Insured": "behavioral", "stays_in_weekend_nights": "behavioral", "customer_type": "behavioral",
        "unsubscribed": "behavioral", "distribution_channel": "acquisition_channel", "market_segment": "other",
    }


def test_an_income_is_never_revenue_and_web_analytics_are_behaviour() -> None:
    frame = pd.DataFrame({
        "ID": [5008804, 5008805, 5008806, 5008808, 5008809, 5008810],
        "AMT_INCOME_TOTAL": [427500.0, 427500.0, 112500.0, 270000.0, 270000.0, 157500.0],  # an income, not revenue
        "FLAG_OWN_CAR": ["Y", "Y", "Y", "N", "N", "N"],
        "FLAG_OWN_REALTY": ["Y", "Y", "Y", "Y", "Y", "N"],
        "NAME_HOUSING_TYPE": ["Rented apartment", "House / apartment", "House / apartment", "With parents",
                              "House / apartment", "Rented apartment"],
        "DAYS_EMPLOYED": [-4542, -4542, -1134, -3051, -3051, -120],
        "CNT_FAM_MEMBERS": [2.0, 2.0, 2.0, 1.0, 1.0, 3.0],
        "PageValues": [0.0, 12.4, 0.0, 5.6, 0.0, 33.1],  # web analytics, not beliefs
        "ExitRates": [0.2, 0.05, 0.14, 0.05, 0.02, 0.03],
        "VisitorType": ["Returning_Visitor", "New_Visitor", "Returning_Visitor", "Returning_Visitor", "Other",
                        "New_Visitor"],
        "Weekend": [False, True, False, False, True, False],
        "Revenue": [False, False, True, False, True, False],  # bought during the visit: a yes/no, not money
        "listening_time": [120, 45, 300, 80, 15, 210],
        "InterestRate": [4.5, 12.9, 7.25, 19.99, 3.1, 8.0],  # a loan's terms, not a hobby
    })
    roles = _roles(frame)
    for column in ("AMT_INCOME_TOTAL", "FLAG_OWN_CAR", "FLAG_OWN_REALTY", "NAME_HOUSING_TYPE", "DAYS_EMPLOYED",
                   "CNT_FAM_MEMBERS"):
        assert roles[column] == "demographic", column
    for column in ("PageValues", "ExitRates", "VisitorType", "Weekend", "Revenue", "listening_time", "InterestRate"):
        assert roles[column] == "behavioral", column
    assert roles["ID"] == "id"


def test_the_content_kinds_apply_to_a_wide_file_too() -> None:
    # More than WIDE_COLUMNS columns: the facts come from the long form, the ranges from their own query.
    frame = pd.DataFrame({f"col_{i}": [i, i + 1, i + 2, i + 3, i + 4, i + 5] for i in range(60)})
    frame["Enrollment_Year"] = [2016, 2016, 2014, 2013, 2018, 2015]
    frame["Male"] = [0, 1, 0, 0, 1, 1]
    frame["registration_init_time"] = [20161118, 20160324, 20151207, 20170101, 20041231, 20140228]
    frame["Rating_Of_Service"] = [1, 5, 3, 4, 2, 5]
    roles = _roles(frame)
    assert roles["Enrollment_Year"] == "date"
    assert roles["Male"] == "demographic"
    assert roles["registration_init_time"] == "date"
    assert roles["Rating_Of_Service"] == "psychographic"


def test_distance_to_a_store_is_a_place_and_auto_renewal_is_behaviour() -> None:
    frame = pd.DataFrame({
        "Distance_to_Store_km": [0.5, 12.0, 3.2, 40.0, 7.7, 1.1],
        "Auto_Renew": [True, False, True, True, False, True],
        "Renew Offer Type": ["Offer1", "Offer3", "Offer1", "Offer2", "Offer1", "Offer4"],  # an offer, as before
    })
    assert _roles(frame) == {"Distance_to_Store_km": "geographic", "Auto_Renew": "behavioral",
                             "Renew Offer Type": "other"}
