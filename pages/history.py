"""Over time: compare two saved snapshots (who moved, who is new or gone, what drifted) and follow OKRs."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import history as view

ws = components.page_setup(
    "Over time",
    "Compare two saved snapshots of your segments: who stayed, who moved, who is new, who left, and how the "
    "customers themselves changed. Set objectives per segment and follow them from snapshot to snapshot.",
)
if not view.require_project(ws):
    st.stop()
entries = view.listed_snapshots(ws)
compare_tab, okr_tab = st.tabs(["Compare two snapshots", "Objectives & KPIs"], key=view.TABS, on_change="rerun")
with compare_tab:
    if len(entries) < 2:
        st.info(f"This project has {len(entries)} saved segmentation{'' if len(entries) == 1 else 's'}. Save one on "
                "the **Segments** page, load a newer export on the **Data** page, segment and save again: then "
                "compare the two here.")
    else:
        picked = view.pick_two(entries)
        if picked is not None:
            view.show_comparison(view.comparison(ws, *picked))
with okr_tab:
    if not entries:
        st.info("Save a segmentation on the **Segments** page first: objectives are measured on saved snapshots.")
    else:
        snapshots = [view.snapshot(ws, e["id"]) for e in entries]
        view.objectives_section(ws, snapshots)
        view.survey_section(ws, snapshots)
        view.kpi_explorer(ws, snapshots)
