"""KPIs per segment and per snapshot, and OKR progress/status on hand-made snapshots."""

from __future__ import annotations

import io
import math
from datetime import date

import openpyxl
import pandas as pd
import pytest
from history_helpers import new_project, save_export, save_snapshot

from segdash.history import kpi as kpi_module
from segdash.history import okr
from segdash.history.kpi import ALL, Kpi, kpi_history, snapshot_kpis
from segdash.history.snapshots import HistoryError, load_snapshot
from segdash.report.export import to_safe_csv, to_safe_xlsx


def _customers(n_loyal: int, *, satisfaction: float) -> tuple[pd.DataFrame, dict[str, str]]:
    """``n_loyal`` loyal customers and 2 others, each loyal one with the given satisfaction."""
    ids = [f"L{i}" for i in range(n_loyal)] + ["O1", "O2"]
    frame = pd.DataFrame({
        "customer_id": ids,
        "satisfaction": [satisfaction] * n_loyal + [1.0, 3.0],
        "plan": ["gold"] * n_loyal + ["gold", "basic"],
        "total_spend": [100.0] * n_loyal + [10.0, 30.0],
    })
    return frame, {i: ("loyal" if i.startswith("L") else "other") for i in ids}


@pytest.fixture
def three_months(tmp_path):
    """Loyal grows 4 -> 5 -> 7 customers; satisfaction 5, 5.5, 5 (January, February, March)."""
    project = new_project(tmp_path / "home")
    for month, (n, sat) in enumerate([(4, 5.0), (5, 5.5), (7, 5.0)], start=1):
        frame, labels = _customers(n, satisfaction=sat)
        data, _ = save_export(project, frame, folder=tmp_path, name=f"m{month}.csv")
        save_snapshot(project, dataset_id=data, labels=labels, name="RFM", names={"loyal": "Loyal phone"},
                      created=f"2026-0{month}-01T09:00:00+00:00")
    return project


def test_kpis_hand_worked(tmp_path):
    project = new_project(tmp_path / "home")
    frame = pd.DataFrame({
        "customer_id": ["A1", "A2", "B1", "B2", "B3"],
        "satisfaction": [4.0, 6.0, 1.0, 2.0, None],
        "plan": ["gold", "basic", "gold", "gold", "gold"],
        "last_purchase_date": ["2026-02-20", "2025-12-01", "2026-03-01", "2026-01-01", "2026-02-15"],
        "total_spend": [100.0, 300.0, 10.0, 20.0, 30.0],
        "orders": [2, 4, 1, 1, 1],
    })
    data, _ = save_export(project, frame, folder=tmp_path, name="x.csv")
    labels = {"A1": "a", "A2": "a", "B1": "b", "B2": "b", "B3": "b"}
    snap = load_snapshot(project, save_snapshot(project, dataset_id=data, labels=labels, name="x"))
    kpis = [Kpi("customers"), Kpi("share"), Kpi("mean", column="satisfaction"),
            Kpi("category_share", column="plan", value="gold"),
            Kpi("active_share", column="last_purchase_date", days=30),
            Kpi("revenue_per_customer"), Kpi("aov"), Kpi("cac"), Kpi("mean", column="nope")]
    table = snapshot_kpis(snap, kpis).set_index(["segment", "kpi"])

    def value(segment: str, k: Kpi) -> float:
        return float(table.loc[(segment, k.key), "value"])

    assert value("a", kpis[0]) == 2 and value(ALL, kpis[0]) == 5
    assert value("a", kpis[1]) == pytest.approx(40.0)
    assert value("a", kpis[2]) == pytest.approx(5.0)
    assert value("b", kpis[2]) == pytest.approx(1.5)  # the missing one is left out of the average
    assert value("a", kpis[3]) == pytest.approx(50.0) and value(ALL, kpis[3]) == pytest.approx(80.0)
    # latest date 2026-03-01: A1 (Feb 20) and B1 (Mar 1), B3 (Feb 15) are within 30 days
    assert value("a", kpis[4]) == pytest.approx(50.0) and value("b", kpis[4]) == pytest.approx(200 / 3)
    assert value("a", kpis[5]) == pytest.approx(200.0)
    assert value("a", kpis[6]) == pytest.approx(400 / 6)
    assert math.isnan(value("a", kpis[7]))
    assert table.loc[("a", kpis[7].key), "reason"] == "no acquisition spend recorded"
    assert table.loc[("a", kpis[8].key), "reason"] == "this export has no column 'nope'"


