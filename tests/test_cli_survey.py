"""``python -m segdash survey-sample`` and ``survey-confirm``: JSON shapes, figures, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segdash.cli import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """2,000 customers in A and 300 in B; answers from part of the sample, A and B answering differently."""
    n_a, n_b = 2000, 300
    ids = [f"C{i:05d}" for i in range(n_a + n_b)]
    segments = ["A"] * n_a + ["B"] * n_b
    customers = pd.DataFrame({"customer_id": ids, "email": [f"p{i}@example.com" for i in range(len(ids))],
                              "tier": segments})
    paths = {name: tmp_path / f"{name}.csv" for name in ("customers", "labels", "sample", "answers")}
    customers.to_csv(paths["customers"], index=False)
    pd.DataFrame({"customer_id": ids, "segment": segments}).to_csv(paths["labels"], index=False)
    return paths


def test_survey_sample_json_and_file(files, capsys):
    code = main(["survey-sample", str(files["customers"]), "--labels", str(files["labels"]), "--out",
                 str(files["sample"]), "--json"])
    assert code == 0
    plan = {row["segment"]: row for row in json.loads(capsys.readouterr().out)}
    # 2,000 at 95% / ±5% -> 323 answers, 1,077 invitations at 30%; backups 20% of those
    assert plan["A"] == {"segment": "A", "population": 2000, "completes_needed": 323, "invites": 1077,
                         "backups": 216}
    # 300 need 169 answers = 564 invitations: everyone is invited
    assert plan["B"] == {"segment": "B", "population": 300, "completes_needed": 169, "invites": 300, "backups": 0}
    sample = pd.read_csv(files["sample"])
    assert list(sample.columns) == ["customer_id", "segment", "role", "rank", "token"]
    assert (sample["role"] == "invite").sum() == 1377 and not sample["customer_id"].duplicated().any()
    assert "email" not in sample.columns  # no personal data on the command line


def test_survey_sample_options_and_seed(files, capsys, tmp_path):
    args = ["survey-sample", str(files["customers"]), "--labels", str(files["labels"]), "--confidence", "0.99",
            "--margin", "0.1", "--response-rate", "0.5", "--allocation", "proportional", "--seed", "3", "--json"]
    assert main([*args, "--out", str(tmp_path / "one.csv")]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert sum(row["completes_needed"] for row in plan) == 155  # 99%, ±10%, N = 2,300
    assert main([*args, "--out", str(tmp_path / "two.csv")]) == 0
    one, two = pd.read_csv(tmp_path / "one.csv"), pd.read_csv(tmp_path / "two.csv")
    assert one["customer_id"].tolist() == two["customer_id"].tolist()


def test_survey_confirm_json(files, capsys):
    main(["survey-sample", str(files["customers"]), "--labels", str(files["labels"]), "--out", str(files["sample"])])
    capsys.readouterr()
    sample = pd.read_csv(files["sample"])
    invited = sample[sample["role"] == "invite"].sample(400, random_state=0)
    rng = np.random.default_rng(0)
    answers = pd.DataFrame({
        "Timestamp": "2019/10/01 12:38:43 PM GMT+8",
        "Your customer number": invited["customer_id"].to_numpy(),
        "How often do you buy from us?": [("Often" if s == "A" else "Rarely") if rng.random() < 0.8 else "Sometimes"
                                          for s in invited["segment"]],
        "Which do you buy?": rng.choice(["Books;Toys", "Books", "Toys"], size=len(invited)),
    })
    answers = pd.concat([answers, pd.DataFrame({"Your customer number": ["C99999"], "How often do you buy from us?":
                                                ["Often"], "Which do you buy?": ["Books"]})])
    answers.to_csv(files["answers"], index=False)
    code = main(["survey-confirm", str(files["customers"]), "--labels", str(files["labels"]), "--answers",
                 str(files["answers"]), "--key", "Your customer number", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unmatched_answers"] == 1
    rates = {row["segment"]: row for row in data["response_rate"]}
    answered_a = int((invited["segment"] == "A").sum())
    assert rates["A"]["answered"] == answered_a and rates["A"]["invited"] == 2000
    assert rates["A"]["response_rate"] == pytest.approx(answered_a / 2000)
    questions = {q["question"]: q for q in data["questions"]}
    assert set(questions["How often do you buy from us"]) >= {"question", "test", "p_value", "effect", "differs"}
    assert questions["How often do you buy from us"]["test"] == "Kruskal-Wallis"
    assert questions["How often do you buy from us"]["differs"] is True
    assert {q["test"] for q in data["questions"] if q["column"] == "Which do you buy?"} == {"Chi-square"}
    verdicts = {v["segment"]: v for v in data["verdicts"]}
    assert verdicts["A"]["verdict"] == "confirmed" and verdicts["A"]["evidence"]


def test_survey_errors_are_one_line_exit_2(files, capsys):
    files["answers"].write_text("a,b\n1,2\n")
    code = main(["survey-confirm", str(files["customers"]), "--labels", str(files["labels"]), "--answers",
                 str(files["answers"]), "--key", "nope"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no column 'nope'" in err
    code = main(["survey-sample", str(files["customers"]), "--labels", str(files["labels"]), "--margin", "5",
                 "--out", str(files["sample"])])
    err = capsys.readouterr().err
    assert code == 2 and "margin of error must be between" in err


def test_survey_confirm_matches_tokens_of_the_drawn_sample(files, capsys):
    main(["survey-sample", str(files["customers"]), "--labels", str(files["labels"]), "--out", str(files["sample"])])
    capsys.readouterr()
    sample = pd.read_csv(files["sample"], dtype=str)
    invited = sample[sample["role"] == "invite"]
    answering = invited.sample(300, random_state=1)
    answers = pd.DataFrame({  # a survey tool's export: the token only, no customer id, no email
        "token": [*answering["token"], "not-a-token"],
        "How often do you buy from us?": [*("Often" if s == "A" else "Rarely" for s in answering["segment"]), "Often"],
    })
    answers.to_csv(files["answers"], index=False)
    code = main(["survey-confirm", str(files["customers"]), "--labels", str(files["labels"]), "--answers",
                 str(files["answers"]), "--sample", str(files["sample"]), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert "by survey token" in data["message"] and data["unmatched_answers"] == 1
    rates = {row["segment"]: row for row in data["response_rate"]}
    # rates are of the invited (1,077 in A, all 300 in B), not of every customer
    answered_a = int((answering["segment"] == "A").sum())
    assert (rates["A"]["invited"], rates["B"]["invited"]) == (1077, 300)
    assert rates["A"]["answered"] == answered_a and rates["B"]["answered"] == 300 - answered_a
    assert rates["A"]["response_rate"] == pytest.approx(answered_a / 1077)
    # without the sample, tokens match no one: the same answers cannot be placed
    code = main(["survey-confirm", str(files["customers"]), "--labels", str(files["labels"]), "--answers",
                 str(files["answers"]), "--json"])
    assert code == 0
    assert not json.loads(capsys.readouterr().out)["message"].startswith("Matched")


def test_survey_confirm_sample_file_errors(files, capsys):
    files["sample"].write_text("customer_id,segment\nC00001,A\n")
    files["answers"].write_text("token,q\nabc,1\n")
    code = main(["survey-confirm", str(files["customers"]), "--labels", str(files["labels"]), "--answers",
                 str(files["answers"]), "--sample", str(files["sample"])])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no token column" in err
