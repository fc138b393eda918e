"""Acquisition & ROI: what each segment costs to win, what it returns, and a budget what-if."""

from __future__ import annotations

import streamlit as st

from segdash import economics
from segdash.report import roi_charts
from segdash.report.export import to_safe_csv
from segdash.report.text import escape_markdown as md
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

# -- 1. costs -----------------------------------------------------------------------------------
st.subheader("1. Acquisition cost")
with st.expander("Columns used for cost, revenue and dates", expanded=False):
    picked = ui.column_pickers(ws)
    picked = ui.checked_columns(ws, columns=picked)
cost_source = ui.COST_COLUMN_OPTION
if picked.cost is not None:
    cost_source = st.radio(
        "Where does acquisition cost come from?", [ui.COST_COLUMN_OPTION, ui.COST_CHANNEL_OPTION],
        key=ui.COST_SOURCE, horizontal=True,
    )
columns = ui.columns_for_source(picked, source=cost_source)
cost_message = st.container()
spend = None
if columns.cost is not None:
    cost_message.caption(f"Each customer's acquisition cost is read from the column '{md(columns.cost)}'.")
else:
    if picked.cost is None:
        st.info(md(ui.no_cost_message(columns)))
    channels = ws.cached(("roi.channels", columns.channel),
                         lambda: economics.channel_list(ws.con, channel=columns.channel))
    spend, spend_problems = ui.spend_editor(ws, channels=channels)

# -- 2. assumptions -----------------------------------------------------------------------------
st.subheader("2. Assumptions")
signup_range = ws.cached(("roi.signup_range", columns.signup),
                         lambda: economics.date_range(ws.con, columns=[columns.signup] if columns.signup else []))
assumptions, _ = ui.assumption_inputs(signup_range, has_signup=columns.signup is not None, data_id=ws.data_id)

# -- 3. results ---------------------------------------------------------------------------------
result, cost_error = ui.compute(ws, inputs=ui.Inputs(columns=columns, assumptions=assumptions, channel_spend=spend))
if cost_error:
    cost_message.error(f"{md(cost_error)} Showing the figures without acquisition cost until this is fixed.")
for warning in result.warnings:
    cost_message.warning(md(warning))

st.subheader("3. Return per segment")
ui.headline_metrics(result)
segments_named = ui.named(ws, frame=result.segments)
for sentence in roi_charts.summary_sentences(segments_named):
    st.markdown(f"- {md(sentence)}")

table_tab, roi_tab, ltv_tab, channel_tab = st.tabs(
    ["Table", "ROI by segment", "Cost vs lifetime value", "Segment × channel"]
)
with table_tab:
    all_figures = st.toggle("Show all figures (order value, frequency, tenure, profit so far)", key=ui.ALL_FIGURES)
    metrics = economics.METRICS if all_figures else ui.MAIN_TABLE_METRICS
    shown = economics.format_table(economics.with_total(result), columns=result.columns, names=ws.segment_names,
                                   metrics=metrics)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=ui.table_columns(metrics))
    st.download_button("Download all figures (CSV)", to_safe_csv(ui.export_frame(ws, result=result)),
                       file_name="segment_roi.csv", mime="text/csv")
    for note in result.notes:
        st.caption(md(note))
with roi_tab:
    st.plotly_chart(roi_charts.roi_by_segment(segments_named), width="stretch")
with ltv_tab:
    st.plotly_chart(roi_charts.cac_vs_ltv(segments_named), width="stretch")
    st.caption("Above the green dotted line a customer is worth at least 3 times what it cost to win; "
               "below the red dashed line the segment does not pay back its acquisition cost.")
with channel_tab:
    st.plotly_chart(roi_charts.roi_heatmap(ui.named(ws, frame=result.by_channel)), width="stretch")
    st.dataframe(economics.format_table(result.by_channel, columns=result.columns, names=ws.segment_names,
                                        metrics=ui.CHANNEL_TABLE_METRICS), hide_index=True, width="stretch",
                 column_config=ui.table_columns(ui.CHANNEL_TABLE_METRICS))
with st.expander("How each figure is worked out"):
    st.markdown(ui.DEFINITIONS)

# -- 4. budget what-if --------------------------------------------------------------------------
st.subheader("4. Budget what-if")
st.caption("**Linear projection**: each segment keeps today's cost per customer and lifetime value, "
           "whatever you spend on it. Real channels saturate, so treat large shifts with care.")
split_by = ui.split_choice(result)
table, key_header, names = ui.split_table(ws, result=result, split_by=split_by)
current = economics.current_shares(table, key=ui.split_key(split_by))
scope = ui.share_scope(ws, split_by=split_by, current=current)
keys = list(current)
budget = ui.budget_input(result, scope=scope)
shares = ui.share_sliders(keys, current=current, scope=scope, labels=names)
st.button("Reset to the current split", on_click=ui.reset_shares, args=(keys,),
          kwargs={"current": current, "scope": scope})
ui.show_projection(table, budget=budget, shares=shares, key=ui.split_key(split_by),
                   key_header=key_header, names=names)
