"""AppTest of the Acquisition & ROI page over the bundled sample."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from segdash import db
from segdash.data import Data
from segdash.schema import Segmentation
from segdash.segment.base import write_labels
from segdash.ui import roi as ui
from tests.conftest import SAMPLE

PAGE = "pages/roi.py"
# Our constant: segments "Paid" (paid search, social, affiliate) and "Free" (the rest).
_SEGMENT_SQL = """SELECT _row, CASE WHEN acquisition_channel IN ('Paid search', 'Social', 'Affiliate')
                  THEN 'Paid' ELSE 'Free' END AS segment FROM customers ORDER BY _row"""


def _segment(at: object) -> None:
    ws = at.session_state["segdash.workspace"]
    labels = db.fetch_df(ws.con, _SEGMENT_SQL)
    sizes = write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    ws.set_segmentation(Segmentation(method="dimensions", settings={"dimensions": ["acquisition_channel"]},
                                     sizes=sizes, k=len(sizes)))
    ws.rename_segment("Paid", "Paid channels")


def _open(make_app: Callable[..., object], sample: Path | None = SAMPLE) -> object:
    at = make_app(sample)
    at.run()
    _segment(at)
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _table(at: object) -> pd.DataFrame:
    """The per-segment table (the spend editor, when shown, is also a data frame)."""
    return next(d.value for d in at.dataframe if "ROI to date" in d.value.columns and "Segment" in d.value.columns)


def _enter_spend(at: object, amounts: dict[str, float]) -> None:
    """Type an amount into the spend box of each channel given."""
    ws = at.session_state["segdash.workspace"]
    for channel, amount in amounts.items():
        at.number_input(key=ui.spend_key(ws, channel=channel)).set_value(amount)
    at.run()


def _channels(at: object) -> list[str]:
    ws = at.session_state["segdash.workspace"]
    prefix = ui.spend_key(ws, channel="")
    return [n.key.removeprefix(prefix) for n in at.number_input if n.key and n.key.startswith(prefix)]


def _metric(at: object, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_needs_a_segmentation_first(make_app: Callable[..., object]) -> None:
    at = make_app()
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No segments yet" in info.value for info in at.info)


def test_figures_per_segment_from_cost_column(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    table = _table(at)
    assert table["Segment"].tolist()[-1] == "All customers"
    assert set(table["Segment"]) == {"Paid channels", "Free", "All customers"}
    assert _metric(at, "Customers") == "5,000"
    assert table["Customers"].tolist()[-1] == "5,000"
    sample = pd.read_csv(SAMPLE)
    assert _metric(at, "Acquisition spend") == f"{sample['acquisition_cost'].sum():,.0f}"
    assert any("returns" in md.value for md in at.markdown)
    assert not at.error


def test_entered_channel_spend_changes_roi(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    before = _table(at).set_index("Segment")["ROI to date"].to_dict()
    at.radio(key=ui.COST_SOURCE).set_value(ui.COST_CHANNEL_OPTION).run()
    # No spend entered yet: n/a with the reason.
    assert _table(at).set_index("Segment").loc["Free", "ROI to date"] == "n/a — no acquisition spend recorded"
    _enter_spend(at, {"Social": 50_000.0, "Email": 1_000.0})
    assert not at.exception
    after = _table(at).set_index("Segment")
    assert after.loc["All customers", "Acquisition spend"] == "51,000"
    assert after.loc["Paid channels", "ROI to date"] != before["Paid channels"]
    assert not after.loc["Paid channels", "ROI to date"].startswith("n/a")


def test_margin_out_of_range_shows_error_and_page_keeps_working(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    at.number_input(key=ui.MARGIN).set_value(150.0).run()
    assert not at.exception
    assert any("Gross margin must be between 0% and 100%" in e.value for e in at.error)
    assert len(_table(at)) == 3


def test_shares_always_add_up_to_100_and_reset_returns_to_todays_split(make_app: Callable[..., object]) -> None:
    at = _open(make_app)

    def sliders() -> list:
        return [s for s in at.slider if s.key and s.key.startswith(ui.SHARE)]

    assert len(sliders()) == 2
    start = [s.value for s in sliders()]
    assert sum(start) == pytest.approx(100)
    sliders()[0].set_value(90.0).run()
    assert [s.value for s in sliders()] == pytest.approx([90.0, 10.0])
    next(b for b in at.button if b.label == "Reset to today's split").click().run()
    assert [s.value for s in sliders()] == start
    assert any("linear projection" in c.value.lower() for c in at.caption)
    # today's split and today's budget: the what-if is today, to the customer
    assert _metric(at, "New customers (what-if)") == "5,000"


def test_suggested_split_respects_the_cap_and_says_why(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    at.number_input(key=ui.CAP).set_value(60.0)
    next(b for b in at.button if b.label == "Suggest a split").click().run()
    values = sorted(s.value for s in at.slider if s.key and s.key.startswith(ui.SHARE))
    assert values == [40.0, 60.0]
    assert any("Suggested split" in i.value and "for every 1 spent" in i.value for i in at.info)


def test_file_without_cost_data_asks_for_spend(make_app: Callable[..., object], tmp_path: Path) -> None:
    sample = pd.read_csv(SAMPLE).drop(columns=["acquisition_cost"]).head(300)
    path = tmp_path / "no_cost.csv"
    sample.to_csv(path, index=False)
    at = _open(make_app, path)
    assert any("no acquisition cost per customer" in info.value for info in at.info)
    assert _table(at).set_index("Segment").loc["All customers", "CAC (cost per customer)"] == (
        "n/a — no acquisition spend recorded")


def test_negative_cost_shows_error_and_page_keeps_working(make_app: Callable[..., object], tmp_path: Path) -> None:
    sample = pd.read_csv(SAMPLE).head(300)
    sample.loc[5, "acquisition_cost"] = -12.5
    path = tmp_path / "negative_cost.csv"
    sample.to_csv(path, index=False)
    at = _open(make_app, path)
    # user text is escaped for Markdown on the page ('_' -> '\_')
    assert any(r"1 customers have a negative acquisition cost in 'acquisition\_cost'" in e.value for e in at.error)
    table = _table(at).set_index("Segment")
    assert table.loc["All customers", "Customers"] == "300"
    assert table.loc["All customers", "ROI to date"] == "n/a — no acquisition spend recorded"


def test_one_spend_box_per_channel_and_empty_boxes_count_as_nothing(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    at.radio(key=ui.COST_SOURCE).set_value(ui.COST_CHANNEL_OPTION).run()
    channels = _channels(at)
    assert set(channels) == set(pd.read_csv(SAMPLE)["acquisition_channel"].unique())
    _enter_spend(at, {channels[0]: 100.0})
    assert not at.exception
    assert _table(at).set_index("Segment").loc["All customers", "Acquisition spend"] == "100"
    assert any(f"Entered for 1 of {len(channels)} channels, 100 in total" in c.value for c in at.caption)


def test_counting_only_customers_signed_up_in_period(make_app: Callable[..., object]) -> None:
    at = _open(make_app)
    at.radio(key=ui.COST_SOURCE).set_value(ui.COST_CHANNEL_OPTION).run()
    channels = _channels(at)
    _enter_spend(at, dict.fromkeys(channels, 1_000.0))
    at.date_input(key=ui.PERIOD).set_value((date(2025, 1, 1), date(2025, 12, 31)))
    at.checkbox(key=ui.RESTRICT).check().run()
    assert not at.exception
    assert any("Only customers who signed up between 2025-01-01 and 2025-12-31" in c.value for c in at.caption)
    total = _table(at).set_index("Segment").loc["All customers"]
    signed_up = pd.to_datetime(pd.read_csv(SAMPLE)["signup_date"]).dt.year.eq(2025).sum()
    assert total["Customers"] == f"{signed_up:,}"
    assert total["Acquisition spend"] == f"{1_000 * len(channels):,}"


def test_user_text_is_shown_literally(make_app: Callable[..., object], tmp_path: Path) -> None:
    """Segment names and column names with HTML, formula or LaTeX characters stay plain text (issue 4)."""
    sample = pd.read_csv(SAMPLE).head(300).rename(columns={"acquisition_cost": "Cost (k$)"})
    path = tmp_path / "dollar.csv"
    sample.to_csv(path, index=False)
    at = make_app(path)
    at.run()
    _segment(at)
    ws = at.session_state["segdash.workspace"]
    ws.set_role("Cost (k$)", "acquisition_cost")
    ws.rename_segment("Paid", "<b>x</b>")
    ws.rename_segment("Free", "=1+1")
    at.switch_page(PAGE).run()
    assert not at.exception
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert sentences and all("<b>" not in s for s in sentences)
    assert any(r"\<b\>x\</b\>" in s or r"\=1+1" in s for s in sentences)
    assert any(r"'Cost (k\$)'" in c.value for c in at.caption)  # a "$" does not start LaTeX


def test_table_headers_are_short_with_full_names_as_tooltips() -> None:
    from segdash import economics

    config = ui.table_columns(economics.METRICS)
    assert set(config) == {economics.HEADERS[key] for key in ("segment", "channel", *economics.METRICS)}
    for key in economics.METRICS:
        column = config[economics.HEADERS[key]]
        assert len(column["label"]) <= 12 and column["help"]
        assert column["width"] == "small"
    assert config["CAC (cost per customer)"]["label"] == "CAC"


def test_whatif_split_and_budget_are_saved_with_the_snapshot_and_come_back(make_app: Callable[..., object],
                                                                          tmp_path: Path) -> None:
    home = tmp_path / "home"
    at = make_app(home=home, timeout=120)
    at.run()  # first start: the "Sample" project, with the sample loaded
    _segment(at)
    at.switch_page(PAGE).run()

    def sliders(app: object) -> list:
        return [s for s in app.slider if s.key and s.key.startswith(ui.SHARE)]

    def budget_box(app: object) -> object:
        return next(n for n in app.number_input if n.label == "Total budget")

    sliders(at)[0].set_value(70.0).run()
    budget_box(at).set_value(20000.0).run()
    saved_split = [s.value for s in sliders(at)]
    assert saved_split == pytest.approx([70.0, 30.0])
    at.switch_page("pages/segments.py").run()
    at.text_input(key="segdash.projects.save_name").input("Paid or free")
    next(b for b in at.button if b.label == "Save segmentation").click().run()
    assert not at.exception and not at.error
    ws = at.session_state["segdash.workspace"]
    record = ws.project.segmentation(ws.snapshot_id)
    assert record["inputs"]["whatif"]["segment"]["budget"] == 20000.0
    assert sorted(record["inputs"]["whatif"]["segment"]["shares"].values()) == pytest.approx([30.0, 70.0])

    # a new browser session on the saved snapshot (its segmentation id differs: the data comes from the store)
    again = make_app(home=home, timeout=120)
    again.query_params["project"] = ws.project.id
    again.query_params["snapshot"] = ws.snapshot_id
    again.run()
    again.switch_page(PAGE).run()
    assert not again.exception
    assert [s.value for s in sliders(again)] == pytest.approx(saved_split)
    assert budget_box(again).value == 20000.0
    # and the page still works as before: reset goes back to today's split
    next(b for b in again.button if b.label == "Reset to today's split").click().run()
    assert sum(s.value for s in sliders(again)) == pytest.approx(100.0)
    assert [s.value for s in sliders(again)] != pytest.approx(saved_split)
