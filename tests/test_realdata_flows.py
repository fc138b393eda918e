"""Whole flows on the real public files (../shared/datasets): what a marketer saw in the browser walk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from segdash import economics
from segdash import profile as prof
from segdash.segment.cluster import cluster_customers
from segdash.segment.rfm import segment_rfm
from segdash.workspace import Workspace

DATASETS = Path(os.environ.get("SEGDASH_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets")

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not DATASETS.is_dir(), reason=f"real datasets folder {DATASETS} is absent"),
]


def _workspace(name: str) -> Workspace:
    ws = Workspace()
    ws.load(DATASETS / name, name=name)
    return ws


def test_mall_income_and_spending_give_five_named_clusters_and_named_notes() -> None:
    ws = _workspace("Mall_Customers.csv")
    types = ws.column_types()
    seg = cluster_customers(ws.data, features=["Annual Income (k$)", "Spending Score (1-100)"], types=types,
                            k="auto", random_state=0)
    ws.set_segmentation(seg)
    assert seg.k == 5  # the well-known five groups of this file
    assert sum(seg.sizes.values()) == 200
    profile = prof.build_profile(ws.data, roles=ws.roles, types=types)
    # Genre does not separate the clusters (the verdict says so), so it must not name one ("... · Male").
    assert "'Genre' does not separate them" in profile.verdict
    assert not any(word in ("Male", "Female") for name in profile.names.values() for word in name.split(" · "))
    # Notes name segments the way the rest of the page does.
    names = {label: f"Group {chr(65 + i)}" for i, label in enumerate(profile.sizes["segment"])}
    tiny = [note for note in profile.display_notes(names) if "fewer than 30" in note]
    assert tiny and "Group " in tiny[0] and "Segment " not in tiny[0]


def test_online_retail_rfm_profile_has_no_invoice_or_stock_code_traits() -> None:
    ws = _workspace("Online Retail.xlsx")
    types = ws.column_types()
    seg = segment_rfm(ws.data, roles=ws.roles, types=types)
    ws.set_segmentation(seg)
    assert seg.extra["unit"] == "order lines"
    assert sum(seg.sizes.values()) == 40_000
    profile = prof.build_profile(ws.data, roles=ws.roles, types=types)
    # An invoice number or a product code shared by 1% of a segment's lines describes nobody.
    codes = profile.top_traits[profile.top_traits["attribute"].isin(["InvoiceNo", "StockCode", "Description"])]
    assert codes.empty, codes["text"].tolist()


def test_mall_budget_what_if_without_any_cost_says_so_instead_of_nan() -> None:
    ws = _workspace("Mall_Customers.csv")
    types = ws.column_types()
    seg = cluster_customers(ws.data, features=["Annual Income (k$)", "Spending Score (1-100)"], types=types,
                            k=3, random_state=0)
    ws.set_segmentation(seg)
    columns = economics.suggest_columns(ws.roles, types=types)
    result = economics.compute_economics(ws.data, columns=columns, assumptions=economics.Assumptions())
    shares = {str(label): 100 / 3 for label in result.segments["segment"]}
    projection = economics.project_budget(result.segments, budget=10_000, shares=shares,
                                          names={label: f"Group {i}" for i, label in enumerate(shares)})
    assert any(note.startswith("Nothing can be projected") for note in projection.notes)
    assert not any("'Segment" in note for note in projection.notes)
