"""Streamlit pieces of the Acquisition & ROI page: session-state keys, inputs, cached figures.

Every key lives here and starts with ``segdash.roi.``. Inputs show their own error right next to
them and fall back to a safe value, so one bad entry never blanks the rest of the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from segdash import economics
from segdash.economics import Assumptions, EconomicsColumns, EconomicsResult
from segdash.errors import EconomicsError
from segdash.report.text import escape_markdown as md
from segdash.ui import state
from segdash.workspace import Workspace

PREFIX = "segdash.roi."
#: Where costs come from: "column" (per-customer cost column) or "channel" (entered spend).
COST_SOURCE = PREFIX + "cost_source"
#: Column pickers.
COL_COST = PREFIX + "col.cost"
COL_REVENUE = PREFIX + "col.revenue"
COL_ORDERS = PREFIX + "col.orders"
COL_SIGNUP = PREFIX + "col.signup"
COL_CHANNEL = PREFIX + "col.channel"
#: The spend-entry editor (widget state), the table it edits, and the valid spend entered.
SPEND_EDITOR = PREFIX + "spend_editor"
SPEND_APPLIED = PREFIX + "spend_applied"
SPEND_TEMPLATE = PREFIX + "spend_template"
#: Assumptions.
MARGIN = PREFIX + "margin_pct"
LIFETIME_MODE = PREFIX + "lifetime_mode"
LIFETIME = PREFIX + "lifetime_months"
CHURN = PREFIX + "churn_pct"
DISCOUNT = PREFIX + "discount_pct"
PERIOD = PREFIX + "period"
PERIOD_FOR = PREFIX + "period_for"
RESTRICT = PREFIX + "restrict_to_period"
#: Budget what-if.
BUDGET = PREFIX + "budget"
SPLIT_BY = PREFIX + "split_by"
SHARE = PREFIX + "share."

NONE_OPTION = "(none)"
LIFETIME_MONTHS_OPTION = "Expected lifetime (months)"
CHURN_OPTION = "Monthly churn rate (%)"
SPLIT_SEGMENT = "Segment"
SPLIT_CHANNEL = "Acquisition channel"


@dataclass
class Inputs:
    """What the page's inputs resolved to (after validation and fall-backs)."""

    columns: EconomicsColumns
    assumptions: Assumptions
    channel_spend: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)


def _option(value: str | None) -> str:
    return value if value is not None else NONE_OPTION


def _column(value: str | None) -> str | None:
    return None if value in (None, NONE_OPTION) else value


def column_pickers(ws: Workspace) -> EconomicsColumns:
    """Selectboxes for the columns used, pre-set from the roles; returns the choice.

    Parameters
    ----------
    ws
        The session workspace.

    Returns
    -------
    EconomicsColumns
        ``cost`` is the chosen cost column only when the cost source is "column".
    """
    types = ws.column_types()
    suggested = economics.suggest_columns(ws.roles, types=types)
    numbers = [c for c, t in types.items() if t == "number"]
    dates = [c for c, t in types.items() if t == "date"]
    texts = [c for c, t in types.items() if t in ("text", "boolean")]

    def pick(label: str, key: str, options: list[str], default: str | None, help_text: str) -> str | None:
        choices = [NONE_OPTION, *options]
        if st.session_state.get(key) not in choices:
            st.session_state[key] = _option(default) if _option(default) in choices else NONE_OPTION
        return _column(st.selectbox(label, choices, key=key, help=help_text))

    for column in economics.text_cost_columns(ws.roles, types=types):
        st.warning(f"The column '{md(column)}' is marked as acquisition cost but holds text, not amounts, so it "
                   "cannot be used. Fix its values (or its type on the Data page), or enter spend per channel.")
    left, middle, right = st.columns(3)
    with left:
        channel = pick("Acquisition channel", COL_CHANNEL, texts, suggested.channel,
                       "Which channel won each customer (e.g. Paid search, Social).")
        cost = pick("Acquisition cost per customer", COL_COST, numbers, suggested.cost,
                    "What it cost to win each customer. Leave at (none) to enter spend per channel instead.")
    with middle:
        revenue = pick("Revenue per customer", COL_REVENUE, numbers, suggested.revenue,
                       "Total each customer has spent with you so far.")
        orders = pick("Number of orders", COL_ORDERS, numbers, suggested.orders,
                      "How many orders each customer has placed (for order value and frequency).")
    with right:
        signup = pick("Signup date", COL_SIGNUP, dates, suggested.signup,
                      "When each customer joined (for frequency, predicted lifetime value and payback).")
    return EconomicsColumns(channel=channel, cost=cost, revenue=revenue, orders=orders, signup=signup)


