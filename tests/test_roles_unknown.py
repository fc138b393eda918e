"""Issue 16, roles on unseen files (set C): what ``other`` means, and number or yes/no columns no rule knows.

An unknown measurement of the customer (a balance of some product, miles of some kind, a yes/no about
something they did) is behaviour; an index, a code, a consent, a contact point, a bare period, an
identifier of something else or a placeholder name stays ``other`` and so is never a default
clustering feature. Zip and postal codes are places. Every test writes a small file of the same shape
as a real export and runs it through the real import (the page's and the command line's path); the
expected roles were worked out by hand from the rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segdash import columns, db
from segdash.columns import suggest_roles
from segdash.segment import default_cluster_features
from tests.helpers import csv_text, imported_roles_types

_imported = imported_roles_types
_csv = csv_text


def test_unknown_measurements_of_the_customer_are_behaviour(tmp_path: Path) -> None:
    # A bank's and an airline's customers: products held and balances whose names no rule knows.
    header = ["Member", "Age", "Overdraft", "Safe Deposit Box", "Upgraded?", "RentedCarOrNot", "Reward_miles",
              "Lounge_Pass", "Gym"]
    rows = [
        [101, 34, 0, 1, 0, "Yes", 1200, "No", "yes"],
        [102, 51, 250.5, 0, 1, "No", 0, "Yes", "no"],
        [103, 29, 1300, 0, 0, "No", 15400, "No", "no"],
        [104, 45, 0, 1, 1, "Yes", 800, "No", "yes"],
        [105, 38, 90.25, 0, 0, "No", 23000, "Yes", "yes"],
        [106, 62, 0, 0, 1, "Yes", 350, "No", "no"],
    ]
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert types["RentedCarOrNot"] == "boolean" and types["Overdraft"] == "number"
    assert roles == {
        "Member": "id",
        "Age": "demographic",
        "Overdraft": "behavioral",  # an amount of a product the customer uses
        "Safe Deposit Box": "behavioral",  # 0/1: a product held
        "Upgraded?": "behavioral",
        "RentedCarOrNot": "behavioral",
        "Reward_miles": "behavioral",  # miles are loyalty behaviour
        "Lounge_Pass": "behavioral",
        "Gym": "behavioral",
    }
    features = default_cluster_features(roles, types)
    assert {"Overdraft", "Reward_miles"} <= set(features)


def test_what_other_means_indexes_codes_consents_periods_and_bookkeeping(tmp_path: Path) -> None:
    header = ["Customer ID", "", "Serial", "Band", "Pets", "accepts_marketing", "SMS_Opt_In", "do_not_call",
              "Phone", "Weekday", "Year", "store_id", "batch", "V7", "Spend_Index", "Balance", "arrival_day_of_month"]
    rows = [
        ["C1", 0, 1, 3, 0, "yes", 1, 0, 1, 0, 2021, 4, 7, 0.13, 1.5, 100.0, 3],
        ["C2", 1, 2, 1, 2, "no", 0, 1, 0, 3, 2022, 4, 7, -1.2, 0.7, 250.0, 17],
        ["C3", 2, 3, 5, 1, "yes", 1, 0, 1, 6, 2021, 9, 8, 0.88, 2.1, 80.5, 28],
        ["C4", 3, 4, 2, 0, "no", 1, 1, 1, 2, 2023, 2, 8, 1.71, 0.2, 0.0, 31],
        ["C5", 4, 5, 4, 3, "no", 0, 0, 0, 5, 2022, 9, 9, 0.05, 1.1, 310.0, 9],
        ["C6", 5, 6, 3, 1, "yes", 0, 0, 1, 1, 2023, 2, 9, -0.4, 0.9, 42.0, 22],
    ]
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert roles == {
        "Customer ID": "id",
        "Column 2": "other",  # a blank header (pandas' index written out): a placeholder, 0..n-1
        "Serial": "other",  # row bookkeeping
        "Band": "other",  # 1-5 of an unknown meaning: a code, no distance to cluster on
        "Pets": "behavioral",  # a plural counts things: 0-3 pets is no code
        "accepts_marketing": "other",  # consents and permissions
        "SMS_Opt_In": "other",
        "do_not_call": "other",
        "Phone": "other",  # 0/1: whether a phone number is on file, a contact point
        "Weekday": "other",  # a bare period of some date
        "Year": "other",
        "store_id": "other",  # an identifier of a store, not of the customer
        "batch": "other",
        "V7": "other",  # a placeholder name: what it measures is unknown
        "Spend_Index": "behavioral",  # a word of the role table (spend) says what it is: not bookkeeping
        "Balance": "behavioral",
        "arrival_day_of_month": "other",  # a part of a date (1-31, too many values for a code)
    }
    features = default_cluster_features(roles, types)
    assert not {"Column 2", "Serial", "Band", "Year", "store_id", "V7"} & set(features)


def test_a_sequential_number_column_is_a_row_index_wherever_it_stands(tmp_path: Path) -> None:
    # 101, 102, ... one after the other, every value different, with an unknown name, not first: an index
    # (too large to be a code).
    header = ["Age", "Counter", "Mystery", "Level7"]
    rows = [[30 + i, 101 + i, 13 * (i % 5) + 0.5, (i * 7) % 11] for i in range(12)]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles["Counter"] == "other"
    assert roles["Mystery"] == "behavioral"  # decimals that repeat: a measurement
    assert roles["Level7"] == "other"  # placeholder ``level`` + a number


def test_zip_and_postal_codes_are_places_and_personal_data_stays_personal(tmp_path: Path) -> None:
    header = ["customer_id", "first_name", "Email", "phone", "street_address", "date_of_birth", "ZIP Code",
              "customer_zip_code_prefix", "postcode", "PLZ", "city"]
    rows = [
        [1, "Ann", "ann@x.com", "+44 20 7946 0018", "1 Main St", "1980-01-01", 91107, 1151, "SW1A 1AA", "10115", "Leeds"],
        [2, "Bob", "bob@y.org", "(555) 010-1234", "2 Oak Ave", "1975-05-05", 90089, 4534, "EC1A 1BB", "80331", "York"],
        [3, "Cy", "cy@z.co.uk", "555-010-9999", "3 Elm Rd", "1990-09-09", 94720, 13056, "W1A 0AX", "20095", "Bath"],
        [4, "Di", "di@x.com", "+1 202 555 0143", "4 Pine Ln", "1985-03-03", 94112, 8775, "M1 1AE", "50667", "Hull"],
        [5, "Ed", "ed@q.net", "+49 30 901820", "5 Ash Ct", "1970-07-07", 91330, 13056, "B33 8TH", "60311", "Ely"],
    ]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles == {
        "customer_id": "id",
        "first_name": "pii",
        "Email": "pii",
        "phone": "pii",
        "street_address": "pii",
        "date_of_birth": "pii",
        "ZIP Code": "geographic",  # every one different in a small file, still no id and no person
        "customer_zip_code_prefix": "geographic",
        "postcode": "geographic",
        "PLZ": "geographic",
        "city": "geographic",
    }


def test_spend_per_product_category_is_revenue(tmp_path: Path) -> None:
    # A wholesale client's yearly spend per category; a misspelt category inside the run joins it.
    header = ["Client", "Region", "Dairy", "Bakery", "Beverages", "Frozen", "Delikatesen", "Visits"]
    rows = [
        [1, "North", 12669, 9656, 7561, 214, 1338, 4],
        [2, "South", 7057, 9810, 9568, 1762, 1776, 9],
        [3, "North", 6353, 8808, 7684, 2405, 7844, 2],
        [4, "East", 13265, 1196, 4221, 6404, 1788, 6],
        [5, "South", 22615, 5410, 7198, 3915, 5185, 3],
    ]
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert [roles[c] for c in ("Dairy", "Bakery", "Beverages", "Frozen", "Delikatesen")] == ["revenue"] * 5
    assert roles["Visits"] == "behavioral"
    # Counts of items per category (small numbers) and two categories alone are not a spend file.
    small = _csv(["Client", "Books", "Toys", "Games"], [[i, i % 4, (i * 3) % 5, (i * 5) % 6] for i in range(1, 9)])
    roles, _ = _imported(tmp_path, small, "counts.csv")
    assert roles["Books"] == roles["Toys"] == roles["Games"] == "behavioral"
    two = _csv(["Client", "Dairy", "Bakery"], [[i, 1000 + 37 * i, 500 + 91 * i] for i in range(1, 7)])
    roles, _ = _imported(tmp_path, two, "two.csv")
    assert roles["Dairy"] == roles["Bakery"] == "behavioral"


def test_health_founding_year_smoking_miles_and_distance_from_home(tmp_path: Path) -> None:
    header = ["Account", "Year_Established", "ChronicDiseases", "smoker", "FrequentFlyer", "Qualifying_miles",
              "WarehouseToHome", "Weight", "agent"]
    rows = [
        ["Acme", 1998, 0, "yes", "No", 1200, 12, 71.5, 9],
        ["Bolt", 2004, 1, "no", "Yes", 0, 30, 88.0, 240],
        ["Core", 1979, 0, "no", "No Record", 5400, 7, 64.2, 9],
        ["Dyne", 2011, 1, "yes", "Yes", 300, 25, 92.3, 314],
        ["Echo", 1990, 0, "no", "No", 9800, 16, 59.9, 28],
    ]
    roles, types = _imported(tmp_path, _csv(header, rows))
    assert types["FrequentFlyer"] == "text"  # a third answer keeps it text
    assert roles == {
        "Account": "id",
        "Year_Established": "demographic",  # a business customer's founding year: its age
        "ChronicDiseases": "demographic",  # a health characteristic, like bmi
        "smoker": "behavioral",  # something a person does (was demographic as a category's value)
        "FrequentFlyer": "behavioral",
        "Qualifying_miles": "behavioral",
        "WarehouseToHome": "geographic",  # a distance to the customer's home says where they live
        "Weight": "demographic",
        "agent": "other",  # the number of a travel agent (hotel bookings), not a measurement of the customer
    }


def test_a_row_index_is_seen_on_a_sampled_big_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "ROLE_SAMPLE_ROWS", 20_000)  # 200,000 rows: facts come from a block sample
    con = db.connect(threads=1)
    con.execute(
        "CREATE TABLE customers AS SELECT range + 2 AS _row, (range * 7919) % 1000 / 4.0 AS Balance, "
        "range + 1 AS Counter, range % 2 = 0 AS Gym FROM range(200000)"
    )
    roles = suggest_roles(con, types={"Balance": "number", "Counter": "number", "Gym": "boolean"})
    assert roles == {"Balance": "behavioral", "Counter": "other", "Gym": "behavioral"}


def test_a_business_customers_own_revenue_is_its_size_not_money_it_brings(tmp_path: Path) -> None:
    # A CRM's accounts: industry, head count and founding year describe each client company; its own
    # annual revenue is its size (firmographic), like a person's income.
    header = ["AccountId", "Industry", "NumberOfEmployees", "Year_Founded", "AnnualRevenue", "Country"]
    rows = [
        ["A-001", "Retail", 120, 1998, 1200000, "France"],
        ["A-002", "Software", 45, 2011, 8500000, "Spain"],
        ["A-003", "Medical", 2300, 1979, 990000000, "Germany"],
        ["A-004", "Retail", 15, 2019, 450000, "France"],
        ["A-005", "Finance", 800, 1990, 73000000, "Italy"],
    ]
    roles, _ = _imported(tmp_path, _csv(header, rows))
    assert roles == {"AccountId": "id", "Industry": "demographic", "NumberOfEmployees": "demographic",
                     "Year_Founded": "demographic", "AnnualRevenue": "demographic", "Country": "geographic"}
    # One firmographic column is not enough to call it a table of companies: revenue stays money.
    one = _csv(["AccountId", "Industry", "Revenue"], [[f"A-{i}", "Retail" if i % 2 else "Software", 100 * i + 7]
                                                       for i in range(1, 7)])
    roles, _ = _imported(tmp_path, one, "one.csv")
    assert roles["Revenue"] == "revenue"