def test_kpi_without_export_says_why(tmp_path):
    project = new_project(tmp_path / "home")
    frame, labels = _customers(2, satisfaction=4.0)
    data, _ = save_export(project, frame, folder=tmp_path, name="x.csv")
    snap_id = save_snapshot(project, dataset_id=data, labels=labels, name="x")
    project.delete_dataset(data)
    table = snapshot_kpis(load_snapshot(project, snap_id), [Kpi("customers"), Kpi("mean", column="satisfaction")])
    rows = table.set_index(["segment", "kpi"])
    assert rows.loc[("loyal", "customers|||"), "value"] == 2  # counts come from the labels alone
    assert "no longer in the project" in rows.loc[("loyal", "mean|satisfaction||"), "reason"]


def test_kpi_needs_what_it_measures():
    with pytest.raises(HistoryError, match="needs a column"):
        Kpi("mean")
    with pytest.raises(HistoryError, match="number of days"):
        Kpi("active_share", column="d", days=0)
    with pytest.raises(HistoryError, match="not a KPI"):
        Kpi("happiness")
    assert Kpi.from_dict(Kpi("active_share", column="d", days=90).to_dict()) == Kpi("active_share", column="d", days=90)


@pytest.mark.parametrize(("start", "current", "target", "expected"), [
    (4, 7, 10, 50.0), (50, 40, 30, 50.0), (4, 4, 10, 0.0), (4, 12, 10, 400 / 3), (5, 5, 5, 100.0)])
def test_progress(start, current, target, expected):
    assert okr.progress_pct(start, current, target)[0] == pytest.approx(expected)


def test_progress_undefined():
    assert okr.progress_pct(5, 6, 5) == (None, "the target equals the start value")
    assert okr.progress_pct(math.nan, 6, 5)[0] is None


@pytest.mark.parametrize(("progress", "today", "expected"), [
    (50.0, date(2026, 3, 15), "on track"),   # 33% of the time gone
    (20.0, date(2026, 3, 15), "at risk"),    # 13 points short
    (5.0, date(2026, 3, 15), "behind"),      # 28 points short
    (100.0, date(2026, 1, 20), "on track"),  # reached
    (90.0, date(2026, 8, 1), "behind"),      # due date passed
    (None, date(2026, 3, 15), "n/a"),
])
def test_status_against_time(progress, today, expected):
    start, due = date(2026, 1, 15), date(2026, 7, 15)
    assert okr.status(progress, start=start, due=due, today=today) == expected


