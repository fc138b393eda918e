"""Column roles (names + content) and column profiles, on tiny tables with known answers."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from segdash import columns, db
from segdash.columns import name_words, profile_columns, suggest_roles, top_values_text
from segdash.schema import ROLES
from tests.helpers import frame_connection, frame_types

_load = frame_connection
_types = frame_types


# -- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Annual Income (k$)", ("annual", "income", "k")),
        ("Dt_Customer", ("dt", "customer")),
        ("MntWines", ("mnt", "wines")),
        ("NumWebPurchases", ("num", "web", "purchases")),
        ("CustomerID", ("customer", "id")),
        ("customerID", ("customer", "id")),
        ("PaymentMethod", ("payment", "method")),
        ("AcceptedCmp3", ("accepted", "cmp", "3")),
        ("Spending Score (1-100)", ("spending", "score", "1", "100")),
        ("preferred_service_channel", ("preferred", "service", "channel")),
        ("E-Mail", ("e", "mail")),
        ("Genre", ("genre",)),
    ],
)
def test_name_words(name, words):
    assert name_words(name) == words


# -- roles -------------------------------------------------------------------------------


def _sample_like() -> pd.DataFrame:
    """Eight customers with every column of the bundled sample file."""
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(1, 9)],
            "name": ["Ann Lee", "Bob Roy", "Cy Tan", "Di Ng", "Ed Poe", "Flo Fox", "Gus Ray", "Hal Orr"],
            "email": [f"person{i}@example.com" for i in range(8)],
            "phone": [f"+1 555 010 {1000 + i}" for i in range(8)],
            "country": ["US", "UK", "US", "DE", "US", "UK", "DE", "US"],
            "region": ["West", "Wales", "South", "Bavaria", "West", "England", "Berlin", "South"],
            "city": ["LA", "Cardiff", "Atlanta", "Munich", "LA", "London", "Berlin", "Austin"],
            "gender": ["Female", "Male", "Female", "Male", "Female", "Male", "Female", "Male"],
            "age": [23, 45, 69, 36, 42, 24, 70, 38],
            "income": [26000, 120000, 42000, 48000, 70000, 27000, 41000, 50000],
            "occupation": ["Student", "Manager", "Retired", "Clerk", "Teacher", "Student", "Retired", "Nurse"],
            "household": ["Single", "Couple", "Couple", "Single", "Family", "Single", "Couple", "Family"],
            "marital_status": ["Single", "Married", "Married", "Single", "Married", "Single", "Widowed", "Married"],
            "signup_date": pd.to_datetime(["2021-01-05", "2022-03-01", "2021-07-09", "2023-02-02"] * 2),
            "last_purchase_date": pd.to_datetime(["2026-05-01", "2026-06-01", "2024-01-09", "2026-06-20"] * 2),
            "orders": [5, 24, 16, 1, 12, 4, 15, 11],
            "total_spend": [140.5, 2640.0, 880.25, 45.0, 624.0, 99.9, 800.0, 560.0],
            "acquisition_channel": ["Social", "Paid search", "Email", "Referral", "Organic", "Social", "Store", "Email"],
            "acquisition_cost": [34.5, 60.0, 5.25, 12.0, 1.0, 30.0, 20.0, 4.0],
            "preferred_service_channel": ["Live chat", "Email", "Phone", "Letter", "In store", "Social media",
                                          "Phone", "Email"],
            "interests": ["Tech", "Travel", "Gardening", "Sport", "Tech, Travel", "Gaming", "Gardening", "Cooking"],
            "lifestyle": ["Urban", "Professional", "Homebody", "Outdoors", "Family", "Urban", "Homebody", "Family"],
            "values": ["Price", "Quality", "Loyalty", "Price", "Convenience", "Price", "Loyalty", "Quality"],
        }
    )


def test_roles_of_the_sample_data_columns():
    frame = _sample_like()
    roles = suggest_roles(_load(frame), types=_types(frame))
    assert roles == {
        "customer_id": "id",
        "name": "pii",
        "email": "pii",
        "phone": "pii",
        "country": "geographic",
        "region": "geographic",
        "city": "geographic",
        "gender": "demographic",
        "age": "demographic",
        "income": "demographic",
        "occupation": "demographic",
        "household": "demographic",
        "marital_status": "demographic",
        "signup_date": "date",
        "last_purchase_date": "behavioral",
        "orders": "behavioral",
        "total_spend": "revenue",
        "acquisition_channel": "acquisition_channel",
        "acquisition_cost": "acquisition_cost",
        "preferred_service_channel": "service_channel",
        "interests": "psychographic",
        "lifestyle": "psychographic",
        "values": "psychographic",
    }
    assert list(roles) == list(frame.columns)  # file order, no _row


def test_roles_of_real_export_column_names():
    frame = pd.DataFrame(
        {
            "CustomerID": ["0001", "0002", "0003", "0004", "0005", "0006"],
            "Genre": ["Male", "Female", "Female", "Male", "Female", "Female"],
            "Annual Income (k$)": [15, 16, 17, 18, 19, 20],
            "Spending Score (1-100)": [39, 81, 6, 77, 40, 76],
            "Dt_Customer": pd.to_datetime(["2012-09-04", "2014-03-08", "2013-08-21", "2014-02-10", "2014-01-19",
                                           "2013-09-09"]),
            "MntWines": [635, 11, 426, 11, 173, 520],
            "NumWebPurchases": [8, 1, 8, 2, 5, 6],
            "Contact": ["cellular", "telephone", "cellular", None, "cellular", "telephone"],
            "PaymentMethod": ["Electronic check", "Mailed check", "Mailed check", "Bank transfer", "Electronic check",
                              "Credit card"],
            "Year_Birth": [1957, 1954, 1965, 1984, 1981, 1967],
            "Kidhome": [0, 1, 0, 1, 1, 0],
            "AcceptedCmp1": [0, 0, 0, 0, 0, 1],
            "Z_Revenue": [11, 11, 11, 11, 11, 11],
            "MonthlyCharges": [29.85, 56.95, 53.85, 42.3, 70.7, 99.65],
            "InvoiceNo": ["536365", "536365", "C536379", "536365", "536366", "536366"],
            "StockCode": ["85123A", "71053", "85123A", "84406B", "22633", "71053"],
            "UnitPrice": [2.55, 3.39, 2.75, 3.39, 1.85, 3.39],
            "PhoneService": [True, False, True, True, True, False],
            "TechSupport": ["No", "Yes", "No internet service", "No", "Yes", "No"],
            "tenure": [1, 34, 2, 45, 2, 8],
            "Country": ["United Kingdom", "France", "United Kingdom", "Germany", "France", "EIRE"],
        }
    )
    roles = suggest_roles(_load(frame), types=_types(frame))
    assert roles == {
        "CustomerID": "id",
        "Genre": "demographic",
        "Annual Income (k$)": "demographic",
        "Spending Score (1-100)": "behavioral",
        "Dt_Customer": "date",
        "MntWines": "revenue",  # amount spent on wine: money the customer brought in
        "NumWebPurchases": "behavioral",
        "Contact": "service_channel",
        "PaymentMethod": "behavioral",
        "Year_Birth": "demographic",
        "Kidhome": "demographic",
        "AcceptedCmp1": "behavioral",
        "Z_Revenue": "other",  # one value everywhere: cannot tell customers apart
        "MonthlyCharges": "revenue",
        "InvoiceNo": "other",  # named like an id but repeats: not a customer id
        "StockCode": "other",
        "UnitPrice": "other",
        "PhoneService": "behavioral",  # a service taken (yes/no), not a phone number
        "TechSupport": "behavioral",
        "tenure": "behavioral",
        "Country": "geographic",
    }


def test_content_decides_personal_data_and_ids():
    frame = pd.DataFrame(
        {
            "Contact": ["ann@x.com", "bob@y.org", "cy@z.co.uk", "di@x.com", None],  # e-mails, not a channel
            "contact_number": ["+44 20 7946 0018", "(555) 010-1234", "555-010-9999", "+1 202 555 0143", None],
            "notes": ["ann@x.com", "bob@y.org", "cy@z.co.uk", "call back", "di@x.com"],
            "phone_type": ["Mobile", "Landline", "Mobile", "Mobile", "Landline"],
            "email_opt_in": [True, False, True, True, False],
            "order_number": ["A-1", "A-2", "A-3", "A-4", "A-5"],
            "referral": ["Friend", "Ad", "Friend", "Search", "Ad"],
            "campaign": [1, 3, 2, 1, 5],  # a count of contacts, not a channel name
            "signup_channel": ["Web", "Store", "Web", "App", "Web"],
            "support_channel": ["Chat", "Phone", "Chat", "Email", "Phone"],
            "CAC": [10.0, 12.5, 8.0, 30.0, 4.5],
            "marketing_cost": [1.0, 2.0, 3.0, 4.0, 5.0],
            "ltv": [100.0, 250.0, 80.0, 400.0, 60.0],
            "hobby": ["Golf", "Chess", "Golf", "Art", "Art"],
            "Recency": [10, 40, 3, 90, 12],
            "zip": ["10001", "94105", "60601", "73301", "02108"],
            "first_name": ["Ann", "Bob", "Cy", "Di", "Ed"],
            "street address": ["1 Main St", "2 Oak Ave", "3 Elm Rd", "4 Pine Ln", "5 Ash Ct"],
            "birthday": pd.to_datetime(["1980-01-01", "1975-05-05", "1990-09-09", "1985-03-03", "1970-07-07"]),
            "SeniorCitizen": [0, 1, 0, 0, 1],
            "latitude": [51.5, 48.8, 40.7, 34.0, 52.5],
            "mystery": [1.5, 2.5, 3.5, 4.5, 5.5],
        }
    )
    roles = suggest_roles(_load(frame), types=_types(frame))
    assert roles == {
        "Contact": "pii",
        "contact_number": "pii",
        "notes": "pii",
        "phone_type": "other",
        "email_opt_in": "other",
        "order_number": "id",
        "referral": "acquisition_channel",
        "campaign": "behavioral",  # contacts during the campaign: behaviour, not a channel
        "signup_channel": "acquisition_channel",
        "support_channel": "service_channel",
        "CAC": "acquisition_cost",
        "marketing_cost": "acquisition_cost",
        "ltv": "revenue",
        "hobby": "psychographic",
        "Recency": "behavioral",
        "zip": "geographic",  # an area of thousands of households, not a person (issue 16: judges say geographic)
        "first_name": "pii",
        "street address": "pii",
        "birthday": "pii",
        "SeniorCitizen": "demographic",
        "latitude": "geographic",
        "mystery": "behavioral",  # issue 16: an unknown measurement of the customer is behaviour, not "other"
    }
    assert set(roles.values()) <= set(ROLES)


def test_roles_work_on_a_sample_of_a_big_table(monkeypatch):
    monkeypatch.setattr(columns, "ROLE_SAMPLE_ROWS", 20_000)
    con = db.connect(threads=1)
    con.execute(
        "CREATE TABLE customers AS SELECT range + 2 AS _row, 'user' || range || '@mail.com' AS \"E-mail\", "
        "range % 3 AS orders, CASE WHEN range % 2 = 0 THEN 'Social' ELSE 'Email' END AS acquisition_channel "
        "FROM range(200000)"
    )
    types = {"E-mail": "text", "orders": "number", "acquisition_channel": "text"}
    expected = {"E-mail": "pii", "orders": "behavioral", "acquisition_channel": "acquisition_channel"}
    assert suggest_roles(con, types=types) == expected
    # Even when block sampling picks no block at all, the first rows are used instead.
    monkeypatch.setattr(columns, "ROLE_SAMPLE_ROWS", 10)
    assert suggest_roles(con, types=types) == expected


# -- profiles ----------------------------------------------------------------------------


def _profile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
            "orders": pd.array([1, 2, 2, 4, None, 10], dtype="Int64"),
            "score": [0.5, 1.5, 2.5, 3.5, None, None],
            "Annual Income (k$)": [1234.5, 84835.0, 15.0, 2000.25, 99.0, 500.0],
            "signup": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", None, "2024-01-13", "2024-01-01"]),
            "channel": ["Paid search", "Social", "Paid search", "Email", None, "Paid search"],
            "member": pd.array([True, False, True, True, None, None], dtype="boolean"),
            "constant": [7, 7, 7, 7, 7, 7],
            "empty": pd.array([None] * 6, dtype="Float64"),
        }
    )


def test_profile_figures_worked_out_by_hand():
    frame = _profile_frame()
    types = _types(frame)
    types["member"] = "boolean"
    del types["constant"]  # not listed: taken from the DuckDB column (BIGINT -> number)
    roles = {"customer_id": "id", "orders": "behavioral", "channel": "acquisition_channel"}
    profile = profile_columns(_load(frame), types=types, roles=roles)

    assert list(profile.columns) == columns.PROFILE_COLUMNS
    assert list(profile["name"]) == list(frame.columns)
    assert profile.attrs["approximate"] is False
    rows = profile.set_index("name").to_dict("index")

    assert rows["customer_id"] == {
        "type": "text", "role": "id", "missing": 0, "missing_pct": 0.0, "distinct": 6,
        "min": None, "median": None, "max": None, "top_values": "all different", "histogram": [],
    }
    # orders 1, 2, 2, 4, 10 (+1 missing): whole numbers over 1..10 -> one bin per value.
    assert rows["orders"] == {
        "type": "number", "role": "behavioral", "missing": 1, "missing_pct": 16.67, "distinct": 4,
        "min": "1", "median": "2", "max": "10", "top_values": None,
        "histogram": [1, 2, 0, 1, 0, 0, 0, 0, 0, 1],
    }
    # score 0.5 .. 3.5: 12 bins of 0.25; 3.5 falls in the last bin.
    assert rows["score"] == {
        "type": "number", "role": "other", "missing": 2, "missing_pct": 33.33, "distinct": 4,
        "min": "0.5", "median": "2", "max": "3.5", "top_values": None,
        "histogram": [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1],
    }
    income = rows["Annual Income (k$)"]
    assert (income["min"], income["median"], income["max"]) == ("15", "867.25", "84,835")
    assert sum(income["histogram"]) == 6 and income["histogram"][0] == 5 and income["histogram"][-1] == 1
    # Dates 1, 1, 2, 3, 13 January: 12 bins of one day, the 13th in the last bin.
    assert rows["signup"] == {
        "type": "date", "role": "other", "missing": 1, "missing_pct": 16.67, "distinct": 4,
        "min": "2024-01-01", "median": "2024-01-02", "max": "2024-01-13", "top_values": None,
        "histogram": [2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    }
    assert rows["channel"]["top_values"] == "Paid search 60% · Email 20% · Social 20%"
    assert (rows["channel"]["missing"], rows["channel"]["distinct"]) == (1, 3)
    assert rows["member"]["top_values"] == "Yes 75% · No 25%"
    assert (rows["member"]["missing"], rows["member"]["distinct"]) == (2, 2)
    assert rows["constant"] == {
        "type": "number", "role": "other", "missing": 0, "missing_pct": 0.0, "distinct": 1,
        "min": "7", "median": "7", "max": "7", "top_values": None, "histogram": [6],
    }
    assert rows["empty"] == {
        "type": "number", "role": "other", "missing": 6, "missing_pct": 100.0, "distinct": 0,
        "min": None, "median": None, "max": None, "top_values": None, "histogram": [],
    }


def test_top_values_of_many_valued_text(monkeypatch):
    monkeypatch.setattr(columns, "_TOP_VALUES_MAP_LIMIT", 2)  # force the group-by path
    frame = pd.DataFrame({"city": ["Oslo", "Rome", "Oslo", "Lima", "Rome", "Oslo", "Kyiv", "Oslo", "Lima", "Rome"]})
    profile = profile_columns(_load(frame), types={"city": "text"}, roles={})
    assert profile.loc[0, "top_values"] == "Oslo 40% · Rome 30% · Lima 20% · …"
    assert profile.loc[0, "distinct"] == 4


def test_mostly_different_text_is_summarised(monkeypatch):
    monkeypatch.setattr(columns, "_TOP_VALUES_MAP_LIMIT", 2)
    frame = pd.DataFrame({"name": ["Ann", "Bob", "Cy", "Ann", "Di", "Ed"]})
    profile = profile_columns(_load(frame), types={"name": "text"}, roles={})
    assert profile.loc[0, "top_values"] == "mostly different (5 different values)"


def test_big_tables_use_approximate_distinct(monkeypatch):
    monkeypatch.setattr(columns, "EXACT_LIMIT", 100)
    con = db.connect(threads=1)
    con.execute("CREATE TABLE customers AS SELECT range + 2 AS _row, range % 50 AS bucket, range AS n FROM range(1000)")
    profile = profile_columns(con, types={"bucket": "number", "n": "number"}, roles={})
    assert profile.attrs["approximate"] is True
    bucket, n = profile.to_dict("records")
    assert 45 <= bucket["distinct"] <= 55
    assert (bucket["min"], bucket["median"], bucket["max"]) == ("0", "24.5", "49")
    assert sum(bucket["histogram"]) == 1000 and len(bucket["histogram"]) == 12
    assert (n["min"], n["max"]) == ("0", "999")
    assert n["histogram"] == [84, 83, 83, 83, 84, 83, 83, 83, 84, 83, 83, 84]


def test_profile_of_an_empty_table_and_a_custom_table_name():
    con = db.connect(threads=1)
    con.execute("CREATE TABLE other_table (_row BIGINT, \"say \"\"hi\"\"\" VARCHAR, amount DOUBLE)")
    profile = profile_columns(con, table="other_table", types={}, roles={})
    assert profile[["name", "type", "missing", "distinct", "top_values"]].to_dict("records") == [
        {"name": 'say "hi"', "type": "text", "missing": 0, "distinct": 0, "top_values": ""},
        {"name": "amount", "type": "number", "missing": 0, "distinct": 0, "top_values": None},
    ]
    assert suggest_roles(con, table="other_table", types={}) == {'say "hi"': "other", "amount": "revenue"}


def test_display_helpers():
    assert top_values_text({"A": 1, "B": 199}, values=200) == "B 100% · A <1%"
    assert top_values_text({True: 3, False: 1}, values=4) == "Yes 75% · No 25%"
    assert top_values_text({"x" * 30: 1}, values=1) == "x" * 23 + "… 100%"
    assert top_values_text({}, values=0) == ""


def test_profile_is_consistent_with_the_table_for_dates_with_times():
    frame = pd.DataFrame({"seen": [dt.datetime(2010, 12, 1, 8, 26), dt.datetime(2010, 12, 2, 9, 0)]})
    profile = profile_columns(_load(frame), types={"seen": "date"}, roles={})
    assert (profile.loc[0, "min"], profile.loc[0, "max"]) == ("2010-12-01 08:26", "2010-12-02 09:00")
    assert profile.loc[0, "histogram"] == [1] + [0] * 10 + [1]


def test_profile_of_date_and_decimal_columns():
    con = db.connect(threads=1)
    con.execute(
        "CREATE TABLE customers AS SELECT * FROM (VALUES "
        "(2, DATE '2024-03-01', 10.50::DECIMAL(9, 2), 5::INTEGER), "
        "(3, DATE '2024-03-04', 20.25::DECIMAL(9, 2), 6::INTEGER), "
        "(4, NULL, 1000.00::DECIMAL(9, 2), 5::INTEGER), "
        "(5, DATE '2024-03-13', NULL, 7::INTEGER)) AS t(_row, joined, spend, PostalCode)"
    )
    profile = profile_columns(con, types={"joined": "date", "spend": "number", "PostalCode": "number"}, roles={})
    joined, spend, postal = profile.to_dict("records")
    assert (joined["min"], joined["median"], joined["max"]) == ("2024-03-01", "2024-03-04", "2024-03-13")
    assert joined["histogram"] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert (spend["min"], spend["median"], spend["max"], spend["missing"]) == ("10.5", "20.25", "1,000", 1)
    assert spend["histogram"] == [2] + [0] * 10 + [1]
    assert postal["histogram"] == [2, 1, 1]  # whole numbers 5..7: one bin per value
    roles = suggest_roles(con, types={"joined": "date", "spend": "number", "PostalCode": "number"})
    assert roles == {"joined": "date", "spend": "revenue", "PostalCode": "geographic"}  # a postcode is an area (issue 16)


def test_years_and_numeric_ids_are_shown_without_thousands_separators():
    # Seen on marketing_campaign.csv ("Year_Birth: min 1,893 · median 1,970") and Online Retail.xlsx
    # ("CustomerID: min 12,347"). Amounts keep their separators.
    frame = pd.DataFrame({
        "Year_Birth": [1893.0, 1970.0, 1996.0],
        "CustomerID": [12347.0, 15133.0, 18287.0],
        "Income": [1730.0, 51381.0, 666666.0],
        "Year_Points": [5.0, 12000.0, 30.0],  # says "year" but is no calendar year
    })
    types = {name: "number" for name in frame.columns}
    profile = profile_columns(_load(frame), types=types, roles={"CustomerID": "id", "Income": "demographic"})
    rows = profile.set_index("name")
    assert rows.loc["Year_Birth", ["min", "median", "max"]].tolist() == ["1893", "1970", "1996"]
    assert rows.loc["CustomerID", ["min", "max"]].tolist() == ["12347", "18287"]
    assert rows.loc["Income", ["min", "max"]].tolist() == ["1,730", "666,666"]
    assert rows.loc["Year_Points", "max"] == "12,000"
    assert columns.is_year_like("Year_Birth", low=1893, high=1996)
    assert not columns.is_year_like("Income", low=1900, high=2000)
    assert not columns.is_year_like("birth_year", low=1990.5, high=2000)


def test_rfm_and_economics_read_the_same_orders_and_spend_columns() -> None:
    from segdash import economics
    from segdash.columns import guess_orders_column, guess_spend_column
    from segdash.segment.rfm import suggest_rfm_columns

    roles = {"id": "id", "avg_order_value": "behavioral", "NumWebPurchases": "behavioral", "orders": "behavioral",
             "Spending Score (1-100)": "behavioral", "MonthlyCharges": "revenue", "TotalCharges": "revenue",
             "last_purchase": "behavioral"}
    types = {"id": "text", "avg_order_value": "number", "NumWebPurchases": "number", "orders": "number",
             "Spending Score (1-100)": "number", "MonthlyCharges": "number", "TotalCharges": "number",
             "last_purchase": "date"}
    # exact "orders" beats a name that only contains "purchases"; "order value" is money, not orders
    assert guess_orders_column(roles, types) == "orders"
    # a revenue column named "total..." beats the first revenue column; the spending score is no money
    assert guess_spend_column(roles, types) == "TotalCharges"
    rfm = suggest_rfm_columns(roles, types)
    money = economics.suggest_columns(roles, types=types)
    assert (rfm["frequency"], rfm["monetary"]) == ([money.orders], [money.revenue]) == (["orders"], ["TotalCharges"])
    # Mall-like file: no revenue column at all, so nothing is taken as spend
    assert guess_spend_column({"Spending Score (1-100)": "behavioral"}, {"Spending Score (1-100)": "number"}) is None


def test_role_facts_read_duckdb_types_as_ibis_does() -> None:
    """Issue 16: role suggestion reads column types from DuckDB itself (no Ibis on the import path); each type
    must get the segdash type and the text/number/whole-number reading Ibis gave it before."""
    import ibis

    con = duckdb.connect()
    con.execute("CREATE TYPE mood AS ENUM ('calm', 'busy')")
    types = {
        "ti": "TINYINT", "si": "SMALLINT", "i": "INTEGER", "bi": "BIGINT", "hi": "HUGEINT", "uti": "UTINYINT",
        "usi": "USMALLINT", "ui": "UINTEGER", "ubi": "UBIGINT", "uhi": "UHUGEINT", "f": "FLOAT", "d": "DOUBLE",
        "dec": "DECIMAL(18,3)", "dec2": "DECIMAL(38,2)", "b": "BOOLEAN", "v": "VARCHAR", "dt": "DATE", "t": "TIME",
        "ts": "TIMESTAMP", "tss": "TIMESTAMP_S", "tsms": "TIMESTAMP_MS", "tsns": "TIMESTAMP_NS",
        "tstz": "TIMESTAMPTZ", "ttz": "TIMETZ", "iv": "INTERVAL", "u": "UUID", "bl": "BLOB", "e": "mood",
        "l": "INTEGER[]", "j": "JSON", "st": "STRUCT(a INTEGER)", "m": "MAP(VARCHAR, INTEGER)",
    }
    con.execute('CREATE TABLE "odd ""name"" t" (' + ", ".join(f"{k} {v}" for k, v in types.items()) + ")")
    duck = columns._duck_types(con, 'odd "name" t')
    schema = ibis.duckdb.from_connection(con).table('odd "name" t').schema()
    assert list(duck) == list(schema) == list(types)
    for name, dtype in schema.items():
        got = duck[name]
        assert (got.kind, got.is_string, got.is_numeric, got.is_integer) == (
            columns._kind(dtype), dtype.is_string(), dtype.is_numeric(), dtype.is_integer()), name
