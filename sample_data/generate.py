"""Seeded generator of segdash's synthetic customer file (and a small transactions file).

Run it as a script::

    python sample_data/generate.py --rows 5000 --out sample_data/customers.csv \
        [--seed 0] [--transactions sample_data/transactions.csv] [--truth truth.csv]

or load it by path (``sample_data`` is not a package; see ``bench/common.py``) and call
:func:`generate_customers`, which also returns each customer's *true* segment.

Everything is vectorised numpy, drawn from one ``numpy.random.default_rng(seed)`` in a fixed
order: the same ``rows`` and ``seed`` always give a byte-identical file. The planted structure
(true segments, age-driven service channel, channel-specific acquisition cost) is described in
``sample_data/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

#: Snapshot date of the data: every date is on or before it; recency is counted from it.
AS_OF = np.datetime64("2026-06-30", "D")
SIGNUP_START = np.datetime64("2021-01-01", "D")
SIGNUP_END = np.datetime64("2025-12-31", "D")

COLUMNS = [
    "customer_id", "name", "email", "phone", "country", "region", "city", "gender", "age",
    "income", "occupation", "household", "marital_status", "signup_date", "last_purchase_date",
    "orders", "total_spend", "acquisition_channel", "acquisition_cost",
    "preferred_service_channel", "interests", "lifestyle", "values",
]
#: The numeric features on which k-means recovers the planted segments (``recency_days`` is
#: ``AS_OF - last_purchase_date`` in days; see :func:`planted_features`).
PLANTED_FEATURES = ["age", "income", "orders", "total_spend", "recency_days", "acquisition_cost"]

SEGMENTS = [
    "Young social bargain hunters",
    "Affluent loyal professionals",
    "Older phone loyalists",
    "Lapsed one-timers",
    "Families on a budget",
]
SEGMENT_SHARE = [0.24, 0.18, 0.20, 0.16, 0.22]

# Per segment: (mean, sd) of age and income; median orders (lognormal sigma); median order
# value (sigma); median recency in days (sigma).
AGE = [(23, 3.0), (45, 6.0), (69, 6.0), (36, 11.0), (42, 4.5)]
INCOME = [(26_000, 6_000), (120_000, 18_000), (42_000, 9_000), (48_000, 14_000), (70_000, 10_000)]
ORDERS = [(4, 0.30), (24, 0.25), (16, 0.30), (1, 0.0), (12, 0.25)]
ORDER_VALUE = [(20, 0.25), (110, 0.20), (55, 0.25), (45, 0.40), (52, 0.25)]
RECENCY = [(25, 0.6), (12, 0.6), (35, 0.6), (620, 0.25), (45, 0.6)]
#: Signup skew: signup = start + (latest - start) * u ** SIGNUP_POWER (< 1: recent signups).
SIGNUP_POWER = [0.4, 1.6, 1.8, 1.0, 1.0]

CHANNELS = ["Paid search", "Social", "Email", "Referral", "Organic", "Store", "Affiliate"]
#: Typical acquisition cost (CAC) per channel; each customer's cost is this times lognormal noise.
CHANNEL_CAC = [60.0, 35.0, 8.0, 20.0, 2.0, 15.0, 50.0]
#: Order value multiplier per channel (coupon and social shoppers buy cheaper baskets).
CHANNEL_ORDER_VALUE = [0.9, 0.8, 1.0, 1.15, 1.1, 1.05, 0.6]
CHANNEL_MIX = [
    [0.12, 0.55, 0.03, 0.08, 0.07, 0.02, 0.13],
    [0.13, 0.03, 0.15, 0.36, 0.28, 0.05, 0.00],
    [0.05, 0.02, 0.26, 0.15, 0.14, 0.38, 0.00],
    [0.38, 0.20, 0.05, 0.02, 0.05, 0.05, 0.25],
    [0.08, 0.07, 0.35, 0.15, 0.21, 0.12, 0.02],
]

SERVICE = ["Phone", "Email", "Live chat", "In store", "Social media", "Letter"]
#: Service-channel preference of a clearly old (weight 1) and a clearly young (weight 0) customer;
#: in between they mix with weight ``1 / (1 + exp(-(age - 50) / 8))``.
SERVICE_OLD = [0.40, 0.15, 0.03, 0.25, 0.02, 0.15]
SERVICE_YOUNG = [0.08, 0.20, 0.38, 0.08, 0.25, 0.01]

INTERESTS = ["Outdoors", "Tech", "Fashion", "Home & garden", "Travel", "Cooking", "Fitness", "Books"]
INTEREST_MIX = [
    [0.08, 0.25, 0.25, 0.02, 0.10, 0.05, 0.20, 0.05],
    [0.10, 0.18, 0.10, 0.08, 0.30, 0.12, 0.07, 0.05],
    [0.15, 0.03, 0.04, 0.30, 0.13, 0.15, 0.02, 0.18],
    [0.12, 0.14, 0.14, 0.12, 0.12, 0.12, 0.12, 0.12],
    [0.20, 0.08, 0.07, 0.20, 0.05, 0.20, 0.12, 0.08],
]
LIFESTYLES = ["Urban professional", "Family-focused", "Active retiree", "Student", "Homebody"]
LIFESTYLE_MIX = [
    [0.25, 0.03, 0.00, 0.55, 0.17],
    [0.65, 0.15, 0.05, 0.00, 0.15],
    [0.05, 0.05, 0.55, 0.00, 0.35],
    [0.25, 0.20, 0.10, 0.10, 0.35],
    [0.15, 0.70, 0.00, 0.00, 0.15],
]
VALUES = ["Price-conscious", "Quality-first", "Eco-minded", "Convenience", "Brand-loyal"]
VALUES_MIX = [
    [0.50, 0.05, 0.20, 0.20, 0.05],
    [0.05, 0.45, 0.15, 0.20, 0.15],
    [0.15, 0.20, 0.05, 0.10, 0.50],
    [0.45, 0.10, 0.10, 0.30, 0.05],
    [0.55, 0.10, 0.10, 0.20, 0.05],
]
OCCUPATIONS = [
    "Student", "Retail worker", "Nurse", "Teacher", "Engineer", "Manager", "Consultant",
    "Self-employed", "Administrator", "Tradesperson", "Retired",
]
OCCUPATION_MIX = [
    [0.50, 0.20, 0.05, 0.00, 0.05, 0.00, 0.00, 0.00, 0.10, 0.10, 0.00],
    [0.00, 0.00, 0.00, 0.05, 0.25, 0.30, 0.25, 0.15, 0.00, 0.00, 0.00],
    [0.00, 0.00, 0.00, 0.05, 0.00, 0.03, 0.00, 0.08, 0.04, 0.00, 0.80],
    [0.10, 0.15, 0.10, 0.10, 0.10, 0.05, 0.00, 0.10, 0.15, 0.15, 0.00],
    [0.00, 0.14, 0.18, 0.18, 0.07, 0.00, 0.00, 0.05, 0.18, 0.20, 0.00],
]
HOUSEHOLDS = ["Single", "Couple", "Family with kids", "Shared"]
HOUSEHOLD_MIX = [
    [0.35, 0.15, 0.05, 0.45],
    [0.25, 0.45, 0.28, 0.02],
    [0.35, 0.60, 0.04, 0.01],
    [0.35, 0.30, 0.25, 0.10],
    [0.02, 0.05, 0.93, 0.00],
]
MARITAL = ["Single", "Married", "Domestic partnership", "Divorced", "Widowed"]
#: Marital status given the household (rows follow HOUSEHOLDS). Single people over 60 are
#: widowed with probability 0.4.
MARITAL_BY_HOUSEHOLD = [
    [0.65, 0.00, 0.00, 0.35, 0.00],
    [0.00, 0.65, 0.35, 0.00, 0.00],
    [0.00, 0.75, 0.15, 0.10, 0.00],
    [0.95, 0.00, 0.00, 0.05, 0.00],
]
GENDERS = ["Female", "Male", "Non-binary"]
GENDER_P = [0.50, 0.48, 0.02]

#: country -> (share, calling code, {region: [cities]})
GEOGRAPHY: dict[str, tuple[float, str, dict[str, list[str]]]] = {
    "United States": (0.28, "+1", {
        "Northeast": ["New York", "Boston"], "West": ["Los Angeles", "Seattle"],
        "South": ["Houston", "Atlanta"], "Midwest": ["Chicago"],
    }),
    "United Kingdom": (0.18, "+44", {
        "England": ["London", "Manchester"], "Scotland": ["Glasgow", "Edinburgh"], "Wales": ["Cardiff"],
    }),
    "Germany": (0.14, "+49", {
        "Bavaria": ["Munich", "Nuremberg"], "Berlin": ["Berlin"],
        "North Rhine-Westphalia": ["Cologne", "Düsseldorf"],
    }),
    "France": (0.10, "+33", {
        "Île-de-France": ["Paris"], "Auvergne-Rhône-Alpes": ["Lyon", "Grenoble"],
        "Provence-Alpes-Côte d'Azur": ["Marseille", "Nice"],
    }),
    "Spain": (0.08, "+34", {
        "Madrid": ["Madrid"], "Catalonia": ["Barcelona", "Girona"], "Andalusia": ["Seville", "Málaga"],
    }),
    "Netherlands": (0.06, "+31", {
        "North Holland": ["Amsterdam", "Haarlem"], "South Holland": ["Rotterdam", "The Hague"],
        "Utrecht": ["Utrecht"],
    }),
    "Canada": (0.08, "+1", {
        "Ontario": ["Toronto", "Ottawa"], "Quebec": ["Montreal", "Quebec City"],
        "British Columbia": ["Vancouver"],
    }),
    "Australia": (0.08, "+61", {
        "New South Wales": ["Sydney", "Newcastle"], "Victoria": ["Melbourne"], "Queensland": ["Brisbane"],
    }),
}

FIRST_NAMES = [
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophie", "James",
    "Chloé", "Mateo", "Hannah", "Jonas", "Lena", "Leon", "Amélie", "Hugo", "Lucía", "Daniel",
    "Grace", "Oliver", "Zoë", "Sam", "Aisha", "Ravi", "Mei", "Kenji", "Fatima", "Omar",
]
LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Williams", "Jones", "Miller", "Davis", "García", "Martínez",
    "Müller", "Schmidt", "Schneider", "Dubois", "Martin", "Bernard", "de Vries", "Jansen",
    "van den Berg", "Taylor", "Wilson", "O'Brien", "MacDonald", "Thompson", "Nguyen", "Patel",
    "Kim", "Rossi", "Fernández", "Novak", "Andersson",
]

PRODUCTS = [
    ("Trail backpack 30L", 64.90), ("Wireless earbuds", 49.00), ("Denim jacket", 79.50),
    ("Herb planter set", 24.95), ("Travel adapter", 14.99), ("Cast-iron skillet", 39.00),
    ("Yoga mat", 22.50), ("Paperback novel", 11.99), ("Phone case", 12.00),
    ("Scented candle", 9.50), ("Running socks (3 pack)", 15.00), ("Coffee beans 1kg", 18.40),
    ("Desk lamp", 34.99), ("Kids' rain boots", 27.00), ("Garden gloves", 8.75),
    ("Water bottle", 16.00),
]


def _ascii(text: str) -> str:
    """Lower-case ASCII form of a name for e-mail addresses (``Chloé`` -> ``chloe``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row, row ``i`` from the distribution ``probs[i]``."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _by_segment(rng: np.random.Generator, segment: np.ndarray, table: list[list[float]]) -> np.ndarray:
    """Draw a category per row from the row of ``table`` that belongs to the row's segment."""
    return _choice_rows(rng, np.asarray(table, dtype=float)[segment])


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=labels)


