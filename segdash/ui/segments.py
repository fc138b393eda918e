"""Streamlit pieces of the Segments page: the three methods' settings forms, running, and the summary.

The page only lays these out. Heavy work runs when a form is submitted; the current
segmentation (kept in the workspace) stays on screen until the next run replaces it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import streamlit as st

from segdash import profile as prof
from segdash.errors import SegdashError
from segdash.labels import questions_help
from segdash.report import plain
from segdash.report import segment_charts as charts
from segdash.report.export import to_safe_csv
from segdash.schema import Segmentation
from segdash.segment import labels_frame, run_segmentation
from segdash.segment import rfm as rfm_core
from segdash.segment import rules as rules_core
from segdash.ui import state
from segdash.ui.limits import heavy_run, run_started
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
    "kmeans": "Round groups of similar size (fast; k-means)",
    "gmm": "Groups of different shapes and sizes (Gaussian mixture)",
    "hierarchical": "Groups built by merging the most alike customers (hierarchical)",
}
METHOD_WORDS = {"dimensions": "by dimensions", "rfm": "by RFM scores", "kmeans": "by k-means clustering",
                "gmm": "by Gaussian-mixture clustering", "hierarchical": "by hierarchical clustering"}
MAX_CONDITIONS = 5


def _first_line(err: BaseException) -> str:
    """The first line of an engine's error message (drivers write long ones)."""
    text = str(err).strip()
    return (text.splitlines()[0] if text else type(err).__name__)[:300]


def _md(text: object) -> str:
    return prof.escape_markdown(str(text))


def choose_method(ws: Workspace) -> str:
    """Radio of the three methods (starting on the current segmentation's), with its explanation."""
    current = _METHOD_OF.get(ws.segmentation.method, "Clustering") if ws.segmentation else "Clustering"
    options = list(METHODS)
    choice = st.radio("How do you want to segment your customers?", options, horizontal=True,
                      key=state.kept(_KEY + "method", default=current, options=options))
    st.caption(METHODS[choice])
    return choice


def _run(ws: Workspace, title: str, fit: Callable[[Callable[[float, str], None]], Segmentation],
         *, named: bool) -> None:
    """Run ``fit`` with a status box and progress bar; store the result or show the error."""
    # the user's wait since the click: the run's start, the queue, computing and naming (not only the model's seconds)
    started = run_started() or time.perf_counter()
    with st.status(title, expanded=True) as status:
        bar = st.progress(0.0, text="Starting ...")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        before = ws.segmentation
        try:
            with heavy_run(status) as waited:  # queued behind other sessions' runs when the server is busy
                status.update(label=title)
                # stages the labels, swaps them in with the segmentation (or drops them), then names
                segmentation = run_segmentation(ws, fit, named=named, progress=progress)
        except SegdashError as err:
            status.update(label="The segments could not be made with these settings.", state="error")
            st.error(str(err))
            return
        except Exception as err:  # noqa: BLE001 - on a file: a bug (app.py); on a database: its refusal, said plainly
            if ws.engine is None:
                raise
            log.info("segmenting in %s failed", ws.engine_label, exc_info=True)
            if ws.segmentation is not None and ws.segmentation is not before:  # made and written; naming failed
                status.update(label=f"Done: {ws.segmentation.k:,} segments, written to {ws.engine_label}.",
                              state="complete", expanded=False)
                st.info("Not available on a database table yet: naming the segments from their traits. Rename "
                        "them on the Profiles page.", icon=":material/database:")
                return
            status.update(label="The segments could not be made in the database.", state="error")
            st.error(f"{_md(ws.engine_label)} could not run this segmentation: {_md(_first_line(err))}")
            return
        progress(1.0, "Done.")
        status.update(label=done_label(segmentation.k, waited=time.perf_counter() - started, queued=waited),
                      state="complete", expanded=False)