def checked_columns(ws: Workspace, *, columns: EconomicsColumns) -> EconomicsColumns:
    """Show an error for each column of the wrong type and drop it (the page keeps working).

    Parameters
    ----------
    ws
        The session workspace.
    columns
        The columns picked.

    Returns
    -------
    EconomicsColumns
        The same choice without the columns that cannot be used.
    """
    types = ws.column_types()
    fixed = columns
    for attr in ("cost", "revenue", "orders", "signup"):
        single = EconomicsColumns(**{attr: getattr(columns, attr)})
        try:
            economics.check_columns(single, types=types)
        except EconomicsError as err:
            st.error(md(err))
            fixed = economics.EconomicsColumns(**{**fixed.__dict__, attr: None})
    return fixed


def assumption_inputs(signup_range: tuple[date | None, date | None], *, has_signup: bool,
                      data_id: str = "") -> tuple[Assumptions, list[str]]:
    """Inputs for margin, lifetime or churn, discount and spend period, with their defaults shown.

    Parameters
    ----------
    signup_range
        Earliest and latest signup date (default spend period).
    has_signup
        Whether a signup column is chosen (the period filter needs it).
    data_id
        The loaded data's id: the spend period goes back to the signup range when it changes.

    Returns
    -------
    tuple[Assumptions, list[str]]
        The assumptions (invalid entries replaced by the defaults) and the errors shown.
    """
    errors: list[str] = []
    defaults = Assumptions()
    st.session_state.setdefault(MARGIN, defaults.margin * 100)
    st.session_state.setdefault(LIFETIME, defaults.lifetime_months)
    st.session_state.setdefault(CHURN, 3.0)
    st.session_state.setdefault(DISCOUNT, 0.0)
    st.session_state.setdefault(LIFETIME_MODE, LIFETIME_MONTHS_OPTION)
    left, middle, right = st.columns(3)
    with left:
        margin_pct = st.number_input(
            "Gross margin (%)", key=MARGIN, step=1.0, format="%.1f",
            help=f"Share of revenue left after the cost of goods. Default {defaults.margin:.0%}.",
        )
        margin = defaults.margin
        try:
            economics.check_assumptions(Assumptions(margin=float(margin_pct) / 100))
            margin = float(margin_pct) / 100
        except EconomicsError as err:
            st.error(f"{err} Using the default {defaults.margin:.0%} for now.")
            errors.append(str(err))
        st.caption(f"Default {defaults.margin:.0%}.")
    with middle:
        mode = st.radio("Customer lifetime", [LIFETIME_MONTHS_OPTION, CHURN_OPTION], key=LIFETIME_MODE,
                        horizontal=True)
        lifetime, churn = defaults.lifetime_months, None
        if mode == LIFETIME_MONTHS_OPTION:
            value = st.number_input("Expected lifetime (months)", key=LIFETIME, step=6.0, format="%.0f")
            if value and value > 0:
                lifetime = float(value)
            else:
                message = "Lifetime must be more than 0 months."
                st.error(f"{message} Using the default {defaults.lifetime_months:.0f} months for now.")
                errors.append(message)
            st.caption(f"Default {defaults.lifetime_months:.0f} months.")
        else:
            value = st.number_input("Monthly churn rate (%)", key=CHURN, step=0.5, format="%.1f")
            if value and 0 < value <= 100:
                churn = float(value) / 100
                st.caption(f"Lifetime = 1 / churn = {1 / churn:,.0f} months.")
            else:
                message = "Monthly churn must be above 0% and at most 100%."
                st.error(f"{message} Using a lifetime of {defaults.lifetime_months:.0f} months for now.")
                errors.append(message)
    with right:
        discount_pct = st.number_input("Yearly discount rate (%)", key=DISCOUNT, step=1.0, format="%.1f",
                                       help="Optional: values future profit less than profit today. 0 = none.")
        discount = None
        if discount_pct is not None and 0 < discount_pct < 100:
            discount = float(discount_pct) / 100
        elif discount_pct and not 0 <= discount_pct < 100:
            message = "The discount rate must be between 0% and 100%."
            st.error(f"{message} Using no discounting for now.")
            errors.append(message)
        st.caption("Default 0% (no discounting).")
    start, end = signup_range
    period_start = period_end = None
    restrict = False
    if start and end:
        sync_period(st.session_state, data_id=data_id, signup_range=(start, end))
        picked = st.date_input("Period the spend covers", key=PERIOD,
                               help="The dates your channel spend was spent in. Default: the whole signup range.")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            period_start, period_end = picked
        restrict = st.checkbox(
            "Count only customers who signed up in this period", key=RESTRICT, disabled=not has_signup,
            help="Spend is then shared only among customers won in the period, and only they are counted.",
        )
    assumptions = Assumptions(margin=margin, lifetime_months=lifetime, monthly_churn=churn,
                              annual_discount_rate=discount, period_start=period_start, period_end=period_end,
                              restrict_to_period=restrict)
    return assumptions, errors


