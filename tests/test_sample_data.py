"""The bundled synthetic sample data and its generator: format, determinism, planted structure."""

from __future__ import annotations

import csv
import hashlib
import importlib
import operator
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "customers.csv"
TRANSACTIONS = REPO / "sample_data" / "transactions.csv"
SCRIPT = REPO / "sample_data" / "generate.py"

sys.path.insert(0, str(REPO / "bench"))
common = importlib.import_module("common")
gen = common.load_generator()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, keep_default_na=False, na_values=[""], dtype=str)


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, np.ndarray]:
    return gen.generate_customers(4000, seed=7)


# --- determinism and the committed files ---------------------------------------------------

def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in [("a.csv", 3), ("b.csv", 3), ("c.csv", 4)]:
        df, _ = gen.generate_customers(2000, seed)
        gen.write_customers(df, tmp_path / name)
    assert _sha(tmp_path / "a.csv") == _sha(tmp_path / "b.csv")
    assert _sha(tmp_path / "a.csv") != _sha(tmp_path / "c.csv")
    _, t1 = gen.generate_customers(2000, 3)
    _, t2 = gen.generate_customers(2000, 3)
    assert np.array_equal(t1, t2)


def test_committed_files_equal_what_the_script_writes(tmp_path: Path) -> None:
    out, tx = tmp_path / "customers.csv", tmp_path / "transactions.csv"
    assert gen.main(["--rows", "5000", "--seed", "0", "--out", str(out), "--transactions", str(tx)]) == 0
    assert _sha(out) == _sha(SAMPLE), "sample_data/customers.csv is stale: regenerate it (see its README)"
    assert _sha(tx) == _sha(TRANSACTIONS), "sample_data/transactions.csv is stale: regenerate it"
    assert SAMPLE.stat().st_size < 2_000_000


def test_script_runs_from_the_command_line_and_writes_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "c.csv", tmp_path / "truth.csv"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "300", "--out", str(out), "--seed", "5", "--truth", str(truth)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    customers = pd.read_csv(out)
    labels = pd.read_csv(truth)
    assert len(customers) == 300
    assert list(labels.columns) == ["customer_id", "segment"]
    assert labels["customer_id"].tolist() == customers["customer_id"].tolist()
    _, expected = gen.generate_customers(300, 5)
    assert labels["segment"].tolist() == [gen.SEGMENTS[i] for i in expected]


