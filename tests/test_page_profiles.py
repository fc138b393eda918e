"""AppTest of the Profiles page: a segmentation set on the session's workspace, then the page."""

from __future__ import annotations

import json

import numpy as np

from segdash.data import Data
from segdash.schema import Segmentation
from segdash.segment.base import write_labels
from segdash.ui import profiles as view
from segdash.ui import state


def segment_session(at, rule: str = "age") -> object:
    """Run the app once (sample loaded), then label every customer by a simple age/income rule."""
    at.run()
    ws = at.session_state[state.WORKSPACE]
    frame = ws.con.execute("SELECT _row, age, income FROM customers ORDER BY _row").df().fillna(0)
    if rule == "one":
        labels = np.full(len(frame), "1")
    else:
        labels = np.where(frame["age"] >= 60, "1", np.where(frame["income"] >= 90_000, "2", "3"))
    sizes = write_labels(Data.duckdb(ws.con), frame["_row"].to_numpy(), labels)
    ws.set_segmentation(Segmentation(method="kmeans", settings={"rule": rule}, sizes=sizes, k=len(sizes),
                                     features=["age", "income", "orders"]))
    return ws


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def open_section(at, section: str) -> None:
    """Click the Profiles tab ``section`` (only the open tab is drawn)."""
    at.session_state[view.SECTION_TAB] = section
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_profiles_without_segments_points_to_segments(make_app):
    at = make_app()
    at.run()
    at.switch_page("pages/profiles.py").run()
    assert not at.exception
    assert "No segments yet" in texts(at.info)


def test_profiles_page_shows_everything(make_app):
    at = make_app()
    ws = segment_session(at)
    at.switch_page("pages/profiles.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Profiles"]
    markdown = texts(at.markdown)
    assert "Segments differ clearly on" in markdown
    # one tab per section (the tabs are the table of contents); renaming sits next to the names
    assert [t.label for t in at.tabs] == list(view.SECTIONS)
    assert any("Rename segments" in str(p.proto) for p in at.get("popover"))
    # generic labels got names from their traits
    assert ws.display_name("1").startswith("Older")
    assert "Older" in markdown  # a card title
    # only the open tab is drawn: the tests table appears when its tab is opened
    assert not [df for df in at.dataframe if "Could it be chance?" in df.value.columns]
    open_section(at, "Are the differences real?")
    proof = [df.value for df in at.dataframe if "Differs?" in df.value.columns][0]  # details for analysts
    assert {"Attribute", "Differs?", "Strength"} <= set(proof.columns)
    assert proof.set_index("Attribute").loc["Age", "Differs?"] == "Yes"
    first = [df.value for df in at.dataframe if "Could it be chance?" in df.value.columns][0]  # plain words
    assert list(first.columns) == ["Attribute", "Do segments differ?", "How much", "Could it be chance?"]
    assert first.set_index("Attribute").loc["Age", "Could it be chance?"] == "very unlikely to be chance"
    jargon = ("ANOVA", "Cramér", "eta squared", "Benjamini", "p-value")
    assert not any(word in " ".join(map(str, first.to_numpy().ravel())) for word in jargon)
    sizes = at.dataframe[0].value
    assert sizes["Customers"].sum() == 5000
    # drill-down hides personal data by default, shows it on request
    open_section(at, "Customers in a segment")
    drill = [df.value for df in at.dataframe if "customer_id" in df.value.columns][0]
    assert "email" not in drill.columns and len(drill) == 200
    assert at.text_input[0].label == r"Segment 3 (suggested\: Occasional buyers · Younger · Light spenders)"
    at.toggle(key="segdash.profiles.drill_pii").set_value(True).run()
    drill = [df.value for df in at.dataframe if "customer_id" in df.value.columns][0]
    assert "email" in drill.columns
    # changing the distribution's attribute reruns without error
    open_section(at, "Compare one attribute")
    at.selectbox(key="segdash.profiles.dist_attr").select_index(3).run()
    assert not at.exception


def test_every_section_draws_when_its_tab_is_open(make_app):
    at = make_app()
    segment_session(at)
    at.switch_page("pages/profiles.py").run()
    charts = {}
    for section in view.SECTIONS:
        open_section(at, section)
        assert at.session_state[view.SECTION_TAB] == section
        charts[section] = (len(at.get("vega_lite_chart")), len(at.get("plotly_chart")))
    # the sizes chart is always there; each section adds its own: cards, heatmap, map, distribution.
    # The first view (sizes and cards) is Vega-Lite: no plotly.js for the browser (issue 14)
    assert charts["At a glance"][0] >= 1 + 3 and charts["At a glance"][1] == 0
    assert charts["What sets them apart"] == charts["Map of customers"] == charts["Compare one attribute"] == (1, 1)
    assert charts["Are the differences real?"] == charts["Customers in a segment"] == (1, 0)


def test_rename_is_used_everywhere_and_shown_as_text(make_app):
    at = make_app()
    ws = segment_session(at)
    at.switch_page("pages/profiles.py").run()
    boxes = at.text_input
    assert len(boxes) == 3
    boxes[0].set_value("<b>x</b>")
    boxes[1].set_value("=1+1")
    at.button[0].click().run()  # the form's "Save names"
    assert not at.exception
    labels = list(ws.segmentation.sizes)
    assert ws.display_name(labels[0]) == "<b>x</b>"
    assert ws.display_name(labels[1]) == "=1+1"
    assert "Segment names saved" in texts(at.success)
    markdown = texts(at.markdown)
    assert r"\<b\>x\</b\>" in markdown  # escaped: shown as text, not bold
    sizes = at.dataframe[0].value
    assert {"<b>x</b>", "=1+1"} <= set(sizes["Segment"])
    # the sizes chart: the new names, largest first, as on the Segments page (keyed by label, named for display)
    order = json.loads(at.get("vega_lite_chart")[0].proto.spec)["encoding"]["y"]["sort"]
    by_size = sorted(ws.segmentation.sizes.items(), key=lambda item: (-item[1], item[0]))
    assert order == [ws.display_name(label) for label, _ in by_size] and {"<b>x</b>", "=1+1"} <= set(order)
    open_section(at, "Customers in a segment")
    drill = [box for box in at.selectbox if box.label == "Segment"][0]
    assert drill.value == labels[0]
    assert drill.format_func(labels[0]) == "<b>x</b>"


def test_one_segment_says_tests_need_two(make_app):
    at = make_app()
    segment_session(at, rule="one")
    at.switch_page("pages/profiles.py").run()
    assert not at.exception
    assert "only one segment" in texts(at.warning)
    assert at.dataframe[0].value["Customers"].sum() == 5000
    open_section(at, "Are the differences real?")
    assert "nothing to compare" in texts(at.info)


def test_reruns_reuse_the_profile_and_the_cards_charts(make_app):
    at = make_app()
    ws = segment_session(at)
    at.switch_page("pages/profiles.py").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    profile = ws.peek(("profile", "build"))
    charts = {label: ws.peek(("profile", "card_chart", label)) for label in ws.segmentation.sizes}
    assert profile is not None and all(chart is not None for chart in charts.values())
    drawn = len(at.get("vega_lite_chart"))
    at.run()  # a widget click reruns the page: nothing is computed or built again
    assert not at.exception
    assert ws.peek(("profile", "build")) is profile
    assert all(ws.peek(("profile", "card_chart", label)) is chart for label, chart in charts.items())
    assert len(at.get("vega_lite_chart")) == drawn == len(charts) + 1  # the sizes, and one small chart per card