def spend_editor(ws: Workspace, *, channels: list[str]) -> tuple[pd.DataFrame | None, list[str]]:
    """The editable spend-per-channel table (figures update as amounts are typed); problems show under it.

    Parameters
    ----------
    ws
        The session workspace.
    channels
        Channels found in the data.

    Returns
    -------
    tuple[pandas.DataFrame | None, list[str]]
        The valid rows entered so far and the problems shown.
    """
    applied = st.session_state.get(SPEND_APPLIED)
    # The editor keeps its edits relative to the table it was given: keep that table stable while the
    # editor lives, and rebuild it (with the amounts applied before) only when it is shown afresh.
    template = st.session_state.get(SPEND_TEMPLATE)
    if SPEND_EDITOR not in st.session_state or template is None or template["channel"].tolist()[: len(channels)] != list(channels):
        template = economics.spend_template(channels, previous=applied)
        st.session_state[SPEND_TEMPLATE] = template
    edited = st.data_editor(
        template, key=SPEND_EDITOR, hide_index=True, num_rows="dynamic", width="stretch",
        column_config={
            "channel": st.column_config.TextColumn("Acquisition channel", required=True),
            "spend": st.column_config.NumberColumn("Spend in the period", format="%,.0f",
                                                   help="Total spent on this channel in the period."),
        },
    )
    clean, problems = economics.clean_channel_spend(edited, channels=channels)
    st.session_state[SPEND_APPLIED] = clean
    for problem in problems:
        st.error(md(problem))
    return clean, problems