def test_okrs_on_hand_made_snapshots(three_months):
    project = three_months
    grow = okr.new_objective("Grow our loyal phone customers")
    grow.key_results.append(okr.new_key_result(Kpi("customers"), segment="loyal", target=10,
                                               due=date(2026, 7, 15), start=date(2026, 1, 15)))
    grow.key_results.append(okr.new_key_result(Kpi("mean", column="satisfaction"), segment="loyal", target=8,
                                               due=date(2026, 7, 15), start=date(2026, 1, 15)))
    grow.key_results.append(okr.new_key_result(Kpi("customers"), segment="gone", target=3,
                                               due=date(2026, 7, 15), start=date(2026, 1, 15)))
    okr.save_objectives(project, [grow])
    loaded = okr.load_objectives(project)
    assert [o.to_dict() for o in loaded] == [grow.to_dict()]
    assert project.get_doc("okrs", "okrs")["objectives"][0]["title"] == "Grow our loyal phone customers"
    snapshots = [load_snapshot(project, s["id"]) for s in project.segmentations()]
    history = okr.okr_history(snapshots, loaded)
    table = okr.evaluate(loaded, history, today=date(2026, 3, 15), names={"loyal": "Loyal phone"})
    customers, satisfaction, missing = (table.iloc[i] for i in range(3))
    assert (customers["start_value"], customers["current_value"]) == (4.0, 7.0)
    assert customers["progress"] == pytest.approx(50.0)
    assert customers["Status"] == "on track"
    assert customers["Key result"] == "Loyal phone: customers to 10 by 2026-07-15"
    assert satisfaction["progress"] == pytest.approx(0.0) and satisfaction["Status"] == "behind"
    assert missing["Status"] == "n/a" and missing["Current"] == "n/a"
    assert missing["Note"] == "no saved snapshot has the segment 'gone'"
    series = okr.series_for(loaded[0].key_results[1], history)
    assert series["value"].tolist() == pytest.approx([5.0, 5.5, 5.0])


def test_start_value_is_the_snapshot_current_at_the_start(three_months):
    project = three_months
    objective = okr.new_objective("Grow")
    objective.key_results.append(okr.new_key_result(Kpi("customers"), segment="loyal", target=9,
                                                    due=date(2026, 6, 1), start=date(2026, 2, 10)))
    snapshots = [load_snapshot(project, s["id"]) for s in project.segmentations()]
    row = okr.evaluate([objective], okr.okr_history(snapshots, [objective]), today=date(2026, 3, 2)).iloc[0]
    assert row["start_value"] == 5.0  # February's snapshot
    assert row["progress"] == pytest.approx(50.0)


def test_key_result_validation():
    with pytest.raises(HistoryError, match="number"):
        okr.new_key_result(Kpi("customers"), segment="a", target="lots", due=date(2026, 2, 1), start=date(2026, 1, 1))
    with pytest.raises(HistoryError, match="after the start"):
        okr.new_key_result(Kpi("customers"), segment="a", target=3, due=date(2026, 1, 1), start=date(2026, 1, 1))
    with pytest.raises(HistoryError, match="objective"):
        okr.new_objective("   ")


