"""AppTest of the Segments page: each method from the form to the summary, errors on the page."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from segdash.ui.state import WORKSPACE

K = "segdash.segments."


@pytest.fixture
def segments_page(make_app: Callable[..., object]) -> object:
    at = make_app(timeout=180)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    assert not at.exception
    return at


def _texts(at: object) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_clustering_with_automatic_k_shows_the_summary(segments_page: object) -> None:
    at = segments_page
    assert at.radio(key=K + "method").value == "Clustering"
    features = at.multiselect(key=K + "features").value
    assert "orders" in features and "total_spend" in features
    assert not {"name", "email", "customer_id"} & set(at.multiselect(key=K + "features").options)
    at.button(key=K + "cluster_run").click()
    at.run()
    assert not at.exception and not at.error
    ws = at.session_state[WORKSPACE]
    seg = ws.segmentation
    assert seg is not None and seg.method == "kmeans" and sum(seg.sizes.values()) == 5000
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Segments"] == str(seg.k) and metrics["Customers"] == "5,000"
    assert "Stability" in metrics
    assert f"**{seg.k} segments** of 5,000 customers" in _texts(at)
    # the sizes chart (Vega-Lite: no plotly.js for the browser on this click); the k-scores chart only
    # once "Details for analysts" is opened (issue 14)
    (chart,) = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["title"] == "Segment sizes (5,000 customers in total)"
    assert len(at.get("plotly_chart")) == 0
    assert "adjusted Rand index" not in _texts(at)
    # the result stays on screen on the next run, without refitting
    at.session_state[K + "analysts"] = True  # the expander opened
    at.run()
    assert at.session_state[WORKSPACE].segmentation is seg
    assert {m.label for m in at.metric} >= {"Segments", "Stability"}
    assert len(at.get("plotly_chart")) == 1 and len(at.get("vega_lite_chart")) == 1
    assert "adjusted Rand index" in _texts(at)


def test_dimensions_with_typed_edges_and_pooling(segments_page: object) -> None:
    at = segments_page
    at.session_state[WORKSPACE].set_column_label("age", "Age in years")  # as typed on the Data page
    at.radio(key=K + "method").set_value("By dimensions").run()
    at.multiselect(key=K + "dims").set_value(["country", "age"]).run()
    assert not any(t.key == K + "edges.age" for t in at.text_input)  # only with "My own edges"
    assert any(n.key == K + "bands.age" for n in at.number_input)
    at.selectbox(key=K + "banding.age").set_value("edges").run()
    assert not any(n.key == K + "bands.age" for n in at.number_input)
    at.text_input(key=K + "edges.age").set_value("25, 35, 50, 65")
    at.number_input(key=K + "min_size").set_value(100)
    at.button(key=K + "dims_run").click()
    at.run()
    assert not at.exception and not at.error
    seg = at.session_state[WORKSPACE].segmentation
    assert seg.method == "dimensions" and sum(seg.sizes.values()) == 5000
    assert all(n >= 100 for label, n in seg.sizes.items() if label != "Other")
    # the labels and rules use the column's display label, not its raw name
    assert any(" · Age in years 25-34" in label for label in seg.sizes)
    assert not any(" · age " in label for label in seg.sizes)
    assert any(rule.endswith("Age in years is from 25 to 34") for rule in seg.rules.values())
    assert any("pooled into 'Other'" in note for note in seg.notes)
    assert "pooled into" in at.info[0].value
    table = at.dataframe[0].value
    assert "Who is in it" in table.columns and table["Customers"].sum() == 5000


def test_dimensions_with_a_filter_labels_the_rest(segments_page: object) -> None:
    at = segments_page
    at.radio(key=K + "method").set_value("By dimensions").run()
    at.multiselect(key=K + "dims").set_value(["gender"]).run()
    at.number_input(key=K + "n_conditions").set_value(1).run()
    at.selectbox(key=K + "cond.col.0").set_value("age")
    at.selectbox(key=K + "cond.op.0").set_value(">=")
    at.text_input(key=K + "cond.value.0").set_value("65")
    at.button(key=K + "dims_run").click()
    at.run()
    assert not at.exception and not at.error
    seg = at.session_state[WORKSPACE].segmentation
    assert "Not segmented" in seg.sizes and sum(seg.sizes.values()) == 5000
    assert "Not segmented" in at.info[0].value


def test_rfm_from_customer_columns(segments_page: object) -> None:
    at = segments_page
    at.radio(key=K + "method").set_value("RFM").run()
    assert at.multiselect(key=K + "rfm.frequency").value == ["orders"]
    assert at.multiselect(key=K + "rfm.monetary").value == ["total_spend"]
    assert at.selectbox(key=K + "rfm.recency").value == "last_purchase_date"
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and not at.error
    seg = at.session_state[WORKSPACE].segmentation
    assert seg.method == "rfm" and "Champions" in seg.sizes and sum(seg.sizes.values()) == 5000
    rfm_table = at.dataframe[1].value
    assert "Rule" in rfm_table.columns and (rfm_table["Customers"].sum() == 5000)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda at: at.multiselect(key=K + "features").set_value([]), "feature"),
        (lambda at: (at.radio(key=K + "k_mode").set_value("Fixed number").run(),
                     at.number_input(key=K + "k").set_value(30),
                     at.multiselect(key=K + "features").set_value(["gender"])), "distinct"),
    ],
)
def test_impossible_clustering_settings_are_explained(segments_page: object, setup: Callable, words: str) -> None:
    at = segments_page
    setup(at)
    at.button(key=K + "cluster_run").click()
    at.run()
    assert not at.exception
    assert at.error and words in at.error[0].value
    assert at.session_state[WORKSPACE].segmentation is None


def test_bad_rfm_reference_date_is_explained(segments_page: object) -> None:
    at = segments_page
    at.radio(key=K + "method").set_value("RFM").run()
    at.text_input(key=K + "rfm_reference").set_value("31/12/2024")
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and "YYYY-MM-DD" in at.error[0].value


def test_rfm_without_plausible_columns_offers_empty_pickers_and_says_why(
        make_app: Callable[..., object], tmp_path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("id,Year_Birth,Age,Satisfaction,Service_Rating\n1,1970,54,4,5\n2,1985,39,2,3\n"
                    "3,1990,34,5,4\n4,1962,62,3,2\n")
    at = make_app(path, timeout=180)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    at.radio(key=K + "method").set_value("RFM").run()
    assert not at.exception
    assert at.selectbox(key=K + "rfm.recency").value is None
    assert at.multiselect(key=K + "rfm.frequency").value == [] and at.multiselect(key=K + "rfm.monetary").value == []
    assert "no column can serve as recency, frequency, money" in at.warning[0].value
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and at.error and at.session_state[WORKSPACE].segmentation is None


def test_page_without_data_points_to_the_data_page(make_app: Callable[..., object]) -> None:
    at = make_app(None)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    assert not at.exception and "No customer file is loaded" in at.info[0].value


def test_rfm_on_a_transactions_file(make_app: Callable[..., object]) -> None:
    from tests.conftest import TRANSACTIONS

    at = make_app(TRANSACTIONS, timeout=180)
    at.run()
    at.switch_page("pages/segments.py")
    at.run()
    at.radio(key=K + "method").set_value("RFM").run()
    assert "order lines" in _texts(at)
    at.button(key=K + "rfm_run").click()
    at.run()
    assert not at.exception and not at.error
    ws = at.session_state[WORKSPACE]
    seg = ws.segmentation
    assert seg.settings["source"] == "transactions"
    assert sum(seg.sizes.values()) == ws.imported.rows_loaded
    assert "No customer id" in seg.sizes
    assert {m.label for m in at.metric} >= {"Segments", "Order lines", "Customers scored"}
    assert "cancelled lines" in at.info[0].value


def test_sizes_chart_and_table_are_built_from_the_sizes() -> None:
    from segdash.report.segment_charts import k_scores_figure, rfm_grid_figure, sizes_spec, sizes_table

    sizes = {"B": 30, "A": 60, "Not segmented": 10}
    table = sizes_table(sizes, names={"A": "Big spenders"}, rules={"A": "spend is 100 or more"})
    assert table["Segment"].tolist() == ["Big spenders", "B", "Not segmented"]
    assert table["Share"].tolist() == [60.0, 30.0, 10.0] and table["Who is in it"].iloc[0] == "spend is 100 or more"
    bars, spec = sizes_spec(sizes, names={"A": "Big spenders"}, colors={"Big spenders": "#123456", "B": "#654321"})
    assert bars["Segment"].tolist() == ["Big spenders", "B", "Not segmented"]
    assert bars["Label"].tolist() == ["60 (60%)", "30 (30%)", "10 (10%)"]
    assert bars["Count"].tolist() == [60, 30, 10] and bars["Share"].tolist() == [0.6, 0.3, 0.1]
    assert spec["title"] == "Segment sizes (100 customers in total)"
    assert spec["encoding"]["y"]["sort"] == ["Big spenders", "B", "Not segmented"]  # largest on top
    colour = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colour == {"domain": ["Big spenders", "B", "Not segmented"], "range": ["#123456", "#654321", "#BBBBBB"]}
    assert spec["layer"][1]["encoding"]["text"]["field"] == "Label"
    assert spec["layer"][1]["mark"]["color"] == "#31333F"  # the light theme's text colour by default
    assert sizes_spec(sizes, text_colour="#FAFAFA")[1]["layer"][1]["mark"]["color"] == "#FAFAFA"
    assert sizes_spec({})[1]["title"] == "Segment sizes (0 customers in total)"
    many, _ = sizes_spec({f"s{i:02d}": 100 - i for i in range(50)}, max_bars=10)
    assert len(many) == 10 and many["Segment"].iloc[-1] == "41 more segments"
    assert many["Count"].sum() == sum(100 - i for i in range(50))
    # a name is data of the chart, drawn as text: never escaped, never interpreted
    hostile, _ = sizes_spec({"a": 3}, names={"a": "<b>x</b> =1+1"})
    assert hostile["Segment"].tolist() == ["<b>x</b> =1+1"]
    json.dumps(spec)  # what Streamlit sends: plain JSON
    scores = {k: {"silhouette": 0.1 * k, "calinski_harabasz": 10.0 * k, "davies_bouldin": 1.0 / k} for k in (2, 3)}
    assert len(k_scores_figure(scores, 3).data) == 3
    grid = rfm_grid_figure([{"R": 5, "FM": 4, "customers": 7}])
    assert grid.data[0].z[3][4] == 7 and sum(map(sum, grid.data[0].z)) == 7


def test_clustering_form_shows_only_the_number_field_that_applies(segments_page: object) -> None:
    at = segments_page
    assert at.radio(key=K + "k_mode").value == "Choose for me"
    assert any(s.key == K + "k_range" for s in at.slider)
    assert not any(n.key == K + "k" for n in at.number_input)
    at.radio(key=K + "k_mode").set_value("Fixed number").run()
    assert any(n.key == K + "k" for n in at.number_input)
    assert not any(s.key == K + "k_range" for s in at.slider)
