"""Anonymous answers are placed in segments by the same rules, or the page says what is missing."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash.schema import Segmentation
from segdash.segment.rules import Dimension, segment_by_dimensions
from segdash.survey.anonymous import place_answers
from segdash.workspace import Workspace


@pytest.fixture(scope="module")
def ws() -> Workspace:
    from tests.conftest import SAMPLE

    workspace = Workspace()
    workspace.load(SAMPLE)
    workspace.set_segmentation(segment_by_dimensions(
        workspace.data, dimensions=["country", Dimension("age", banding="edges", edges=(30, 50))],
        types=workspace.column_types(), min_size=50))
    return workspace


def test_answers_with_the_rule_columns_are_segmented_by_the_rules(ws):
    answers = pd.DataFrame({"Country": ["france", "Spain", "Germany"], "Age": ["25 to 34", "55", 41],
                            "Likes": ["yes", "no", "yes"]})
    placed = place_answers(ws.data, answers, segmentation=ws.segmentation, types=ws.column_types())
    assert placed.answers["_segment"].tolist() == ["France · age <30", "Spain · age 50+", "Germany · age 30-49"]
    assert placed.columns == {"country": "Country", "age": "Age"}
    assert any("middle of their band" in note for note in placed.notes)


def test_kit_questions_map_to_rule_columns(ws):
    answers = pd.DataFrame({"Which country do you live in?": ["Canada"], "Which age group are you in?": ["50 or more"]})
    kit = [{"question": "Which country do you live in?", "column": "country"},
           {"question": "Which age group are you in?", "column": "age"}]
    placed = place_answers(ws.data, answers, segmentation=ws.segmentation, types=ws.column_types(), kit=kit)
    assert placed.answers["_segment"].tolist() == ["Canada · age 50+"]


def test_missing_rule_columns_are_named(ws):
    placed = place_answers(ws.data, pd.DataFrame({"Country": ["France"]}), segmentation=ws.segmentation,
                           types=ws.column_types())
    assert placed.answers is None and placed.missing == ["age"]
    assert "the answers lack age" in placed.message


def test_clustered_segments_cannot_be_rebuilt_from_answers(ws):
    clustered = Segmentation(method="kmeans", settings={}, sizes={"1": 10, "2": 5}, k=2)
    placed = place_answers(ws.data, pd.DataFrame({"Country": ["France"]}), segmentation=clustered,
                           types=ws.column_types())
    assert placed.answers is None and "Add the survey token" in placed.message


def test_bands_are_the_same_without_a_saved_model(ws):
    from dataclasses import replace

    answers = pd.DataFrame({"Country": ["Canada", "Canada"], "Age": [29, 30]})
    with_model = place_answers(ws.data, answers, segmentation=ws.segmentation, types=ws.column_types())
    bare = place_answers(ws.data, answers, segmentation=replace(ws.segmentation, model={}), types=ws.column_types())
    assert with_model.answers["_segment"].tolist() == bare.answers["_segment"].tolist() == [
        "Canada · age <30", "Canada · age 30-49"]
