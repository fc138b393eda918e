"""ROI pictures and summary sentences on small hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from segdash.report import roi_charts


def _segments() -> pd.DataFrame:
    return pd.DataFrame({
        "segment": ["Older phone loyalists", "Young social bargain hunters", "No spend yet"],
        "customers": [400, 100, 50],
        "spend": [1000.0, 4000.0, 0.0],
        "cac": [2.5, 40.0, math.nan],
        "predicted_ltv": [30.0, 20.0, 15.0],
        "roi": [3.1, -0.6, math.nan],
        "ltv_to_cac": [12.0, 0.5, math.nan],
        "payback_months": [0.8, math.nan, math.nan],
        "tenure_months": [20.0, 14.2, 3.0],
    })


def test_roi_bars_sorted_with_break_even_line() -> None:
    fig = roi_charts.roi_by_segment(_segments())
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1
    # Plotly draws horizontal bars bottom-up: the best segment is last (on top).
    assert list(bars[0].y) == ["Young social bargain hunters", "Older phone loyalists"]
    assert list(bars[0].x) == [-60.0, 310.0]
    assert list(bars[0].marker.color) == [roi_charts.BAD, roi_charts.GOOD]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].x0 == 0 and lines[0].x1 == 0
    assert "No spend yet" in fig.layout.title.text  # left out, and named


def test_roi_bars_without_any_roi() -> None:
    fig = roi_charts.roi_by_segment(_segments().assign(roi=math.nan))
    assert not fig.data
    assert "enter acquisition spend" in fig.layout.annotations[0].text


def test_cac_ltv_bubbles_with_break_even_and_target_lines() -> None:
    fig = roi_charts.cac_vs_ltv(_segments())
    names = [t.name for t in fig.data]
    assert names == ["LTV = CAC (break-even)", "LTV = 3 × CAC (target)", "Older phone loyalists",
                     "Young social bargain hunters"]
    even, target, older, young = fig.data
    assert even.y[1] == even.x[1]
    assert target.y[1] == 3 * target.x[1]
    assert (older.x[0], older.y[0]) == (2.5, 30.0)
    assert (young.x[0], young.y[0]) == (40.0, 20.0)
    assert older.marker.size[0] > young.marker.size[0]  # more customers, bigger bubble
    assert "No spend yet" in fig.layout.title.text


def test_heatmap_has_na_cells() -> None:
    by_channel = pd.DataFrame({
        "segment": ["A", "A", "B"],
        "channel": ["Email", "Social", "Email"],
        "roi": [0.5, -0.25, math.nan],
        "customers": [3, 2, 1],
    })
    fig = roi_charts.roi_heatmap(by_channel)
    heat = fig.data[0]
    assert heat.type == "heatmap"
    assert list(heat.x) == ["Email", "Social"] and list(heat.y) == ["A", "B"]
    z = np.asarray(heat.z, dtype=float)
    assert z[0, 0] == 50 and z[0, 1] == -25 and np.isnan(z[1, 0]) and np.isnan(z[1, 1])
    assert (heat.zmin, heat.zmax) == (-100, roi_charts.COLOUR_CAP)
    assert heat.text[0][0] == "+50%" and heat.text[1][1] == "n/a"
    # Pale yellow (the break-even colour) sits exactly at ROI 0 on the -100 .. cap scale.
    assert heat.colorscale[2][0] == 100 / (roi_charts.COLOUR_CAP + 100)


def test_projection_chart_compares_splits() -> None:
    projection = pd.DataFrame({"key": ["a", "b"], "current_return": [10.0, 20.0], "return": [15.0, 5.0]})
    bars, spec = roi_charts.projection_spec(projection, names={"a": "Alpha"})
    assert bars.to_dict("list") == {"Segment": ["Alpha", "Alpha", "b", "b"],
                                    "Split": ["Current split", "What-if split"] * 2, "Return": [10.0, 15.0, 20.0, 5.0]}
    encoding = spec["encoding"]
    assert encoding["y"]["field"] == "Segment" and encoding["y"]["sort"] == ["Alpha", "b"]  # names on the side
    assert encoding["x"]["field"] == "Return" and encoding["yOffset"]["field"] == "Split"
    assert encoding["color"]["scale"]["domain"] == ["Current split", "What-if split"]
    assert "linear projection" in spec["title"]
    assert encoding["tooltip"][0]["title"] == "Segment"
    by_channel = roi_charts.projection_spec(projection, key_header="Acquisition channel")[1]
    assert by_channel["encoding"]["tooltip"][0]["title"] == "Acquisition channel"  # a split by channel says so


def test_summary_sentences() -> None:
    sentences = roi_charts.summary_sentences(_segments())
    assert sentences[0] == ("Segment 'Older phone loyalists' returns 4.1x its acquisition cost in gross profit "
                            "so far; it pays back in about 0.8 months.")
    assert sentences[1].startswith("'Young social bargain hunters' has not paid back after 14 months on average")
    assert "only 0.5x its cost" in sentences[1]
    assert sentences[-1] == "No ROI for 'No spend yet' (no acquisition spend or no customers)."


def test_summary_without_spend() -> None:
    frame = _segments().assign(roi=math.nan, spend=0.0)
    assert "No acquisition spend is recorded yet" in roi_charts.summary_sentences(frame)[0]


def test_summary_names_the_lowest_paying_segment_when_many() -> None:
    frame = pd.DataFrame({
        "segment": [f"S{i}" for i in range(6)], "customers": [10] * 6, "spend": [100.0] * 6,
        "roi": [5.0, 4.0, 3.0, 2.0, 1.0, 0.5], "ltv_to_cac": [9.0] * 6, "payback_months": [1.0] * 6,
        "tenure_months": [12.0] * 6,
    })
    sentences = roi_charts.summary_sentences(frame, limit=4)
    assert len(sentences) == 5
    assert sentences[0].startswith("Segment 'S0' returns 6.0x")
    assert sentences[-1] == "The lowest return among the segments that paid back: 'S5', 1.5x its acquisition cost."