def compute(ws: Workspace, *, inputs: Inputs) -> tuple[EconomicsResult, str | None]:
    """Economics for the inputs (memoised per session); on a cost-column error, fall back to no cost.

    Parameters
    ----------
    ws
        The session workspace.
    inputs
        Columns, assumptions and entered spend.

    Returns
    -------
    tuple[EconomicsResult, str | None]
        The result and the error message to show next to the cost input, if any.
    """
    spend = inputs.channel_spend if inputs.columns.cost is None else None
    date_columns = tuple(c for c, kind in ws.column_types().items() if kind == "date")

    def run(columns: EconomicsColumns, channel_spend: pd.DataFrame | None) -> EconomicsResult:
        key = ("roi", columns, inputs.assumptions, _frame_key(channel_spend), date_columns)
        return ws.cached(key, lambda: economics.compute_economics(
            ws.con, columns=columns, assumptions=inputs.assumptions, channel_spend=channel_spend,
            date_columns=date_columns))

    def attempt() -> tuple[EconomicsResult, str | None]:
        try:
            return run(inputs.columns, spend), None
        except EconomicsError as err:
            fallback = EconomicsColumns(**{**inputs.columns.__dict__, "cost": None})
            return run(fallback, None), str(err)

    # the pair is memoised too, so a failing cost column is not aggregated again on every rerun
    outcome = ws.cached(("roi.attempt", inputs.columns, inputs.assumptions, _frame_key(spend), date_columns), attempt)
    st.session_state[state.ROI_RESULT] = ((ws.data_id, ws.segmentation_id), outcome[0])
    return outcome


def export_frame(ws: Workspace, *, result: EconomicsResult) -> pd.DataFrame:
    """The figures for the "Download all figures" CSV: numbers, segment names, plain headers.

    Parameters
    ----------
    ws
        The session workspace (holds the segment names).
    result
        From :func:`compute`.

    Returns
    -------
    pandas.DataFrame
        :func:`segdash.economics.export_table` of the segments and the totals row.
    """
    from segdash.ui.components import with_segment_names

    return economics.export_table(with_segment_names(ws, economics.with_total(result)))


def sync_period(session: Any, *, data_id: str, signup_range: tuple[date | None, date | None]) -> None:
    """Reset the spend period to the signup range when the data (or its date range) changed.

    Parameters
    ----------
    session
        ``st.session_state`` (any mutable mapping).
    data_id
        The workspace's :attr:`~segdash.workspace.Workspace.data_id`.
    signup_range
        First and last signup date of the loaded data.
    """
    marker = (data_id, signup_range)
    # Streamlit also drops a widget's value when its page was left: start from the range again
    if session.get(PERIOD_FOR) != marker or PERIOD not in session:
        session[PERIOD_FOR] = marker
        start, end = signup_range
        if start and end:
            session[PERIOD] = (start, end)
        else:
            session.pop(PERIOD, None)


def _frame_key(frame: pd.DataFrame | None) -> Any:
    if frame is None or len(frame) == 0:
        return None
    return tuple(zip(frame["channel"].astype(str), frame["spend"].astype(float), strict=True))


