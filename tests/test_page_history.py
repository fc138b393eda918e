"""AppTest of the Over time page: no project, one snapshot, two snapshots compared, OKRs added."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from history_helpers import new_project, save_export, save_snapshot

from segdash.history import okr
from segdash.store import Store

PAGE = "pages/history.py"
NAMES = {"champ": "Champions", "risk": "At risk"}


def _project(home: Path, folder: Path, *, snapshots: int = 2) -> str:
    project = new_project(home, "Shop")
    ids = [f"C{i}" for i in range(60)]
    jan = pd.DataFrame({"customer_id": ids, "age": range(20, 80), "total_spend": [10.0 * i for i in range(60)],
                        "plan": ["gold" if i % 3 == 0 else "basic" for i in range(60)]})
    feb = jan.iloc[5:].assign(age=lambda f: f["age"] + 10)
    data_jan, _ = save_export(project, jan, folder=folder, name="jan.csv")
    data_feb, _ = save_export(project, feb, folder=folder, name="feb.csv")
    save_snapshot(project, dataset_id=data_jan, labels={c: "champ" if i < 30 else "risk" for i, c in enumerate(ids)},
                  name="RFM", names=NAMES, created="2026-01-01T09:00:00+00:00")
    if snapshots > 1:
        save_snapshot(project, dataset_id=data_feb,
                      labels={c: "champ" if i < 20 else "risk" for i, c in enumerate(ids) if i >= 5},
                      name="RFM", names=NAMES, created="2026-02-01T09:00:00+00:00")
    return project.id


def _open(make_app: Callable[..., object], tmp_path: Path, *, snapshots: int = 2) -> object:
    home = tmp_path / "home"
    project_id = _project(home, tmp_path, snapshots=snapshots)
    at = make_app(None, home=home)
    at.query_params["project"] = project_id
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_project_says_what_is_needed(make_app) -> None:
    at = make_app(None)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("needs saved segmentations in a project" in i.value for i in at.info)


def test_one_snapshot_asks_for_a_second(make_app, tmp_path: Path) -> None:
    at = _open(make_app, tmp_path, snapshots=1)
    assert any("has 1 saved segmentation." in i.value for i in at.info)


def test_two_snapshots_are_compared(make_app, tmp_path: Path) -> None:
    at = _open(make_app, tmp_path)
    texts = [m.value for m in at.markdown]
    assert any("stayed in their segment" in t and "5 are gone" in t for t in texts), texts
    assert any(t.startswith("- Champions shrank from 30 to 15") for t in texts), texts
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New customers"] == "0" and metrics["Gone customers"] == "5"
    assert metrics["Stayed in their segment"] == "82%"  # 45 of 55 (C20-C29 moved to At risk)
    assert len(at.get("plotly_chart")) >= 3  # Sankey, sizes, drift
    frames = [d.value for d in at.dataframe]
    matrix = next(f for f in frames if "Gone customers" in f.columns)
    assert matrix.loc["Champions", "At risk"] == 10
    drift = next(f for f in frames if "PSI" in f.columns)
    assert set(drift["Attribute"]) == {"age", "total_spend", "plan"}


def test_picking_the_same_snapshot_twice_warns(make_app, tmp_path: Path) -> None:
    at = _open(make_app, tmp_path)
    at.selectbox(key="segdash.history.old").set_value(at.selectbox(key="segdash.history.new").value).run()
    assert any("two different" in w.value for w in at.warning)


def test_objective_and_key_result_are_saved_and_judged(make_app, tmp_path: Path) -> None:
    at = _open(make_app, tmp_path)
    form_input = next(t for t in at.text_input if t.label == "New objective")
    form_input.input("Keep our champions")
    next(b for b in at.button if b.label == "Add objective").click().run()
    assert not at.exception
    project = Store(tmp_path / "home").projects()[0]
    saved = okr.load_objectives(Store(tmp_path / "home").open_project(project.id))
    assert [o.title for o in saved] == ["Keep our champions"]
    at.selectbox(key="segdash.history.kr_kpi").set_value("customers").run()
    at.selectbox(key="segdash.history.kr_segment").set_value("champ").run()
    at.number_input(key="segdash.history.kr_target").set_value(40.0).run()
    next(b for b in at.button if b.label == "Add key result").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = okr.load_objectives(Store(tmp_path / "home").open_project(project.id))
    assert saved[0].key_results[0].segment == "champ" and saved[0].key_results[0].target == 40.0
    table = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    row = table.iloc[0]
    # written today: start = the newest snapshot (15), current 15 -> 0% progress, nothing elapsed yet
    assert (row["Start"], row["Current"], row["Target"], row["Progress %"]) == ("15", "15", "40", "0%")
    assert row["Status"] == "on track"
    labels = [b.label for b in at.get("download_button")]
    assert "Download the OKR table (CSV)" in labels and "Download the OKR table (Excel)" in labels


@pytest.mark.parametrize("metric", ["mean", "category_share", "active_share", "roi"])
def test_kpi_explorer(make_app, tmp_path: Path, metric: str) -> None:
    at = _open(make_app, tmp_path)
    at.selectbox(key="segdash.history.kpi_pick").set_value(metric).run()
    assert not at.exception, [e.value for e in at.exception]
    if metric == "active_share":
        assert any("no date column" in c.value for c in at.caption)
        return
    table = at.dataframe[-1].value
    assert list(table["Segment"]) == ["At risk", "Champions", "All customers"]
    if metric == "roi":
        assert table.iloc[0, 1].startswith("n/a (")


def test_two_different_segmentations_are_matched(make_app, tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = new_project(home, "Shop")
    ids = [f"C{i}" for i in range(60)]
    frame = pd.DataFrame({"customer_id": ids, "age": range(20, 80)})
    data, _ = save_export(project, frame, folder=tmp_path, name="jan.csv")
    save_snapshot(project, dataset_id=data, labels={c: "champ" if i < 30 else "risk" for i, c in enumerate(ids)},
                  name="RFM", names=NAMES, created="2026-01-01T09:00:00+00:00")
    save_snapshot(project, dataset_id=data, labels={c: "young" if i < 25 else "older" for i, c in enumerate(ids)},
                  name="Clusters", method="kmeans", created="2026-01-02T09:00:00+00:00")
    at = make_app(None, home=home)
    at.query_params["project"] = project.id
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [m.value for m in at.markdown]
    assert any("Champions matches young (83% of its customers went there)." in t for t in texts), texts
    assert any("stayed in their matched segment" in t for t in texts), texts
    assert any("The two segmentations agree" in t for t in texts), texts
    matching = next(d.value for d in at.dataframe if "Matches now" in d.value.columns)
    assert dict(zip(matching["Before"], matching["Matches now"], strict=True)) == {"Champions": "young", "At risk": "older"}
    assert any("same export" in c.value for c in at.caption)


def test_an_objective_and_a_key_result_are_edited_in_the_page(make_app, tmp_path: Path) -> None:
    from datetime import date

    from segdash.history.kpi import Kpi

    home = tmp_path / "home"
    project_id = _project(home, tmp_path)
    project = Store(home).open_project(project_id)
    objective = okr.new_objective("Keep our champions")
    kr = okr.new_key_result(Kpi("customers"), segment="champ", target=40, due=date(2030, 1, 1),
                            start=date(2026, 1, 15))
    objective.key_results.append(kr)
    okr.save_objectives(project, [objective])
    at = make_app(None, home=home)
    at.query_params["project"] = project_id
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    # reword the objective
    edit_pick = next(b for b in at.selectbox if b.label == "What to edit")
    edit_pick.set_value((objective.id, None)).run()
    at.text_input(key=f"segdash.history.edit.title.{objective.id}").input("Grow our champions").run()
    next(b for b in at.button if b.label == "Save the objective").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = okr.load_objectives(Store(home).open_project(project_id))
    assert saved[0].title == "Grow our champions" and saved[0].key_results[0].id == kr.id
    # change the key result's target, date and segment: start and id stay
    edit_pick = next(b for b in at.selectbox if b.label == "What to edit")
    assert "Objective: Grow our champions" in edit_pick.options  # the new wording at once
    edit_pick.set_value((objective.id, kr.id)).run()
    assert at.number_input(key=f"segdash.history.edit.target.{kr.id}").value == 40.0  # pre-filled
    at.number_input(key=f"segdash.history.edit.target.{kr.id}").set_value(10.0).run()
    at.selectbox(key=f"segdash.history.edit.segment.{kr.id}").set_value("risk").run()
    at.date_input(key=f"segdash.history.edit.due.{kr.id}").set_value(date(2031, 6, 30)).run()
    next(b for b in at.button if b.label == "Save the key result").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = okr.load_objectives(Store(home).open_project(project_id))
    edited = saved[0].key_results[0]
    assert (edited.id, edited.segment, edited.target, edited.due, edited.start) == (
        kr.id, "risk", 10.0, date(2031, 6, 30), date(2026, 1, 15))
    table = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert table.iloc[0]["Objective"] == "Grow our champions"
    assert table.iloc[0]["Target"] == "10"


def test_economics_kpis_use_the_roi_inputs_saved_with_each_snapshot(make_app, tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = new_project(home, "Shop")
    frame = pd.DataFrame({"customer_id": ["A1", "A2", "B1", "B2", "B3"],
                          "signup_date": ["2025-01-01", "2025-07-01", "2025-01-01", "2025-04-01", "2025-10-01"],
                          "total_spend": [120.0, 60.0, 240.0, 90.0, 30.0], "orders": [2, 1, 4, 3, 1],
                          "channel": ["Web", "Web", "Shop", "Shop", "Shop"]})
    data, _ = save_export(project, frame, folder=tmp_path, name="x.csv", roles={"channel": "acquisition_channel"})
    labels = {"A1": "champ", "A2": "champ", "B1": "risk", "B2": "risk", "B3": "risk"}
    save_snapshot(project, dataset_id=data, labels=labels, name="Before", names=NAMES,
                  created="2026-01-01T09:00:00+00:00")
    save_snapshot(project, dataset_id=data, labels=labels, name="With spend", names=NAMES,
                  created="2026-02-01T09:00:00+00:00",
                  inputs={"roi": {"segdash.roi.spend.f1:.Web": 100.0, "segdash.roi.spend.f1:.Shop": 60.0}})
    at = make_app(None, home=home)
    at.query_params["project"] = project.id
    at.run()
    at.switch_page(PAGE).run()
    at.selectbox(key="segdash.history.kpi_pick").set_value("cac").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value.set_index("Segment")
    first, second = table.columns
    assert table.loc["Champions", first].startswith("n/a (")  # saved without spend: the defaults
    assert (table.loc["Champions", second], table.loc["At risk", second]) == ("50.00", "20.00")  # 100 / 2, 60 / 3
    assert any("inputs saved with each snapshot" in c.value for c in at.caption)


def test_survey_results_and_kpi_on_the_over_time_page(make_app, tmp_path: Path) -> None:
    from segdash.survey import results

    home = tmp_path / "home"
    project_id = _project(home, tmp_path)
    project = Store(home).open_project(project_id)
    newest = project.segmentations()[-1]["id"]
    project.put_doc("survey", results.verdict_name(newest), {"snapshot_id": newest, "kpis": [
        {"segment": "champ", "answers": 10, "confirmation_rate": 0.8, "average_satisfaction": 4.0,
         "preferred_channel": "Email", "preferred_tone": None},
        {"segment": "risk", "answers": 30, "confirmation_rate": 0.4, "average_satisfaction": 2.5}]})
    at = make_app(None, home=home)
    at.query_params["project"] = project_id
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Confirmed %" in d.value.columns).set_index("Segment")
    assert table.loc["Champions", "Confirmed %"] == 80.0 and table.loc["At risk", "Preferred tone"] == "–"
    at.selectbox(key="segdash.history.kpi_pick").set_value("survey_confirmation").run()
    kpis = at.dataframe[-1].value.set_index("Segment")
    first, second = kpis.columns
    assert kpis.loc["Champions", first] == "n/a (no survey verdict is saved for this snapshot)"
    # all customers: (0.8 x 10 + 0.4 x 30) / 40 = 50%
    assert (kpis.loc["Champions", second], kpis.loc["All customers", second]) == ("80.0%", "50.0%")
