"""The Playbook page's channel-mix chart (Vega-Lite): right bars, order and intervals, names as text."""

from __future__ import annotations

import json

import pandas as pd

from segdash.report.playbook_charts import channel_mix_spec


def test_channel_mix_bars_order_and_intervals() -> None:
    shares = pd.DataFrame({
        "segment": ["Young", "Young", "<b>Old</b>", "<b>Old</b>"],
        "channel": ["Chat", "Phone", "Chat", "Phone"],
        "share": [0.75, 0.25, 0.2, 0.8], "low": [0.6, 0.1, 0.1, 0.65], "high": [0.85, 0.4, 0.35, 0.9],
        "customers": [30, 10, 5, 20],
    })
    bars, spec = channel_mix_spec(shares)
    assert bars.to_dict("list") == {"Segment": ["Young", "Young", "<b>Old</b>", "<b>Old</b>"],
                                    "Channel": ["Chat", "Phone", "Chat", "Phone"], "Share": [0.75, 0.25, 0.2, 0.8],
                                    "Low": [0.6, 0.1, 0.1, 0.65], "High": [0.85, 0.4, 0.35, 0.9]}
    # segments in the given order; channels by customers (Chat 35, Phone 30), the same in bars and colours
    assert spec["encoding"]["x"]["sort"] == ["Young", "<b>Old</b>"]
    assert spec["encoding"]["xOffset"]["sort"] == ["Chat", "Phone"]
    (bar,) = spec["layer"]
    assert bar["encoding"]["color"]["sort"] == ["Chat", "Phone"] and bar["encoding"]["y"]["field"] == "Share"
    # the 95% interval in the tooltip, as percentages
    tooltip = {field["field"]: field.get("format") for field in bar["encoding"]["tooltip"]}
    assert tooltip == {"Segment": None, "Channel": None, "Share": ".0%", "Low": ".0%", "High": ".0%"}
    json.dumps(spec)  # what Streamlit sends: plain JSON


def test_channels_without_counts_are_alphabetical_and_nothing_breaks_on_no_rows() -> None:
    shares = pd.DataFrame({"segment": ["A", "A"], "channel": ["Phone", "Email"], "share": [0.5, 0.5],
                           "low": [0.3, 0.3], "high": [0.7, 0.7]})
    assert channel_mix_spec(shares)[1]["encoding"]["xOffset"]["sort"] == ["Email", "Phone"]
    empty, spec = channel_mix_spec(pd.DataFrame(columns=["segment", "channel", "share", "low", "high"]))
    assert empty.empty and spec["encoding"]["x"]["sort"] == []
