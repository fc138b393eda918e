"""Chart of the playbook: service-channel shares per segment with their 95% intervals (Vega-Lite)."""

from __future__ import annotations

import pandas as pd


def channel_mix_spec(shares: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Grouped horizontal bars: one group per segment, one bar per channel; the 95% interval in each tooltip.

    Vega-Lite, drawn by Streamlit with a small library: the Playbook page then loads no plotly.js
    (4.7 MB, about a second of the browser's CPU per session, issue 14). Names and channels are data
    of the chart, drawn as text (never as HTML). No whiskers: Vega-Lite draws a rule of a grouped
    chart at the left edge of its bar, not its middle; the cards give each range in figures.

    Parameters
    ----------
    shares
        ``segment`` (display name), ``channel``, ``share``, ``low``, ``high`` (0-1), segments in the
        order to show; with ``customers``, channels are ordered by customers, most first.

    Returns
    -------
    tuple[pandas.DataFrame, dict]
        The bars (``Segment``, ``Channel``, ``Share``, ``Low``, ``High``) and the specification to pass
        with them to ``st.vega_lite_chart``.
    """
    segments = [str(s) for s in dict.fromkeys(shares["segment"])]
    channels = ([str(c) for c in shares.groupby("channel")["customers"].sum().sort_values(ascending=False).index]
                if "customers" in shares.columns else sorted({str(c) for c in shares["channel"]}))
    frame = pd.DataFrame({"Segment": shares["segment"].astype(str), "Channel": shares["channel"].astype(str),
                          "Share": shares["share"].astype(float), "Low": shares["low"].astype(float),
                          "High": shares["high"].astype(float)}).reset_index(drop=True)
    percent = {"type": "quantitative", "format": ".0%"}
    spec = {
        # horizontal: every segment's name stays readable, however many segments there are
        "height": {"step": 12},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "Segment", "type": "nominal", "sort": segments, "title": None, "axis": {"labelLimit": 260}},
            "yOffset": {"field": "Channel", "type": "nominal", "sort": channels},
            "x": {"field": "Share", "type": "quantitative", "title": "Share of the segment", "axis": {"format": ".0%"}},
            "color": {"field": "Channel", "type": "nominal", "sort": channels, "title": "Service channel",
                      "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "Segment", "type": "nominal"}, {"field": "Channel", "type": "nominal"},
                        {"field": "Share", **percent}, {"field": "Low", "title": "95% range from", **percent},
                        {"field": "High", "title": "95% range to", **percent}],
        },
    }
    return frame, spec
