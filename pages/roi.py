"""Acquisition & ROI: what each segment costs to win, what it returns, and a budget what-if."""

from __future__ import annotations

import streamlit as st

from segdash.report.text import escape_markdown as md
from segdash.ui import components
from segdash.ui import roi as ui
from segdash.ui.components import page_setup, require_segmentation

ws = page_setup(
    "Acquisition & ROI",
    "What it costs to win the customers of each segment, what they return, and where the next budget pays most.",
)
if not require_segmentation(ws):
    st.stop()
if ws.segmentation is not None and ws.segmentation.extra.get("unit", "customers") != "customers":
    st.warning(
        "Your file has one row per order line, not one per customer, so every figure on this page counts "
        "order lines as if they were customers. For cost per customer and ROI, load a customer file "
        "(one row per customer, e.g. with acquisition channel or cost) and segment it.",
        icon=":material/warning:",
    )

with components.engine_feature(ws, "acquisition cost and return per segment"):
    st.subheader("1. Acquisition cost")
    columns, spend, cost_message = ui.cost_section(ws)

    st.subheader("2. Assumptions")
    assumptions = ui.assumptions_section(ws, columns=columns)

    result, cost_error = ui.compute(ws, inputs=ui.Inputs(columns=columns, assumptions=assumptions, channel_spend=spend))
    if cost_error:
        cost_message.error(f"{md(cost_error)} Showing the figures without acquisition cost until this is fixed.")
    for warning in result.warnings:
        cost_message.warning(md(warning))

    st.subheader("3. Return per segment")
    ui.results_section(ws, result=result)

    st.subheader("4. Budget what-if")
    st.caption("**Linear projection**: each segment keeps today's cost per customer and lifetime value, "
               "whatever you spend on it. Real channels saturate, so treat large shifts with care.")
    ui.whatif_section(ws, result=result)
