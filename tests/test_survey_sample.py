"""Seeded stratified sampling: reproducible, exclusions honoured, nobody twice, saved in the project."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segdash.report.export import to_safe_csv
from segdash.segment.rules import segment_by_dimensions
from segdash.store import Store
from segdash.survey import SurveyError
from segdash.survey.sample import (
    BACKUP,
    INVITE,
    contact_list,
    draw_sample,
    load_sample,
    recently_surveyed,
    sample_contacts,
    save_sample,
    to_safe_xlsx,
)
from segdash.survey.sizes import SampleSettings
from segdash.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """600 customers in tiers A (300), B (200), C (100); every 10th has no email, every 7th opted out."""
    rows = []
    for i in range(600):
        tier = "A" if i < 300 else "B" if i < 500 else "C"
        rows.append({"customer_id": f"C{i:04d}", "email": "" if i % 10 == 0 else f"p{i}@example.com",
                     "name": f"Ann{i} Smith", "tier": tier, "opt_out": "yes" if i % 7 == 0 else "no"})
    rows[1]["email"] = "=HYPERLINK(\"http://x\")@example.com"
    path = tmp_path / "customers.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    workspace = Workspace()
    workspace.load(path)
    workspace.set_segmentation(segment_by_dimensions(workspace.data, dimensions=["tier"], types=workspace.column_types()))
    return workspace


SETTINGS = SampleSettings(margin=0.1, response_rate=0.5, backup_share=0.25, random_state=7)


def labels(ws: Workspace) -> pd.Series:
    return ws.con.execute("SELECT customer_id, segment FROM customers JOIN segment_labels USING (_row)").df() \
        .set_index("customer_id")["segment"]


def test_same_seed_same_people_other_seed_other_people(ws):
    first = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS)
    again = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS)
    other = draw_sample(ws.data, key_column="customer_id", settings=SampleSettings(
        margin=0.1, response_rate=0.5, backup_share=0.25, random_state=8))
    assert first.frame[["key", "segment", "role", "rank"]].equals(again.frame[["key", "segment", "role", "rank"]])
    assert set(first.frame["key"]) != set(other.frame["key"])
    assert first.frame["token"].tolist() != again.frame["token"].tolist()  # tokens are never derived from the seed


def test_sizes_follow_the_plan_nobody_twice_everyone_in_their_segment(ws):
    sample = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS)
    frame = sample.frame
    assert not frame["key"].duplicated().any()
    assert frame["token"].is_unique and frame["token"].str.fullmatch(r"[0-9a-f]{16}").all()
    truth = labels(ws)
    assert (truth.loc[frame["key"]].to_numpy() == frame["segment"].to_numpy()).all()
    plan = sample.plan.set_index("segment")
    # margin 10%: A (300) needs 73 answers -> 146 invites (+37 backups); C (100) needs 50 -> 100 > 100 eligible
    assert plan.loc["A", "completes_needed"] == 73 and plan.loc["A", "invites"] == 146
    for segment, group in frame.groupby("segment"):
        assert (group["role"] == INVITE).sum() == plan.loc[segment, "invites"]
        assert (group["role"] == BACKUP).sum() == plan.loc[segment, "backups"]
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        # invitations come first in the seeded order, backups after
        assert group.loc[group["role"] == INVITE, "rank"].max() < group.loc[group["role"] == BACKUP, "rank"].min() \
            if (group["role"] == BACKUP).any() else True
    assert plan.loc["C", "everyone"]


def test_exclusions_contact_opt_out_and_recent(ws):
    recent = ["C0001", "C0002", "C0003"]
    sample = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS, types=ws.column_types(),
                         contact_column="email", opt_out_column="opt_out", exclude_keys=recent)
    numbers = sample.frame["key"].str[1:].astype(int)
    assert not (numbers % 10 == 0).any(), "a customer without email was sampled"
    assert not (numbers % 7 == 0).any(), "a customer who opted out was sampled"
    assert not sample.frame["key"].isin(recent).any()
    plan = sample.plan.set_index("segment")
    # tier C = customers 500-599: 10 without email, 15 opted out (of whom 2 also lack an email: 560, 530? no)
    no_email = [i for i in range(500, 600) if i % 10 == 0]
    opted = [i for i in range(500, 600) if i % 7 == 0 and i % 10 != 0]
    assert plan.loc["C", "no_contact"] == len(no_email)
    assert plan.loc["C", "opted_out"] == len(opted)
    assert plan.loc["C", "eligible"] == 100 - len(no_email) - len(opted)
    assert plan.loc["A", "surveyed"] == 3
    assert any("opted out" in note for note in sample.notes)


def test_unknown_column_is_refused(ws):
    with pytest.raises(SurveyError, match="no column 'mail'"):
        draw_sample(ws.data, key_column="customer_id", settings=SETTINGS, contact_column="mail")


def test_saved_in_the_project_and_recently_surveyed(ws, tmp_path):
    project = Store(tmp_path / "home").create_project("Survey test")
    sample = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS)
    save_sample(project, "Spring sample", sample, extra={"segmentation_id": "x"})
    loaded = load_sample(project, "Spring sample")
    assert loaded.frame[["key", "segment", "role", "token"]].equals(sample.frame[["key", "segment", "role", "token"]])
    assert loaded.settings == SETTINGS and loaded.drawn == sample.drawn
    meta = project.table_meta("survey_samples", "Spring sample")
    assert meta["settings"]["margin"] == 0.1 and meta["segmentation_id"] == "x"
    invited = set(sample.frame.loc[sample.frame["role"] == INVITE, "key"])
    assert set(recently_surveyed(project, days=30)) == invited
    later = datetime.now(UTC) + timedelta(days=45)
    assert recently_surveyed(project, days=30, now=later).empty
    again = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS,
                        exclude_keys=recently_surveyed(project, days=30))
    assert not again.frame["key"].isin(invited).any()


def test_contact_list_personal_data_only_when_confirmed(ws):
    sample = draw_sample(ws.data, key_column="customer_id", settings=SETTINGS)
    contacts = sample_contacts(ws.data, sample, columns=["email", "name"])
    bare = contact_list(contacts, contact_columns=["email", "name"], confirmed=False)
    assert list(bare.columns) == ["customer_id", "token", "segment_id", "segment_name"]
    assert len(bare) == (sample.frame["role"] == INVITE).sum()
    full = contact_list(contacts, contact_columns=["email", "name"], confirmed=True, names={"A": "Gold"})
    assert list(full.columns)[:3] == ["email", "first_name", "last_name"]
    row = full[full["customer_id"] == full["customer_id"].iloc[0]].iloc[0]
    number = int(row["customer_id"][1:])
    assert row["email"] == contacts.set_index("key").loc[row["customer_id"], "email"]
    assert row["first_name"] == f"Ann{number}" and row["last_name"] == "Smith"
    assert set(full.loc[full["segment_id"] == "A", "segment_name"]) == {"Gold"}
    assert list(contact_list(contacts, contact_columns=["email", "name"], confirmed=True, tool="qualtrics").columns) == [
        "Email", "FirstName", "LastName", "ExternalDataReference", "token", "segment_id", "segment_name"]
    assert list(contact_list(contacts, contact_columns=["email"], confirmed=True, tool="surveymonkey").columns) == [
        "Email Address", "First Name", "Last Name", "Custom Data 1", "Custom Data 2", "Custom Data 3", "Custom Data 4"]
    assert list(contact_list(contacts, contact_columns=["email"], confirmed=True, tool="limesurvey").columns) == [
        "firstname", "lastname", "email", "token", "attribute_1", "attribute_2", "attribute_3"]
    with pytest.raises(SurveyError, match="needs an email column"):
        contact_list(contacts, contact_columns=["name"], confirmed=True, tool="qualtrics")


def test_contact_list_exports_are_formula_safe(ws):
    sample = draw_sample(ws.data, key_column="customer_id", settings=SampleSettings(margin=0.01, random_state=1))
    contacts = sample_contacts(ws.data, sample, columns=["email"])
    listing = contact_list(contacts, contact_columns=["email"], confirmed=True)
    assert (listing["email"] == '=HYPERLINK("http://x")@example.com').any()  # customer C0001 is in (everyone is)
    text = to_safe_csv(listing).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    book = openpyxl.load_workbook(io.BytesIO(to_safe_xlsx(listing)))
    cells = [c.value for c in book.active["A"]]
    assert cells[0] == "email"
    assert "'=HYPERLINK(\"http://x\")@example.com" in cells
    assert all(c.data_type != "f" for c in book.active["A"])
