"""Issue 16, roles on unseen files (set D): text categories no rule knows, and the words set D taught.

An unknown text column that is a real category (a few values that repeat, mostly filled in) says what
the customer chose, bought or has (a loan's purpose, the room taken, a course's category): behaviour,
so it is profiled and offered as a clustering feature. Free text, lists of names or codes, mostly blank
columns, offers and labels the company gave, staff the customer is assigned to, contact points and
placeholders stay ``other``. Words: housing, race, job titles, years of driving, wealth (demographic);
bills (revenue); counted events such as DUIs and accidents (behaviour); how a lead came in (acquisition
channel); preferences (psychographic). Every test writes a small file of the same shape as a real export
and runs it through the real import (the page's and the command line's path); the expected roles were
worked out by hand from the rules.
"""

from __future__ import annotations

from pathlib import Path

from segdash import db
from segdash.columns import name_words, role_words
from segdash.data import Data
from segdash.ingest import import_file
from segdash.segment import cluster_feature_choice
from tests.helpers import csv_text, imported_roles_types

_imported = imported_roles_types
_csv = csv_text


def test_text_categories_no_rule_knows_are_behaviour_and_clustering_features(tmp_path: Path) -> None:
    # A credit file and a travel file: what the loan is for, accounts held (blank: none), the room taken.
    header = ["ID", "Age", "Purpose", "Saving accounts", "RoomTaken", "CourseCategory", "Credit amount"]
    purposes = ["car", "radio/TV", "education", "car", "business", "radio/TV", "car", "education"]
    savings = ["little", "", "moderate", "little", "rich", "little", "", "moderate"]
    rooms = ["Basic", "Deluxe", "Basic", "Standard", "Deluxe", "Basic", "King", "Standard"]
    courses = ["Arts", "Health", "Arts", "Business", "Health", "Arts", "Business", "Health"]
    rows = [[i + 1, 25 + 3 * i, purposes[i], savings[i], rooms[i], courses[i], 1000 + 250 * i] for i in range(8)]
    path = tmp_path / "credit.csv"
    path.write_text(_csv(header, rows), encoding="utf-8")
    con = db.connect(threads=1)
    result = import_file(con, path)
    roles = {c.name: c.role for c in result.columns}
    types = {c.name: c.type for c in result.columns}
    assert types["Purpose"] == "text"
    assert roles["Purpose"] == "behavioral"  # what the credit is for: a choice the customer made
    assert roles["Saving accounts"] == "behavioral"  # blank cells (no account) do not make it free text
    assert roles["RoomTaken"] == "behavioral"
    assert roles["CourseCategory"] == "behavioral"
    # A category with a behaviour role is a default clustering feature, as a marketer expects.
    features, _ = cluster_feature_choice(Data.duckdb(con), roles=roles, types=types)
    assert {"Purpose", "RoomTaken", "CourseCategory"} <= set(features)


def test_what_stays_other_among_text_columns(tmp_path: Path) -> None:
    header = ["Customer ID", "Var_1", "Notes_Free", "Company", "Sponsor", "Renew Offer Type", "Segment",
              "Assigned_Rep", "phone_type", "Season", "batch", "Plan", "Cluster", "Encoding"]
    rows = []
    for i in range(12):
        rows.append([
            f"C{i}", f"Cat_{i % 3}", f"asked about the blue model on day {i} and will call back", f"Firm {i} Ltd",
            ["Acme", "Globex"][i % 2] if i % 3 == 0 else "", f"Offer{1 + i % 3}", "ABC"[i % 3], ["Ann", "Bob", "Cy"][i % 3],
            ["Mobile", "Landline"][i % 2], ["Winter", "Summer"][i % 2], f"B{i % 2}", ["Basic", "Pro"][i % 2], 1 + i % 3, ["utf8", "latin1"][i % 2],
        ])
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert types["Sponsor"] == "text"
    assert roles == {
        "Customer ID": "id",
        "Var_1": "other",  # a placeholder name
        "Notes_Free": "other",  # free text: every value different
        "Company": "other",  # a list of names: every value different
        "Sponsor": "other",  # blank for most customers
        "Renew Offer Type": "other",  # what the company offered, not what the customer did
        "Segment": "other",  # an earlier label: clustering on it would only repeat it
        "Assigned_Rep": "other",  # the company's staff
        "phone_type": "other",  # a contact point, like ``Phone`` 0/1
        "Season": "other",  # a bare period
        "batch": "other",  # bookkeeping
        "Plan": "behavioral",  # the role table
        "Cluster": "other",  # an earlier label written as a number, not a measurement
        "Encoding": "other",  # a technical field
    }


