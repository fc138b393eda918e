"""Figures for the Segments page: segment sizes, k-selection scores, the RFM grid. Pure functions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Labels drawn in grey: they are not real segments.
_SIDE_LABELS = ("Not segmented", "No customer id", "Only cancellations or returns")
_COLOR = "#4C78A8"
_GREY = "#BBBBBB"
#: Pixels kept free right of the longest size bar for its label ("12,345 (25%)").
LABEL_ROOM = 90


def sizes_table(sizes: dict[str, int], *, names: dict[str, str] | None = None,
                rules: dict[str, str] | None = None) -> pd.DataFrame:
    """Segment sizes as a table: segment (display name), customers, share, and the rule if any.

    Parameters
    ----------
    sizes
        Segment label -> rows.
    names
        Segment label -> display name (labels without one are shown as they are).
    rules
        Segment label -> plain-word rule (added as a ``Who is in it`` column when given).

    Returns
    -------
    pandas.DataFrame
        One row per segment, largest first; ``Share`` is a percentage (0-100) and they add up to 100.
    """
    names = names or {}
    total = sum(sizes.values()) or 1
    rows = [{"Segment": names.get(label, label), "Customers": int(n), "Share": 100.0 * n / total}
            for label, n in sorted(sizes.items(), key=lambda item: (-item[1], item[0]))]
    frame = pd.DataFrame(rows, columns=["Segment", "Customers", "Share"])
    if rules:
        ordered = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
        frame["Who is in it"] = [rules.get(label, "") for label, _ in ordered]
    return frame


def sizes_spec(sizes: dict[str, int], *, names: dict[str, str] | None = None, unit: str = "customers",
               max_bars: int = 40, colors: dict[str, str] | None = None,
               text_colour: str = "#31333F") -> tuple[pd.DataFrame, dict]:
    """Horizontal bar chart of segment sizes with counts and shares, largest on top (Vega-Lite).

    Vega-Lite, not Plotly: Streamlit draws it with a small library, where the page's first Plotly
    chart loads and starts plotly.js (4.7 MB): about 0.8 s of the browser's CPU on the clustering
    click, measured (issue 14). Names are data of the chart, drawn as text (never as HTML).

    Parameters
    ----------
    sizes
        Segment label -> rows.
    names
        Segment label -> display name.
    unit
        What is counted ("customers" or "order lines"), for the axis and the tooltip.
    max_bars
        At most this many bars; the rest are summed into one "N more segments" bar.
    colors
        Display name -> colour (one colour per segment on every page); one colour otherwise.
    text_colour
        Colour of the count labels (the theme's text colour: the page's dark theme needs a light one).

    Returns
    -------
    tuple[pandas.DataFrame, dict]
        The bars (``Segment``, ``Count``, ``Share`` from 0 to 1, ``Label`` such as ``"1,234 (25%)"``)
        and the specification to pass with them to ``st.vega_lite_chart``.
    """
    names = names or {}
    total = sum(sizes.values()) or 1
    ordered = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    if len(ordered) > max_bars:
        rest = ordered[max_bars - 1:]
        ordered = [*ordered[:max_bars - 1], (f"{len(rest)} more segments", sum(n for _, n in rest))]
    labels = [names.get(label, label) for label, _ in ordered]
    counts = [int(n) for _, n in ordered]
    shades = [_GREY if label in _SIDE_LABELS or label.endswith("more segments")
              else (colors or {}).get(names.get(label, label), _COLOR) for label, _ in ordered]
    frame = pd.DataFrame({"Segment": labels, "Count": counts, "Share": [n / total for n in counts],
                          "Label": [f"{n:,} ({n / total:.0%})" for n in counts]})
    y = {"field": "Segment", "type": "nominal", "sort": labels, "title": None, "axis": {"labelLimit": 280}}
    x = {"field": "Count", "type": "quantitative", "title": unit.capitalize(), "axis": {"format": ",.0f", "tickMinStep": 1},
         "scale": {"range": [0, {"expr": f"max(width - {LABEL_ROOM}, width / 2)"}]}}  # room for the labels
    spec = {
        "title": f"Segment sizes ({sum(sizes.values()):,} {unit} in total)",
        "height": {"step": 30},
        "encoding": {"y": y, "x": x},
        "layer": [
            {"mark": {"type": "bar"},
             "encoding": {"color": {"field": "Segment", "type": "nominal", "legend": None,
                                    "scale": {"domain": labels, "range": shades}},
                          "tooltip": [{"field": "Segment", "type": "nominal"},
                                      {"field": "Count", "type": "quantitative", "format": ",.0f", "title": unit.capitalize()},
                                      {"field": "Share", "type": "quantitative", "format": ".0%"}]}},
            {"mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, "color": text_colour},
             "encoding": {"text": {"field": "Label", "type": "nominal"}}},
        ],
    }
    return frame, spec


def k_scores_figure(scores: dict[int, dict[str, float]], chosen_k: int) -> go.Figure:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin for each k tried, one panel each, chosen k marked.

    Parameters
    ----------
    scores
        k -> ``{"silhouette", "calinski_harabasz", "davies_bouldin"}``.
    chosen_k
        The k that was kept.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    ks = sorted(int(k) for k in scores)
    panels = [("silhouette", "Silhouette (higher is better)"),
              ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
              ("davies_bouldin", "Davies-Bouldin (lower is better)")]
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in panels])
    for col, (key, _) in enumerate(panels, start=1):
        values = [scores[k].get(key) if k in scores else scores[str(k)].get(key) for k in ks]
        figure.add_trace(go.Scatter(x=ks, y=values, mode="lines+markers", name=key, showlegend=False,
                                    line_color=_COLOR), row=1, col=col)
        figure.add_vline(x=chosen_k, line_dash="dash", line_color="#E45756", row=1, col=col)
    figure.update_xaxes(title_text="number of segments (k)", dtick=1)
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 60, "b": 40},
                         title=f"How well each number of segments separates customers (chosen: {chosen_k})")
    return figure


def rfm_grid_figure(grid: list[dict[str, int]]) -> go.Figure:
    """Heat map of customers per recency score (x) and FM score (y).

    Parameters
    ----------
    grid
        ``[{"R": 1-5, "FM": 1-5, "customers": n}, ...]`` (missing cells count 0).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    counts = {(c["R"], c["FM"]): c["customers"] for c in grid}
    z = [[counts.get((r, fm), 0) for r in range(1, 6)] for fm in range(1, 6)]
    figure = go.Figure(go.Heatmap(
        z=z, x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], colorscale="Blues", text=[[f"{v:,}" for v in row] for row in z],
        texttemplate="%{text}", hovertemplate="R %{x}, FM %{y}: %{z:,} customers<extra></extra>",
    ))
    figure.update_layout(title="Customers by recency (R) and frequency + spend (FM) scores",
                         xaxis_title="Recency score (5 = bought most recently)",
                         yaxis_title="FM score (5 = buys most, spends most)", height=360,
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure
