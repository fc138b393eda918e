"""Profiles: how big each segment is, what sets it apart, whether that is real, and who is in it."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import profiles as view

ws = components.page_setup(
    "Profiles",
    "Who is in each segment, what makes it different from everyone else, and whether the differences are real.",
)
if components.require_segmentation(ws):
    profile = view.load_profile(ws)
    view.show_verdict_and_sizes(ws, profile=profile)  # with "Rename segments" next to the names

    # only the open tab is drawn: a click on another tab draws that one (from the cached profile)
    glance, apart, real, where, compare, who = st.tabs(list(view.SECTIONS), key=view.SECTION_TAB, on_change="rerun")
    if glance.open:
        with glance:
            view.show_cards(ws, profile=profile)
    if apart.open:
        with apart:
            view.show_heatmap(ws, profile=profile)
            with st.expander("All traits as a table"):
                view.show_traits_table(ws, profile=profile)
    if real.open:
        with real:
            view.show_proof(ws, profile=profile)
    if where.open:
        with where:
            view.show_map(ws, profile=profile)
    if compare.open:
        with compare:
            view.show_distribution(ws, profile=profile)
    if who.open:
        with who:
            view.show_drilldown(ws, profile=profile)
