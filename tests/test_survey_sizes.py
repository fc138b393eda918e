"""Sample size per segment: the textbook formula, exactly."""

from __future__ import annotations

import math

import pytest

from segdash.survey import SurveyError
from segdash.survey.sizes import SampleSettings, completes_needed, invitations, plan_notes, sample_plan


def test_the_issue_example_2000_at_95_and_5_points():
    # n0 = 1.959964^2 * 0.25 / 0.05^2 = 384.146; n = 384.146 / (1 + 383.146 / 2000) = 322.38 -> 323
    assert completes_needed(2000, confidence=0.95, margin=0.05) == 323
    assert invitations(323, response_rate=0.30) == 1077  # 323 / 0.3 = 1076.67 -> 1077


def test_hand_computed_formula_matches():
    z = 1.959963984540054
    n0 = z * z * 0.25 / 0.0025
    assert n0 == pytest.approx(384.1459, abs=1e-4)
    assert completes_needed(2000) == math.ceil(n0 / (1 + (n0 - 1) / 2000))


@pytest.mark.parametrize(("population", "confidence", "margin", "expected"), [
    # Cochran's infinite-population sizes found in every textbook
    (10**9, 0.95, 0.05, 385),
    (10**9, 0.95, 0.03, 1068),
    (10**9, 0.99, 0.05, 664),
    (10**9, 0.90, 0.05, 271),
    # finite populations at 95% / ±5% (Krejcie & Morgan 1970 print 80, 132, 217, 278, 357, 370: they round
    # to the nearest, these round up so the margin is always met)
    (100, 0.95, 0.05, 80),
    (200, 0.95, 0.05, 132),
    (500, 0.95, 0.05, 218),
    (1000, 0.95, 0.05, 278),
    (5000, 0.95, 0.05, 357),
    (10000, 0.95, 0.05, 370),
    (1, 0.95, 0.05, 1),
    (0, 0.95, 0.05, 0),
])
def test_textbook_table(population, confidence, margin, expected):
    assert completes_needed(population, confidence=confidence, margin=margin) == expected


def test_expected_proportion_lowers_the_size():
    # p = 0.1: n0 = 1.96^2 * 0.09 / 0.0025 = 138.3 -> 139 for a huge population
    assert completes_needed(10**9, proportion=0.1) == 139


def test_plan_per_segment_with_a_segment_too_small():
    plan = sample_plan({"big": 2000, "small": 100}, settings=SampleSettings())
    big = plan.set_index("segment").loc["big"]
    small = plan.set_index("segment").loc["small"]
    assert (big["completes_needed"], big["invites"], big["everyone"]) == (323, 1077, False)
    assert big["backups"] == math.ceil(1077 * 0.2)  # 216, room enough in 2,000
    # 100 customers need 80 answers = 267 invitations: everyone is invited, no backups left
    assert (small["completes_needed"], small["invites"], small["backups"], small["everyone"]) == (80, 100, 0, True)
    assert small["expected_completes"] == 30
    notes = plan_notes(plan, settings=SampleSettings(), names={"small": "Tiny shops"})
    assert notes[0].startswith("Invite 1,177 customers in total")
    assert any("'Tiny shops' is too small" in n and "everyone in it is invited" in n for n in notes)


def test_plan_proportional_splits_one_total():
    plan = sample_plan({"a": 6000, "b": 3000, "c": 1000}, settings=SampleSettings(allocation="proportional"))
    total = completes_needed(10000)
    assert int(plan["completes_needed"].sum()) == total == 370
    assert plan.set_index("segment")["completes_needed"].to_dict() == {"a": 222, "b": 111, "c": 37}


def test_plan_caps_invites_at_eligible():
    plan = sample_plan({"a": 2000}, settings=SampleSettings(), eligible={"a": 500})
    row = plan.iloc[0]
    assert (row["invites"], row["backups"], row["everyone"]) == (500, 0, True)


@pytest.mark.parametrize("changes", [{"confidence": 1.2}, {"margin": 0}, {"response_rate": 0},
                                     {"allocation": "random"}, {"proportion": 1}])
def test_bad_settings_are_refused_in_words(changes):
    with pytest.raises(SurveyError):
        SampleSettings(**changes).check()