def done_label(k: int, *, waited: float, queued: float) -> str:
    """The status line after a run: the whole wait since the click, and how much of it was the queue.

    Parameters
    ----------
    k
        Segments made.
    waited
        Seconds from the click until the segments were ready (queue, computing and naming).
    queued
        Seconds of that spent waiting behind other people's runs.

    Returns
    -------
    str
        ``"Done: 5 segments in 12.3 s (9 s of it waiting for 2 other people's runs)."``
    """
    behind = f" ({queued:.0f} s of it waiting for other people's runs)" if queued >= 1 else ""
    return f"Done: {k:,} segment{'s' if k != 1 else ''} in {waited:.1f} s{behind}."


# -- by dimensions --------------------------------------------------------------------------------

def multivalue_flags(ws: Workspace) -> dict[str, list[str]]:
    """Yes/no choices ("interests: Travel") for the values of multi-value columns (memoised per data)."""
    from segdash.act.multivalue import flag_choices

    # per data, not per segmentation: the reruns after a run do not look for them again (issue 14)
    return ws.cached_data(("multivalue.flags",), lambda: flag_choices(
        ws.data, roles=ws.roles, types=ws.column_types(), specs=ws.multivalue_specs()))


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
    label = ws.column_label if hasattr(ws, "column_label") else str
    chosen = st.multiselect(
        "Segment by (one to three columns)", options, max_selections=rules_core.MAX_DIMENSIONS,
        format_func=lambda c: f"{family[c]}: {label(c)}",
        key=state.kept(_KEY + "dims", options=options, multi=True),
        placeholder="Choose columns, e.g. country and age",
        help=questions_help(options, labels=ws.column_labels),
    )
    conditions_count = st.number_input(
        "Filter conditions (optional: segment only some customers)", min_value=0, max_value=MAX_CONDITIONS,
        step=1, key=state.kept(_KEY + "n_conditions", default=0),
    )
    numeric = [c for c in chosen if types.get(c) == "number"]
    bandings = {}
    if numeric:  # outside the form, so the form shows only the fields the chosen banding needs
        cells = st.columns(len(numeric))
        for cell, column in zip(cells, numeric, strict=True):
            bandings[column] = cell.selectbox(
                f"How to cut '{label(column)}' into bands", rules_core.BANDINGS,
                format_func=rules_core.BANDING_LABELS.get,
                key=state.kept(_KEY + f"banding.{column}", default=rules_core.BANDINGS[0],
                               options=rules_core.BANDINGS))
    with st.form(_KEY + "dims_form"):
        dimensions = []
        for column in chosen:
            if types.get(column) == "number":
                dimensions.append(_banding_widgets(column, bandings[column], label=label(column)))
            else:
                dimensions.append(rules_core.Dimension(column))
        if not chosen:
            st.info("Choose at least one column above.")
        rows = ws.row_count()
        min_size = st.number_input(
            "Smallest segment size (smaller combinations are pooled into 'Other')", min_value=1, step=1,
            key=state.kept(_KEY + "min_size", default=rules_core.default_min_size(rows)),
        )
        conditions, combine = _condition_widgets(ws, int(conditions_count))
        submitted = st.form_submit_button("Make segments", type="primary", key=_KEY + "dims_run")
    if submitted:
        _run(ws, "Grouping customers ...", lambda progress: rules_core.segment_by_dimensions(
            ws.data, dimensions=dimensions, types=types, min_size=int(min_size), conditions=conditions,
            combine=combine, column_labels=ws.display_labels()), named=False)


