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

    glance, apart, real, where, compare, who = st.tabs(list(view.SECTIONS))
    with glance:
        view.show_cards(ws, profile=profile)
    with apart:
        view.show_heatmap(ws, profile=profile)
        with st.expander("All traits as a table"):
            view.show_traits_table(ws, profile=profile)
    with real:
        view.show_proof(ws, profile=profile)
    with where:
        view.show_map(ws, profile=profile)
    with compare:
        view.show_distribution(ws, profile=profile)
    with who:
        view.show_drilldown(ws, profile=profile)