def generate_customers(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Generate ``rows`` synthetic customers with planted segments.

    Parameters
    ----------
    rows
        Number of customers (>= 1).
    seed
        Seed of the random generator; the same ``rows`` and ``seed`` give the same data.

    Returns
    -------
    tuple[pandas.DataFrame, numpy.ndarray]
        The customers, with the columns of :data:`COLUMNS` (``age`` and ``income`` are nullable
        ``Int64`` with a few missing values; dates are ``datetime64``), and each customer's true
        segment as an index into :data:`SEGMENTS`.

    Raises
    ------
    ValueError
        If ``rows`` < 1.
    """
    if rows < 1:
        raise ValueError(f"rows={rows} should be >= 1")
    rng = np.random.default_rng(seed)
    n = rows
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARE)

    def normal(params: list[tuple[float, float]]) -> np.ndarray:
        p = np.asarray(params, dtype=float)[segment]
        return rng.normal(p[:, 0], p[:, 1])

    def lognormal(params: list[tuple[float, float]]) -> np.ndarray:
        p = np.asarray(params, dtype=float)[segment]
        return p[:, 0] * np.exp(rng.normal(0.0, 1.0, n) * p[:, 1])

    age = np.clip(np.rint(normal(AGE)), 18, 90).astype(np.int64)
    income = np.maximum(np.rint(normal(INCOME) / 100) * 100, 6_000)
    orders = np.maximum(np.rint(lognormal(ORDERS)), 1).astype(np.int64)
    lapsed = segment == SEGMENTS.index("Lapsed one-timers")
    orders[lapsed] = 1 + (rng.random(lapsed.sum()) < 0.3)
    # Acquisition: channel mix by segment; cost by channel; the channel also shifts order value.
    channel = _by_segment(rng, segment, CHANNEL_MIX)
    cac = np.round(np.asarray(CHANNEL_CAC)[channel] * np.exp(rng.normal(0.0, 0.3, n)), 2)
    order_value = lognormal(ORDER_VALUE) * np.asarray(CHANNEL_ORDER_VALUE)[channel]
    total_spend = np.round(orders * order_value, 2)
    recency = np.clip(np.rint(lognormal(RECENCY)), 1, None).astype(np.int64)

    # Dates: last purchase from recency; signup in 2021-2025 and on or before the last purchase.
    last = AS_OF - recency.astype("timedelta64[D]")
    last = np.maximum(last, SIGNUP_START + np.timedelta64(20, "D"))
    latest_signup = np.minimum(last - (orders * 3).astype("timedelta64[D]"), SIGNUP_END)
    latest_signup = np.maximum(latest_signup, SIGNUP_START)
    span = (latest_signup - SIGNUP_START).astype(np.int64)
    power = np.asarray(SIGNUP_POWER)[segment]
    signup = SIGNUP_START + np.floor(span * rng.random(n) ** power).astype("timedelta64[D]")
    one_order = orders == 1
    gap = rng.integers(0, 21, n).astype("timedelta64[D]")
    signup = np.where(one_order, np.maximum(last - gap, SIGNUP_START), signup)
    signup = np.minimum(signup, last)

    # Service channel: a blend of the "old" and "young" preference, weighted by age.
    w_old = 1.0 / (1.0 + np.exp(-(age - 50) / 8.0))
    service_p = w_old[:, None] * np.asarray(SERVICE_OLD) + (1 - w_old[:, None]) * np.asarray(SERVICE_YOUNG)
    service = _choice_rows(rng, service_p)

    # Psychographics and demographics driven by the segment.
    lifestyle = _by_segment(rng, segment, LIFESTYLE_MIX)
    values = _by_segment(rng, segment, VALUES_MIX)
    occupation = _by_segment(rng, segment, OCCUPATION_MIX)
    occupation[(occupation == OCCUPATIONS.index("Student")) & (age > 30)] = OCCUPATIONS.index("Retail worker")
    occupation[(occupation == OCCUPATIONS.index("Retired")) & (age < 55)] = OCCUPATIONS.index("Self-employed")
    occupation[lapsed & (age >= 67)] = OCCUPATIONS.index("Retired")
    household = _by_segment(rng, segment, HOUSEHOLD_MIX)
    marital = _choice_rows(rng, np.asarray(MARITAL_BY_HOUSEHOLD)[household])
    widowed = (marital == MARITAL.index("Single")) & (age > 60) & (rng.random(n) < 0.4)
    marital[widowed] = MARITAL.index("Widowed")
    gender = rng.choice(len(GENDERS), size=n, p=GENDER_P)

    # Interests: one or two, weighted by segment, without repeats (Gumbel top-2).
    keys = np.log(np.asarray(INTEREST_MIX)[segment] + 1e-12) + rng.gumbel(size=(n, len(INTERESTS)))
    top2 = np.argsort(-keys, axis=1)[:, :2]
    two = rng.random(n) < 0.5
    interest_labels = np.array(INTERESTS + [f"{a}, {b}" for a in INTERESTS for b in INTERESTS], dtype=object)
    interest_code = np.where(two, len(INTERESTS) + top2[:, 0] * len(INTERESTS) + top2[:, 1], top2[:, 0])

    # Geography: country, then a region of it, then a city of that region.
    countries = list(GEOGRAPHY)
    country = rng.choice(len(countries), size=n, p=[GEOGRAPHY[c][0] for c in countries])
    regions = [(c, r) for c in countries for r in GEOGRAPHY[c][2]]
    cities = [(c, r, city) for c in countries for r in GEOGRAPHY[c][2] for city in GEOGRAPHY[c][2][r]]
    region_first = np.array([next(i for i, (c2, _) in enumerate(regions) if c2 == c) for c in countries])
    region_count = np.array([len(GEOGRAPHY[c][2]) for c in countries])
    region = region_first[country] + np.floor(rng.random(n) * region_count[country]).astype(np.int64)
    city_first = np.array([next(i for i, (c2, r2, _) in enumerate(cities) if (c2, r2) == cr) for cr in regions])
    city_count = np.array([len(GEOGRAPHY[c][2][r]) for c, r in regions])
    city = city_first[region] + np.floor(rng.random(n) * city_count[region]).astype(np.int64)

    # Personal data: names from small lists, e-mails at example.com, phones by country.
    first = rng.integers(0, len(FIRST_NAMES), n)
    last_name = rng.integers(0, len(LAST_NAMES), n)
    first_arr = np.array(FIRST_NAMES, dtype=object)
    last_arr = np.array(LAST_NAMES, dtype=object)
    name = first_arr[first] + " " + last_arr[last_name]
    ids = np.arange(1, n + 1)
    width = max(6, len(str(n)))
    id_str = pd.Series(ids).astype(str).str.zfill(width)
    email = (
        np.array([_ascii(s) for s in FIRST_NAMES], dtype=object)[first] + "."
        + np.array([_ascii(s) for s in LAST_NAMES], dtype=object)[last_name]
        + id_str.str.lstrip("0").to_numpy(dtype=object) + "@example.com"
    )
    digits = rng.integers(0, 10**9, n)
    codes = np.array([GEOGRAPHY[c][1] for c in countries], dtype=object)[country]
    d = pd.Series(digits).astype(str).str.zfill(9)
    phone = codes + " " + ("5" + d.str[:2]).to_numpy(dtype=object) + " " + d.str[2:5].to_numpy(dtype=object) \
        + " " + d.str[5:].to_numpy(dtype=object)

    # A little realism: about 2% missing income, a few missing ages.
    age_col = pd.array(age, dtype="Int64")
    age_col[rng.random(n) < 0.004] = pd.NA
    income_col = pd.array(income.astype(np.int64), dtype="Int64")
    income_col[rng.random(n) < 0.02] = pd.NA

    df = pd.DataFrame({
        "customer_id": ("C" + id_str).to_numpy(dtype=object),
        "name": name,
        "email": email,
        "phone": phone,
        "country": _categorical(country, countries),
        "region": _categorical(region, [r for _, r in regions]),
        "city": _categorical(city, [ci for _, _, ci in cities]),
        "gender": _categorical(gender, GENDERS),
        "age": age_col,
        "income": income_col,
        "occupation": _categorical(occupation, OCCUPATIONS),
        "household": _categorical(household, HOUSEHOLDS),
        "marital_status": _categorical(marital, MARITAL),
        "signup_date": signup.astype("datetime64[s]"),
        "last_purchase_date": last.astype("datetime64[s]"),
        "orders": orders,
        "total_spend": total_spend,
        "acquisition_channel": _categorical(channel, CHANNELS),
        "acquisition_cost": cac,
        "preferred_service_channel": _categorical(service, SERVICE),
        "interests": interest_labels[interest_code],
        "lifestyle": _categorical(lifestyle, LIFESTYLES),
        "values": _categorical(values, VALUES),
    })
    return df, segment.astype(np.int64)


def planted_features(df: pd.DataFrame, *, as_of: np.datetime64 = AS_OF) -> pd.DataFrame:
    """Return the numeric features of :data:`PLANTED_FEATURES` (recency computed from ``as_of``).

    Parameters
    ----------
    df
        Customers as returned by :func:`generate_customers` or read back from the CSV.
    as_of
        Date from which ``recency_days`` is counted.

    Returns
    -------
    pandas.DataFrame
        Float columns ``age, income, orders, total_spend, recency_days, acquisition_cost``
        (missing values stay missing).
    """
    last = pd.to_datetime(df["last_purchase_date"])
    out = pd.DataFrame({
        "age": pd.to_numeric(df["age"]).astype(float),
        "income": pd.to_numeric(df["income"]).astype(float),
        "orders": pd.to_numeric(df["orders"]).astype(float),
        "total_spend": pd.to_numeric(df["total_spend"]).astype(float),
        "recency_days": (pd.Timestamp(as_of) - last).dt.days.astype(float),
        "acquisition_cost": pd.to_numeric(df["acquisition_cost"]).astype(float),
    })
    return out


def write_customers(df: pd.DataFrame, path: str | Path) -> Path:
    """Write customers as UTF-8 CSV (comma, ``\\n`` line ends, ISO dates, money with 2 decimals).

    Parameters
    ----------
    df
        Customers from :func:`generate_customers`.
    path
        Output file; parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.2f", date_format="%Y-%m-%d", lineterminator="\n")
    return path


def generate_transactions(customers: pd.DataFrame, *, n_customers: int = 600, seed: int = 0) -> pd.DataFrame:
    """Generate order lines for a subset of ``customers`` (RFM from transactions).

    Each chosen customer gets ``min(orders, 6)`` invoices between signup and last purchase (the
    last one on the last purchase date) of 1-3 lines. About 2% of invoices are cancelled (an extra
    invoice ``C<number>`` with negative quantities) and about 1% of lines have no customer id.

    Parameters
    ----------
    customers
        Output of :func:`generate_customers`.
    n_customers
        How many customers (the first ones by a seeded shuffle) get transactions.
    seed
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``invoice_no, customer_id, invoice_date, product, quantity, unit_price``.
    """
    rng = np.random.default_rng(seed + 1)
    pick = np.sort(rng.permutation(len(customers))[: min(n_customers, len(customers))])
    sub = customers.iloc[pick]
    n_inv = np.minimum(sub["orders"].to_numpy(), 6)
    cust = np.repeat(np.arange(len(sub)), n_inv)
    first_day = sub["signup_date"].to_numpy().astype("datetime64[D]")[cust]
    last_day = sub["last_purchase_date"].to_numpy().astype("datetime64[D]")[cust]
    # Invoice k of a customer: the last one on the last purchase date, others spread before it.
    starts = np.cumsum(n_inv) - n_inv
    k = np.arange(len(cust)) - starts[cust]
    is_last = k == n_inv[cust] - 1
    span = (last_day - first_day).astype(np.int64)
    day = first_day + np.floor(rng.random(len(cust)) * span).astype("timedelta64[D]")
    day = np.where(is_last, last_day, day)
    seconds = rng.integers(8 * 3600, 22 * 3600, len(cust)).astype("timedelta64[s]")
    when = day.astype("datetime64[s]") + seconds
    order = np.lexsort((cust, when))
    cust, when = cust[order], when[order]
    invoice = 500_000 + np.arange(len(cust))

    lines = rng.choice([1, 2, 3], size=len(cust), p=[0.5, 0.3, 0.2])
    line_inv = np.repeat(np.arange(len(cust)), lines)
    product = rng.integers(0, len(PRODUCTS), len(line_inv))
    quantity = rng.choice([1, 1, 1, 2, 2, 3, 4, 6], size=len(line_inv))
    prices = np.array([p for _, p in PRODUCTS])
    names = np.array([p for p, _ in PRODUCTS], dtype=object)
    cid = sub["customer_id"].to_numpy(dtype=object)[cust][line_inv]
    inv_no = invoice.astype(str).astype(object)[line_inv]
    date = when[line_inv]

    # Cancellations: copy the lines of ~2% of invoices with "C" numbers and negative quantities.
    cancelled = rng.random(len(cust)) < 0.02
    c_lines = cancelled[line_inv]
    c_date = date[c_lines] + rng.integers(3600, 5 * 86400, c_lines.sum()).astype("timedelta64[s]")
    c_date = np.minimum(c_date, AS_OF.astype("datetime64[s]") + np.timedelta64(23 * 3600, "s"))
    out = pd.DataFrame({
        "invoice_no": np.concatenate([inv_no, "C" + inv_no[c_lines]]),
        "customer_id": np.concatenate([cid, cid[c_lines]]),
        "invoice_date": np.concatenate([date, c_date]),
        "product": np.concatenate([names[product], names[product][c_lines]]),
        "quantity": np.concatenate([quantity, -quantity[c_lines]]),
        "unit_price": np.concatenate([prices[product], prices[product][c_lines]]),
    })
    out = out.iloc[np.argsort(out["invoice_date"].to_numpy(), kind="stable")].reset_index(drop=True)
    no_id = rng.random(len(out)) < 0.01
    out.loc[no_id, "customer_id"] = None
    return out


def write_transactions(df: pd.DataFrame, path: str | Path) -> Path:
    """Write order lines as CSV (ISO date-times ``yyyy-mm-dd hh:mm:ss``, prices with 2 decimals).

    Parameters
    ----------
    df
        Order lines from :func:`generate_transactions`.
    path
        Output file; parent folders are created.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.2f", date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: write customers (and optionally transactions and the true segments).

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit code: 0 on success, 2 when ``--rows`` is below 1.
    """
    parser = argparse.ArgumentParser(description="Write segdash's seeded synthetic customer file.")
    parser.add_argument("--rows", type=int, default=5000, help="number of customers (default 5000)")
    parser.add_argument("--out", required=True, help="customers CSV to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--transactions", help="also write order lines for a few customers here")
    parser.add_argument("--transaction-customers", type=int, default=600,
                        help="customers that get transactions (default 600)")
    parser.add_argument("--truth", help="also write customer_id,segment (the planted true segment) here")
    args = parser.parse_args(argv)
    if args.rows < 1:
        print("--rows must be at least 1.", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    df, truth = generate_customers(args.rows, args.seed)
    t1 = time.perf_counter()
    write_customers(df, args.out)
    t2 = time.perf_counter()
    print(f"wrote {args.rows:,} customers to {args.out} (generate {t1 - t0:.1f}s, write {t2 - t1:.1f}s)")
    if args.truth:
        Path(args.truth).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"customer_id": df["customer_id"], "segment": np.array(SEGMENTS)[truth]}).to_csv(
            args.truth, index=False, lineterminator="\n")
        print(f"wrote true segments to {args.truth}")
    if args.transactions:
        tx = generate_transactions(df, n_customers=args.transaction_customers, seed=args.seed)
        write_transactions(tx, args.transactions)
        print(f"wrote {len(tx):,} order lines to {args.transactions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
