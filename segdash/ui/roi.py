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
from segdash.numbers import format_number
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
#: Spend boxes, one per channel: ``SPEND + data_id + "." + channel`` (see :func:`spend_key`).
SPEND = PREFIX + "spend."
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
#: Scope -> the what-if split (see ``_shares``).
SHARES = PREFIX + "shares"
#: Budget what-if: the most one segment may get in a suggested split, and the last suggestion.
CAP = PREFIX + "cap"
SUGGESTION = PREFIX + "suggestion"
#: Split kind ("segment" / "channel") -> scope of the what-if split last shown (what a save keeps).
LAST_SCOPE = PREFIX + "last_scope"
#: What-if splits of a reopened snapshot, waiting for the page to show them: kind -> budget and shares.
PENDING_WHATIF = PREFIX + "pending_whatif"

NONE_OPTION = "(none)"
LIFETIME_MONTHS_OPTION = "Expected lifetime (months)"
CHURN_OPTION = "Monthly churn rate (%)"
SPLIT_SEGMENT = "Segment"
#: The open tab of the results (table or one chart): only it is computed and drawn.
RESULTS_TAB = PREFIX + "results_tab"
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
        start = _option(default) if _option(default) in choices else NONE_OPTION
        return _column(st.selectbox(label, choices, help=help_text,
                                    key=state.kept(key, default=start, options=choices)))

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
    state.kept(MARGIN, default=defaults.margin * 100)
    state.kept(LIFETIME, default=float(defaults.lifetime_months))
    state.kept(CHURN, default=3.0)
    state.kept(DISCOUNT, default=0.0)
    state.kept(LIFETIME_MODE, default=LIFETIME_MONTHS_OPTION, options=[LIFETIME_MONTHS_OPTION, CHURN_OPTION])
    state.kept(RESTRICT, default=False)
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
        state.kept(PERIOD)
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


def spend_key(ws: Workspace, *, channel: str) -> str:
    """Session-state key of the spend box of ``channel`` (per loaded data, so another file starts empty).

    Parameters
    ----------
    ws
        The session workspace.
    channel
        An acquisition channel (or :data:`segdash.economics.ALL_CHANNELS`).

    Returns
    -------
    str
    """
    return f"{SPEND}{ws.data_id}.{channel}"


def spend_inputs(ws: Workspace, *, channels: list[str]) -> tuple[pd.DataFrame | None, list[str]]:
    """One number box per acquisition channel (figures update when a box is left or Enter is pressed).

    Plain number boxes, not a table editor: in a table editor the first key pressed on a selected
    cell opens the cell's editor a moment later, and every key typed before it is open starts the
    editor again (``5000`` becomes ``0``; on a busy computer whole entries go). A number box is a
    real text field, so every key lands in it, and its value survives the reruns in between.

    Parameters
    ----------
    ws
        The session workspace.
    channels
        Channels found in the data (``[ALL_CHANNELS]`` without a channel column).

    Returns
    -------
    tuple[pandas.DataFrame | None, list[str]]
        The valid amounts entered so far (``channel``, ``spend``) and the problems shown.
    """
    columns = st.columns(min(4, max(len(channels), 1)))
    amounts = []
    for i, channel in enumerate(channels):  # one box per channel: layout, not data
        label = "Total acquisition spend" if channel == economics.ALL_CHANNELS else channel
        with columns[i % len(columns)]:
            value = st.number_input(label, min_value=0.0, value=None, step=1000.0, format="%.0f",
                                    placeholder="not entered", key=state.kept(spend_key(ws, channel=channel)),
                                    help=f"Total spent on {label} in the period (press Enter or click away to apply).")
        amounts.append({"channel": channel, "spend": value})
    clean, problems = economics.clean_channel_spend(pd.DataFrame(amounts), channels=channels)
    entered = float(clean["spend"].sum()) if len(clean) else 0.0
    st.caption(f"Entered for {len(clean)} of {len(channels)} channels, {format_number(entered)} in total. "
               "Empty boxes count as no spend recorded." if len(channels) > 1 else
               "Shared equally among all customers.")
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
            ws.data, columns=columns, assumptions=inputs.assumptions, channel_spend=channel_spend,
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

    # rounded: a sum over many customers may differ in its last bit between two runs of the same query
    rounded = sorted((str(k), round(float(v), 6)) for k, v in current.items())
    digest = hashlib.blake2b(repr(rounded).encode(), digest_size=6).hexdigest()
    kind = "channel" if split_by == SPLIT_CHANNEL else "segment"
    return f"{ws.segmentation_id or 'none'}.{kind}.{digest}"


