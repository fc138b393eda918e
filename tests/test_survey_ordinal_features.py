"""Survey exports loaded as a customer file: ordered answers are ordinal features, long headers get short labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from segdash import profile as prof
from segdash.segment import default_cluster_features
from segdash.segment.features import pull_features
from segdash.workspace import Workspace

QUESTION = "On a scale of 1 to 5, how satisfied are you with your overall shopping experience on our website?"


def test_band_and_frequency_answers_become_ordered_numbers(tmp_path: Path):
    path = tmp_path / "answers.csv"
    pd.DataFrame({
        "income": ["More than 100,000", "Less than 25,000", "25,000 to 100,000", None, "Prefer not to say"],
        "How often do you buy?": ["Often", "Never", "Rarely", "Often", "Rarely"],
        "channel": ["Email", "Phone", "Chat", "Email", "Phone"],
    }).to_csv(path, index=False)
    ws = Workspace()
    ws.load(path)
    data = pull_features(ws.data, features=["income", "How often do you buy?", "channel"], types=ws.column_types())
    assert data.kinds == {"income": "numeric", "How often do you buy?": "numeric", "channel": "categorical"}
    np.testing.assert_array_equal(data.matrix[:, 0], np.array([3, 1, 2, np.nan, np.nan], dtype=np.float32))
    np.testing.assert_array_equal(data.matrix[:, 1], np.array([3, 1, 2, 3, 2], dtype=np.float32))
    assert any(n.startswith("income: ordered answers used as places 1-3 (Less than 25,000 <") for n in data.notes)


def test_question_length_headers_get_short_labels_and_names():
    label = prof.humanize(QUESTION)
    assert len(label) <= 40 and label.startswith("Satisfied with overall shopping")
    words = prof._name_words(QUESTION)
    assert len(words) <= 30 and words.startswith("satisfied with")
    assert prof.humanize("total_spend") == "Total spend"  # short headers as before


def test_one_rating_alone_is_never_the_default_clustering():
    roles = {"Timestamp": "other", "Shopping_Satisfaction": "behavioral", "age": "other", "Rating": "other"}
    types = {"Timestamp": "text", "Shopping_Satisfaction": "number", "age": "number", "Rating": "number"}
    assert default_cluster_features(roles, types) == ["Shopping_Satisfaction", "age", "Rating"]
