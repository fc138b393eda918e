"""The notebook way of choosing k, as a whole process: pandas reads the CSV, KMeans on all rows for k = 2..10.

Usage::

    .venv/bin/python bench/notebook_kmeans.py bench/data/customers_1000000.csv [--k 2-10]

What a data scientist would type in a notebook: ``pandas.read_csv`` of the file, days since the
last purchase, a scikit-learn ``ColumnTransformer`` (median fill and standard scaling for numbers,
one-hot for categories; float64, pandas' default), then ``KMeans(n_clusters=k, random_state=0)``
on every row for each k and
``silhouette_score`` on a 10,000-row sample; the k with the best silhouette wins. The features are
the 10 mixed columns of ``bench/segment_bench.py``. It prints the chosen k and the seconds spent.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMBERS = ["age", "income", "orders", "total_spend", "acquisition_cost"]
DATES = ["last_purchase_date"]
TEXTS = ["gender", "acquisition_channel", "preferred_service_channel", "lifestyle"]


def main() -> None:
    """Read, preprocess, fit every k, print the best."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--k", default="2-10")
    args = parser.parse_args()
    low, _, high = args.k.partition("-")
    start = time.perf_counter()
    frame = pd.read_csv(args.path)
    frame["last_purchase_date"] = pd.to_datetime(frame["last_purchase_date"])
    frame["recency_days"] = (frame["last_purchase_date"].max() - frame["last_purchase_date"]).dt.days
    prep = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMBERS + ["recency_days"]),
        ("categories", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                     OneHotEncoder(handle_unknown="ignore", sparse_output=False)), TEXTS),
    ])
    matrix = prep.fit_transform(frame)
    silhouettes = {}
    for k in range(int(low), int(high or low) + 1):
        labels = KMeans(n_clusters=k, random_state=0).fit_predict(matrix)
        silhouettes[k] = silhouette_score(matrix, labels, sample_size=10_000, random_state=0)
    best = max(silhouettes, key=silhouettes.get)
    print(f"k = {best} (silhouette {silhouettes[best]:.3f}); {time.perf_counter() - start:.1f} s after imports")


if __name__ == "__main__":
    main()