def _banding_widgets(column: str, banding: str, *, label: str) -> rules_core.Dimension:
    """The one field the chosen banding needs: the number of bands, or the band edges."""
    bands, edges_text = 4, ""
    if banding == "edges":
        edges_text = st.text_input(f"Band edges for '{label}', separated by commas", placeholder="18, 25, 35, 50, 65",
                                   key=state.kept(_KEY + f"edges.{column}", default=""),
                                   help="18, 25, 35, 50, 65 gives <18, 18-24, 25-34, 35-49, 50-64 and 65+.")
    else:
        bands = st.number_input(f"Number of bands for '{label}'", min_value=2, max_value=rules_core.MAX_BANDS,
                                step=1, key=state.kept(_KEY + f"bands.{column}", default=4))
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
    combine = st.radio("Combine the conditions", ["and", "or"], horizontal=True,
                       key=state.kept(_KEY + "combine", default="and", options=["and", "or"]),
                       format_func=lambda c: "all conditions hold (AND)" if c == "and" else "any condition holds (OR)")
    columns = ws.modelling_columns()
    operators = list(rules_core.OPERATORS)
    conditions = []
    for i in range(count):
        a, b, c = st.columns([2, 2, 3])
        column = a.selectbox("Column", columns, key=state.kept(_KEY + f"cond.col.{i}", options=columns))
        operator = b.selectbox("Condition", operators, format_func=rules_core.OPERATORS.get,
                               key=state.kept(_KEY + f"cond.op.{i}", options=operators))
        value = c.text_input("Value (for 'is one of': separate with commas)",
                             key=state.kept(_KEY + f"cond.value.{i}", default=""))
        conditions.append(rules_core.Condition(column, operator, value))
    st.caption("Customers who do not match are labelled 'Not segmented', so everyone still has exactly one label.")
    return conditions, combine


# -- RFM ----------------------------------------------------------------------------------------------

