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
        tabs = st.tabs(list(view.SECTIONS), key=view.SECTION_TAB, on_change="rerun")
        sections = [
            (view.show_cards, "the segment cards"),
            (view.show_traits, "the traits that set each segment apart"),
            (view.show_proof, "the tests of whether the differences are real"),
            (view.show_map, "the map of customers"),
            (view.show_distribution, "comparing one attribute across segments"),
            (view.show_drilldown, "the customers in a segment"),
        ]
        for tab, (show, what) in zip(tabs, sections, strict=True):
            if tab.open:
                with tab, components.engine_feature(ws, what):
                    show(ws, profile=profile)