def test_okr_export_is_formula_safe(three_months):
    project = three_months
    objective = okr.new_objective("=HYPERLINK(\"http://x\")")
    objective.key_results.append(okr.new_key_result(Kpi("customers"), segment="loyal", target=10,
                                                    due=date(2026, 7, 15), start=date(2026, 1, 15)))
    okr.save_objectives(project, [objective])
    sentences, tables = okr.report_summary(project, today=date(2026, 3, 15))
    assert sentences == ['=HYPERLINK("http://x"): 1 key result - 1 on track.']
    table = tables["OKRs"]
    assert list(table.columns) == list(okr.TABLE_COLUMNS)
    csv = to_safe_csv(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    sheet = openpyxl.load_workbook(io.BytesIO(to_safe_xlsx(table, sheet="OKRs"))).active
    assert sheet["A2"].value.startswith("'=")
    assert sheet["A2"].data_type == "s"


def test_report_summary_without_objectives(tmp_path):
    project = new_project(tmp_path / "home")
    sentences, tables = okr.report_summary(project)
    assert sentences == ["No objectives are set for this project yet."]
    assert list(tables["OKRs"].columns) == list(okr.TABLE_COLUMNS)


def test_kpi_history_is_per_snapshot(three_months):
    snapshots = [load_snapshot(three_months, s["id"]) for s in three_months.segmentations()]
    history = kpi_history(snapshots, [Kpi("share")])
    loyal = history[history["segment"] == "loyal"]
    assert loyal["value"].tolist() == pytest.approx([400 / 6, 500 / 7, 700 / 9])
    assert kpi_module.format_kpi(loyal["value"].iloc[0], unit="%") == "66.7%"


def test_kpi_table_and_category_values(three_months):
    snapshots = [load_snapshot(three_months, s["id"]) for s in three_months.segmentations()]
    kpi = Kpi("category_share", column="plan", value="basic")
    table = kpi_module.kpi_table(kpi_history(snapshots, [kpi]), kpi, names={"loyal": "Loyal phone"})
    assert list(table["Segment"]) == ["Loyal phone", "other", "All customers"]
    assert table.shape[1] == 4  # the segment and one column per snapshot
    assert table.iloc[1, 1:].tolist() == ["50.0%", "50.0%", "50.0%"]
    assert table.iloc[0, 1] == "0.0%"
    assert kpi_module.category_values(snapshots[0], "plan") == ["gold", "basic"]  # most common first
    assert kpi_module.category_values(snapshots[0], "nope") == []


def test_snapshot_choice_label():
    from segdash.history.snapshots import snapshot_choice_label

    entry = {"id": "x", "name": "RFM", "created": "2026-03-01T09:05:00+00:00", "customers": 1204}
    assert snapshot_choice_label(entry) == "RFM · 2026-03-01 09:05 · 1,204 customers"


def test_editing_an_objective_and_a_key_result(three_months):
    project = three_months
    grow = okr.new_objective("Grow our loyal customers")
    kr = okr.new_key_result(Kpi("customers"), segment="loyal", target=10, due=date(2026, 7, 15),
                            start=date(2026, 1, 15))
    grow.key_results.append(kr)
    keep = okr.new_objective("Keep the others")
    saved = [grow, keep]
    reworded = okr.edit_objective(saved, grow.id, title="  Grow our   loyal phone customers ")
    assert [o.title for o in reworded] == ["Grow our loyal phone customers", "Keep the others"]
    assert grow.title == "Grow our loyal customers"  # the list given is left as it was
    assert reworded[0].key_results[0].to_dict() == kr.to_dict()
    edited = okr.edit_key_result(reworded, kr.id, target=6, due=date(2026, 5, 15))
    changed = edited[0].key_results[0]
    assert (changed.id, changed.start, changed.target, changed.due, changed.segment) == (
        kr.id, date(2026, 1, 15), 6.0, date(2026, 5, 15), "loyal")
    okr.save_objectives(project, edited)
    loaded = okr.load_objectives(project)
    snapshots = [load_snapshot(project, s["id"]) for s in project.segmentations()]
    table = okr.evaluate(loaded, okr.okr_history(snapshots, loaded), today=date(2026, 3, 15))
    # start 4 (January), current 7 (March), new target 6: reached -> 150%, on track
    assert table.iloc[0]["progress"] == pytest.approx(150.0) and table.iloc[0]["Status"] == "on track"
    with pytest.raises(HistoryError, match="after the start"):
        okr.edit_key_result(edited, kr.id, due=date(2026, 1, 1))
    with pytest.raises(HistoryError, match="must be a number"):
        okr.edit_key_result(edited, kr.id, target="lots")
    with pytest.raises(HistoryError, match="Write the objective"):
        okr.edit_objective(edited, grow.id, title="   ")
    with pytest.raises(HistoryError, match="no longer saved"):
        okr.edit_key_result(edited, "nope", target=3)


def _economics_export(project, tmp_path):
    frame = pd.DataFrame({
        "customer_id": ["A1", "A2", "B1", "B2", "B3"],
        "signup_date": ["2025-01-01", "2025-07-01", "2025-01-01", "2025-04-01", "2025-10-01"],
        "total_spend": [120.0, 60.0, 240.0, 90.0, 30.0],
        "orders": [2, 1, 4, 3, 1],
        "channel": ["Web", "Web", "Shop", "Shop", "Shop"],
    })
    data, _ = save_export(project, frame, folder=tmp_path, name="x.csv", roles={"channel": "acquisition_channel"})
    return data, {"A1": "a", "A2": "a", "B1": "b", "B2": "b", "B3": "b"}


#: What the Acquisition & ROI page saves with a snapshot: 80% margin, 72 months, spend per channel.
ROI_INPUTS = {"segdash.roi.margin_pct": 80.0, "segdash.roi.lifetime_months": 72.0,
              "segdash.roi.spend.abc123:.Web": 100.0, "segdash.roi.spend.abc123:.Shop": 60.0,
              "segdash.roi.spend.old-file:.Web": 999.0}


def test_economics_kpis_use_the_roi_inputs_saved_with_the_snapshot(tmp_path):
    project = new_project(tmp_path / "home")
    data, labels = _economics_export(project, tmp_path)
    plain = load_snapshot(project, save_snapshot(project, dataset_id=data, labels=labels, name="plain"))
    saved = load_snapshot(project, save_snapshot(project, dataset_id=data, labels=labels, name="saved",
                                                 inputs={"roi": ROI_INPUTS}))
    kpis = [Kpi("ltv"), Kpi("cac"), Kpi("roi")]
    before = snapshot_kpis(plain, kpis).set_index(["segment", "kpi"])["value"]
    after = snapshot_kpis(saved, kpis).set_index(["segment", "kpi"])["value"]
    # predicted LTV = margin x monthly revenue x lifetime: 80% / 40% x 72 / 36 months = 4 times the defaults
    for segment in ("a", "b", ALL):
        assert after[(segment, "ltv|||")] == pytest.approx(4 * before[(segment, "ltv|||")])
    # spend per channel (the file that names both channels, not the older one): Web 100 / 2, Shop 60 / 3
    assert math.isnan(before[("a", "cac|||")])
    assert (after[("a", "cac|||")], after[("b", "cac|||")], after[(ALL, "cac|||")]) == pytest.approx((50, 20, 32))
    # ROI = (margin x revenue - cost) / cost: a (0.8 x 180 - 100) / 100, b (0.8 x 360 - 60) / 60, all (432 - 160) / 160
    assert (after[("a", "roi|||")], after[("b", "roi|||")], after[(ALL, "roi|||")]) == pytest.approx((44, 380, 170))
    # live inputs given for a snapshot win over the saved ones (the page passes what it shows now)
    live = snapshot_kpis(saved, [Kpi("roi")], roi_inputs={**ROI_INPUTS, "segdash.roi.margin_pct": 50.0})
    assert live.set_index("segment").loc["a", "value"] == pytest.approx((0.5 * 180 - 100) / 100 * 100)
    history = kpi_history([plain, saved], [Kpi("cac")], roi_inputs={plain.id: ROI_INPUTS})
    assert history.set_index(["snapshot", "segment"]).loc[(plain.title, "a"), "value"] == pytest.approx(50)


def test_saved_economics_falls_back_like_the_page():
    from segdash import economics
    from segdash.ui import roi

    assert economics.SAVED_INPUTS_PREFIX == roi.PREFIX
    roles = {"spend": "revenue", "joined": "date", "ch": "acquisition_channel", "cost": "acquisition_cost"}
    types = {"spend": "number", "joined": "date", "ch": "text", "cost": "number"}
    defaults = economics.saved_economics(None, roles=roles, types=types)
    assert defaults.columns == economics.suggest_columns(roles, types=types)
    assert defaults.assumptions == economics.Assumptions()
    odd = economics.saved_economics({
        "segdash.roi.margin_pct": 140.0, "segdash.roi.lifetime_mode": roi.CHURN_OPTION, "segdash.roi.churn_pct": 5.0,
        "segdash.roi.discount_pct": 10.0, "segdash.roi.col.revenue": "gone_column", "segdash.roi.col.orders": "(none)",
        "segdash.roi.cost_source": roi.COST_CHANNEL_OPTION, "other.key": 1}, roles=roles, types=types)
    assert odd.assumptions.margin == 0.4 and odd.assumptions.monthly_churn == pytest.approx(0.05)
    assert odd.assumptions.annual_discount_rate == pytest.approx(0.10)
    assert odd.columns.revenue == "spend" and odd.columns.orders is None
    assert odd.columns.cost is None  # spend entered per channel: the cost column is not used
    assert any("gross margin (140%)" in n for n in odd.notes) and any("gone_column" in n for n in odd.notes)


def test_survey_confirmation_rate_kpi_per_snapshot(tmp_path):
    from segdash.survey import results

    project = new_project(tmp_path / "home")
    frame, labels = _customers(2, satisfaction=4.0)  # loyal: L0, L1; other: O1, O2
    data, _ = save_export(project, frame, folder=tmp_path, name="x.csv")
    first = save_snapshot(project, dataset_id=data, labels=labels, name="one", created="2026-01-01T09:00:00+00:00")
    second = save_snapshot(project, dataset_id=data, labels=labels, name="two", created="2026-02-01T09:00:00+00:00")
    third = save_snapshot(project, dataset_id=data, labels=labels, name="three", created="2026-03-01T09:00:00+00:00")
    # an older verdict document (no snapshot id in it): tied to its snapshot through the sample it answers
    project.put_table("survey_samples", "Sample 1", pd.DataFrame({"key": ["L0"], "segment": ["loyal"]}),
                      meta={"snapshot_id": first})
    project.put_doc("survey", "verdict", {"sample": "Sample 1", "kpis": [
        {"segment": "loyal", "answers": 4, "confirmation_rate": 0.75, "average_satisfaction": 4.5},
        {"segment": "other", "answers": 0, "confirmation_rate": None, "average_satisfaction": None}]})
    project.put_doc("survey", results.verdict_name(second), {"snapshot_id": second, "kpis": [
        {"segment": "loyal", "answers": 2, "confirmation_rate": 0.5, "average_satisfaction": None},
        {"segment": "other", "answers": 6, "confirmation_rate": 1.0, "average_satisfaction": 3.0}]})
    found = results.survey_kpis(project)
    assert set(found) == {first, second}
    snapshots = [load_snapshot(project, s) for s in (first, second, third)]
    kpis = [Kpi("survey_confirmation"), Kpi("survey_satisfaction")]
    history = kpi_history(snapshots, kpis).set_index(["snapshot_id", "segment", "kpi"])
    value = history["value"]
    reason = history["reason"]
    assert value[(first, "loyal", "survey_confirmation|||")] == pytest.approx(75.0)
    assert math.isnan(value[(first, "other", "survey_confirmation|||")])
    assert reason[(first, "other", "survey_confirmation|||")] == "no survey answers from this segment"
    assert value[(first, ALL, "survey_confirmation|||")] == pytest.approx(75.0)
    assert value[(first, "loyal", "survey_satisfaction|||")] == pytest.approx(4.5)
    # all customers: the segments' rates weighted by their answers, (0.5 x 2 + 1.0 x 6) / 8
    assert value[(second, ALL, "survey_confirmation|||")] == pytest.approx(87.5)
    assert reason[(second, "loyal", "survey_satisfaction|||")] == "the survey asked no satisfaction rating"
    assert reason[(third, "loyal", "survey_confirmation|||")] == "no survey verdict is saved for this snapshot"
    # an OKR on it: 75% -> 50% confirmed, target 90%
    objective = okr.new_objective("Confirm the loyal segment")
    objective.key_results.append(okr.new_key_result(Kpi("survey_confirmation"), segment="loyal", target=90,
                                                    due=date(2026, 6, 1), start=date(2026, 1, 15)))
    table = okr.evaluate([objective], okr.okr_history(snapshots, [objective]), today=date(2026, 3, 15))
    # series: 75 (Jan), 50 (Feb); March has no verdict and is skipped -> (50 - 75) / (90 - 75) = -167%
    assert (table.iloc[0]["Start"], table.iloc[0]["Current"]) == ("75.0%", "50.0%")
    assert table.iloc[0]["progress"] == pytest.approx(-500 / 3) and table.iloc[0]["Status"] == "behind"
    assert okr.series_for(objective.key_results[0], okr.okr_history(snapshots, [objective]))["value"].tolist() == [
        75.0, 50.0]
