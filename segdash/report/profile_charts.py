"""Plotly figures for the Profiles page: pure functions from small tables to figures.

Every text that comes from a user (segment names, category values) is HTML-escaped before it
reaches Plotly, which would otherwise render tags such as ``<b>`` inside labels.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segdash.labels import higher_is_worse, shorten
from segdash.profile import trait_matrix

#: Colours for "below average" and "above average".
BELOW, ABOVE = "#c0504d", "#2f6db5"
_PALETTE = ["#2f6db5", "#e8833a", "#3a9e5c", "#c0504d", "#8064a2", "#4bacc6", "#9c6b30", "#d16fa8",
            "#7f7f7f", "#b5b83c", "#17becf", "#5c5c8a"]


def plain(text: object) -> str:
    """User text made safe to show literally in a Plotly label (``<b>`` stays ``<b>``).

    Parameters
    ----------
    text
        Any value.

    Returns
    -------
    str
    """
    return html.escape(str(text), quote=False)


def _layout(fig: go.Figure, *, height: int, title: str = "") -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title={"text": title} if title else None, plot_bgcolor="white", showlegend=False,
    )
    return fig


def segment_colours(names: list[str]) -> dict[str, str]:
    """A stable colour per segment name (in the given order).

    Parameters
    ----------
    names
        Segment display names, largest segment first.

    Returns
    -------
    dict[str, str]
    """
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(names)}


def sizes_chart(sizes: pd.DataFrame, *, unit: str = "customers",
                colours: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars of customers per segment, labelled with count and share.

    Parameters
    ----------
    sizes
        ``segment`` (display name), ``customers``, ``share``; largest first.
    unit
        What the sizes count (``"customers"``, or ``"order lines"`` for RFM on a transactions file).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    names = [plain(shorten(s, length=40)) for s in sizes["segment"]]
    full = [plain(s) for s in sizes["segment"]]
    text = [f"{c:,} · {s:.0%}" for c, s in zip(sizes["customers"], sizes["share"], strict=True)]
    fallback = segment_colours(list(sizes["segment"]))
    colours = [(colours or fallback).get(name, fallback[name]) for name in sizes["segment"]]
    fig = go.Figure(
        go.Bar(x=sizes["customers"], y=names, orientation="h", text=text, textposition="auto",
               marker_color=colours, customdata=full, hovertemplate="%{customdata}: %{text}<extra></extra>")
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=unit.capitalize(), tickformat=",")
    return _layout(fig, height=max(160, 48 * len(names) + 60))


def wrap(text: str, *, width: int = 18) -> str:
    """User text escaped for Plotly and wrapped onto lines of about ``width`` characters.

    Parameters
    ----------
    text
        A segment name or other user text.
    width
        Characters per line (a longer word keeps its own line).

    Returns
    -------
    str
        Escaped text with ``<br>`` between lines.
    """
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(plain(line) for line in lines)


def traits_heatmap(
    traits: pd.DataFrame, *, names: dict[str, str], per_category: int = 3, hide_quiet: bool = False
) -> go.Figure:
    """Traits x segments heatmap of standardised differences (blue above, red below average).

    One row per trait (every label shown, readable horizontally), one column per segment.

    Parameters
    ----------
    traits
        Output of :func:`segdash.profile.compute_traits`.
    names
        Segment label -> display name.
    per_category
        Category values shown per attribute (those that vary most across segments).
    hide_quiet
        Leave out attributes on which every segment is about average.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    matrix, hover = trait_matrix(traits, per_category=per_category, hide_quiet=hide_quiet)
    asked = trait_questions(traits)
    worse = worse_traits(traits)
    full_names = [plain(names.get(s, s)) for s in matrix.index]
    segments = [wrap(shorten(names.get(s, s), length=60)) for s in matrix.index]
    rows = [plain(c) + (" (fewer is better)" if c in worse else "") for c in matrix.columns]
    # colour follows meaning: where more is worse, "higher" is drawn in the bad (red) colour
    sign = np.array([-1.0 if c in worse else 1.0 for c in matrix.columns])
    z = (matrix.to_numpy(dtype=float) * sign).T
    shown = np.where(np.isfinite(z), np.clip(z, -2, 2), np.nan)
    fig = go.Figure(
        go.Heatmap(
            z=shown, x=segments, y=rows, zmid=0, zmin=-2, zmax=2, colorscale="RdBu",
            text=[[f"{full}<br>{plain(t)}" + (f"<br><i>{wrap(asked[key], width=60)}</i>" if key in asked else "")
                   for full, t in zip(full_names, row, strict=True)]
                  for key, row in zip(matrix.columns, hover.to_numpy().T, strict=True)],
            hovertemplate="%{text}<extra></extra>",
            colorbar={"title": {"text": "vs average"}, "tickvals": [-2, -1, 0, 1, 2],
                      "ticktext": ["much worse / lower", "lower", "average", "higher", "much better / higher"]},
            xgap=2, ygap=1,
        )
    )
    fig.update_xaxes(side="top", tickmode="array", tickvals=segments, ticktext=segments)
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=rows,
                     ticktext=[shorten(r, length=48) for r in rows])
    return _layout(fig, height=max(300, 22 * len(rows) + 140))


