"""Pictures of change between snapshots and of key results over time (pure: DataFrame -> Figure).

Inputs are small aggregate tables (flows per segment pair, PSI per column, one value per
snapshot), never customers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

NEW_COLOUR = "#2e7d32"
GONE_COLOUR = "#9e9e9e"
PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728",
           "#7f7f7f", "#393b79", "#637939", "#8c6d31")
LEVEL_COLOURS = {"little": "#81c784", "moderately": "#ffb74d", "strongly": "#e57373", "n/a": "#bdbdbd"}


def _rgba(hex_colour: str, alpha: float) -> str:
    hex_colour = hex_colour.lstrip("#")
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _empty(title: str, message: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, height=height,
                      annotations=[dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper",
                                        yref="paper", font=dict(size=15))])
    return fig


def sankey(transitions: pd.DataFrame, *, old_names: Mapping[str, str] | None = None,
           new_names: Mapping[str, str] | None = None, old_title: str = "Before", new_title: str = "Now",
           new_node: str = "New customers", gone_node: str = "Gone customers") -> go.Figure:
    """Flows of customers from old segments (left) to new segments (right).

    Parameters
    ----------
    transitions
        ``from_segment`` (None: new customers), ``to_segment`` (None: gone), ``customers``.
    old_names, new_names
        Label -> display name on each side.
    old_title, new_title
        Shown above the left and right columns.
    new_node, gone_node
        Names of the nodes for new and gone customers (their own nodes, in grey / green).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    flows = transitions[transitions["customers"] > 0]
    if flows.empty:
        return _empty("Where customers went", "No customers in either snapshot.")
    old_names = old_names or {}
    new_names = new_names or {}
    left = sorted({v for v in flows["from_segment"] if pd.notna(v)}, key=str)
    right = sorted({v for v in flows["to_segment"] if pd.notna(v)}, key=str)
    has_new = bool(flows["from_segment"].isna().any())
    has_gone = bool(flows["to_segment"].isna().any())
    labels, colours = [], []
    colour_of: dict[str, str] = {}
    for i, label in enumerate(dict.fromkeys([*left, *right])):
        colour_of[label] = PALETTE[i % len(PALETTE)]
    left_index = {}
    for label in left:
        left_index[label] = len(labels)
        labels.append(str(old_names.get(label, label)))
        colours.append(colour_of[label])
    if has_new:
        left_index[None] = len(labels)
        labels.append(new_node)
        colours.append(NEW_COLOUR)
    right_index = {}
    for label in right:
        right_index[label] = len(labels)
        labels.append(str(new_names.get(label, label)))
        colours.append(colour_of[label])
    if has_gone:
        right_index[None] = len(labels)
        labels.append(gone_node)
        colours.append(GONE_COLOUR)
    sources = [left_index[None if pd.isna(v) else v] for v in flows["from_segment"]]
    targets = [right_index[None if pd.isna(v) else v] for v in flows["to_segment"]]
    link_colours = [_rgba(colours[s], 0.35) for s in sources]
    # Fixed places: segments top to bottom in the same order on both sides, new / gone customers last.
    out_totals = pd.Series(flows["customers"].to_numpy(), index=sources).groupby(level=0).sum()
    in_totals = pd.Series(flows["customers"].to_numpy(), index=targets).groupby(level=0).sum()
    xs, ys = [0.0] * len(labels), [0.0] * len(labels)
    for side, totals, x in ((left_index, out_totals, 0.001), (right_index, in_totals, 0.999)):
        order = list(side.values())
        size = float(sum(totals.get(i, 0) for i in order)) or 1.0
        gap = 0.02
        usable = 1.0 - gap * max(len(order) - 1, 0)
        top = 0.0
        for i in order:
            height = usable * float(totals.get(i, 0)) / size
            xs[i], ys[i] = x, min(max(top + height / 2, 0.001), 0.999)
            top += height + gap
    total = int(flows["customers"].sum())
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=labels, color=colours, pad=14, thickness=16, x=xs, y=ys,
                  hovertemplate="%{label}: %{value:,} customers<extra></extra>"),
        link=dict(source=sources, target=targets, value=flows["customers"].astype(int).tolist(), color=link_colours,
                  hovertemplate="%{source.label} → %{target.label}: %{value:,} customers<extra></extra>"),
    ))
    fig.update_layout(
        title=dict(text=f"Where customers went ({total:,} customers in either snapshot)", y=0.99, yanchor="top"),
        height=max(380, 34 * len(labels) + 110), margin=dict(l=10, r=10, t=100, b=10), font=dict(size=13),
        annotations=[dict(text=f"<b>{old_title}</b>", x=0, y=1.0, xref="paper", yref="paper", showarrow=False,
                          xanchor="left", yanchor="bottom"),
                     dict(text=f"<b>{new_title}</b>", x=1, y=1.0, xref="paper", yref="paper", showarrow=False,
                          xanchor="right", yanchor="bottom")],
    )
    return fig