def test_script_rejects_zero_rows(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--rows", "0", "--out", str(tmp_path / "x.csv")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_ids_are_zero_padded_and_sequential() -> None:
    df, _ = gen.generate_customers(3, 0)
    assert df["customer_id"].tolist() == ["C000001", "C000002", "C000003"]


# --- format of the committed sample ---------------------------------------------------------

def test_header_and_every_line_well_formed() -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == gen.COLUMNS
    assert rows[0][:4] == ["customer_id", "name", "email", "phone"]
    assert len(rows) == 5001
    assert {len(r) for r in rows} == {23}
    assert b"\r" not in SAMPLE.read_bytes()


def test_values_parse_and_are_plausible(sample: pd.DataFrame) -> None:
    assert sample["customer_id"].str.fullmatch(r"C\d{6}").all()
    assert sample["customer_id"].is_unique
    assert sample["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com").all()
    assert sample["phone"].str.fullmatch(r"\+\d{1,2} \d{3} \d{3} \d{4}").all()

    signup = pd.to_datetime(sample["signup_date"], format="%Y-%m-%d")
    last = pd.to_datetime(sample["last_purchase_date"], format="%Y-%m-%d")
    assert signup.min() >= pd.Timestamp("2021-01-01") and signup.max() <= pd.Timestamp("2025-12-31")
    assert last.max() <= pd.Timestamp("2026-06-30")
    assert (last >= signup).all()

    orders = pd.to_numeric(sample["orders"])
    assert orders.dtype.kind == "i" and orders.min() >= 1
    for col in ["total_spend", "acquisition_cost"]:
        assert sample[col].str.fullmatch(r"\d+\.\d{2}").all(), col
        assert (pd.to_numeric(sample[col]) >= 0).all()

    age = pd.to_numeric(sample["age"])
    income = pd.to_numeric(sample["income"])
    assert age.dropna().between(18, 90).all()
    assert 0 < age.isna().sum() <= 50  # a few blanks
    assert 0.01 <= income.isna().mean() <= 0.03  # ~2% blanks
    assert (income.dropna() % 100 == 0).all()
    # Only age and income have blanks.
    assert sample.drop(columns=["age", "income"]).notna().all().all()


def test_categories_come_from_the_documented_lists(sample: pd.DataFrame) -> None:
    assert set(sample["acquisition_channel"]) == set(gen.CHANNELS)
    assert set(sample["preferred_service_channel"]) == set(gen.SERVICE)
    assert set(sample["lifestyle"]) == set(gen.LIFESTYLES)
    assert set(sample["values"]) == set(gen.VALUES)
    assert set(sample["gender"]) == set(gen.GENDERS)
    assert set(sample["household"]) == set(gen.HOUSEHOLDS)
    assert set(sample["country"]) == set(gen.GEOGRAPHY)
    interests = sample["interests"].str.split(", ")
    assert interests.map(len).isin([1, 2]).all()
    assert interests.map(lambda xs: len(set(xs)) == len(xs) and set(xs) <= set(gen.INTERESTS)).all()
    assert (interests.map(len) == 2).mean() > 0.3


def test_geography_is_a_consistent_hierarchy(sample: pd.DataFrame) -> None:
    assert sample.groupby("city")["region"].nunique().max() == 1
    assert sample.groupby("region")["country"].nunique().max() == 1
    assert sample["country"].nunique() == 8
    for city, region, country in sample[["city", "region", "country"]].drop_duplicates().itertuples(index=False):
        assert city in gen.GEOGRAPHY[country][2][region]


def test_marital_status_fits_household(sample: pd.DataFrame) -> None:
    pairs = set(sample[["household", "marital_status"]].itertuples(index=False, name=None))
    assert ("Couple", "Single") not in pairs
    assert ("Family with kids", "Widowed") not in pairs
    widowed_age = pd.to_numeric(sample.loc[sample["marital_status"] == "Widowed", "age"])
    assert widowed_age.dropna().min() > 60


# --- planted structure ----------------------------------------------------------------------

def test_kmeans_recovers_the_planted_segments(generated: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, truth = generated
    features = gen.planted_features(df)
    assert list(features.columns) == gen.PLANTED_FEATURES
    ok = features.notna().all(axis=1).to_numpy()
    scaled = StandardScaler().fit_transform(features[ok])
    labels = KMeans(n_clusters=len(gen.SEGMENTS), n_init=10, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(truth[ok], labels) >= 0.9
    assert set(np.unique(truth)) == set(range(len(gen.SEGMENTS)))


def test_planted_features_from_the_csv_match_the_generator(sample: pd.DataFrame) -> None:
    df, _ = gen.generate_customers(5000, 0)
    from_csv = gen.planted_features(sample)
    direct = gen.planted_features(df)
    pd.testing.assert_frame_equal(from_csv, direct, check_exact=False, atol=0.006)


def test_older_customers_prefer_phone_and_letter(sample: pd.DataFrame) -> None:
    age = pd.to_numeric(sample["age"])
    channel = sample["preferred_service_channel"]
    old, young = age >= 60, age < 30
    traditional = channel.isin(["Phone", "Letter"])
    digital = channel.isin(["Live chat", "Social media"])
    assert traditional[old].mean() > 2 * traditional[young].mean()
    assert digital[young].mean() > 2 * digital[old].mean()


def test_cac_and_payback_differ_by_channel(sample: pd.DataFrame) -> None:
    df = sample.assign(cost=pd.to_numeric(sample["acquisition_cost"]),
                       spend=pd.to_numeric(sample["total_spend"]))
    by = df.groupby("acquisition_channel").agg(cac=("cost", "mean"), spend=("spend", "mean"))
    cac = by["cac"]
    assert cac["Paid search"] > cac["Social"] > cac["Referral"] > cac["Email"] > cac["Organic"]
    assert 50 < cac["Paid search"] < 75 and cac["Organic"] < 5
    payback = by["spend"] * 0.4 / cac  # gross profit at a 40% margin per unit of CAC
    assert payback["Affiliate"] < 1 < payback["Social"]
    assert payback["Organic"] > 10


def test_segments_drive_spend_and_recency(generated: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, truth = generated
    seg = pd.Series(np.asarray(gen.SEGMENTS)[truth], index=df.index)
    means = gen.planted_features(df).groupby(seg).mean()
    assert means["total_spend"].idxmax() == "Affluent loyal professionals"
    assert means["recency_days"].idxmax() == "Lapsed one-timers"
    assert means["age"].idxmax() == "Older phone loyalists"
    assert means["age"].idxmin() == "Young social bargain hunters"
    lapsed_orders = df.loc[seg == "Lapsed one-timers", "orders"]
    assert lapsed_orders.isin([1, 2]).all()


# --- transactions ---------------------------------------------------------------------------

def test_transactions_file(sample: pd.DataFrame) -> None:
    tx = pd.read_csv(TRANSACTIONS, dtype={"invoice_no": str, "customer_id": str})
    assert list(tx.columns) == ["invoice_no", "customer_id", "invoice_date", "product", "quantity", "unit_price"]
    assert 4000 <= len(tx) <= 6500
    when = pd.to_datetime(tx["invoice_date"], format="%Y-%m-%d %H:%M:%S")
    assert when.is_monotonic_increasing
    cancel = tx["invoice_no"].str.startswith("C")
    assert cancel.sum() > 10
    assert (tx.loc[cancel, "quantity"] < 0).all() and (tx.loc[~cancel, "quantity"] > 0).all()
    assert tx.loc[cancel, "invoice_no"].str[1:].isin(tx.loc[~cancel, "invoice_no"]).all()
    assert 0 < tx["customer_id"].isna().sum() < 0.03 * len(tx)
    ids = tx["customer_id"].dropna()
    assert ids.isin(sample["customer_id"]).all()
    assert 550 <= ids.nunique() <= 600
    # Each customer's last (non-cancelled) invoice falls on their last purchase date.
    last_tx = when[~cancel].dt.strftime("%Y-%m-%d").groupby(tx.loc[~cancel, "customer_id"]).max()
    last = sample.set_index("customer_id")["last_purchase_date"]
    assert (last_tx <= last[last_tx.index]).all()
    assert (last_tx == last[last_tx.index]).mean() > 0.95  # blank ids hide a few last invoices
    assert re.fullmatch(r"\d+\.\d{2}", TRANSACTIONS.read_text().splitlines()[1].split(",")[-1])


# --- bench helpers --------------------------------------------------------------------------

def test_ensure_customers_csv_writes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "DATA_DIR", tmp_path)
    path = common.ensure_customers_csv(200, seed=2)
    assert path == tmp_path / "customers_200_s2.csv"
    first = path.stat().st_mtime_ns
    assert common.ensure_customers_csv(200, seed=2).stat().st_mtime_ns == first
    df, truth = common.generate_customers(200, 2)
    assert len(pd.read_csv(path)) == 200 == len(truth)
    assert pd.read_csv(path)["customer_id"].tolist() == df["customer_id"].tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["customers_200_s2.csv"]


def test_run_in_subprocess_measures_its_own_process() -> None:
    result = common.run_in_subprocess(operator.add, 2, 3)
    assert result.value == 5
    assert 1 < result.peak_rss_mb < 1000 and result.seconds >= 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        common.run_in_subprocess(operator.truediv, 1, 0)
    assert common.peak_rss_mb() > 1
