"""Pictures and plain-language summary of acquisition economics (pure: DataFrame -> Figure / text).

Inputs are the small tables of :class:`segdash.economics.EconomicsResult` with segment labels
already replaced by display names. Rows whose value is undefined (NaN) are left out of a chart and
named in its subtitle, never drawn as zero or infinity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

GOOD = "#2e7d32"
BAD = "#c62828"
NEUTRAL = "#607d8b"
#: ROI (in %) at which the heatmap colour stops getting greener.
COLOUR_CAP = 300.0
#: Red below break-even, pale yellow at 0, green above (positions on the -100% .. COLOUR_CAP scale).
ROI_COLOURS = [[0.0, "#b71c1c"], [0.2, "#ef9a9a"], [0.25, "#fff8c4"], [0.45, "#c5e1a5"], [1.0, "#1b5e20"]]
#: The LTV:CAC ratio marketers usually aim for.
TARGET_RATIO = 3.0


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _left_out(names: Sequence[str], why: str) -> str:
    if not names:
        return ""
    shown = ", ".join(f"'{n}'" for n in list(names)[:4]) + (" …" if len(names) > 4 else "")
    return f"<br><sup>Not shown ({why}): {shown}</sup>"


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, height=320,
                      annotations=[dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper",
                                        yref="paper", font=dict(size=15))])
    return fig


def roi_by_segment(segments: pd.DataFrame) -> go.Figure:
    """Horizontal bars of ROI to date per segment, best first, with the break-even line at 0%.

    Parameters
    ----------
    segments
        Columns ``segment`` (display names) and ``roi`` (fraction; NaN when undefined).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace named ``"ROI"``; a vertical line at 0 marks break-even.
    """
    title = "Return on acquisition spend, to date"
    known = segments[segments["roi"].map(_finite)]
    missing = segments.loc[~segments["roi"].map(_finite), "segment"].astype(str).tolist()
    if known.empty:
        return _empty(title, "No ROI yet: enter acquisition spend to see it.")
    ordered = known.sort_values("roi", ascending=True)  # plotly draws bottom-up: best ends on top
    roi_pct = ordered["roi"].astype(float) * 100
    colors = [GOOD if v >= 0 else BAD for v in roi_pct]
    fig = go.Figure(go.Bar(
        x=roi_pct, y=ordered["segment"].astype(str), orientation="h", name="ROI", marker_color=colors,
        text=[f"{v:+,.0f}%" for v in roi_pct], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: ROI %{x:+,.0f}%<extra></extra>",
    ))
    fig.add_vline(x=0, line_dash="dash", line_color="#333",
                  annotation_text="break-even", annotation_position="top")
    fig.update_layout(
        title=title + _left_out(missing, "no spend or revenue"),
        xaxis_title="ROI = (gross profit − acquisition spend) / spend, in %",
        yaxis_title=None, height=max(300, 60 + 45 * len(ordered)), margin=dict(l=10, r=60, t=70, b=50),
        showlegend=False,
    )
    return fig


def cac_vs_ltv(segments: pd.DataFrame, *, colors: dict[str, str] | None = None) -> go.Figure:
    """Bubble chart: CAC (x) against predicted LTV (y), one coloured bubble per segment, size = customers.

    The diagonal ``LTV = CAC`` is break-even; the ``LTV = 3 x CAC`` line is the usual target.
    Segments above the 3:1 line earn well on what it costs to win them.

    Parameters
    ----------
    segments
        Columns ``segment``, ``cac``, ``predicted_ltv``, ``customers``.
    colors
        Segment name -> colour (the same on every page); the palette in row order otherwise.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"LTV = CAC (break-even)"`` and ``"LTV = 3 × CAC (target)"`` (lines), then one
        marker trace per segment, named after it (the legend is the key).
    """
    title = "What a customer costs vs what a customer is worth"
    ok = segments["cac"].map(_finite) & segments["predicted_ltv"].map(_finite)
    known = segments[ok]
    missing = segments.loc[~ok, "segment"].astype(str).tolist()
    if known.empty:
        return _empty(title, "Needs acquisition spend and a signup date to compare CAC with lifetime value.")
    cac = known["cac"].astype(float).to_numpy()
    ltv = known["predicted_ltv"].astype(float).to_numpy()
    customers = known["customers"].astype(float).to_numpy()
    sizes = 14 + 36 * np.sqrt(customers / max(customers.max(), 1.0))
    x_top = float(max(cac.max() * 1.3, 1e-9))
    y_top = float(max(ltv.max() * 1.15, TARGET_RATIO * x_top * 1.05, 1e-9))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, x_top], y=[0, x_top], mode="lines", name="LTV = CAC (break-even)",
                             line=dict(color=BAD, dash="dash"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[0, x_top], y=[0, TARGET_RATIO * x_top], mode="lines",
                             name="LTV = 3 × CAC (target)", line=dict(color=GOOD, dash="dot"), hoverinfo="skip"))
    palette = segment_colours()
    for i, row in enumerate(known.itertuples(index=False)):
        ratio = float(row.predicted_ltv) / float(row.cac) if float(row.cac) > 0 else math.nan
        fig.add_trace(go.Scatter(
            x=[float(row.cac)], y=[float(row.predicted_ltv)], mode="markers", name=str(row.segment),
            marker=dict(size=[float(sizes[i])], color=(colors or {}).get(str(row.segment), palette[i % len(palette)]),
                        opacity=0.75,
                        line=dict(width=1, color="white")),
            hovertemplate=(f"{row.segment}<br>CAC %{{x:,.2f}}<br>Lifetime value %{{y:,.2f}}<br>"
                           f"LTV:CAC {ratio:,.1f}<br>{float(row.customers):,.0f} customers<extra></extra>"),
        ))
    fig.add_annotation(x=x_top, y=TARGET_RATIO * x_top, text="3 : 1 target", showarrow=False, xanchor="right",
                       yanchor="bottom", font=dict(color=GOOD))
    fig.add_annotation(x=x_top, y=x_top, text="break-even", showarrow=False, xanchor="right", yanchor="bottom",
                       font=dict(color=BAD))
    fig.update_layout(
        title=title + "<br><sup>Bubble size = number of customers. Higher and further left is better.</sup>"
        + _left_out(missing, "no spend or no signup date").replace("<br>", " "),
        xaxis_title="CAC: acquisition cost per customer", yaxis_title="Predicted lifetime value (gross profit)",
        xaxis_range=[0, x_top], yaxis_range=[min(0.0, float(ltv.min()) * 1.1), y_top], height=480,
        legend=dict(title="Segment"), margin=dict(t=80),
    )
    return fig


def segment_colours() -> list[str]:
    """The qualitative palette used for one colour per segment.

    Returns
    -------
    list[str]
        Hex colours, cycled when there are more segments.
    """
    return ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
            "#7f7f7f", "#d62728"]


def roi_heatmap(by_channel: pd.DataFrame) -> go.Figure:
    """Heatmap of ROI to date per segment (rows) and acquisition channel (columns).

    Parameters
    ----------
    by_channel
        Columns ``segment``, ``channel``, ``roi``, ``customers``.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace (red below break-even, green above; empty cells = n/a).
    """
    title = "ROI by segment and acquisition channel"
    if by_channel.empty:
        return _empty(title, "Needs an acquisition channel column.")
    pivot = by_channel.pivot_table(index="segment", columns="channel", values="roi", aggfunc="first",
                                   dropna=False, sort=True)
    z = pivot.to_numpy(dtype=float) * 100
    text = [[f"{v:+,.0f}%" if math.isfinite(v) else "n/a" for v in row] for row in z]
    # ROI cannot go below -100%; colours stop at +300% so losses stay clearly red next to big winners.
    fig = go.Figure(go.Heatmap(
        z=np.clip(z, -100, COLOUR_CAP), x=[str(c) for c in pivot.columns], y=[str(i) for i in pivot.index],
        text=text, texttemplate="%{text}", zmin=-100, zmax=COLOUR_CAP, colorscale=ROI_COLOURS, name="ROI",
        colorbar=dict(title="ROI %", tickvals=[-100, 0, 100, 200, COLOUR_CAP],
                      ticktext=["−100%", "0 (break-even)", "+100%", "+200%", f"+{COLOUR_CAP:.0f}% or more"]),
        hovertemplate="%{y} via %{x}: %{text}<extra></extra>",
    ))
    fig.update_layout(title=title + "<br><sup>Red: not paid back; green: paid back. "
                      "n/a: no customers or no spend for that channel</sup>",
                      height=max(320, 90 + 40 * len(pivot.index)), xaxis_title="Acquisition channel",
                      yaxis_title=None, margin=dict(t=80))
    return fig


def projection_spec(projection: pd.DataFrame, *, names: dict[str, str] | None = None,
                    key_header: str = "Segment") -> tuple[pd.DataFrame, dict]:
    """Grouped bars: projected return per segment with the current split and with the what-if split (Vega-Lite).

    Vega-Lite, not Plotly, for the page's first view (see :func:`segdash.report.segment_charts.sizes_spec`).
    Horizontal bars: long segment names stay readable.

    Parameters
    ----------
    projection
        :attr:`segdash.economics.BudgetProjection.table`.
    names
        Key -> display name.
    key_header
        What a key is, for the tooltip (``"Segment"``, or ``"Acquisition channel"`` for a split by channel).

    Returns
    -------
    tuple[pandas.DataFrame, dict]
        The bars (``Segment``: the key's name, ``Split`` = ``"Current split"`` or ``"What-if split"``, ``Return``), two
        per segment in the table's order, and the specification to pass with them to ``st.vega_lite_chart``.
    """
    labels = [(names or {}).get(str(k), str(k)) for k in projection["key"]]
    splits = ("Current split", "What-if split")
    rows = [(label, split, float(value)) for label, now, then in
            zip(labels, projection["current_return"], projection["return"], strict=True)
            for split, value in zip(splits, (now, then), strict=True)]
    frame = pd.DataFrame(rows, columns=["Segment", "Split", "Return"])
    spec = {
        "title": "Projected lifetime gross profit from new customers (linear projection)",
        "height": {"step": 18},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "Segment", "type": "nominal", "sort": list(dict.fromkeys(labels)), "title": None,
                  "axis": {"labelLimit": 280}},
            "yOffset": {"field": "Split", "type": "nominal", "sort": list(splits)},
            "x": {"field": "Return", "type": "quantitative", "title": "Lifetime gross profit", "axis": {"format": ",.0f"}},
            "color": {"field": "Split", "type": "nominal", "title": None,
                      "scale": {"domain": list(splits), "range": ["#90a4ae", "#1565c0"]},
                      "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "Segment", "type": "nominal", "title": key_header}, {"field": "Split", "type": "nominal"},
                        {"field": "Return", "type": "quantitative", "format": ",.0f"}],
        },
    }
    return frame, spec


def summary_sentences(segments: pd.DataFrame, *, limit: int = 4) -> list[str]:
    """Plain sentences a marketer can read out: who pays back, who does not.

    Parameters
    ----------
    segments
        Per-segment table with display names (``segment``, ``customers``, ``spend``, ``roi``,
        ``ltv_to_cac``, ``payback_months``, ``tenure_months``).
    limit
        At most this many sentences about paying segments (all non-paying ones are named).

    Returns
    -------
    list[str]
        E.g. ``"Segment 'Older phone loyalists' returns 4.1x its acquisition cost in gross profit so far."``
    """
    sentences: list[str] = []
    known = segments[segments["roi"].map(_finite)].sort_values("roi", ascending=False)
    if known.empty:
        if len(segments) and not (segments["spend"].fillna(0) > 0).any():
            return ["No acquisition spend is recorded yet, so no segment's return can be judged. "
                    "Enter spend per channel to see which segments pay back."]
        return ["Not enough data to judge which segments pay back."]
    paying = known[known["roi"] >= 0]
    losing = known[known["roi"] < 0]
    for row in paying.head(limit).itertuples(index=False):
        multiple = float(row.roi) + 1.0
        text = f"Segment '{row.segment}' returns {multiple:,.1f}x its acquisition cost in gross profit so far"
        if _finite(row.payback_months):
            text += f"; it pays back in about {float(row.payback_months):,.1f} months"
        sentences.append(text + ".")
    if len(paying) > limit:
        last = paying.iloc[-1]
        sentences.append(f"The lowest return among the segments that paid back: '{last['segment']}', "
                         f"{float(last['roi']) + 1.0:,.1f}x its acquisition cost.")
    for row in losing.itertuples(index=False):
        text = f"'{row.segment}' has not paid back"
        if _finite(row.tenure_months):
            text += f" after {float(row.tenure_months):,.0f} months on average"
        text += f": gross profit covers {max(float(row.roi) + 1.0, 0.0) * 100:,.0f}% of its acquisition cost"
        if _finite(row.ltv_to_cac):
            ratio = float(row.ltv_to_cac)
            text += (f", but its predicted lifetime value is {ratio:,.1f}x its cost" if ratio >= 1
                     else f", and even its predicted lifetime value is only {ratio:,.1f}x its cost")
        sentences.append(text + ".")
    below_target = known[known["ltv_to_cac"].map(_finite) & (known["ltv_to_cac"] < TARGET_RATIO)]
    if len(below_target) and len(below_target) < len(known):
        names = ", ".join(f"'{s}'" for s in below_target["segment"].astype(str))
        sentences.append(f"Below the usual 3:1 lifetime value to cost target: {names}.")
    undefined = segments.loc[~segments["roi"].map(_finite), "segment"].astype(str).tolist()
    if undefined:
        sentences.append("No ROI for " + ", ".join(f"'{s}'" for s in undefined)
                         + " (no acquisition spend or no customers).")
    return sentences
