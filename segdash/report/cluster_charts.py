"""Charts about choosing the number of segments (k) for clustering."""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: (score key, panel title) in display order.
METRICS = (
    ("silhouette", "Silhouette (higher is better)"),
    ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
    ("davies_bouldin", "Davies-Bouldin (lower is better)"),
)
_LINE = "#4C78A8"
_CHOSEN = "#E45756"


def k_scores_figure(scores: Mapping[int, Mapping[str, float]], chosen_k: int) -> go.Figure:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin for every k tried, on one chart.

    Three panels stacked over a shared "Number of segments (k)" axis; the chosen k is marked
    with a dashed line across the panels and a red point on each curve.

    Parameters
    ----------
    scores
        k -> ``{"silhouette", "calinski_harabasz", "davies_bouldin"}`` (``Segmentation.scores``).
        Keys may be ints or strings (after a JSON round trip); missing or NaN values are skipped.
    chosen_k
        The k that was chosen.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    ks = sorted(int(k) for k in scores)
    by_k = {int(k): dict(v) for k, v in scores.items()}
    fig = make_subplots(
        rows=len(METRICS), cols=1, shared_xaxes=True, vertical_spacing=0.08,
        subplot_titles=[title for _, title in METRICS],
    )
    for row, (key, title) in enumerate(METRICS, start=1):
        points = [(k, by_k[k].get(key)) for k in ks]
        points = [(k, float(v)) for k, v in points if v is not None and not math.isnan(float(v))]
        name = title.split(" (")[0]
        fig.add_trace(
            go.Scatter(
                x=[k for k, _ in points], y=[v for _, v in points], mode="lines+markers", name=name,
                line={"color": _LINE}, marker={"size": 8},
                hovertemplate="k = %{x}<br>" + name + ": %{y:,.3f}<extra></extra>",
            ),
            row=row, col=1,
        )
        chosen = [v for k, v in points if k == chosen_k]
        if chosen:
            fig.add_trace(
                go.Scatter(
                    x=[chosen_k], y=chosen, mode="markers", name=f"Chosen k = {chosen_k}",
                    marker={"color": _CHOSEN, "size": 14, "symbol": "star"}, showlegend=row == 1,
                    legendgroup="chosen", hovertemplate=f"chosen k = {chosen_k}<extra></extra>",
                ),
                row=row, col=1,
            )
        fig.update_yaxes(title_text="score", row=row, col=1, tickformat=",.2f" if key != "calinski_harabasz" else ",.0f")
    fig.add_vline(x=chosen_k, line_dash="dash", line_color=_CHOSEN, opacity=0.6)
    fig.update_xaxes(title_text="Number of segments (k)", dtick=1, row=len(METRICS), col=1)
    fig.update_layout(
        title=f"How well each number of segments separates customers (chosen: k = {chosen_k})",
        height=620, showlegend=True, legend={"orientation": "h", "y": -0.12},
        margin={"t": 80, "l": 60, "r": 20, "b": 60},
    )
    return fig
