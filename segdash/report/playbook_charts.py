"""Plotly figure of the playbook: service-channel shares per segment with their 95% intervals."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def channel_mix_chart(shares: pd.DataFrame) -> go.Figure:
    """Grouped bars: one group per segment, one bar per channel, whiskers for the 95% interval.

    Parameters
    ----------
    shares
        ``segment`` (display name), ``channel``, ``share``, ``low``, ``high`` (0-1), segments in the
        order to show.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    figure = go.Figure()
    segments = list(dict.fromkeys(shares["segment"])) if not shares.empty else []
    channels = (shares.groupby("channel")["customers"].sum().sort_values(ascending=False).index.tolist()
                if "customers" in shares.columns and not shares.empty else sorted(set(shares.get("channel", []))))
    for channel in channels:
        part = shares[shares["channel"] == channel].set_index("segment").reindex(segments)
        figure.add_trace(go.Bar(
            name=str(channel), x=segments, y=part["share"],
            error_y={"type": "data", "symmetric": False, "array": (part["high"] - part["share"]).fillna(0),
                     "arrayminus": (part["share"] - part["low"]).fillna(0), "thickness": 1, "width": 2},
            hovertemplate="%{x}<br>" + str(channel).replace("%", "%%") + ": %{y:.0%}<extra></extra>",
        ))
    figure.update_layout(barmode="group", yaxis={"tickformat": ".0%", "title": "Share of the segment"},
                         xaxis={"title": None}, legend={"title": "Service channel", "orientation": "h", "y": -0.15},
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=380)
    return figure
