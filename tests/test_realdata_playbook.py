"""The playbook on real files: the Amazon survey's multi-select categories and a support-ticket file."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from segdash.act import channels as ch
from segdash.act import multivalue as mv
from segdash.act import playbook as pb
from segdash.segment.rules import segment_by_dimensions
from segdash.workspace import Workspace

DATASETS = Path(os.environ.get("SEGDASH_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets")
SURVEY = DATASETS / "Amazon Customer Behavior Survey.csv"
TICKETS = DATASETS / "customer_support_tickets.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"real datasets folder {DATASETS} is absent"),
]


def test_survey_purchase_categories_split_on_semicolons() -> None:
    ws = Workspace()
    ws.load(SURVEY)
    found = mv.detect_multivalue(ws.data, columns=ws.modelling_columns(), types=ws.column_types())
    assert list(found) == ["Purchase_Categories"]  # no other column is a pick list with separators
    spec = found["Purchase_Categories"]
    assert spec.separator == ";"
    raw = pd.read_csv(SURVEY)["Purchase_Categories"]
    expected = raw.dropna().map(lambda cell: {v.strip() for v in cell.split(";") if v.strip()}).explode()
    assert spec.counts == expected.value_counts().to_dict()
    assert set(spec.values) == {"Clothing and Fashion", "Beauty and Personal Care", "Home and Kitchen", "others",
                                "Groceries and Gourmet Food"}
    # segments by one category work like any other dimension, and the playbook lists categories per segment
    seg = segment_by_dimensions(ws.data, dimensions=["Purchase_Categories: Home and Kitchen"], types=ws.column_types())
    assert seg.sizes["Purchase_Categories: Home and Kitchen yes"] == spec.counts["Home and Kitchen"]
    ws.set_segmentation(seg)
    book = pb.build_playbook(ws.data, roles=ws.roles, types=ws.column_types())
    buyers = next(c for c in book.cards if c.segment.endswith("yes"))
    assert buyers.products[0].startswith("Home and Kitchen (100%")
    # satisfaction: the rule reads Shopping_Satisfaction, not Rating_Accuracy
    assert all("rating accuracy" not in line for card in book.cards for line in card.evidence)


def test_ticket_channel_mix_matches_a_plain_crosstab() -> None:
    ws = Workspace()
    ws.load(TICKETS)
    source = ch.suggest_source(ws.roles, types=ws.column_types())
    assert source == ch.ChannelSource(kind="column", column="Ticket Channel")
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["Customer Gender"], types=ws.column_types()))
    mix = ch.channel_mix(ws.data, source=source)
    raw = pd.read_csv(TICKETS)
    expected = pd.crosstab(raw["Customer Gender"], raw["Ticket Channel"].replace({"Chat": "Live chat"}))
    got = mix.shares.pivot_table(index="segment", columns="channel", values="customers", aggfunc="sum")
    assert got.sort_index().sort_index(axis=1).to_numpy().tolist() == \
        expected.sort_index().sort_index(axis=1).to_numpy().tolist()
    chi2, p_value, _, _ = stats.chi2_contingency(expected.to_numpy(), correction=False)
    assert mix.test["p_value"] == pytest.approx(p_value)
    # the ticket channel is random in this file: no segment has a channel it clearly prefers
    assert all(pref.channel is None for pref in mix.preferences.values())
    assert all("not clearly ahead" in pref.reason for pref in mix.preferences.values())


def test_tickets_as_an_interactions_file() -> None:
    ws = Workspace()
    ws.load(TICKETS)
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["Customer Gender"], types=ws.column_types()))
    columns = ch.load_interactions(ws.data, TICKETS)
    key, channel = ch.guess_interaction_columns(columns, customer_columns=["Customer Email"])
    assert (key, channel) == ("Customer Email", "Ticket Channel")
    source = ch.ChannelSource(kind="interactions", key="Customer Email", table_key=key, table_channel=channel)
    counts = ch.channel_counts(ws.data, source=source)
    # each customer's most used channel (ties: alphabetical), by pandas
    raw = pd.read_csv(TICKETS)
    raw["channel"] = raw["Ticket Channel"].replace({"Chat": "Live chat"})
    per = raw.groupby(["Customer Email", "channel"]).size().rename("n").reset_index()
    per = per.sort_values(["Customer Email", "n", "channel"], ascending=[True, False, True])
    main = per.drop_duplicates("Customer Email").set_index("Customer Email")["channel"]
    expected = raw.assign(main=raw["Customer Email"].map(main)).groupby(["Customer Gender", "main"]).size()
    got = counts.set_index(["segment", "channel"])["customers"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert int(counts["customers"].sum()) == len(raw)
