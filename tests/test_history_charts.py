"""Pure Plotly figures of the Over time page."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segdash.report import history_charts as charts

TRANSITIONS = pd.DataFrame({"from_segment": ["a", "a", None, "b"], "to_segment": ["a", None, "b", "b"],
                            "customers": [5, 2, 3, 4], "revenue": np.nan})


def test_sankey_has_new_and_gone_nodes_and_every_customer():
    fig = charts.sankey(TRANSITIONS, old_names={"a": "Champions"}, new_names={"a": "Champions", "b": "At risk"})
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    assert labels == ["Champions", "b", "New customers", "Champions", "At risk", "Gone customers"]
    assert sum(sankey.link.value) == 14
    gone = labels.index("Gone customers")
    assert [v for t, v in zip(sankey.link.target, sankey.link.value, strict=True) if t == gone] == [2]
    assert sankey.node.y[labels.index("New customers")] > sankey.node.y[0]  # new customers at the bottom
    assert "14 customers" in fig.layout.title.text


def test_sankey_without_customers_says_so():
    empty = TRANSITIONS.iloc[:0]
    assert "No customers" in charts.sankey(empty).layout.annotations[0].text


def test_drift_bars_leave_out_undefined_and_show_thresholds():
    drift = pd.DataFrame({"column": ["age", "income"], "psi": [0.05, np.nan], "level": ["little", "n/a"]})
    fig = charts.drift_bars(drift)
    assert list(fig.data[0].y) == ["age"]
    assert {shape.x0 for shape in fig.layout.shapes} == {0.1, 0.25}


def test_key_result_chart_draws_known_values_and_target():
    series = pd.DataFrame({"snapshot": ["Jan", "Feb", "Mar"], "value": [4.0, np.nan, 7.0]})
    fig = charts.key_result_chart(series, target=10.0, unit="%")
    assert list(fig.data[0].x) == ["Jan", "Mar"]
    assert fig.layout.shapes[0].y0 == 10.0
    assert fig.layout.yaxis.ticksuffix == "%"


def test_size_change_bars():
    sizes = pd.DataFrame({"segment": ["Champions"], "old": [10], "new": [8]})
    fig = charts.size_change_bars(sizes)
    assert [trace.name for trace in fig.data] == ["Before", "Now"]