def test_demographic_words_housing_race_titles_experience_wealth(tmp_path: Path) -> None:
    header = ["Client", "Housing", "RACE", "Designation", "DRIVING_EXPERIENCE", "residential_assets_value",
              "bank_asset_value", "Net_Worth", "Subsidiary_Of", "Relationship", "Eye_Color", "housing_loan", "Title",
              "Position"]
    rows = []
    for i in range(10):
        rows.append([
            1000 + i, ["own", "rent", "free"][i % 3], ["majority", "minority"][i % 2],
            ["Executive", "Manager", "Senior Manager", "AVP", "VP"][i % 5], ["0-9y", "10-19y", "20-29y", "30y+"][i % 4],
            2400000 + 100000 * i, 800000 + 50000 * i, 15000 * (i + 1), ["Acme Group", "Globex"][i % 2],
            ["Husband", "Wife", "Own-child"][i % 3], ["blue", "brown"][i % 2], ["yes", "no"][i % 2],
            ["Mr", "Mrs", "Dr"][i % 3], ["Clerk", "Manager"][i % 2],
        ])
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert types["residential_assets_value"] == "number" and types["housing_loan"] == "boolean"
    assert roles == {
        "Client": "id",
        "Housing": "demographic",  # own, rent, free: how the person lives
        "RACE": "demographic",
        "Designation": "demographic",  # a job title
        "DRIVING_EXPERIENCE": "demographic",  # years of driving, banded
        "residential_assets_value": "demographic",  # what the customer owns: wealth, like income
        "bank_asset_value": "demographic",
        "Net_Worth": "demographic",
        "Subsidiary_Of": "demographic",  # a business customer's ownership, a firmographic
        "Relationship": "demographic",  # place in the household
        "Eye_Color": "demographic",
        "housing_loan": "behavioral",  # a yes/no housing loan is a product held (bank marketing's ``housing``)
        "Title": "demographic",  # Mr, Mrs, Dr
        "Position": "demographic",  # a job position
    }


