"""Survey exports beyond the Survey page: ordered bands on Profiles, full questions on hover, survey KPIs shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from segdash import labels
from segdash.history.compare import drift_display
from segdash.report import profile_charts
from segdash.segment.rules import segment_by_dimensions
from segdash.survey import results
from segdash.ui import profiles as profiles_view

AGE_Q = "Which age group are you in at the moment, if you do not mind telling us?"
OFTEN_Q = "How often do you shop with us in a typical month, roughly speaking?"
BANDS = ["18-24", "25-34", "35-44", "45+"]


def _survey_file(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 160
    region = np.where(np.arange(n) < 80, "north", "south")
    frame = pd.DataFrame({
        "respondent_id": [f"R{i:03d}" for i in range(n)],
        "region": region,
        # the north is older and shops more often; the bands' most common one is 25-34, not the first
        AGE_Q: [rng.choice(BANDS, p=[0.05, 0.35, 0.3, 0.3] if r == "north" else [0.3, 0.5, 0.15, 0.05]) for r in region],
        OFTEN_Q: [rng.choice(["Never", "Sometimes", "Often"], p=[0.1, 0.3, 0.6] if r == "north" else [0.5, 0.3, 0.2])
                  for r in region],
        "spend": rng.gamma(2.0, 50.0, n).round(2),
    })
    path = folder / "survey_customers.csv"
    frame.to_csv(path, index=False)
    return path


def test_question_labels_and_hover_texts_by_hand() -> None:
    assert labels.is_question(OFTEN_Q) and not labels.is_question("Shopping_Satisfaction")
    short = labels.suggest_label(OFTEN_Q)
    assert len(short) <= 41 and short != OFTEN_Q
    found = labels.full_questions(["spend", OFTEN_Q], labels={})
    assert found == {short: OFTEN_Q}
    text = labels.questions_help([OFTEN_Q, "spend"], labels={OFTEN_Q: "Visits *per* month"})
    assert text == f"Full questions:\n\n**Visits \\*per\\* month**: {OFTEN_Q}"  # user text escaped
    assert labels.questions_help(["spend"]) is None
    drift = pd.DataFrame({"column": [OFTEN_Q, "spend"], "kind": ["category", "number"], "psi": [0.3, 0.01],
                          "level": ["strongly", "little"], "bins": [3, 10]})
    table = drift_display(drift)
    assert table["Attribute"].tolist() == [short, "spend"] and table["Full question"].tolist() == [OFTEN_Q, ""]


def test_survey_results_for_pages_by_hand() -> None:
    frame = results.kpi_frame({"kpis": [
        {"segment": "a", "answers": 12, "confirmation_rate": 0.8333, "average_satisfaction": 4.25,
         "preferred_channel": "Email", "preferred_tone": "casual"},
        {"segment": "b", "answers": 0, "confirmation_rate": None, "average_satisfaction": None}]})
    assert results.segment_sentence(frame, "a") == ("12 answers: 83% of the checks against the data agree; "
                                                     "satisfaction 4.2; prefer Email; tone casual.")
    assert results.segment_sentence(frame, "b") == "" and results.segment_sentence(frame, "zzz") == ""
    table = results.kpi_table(frame, names={"a": "Young"})
    assert table["Segment"].tolist() == ["Young", "b"]
    assert table.loc[0, "Confirmed %"] == 83.33 and np.isnan(table.loc[1, "Confirmed %"])
    assert table["Preferred tone"].tolist() == ["casual", "–"]
    assert results.overall(frame, "confirmation_rate") == 0.8333  # b has no answers: weight 0


def test_profiles_sort_bands_and_show_full_questions(make_app: Callable[..., object], tmp_path: Path) -> None:
    at = make_app(_survey_file(tmp_path))
    at.run()
    ws = at.session_state["segdash.workspace"]
    ws.set_segmentation(segment_by_dimensions(ws.data, dimensions=["region"], types=ws.column_types(), min_size=10))
    at.switch_page("pages/profiles.py").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    hover = next(c.proto.help for c in at.caption if "survey questions" in c.value)  # under the cards
    at.session_state[profiles_view.SECTION_TAB] = "What sets them apart"  # only the open tab is drawn
    at.run(timeout=120)
    table = next(d.value for d in at.dataframe if "Full question" in d.value.columns)
    bands = table[table["Full question"] == AGE_Q]["Trait"].tolist()
    assert [t.rsplit(": ", 1)[1] for t in bands] == BANDS  # in band order, every band shown
    scale = table[table["Full question"] == OFTEN_Q]["Trait"].tolist()
    assert [t.rsplit(": ", 1)[1] for t in scale] == ["Never", "Sometimes", "Often"]
    assert all(len(t.split(": ")[0]) <= 41 for t in bands + scale)  # short labels, the question on hover
    assert AGE_Q in hover and OFTEN_Q in hover
    # the heatmap's hover carries the full question too
    from segdash.segment import PROFILE_CACHE_KEY

    profile = ws.cached(PROFILE_CACHE_KEY, lambda: None)
    figure = profile_charts.traits_heatmap(profile.traits, names={}, hide_quiet=False)
    texts = [t for row in figure.data[0].text for t in row]
    assert any(OFTEN_Q.split(",")[0] in t for t in texts)


def test_segments_pickers_give_the_full_question_on_hover(make_app: Callable[..., object], tmp_path: Path) -> None:
    at = make_app(_survey_file(tmp_path))
    at.run()
    at.switch_page("pages/segments.py").run(timeout=120)
    at.radio(key="segdash.segments.method").set_value("By dimensions").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    helps = [m.help or "" for m in at.multiselect]
    assert any(OFTEN_Q in h and AGE_Q in h for h in helps)
