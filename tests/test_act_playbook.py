"""The playbook: cards, do/don't sentences, routing table and its exports, records, the sample's age effect."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from segdash.act import channels as ch
from segdash.act import playbook as pb
from segdash.data import Data
from segdash.segment.rules import segment_by_dimensions
from segdash.workspace import Workspace
from tests.act_helpers import tiny_con
from tests.conftest import SAMPLE


def _pref(channel: str | None, top: str | None, backup: str | None) -> ch.Preference:
    return ch.Preference(channel=channel, top=top, backup=backup, known=100, p_value=0.01, reason="")


def test_do_and_dont_sentences() -> None:
    dos, donts = pb.do_and_dont(preference=_pref("Phone", "Phone", "Email"), avoid=["Live chat (5%)"], tone="formal",
                                approach="reassuring", values=["Brand-loyal (60%, 2.0× average)"],
                                economics={"ltv_to_cac": 0.5})
    assert dos == ["Answer on Phone first, with Email as the backup.",
                   "Write formally: a greeting, full sentences, a clear sign-off.",
                   "Reassure first: acknowledge the question, say what happens next, follow up."]
    assert donts == ["Don't route them to Live chat (5%) by default: few of them use it.",
                     "Don't spend more to win customers like these yet: they return 0.5× what they cost to acquire."]
    dos, donts = pb.do_and_dont(preference=_pref(None, "Phone", "Email"), avoid=[], tone="casual",
                                approach="concise/simple", economics={"ltv_to_cac": 4.0})
    assert dos[0] == "Offer Phone and Email side by side: no single channel is clearly preferred."
    assert dos[3] == "Win more customers like these: lifetime value is 4.0× acquisition cost."
    assert 3 <= len(dos) + len(donts) <= 5
    dos, donts = pb.do_and_dont(preference=None, avoid=[], tone="neutral", approach="detailed")
    assert len(dos) + len(donts) == 3


def _tiny_playbook() -> pb.Playbook:
    frame = pd.DataFrame({
        "service": ["Phone"] * 35 + ["Email"] * 5 + ["Live chat"] * 20 + ["Phone"] * 18,
        "age": [70] * 40 + [25] * 38,
        "values": ["Quality-first"] * 30 + ["Price-conscious"] * 10 + ["Price-conscious"] * 38,
        "acquisition": ["Store"] * 40 + ["Social"] * 38,
    })
    con = tiny_con(frame, ["A"] * 40 + ["B"] * 38)
    roles = {"service": "service_channel", "age": "demographic", "values": "psychographic",
             "acquisition": "acquisition_channel"}
    types = {"service": "text", "age": "number", "values": "text", "acquisition": "text"}
    economics = pd.DataFrame({"segment": ["A", "B"], "cac": [10.0, 50.0], "predicted_ltv": [100.0, 25.0],
                              "roi": [9.0, -0.5], "ltv_to_cac": [10.0, 0.5]})
    return pb.build_playbook(Data.duckdb(con), roles=roles, types=types, names={"A": "Seniors"}, economics=economics,
                             notes={"B": "=HYPERLINK(\"x\") call | back"})


def test_cards_from_a_tiny_file() -> None:
    playbook = _tiny_playbook()
    a, b = playbook.cards
    assert (a.segment, a.name, a.customers) == ("A", "Seniors", 40)
    assert a.preference.channel == "Phone" and a.tone == "formal" and a.approach == "reassuring"
    assert a.values == ["Quality-first (75%, 1.9× average)"]  # 0.75 / (30/78) = 1.95
    assert a.marketing == ["Store (100%, 2.0× average)"]  # 1 / (40/78) = 1.95
    assert a.economics["ltv_to_cac"] == 10.0
    assert "Win more customers like these: lifetime value is 10.0× acquisition cost." in a.dos
    # B: 20 chat vs 18 phone among 38: not a significant lead
    assert b.preference.channel is None and b.preference.top == "Live chat"
    assert b.tone == "casual"
    assert any("0.5× what they cost" in d for d in b.donts)


def test_routing_table_and_formula_safe_exports() -> None:
    playbook = _tiny_playbook()
    table = pb.routing_table(playbook)
    assert table.columns.tolist() == list(pb.ROUTING_COLUMNS)
    assert table.values.tolist() == [
        ["Seniors", 40, "Phone", "Email", "formal", "reassuring", ""],
        ["B", 38, "No clear preference (most use Live chat)", "Phone", "casual", "enthusiastic",
         '=HYPERLINK("x") call | back'],
    ]
    csv_text = pb.routing_csv(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(pb.routing_xlsx(table)))
    sheet = book["Routing"]
    assert sheet["G3"].value == "'=HYPERLINK(\"x\") call | back" and sheet["G3"].data_type == "s"
    markdown = pb.routing_markdown(table)
    assert markdown.splitlines()[0] == "| Segment | Customers | Preferred channel | Backup channel | Tone | Approach | Notes |"
    assert markdown.splitlines()[3] == ('| B | 38 | No clear preference (most use Live chat) | Phone | casual | '
                                        'enthusiastic | =HYPERLINK("x") call \\| back |')


def test_records_summary_and_renames() -> None:
    playbook = _tiny_playbook()
    records = pb.to_records(playbook)
    assert records[0]["segment"] == "Seniors" and records[0]["preferred_channel"] == "Phone"
    assert set(records[0]["channel_mix"][0]) == {"channel", "share", "low", "high"}
    assert records[1]["preferred_channel"] is None and "not clearly ahead" in records[1]["reason"]
    assert records[0]["evidence"][0].startswith("Phone is chosen by 88%")
    sentences, tables = pb.report_summary(playbook, names={"A": "Older", "B": "Younger"})
    assert sentences[1] == "Older (40 customers) prefers Phone (backup Email); tone formal, approach reassuring."
    assert tables["routing"]["Segment"].tolist() == ["Older", "Younger"]
    assert set(tables["channel_mix"]["Segment"]) == {"Older", "Younger"}


def test_sample_older_segments_prefer_phone_or_letter_younger_chat_or_social() -> None:
    ws = Workspace()
    ws.load(SAMPLE)
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["age"], types=ws.column_types(), min_size=50))
    playbook = pb.build_playbook(ws.data, roles=ws.roles, types=ws.column_types())
    by_label = {card.segment: card for card in playbook.cards}
    bands = {label: int(label.split()[1].split("-")[0]) for label in by_label if label.startswith("age ")}
    oldest = max(bands, key=bands.get)
    youngest = sorted(bands, key=bands.get)[:2]
    assert by_label[oldest].preference.channel in {"Phone", "Letter"}
    assert by_label[oldest].tone == "formal"
    for label in youngest:
        assert by_label[label].preference.channel in {"Social media", "Live chat"}
        assert by_label[label].tone == "casual"
    assert playbook.mix.test["p_value"] < 0.001 and playbook.mix.test["effect"] > 0.1