def named(ws: Workspace, *, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with segment labels replaced by display names.

    Parameters
    ----------
    ws
        The session workspace (holds the names).
    frame
        A table with a ``segment`` column.

    Returns
    -------
    pandas.DataFrame
    """
    from segdash.ui.components import with_segment_names

    return with_segment_names(ws, frame)


def share_sliders(keys: list[str], *, current: dict[str, float], scope: str, labels: dict[str, str]) -> dict[str, float]:
    """One 0-100% slider per segment (or channel), starting at the current split.

    Parameters
    ----------
    keys
        Segment labels (or channels).
    current
        Key -> current share in percent (the Reset target).
    scope
        Identifies the segmentation and split, so sliders restart when either changes.
    labels
        Key -> text to show.

    Returns
    -------
    dict[str, float]
        Key -> chosen share in percent.
    """
    shares = {}
    columns = st.columns(min(3, max(len(keys), 1)))
    for i, key in enumerate(keys):  # one widget per segment: layout, not data
        state_key = f"{SHARE}{scope}.{key}"
        st.session_state.setdefault(state_key, float(current.get(key, 0.0)))
        with columns[i % len(columns)]:
            shares[key] = st.slider(labels.get(key, key), 0.0, 100.0, step=0.5, key=state_key, format="%.1f%%")
    return shares


def reset_shares(keys: list[str], *, current: dict[str, float], scope: str) -> None:
    """Button callback: put every share slider back to the current split.

    Parameters
    ----------
    keys
        Segment labels (or channels).
    current
        Key -> current share in percent.
    scope
        The sliders' scope (:func:`share_scope`).
    """
    for key in keys:
        st.session_state[f"{SHARE}{scope}.{key}"] = float(current.get(key, 0.0))


def share_scope(ws: Workspace, *, split_by: str, current: dict[str, float]) -> str:
    """Session-state scope of the share sliders: this segmentation, split and current split.

    When the current split changes (spend entered or edited) the sliders start again from it.

    Parameters
    ----------
    ws
        The session workspace.
    split_by
        :data:`SPLIT_SEGMENT` or :data:`SPLIT_CHANNEL`.
    current
        Key -> current share in percent.

    Returns
    -------
    str
    """
    import hashlib

    digest = hashlib.blake2b(repr(sorted(current.items())).encode(), digest_size=6).hexdigest()
    kind = "channel" if split_by == SPLIT_CHANNEL else "segment"
    return f"{ws.segmentation_id or 'none'}.{kind}.{digest}"


COST_COLUMN_OPTION = "Cost per customer, from the file"
COST_CHANNEL_OPTION = "Spend per channel, entered here"
#: Metrics shown in the main table unless "all figures" is ticked.
MAIN_TABLE_METRICS = ("customers", "spend", "cac", "revenue", "gross_profit", "predicted_ltv", "ltv_to_cac", "roi",
                      "payback_months")
ALL_FIGURES = PREFIX + "all_figures"
#: Metrics shown in the segment x channel table.
CHANNEL_TABLE_METRICS = ("customers", "spend", "cac", "revenue", "predicted_ltv", "ltv_to_cac", "roi",
                         "payback_months")

#: Short header and tooltip per metric, so the per-segment tables fit a laptop screen (1440 px)
#: without sideways scrolling. The frame keeps the full :data:`segdash.economics.HEADERS` names.
SHORT_HEADERS = {
    "channel": ("Channel", "Acquisition channel"),
    "customers": ("Customers", "Customers in the segment"),
    "spend": ("Spend", "Acquisition spend: what was spent to win these customers"),
    "cac": ("CAC", "Customer acquisition cost = acquisition spend ÷ customers"),
    "revenue": ("Revenue", "Revenue from these customers so far"),
    "gross_profit": ("Gross profit", "Gross profit = revenue × gross margin"),
    "orders": ("Orders", "Orders placed so far"),
    "aov": ("AOV", "Average order value = revenue ÷ orders"),
    "frequency": ("Orders/yr", "Orders per customer per year"),
    "tenure_months": ("Months", "Months as customer (average)"),
    "historic_ltv": ("Profit/cust.", "Gross profit per customer so far (historic lifetime value)"),
    "predicted_ltv": ("Pred. LTV", "Predicted lifetime value per customer (gross profit over the expected lifetime)"),
    "ltv_to_cac": ("LTV:CAC", "Predicted lifetime value ÷ CAC; 3 : 1 or better is the usual target"),
    "roi": ("ROI", "ROI to date = (gross profit − acquisition spend) ÷ acquisition spend"),
    "payback_months": ("Payback", "Payback in months = CAC ÷ gross profit per customer per month"),
}


def table_columns(metrics: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``st.column_config`` for a table of :func:`segdash.economics.format_table`: short headers, compact widths.

    Parameters
    ----------
    metrics
        The metrics the table shows.

    Returns
    -------
    dict
        Full header (the frame's column name) -> column config with a short label and a tooltip.
    """
    config: dict[str, Any] = {
        economics.HEADERS["segment"]: st.column_config.TextColumn("Segment", width="medium", pinned=True),
    }
    for key in ("channel", *metrics):
        label, help_text = SHORT_HEADERS[key]
        config[economics.HEADERS[key]] = st.column_config.TextColumn(label, help=help_text, width="small")
    return config


DEFINITIONS = """
- **CAC (customer acquisition cost)** = acquisition spend ÷ customers. With spend entered per channel,
  each channel's spend is shared equally among the customers that channel acquired.
- **Gross profit** = revenue × gross margin.
- **Average order value** = revenue ÷ orders.
- **Orders per customer per year** = orders ÷ months each customer has been with you × 12
  (months counted from the signup date to the latest date in the file; at least one month each).
- **Gross profit per customer so far** (historic lifetime value) = gross profit ÷ customers.
- **Predicted lifetime value** = margin × average order value × orders per month × expected lifetime in
  months. With a monthly churn rate the lifetime is 1 ÷ churn. With a discount rate, later months count less.
- **LTV : CAC** = predicted lifetime value ÷ CAC. 3 : 1 or better is the usual target.
- **ROI to date** = (gross profit − acquisition spend) ÷ acquisition spend. Above 0% the segment has paid back.
- **Payback (months)** = CAC ÷ gross profit per customer per month.
- **Period the spend covers**: the dates your entered spend was spent in. Tick *Count only customers who
  signed up in this period* to share the spend only among customers won in it; the figures then cover only
  those customers (so revenue is never compared with spend that did not pay for it).
- **n/a** means the figure cannot be worked out, and says why (for example no acquisition spend recorded).
- The **All customers** row adds up every segment: its customers and spend are the sums of the rows above.
"""


def columns_for_source(columns: EconomicsColumns, *, source: str) -> EconomicsColumns:
    """The columns to use given the cost-source choice (entered spend ignores the cost column).

    Parameters
    ----------
    columns
        The columns picked.
    source
        :data:`COST_COLUMN_OPTION` or :data:`COST_CHANNEL_OPTION`.

    Returns
    -------
    EconomicsColumns
    """
    if source == COST_CHANNEL_OPTION:
        return EconomicsColumns(**{**columns.__dict__, "cost": None})
    return columns


def no_cost_message(columns: EconomicsColumns) -> str:
    """What the page needs when the file has no per-customer acquisition cost.

    Parameters
    ----------
    columns
        The columns used (whether there is a channel column changes the advice).

    Returns
    -------
    str
    """
    if columns.channel is None:
        return ("Your file has no acquisition cost per customer and no acquisition channel. To see cost per "
                "customer and ROI, enter your total acquisition spend below: it is shared equally among all "
                "customers. (A column with each customer's acquisition channel or cost gives sharper figures.)")
    return ("Your file has no acquisition cost per customer. To see cost per customer and ROI, enter what you "
            f"spent on each acquisition channel (from the column '{columns.channel}') in the table below; the "
            "figures update as you type. "
            "Each channel's spend is shared equally among the customers it acquired.")


def headline_metrics(result: EconomicsResult) -> None:
    """Headline numbers for all customers: customers, spend, CAC, ROI, LTV:CAC.

    Parameters
    ----------
    result
        The computed economics.
    """
    total = result.total.iloc[0]
    cells = st.columns(5)
    cells[0].metric("Customers", economics.format_value(total["customers"], metric="customers"))
    cells[1].metric("Acquisition spend", economics.format_value(total["spend"], metric="spend"))
    cells[2].metric("Cost per customer (CAC)", economics.format_value(total["cac"], metric="cac"))
    cells[3].metric("ROI to date", economics.format_value(total["roi"], metric="roi"))
    cells[4].metric("Lifetime value : CAC", economics.format_value(total["ltv_to_cac"], metric="ltv_to_cac"))


def split_choice(result: EconomicsResult) -> str:
    """Radio: split the budget by segment or by acquisition channel (when there is a channel column).

    Parameters
    ----------
    result
        The computed economics.

    Returns
    -------
    str
        :data:`SPLIT_SEGMENT` or :data:`SPLIT_CHANNEL`.
    """
    if result.columns.channel is None:
        return SPLIT_SEGMENT
    return st.radio("Split the budget by", [SPLIT_SEGMENT, SPLIT_CHANNEL], key=SPLIT_BY, horizontal=True)


def split_key(split_by: str) -> str:
    """Key column of the table the budget is split over.

    Parameters
    ----------
    split_by
        :data:`SPLIT_SEGMENT` or :data:`SPLIT_CHANNEL`.

    Returns
    -------
    str
        ``"segment"`` or ``"channel"``.
    """
    return "channel" if split_by == SPLIT_CHANNEL else "segment"


def split_table(ws: Workspace, *, result: EconomicsResult, split_by: str) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """The table to split over, the header of its key, and key -> display name.

    Parameters
    ----------
    ws
        The session workspace.
    result
        The computed economics.
    split_by
        :data:`SPLIT_SEGMENT` or :data:`SPLIT_CHANNEL`.

    Returns
    -------
    tuple[pandas.DataFrame, str, dict[str, str]]
    """
    if split_by == SPLIT_CHANNEL:
        table = result.channels
        return table, "Acquisition channel", {str(k): str(k) for k in table["channel"]}
    table = result.segments
    return table, "Segment", {str(k): ws.display_name(str(k)) for k in table["segment"]}


def budget_input(result: EconomicsResult, *, scope: str) -> float:
    """The total-budget input, starting at today's total spend (10,000 when none is recorded).

    Parameters
    ----------
    result
        The computed economics.
    scope
        Names the current split; the input starts again from today's spend when it changes.

    Returns
    -------
    float
        The budget entered.
    """
    spend = float(result.total["spend"].iloc[0]) if len(result.total) else 0.0
    key = f"{BUDGET}.{scope}"
    st.session_state.setdefault(key, round(spend, 0) if spend > 0 else 10_000.0)
    budget = float(st.number_input("Total budget", min_value=0.0, step=1000.0, format="%.0f", key=key,
                                   help="Starts at today's total acquisition spend."))
    st.caption(f"Today's total acquisition spend: {spend:,.0f}. Budget entered: {budget:,.0f}.")
    return budget


def show_projection(table: pd.DataFrame, *, budget: float, shares: dict[str, float], key: str,
                    key_header: str, names: dict[str, str]) -> None:
    """Project the budget split and show totals, chart and table (errors shown in place).

    Parameters
    ----------
    table
        ``result.segments`` or ``result.channels``.
    budget
        Total budget.
    shares
        Key -> share in percent.
    key
        Key column of ``table``.
    key_header
        Header of the key column on screen.
    names
        Key -> display name.
    """
    from segdash.report import roi_charts

    total_share = sum(shares.values())
    st.caption(f"Shares add up to {total_share:,.1f}%.")
    try:
        projection = economics.project_budget(table, budget=budget, shares=shares, key=key, names=names)
    except EconomicsError as err:
        st.error(md(err))
        return
    for note in projection.notes:
        st.warning(md(note))
    totals = projection.totals
    if not math.isfinite(totals["new_customers"]):
        return  # nothing is projectable: the note above says what to enter
    cells = st.columns(3)
    more_customers = totals["new_customers"] - totals["current_new_customers"]
    more_return = totals["return"] - totals["current_return"]
    cells[0].metric("New customers (what-if)", f"{totals['new_customers']:,.0f}",
                    delta=f"{more_customers:+,.0f} vs current split" if abs(more_customers) >= 0.5 else None)
    net = totals["return"] - totals["spend"]
    shown_return = economics.format_value(totals["return"], metric="spend")  # "n/a" without revenue
    cells[1].metric("Lifetime gross profit (what-if)", shown_return,
                    delta=f"{more_return:+,.0f} vs current split" if abs(more_return) >= 0.5 else None)
    cells[2].metric("Return minus spend (what-if)", economics.format_value(net, metric="spend"))
    st.plotly_chart(roi_charts.projection_chart(projection.table, names=names), width="stretch")
    st.dataframe(economics.format_projection(projection, names=names, key_header=key_header),
                 hide_index=True, width="stretch")