def rfm_section(ws: Workspace) -> None:
    """RFM settings form: the transactions file as recognised, or the three customer columns."""
    types = ws.column_types()
    found = ws.cached_data(("segments", "transactions"),
                           lambda: rfm_core.detect_transactions(ws.data, roles=ws.roles, types=types))
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
            key=state.kept(_KEY + "rfm_reference", default=""))
        submitted = st.form_submit_button("Score customers", type="primary", key=_KEY + "rfm_run")
    if submitted:
        def fit(progress: Callable[[float, str], None]) -> Segmentation:
            progress(0.1, "Scoring recency, frequency and spend ...")
            return rfm_core.segment_rfm(ws.data, roles=ws.roles, types=types,
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
        index=None, placeholder="No column says when customers last bought",
        key=state.kept(_KEY + "rfm.recency", options=offered["recency"],
                       default=guess["recency"] if guess["recency"] in offered["recency"] else None))
    chosen: dict[str, object] = {"recency": recency}
    for measure, label, empty in (("frequency", "Frequency: number of orders", "No column counts orders"),
                                  ("monetary", "Money: total spend", "No column holds spend")):
        picked = st.multiselect(f"{label} (several columns are added up)", offered[measure], placeholder=empty,
                                key=state.kept(_KEY + f"rfm.{measure}", options=offered[measure], multi=True,
                                               default=[c for c in guess[measure] if c in offered[measure]]))
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
    choice, left_out = ws.cached_data(("segments", "default_features"),
                                      lambda: cluster_feature_choice(ws.data, roles=ws.roles, types=types))
    default = [c for c in choice if c in offered]
    problem = single_column_message(default)
    if problem:
        st.warning(problem)
        default = []
    modes = ["Choose for me", "Fixed number"]
    # outside the form, so the form shows only the field this choice needs
    k_mode = st.radio("Number of segments", modes, horizontal=True,
                      key=state.kept(_KEY + "k_mode", default=modes[0], options=modes),
                      help="'Choose for me' tries every number in a range and keeps the one where customers "
                           "fall most clearly into groups. " + K_RULE)
    label = ws.column_label if hasattr(ws, "column_label") else str
    with st.form(_KEY + "cluster_form"):
        features = st.multiselect(
            "Columns to group customers on (personal data and ids are never offered)", offered,
            format_func=label, key=state.kept(_KEY + "features", default=default, options=offered, multi=True),
            help="Preselected: the columns that describe behaviour, spend, who customers are and what they "
                 "value (categories included), leaving out constant, mostly empty and free-text columns."
                 + ("\n\n" + "\n\n".join(left_out) if left_out else "")
                 + ("\n\n" + asked if (asked := questions_help(offered, labels=ws.column_labels)) else ""))
        algorithm = st.selectbox("Method", ALGORITHMS, format_func=lambda a: ALGORITHM_LABELS.get(a, a),
                                 key=state.kept(_KEY + "algorithm", options=ALGORITHMS))
        k_fixed, k_range = 5, (2, 10)
        if k_mode == "Fixed number":
            k_fixed = st.number_input("How many segments", min_value=2, max_value=30, step=1,
                                      key=state.kept(_KEY + "k", default=5))
        else:
            k_range = st.slider("Numbers of segments to try", min_value=2, max_value=15,
                                key=state.kept(_KEY + "k_range", default=(2, 10)))
        with st.expander("Advanced settings"):
            scaling = st.radio("Scaling of numbers", ["standard", "robust"], horizontal=True,
                               key=state.kept(_KEY + "scaling", default="standard", options=["standard", "robust"]),
                               format_func=lambda s: "Standard (mean and spread)" if s == "standard"
                               else "Robust (median; less pulled by extreme customers)")
            log_skewed = st.checkbox("Use a log scale for skewed money and count columns",
                                     key=state.kept(_KEY + "log", default=True))
            missing = st.radio("Missing values", ["impute", "missing_category"], horizontal=True,
                               key=state.kept(_KEY + "missing", default="impute",
                                              options=["impute", "missing_category"]),
                               format_func=lambda m: "Fill with a typical value" if m == "impute"
                               else "Treat 'missing' as its own value")
            seed = st.number_input("Random seed (same seed, same segments)", min_value=0, step=1,
                                   key=state.kept(_KEY + "seed", default=0))
        submitted = st.form_submit_button("Find segments", type="primary", key=_KEY + "cluster_run")
    if submitted:
        k = "auto" if k_mode == "Choose for me" else int(k_fixed)
        _run(ws, "Finding segments ...", lambda progress: cluster_customers(
            ws.data, features=list(features), types=types, algorithm=algorithm, k=k,
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
    if ws.engine is not None:
        st.caption(f":material/database: Computed in {_md(ws.engine_label)}: the segment of every customer is in "
                   f"table “{_md(ws.data.labels)}” there, next to “{_md(ws.engine.data.table)}”.")
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
    from segdash.ui.components import sizes_chart

    sizes_chart(ws, seg.sizes, names=names, unit=unit, key=_KEY + "sizes_chart")
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
    clarity = (seg.scores.get(seg.k) or {}).get("silhouette") if seg.scores else None
    tried = sorted(seg.scores)
    if len(tried) > 1:
        st.markdown(f"segdash tried {tried[0]} to {tried[-1]} segments and kept **{seg.k}**: "
                    "the number where customers fall most clearly into groups.")
    if clarity is not None:
        st.markdown(f"How clearly customers fall into these groups: **{_md(plain.clarity_words(clarity))}**.")
    if seg.stability is not None:
        words = stability_words(seg.stability)
        st.markdown(f"How stable they are when found again on other samples of your customers: "
                    f"**{_md(words[:1].upper() + words[1:])}**.")
    # drawn when opened (a rerun): its chart of every k's scores is a third of drawing the result (issue 14)
    details = st.expander("Details for analysts", key=_KEY + "analysts", on_change="rerun")
    with details:
        if not details.open:
            return
        if seg.chosen_k_reason:
            st.markdown(_md(seg.chosen_k_reason))
        if seg.extra.get("k_rule"):
            st.caption(_md(seg.extra["k_rule"]))
        if seg.stability is not None:
            st.markdown(f"Stability **{seg.stability:.2f}** (0 to 1): mean adjusted Rand index between fits "
                        "on resamples of your customers.")
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
        with ws.cursor_data() as data:
            return to_safe_csv(labels_frame(data, roles=roles, names=names))

    st.download_button("Download the segment of every customer (CSV)", build, file_name="segments.csv",
                       mime="text/csv", key=_KEY + "download")
