"""Column display labels: plain words from names, shortening for charts, which way is worse."""

from __future__ import annotations

import pytest

from segdash.labels import higher_is_worse, label_of, shorten, suggest_label, suggest_labels


@pytest.mark.parametrize(("name", "label"), [
    ("MntWines", "Amount spent on wines"),
    ("MntGoldProds", "Amount spent on gold products"),
    ("NumWebPurchases", "Number of web purchases"),
    ("NumDealsPurchases", "Number of deals purchases"),
    ("Kidhome", "Young children at home"),
    ("Teenhome", "Teenagers at home"),
    ("AcceptedCmp3", "Accepted campaign 3"),
    ("Year_Birth", "Year of birth"),
    ("Dt_Customer", "Customer since"),
    ("total_spend", "Total spend"),
    ("last_purchase_date", "Last purchase date"),
    ("customerID", "Customer id"),
    ("SeniorCitizen", "Senior citizen"),
    ("Customer Lifetime Value", "Customer lifetime value"),
    ("Annual Income (k$)", "Annual income (k$)"),
    ("preferred_service_channel", "Preferred service channel"),
    ("CLV", "CLV"),
    ("sms_opt_in", "SMS opt in"),
])
def test_suggested_labels(name: str, label: str) -> None:
    assert suggest_label(name) == label


def test_repeated_labels_get_their_column_name() -> None:
    labels = suggest_labels(["total_spend", "TotalSpend", "age"])
    assert labels == {"total_spend": "Total spend (total_spend)", "TotalSpend": "Total spend (TotalSpend)",
                      "age": "Age"}


def test_label_of_prefers_the_users_label() -> None:
    assert label_of("MntWines", {"MntWines": "Wine spend"}) == "Wine spend"
    assert label_of("MntWines", {}) == "Amount spent on wines"
    assert label_of("MntWines", {"MntWines": ""}) == "Amount spent on wines"


def test_shorten_at_a_word_with_an_ellipsis() -> None:
    assert shorten("Age") == "Age"
    long = "How often do you leave a review after buying a product online"
    short = shorten(long, length=28)
    assert short.endswith("…") and len(short) <= 28 and long.startswith(short[:-1])
    assert short == "How often do you leave a…"


def test_higher_is_worse() -> None:
    assert higher_is_worse("last_purchase_date", label="Days since last purchase")
    assert higher_is_worse("Recency")
    assert higher_is_worse("BounceRates")
    assert higher_is_worse("x", label="Exit rates")
    assert higher_is_worse("acq", role="acquisition_cost")
    assert not higher_is_worse("signup_date", label="Days since signup")
    assert not higher_is_worse("total_spend", label="Total spend")


def test_label_changes_only_real_edits() -> None:
    from segdash.labels import label_changes

    current = {"MntWines": "Amount spent on wines", "age": "Age"}
    edited = [("MntWines", "  Wine   spend "), ("age", "Age"), ("Kidhome", None), ("x", float("nan")), ("y", " ")]
    assert label_changes(current, edited=edited) == {"MntWines": "Wine spend"}
