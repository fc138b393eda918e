"""Playbook: how to serve each segment (channel, tone, approach, do and don't) and the support desk's routing table."""

from __future__ import annotations

import streamlit as st

from segdash.ui import components
from segdash.ui import playbook as view

ws = components.page_setup(
    "Playbook",
    "How to serve each segment: the service channel it prefers, the tone that fits it, what it values, "
    "and what to do and avoid.",
)
if components.require_segmentation(ws):
    with components.engine_feature(ws, "the playbook (service channels, tone and approach per segment)"):
        with st.expander("Service channels: where they come from, and labels that mean the same"):
            source = view.channel_source(ws)
            mapping = view.merge_editor(ws, source=source) if source is not None else {}
        with st.expander("Tone and approach rules"):
            rules = view.rules_editor(ws)
        playbook = view.build(ws, rules=rules, source=source, mapping=mapping)

        st.subheader("Service channels by segment")
        view.show_mix(playbook)

        st.subheader("One card per segment")
        view.show_cards(ws, playbook)

        if source is not None:
            st.subheader("Buying channel against service channel")
            view.show_crosstab(ws, source=source, mapping=mapping, names={c.segment: c.name for c in playbook.cards})

        st.subheader("Routing table for the support desk")
        view.show_routing(playbook)