COST_COLUMN_OPTION = "Cost per customer, from the file"
COST_CHANNEL_OPTION = "Spend per channel, entered here"
#: Metrics of the main table: what a segment costs and returns. Seven short columns next to the segment
#: names fit a 1440-pixel screen without scrolling sideways.
MAIN_TABLE_METRICS = ("customers", "spend", "cac", "predicted_ltv", "ltv_to_cac", "roi", "payback_months")
#: Metrics of the "More figures" table (in an expander under the main one).
DETAIL_TABLE_METRICS = ("revenue", "gross_profit", "orders", "aov", "frequency", "tenure_months", "historic_ltv")
#: Metrics shown in the segment x channel table (next to the segment and the channel).
CHANNEL_TABLE_METRICS = ("customers", "spend", "cac", "predicted_ltv", "ltv_to_cac", "roi", "payback_months")
#: Width (px) of the pinned segment-name column: a three-trait name shows in full, and seven figures fit beside it.
SEGMENT_WIDTH = 340

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


#: Columns of the what-if table; today's customers and return are in an expander under it (so it fits 1440 px).
PROJECTION_MAIN = ("Current share", "What-if share", "What-if spend", "New customers what-if", "Return what-if",
                   "Change in return")
PROJECTION_TODAY = ("Current share", "What-if share", "New customers now", "New customers what-if", "Return now",
                    "Return what-if")

#: Short headers of the what-if table (the full header shows on hover), so it fits 1440 px.
PROJECTION_HEADERS = {
    "Current share": "Share now", "What-if share": "What-if share", "What-if spend": "What-if spend",
    "New customers now": "Cust. now", "New customers what-if": "Customers", "Return now": "Return now",
    "Return what-if": "Return", "Change in return": "Change", "ROI (what-if)": "ROI",
}