def test_bank_marketing_housing_yes_no_stays_a_loan(tmp_path: Path) -> None:
    # bank.csv's ``housing`` is "has a housing loan" (yes/no): behaviour, not where the person lives.
    header = ["age", "housing", "loan", "balance"]
    rows = [[30 + i, ["yes", "no"][i % 2], ["no", "yes"][i % 3 == 0], 100 * i] for i in range(8)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles["housing"] == "behavioral"


def test_bills_are_money_counts_of_bills_and_delays_are_not(tmp_path: Path) -> None:
    header = ["id", "bill_avg", "MonthlyBill", "total_paid", "NumBills", "Sales_Count", "Bill_Payment_Delay",
              "bill_rating"]
    rows = [[i, 12.5 * (i + 1), 40 + 7 * i, 300 + 55 * i, 3 + i, 20 + 3 * i, 2 * i, 1 + i % 5] for i in range(10)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles == {
        "id": "id",
        "bill_avg": "revenue",  # what the customer pays
        "MonthlyBill": "revenue",
        "total_paid": "revenue",
        "NumBills": "behavioral",  # how many bills, not how much
        "Sales_Count": "behavioral",  # a count of sales is no amount of money
        "Bill_Payment_Delay": "behavioral",  # days late, not money
        "bill_rating": "psychographic",  # a rating is never money
    }


def test_counted_events_are_behaviour(tmp_path: Path) -> None:
    # Car insurance: DUIs, accidents and violations are what the driver did (0-3, a code look-alike).
    header = ["ID", "DUIS", "DUIs_5y", "PAST_ACCIDENTS", "SPEEDING_VIOLATIONS", "Incidents"]
    rows = [[100 + i, i % 4, (i + 1) % 4, (i * 2) % 5, (i * 3) % 7, i % 3] for i in range(12)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert set(roles.values()) == {"id", "behavioral"}
    assert roles["DUIS"] == roles["DUIs_5y"] == roles["PAST_ACCIDENTS"] == "behavioral"


def test_how_a_lead_came_in_is_the_acquisition_channel(tmp_path: Path) -> None:
    header = ["CustomerID", "TypeofContact", "lead_type", "contact_type", "ProdTaken"]
    rows = [[200000 + i, ["Self Enquiry", "Company Invited"][i % 2], ["Inbound", "Outbound", "Partner"][i % 3],
             ["email", "phone"][i % 2], i % 2] for i in range(10)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles["TypeofContact"] == "acquisition_channel"  # self enquiry or invited by the company
    assert roles["lead_type"] == "acquisition_channel"
    assert roles["contact_type"] == "service_channel"  # how the customer is reached, as before


def test_preferences_are_psychographic_preferred_means_of_doing_stay_behaviour(tmp_path: Path) -> None:
    header = ["UserID", "PreferredPropertyStar", "favourite_colour", "Favourite_Genre", "PreferredPaymentMode",
              "PreferredLoginDevice", "Preferred_Customer"]
    rows = [[i + 1, 3 + i % 3, ["red", "blue", "green"][i % 3], ["rock", "jazz"][i % 2], ["Card", "UPI"][i % 2],
             ["Phone", "Computer"][i % 2], i % 2] for i in range(10)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles == {
        "UserID": "id",
        "PreferredPropertyStar": "psychographic",  # 3-5: a taste, not a code
        "favourite_colour": "psychographic",
        "Favourite_Genre": "psychographic",  # ``Genre`` alone is gender (Mall customers), a favourite one a taste
        "PreferredPaymentMode": "behavioral",  # how they pay: the role table's behaviour
        "PreferredLoginDevice": "behavioral",
        "Preferred_Customer": "behavioral",  # a status the company gives (0/1), not a taste
    }


def test_squashed_fillers_and_acronym_plurals_are_read_as_words() -> None:
    assert name_words("TypeofContact") == ("type", "of", "contact")
    assert role_words("NumberofChildren") == ("count", "of", "children")
    assert name_words("DUIs") == ("duis",)
    assert name_words("CustomerIDs") == ("customer", "ids")
    assert role_words("ATMs_Used") == ("atm", "used")
    assert name_words("MntWines") == ("mnt", "wines")  # a capital after a lower-case letter still splits


def test_census_and_credit_words_work_type_residence_credit_age_attitudes(tmp_path: Path) -> None:
    # Census-like and credit-bureau-like columns: the person, how long a credit history is, attitudes.
    header = ["ID", "work_type", "social_class", "YearsAtResidence", "Credit_History_Age", "Risk_Appetite",
              "Price_Sensitivity", "Customer_Age"]
    rows = [[i + 1, ["Private", "Self-employed", "Govt_job"][i % 3], ["lower", "middle", "upper"][i % 3], 1 + i,
             30 + 11 * i, ["low", "medium", "high"][i % 3], 1 + i % 5, 20 + 4 * i] for i in range(10)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles == {
        "ID": "id",
        "work_type": "demographic",
        "social_class": "demographic",
        "YearsAtResidence": "demographic",  # residential stability, like housing
        "Credit_History_Age": "behavioral",  # the length of a credit history, not the person's age
        "Risk_Appetite": "psychographic",
        "Price_Sensitivity": "psychographic",
        "Customer_Age": "demographic",
    }
