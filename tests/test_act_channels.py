"""Service-channel mix: shares, Wilson intervals, preferred channel, chi-square, label merging, sources."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from segdash import db
from segdash.act import channels as ch
from segdash.data import Data
from tests.act_helpers import tiny_con


def test_wilson_interval_hand_worked_and_statsmodels() -> None:
    # 30 of 100: centre (0.3 + z²/200) / (1 + z²/100), half-width z·sqrt(0.0021 + z²/40000) / (1 + z²/100)
    low, high = ch.wilson_interval(30, 100)
    assert low == pytest.approx(0.21895, abs=1e-4)
    assert high == pytest.approx(0.39586, abs=1e-4)
    for k, n in [(0, 10), (10, 10), (3, 7), (452, 1266)]:
        expected = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert ch.wilson_interval(k, n) == pytest.approx(expected, abs=1e-9)
    assert all(math.isnan(v) for v in ch.wilson_interval(0, 0))


def _plain(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


def _counts(rows: list[tuple[str, str | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["segment", "channel", "customers"])


def test_shares_lift_and_preference_from_counts() -> None:
    counts = _counts([("A", "Phone", 20), ("A", "Email", 10), ("A", None, 5),
                      ("B", "Live chat", 25), ("B", "Phone", 5)])
    mix = ch.mix_from_counts(counts)
    a_phone = mix.shares.set_index(["segment", "channel"]).loc[("A", "Phone")]
    assert a_phone["known"] == 30  # the 5 unknown are left out
    assert a_phone["share"] == pytest.approx(20 / 30)
    assert a_phone["overall_share"] == pytest.approx(25 / 60)
    assert a_phone["lift"] == pytest.approx((20 / 30) / (25 / 60))
    assert (a_phone["low"], a_phone["high"]) == pytest.approx(proportion_confint(20, 30, method="wilson"))
    assert mix.sizes == {"A": 35, "B": 30}
    # A: 20 vs 10 among 30 known -> one-sided binomial P(X >= 20 | 30, 1/2) = 0.0494 < 0.05
    assert mix.preferences["A"].p_value == pytest.approx(stats.binomtest(20, 30, 0.5, alternative="greater").pvalue)
    assert mix.preferences["A"].p_value == pytest.approx(0.0494, abs=1e-4)
    assert mix.preferences["A"].channel == "Phone" and mix.preferences["A"].backup == "Email"
    assert mix.preferences["B"].channel == "Live chat"
    assert mix.notes == ["5 customers have no known service channel and are left out of the shares."]
    # chi-square on the 2 x 3 table of known channels, checked against scipy
    table = np.array([[10, 0, 20], [0, 25, 5]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert mix.test["statistic"] == pytest.approx(chi2)
    assert mix.test["p_value"] == pytest.approx(p)
    assert mix.test["effect"] == pytest.approx(stats.contingency.association(table, method="cramer"))


def test_fewer_than_30_known_is_no_clear_preference() -> None:
    pref = ch.preferred_channel({"Phone": 20, "Email": 5})
    assert pref.channel is None and pref.top == "Phone" and pref.known == 25
    assert pref.reason.startswith("Only 25 customers")


def test_lead_not_significant_is_no_clear_preference() -> None:
    pref = ch.preferred_channel({"Phone": 18, "Email": 15, "Letter": 10})
    assert pref.known == 43
    assert pref.p_value == pytest.approx(stats.binomtest(18, 33, 0.5, alternative="greater").pvalue)
    assert pref.p_value > 0.05
    assert pref.channel is None and pref.backup == "Email"
    assert "not clearly ahead of Email" in pref.reason


def test_no_known_channel() -> None:
    pref = ch.preferred_channel({})
    assert pref.channel is None and pref.top is None
    assert "No customer" in pref.reason


def test_label_merging_defaults_and_edits() -> None:
    assert ch.canonical_label("Mobile Phone") == "Phone"
    assert ch.canonical_label("  phone ") == "Phone"
    assert ch.canonical_label("CC") == "Credit card"
    assert ch.canonical_label("Credit Card") == "Credit card"
    assert ch.canonical_label("Twitter") == "Social media"
    assert ch.canonical_label("Facebook") == "Social media"
    assert ch.canonical_label("E-mail") == "Email"
    assert ch.canonical_label("Carrier pigeon") == "Carrier pigeon"
    assert ch.canonical_label("") is None and ch.canonical_label(None) is None
    frame = ch.label_map_frame(["Phone", "Mobile Phone", "Twitter", "Pigeon"], saved={"Pigeon": "Letter"})
    assert frame.to_dict("records") == [
        {"label": "Phone", "channel": "Phone"}, {"label": "Mobile Phone", "channel": "Phone"},
        {"label": "Twitter", "channel": "Social media"}, {"label": "Pigeon", "channel": "Letter"}]
    edited = frame.copy()
    edited.loc[2, "channel"] = "  Twitter  "  # the user keeps Twitter apart
    edited.loc[3, "channel"] = None  # blank: counted under its own label
    assert ch.label_map(edited) == {"Phone": "Phone", "Mobile Phone": "Phone", "Twitter": "Twitter",
                                    "Pigeon": "Pigeon"}


def test_merged_labels_counted_together_in_the_engine() -> None:
    frame = pd.DataFrame({"service": ["Phone", "Mobile Phone", "Twitter", "Facebook", "", "Letter"]})
    con = tiny_con(frame, ["A", "A", "B", "B", "B", "A"])
    source = ch.ChannelSource(kind="column", column="service")
    counts = ch.channel_counts(Data.duckdb(con), source=source).sort_values(["segment", "channel"], na_position="last")
    assert counts.values.tolist() == [["A", "Letter", 1], ["A", "Phone", 2], ["B", "Social media", 2], ["B", None, 1]]
    # an edited merge table wins over the defaults
    counts = ch.channel_counts(Data.duckdb(con), source=source, mapping={"Mobile Phone": "Mobile"})
    assert ("A", "Mobile", 1) in [tuple(r) for r in counts.values.tolist()]
    assert ch.raw_labels(Data.duckdb(con), source=source) == ["Facebook", "Letter", "Mobile Phone", "Phone", "Twitter"]


def test_contact_counts_source() -> None:
    frame = pd.DataFrame({"calls": [3, 0, 1, 0, None], "emails": [1, 2, 1, 0, 4], "chats": [0, 5, 0, 0, 1]})
    roles = {"calls": "behavioral", "emails": "behavioral", "chats": "behavioral"}
    types = dict.fromkeys(roles, "number")
    assert ch.contact_count_columns(roles, types=types) == {"Phone": "calls", "Email": "emails", "Live chat": "chats"}
    source = ch.suggest_source(roles, types=types)
    assert source is not None and source.kind == "counts"
    con = tiny_con(frame, ["A"] * 5)
    channels = ch.customer_channels(Data.duckdb(con), source=source).order_by(db.ROW).execute()
    # most contacts wins; a tie (1 call, 1 email) goes to the first listed; no contact: unknown
    assert _plain(channels["channel"]) == ["Phone", "Live chat", "Phone", None, "Email"]


def test_interactions_source_aggregates_per_customer(tmp_path) -> None:
    frame = pd.DataFrame({"customer_id": ["c1", "c2", "c3"]})
    con = tiny_con(frame, ["A", "A", "B"])
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket,customer_id,channel\n1,c1,Phone\n2,c1,Email\n3,c1,Mobile Phone\n"
                       "4,c2,Chat\n5,c9,Phone\n", encoding="utf-8")
    columns = ch.load_interactions(Data.duckdb(con), tickets)
    assert columns == ["ticket", "customer_id", "channel"]
    assert ch.guess_interaction_columns(columns, customer_columns=["customer_id"]) == ("customer_id", "channel")
    # raw labels are counted before merging: c1 used Phone once and Mobile Phone once, Email once
    source = ch.ChannelSource(kind="interactions", key="customer_id", table_key="customer_id", table_channel="channel")
    channels = ch.customer_channels(Data.duckdb(con), source=source).order_by(db.ROW).execute()
    # c1: Phone and Mobile Phone merge before counting (2 x Phone beats 1 x Email); c3 has no ticket
    assert _plain(channels["channel"]) == ["Phone", "Live chat", None]


def test_missing_column_is_a_plain_error() -> None:
    con = tiny_con(pd.DataFrame({"x": [1]}), ["A"])
    with pytest.raises(ch.ChannelError, match="no column 'service'"):
        ch.channel_mix(Data.duckdb(con), source=ch.ChannelSource(kind="column", column="service"))
    with pytest.raises(ch.ChannelError, match="interactions file first"):
        ch.channel_mix(Data.duckdb(con), source=ch.ChannelSource(kind="interactions", key="x", table_key="a", table_channel="b"))


def test_purchase_by_service_crosstab_and_highlights() -> None:
    frame = pd.DataFrame({"bought": ["Online"] * 40 + ["Store"] * 40,
                          "service": ["Phone"] * 30 + ["Email"] * 10 + ["Phone"] * 10 + ["Email"] * 30})
    con = tiny_con(frame, ["A"] * 80)
    source = ch.ChannelSource(kind="column", column="service")
    cross = ch.purchase_service_crosstab(Data.duckdb(con), purchase="bought", source=source)
    online_phone = cross.set_index(["segment", "purchase", "service"]).loc[("A", "Online", "Phone")]
    assert online_phone["customers"] == 30 and online_phone["share"] == pytest.approx(0.75)
    lines = ch.crosstab_highlights(cross, names={"A": "Everyone"}, min_lift=1.0)
    assert lines[0] == "Everyone: of those who buy via Online, 75% want Phone (75% of all Online buyers; n = 40)."


def test_crosstab_display_orders_and_names() -> None:
    cross = pd.DataFrame({"segment": ["B", "A", "A"], "purchase": ["Web", "Web", "Store"], "service": ["Phone"] * 3,
                          "customers": [3, 2, 1], "share": [0.5, 0.666, 1.0], "overall_share": [0.4, 0.4, 0.2],
                          "lift": [1.25, 1.665, 5.0]})
    shown = ch.crosstab_display(cross, names={"A": "Seniors"}, order=["B", "A"])
    assert shown.values.tolist() == [["B", "Web", "Phone", 3, 50.0, 40.0, 1.2],
                                     ["Seniors", "Store", "Phone", 1, 100.0, 20.0, 5.0],
                                     ["Seniors", "Web", "Phone", 2, 67.0, 40.0, 1.7]]


def test_survey_answers_as_a_channel_source() -> None:
    from segdash.survey.answers import Question

    frame = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"]})
    con = tiny_con(frame, ["young", "young", "young", "old", "old", "old"])
    answers = pd.DataFrame({
        "_key": ["c1", "c2", "c4", "c5", "c6", None, "c3"],
        "How would you like to be contacted?": ["Twitter", "Live chat", "Phone call", "Letter", "phone",
                                                "Email", None],
        "Which do you use?": ["Chat; Email", "Email", "Phone", "Phone; Letter", "Phone", "Email", "Chat"],
    })
    questions = {
        "_key": Question(column="_key", type="key", label="Key"),
        "Which do you use?": Question(column="Which do you use?", type="multi", label="Use", separator=";"),
        "How would you like to be contacted?": Question(column="How would you like to be contacted?",
                                                        type="single", label="Contacted"),
    }
    # the first one- or several-choice question that names a channel or contact ("Which do you use?" does not)
    found = ch.survey_channel_question({"Age": Question(column="Age", type="number", label="Age"), **questions})
    assert found == "How would you like to be contacted?"
    question = "How would you like to be contacted?"
    rows = ch.survey_channel_rows(answers, question=question)
    # an answer without a customer (anonymous) or without a channel is left out
    assert rows.values.tolist() == [["c1", "Twitter"], ["c2", "Live chat"], ["c4", "Phone call"], ["c5", "Letter"],
                                    ["c6", "phone"]]
    ch.load_survey_channels(Data.duckdb(con), rows)
    source = ch.survey_source(key="customer_id", question="Contacted")
    counts = ch.channel_counts(Data.duckdb(con), source=source)
    got = {(r.segment, r.channel): int(r.customers) for r in counts.itertuples()}
    # merged labels (Twitter -> Social media, phone/Phone call -> Phone); c3 did not answer: unknown
    assert got == {("young", "Social media"): 1, ("young", "Live chat"): 1, ("young", None): 1,
                   ("old", "Phone"): 2, ("old", "Letter"): 1}
    assert source.describe() == "the survey answers to 'Contacted'"
    assert ch.raw_labels(Data.duckdb(con), source=source) == ["Letter", "Live chat", "Phone call", "Twitter", "phone"]
    # several choices: one row per option (the one splitter), a customer's channel is the first alphabetically
    multi = ch.survey_channel_rows(answers, question="Which do you use?", separator=";")
    assert multi[multi["customer"] == "c1"]["channel"].tolist() == ["Chat", "Email"]
    ch.load_survey_channels(Data.duckdb(con), multi)
    counts = ch.channel_counts(Data.duckdb(con), source=source)
    got = {(r.segment, r.channel): int(r.customers) for r in counts.itertuples()}
    assert got == {("young", "Email"): 2, ("young", "Live chat"): 1, ("old", "Letter"): 1, ("old", "Phone"): 2}
    with pytest.raises(ch.ChannelError, match="no column 'nope'"):
        ch.survey_channel_rows(answers, question="nope")