def table_columns(metrics: tuple[str, ...] | list[str], *, segment_width: int = SEGMENT_WIDTH) -> dict[str, Any]:
    """``st.column_config`` for a table of :func:`segdash.economics.format_table`: short headers, compact widths.

    Parameters
    ----------
    metrics
        The metrics the table shows.
    segment_width
        Width of the pinned segment column, in pixels.

    Returns
    -------
    dict
        Full header (the frame's column name) -> column config with a short label and a tooltip.
    """
    config: dict[str, Any] = {
        economics.HEADERS["segment"]: st.column_config.TextColumn("Segment", width=segment_width, pinned=True),
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
    options = [SPLIT_SEGMENT, SPLIT_CHANNEL]
    return st.radio("Split the budget by", options, horizontal=True,
                    key=state.kept(SPLIT_BY, default=SPLIT_SEGMENT, options=options))


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
    bars, spec = roi_charts.projection_spec(projection.table, names=names, key_header=key_header)
    st.vega_lite_chart(bars, spec, width="stretch")
    shown = economics.format_projection(projection, names=names, key_header=key_header)

    def table(columns: tuple[str, ...]) -> None:
        st.dataframe(shown[[key_header, *columns]], hide_index=True, width="stretch", column_config={
            column: st.column_config.TextColumn(PROJECTION_HEADERS.get(column, column), width="small", help=column)
            for column in columns
        } | {key_header: st.column_config.TextColumn(key_header, width=SEGMENT_WIDTH, pinned=True)})

    table(PROJECTION_MAIN)
    with st.expander("Today's figures next to the what-if"):
        table(PROJECTION_TODAY)


# -- page sections (the page lays these out) ------------------------------------------------------

def cost_section(ws: Workspace) -> tuple[EconomicsColumns, pd.DataFrame | None, Any]:
    """Section 1: the columns used, where cost comes from, and the spend boxes when spend is entered.

    Parameters
    ----------
    ws
        The session workspace.

    Returns
    -------
    tuple[EconomicsColumns, pandas.DataFrame | None, streamlit container]
        The columns to use, the spend entered per channel (``None`` with a cost column), and the
        place under the cost choice where cost messages go.
    """
    with st.expander("Columns used for cost, revenue and dates", expanded=False):
        picked = column_pickers(ws)
        picked = checked_columns(ws, columns=picked)
    cost_source = COST_COLUMN_OPTION
    if picked.cost is not None:
        options = [COST_COLUMN_OPTION, COST_CHANNEL_OPTION]
        cost_source = st.radio("Where does acquisition cost come from?", options, horizontal=True,
                               key=state.kept(COST_SOURCE, default=COST_COLUMN_OPTION, options=options))
    columns = columns_for_source(picked, source=cost_source)
    cost_message = st.container()
    spend = None
    if columns.cost is not None:
        cost_message.caption(f"Each customer's acquisition cost is read from the column '{md(columns.cost)}'.")
    else:
        if picked.cost is None:
            st.info(md(no_cost_message(columns)))
        channels = ws.cached(("roi.channels", columns.channel),
                             lambda: economics.channel_list(ws.data, channel=columns.channel))
        spend, _ = spend_inputs(ws, channels=channels)
    return columns, spend, cost_message


def assumptions_section(ws: Workspace, *, columns: EconomicsColumns) -> Assumptions:
    """Section 2: margin, lifetime, discount and the spend period (see :func:`assumption_inputs`).

    Parameters
    ----------
    ws
        The session workspace.
    columns
        The columns used (the signup date gives the default period).

    Returns
    -------
    Assumptions
    """
    signup_range = ws.cached(("roi.signup_range", columns.signup),
                             lambda: economics.date_range(ws.data, columns=[columns.signup] if columns.signup else []))
    assumptions, _ = assumption_inputs(signup_range, has_signup=columns.signup is not None, data_id=ws.data_id)
    return assumptions


def results_section(ws: Workspace, *, result: EconomicsResult) -> None:
    """Section 3: headline figures, one sentence per segment, the tables and charts.

    Parameters
    ----------
    ws
        The session workspace.
    result
        From :func:`compute`.
    """
    from segdash.report import roi_charts
    from segdash.report.export import to_safe_csv
    from segdash.ui.components import segment_colors

    headline_metrics(result)
    segments_named = named(ws, frame=result.segments)
    for sentence in roi_charts.summary_sentences(segments_named):
        st.markdown(f"- {md(sentence)}")
    colors = segment_colors(ws)
    # only the open tab is computed and drawn (issue 14): a click on another tab draws that one
    table_tab, roi_tab, ltv_tab, channel_tab = st.tabs(
        ["Table", "ROI by segment", "Cost vs lifetime value", "Segment × channel"], key=RESULTS_TAB, on_change="rerun")
    if table_tab.open is not False:
        with table_tab:
            names = ws.display_names(ws.segmentation.sizes) if ws.segmentation else None
            with_total = economics.with_total(result)
            shown = economics.format_table(with_total, columns=result.columns, names=names, metrics=MAIN_TABLE_METRICS)
            st.dataframe(shown, hide_index=True, width="stretch", column_config=table_columns(MAIN_TABLE_METRICS))
            with st.expander("More figures: revenue, profit, orders, order value, frequency, tenure"):
                details = economics.format_table(with_total, columns=result.columns, names=names,
                                                 metrics=DETAIL_TABLE_METRICS)
                st.dataframe(details, hide_index=True, width="stretch", column_config=table_columns(DETAIL_TABLE_METRICS))
            st.download_button("Download all figures (CSV)", to_safe_csv(export_frame(ws, result=result)),
                               file_name="segment_roi.csv", mime="text/csv")
            for note in result.notes:
                st.caption(md(note))
    if roi_tab.open is not False:
        with roi_tab:
            st.plotly_chart(roi_charts.roi_by_segment(segments_named), width="stretch")
    if ltv_tab.open is not False:
        with ltv_tab:
            st.plotly_chart(roi_charts.cac_vs_ltv(segments_named, colors=colors), width="stretch")
            st.caption("Above the green dotted line a customer is worth at least 3 times what it cost to win; "
                       "below the red dashed line the segment does not pay back its acquisition cost.")
    if channel_tab.open is not False:
        with channel_tab:
            st.plotly_chart(roi_charts.roi_heatmap(named(ws, frame=result.by_channel)), width="stretch")
            st.dataframe(economics.format_table(result.by_channel, columns=result.columns,
                                                names=ws.display_names(ws.segmentation.sizes) if ws.segmentation
                                                else None, metrics=CHANNEL_TABLE_METRICS),
                         hide_index=True, width="stretch", column_config=table_columns(CHANNEL_TABLE_METRICS))
    with st.expander("How each figure is worked out"):
        st.markdown(DEFINITIONS)


def _shares(scope: str, current: dict[str, float]) -> dict[str, Any]:
    """The what-if split of ``scope``: ``{"version": int, "shares": {key: percent}}``, today's at first.

    The split lives under a plain key (kept across pages). The sliders only show it: their keys carry
    the version, which goes up whenever the split is set for them (moved, suggested, reset), so every
    slider is drawn afresh from the split and never from a value the browser remembered.
    """
    store = st.session_state.setdefault(SHARES, {})
    if scope not in store:
        store[scope] = {"version": 0, "shares": dict(current)}
    return store[scope]


def _slider_key(scope: str, version: int, key: str) -> str:
    return f"{SHARE}{scope}.{version}.{key}"


def _rebalance(scope: str, changed: str, slider: str, drawn: float) -> None:
    """Slider callback: the others make room (or take the rest) so the shares stay at 100%.

    See :func:`apply_slider_move`; ``slider`` and ``drawn`` are the key and value the slider was drawn with.
    """
    apply_slider_move(st.session_state, scope=scope, changed=changed, slider=slider, drawn=drawn)


#: How many applied slider moves a split remembers (see :func:`apply_slider_move`).
MOVES_KEPT = 200


def apply_slider_move(session: Any, *, scope: str, changed: str, slider: str, drawn: float) -> bool:
    """Apply the move of a what-if slider to the split of ``scope``, unless nothing was moved.

    Streamlit keeps a widget's callback (with the arguments it was drawn with) after the widget has
    left the page, but forgets its value. When the browser later sends that slider's value once more
    (a slider of an older version of the split, or of the page before it was left), Streamlit counts
    it as a change and calls the callback again. That value is the one the slider was drawn with, or
    a move already applied; applying it would put an old share back into the split, so the split
    would change by itself (the what-if shares came back different after leaving the page). So a
    move is applied only when the value differs from the last value this slider is known to hold:
    the value it was drawn with, or its last move applied. A move of a slider drawn for an older
    version of the split (two quick moves) is still applied, to the split as it is now.

    Parameters
    ----------
    session
        ``st.session_state`` (any mutable mapping).
    scope
        The split's scope (see :func:`share_scope`).
    changed
        The row the slider sets.
    slider
        The slider's key.
    drawn
        The share the slider was drawn with.

    Returns
    -------
    bool
        Whether the split changed.
    """
    entry = session[SHARES][scope]
    if slider not in session:
        return False
    value = float(session[slider])
    moves = entry.setdefault("moves", {})
    if value == float(moves.get(slider, drawn)):
        return False  # the browser sent back what this slider already held: not a move
    moves.pop(slider, None)
    moves[slider] = value
    while len(moves) > MOVES_KEPT:
        moves.pop(next(iter(moves)))
    entry["shares"] = economics.rebalance_shares(entry["shares"], changed=changed, value=value)
    entry["version"] += 1
    session.pop(SUGGESTION, None)
    return True


def _set_shares(scope: str, shares: dict[str, float]) -> None:
    entry = st.session_state[SHARES][scope]
    entry["shares"] = {k: float(v) for k, v in shares.items()}
    entry["version"] += 1


def _reset(scope: str, current: dict[str, float]) -> None:
    """Button callback: back to today's split (exactly)."""
    _set_shares(scope, current)
    st.session_state.pop(SUGGESTION, None)


def _suggest(scope: str, table: pd.DataFrame, key: str, names: dict[str, str]) -> None:
    """Button callback: the split with the best return per unit spent, within the cap."""
    try:
        suggestion = economics.suggest_split(table, cap=float(st.session_state.get(CAP) or 50.0), key=key,
                                             names=names)
    except EconomicsError as err:
        st.session_state[SUGGESTION] = (scope, None, str(err))
        return
    _set_shares(scope, suggestion.shares)
    st.session_state[SUGGESTION] = (scope, suggestion.reasons, None)


def whatif_inputs(ws: Workspace) -> dict[str, Any]:
    """The what-if splits shown for the current segmentation, JSON-ready, to save with a snapshot.

    Returns
    -------
    dict
        Split kind (``"segment"`` / ``"channel"``) -> ``{"budget": float or None, "shares": {key: percent}}``.
    """
    kept_values = st.session_state.get(state.KEPT_VALUES, {})
    splits = st.session_state.get(SHARES, {})
    saved: dict[str, Any] = {}
    for kind, scope in (st.session_state.get(LAST_SCOPE) or {}).items():
        if not scope.startswith(f"{ws.segmentation_id or 'none'}.") or scope not in splits:
            continue
        budget = st.session_state.get(f"{BUDGET}.{scope}", kept_values.get(f"{BUDGET}.{scope}"))
        saved[kind] = {"budget": float(budget) if budget is not None else None,
                       "shares": {str(k): float(v) for k, v in splits[scope]["shares"].items()}}
    return saved


def restore_whatif(saved: dict[str, Any] | None) -> None:
    """Show the what-if splits saved with a reopened snapshot the next time the page draws them."""
    st.session_state.pop(SHARES, None)
    st.session_state.pop(SUGGESTION, None)
    st.session_state[PENDING_WHATIF] = {str(kind): dict(value) for kind, value in (saved or {}).items()
                                        if isinstance(value, dict)}


def _apply_pending(scope: str, kind: str, keys: list[str]) -> None:
    """Start the split of ``scope`` from a reopened snapshot's saved one (same segments or channels)."""
    pending = st.session_state.get(PENDING_WHATIF) or {}
    saved = pending.pop(kind, None)
    if not saved or set(saved.get("shares") or {}) != set(keys):
        return
    store = st.session_state.setdefault(SHARES, {})
    version = int(store.get(scope, {}).get("version", 0)) + 1
    store[scope] = {"version": version, "shares": {k: float(saved["shares"][k]) for k in keys}}
    if saved.get("budget") is not None:
        budget_key = f"{BUDGET}.{scope}"
        st.session_state.setdefault(state.KEPT_VALUES, {})[budget_key] = float(saved["budget"])
        st.session_state.pop(budget_key, None)  # the box starts from the saved budget


def whatif_section(ws: Workspace, *, result: EconomicsResult) -> None:
    """Section 4: budget, shares that always add up to 100%, a suggested split, and the projection.

    Parameters
    ----------
    ws
        The session workspace.
    result
        From :func:`compute`.
    """
    split_by = split_choice(result)
    table, key_header, names = split_table(ws, result=result, split_by=split_by)
    key = split_key(split_by)
    current = economics.exact_shares(table, key=key)
    scope = share_scope(ws, split_by=split_by, current=current)
    keys = list(current)
    kind = "channel" if split_by == SPLIT_CHANNEL else "segment"
    _apply_pending(scope, kind, keys)
    st.session_state.setdefault(LAST_SCOPE, {})[kind] = scope
    spend = float(result.total["spend"].iloc[0]) if len(result.total) else 0.0
    budget_key = state.kept(f"{BUDGET}.{scope}", default=spend if spend > 0 else 10_000.0)
    budget = float(st.number_input("Total budget", min_value=0.0, step=1000.0, format="%.0f", key=budget_key,
                                   help="Starts at today's total acquisition spend."))
    st.caption(f"Budget entered: {format_number(budget, compact=True)}. Today's total acquisition spend: "
               f"{format_number(spend, compact=True)}.")
    word = "segment" if key == "segment" else "channel"
    st.markdown(f"**Share of the budget per {word}** (moving one makes room in the others, so they always "
                "add up to 100%)")
    columns = st.columns(min(3, max(len(keys), 1)))
    entry = _shares(scope, current)
    shares = {k: float(entry["shares"].get(k, 0.0)) for k in keys}
    for i, k in enumerate(keys):  # one slider per segment: layout, not data
        with columns[i % len(columns)]:
            st.slider(names.get(k, k), 0.0, 100.0, value=shares[k], step=0.5, format="%.1f%%",
                      key=_slider_key(scope, entry["version"], k), on_change=_rebalance,
                      args=(scope, k, _slider_key(scope, entry["version"], k), shares[k]))
    left, middle, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    left.button("Reset to today's split", on_click=_reset, args=(scope, current), key=PREFIX + "reset")
    right.number_input(f"Most one {word} may get in a suggested split (%)", min_value=1.0, max_value=100.0, step=5.0,
                       format="%.0f", key=state.kept(CAP, default=50.0),
                       help="The suggestion fills the budget best return first, up to this share each.")
    middle.button("Suggest a split", on_click=_suggest, args=(scope, table, key, names), key=PREFIX + "suggest",
                  type="primary")
    suggestion = st.session_state.get(SUGGESTION)
    if suggestion and suggestion[0] == scope:
        _, reasons, problem = suggestion
        if problem:
            st.error(md(problem))
        else:
            st.info("**Suggested split**: under the linear projection every unit of budget returns most where "
                    "lifetime profit per unit spent is highest, so the best ones get the most allowed.\n"
                    + "\n".join(f"- {md(reason)}" for reason in reasons))
    show_projection(table, budget=budget, shares=shares, key=key, key_header=key_header, names=names)