def trait_questions(traits: pd.DataFrame) -> dict[str, str]:
    """Heatmap row key -> the full question, for traits whose column is a survey question (hover text)."""
    from segdash.labels import is_question
    from segdash.profile import trait_label

    if traits.empty:
        return {}
    rows = traits.drop_duplicates(["attribute", "value"])
    return {trait_label(row): " ".join(str(row["attribute"]).split())
            for _, row in rows.iterrows() if is_question(row["attribute"])}


def worse_traits(traits: pd.DataFrame) -> set[str]:
    """Heatmap row keys of the attributes where more is worse (days since last purchase, cost, ...).

    Parameters
    ----------
    traits
        Output of :func:`segdash.profile.compute_traits`.

    Returns
    -------
    set[str]
        Keys as in :func:`segdash.profile.trait_matrix` columns (numbers and dates only).
    """
    from segdash.profile import CATEGORY, trait_label

    keys = set()
    for _, row in traits.drop_duplicates("attribute").iterrows():
        if row["kind"] == CATEGORY:
            continue
        if higher_is_worse(str(row["attribute"]), label=str(row["label"]), role=str(row.get("role", ""))):
            keys.add(trait_label(row))
    return keys


def _comparison_bars(top: pd.DataFrame) -> tuple[list[float], list[str], list[str], list[str]]:
    """(distance from average clipped to +-3, short labels, colours, full sentences) of one segment's top traits."""
    values = [float(v) for v in top["std_diff"].astype(float).clip(-3, 3)]
    worse = [top["kind"].iloc[i] != "category" and higher_is_worse(
        str(top["attribute"].iloc[i]), label=str(top["label"].iloc[i]) if "label" in top else "",
        role=str(top["role"].iloc[i]) if "role" in top else "") for i in range(len(top))]
    # colour follows meaning: more days since the last purchase is drawn in the "worse" colour
    colours = [ABOVE if (v >= 0) != bad else BELOW for v, bad in zip(values, worse, strict=True)]
    return values, [shorten(t) for t in top["short"]], colours, [str(t) for t in top["text"]]


