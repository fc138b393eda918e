"""Plotly figures of the Profiles page: right data, user text escaped, no raw rows."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash import db
from segdash import profile as prof
from segdash.data import Data
from segdash.report import profile_charts as charts
from segdash.segment.base import commit_labels, write_labels

TINY_ROLES = {"customer_id": "id", "age": "demographic", "channel": "service_channel", "vip": "behavioral"}
TINY_TYPES = {"customer_id": "text", "age": "number", "channel": "text", "vip": "boolean"}


def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_row": [1, 2, 3, 4, 5, 6],
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "age": [20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
            "channel": ["Phone", "Phone", "Email", "Email", "Email", "Chat"],
            "vip": [True, False, False, True, True, True],
        }
    )


def load(con, frame: pd.DataFrame, labels: list[str]) -> None:
    con.register("_test_frame", frame)
    con.execute("CREATE TABLE customers AS SELECT * FROM _test_frame")
    con.unregister("_test_frame")
    write_labels(Data.duckdb(con), frame["_row"].to_numpy(), labels)
    commit_labels(Data.duckdb(con))


@pytest.fixture
def tiny_profile():
    con = db.connect()
    load(con, tiny_frame(), ["A", "A", "A", "B", "B", "B"])
    return prof.build_profile(Data.duckdb(con), roles=TINY_ROLES, types=TINY_TYPES)


def test_sizes_chart_labels_and_escaping():
    sizes = pd.DataFrame({"segment": ["<b>x</b>", "=1+1"], "customers": [1200, 800], "share": [0.6, 0.4]})
    fig = charts.sizes_chart(sizes)
    bar = fig.data[0]
    assert list(bar.y) == ["&lt;b&gt;x&lt;/b&gt;", "=1+1"]
    assert list(bar.x) == [1200, 800]
    assert list(bar.text) == ["1,200 · 60%", "800 · 40%"]


def test_heatmap_is_centred_and_named(tiny_profile):
    fig = charts.traits_heatmap(tiny_profile.traits, names={"A": "<i>Young</i>", "B": "Old"})
    heat = fig.data[0]
    assert heat.zmid == 0 and heat.zmin == -2 and heat.zmax == 2
    assert list(heat.x) == ["&lt;i&gt;Young&lt;/i&gt;", "Old"]
    rows = list(heat.y)
    assert rows[0] == "Age"
    assert heat.z[0][0] == pytest.approx(-15 / 350**0.5)
    assert "Channel: Phone" in rows and "Vip" in rows
    assert list(fig.layout.yaxis.ticktext) == rows  # every trait labelled


def test_wrap_escapes_then_breaks_lines():
    assert charts.wrap("Older · High income · Phone support", width=14) == "Older · High<br>income · Phone<br>support"
    assert charts.wrap("<b>x</b> y", width=3) == "&lt;b&gt;x&lt;/b&gt;<br>y"


def test_comparison_chart_colours_by_direction(tiny_profile):
    top = tiny_profile.top_traits[tiny_profile.top_traits["segment"] == "A"]
    fig = charts.comparison_chart(top)
    bar = fig.data[0]
    assert len(bar.y) == len(top)
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["Age"] == charts.BELOW
    assert colours["Phone"] == charts.ABOVE
    assert "67% prefer phone support (2.0x average)" in list(bar.customdata)


def test_map_and_distribution_one_trace_per_segment():
    points = pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [1.0, 0, 1, 0], "segment": ["a", "a", "<b>", "<b>"]})
    fig = charts.pca_map_chart(points, order=["a", "<b>"])
    assert [t.name for t in fig.data] == ["a", "&lt;b&gt;"]
    assert sum(len(t.x) for t in fig.data) == 4
    sample = pd.DataFrame({"segment": ["a", "a", "b"], "value": [1.0, 2.0, 3.0]})
    box = charts.distribution_chart(sample, label="Age", order=["a", "b"])
    assert [t.type for t in box.data] == ["box", "box"]
    assert list(box.data[0].x) == [1.0, 2.0]
    violin = charts.distribution_chart(sample, label="Age", order=["a", "b"], kind="violin")
    assert [t.type for t in violin.data] == ["violin", "violin"]


def test_the_cards_chart_for_the_page_has_the_reports_bars_unescaped(tiny_profile):
    top = tiny_profile.top_traits[tiny_profile.top_traits["segment"] == "A"]
    bars, spec = charts.comparison_spec(top)
    fig = charts.comparison_chart(top)
    assert bars["Trait"].tolist() == list(fig.data[0].y)  # same traits, same order (nothing to escape here)
    assert bars["Distance"].tolist() == pytest.approx(list(fig.data[0].x))
    assert bars["Colour"].tolist() == list(fig.data[0].marker.color)
    assert "67% prefer phone support (2.0x average)" in bars["Meaning"].tolist()
    bar, rule = spec["layer"]
    assert bar["encoding"]["color"] == {"field": "Colour", "type": "nominal", "scale": None, "legend": None}
    assert bar["encoding"]["x"]["scale"] == {"domain": [-3, 3]} and rule["encoding"]["x"]["datum"] == 0
    hostile = top.assign(short="<b>x</b>", text="=1+1 <i>y</i>")
    drawn, _ = charts.comparison_spec(hostile)
    assert set(drawn["Trait"]) == {"<b>x</b>"} and set(drawn["Meaning"]) == {"=1+1 <i>y</i>"}  # text, not HTML
