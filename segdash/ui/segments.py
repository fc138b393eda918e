"""Streamlit pieces of the Segments page: the three methods' settings forms, running, and the summary.

The page only lays these out. Heavy work runs when a form is submitted; the current
segmentation (kept in the workspace) stays on screen until the next run replaces it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from segdash import profile as prof
from segdash.errors import SegdashError
from segdash.report import segment_charts as charts
from segdash.report.export import to_safe_csv
from segdash.schema import Segmentation
from segdash.segment import labels_frame, run_segmentation
from segdash.segment import rfm as rfm_core
from segdash.segment import rules as rules_core
from segdash.ui.limits import heavy_run
from segdash.workspace import Workspace

log = logging.getLogger(__name__)
_KEY = "segdash.segments."

#: Method choice on screen -> what it means in plain words.
METHODS = {
    "By dimensions": "Pick one to three columns (for example country and age band). Every combination "
                     "becomes a segment. Simple, transparent rules anyone can repeat.",
    "RFM": "Score every customer 1-5 on Recency (how recently they bought), Frequency (how often) and "
           "Monetary value (how much they spend), then place them in well-known groups such as "
           "Champions, At risk or Lost.",
    "Clustering": "Let the computer find groups of customers who look alike across several columns at "
                  "once. You choose the columns; it can also choose the number of segments for you.",
}
_METHOD_OF = {"dimensions": "By dimensions", "rfm": "RFM", "kmeans": "Clustering", "gmm": "Clustering",
              "hierarchical": "Clustering"}
ALGORITHM_LABELS = {
    "kmeans": "k-means (fast, round groups of similar size)",
    "gmm": "Gaussian mixture (groups of different shapes and sizes)",
    "hierarchical": "Hierarchical / Ward (builds groups by merging the closest customers)",
}
METHOD_WORDS = {"dimensions": "by dimensions", "rfm": "by RFM scores", "kmeans": "by k-means clustering",
                "gmm": "by Gaussian-mixture clustering", "hierarchical": "by hierarchical clustering"}
MAX_CONDITIONS = 5


def _md(text: object) -> str:
    return prof.escape_markdown(str(text))


def choose_method(ws: Workspace) -> str:
    """Radio of the three methods (starting on the current segmentation's), with its explanation."""
    current = _METHOD_OF.get(ws.segmentation.method, "Clustering") if ws.segmentation else "Clustering"
    options = list(METHODS)
    choice = st.radio("How do you want to segment your customers?", options, index=options.index(current),
                      horizontal=True, key=_KEY + "method")
    st.caption(METHODS[choice])
    return choice


def _run(ws: Workspace, title: str, fit: Callable[[Callable[[float, str], None]], Segmentation],
         *, named: bool) -> None:
    """Run ``fit`` with a status box and progress bar; store the result or show the error."""
    with st.status(title, expanded=True) as status:
        bar = st.progress(0.0, text="Starting ...")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        try:
            with heavy_run(status) as waited:  # queued behind other sessions' runs when the server is busy
                status.update(label=title)
                # stages the labels, swaps them in with the segmentation (or drops them), then names
                segmentation = run_segmentation(ws, fit, named=named, progress=progress)
        except SegdashError as err:
            status.update(label="The segments could not be made with these settings.", state="error")
            st.error(str(err))
            return
        progress(1.0, "Done.")
        queued = f" after waiting {waited:.0f} s for other people's runs" if waited >= 1 else ""
        status.update(label=f"Done: {segmentation.k:,} segments in {segmentation.seconds:.1f} s{queued}.",
                      state="complete", expanded=False)


# -- by dimensions --------------------------------------------------------------------------------

def multivalue_flags(ws: Workspace) -> dict[str, list[str]]:
    """Yes/no choices ("interests: Travel") for the values of multi-value columns (memoised per data)."""
    from segdash.act.multivalue import flag_choices

    return ws.cached(("multivalue.flags", tuple(sorted(ws.roles.items()))),
                     lambda: flag_choices(ws.con, roles=ws.roles, types=ws.column_types()))


def dimensions_section(ws: Workspace) -> None:
    """Column picker (outside the form, cheap) and the banding / size / filter form."""
    types = ws.column_types()
    groups = rules_core.dimension_choices(ws.roles, types)
    flags = [flag for names in multivalue_flags(ws).values() for flag in names]
    if flags:  # one value of a multi-value column ("interests: Travel"), as a yes/no dimension
        groups["One value (yes/no)"] = flags
    options = [c for columns in groups.values() for c in columns]
    family = {c: words for words, columns in groups.items() for c in columns}
    if not options:
        st.warning("No column can be used: every column is personal data or an id. Change roles on the Data page.")
        return
    st.caption("Columns are grouped by what they describe: "
               + ", ".join(f"**{_md(words)}** ({len(cols)})" for words, cols in groups.items()) + ".")
    chosen = st.multiselect(
        "Segment by (one to three columns)", options, max_selections=rules_core.MAX_DIMENSIONS,
        format_func=lambda c: f"{family[c]}: {c}", key=_KEY + "dims",
        placeholder="Choose columns, e.g. country and age",
    )
    conditions_count = st.number_input(
        "Filter conditions (optional: segment only some customers)", min_value=0, max_value=MAX_CONDITIONS,
        value=0, step=1, key=_KEY + "n_conditions",
    )
    with st.form(_KEY + "dims_form"):
        dimensions = []
        for column in chosen:
            if types.get(column) == "number":
                dimensions.append(_banding_widgets(column))
            else:
                dimensions.append(rules_core.Dimension(column))
        if not chosen:
            st.info("Choose at least one column above.")
        rows = ws.imported.rows_loaded if ws.imported else 0
        min_size = st.number_input(
            "Smallest segment size (smaller combinations are pooled into 'Other')", min_value=1,
            value=rules_core.default_min_size(rows), step=1, key=_KEY + "min_size",
        )
        conditions, combine = _condition_widgets(ws, int(conditions_count))
        submitted = st.form_submit_button("Make segments", type="primary", key=_KEY + "dims_run")
    if submitted:
        _run(ws, "Grouping customers ...", lambda progress: rules_core.segment_by_dimensions(
            ws.con, dimensions=dimensions, types=types, min_size=int(min_size), conditions=conditions,
            combine=combine), named=False)


def _banding_widgets(column: str) -> rules_core.Dimension:
    st.markdown(f"**{_md(column)}** is a number: how should it be cut into bands?")
    left, right = st.columns([2, 3])
    banding = left.selectbox("Bands", rules_core.BANDINGS, format_func=rules_core.BANDING_LABELS.get,
                             key=_KEY + f"banding.{column}")
    bands = right.number_input("Number of bands (equal-sized groups / equal-width ranges)", min_value=2,
                               max_value=rules_core.MAX_BANDS, value=4, step=1, key=_KEY + f"bands.{column}")
    edges_text = right.text_input("Band edges, separated by commas (used with 'My own edges')", placeholder="18, 25, 35, 50, 65",
                                  key=_KEY + f"edges.{column}",
                                  help="18, 25, 35, 50, 65 gives <18, 18-24, 25-34, 35-49, 50-64 and 65+.")
    edges: tuple[float, ...] = ()
    if banding == "edges" and edges_text.strip():
        try:
            edges = rules_core.parse_edges(edges_text)
        except SegdashError as err:
            st.error(str(err))
    return rules_core.Dimension(column, banding, int(bands), edges)


def _condition_widgets(ws: Workspace, count: int) -> tuple[list[rules_core.Condition], str]:
    if count == 0:
        return [], "and"
    st.markdown("**Only segment customers where**")
    combine = st.radio("Combine the conditions", ["and", "or"], horizontal=True, key=_KEY + "combine",
                       format_func=lambda c: "all conditions hold (AND)" if c == "and" else "any condition holds (OR)")
    columns = ws.modelling_columns()
    operators = list(rules_core.OPERATORS)
    conditions = []
    for i in range(count):
        a, b, c = st.columns([2, 2, 3])
        column = a.selectbox("Column", columns, key=_KEY + f"cond.col.{i}")
        operator = b.selectbox("Condition", operators, format_func=rules_core.OPERATORS.get,
                               key=_KEY + f"cond.op.{i}")
        value = c.text_input("Value (for 'is one of': separate with commas)", key=_KEY + f"cond.value.{i}")
        conditions.append(rules_core.Condition(column, operator, value))
    st.caption("Customers who do not match are labelled 'Not segmented', so everyone still has exactly one label.")
    return conditions, combine


# -- RFM ----------------------------------------------------------------------------------------------

def rfm_section(ws: Workspace) -> None:
    """RFM settings form: the transactions file as recognised, or the three customer columns."""
    types = ws.column_types()
    found = ws.cached(("segments", "transactions"),
                      lambda: rfm_core.detect_transactions(ws.con, roles=ws.roles, types=types))
    with st.form(_KEY + "rfm_form"):
        if found is not None:
            if found.customer is None:
                st.warning("This file has order lines but no customer id column, so RFM cannot group purchases "
                           "per customer.")
            else:
                amount = found.amount or f"{found.quantity} × {found.price}"
                st.markdown(
                    f"This file looks like **order lines** (several rows per customer). RFM will add them up per "
                    f"customer (**{_md(found.customer)}**): last purchase from **{_md(found.date)}**, orders "
                    f"counted from **{_md(found.invoice or found.date)}**, spend from **{_md(amount)}**. "
                    "Cancellations (invoice starting with C) and returns (negative quantity or amount) are left out.")
            columns: dict[str, str | None] = {}
        else:
            columns = _rfm_pickers(ws, types)
        reference = st.text_input(
            "Count recency up to this date (YYYY-MM-DD; blank = the latest date in the data)",
            key=_KEY + "rfm_reference")
        submitted = st.form_submit_button("Score customers", type="primary", key=_KEY + "rfm_run")
    if submitted:
        def fit(progress: Callable[[float, str], None]) -> Segmentation:
            progress(0.1, "Scoring recency, frequency and spend ...")
            return rfm_core.segment_rfm(ws.con, roles=ws.roles, types=types,
                                        reference_date=rfm_core.parse_reference_date(reference),
                                        source="transactions" if found is not None else "customers",
                                        **columns)
        _run(ws, "Scoring customers ...", fit, named=False)


def _rfm_pickers(ws: Workspace, types: dict[str, str]) -> dict[str, object]:
    """Recency, frequency and money pickers offering only columns that can mean them.

    Frequency and money may be several columns (summed); a measure with no plausible column
    gets an empty picker and a sentence saying what is missing.
    """
    guess = rfm_core.suggest_rfm_columns(ws.roles, types)
    offered = rfm_core.rfm_candidates(ws.roles, types)
    if guess["missing"]:
        st.warning(rfm_core.missing_sentence(guess["missing"]))
    recency = st.selectbox(
        "Recency: last purchase date, or days since the last purchase", offered["recency"],
        index=offered["recency"].index(guess["recency"]) if guess["recency"] in offered["recency"] else None,
        key=_KEY + "rfm.recency", placeholder="No column says when customers last bought")
    chosen: dict[str, object] = {"recency": recency}
    for measure, label, empty in (("frequency", "Frequency: number of orders", "No column counts orders"),
                                  ("monetary", "Money: total spend", "No column holds spend")):
        picked = st.multiselect(f"{label} (several columns are added up)", offered[measure],
                                default=[c for c in guess[measure] if c in offered[measure]],
                                key=_KEY + f"rfm.{measure}", placeholder=empty)
        if len(guess[measure]) > 1:
            st.caption(f"Suggested: the sum of {len(guess[measure])} columns, "
                       + " + ".join(_md(c) for c in guess[measure]) + ".")
        chosen[measure] = picked
    return chosen


# -- clustering ---------------------------------------------------------------------------------------

def clustering_section(ws: Workspace) -> None:
    """Clustering settings form (features, algorithm, k, scaling, missing values, seed) and the run."""
    from segdash.segment import cluster_feature_choice, single_column_message
    from segdash.segment.cluster import ALGORITHMS, K_RULE, cluster_customers

    types = ws.column_types()
    offered = [*ws.modelling_columns(), *(f for flags in multivalue_flags(ws).values() for f in flags)]
    choice, left_out = ws.cached(("segments", "default_features"),
                                 lambda: cluster_feature_choice(ws.con, roles=ws.roles, types=types))
    default = [c for c in choice if c in offered]
    problem = single_column_message(default)
    if problem:
        st.warning(problem)
        default = []
    with st.form(_KEY + "cluster_form"):
        features = st.multiselect(
            "Columns to group customers on (personal data and ids are never offered)", offered, default=default,
            key=_KEY + "features",
            help="Preselected: the columns that describe behaviour, spend, who customers are and what they "
                 "value (categories included), leaving out constant, mostly empty and free-text columns."
                 + ("\n\n" + "\n\n".join(left_out) if left_out else ""))
        algorithm = st.selectbox("Method", ALGORITHMS, format_func=lambda a: ALGORITHM_LABELS.get(a, a),
                                 key=_KEY + "algorithm")
        left, right = st.columns(2)
        k_mode = left.radio("Number of segments", ["Choose for me", "Fixed number"], key=_KEY + "k_mode",
                            help="'Choose for me' tries every number in the range. " + K_RULE)
        k_fixed = left.number_input("Fixed number (used with 'Fixed number')", min_value=2, max_value=30, value=5, step=1,
                                    key=_KEY + "k")
        k_range = right.slider("Range to try (used with 'Choose for me')", min_value=2, max_value=15, value=(2, 10),
                               key=_KEY + "k_range")
        with st.expander("Advanced settings"):
            scaling = st.radio("Scaling of numbers", ["standard", "robust"], horizontal=True, key=_KEY + "scaling",
                               format_func=lambda s: "Standard (mean and spread)" if s == "standard"
                               else "Robust (median; less pulled by extreme customers)")
            log_skewed = st.checkbox("Use a log scale for skewed money and count columns", value=True,
                                     key=_KEY + "log")
            missing = st.radio("Missing values", ["impute", "missing_category"], horizontal=True,
                               key=_KEY + "missing",
                               format_func=lambda m: "Fill with a typical value" if m == "impute"
                               else "Treat 'missing' as its own value")
            seed = st.number_input("Random seed (same seed, same segments)", min_value=0, value=0, step=1,
                                   key=_KEY + "seed")
        submitted = st.form_submit_button("Find segments", type="primary", key=_KEY + "cluster_run")
    if submitted:
        k = "auto" if k_mode == "Choose for me" else int(k_fixed)
        _run(ws, "Finding segments ...", lambda progress: cluster_customers(
            ws.con, features=list(features), types=types, algorithm=algorithm, k=k,
            k_range=(int(k_range[0]), int(k_range[1])), scaling=scaling, log_skewed=bool(log_skewed),
            missing=missing, random_state=int(seed), progress=progress), named=True)


# -- summary ------------------------------------------------------------------------------------------

def show_summary(ws: Workspace) -> None:
    """The current segmentation: headline, sizes chart and table, quality and stability, notes, next step."""
    seg = ws.segmentation
    if seg is None:
        st.info("No segments yet: choose a method above and run it.")
        return
    unit = seg.extra.get("unit", "customers")
    total = sum(seg.sizes.values())
    st.subheader("Your segments")
    st.markdown(f"**{seg.k:,} segments** of {total:,} {unit}, made {METHOD_WORDS.get(seg.method, seg.method)} "
                f"in {seg.seconds:.1f} s. Every {unit[:-1] if unit.endswith('s') else unit} is in exactly one "
                "segment; the sizes add up to all loaded rows.")
    cols = st.columns(3)
    cols[0].metric("Segments", f"{seg.k:,}")
    cols[1].metric(unit.capitalize(), f"{total:,}")
    if seg.stability is not None:
        cols[2].metric("Stability", f"{seg.stability:.2f}", help="1 = the same segments on every resample.")
    elif seg.method == "rfm" and unit != "customers":
        cols[2].metric("Customers scored", f"{int(seg.extra.get('customers', total)):,}")
    if seg.method in ("dimensions", "rfm") and seg.notes:
        st.info("\n".join(f"- {_md(note)}" for note in seg.notes))

    names = ws.display_names(seg.sizes)
    st.plotly_chart(charts.sizes_figure(seg.sizes, names=names, unit=unit), width="stretch",
                    key=_KEY + "sizes_chart")
    table = charts.sizes_table(seg.sizes, names=names, rules=seg.rules if seg.method != "rfm" else None)
    with st.expander("Segment sizes as a table" + (" with who is in each segment" if seg.method == "dimensions"
                                                   else ""),
                     expanded=seg.method == "dimensions"):
        st.dataframe(table, hide_index=True, width="stretch", key=_KEY + "sizes_table", column_config={
            "Customers": st.column_config.NumberColumn(unit.capitalize(), format="localized"),
            "Share": st.column_config.NumberColumn("Share", format="%.1f%%"),
        })

    if seg.method in ("kmeans", "gmm", "hierarchical"):
        _show_cluster_quality(seg)
    elif seg.method == "rfm":
        _show_rfm(seg)
    if seg.method not in ("dimensions", "rfm") and seg.notes:
        with st.expander("How the columns were prepared (details)"):
            for note in seg.notes:
                st.caption(_md(note))
    left, right = st.columns(2)
    with left:
        st.page_link("pages/profiles.py", label="See what makes each segment different: Profiles",
                     icon=":material/groups:")
    with right:
        _download(ws)


def _show_cluster_quality(seg: Segmentation) -> None:
    from segdash.segment.cluster import stability_words

    st.markdown("**How good are these segments?**")
    if seg.chosen_k_reason:
        st.markdown(_md(seg.chosen_k_reason))
    if seg.extra.get("k_rule"):
        st.caption(_md(seg.extra["k_rule"]))
    if seg.stability is not None:
        st.markdown(f"Stability **{seg.stability:.2f}** (0 to 1): {_md(stability_words(seg.stability))}. "
                    "It measures how much the segments agree when the method is re-run on other samples of "
                    "your customers.")
    if len(seg.scores) > 1:
        st.plotly_chart(_k_scores_figure(seg.scores, seg.k), width="stretch", key=_KEY + "k_scores")
        st.caption("Silhouette: how clearly customers sit in their own segment rather than the next one. "
                   "Calinski-Harabasz: how far apart segments are compared with how spread out they are. "
                   "Davies-Bouldin: how much segments overlap (lower is better).")


def _k_scores_figure(scores: dict, chosen_k: int) -> object:
    try:
        from segdash.report.cluster_charts import k_scores_figure
    except ImportError:  # the clustering helper's chart is optional: draw ours
        k_scores_figure = charts.k_scores_figure
    return k_scores_figure(scores, chosen_k)


def _show_rfm(seg: Segmentation) -> None:
    st.markdown("**The RFM groups and their rules**")
    summary = seg.extra.get("group_summary", [])
    rules = rfm_core.group_rules()
    since = f"Avg {seg.extra.get('recency_unit', 'days')} since last purchase"
    rows = [{"Group": s["group"], "Customers": s["customers"], "Rule": rules.get(s["group"], ""),
             since: s["avg_days_since_last_purchase"], "Avg orders": s["avg_orders"],
             "Avg spend": round(s["avg_spend"])} for s in summary]
    st.dataframe(rows, hide_index=True, width="stretch", key=_KEY + "rfm_table", height=36 * (len(rows) + 1) + 4,
                 column_config={
                     "Customers": st.column_config.NumberColumn(format="localized"),
                     since: st.column_config.NumberColumn(format="%.0f"),
                     "Avg orders": st.column_config.NumberColumn(format="%.1f"),
                     "Avg spend": st.column_config.NumberColumn(format="localized"),
                 })
    if seg.extra.get("grid"):
        st.plotly_chart(charts.rfm_grid_figure(seg.extra["grid"]), width="stretch", key=_KEY + "rfm_grid")
    st.caption(_md(seg.extra.get("score_method", "")))


def _download(ws: Workspace) -> None:
    names = ws.display_names(ws.segmentation.sizes)
    roles = dict(ws.roles)

    def build() -> bytes:  # runs on click, in another thread: its own cursor
        cursor = ws.con.cursor()
        try:
            return to_safe_csv(labels_frame(cursor, roles=roles, names=names))
        finally:
            cursor.close()

    st.download_button("Download the segment of every customer (CSV)", build, file_name="segments.csv",
                       mime="text/csv", key=_KEY + "download")
