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
    profile = None
    with components.engine_feature(ws, "the profile of each segment (its traits, cards and tests)"):
        profile = view.load_profile(ws)
    if profile is None:  # a table in a database whose engine cannot build the profile yet: the sizes it has
        view.show_sizes_only(ws)
    else:
        with components.engine_feature(ws, "the verdict and sizes of the segments"):
            view.show_verdict_and_sizes(ws, profile=profile)  # with "Rename segments" next to the names

        # only the open tab is drawn: a click on another tab draws that one (from the cached profile)
        glance, apart, real, where, compare, who = st.tabs(list(view.SECTIONS), key=view.SECTION_TAB,
                                                           on_change="rerun")
        if glance.open:
            with glance, components.engine_feature(ws, "the segment cards"):
                view.show_cards(ws, profile=profile)
        if apart.open:
            with apart, components.engine_feature(ws, "the traits that set each segment apart"):
                view.show_heatmap(ws, profile=profile)
                with st.expander("All traits as a table"):
                    view.show_traits_table(ws, profile=profile)
        if real.open:
            with real, components.engine_feature(ws, "the tests of whether the differences are real"):
                view.show_proof(ws, profile=profile)
        if where.open:
            with where, components.engine_feature(ws, "the map of customers"):
                view.show_map(ws, profile=profile)
        if compare.open:
            with compare, components.engine_feature(ws, "comparing one attribute across segments"):
                view.show_distribution(ws, profile=profile)
        if who.open:
            with who, components.engine_feature(ws, "the customers in a segment"):
                view.show_drilldown(ws, profile=profile)