def size_change_bars(sizes: pd.DataFrame) -> go.Figure:
    """Customers per segment before and now, side by side.

    Parameters
    ----------
    sizes
        ``segment`` (display names), ``old``, ``new``.
    """
    if sizes.empty:
        return _empty("Segment sizes", "No segments.")
    fig = go.Figure([
        go.Bar(name="Before", x=sizes["segment"], y=sizes["old"], marker_color="#90a4ae"),
        go.Bar(name="Now", x=sizes["segment"], y=sizes["new"], marker_color="#1f77b4"),
    ])
    fig.update_layout(title="Customers per segment, before and now", barmode="group", height=360,
                      yaxis_title="customers", margin=dict(t=60, b=10), legend=dict(orientation="h", y=1.1))
    return fig


def drift_bars(drift: pd.DataFrame) -> go.Figure:
    """PSI per attribute with the 0.1 and 0.25 thresholds.

    Parameters
    ----------
    drift
        ``column``, ``psi``, ``level`` (see :func:`segdash.history.drift.drift_table`).
    """
    shown = drift[drift["psi"].map(lambda v: v is not None and math.isfinite(v))] if len(drift) else drift
    if shown.empty:
        return _empty("Drift per attribute", "No attribute to compare.")
    shown = shown.sort_values("psi")
    fig = go.Figure(go.Bar(
        x=shown["psi"], y=shown["column"].astype(str), orientation="h",
        marker_color=[LEVEL_COLOURS.get(level, "#bdbdbd") for level in shown["level"]],
        customdata=shown["level"], hovertemplate="%{y}: PSI %{x:.3f} (drifted %{customdata})<extra></extra>",
    ))
    for x, text in ((0.1, "0.1: moderate"), (0.25, "0.25: strong")):
        fig.add_vline(x=x, line_dash="dot", line_color="#616161", annotation_text=text,
                      annotation_position="top")
    fig.update_layout(title="Drift per attribute (population stability index)", height=max(300, 28 * len(shown) + 120),
                      xaxis_title="PSI (0: same distribution)", margin=dict(t=80, b=10, l=10))
    return fig


def key_result_chart(series: pd.DataFrame, *, target: float, title: str = "", unit: str = "") -> go.Figure:
    """A small line of a key result's value across snapshots, with the target as a dashed line.

    Parameters
    ----------
    series
        ``snapshot`` (name and date), ``value`` (NaN: not drawn), in time order.
    target
        The target value.
    title
        Shown above.
    unit
        Axis suffix (``%``) or title.
    """
    fig = go.Figure()
    known = series[series["value"].map(lambda v: v is not None and math.isfinite(v))] if len(series) else series
    if len(known):
        fig.add_trace(go.Scatter(x=known["snapshot"].astype(str), y=known["value"], mode="lines+markers",
                                 line=dict(color="#1f77b4", width=2), name="value",
                                 hovertemplate="%{x}: %{y:,.2f}<extra></extra>"))
    fig.add_hline(y=target, line_dash="dash", line_color=NEW_COLOUR, annotation_text="target",
                  annotation_position="top left")
    fig.update_layout(title=dict(text=title, font=dict(size=13)), height=200, showlegend=False,
                      margin=dict(l=10, r=10, t=40, b=10),
                      yaxis=dict(ticksuffix="%" if unit == "%" else ""),
                      xaxis=dict(type="category"))
    if not len(known):
        fig.add_annotation(text="n/a in every snapshot", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return fig
