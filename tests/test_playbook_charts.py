"""The Playbook page's channel-mix chart (Vega-Lite) and the colour of text in charts: right bars, order, theme."""

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
    encoding = spec["encoding"]
    assert encoding["y"]["sort"] == ["Young", "<b>Old</b>"] and encoding["y"]["field"] == "Segment"
    assert encoding["yOffset"]["sort"] == ["Chat", "Phone"]
    assert encoding["color"]["sort"] == ["Chat", "Phone"] and encoding["x"]["field"] == "Share"
    # the 95% interval in the tooltip, as percentages
    tooltip = {field["field"]: field.get("format") for field in encoding["tooltip"]}
    assert tooltip == {"Segment": None, "Channel": None, "Share": ".0%", "Low": ".0%", "High": ".0%"}
    json.dumps(spec)  # what Streamlit sends: plain JSON


def test_channels_without_counts_are_alphabetical_and_nothing_breaks_on_no_rows() -> None:
    shares = pd.DataFrame({"segment": ["A", "A"], "channel": ["Phone", "Email"], "share": [0.5, 0.5],
                           "low": [0.3, 0.3], "high": [0.7, 0.7]})
    assert channel_mix_spec(shares)[1]["encoding"]["yOffset"]["sort"] == ["Email", "Phone"]
    empty, spec = channel_mix_spec(pd.DataFrame(columns=["segment", "channel", "share", "low", "high"]))
    assert empty.empty and spec["encoding"]["y"]["sort"] == []


def test_chart_text_follows_the_browsers_theme(monkeypatch) -> None:
    from types import SimpleNamespace

    from segdash.ui import components

    for theme, colour in (("dark", "#FAFAFA"), ("light", "#31333F")):
        monkeypatch.setattr(components.st, "context", SimpleNamespace(theme=SimpleNamespace(type=theme)))
        assert components.chart_text_colour() == colour
    monkeypatch.setattr(components.st, "context", SimpleNamespace())  # no browser: the light theme
    assert components.chart_text_colour() == "#31333F"