def comparison_chart(top: pd.DataFrame) -> go.Figure:
    """Small bar chart of one segment's top traits: how far each is from average (Plotly, for the report).

    Parameters
    ----------
    top
        Rows of :func:`segdash.profile.top_traits` for one segment (``short``, ``text``, ``std_diff``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    values, labels, colours, texts = _comparison_bars(top)
    labels = [plain(label) for label in labels]
    fig = go.Figure(
        go.Bar(x=values, y=labels, orientation="h", marker_color=colours,
               customdata=[plain(t) for t in texts], hovertemplate="%{customdata}<extra></extra>")
    )
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=labels, ticktext=labels)
    fig.update_xaxes(zeroline=True, zerolinecolor="#888", range=[-3, 3], tickvals=[-2, 0, 2],
                     ticktext=["lower", "average", "higher"])
    return _layout(fig, height=max(110, 28 * len(labels) + 50))


def comparison_spec(top: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The card chart of :func:`comparison_chart` as Vega-Lite, for the Profiles page.

    Streamlit draws Vega-Lite with a small library, where the first Plotly chart of a page loads
    plotly.js (4.7 MB, about a second of the browser's CPU, issue 14). Labels are drawn as text, so
    they are not escaped here.

    Returns
    -------
    tuple[pandas.DataFrame, dict]
        One row per trait (``Trait``, ``Distance`` from -3 to 3, ``Colour``, ``Meaning``: the card's
        sentence) and the specification to pass with them to ``st.vega_lite_chart``.
    """
    values, labels, colours, texts = _comparison_bars(top)
    frame = pd.DataFrame({"Trait": labels, "Distance": values, "Colour": colours, "Meaning": texts})
    scale = {"domain": [-3, 3]}
    axis = {"values": [-2, 0, 2], "title": None, "grid": False,
            "labelExpr": "datum.value < 0 ? 'lower' : datum.value > 0 ? 'higher' : 'average'"}
    spec = {
        "height": {"step": 24},
        "layer": [
            {"mark": {"type": "bar"},
             "encoding": {"y": {"field": "Trait", "type": "nominal", "sort": list(dict.fromkeys(labels)), "title": None,
                                "axis": {"labelLimit": 160}},
                          "x": {"field": "Distance", "type": "quantitative", "scale": scale, "axis": axis},
                          "color": {"field": "Colour", "type": "nominal", "scale": None, "legend": None},
                          "tooltip": [{"field": "Meaning", "type": "nominal", "title": "Trait"}]}},
            # the average: one line across the whole chart
            {"mark": {"type": "rule", "color": "#888"}, "encoding": {"x": {"datum": 0, "type": "quantitative"}}},
        ],
    }
    return frame, spec


def pca_map_chart(points: pd.DataFrame, *, order: list[str] | None = None,
                  colours: dict[str, str] | None = None) -> go.Figure:
    """2-D map of a sample of customers, coloured by segment.

    Parameters
    ----------
    points
        ``x``, ``y``, ``segment`` (display name); a few thousand rows at most.
    order
        Segment display names in legend order.

    colours
        Segment display name -> colour (the same on every page); the palette in order otherwise.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    order = order or sorted(points["segment"].astype(str).unique())
    colours = {**segment_colours(order), **(colours or {})}
    fig = go.Figure()
    for name in order:
        part = points[points["segment"].astype(str) == name]
        fig.add_trace(
            go.Scattergl(x=part["x"], y=part["y"], mode="markers", name=plain(name),
                         marker={"size": 5, "opacity": 0.6, "color": colours[name]},
                         hovertemplate=plain(name) + "<extra></extra>")
        )
    fig.update_xaxes(showticklabels=False, title_text="")
    fig.update_yaxes(showticklabels=False, title_text="")
    _layout(fig, height=460)
    fig.update_layout(showlegend=True, legend={"title": {"text": "Segment"}})
    return fig


def distribution_chart(
    sample: pd.DataFrame, *, label: str, order: list[str] | None = None, kind: str = "box",
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Box or violin plot of one attribute per segment, from a sample.

    Parameters
    ----------
    sample
        ``segment`` (display name), ``value``.
    label
        What the values are ("Age").
    order
        Segment display names in order.
    kind
        ``box`` or ``violin``.

    colours
        Segment display name -> colour (the same on every page); the palette in order otherwise.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    order = order or sorted(sample["segment"].astype(str).unique())
    colours = {**segment_colours(order), **(colours or {})}
    fig = go.Figure()
    for name in order:
        values = sample.loc[sample["segment"].astype(str) == name, "value"]
        common = {"x": values, "name": plain(name), "marker_color": colours[name], "orientation": "h",
                  "hoverinfo": "x+name"}
        if kind == "violin":
            fig.add_trace(go.Violin(**common, box_visible=True, meanline_visible=True, points=False))
        else:
            fig.add_trace(go.Box(**common, boxpoints=False, boxmean=True))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=plain(label), tickformat=",")
    return _layout(fig, height=max(220, 52 * len(order) + 80))

