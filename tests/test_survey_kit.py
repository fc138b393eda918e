"""The question kit: drafted from what defines the segments, edited, reordered, exported."""

from __future__ import annotations

import pandas as pd
import pytest

from segdash.segment.rules import Dimension, segment_by_dimensions
from segdash.survey import SurveyError
from segdash.survey.answers import band_interval
from segdash.survey.kit import (
    SATISFACTION,
    draft_kit,
    kit_csv,
    kit_frame,
    kit_from_frame,
    kit_text,
    move,
    numeric_bands,
    table_from_rows,
    table_rows,
)
from segdash.workspace import Workspace


def test_numeric_bands_never_overlap():
    assert numeric_bands([25, 35, 50], integral=True) == ["Less than 25", "25 to 34", "35 to 49", "50 or more"]
    assert numeric_bands([500, 1500], integral=False) == ["Less than 500", "500 to less than 1,500", "1,500 or more"]
    # every whole age falls in exactly one band
    bands = [band_interval(b) for b in numeric_bands([25, 35, 50], integral=True)]
    for age in range(0, 100):
        inside = [lo <= age <= hi if lo != float("-inf") else age < hi for lo, hi in bands]
        assert sum(inside) == 1, age


@pytest.fixture(scope="module")
def ws() -> Workspace:
    from tests.conftest import SAMPLE

    workspace = Workspace()
    workspace.load(SAMPLE)
    return workspace


def test_draft_follows_the_segments(ws):
    segmentation = segment_by_dimensions(ws.data, dimensions=["country", Dimension("age", banding="edges",
                                                                                   edges=(30, 50))],
                                         types=ws.column_types())
    kit = draft_kit(ws.data, roles=ws.roles, types=ws.column_types(), features=segmentation.features,
                    edges={"age": (30, 50)})
    by_column = {item["column"]: item for item in kit if item["column"]}
    assert kit[0]["column"] == "country" and kit[0]["purpose"] == "confirm"
    assert kit[0]["question"] == "Which country do you live in?"
    assert "United States" in kit[0]["options"]
    age = by_column["age"]
    assert age["question"] == "Which age group are you in?"
    assert age["options"] == ["Less than 30", "30 to 49", "50 or more", "Prefer not to say"]  # the bands used
    assert by_column["total_spend"]["purpose"] == "behaviour"
    assert by_column["preferred_service_channel"]["question"] == "How do you prefer to contact us?"
    assert by_column["interests"]["type"] == "multi"  # "Fitness, Travel" is several choices
    assert "Fitness, Travel" not in by_column["interests"]["options"]
    tone = next(item for item in kit if "tone" in item["question"])
    assert tone["purpose"] == "preference"
    likert = [item for item in kit if item["type"] == "likert"]
    assert likert and likert[0]["options"] == SATISFACTION
    assert likert[0]["options"][0].startswith("1 - ") and likert[0]["options"][-1].startswith("5 - ")
    for item in kit:
        assert len(item["options"]) == len(set(item["options"])), item["question"]
    assert not {"name", "email", "phone", "customer_id"} & set(by_column)  # never asks for personal data


def test_edit_reorder_and_export():
    kit = [{"question": "What is your gender?", "type": "single", "options": ["Female", "Male"], "purpose": "confirm",
            "column": "gender"},
           {"question": "How satisfied are you?", "type": "likert", "options": SATISFACTION, "purpose": "preference",
            "column": None}]
    frame = kit_frame(kit)
    assert frame["options"].iloc[0] == "Female | Male"
    frame.loc[1, "order"] = 0  # move the rating to the top
    frame.loc[0, "options"] = "Female | Male | Male | Prefer not to say"
    frame = pd.concat([frame, pd.DataFrame([{"order": 5, "question": "  ", "type": "text"}])])
    edited = kit_from_frame(frame)
    assert [k["question"] for k in edited] == ["How satisfied are you?", "What is your gender?"]
    assert edited[1]["options"] == ["Female", "Male", "Prefer not to say"]  # repeats removed, blank row dropped
    assert [k["question"] for k in move(edited, 1, by=-1)] == ["What is your gender?", "How satisfied are you?"]
    text = kit_text(edited)
    assert text.startswith("1. How satisfied are you? (1 to 5)\n   [ ] 1 - Very dissatisfied")
    assert "2. What is your gender?\n   [ ] Female" in text
    csv = kit_csv([{**edited[1], "question": "=cmd|' /C calc'!A0"}]).decode("utf-8-sig")
    assert csv.splitlines()[0] == "question,type,options,purpose,column"
    assert csv.splitlines()[1].startswith("'=cmd")


def test_an_edited_table_is_kept_as_json_rows_and_read_back_the_same():
    import json

    import numpy as np

    frame = pd.DataFrame({"order": [2.0, 1.0, np.nan], "question": ["Pick one", "Where do you live?", None],
                          "type": ["single", "text", None], "options": ["a | b", np.nan, None],
                          "purpose": ["confirm", "preference", None], "column": ["country", "", None],
                          "_index": [0, 1, 2]})  # a column the table does not have is left out
    rows = table_rows(frame)
    assert rows == [
        {"order": 2, "question": "Pick one", "type": "single", "options": "a | b", "purpose": "confirm",
         "column": "country"},
        {"order": 1, "question": "Where do you live?", "type": "text", "options": None, "purpose": "preference",
         "column": ""},
        {"order": None, "question": None, "type": None, "options": None, "purpose": None, "column": None}]
    assert json.loads(json.dumps(rows, allow_nan=False)) == rows  # plain JSON: no NaN, no numpy numbers
    back = table_from_rows(rows)
    assert list(back.columns) == ["order", "question", "type", "options", "purpose", "column"]
    assert back["order"].iloc[0] == 2 and pd.isna(back["order"].iloc[2])
    assert kit_from_frame(back) == kit_from_frame(frame)  # the same questions, in the same order
    assert [k["question"] for k in kit_from_frame(back)] == ["Where do you live?", "Pick one"]
    assert table_rows(table_from_rows([{"question": "Only this", "extra": 1}])) == [
        {"order": None, "question": "Only this", "type": None, "options": None, "purpose": None, "column": None}]
    assert table_rows(frame.iloc[0:0]) == []


def test_bad_edits_are_refused_in_words():
    with pytest.raises(SurveyError, match="needs at least two options"):
        kit_from_frame(pd.DataFrame([{"order": 1, "question": "Pick one", "type": "single", "options": "Only"}]))
    with pytest.raises(SurveyError, match="the type must be one of"):
        kit_from_frame(pd.DataFrame([{"order": 1, "question": "Pick one", "type": "radio", "options": "a | b"}]))
