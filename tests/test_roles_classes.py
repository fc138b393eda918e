"""Issue 16, roles on unseen files (set E): classes of column the earlier rules misread.

- a genre of games, music or films is a taste (psychographic); only a bare ``Genre`` with a gender's few
  values (Mall customers) is demographic;
- in a table of business customers, the business segment or vertical, the size of the product catalogue,
  and text categories and yes/no flags no rule knows describe the company: firmographic (demographic);
- a lead's type is the acquisition channel only when its values say how leads come in (Inbound,
  Outbound); otherwise it is what kind of business the lead is;
- a behaviour *profile* or a persona type is a personality: psychographic;
- body and health measures at rest (resting heart rate, body fat, cholesterol) are demographic; a heart
  rate during a workout stays behaviour;
- a quality score is an opinion (psychographic), even when the name has a behaviour word (``CallQuality``);
- the store, mall or branch where the customer shops is a place (geographic); a ``store_id`` stays other;
- a bare ``price`` in a table of purchases (a transaction key) is what the customer paid (revenue); a unit
  price stays other, and a bare price outside a table of purchases stays behaviour.

Every test writes a small file shaped like a real export and runs it through the real import (the page's
and the command line's path); the expected roles were worked out by hand from the rules.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import csv_text, imported_roles_types


def _imported(tmp_path: Path, text: str, name: str = "customers.csv") -> dict[str, str]:
    """Roles of a CSV file through the real import."""
    return imported_roles_types(tmp_path, text, name)[0]


_csv = csv_text


def test_genres_are_tastes_a_bare_genre_with_two_values_is_gender(tmp_path: Path) -> None:
    # A game's players: the genre played; a streaming service: the music genre; Mall customers' Genre.
    header = ["PlayerID", "GameGenre", "music_genres", "Genre", "PlayTimeHours"]
    games = ["Strategy", "Sports", "Action", "RPG", "Simulation"]
    music = ["rock", "jazz", "pop", "classical"]
    rows = [[9000 + i, games[i % 5], music[i % 4], ["Male", "Female"][i % 2], round(1.5 * i + 0.25, 2)]
            for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows))
    assert roles["GameGenre"] == "psychographic"
    assert roles["music_genres"] == "psychographic"
    assert roles["Genre"] == "demographic"  # Male/Female: Mall customers' gender, as before
    # A bare Genre with many values is no gender: a taste.
    many = _imported(tmp_path, _csv(["ID", "Genre"], [[i + 1, games[i % 5]] for i in range(12)]), "films.csv")
    assert many["Genre"] == "psychographic"


def test_a_table_of_business_customers_reads_firmographics(tmp_path: Path) -> None:
    # A marketplace's closed deals: each row is a seller (a company).
    header = ["deal_id", "business_segment", "lead_type", "business_type", "has_company", "has_gtin",
              "declared_product_catalog_size", "lead_behaviour_profile", "is_trial", "Stage"]
    segments = ["pet", "car_accessories", "home_decor", "health_beauty"]
    leads = ["online_big", "online_medium", "offline", "industry"]
    rows = [[f"d{i:03d}", segments[i % 4], leads[(i + 1) % 4], ["reseller", "manufacturer"][i % 2],
             ["TRUE", "FALSE"][i % 2], ["FALSE", "TRUE"][(i // 2) % 2], 10 * (i + 1),
             ["cat", "eagle", "wolf", "shark"][i % 4], ["TRUE", "FALSE"][(i // 3) % 2], ["new", "won", "lost"][i % 3]]
            for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows))
    assert roles["business_segment"] == "demographic"  # the seller's market: a firmographic
    assert roles["business_type"] == "demographic"
    assert roles["declared_product_catalog_size"] == "demographic"  # its size, like a headcount
    assert roles["lead_type"] == "demographic"  # values say what kind of business, not how it came
    assert roles["has_company"] == "demographic"  # what the company is or has
    assert roles["has_gtin"] == "demographic"
    assert roles["is_trial"] == "behavioral"  # a known status stays behaviour
    assert roles["Stage"] == "behavioral"  # a category that names no kind of business stays behaviour
    assert roles["lead_behaviour_profile"] == "psychographic"  # DISC animals: a personality


def test_flags_and_categories_of_consumers_stay_behaviour(tmp_path: Path) -> None:
    # The same unknown columns in a table of people: behaviour (one firmographic word is no business table).
    header = ["customer_id", "industry", "has_gtin", "Stage", "lead_type"]
    rows = [[i + 1, ["retail", "tech"][i % 2], ["TRUE", "FALSE"][(i // 2) % 2], ["new", "won", "lost"][i % 3],
             ["Inbound", "Outbound", "Partner referral"][i % 3]] for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows))
    assert roles["industry"] == "demographic"
    assert roles["has_gtin"] == "behavioral"
    assert roles["Stage"] == "behavioral"
    assert roles["lead_type"] == "acquisition_channel"  # Inbound/Outbound: how the lead came in


def test_body_measures_at_rest_are_demographic_workout_heart_rates_behaviour(tmp_path: Path) -> None:
    header = ["Age", "Weight (kg)", "Max_BPM", "Avg_BPM", "Resting_BPM", "Fat_Percentage", "Cholesterol",
              "Session_Duration (hours)", "Heart Rate"]
    rows = [[20 + i, 60 + i, 170 + (i * 7) % 19, 130 + (i * 5) % 23, 55 + i % 9, round(12.5 + i * 0.7, 1),
             160 + 3 * i, round(0.5 + 0.1 * i, 2), 62 + (i * 5) % 17] for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows), "gym.csv")
    assert roles["Resting_BPM"] == "demographic"
    assert roles["Fat_Percentage"] == "demographic"
    assert roles["Cholesterol"] == "demographic"
    assert roles["Heart Rate"] == "demographic"  # a bare heart rate is taken at rest
    assert roles["Max_BPM"] == roles["Avg_BPM"] == "behavioral"  # measured in the member's sessions


def test_quality_scores_are_opinions_even_with_a_behaviour_word(tmp_path: Path) -> None:
    # Two ratings only (no battery of five): the words decide.
    header = ["Age", "CallQuality", "service_quality", "Calls", "video_quality"]
    rows = [[20 + i, 1 + i % 10, 1 + (i * 3) % 10, 5 * i, ["HD", "SD", "4K"][i % 3]] for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows), "feedback.csv")
    assert roles["CallQuality"] == "psychographic"
    assert roles["service_quality"] == "psychographic"
    assert roles["Calls"] == "behavioral"  # a count of calls stays behaviour
    assert roles["video_quality"] == "behavioral"  # HD/SD chosen: a setting, not an opinion


def test_shops_malls_and_branches_are_places_a_store_id_is_not(tmp_path: Path) -> None:
    header = ["customer_id", "shopping_mall", "Branch", "StoreName", "store", "store_id", "store_visits"]
    malls = ["Kanyon", "Zorlu Center", "Metrocity", "Forum Istanbul"]
    rows = [[f"C{100 + i}", malls[i % 4], ["North", "South", "East"][i % 3], ["Main St", "Harbour"][i % 2],
             1 + i % 5, 40 + i % 3, 3 * i] for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows))
    assert roles["shopping_mall"] == "geographic"
    assert roles["Branch"] == "geographic"
    assert roles["StoreName"] == "geographic"
    assert roles["store"] == "geographic"  # a store number read as a category (a code): which store
    assert roles["store_id"] == "other"  # an identifier of another party, as before
    assert roles["store_visits"] == "behavioral"


def test_a_price_in_a_table_of_purchases_is_revenue(tmp_path: Path) -> None:
    header = ["invoice_no", "customer_id", "category", "quantity", "price", "UnitPrice", "invoice_date"]
    rows = [[f"I{100001 + i}", f"C{142445 + 17 * i}", ["Clothing", "Shoes", "Books"][i % 3], 1 + i % 4,
             round(120.5 + 97.3 * i, 2), round(1.25 + 0.5 * i, 2), f"{10 + i}/01/2022"] for i in range(12)]
    roles = _imported(tmp_path, _csv(header, rows), "shopping.csv")
    assert roles["price"] == "revenue"  # what the customer paid
    assert roles["UnitPrice"] == "other"  # a product's price per unit describes the product
    # Outside a table of purchases, a bare price (of a plan held) stays behaviour.
    plans = _imported(tmp_path, _csv(["user_id", "plan_name", "price"],
                                     [[i + 1, ["Basic", "Pro"][i % 2], [9.99, 19.99][i % 2] + i * 7]
                                      for i in range(12)]), "plans.csv")
    assert plans["price"] == "behavioral"
