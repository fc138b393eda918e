"""Compare two saved snapshots: who moved where, who is new, who is gone, and in plain words.

Everything is derived from one table, the *transitions*: one row per (old segment, new segment)
pair with its customers (and their revenue), computed by a single full outer join of the two
snapshots' labels on the customer id in DuckDB. A customer only in the newer snapshot has
``from_segment = None`` (a *new* customer); one only in the older has ``to_segment = None``
(*gone*). The counts therefore add up to every customer in either snapshot.

Stayed share, size changes, the largest flows, the overlap matching of two different
segmentations and the adjusted Rand index are small functions of that table, so they are tested
on tiny hand-worked tables and cost nothing at a million customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from segdash.history import drift as drift_module
from segdash.history.snapshots import KEY, Snapshot, attach, load_snapshot

#: Node names for customers who are only in one of the two snapshots.
NEW_NODE = "New customers"
GONE_NODE = "Gone customers"
#: Below this many customers in both snapshots, shares are rough (said in a note).
FEW_CUSTOMERS = 50
#: Columns of the transitions table.
TRANSITION_COLUMNS = ("from_segment", "to_segment", "customers", "revenue")


@dataclass
class Comparison:
    """Everything the page, the command line and the report show about two snapshots.

    Attributes
    ----------
    old, new
        The two snapshots (older first, as picked).
    transitions
        ``from_segment`` (None: new), ``to_segment`` (None: gone), ``customers``, ``revenue``
        (NaN without a revenue column).
    same_segments
        Whether the two share segment labels (the same segmentation at two moments); if not,
        segments are matched by overlap (:attr:`matching`).
    matching
        Old segment -> matched new segment with overlap figures (see :func:`match_segments`).
    stayed_share
        Share of customers in both snapshots who stayed in their (matched) segment.
    new_customers, gone_customers, both_customers
        Counts.
    ari
        Adjusted Rand index of the two labelings over customers in both (None if under 2).
    sizes
        Size change per segment (see :func:`size_changes`).
    drift
        PSI per attribute (see :func:`segdash.history.drift.drift_table`).
    revenue_column
        The revenue column flows are measured with, or None.
    notes
        Plain sentences about how figures were made or why one is missing.
    """

    old: Snapshot
    new: Snapshot
    transitions: pd.DataFrame
    same_segments: bool
    matching: pd.DataFrame
    stayed_share: float | None
    new_customers: int
    gone_customers: int
    both_customers: int
    ari: float | None
    sizes: pd.DataFrame
    drift: pd.DataFrame
    revenue_column: str | None = None
    notes: list[str] = field(default_factory=list)

    def sentences(self, *, limit: int = 5) -> list[str]:
        """Plain sentences (see :func:`summary_sentences`)."""
        return summary_sentences(self, limit=limit)


# -- the one query ------------------------------------------------------------------------------------
def revenue_column(snapshot: Snapshot) -> str | None:
    """The export's revenue column (role ``revenue``, a number), as the ROI page picks it."""
    from segdash.economics import suggest_columns

    if not snapshot.roles:
        return None
    return suggest_columns(snapshot.roles, types=snapshot.types).revenue


def transitions_query(old_labels: Any, new_labels: Any, *, old_revenue: Any = None,
                      new_revenue: Any = None) -> pd.DataFrame:
    """Customers (and revenue) per (old segment, new segment), new and gone customers included.

    Parameters
    ----------
    old_labels, new_labels
        Ibis tables ``(key, segment)`` on one backend.
    old_revenue, new_revenue
        Optional Ibis tables ``(key, revenue)`` (one row per key): a flow's revenue is the newer
        revenue of its customers, the older one for customers who are gone.

    Returns
    -------
    pandas.DataFrame
        :data:`TRANSITION_COLUMNS`, largest flows first.
    """
    import ibis

    def side(labels: Any, revenue: Any, *, key: str, segment: str, money: str) -> Any:
        table = labels.select(**{key: labels.key, segment: labels.segment})
        if revenue is None:
            return table.mutate(**{money: ibis.null("float64")})
        per_key = revenue.select(**{f"{key}_r": revenue.key, money: revenue.revenue.cast("float64")})
        joined = table.left_join(per_key, table[key] == per_key[f"{key}_r"])
        return joined.select(key, segment, money)

    old = side(old_labels, old_revenue, key="_o_key", segment="from_segment", money="_r_old")
    new = side(new_labels, new_revenue, key="_n_key", segment="to_segment", money="_r_new")
    joined = old.outer_join(new, old._o_key == new._n_key)
    revenue = ibis.ifelse(joined._n_key.isnull(), joined._r_old, joined._r_new)
    grouped = joined.group_by(["from_segment", "to_segment"]).aggregate(
        customers=joined.count(), revenue=revenue.sum())
    frame = grouped.execute()
    frame["customers"] = frame["customers"].astype("int64")
    frame["revenue"] = pd.to_numeric(frame["revenue"], errors="coerce").astype("float64")
    if new_revenue is None and old_revenue is None:
        frame["revenue"] = np.nan
    for column in ("from_segment", "to_segment"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return _sorted(frame[list(TRANSITION_COLUMNS)])


def _none(value: Any) -> bool:
    """Whether a from/to cell stands for new / gone customers (None, or NaN after a pandas step)."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_f=frame["from_segment"].fillna("\uffff").astype(str),
                         _t=frame["to_segment"].fillna("\uffff").astype(str))
    return (order.sort_values(["customers", "_f", "_t"], ascending=[False, True, True], kind="stable")
            .drop(columns=["_f", "_t"]).reset_index(drop=True))


def _revenue_table(data: Any, column: str | None) -> Any:
    if data is None or column is None or column not in data.columns:
        return None
    per_key = data.select(key=data[KEY], revenue=data[column].cast("float64"))
    return per_key.group_by("key").aggregate(revenue=per_key.revenue.sum())


# -- small functions of the transitions table ---------------------------------------------------------
def same_segmentation(transitions: pd.DataFrame) -> bool:
    """Whether old and new share at least one segment label (then labels are compared as they are)."""
    old = set(transitions["from_segment"].dropna())
    new = set(transitions["to_segment"].dropna())
    return bool(old & new)


def contingency(transitions: pd.DataFrame) -> pd.DataFrame:
    """Old segment x new segment counts over customers in both snapshots (no new/gone)."""
    both = transitions.dropna(subset=["from_segment", "to_segment"])
    if both.empty:
        return pd.DataFrame(dtype="int64")
    return both.pivot_table(index="from_segment", columns="to_segment", values="customers", aggfunc="sum",
                            fill_value=0).astype("int64")


def transition_matrix(transitions: pd.DataFrame, *, shares: bool = False,
                      old_names: dict[str, str] | None = None, new_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The transition matrix: rows are old segments (and new customers), columns new segments (and gone).

    Parameters
    ----------
    transitions
        From :func:`transitions_query`.
    shares
        Row shares (each row sums to 1) instead of counts.
    old_names, new_names
        Label -> display name for rows / columns.

    Returns
    -------
    pandas.DataFrame
        Counts (int) or shares (float); index and columns are display names with
        :data:`NEW_NODE` as the last row and :data:`GONE_NODE` as the last column.
    """
    old_names = old_names or {}
    new_names = new_names or {}
    frame = transitions.assign(
        row=[NEW_NODE if _none(v) else old_names.get(v, v) for v in transitions["from_segment"]],
        col=[GONE_NODE if _none(v) else new_names.get(v, v) for v in transitions["to_segment"]],
    )
    matrix = frame.pivot_table(index="row", columns="col", values="customers", aggfunc="sum", fill_value=0)
    rows = sorted(r for r in matrix.index if r != NEW_NODE) + ([NEW_NODE] if NEW_NODE in matrix.index else [])
    cols = sorted(c for c in matrix.columns if c != GONE_NODE) + ([GONE_NODE] if GONE_NODE in matrix.columns else [])
    matrix = matrix.reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    matrix.index.name = "from"
    matrix.columns.name = "to"
    if shares:
        totals = matrix.sum(axis=1).replace(0, np.nan)
        return matrix.div(totals, axis=0)
    return matrix


def counts(transitions: pd.DataFrame) -> tuple[int, int, int]:
    """``(new, gone, both)`` customer counts."""
    new = int(transitions.loc[transitions["from_segment"].isna(), "customers"].sum())
    gone = int(transitions.loc[transitions["to_segment"].isna(), "customers"].sum())
    both = int(transitions["customers"].sum()) - new - gone
    return new, gone, both


def stayed_share(transitions: pd.DataFrame, *, mapping: dict[str, str] | None = None) -> float | None:
    """Share of customers in both snapshots whose new segment is their old one (or its match).

    Parameters
    ----------
    transitions
        From :func:`transitions_query`.
    mapping
        Old label -> new label that counts as staying; ``None``: the same label.

    Returns
    -------
    float or None
        ``None`` when no customer is in both snapshots.
    """
    both = transitions.dropna(subset=["from_segment", "to_segment"])
    total = int(both["customers"].sum())
    if total == 0:
        return None
    if mapping is None:
        stayed = both["from_segment"] == both["to_segment"]
    else:
        stayed = both["from_segment"].map(mapping) == both["to_segment"]
    return float(both.loc[stayed, "customers"].sum()) / total


def size_changes(transitions: pd.DataFrame) -> pd.DataFrame:
    """Customers per segment in each snapshot and the change.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``old``, ``new``, ``change``, ``change_pct`` (NaN for a segment that did not
        exist before), largest old size first.
    """
    old = transitions.dropna(subset=["from_segment"]).groupby("from_segment")["customers"].sum()
    new = transitions.dropna(subset=["to_segment"]).groupby("to_segment")["customers"].sum()
    labels = sorted(set(old.index) | set(new.index), key=lambda s: (-int(old.get(s, 0)), -int(new.get(s, 0)), str(s)))
    frame = pd.DataFrame({
        "segment": labels,
        "old": [int(old.get(s, 0)) for s in labels],
        "new": [int(new.get(s, 0)) for s in labels],
    })
    frame["change"] = frame["new"] - frame["old"]
    frame["change_pct"] = np.where(frame["old"] > 0, frame["change"] / frame["old"].where(frame["old"] > 0, 1), np.nan)
    return frame


def largest_flows(transitions: pd.DataFrame, *, by: str = "customers", n: int = 5,
                  moves_only: bool = True) -> pd.DataFrame:
    """The ``n`` largest flows measured ``by`` customers or revenue.

    Parameters
    ----------
    transitions
        From :func:`transitions_query`.
    by
        ``"customers"`` or ``"revenue"``.
    n
        How many.
    moves_only
        Leave out customers who stayed in their segment (same label), so the list shows change.

    Returns
    -------
    pandas.DataFrame
        Rows of ``transitions``; empty for revenue when there is no revenue.
    """
    if by not in ("customers", "revenue"):
        raise ValueError(f"by must be 'customers' or 'revenue', not {by!r}")
    flows = transitions
    if moves_only:
        flows = flows[~(flows["from_segment"].notna() & (flows["from_segment"] == flows["to_segment"]))]
    flows = flows.dropna(subset=[by])
    if by == "revenue" and flows.empty:
        return flows
    return flows.sort_values([by, "customers"], ascending=False, kind="stable").head(n).reset_index(drop=True)


def adjusted_rand(transitions: pd.DataFrame) -> float | None:
    """Adjusted Rand index between the two labelings over customers in both snapshots.

    ``sklearn.metrics.adjusted_rand_score`` on label arrays rebuilt from the counts (the index
    depends on the contingency table only, so this equals the index on the customers themselves).

    Returns
    -------
    float or None
        ``None`` below 2 customers in both.
    """
    both = transitions.dropna(subset=["from_segment", "to_segment"])
    both = both[both["customers"] > 0]
    if int(both["customers"].sum()) < 2:
        return None
    old_codes = pd.factorize(both["from_segment"])[0]
    new_codes = pd.factorize(both["to_segment"])[0]
    repeats = both["customers"].to_numpy(dtype=np.int64)
    return float(adjusted_rand_score(np.repeat(old_codes, repeats), np.repeat(new_codes, repeats)))


def match_segments(transitions: pd.DataFrame) -> pd.DataFrame:
    """Match each old segment to a new one by overlap (customers in both).

    One-to-one first: the Hungarian assignment (``scipy.optimize.linear_sum_assignment``) that
    maximises the customers kept together. An old segment left over (more old than new
    segments) gets the new segment holding most of its customers, marked ``one_to_one=False``.

    Returns
    -------
    pandas.DataFrame
        ``old``, ``new``, ``overlap`` (customers in both), ``share_of_old`` (overlap / old
        segment's customers in both), ``jaccard`` (overlap / union), ``one_to_one``; one row per
        old segment, largest overlap first.
    """
    table = contingency(transitions)
    columns = ["old", "new", "overlap", "share_of_old", "jaccard", "one_to_one"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    values = table.to_numpy()
    rows, cols = linear_sum_assignment(values, maximize=True)
    assigned = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if values[r, c] > 0}
    row_totals = values.sum(axis=1)
    col_totals = values.sum(axis=0)
    records = []
    for i, old in enumerate(table.index):
        j = assigned.get(i, int(values[i].argmax()))
        overlap = int(values[i, j])
        union = int(row_totals[i] + col_totals[j] - overlap)
        records.append({
            "old": old, "new": table.columns[j], "overlap": overlap,
            "share_of_old": overlap / row_totals[i] if row_totals[i] else np.nan,
            "jaccard": overlap / union if union else np.nan, "one_to_one": i in assigned,
        })
    frame = pd.DataFrame(records, columns=columns)
    return frame.sort_values(["overlap", "old"], ascending=[False, True], kind="stable").reset_index(drop=True)


# -- the whole comparison --------------------------------------------------------------------------------
def compare_snapshots(project: Any, old: str | Snapshot, new: str | Snapshot, *,
                      drift_columns: list[str] | None = None,
                      con: duckdb.DuckDBPyConnection | None = None) -> Comparison:
    """Compare two saved snapshots of ``project``.

    Parameters
    ----------
    project
        A :class:`segdash.store.Project`.
    old, new
        Snapshot names or ids (or loaded :class:`Snapshot` objects): the earlier and the later.
    drift_columns
        Attributes to check for drift (default: every number and category column both exports
        share that is not an id or personal data; see :func:`segdash.history.drift.drift_candidates`).
    con
        DuckDB connection to work in (default: a private in-memory one, closed at the end).

    Returns
    -------
    Comparison

    Raises
    ------
    segdash.store.StoreError
        A snapshot does not exist or is damaged.
    """
    old_snap = old if isinstance(old, Snapshot) else load_snapshot(project, old)
    new_snap = new if isinstance(new, Snapshot) else load_snapshot(project, new)
    own = con is None
    con = con or duckdb.connect(":memory:")
    try:
        return _compare(con, old_snap, new_snap, drift_columns=drift_columns)
    finally:
        if own:
            con.close()


def compare_label_tables(data: Any, *, old: str, new: str, roles: dict[str, str] | None = None,
                         types: dict[str, str] | None = None) -> Comparison:
    """Compare two labels tables of one customers table, inside its engine (Spark, PostgreSQL, DuckDB ...).

    Each table holds ``<key>, segment`` (e.g. written by two ``segment --source ... --labels-table``
    runs). The transitions are one grouped full outer join computed by the engine; only the small
    (old segment, new segment) table comes back. Revenue, when a column has that role, is the
    customers table's. Both segment the same customers table, so there is no drift to measure.

    Parameters
    ----------
    data
        The customers (:class:`segdash.data.Data`): its backend holds both labels tables.
    old, new
        Names of the earlier and the later labels table.
    roles, types
        Column -> role / type of the customers table (to find the revenue column).

    Returns
    -------
    Comparison

    Raises
    ------
    segdash.history.snapshots.HistoryError
        A table does not exist or is not a labels table.
    """
    from segdash.data import table_exists
    from segdash.history.snapshots import HistoryError

    sides = []
    for name in (old, new):
        if not name or not table_exists(data.backend, name):
            raise HistoryError(f"There is no labels table '{name}' in {data.engine or 'the engine'}.")
        table = data.backend.table(name)
        if data.key not in table.columns or "segment" not in table.columns:
            raise HistoryError(f"Table '{name}' is not a labels table: it needs the columns '{data.key}' and "
                               "'segment'.")
        sides.append(table.select(key=table[data.key].cast("string"), segment=table["segment"].cast("string")))
    snaps = [Snapshot(id=name, name=f"table '{name}'", created="", names={}, sizes={}, key_column=data.key,
                      labels=None, roles=dict(roles or {}), types=dict(types or {})) for name in (old, new)]
    column = revenue_column(snaps[1]) if roles else None
    revenue = None
    if column is not None:
        customers = data.customers()
        revenue = customers.select(key=customers[data.key].cast("string"),
                                   revenue=customers[column].cast("float64"))
    transitions = transitions_query(sides[0], sides[1], old_revenue=revenue, new_revenue=revenue)
    notes = [] if column is not None else [
        "The customers table has no revenue column, so flows are measured in customers only."]
    (new_count, gone_count, both_count), same, matching, mapping = _matched(transitions, what="tables",
                                                                           notes=notes)
    notes.append("Both tables segment the same customers table, so there is no drift to measure.")
    sizes = size_changes(transitions)
    snaps[0].sizes = {str(s): int(n) for s, n in zip(sizes["segment"], sizes["old"], strict=True) if int(n)}
    snaps[1].sizes = {str(s): int(n) for s, n in zip(sizes["segment"], sizes["new"], strict=True) if int(n)}
    return Comparison(
        old=snaps[0], new=snaps[1], transitions=transitions, same_segments=same, matching=matching,
        stayed_share=stayed_share(transitions, mapping=mapping), new_customers=new_count,
        gone_customers=gone_count, both_customers=both_count, ari=adjusted_rand(transitions),
        sizes=sizes, drift=drift_module.empty_drift(), revenue_column=column, notes=notes,
    )


def _matched(transitions: Any, *, what: str, notes: list[str]) -> tuple[tuple[int, int, int], bool, Any,
                                                                     dict[str, str] | None]:
    """New/gone/both counts, whether the segments are the same, the old -> new matching and its mapping.

    When the two sides share no segment, a note saying how they were matched is added to ``notes``
    (``what``: "tables" or "snapshots").
    """
    same = same_segmentation(transitions)
    matching = match_segments(transitions)
    mapping = None if same else dict(zip(matching["old"], matching["new"], strict=True))
    if not same:
        notes.append(f"The two {what} have no segment in common, so each old segment is matched to the new "
                     "segment that holds most of its customers; 'stayed' means moved to the matched segment.")
    return counts(transitions), same, matching, mapping


def _compare(con: duckdb.DuckDBPyConnection, old: Snapshot, new: Snapshot, *,
             drift_columns: list[str] | None) -> Comparison:
    notes: list[str] = []
    old_labels, old_data = attach(con, old, alias="old")
    new_labels, new_data = attach(con, new, alias="new")
    revenue = revenue_column(new) or revenue_column(old)
    transitions = transitions_query(
        old_labels, new_labels,
        old_revenue=_revenue_table(old_data, revenue), new_revenue=_revenue_table(new_data, revenue))
    if revenue is None:
        notes.append("Neither export has a revenue column, so flows are measured in customers only.")
    (new_count, gone_count, both_count), same, matching, mapping = _matched(transitions, what="snapshots",
                                                                           notes=notes)
    if both_count == 0:
        notes.append("No customer id is in both snapshots, so nobody can be followed from one to the other. "
                     "Check that both exports use the same customer id column.")
    elif both_count < FEW_CUSTOMERS:
        notes.append(f"Only {both_count:,} customers are in both snapshots, so the shares are rough.")
    if old.key_column == "_row" or new.key_column == "_row":
        notes.append("At least one export has no customer id column, so customers were matched by their row "
                     "number in the file; that only makes sense if both files list customers in the same order.")
    if old.dataset_id and old.dataset_id == new.dataset_id:
        drift = drift_module.empty_drift()
        notes.append("Both snapshots were made from the same export, so there is no drift to measure.")
    elif old_data is None or new_data is None:
        drift = drift_module.empty_drift()
        notes.append("The export of one snapshot was deleted from the project, so drift cannot be measured.")
    else:
        kinds = drift_module.drift_candidates(old, new, columns=drift_columns)
        drift, drift_notes = drift_module.drift_table(old_data, new_data, kinds=kinds)
        notes.extend(drift_notes)
    return Comparison(
        old=old, new=new, transitions=transitions, same_segments=same, matching=matching,
        stayed_share=stayed_share(transitions, mapping=mapping), new_customers=new_count,
        gone_customers=gone_count, both_customers=both_count, ari=adjusted_rand(transitions),
        sizes=size_changes(transitions), drift=drift, revenue_column=revenue, notes=notes,
    )


# -- words ---------------------------------------------------------------------------------------------
def _pct(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 or value == 0 else "under 1%"


def segment_sentences(comparison: Comparison, *, limit: int = 5) -> list[str]:
    """One sentence per segment that changed most, e.g. "Champions shrank from 1,204 to 1,010; 14% of them moved to At risk."

    Only for snapshots of the same segmentation (shared labels). Segments are ordered by the
    size of their change; the most common destination other than staying is named.
    """
    if not comparison.same_segments:
        return []
    old, new = comparison.old, comparison.new
    flows = comparison.transitions
    sizes = comparison.sizes
    sizes = sizes.assign(_abs=sizes["change"].abs()).sort_values(["_abs", "old"], ascending=False, kind="stable")
    sentences = []
    for row in sizes.head(limit).itertuples():
        label, before, after = row.segment, int(row.old), int(row.new)
        name = old.display(label) if before else new.display(label)
        if before == 0:
            sentences.append(f"{name} is a new segment with {after:,} customers.")
            continue
        if after > before:
            head = f"{name} grew from {before:,} to {after:,}"
        elif after < before:
            head = f"{name} shrank from {before:,} to {after:,}"
        else:
            head = f"{name} held steady at {before:,}"
        out = flows[(flows["from_segment"] == label) & (flows["to_segment"] != label)]
        out = out.assign(_to=out["to_segment"].fillna("\uffff")).sort_values(
            ["customers", "_to"], ascending=[False, True], kind="stable")
        if after > before:
            incoming = flows[(flows["to_segment"] == label) & (flows["from_segment"] != label)]
            incoming = incoming.assign(_f=incoming["from_segment"].fillna("\uffff")).sort_values(
                ["customers", "_f"], ascending=[False, True], kind="stable")
            if len(incoming) and int(incoming.iloc[0]["customers"]) > 0:
                source = incoming.iloc[0]
                where = "are new" if _none(source["from_segment"]) else \
                    f"came from {old.display(source['from_segment'])}"
                share = int(source["customers"]) / after
                sentences.append(f"{head}; {_pct(share)} of its customers {where}.")
                continue
        if len(out) and int(out.iloc[0]["customers"]) > 0:
            target = out.iloc[0]
            share = int(target["customers"]) / before
            where = "are gone" if _none(target["to_segment"]) else f"moved to {new.display(target['to_segment'])}"
            sentences.append(f"{head}; {_pct(share)} of them {where}.")
        else:
            sentences.append(f"{head}; all of them stayed.")
    return sentences


def summary_sentences(comparison: Comparison, *, limit: int = 5) -> list[str]:
    """Plain sentences about the whole comparison, most important first.

    Parameters
    ----------
    comparison
        From :func:`compare_snapshots`.
    limit
        At most this many per-segment sentences.

    Returns
    -------
    list[str]
    """
    c = comparison
    sentences = []
    if c.both_customers:
        stayed = "" if c.stayed_share is None else (
            f"{_pct(c.stayed_share)} of the {c.both_customers:,} customers in both snapshots stayed in their "
            + ("segment" if c.same_segments else "matched segment"))
        sentences.append(f"{stayed}; {c.new_customers:,} customers are new and {c.gone_customers:,} are gone.")
    else:
        sentences.append(f"No customer is in both snapshots ({c.gone_customers:,} before, {c.new_customers:,} now).")
    sentences.extend(segment_sentences(c, limit=limit))
    if not c.same_segments and len(c.matching):
        for row in c.matching.head(limit).itertuples():
            sentences.append(f"{c.old.display(row.old)} matches {c.new.display(row.new)} "
                             f"({_pct(row.share_of_old)} of its customers went there).")
    if c.ari is not None and not c.same_segments:
        sentences.append(f"The two segmentations agree {ari_words(c.ari)} (adjusted Rand index {c.ari:.2f}).")
    sentence = drift_module.drift_sentence(c.drift)
    if sentence:
        sentences.append(sentence)
    return sentences


def ari_words(ari: float) -> str:
    """Plain words for an adjusted Rand index (1: the same grouping; 0: as by chance)."""
    if ari >= 0.9:
        return "almost completely"
    if ari >= 0.65:
        return "strongly"
    if ari >= 0.35:
        return "moderately"
    if ari >= 0.1:
        return "weakly"
    return "hardly more than by chance"


def to_json(comparison: Comparison) -> dict[str, Any]:
    """The JSON shape of ``python -m segdash compare --json``.

    Keys: ``old``, ``new`` (id, name, created), ``stayed_share``, ``transitions`` (list of
    ``{"from", "to", "customers", "revenue"}``; ``from`` null for new customers, ``to`` null for
    gone ones; adds up to every customer in either snapshot), ``new_customers``,
    ``gone_customers``, ``both_customers``, ``ari``, ``drift`` (list of ``{"column", "psi",
    "kind", "level"}``), ``matching``, ``sentences``, ``notes``.
    """
    c = comparison

    def number(value: Any) -> float | None:
        return None if value is None or pd.isna(value) else round(float(value), 6)

    return {
        "old": {"id": c.old.id, "name": c.old.name, "created": c.old.created},
        "new": {"id": c.new.id, "name": c.new.name, "created": c.new.created},
        "stayed_share": number(c.stayed_share),
        "transitions": [{"from": r.from_segment, "to": r.to_segment, "customers": int(r.customers),
                         "revenue": number(r.revenue)} for r in c.transitions.itertuples()],
        "new_customers": c.new_customers, "gone_customers": c.gone_customers, "both_customers": c.both_customers,
        "ari": number(c.ari),
        "drift": [{"column": r.column, "psi": number(r.psi), "kind": r.kind, "level": r.level}
                  for r in c.drift.itertuples()],
        "matching": [{"old": r.old, "new": r.new, "overlap": int(r.overlap), "share_of_old": number(r.share_of_old)}
                     for r in c.matching.itertuples()],
        "sentences": c.sentences(),
        "notes": list(c.notes),
    }


def report_summary(comparison: Comparison) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """What the meeting report needs about a comparison: sentences and small tables (no personal data).

    Parameters
    ----------
    comparison
        From :func:`compare_snapshots`.

    Returns
    -------
    tuple[list[str], dict[str, pandas.DataFrame]]
        Sentences, and tables ``"Transitions"`` (counts matrix with display names),
        ``"Size change"``, ``"Largest flows"`` and ``"Drift"``.
    """
    c = comparison
    sizes = c.sizes.assign(segment=[c.new.display(s) if s in c.new.names else c.old.display(s) for s in c.sizes["segment"]])
    return c.sentences() + list(c.notes), {
        "Transitions": transition_matrix(c.transitions, old_names=c.old.names, new_names=c.new.names).reset_index(),
        "Size change": sizes,
        "Largest flows": named_flows(c, largest_flows(c.transitions, moves_only=c.same_segments)),
        "Drift": c.drift[["column", "kind", "psi", "level"]].copy(),
    }


def named_flows(comparison: Comparison, flows: pd.DataFrame) -> pd.DataFrame:
    """``flows`` with display names (``From``, ``To``, ``Customers``, ``Revenue``)."""
    c = comparison
    return pd.DataFrame({
        "From": [NEW_NODE if _none(v) else c.old.display(v) for v in flows["from_segment"]],
        "To": [GONE_NODE if _none(v) else c.new.display(v) for v in flows["to_segment"]],
        "Customers": flows["customers"].astype("int64").to_numpy(),
        "Revenue": flows["revenue"].to_numpy(dtype=float),
    })


def drift_display(drift: pd.DataFrame) -> pd.DataFrame:
    """The drift table for a page: plain column names, question-length columns by a short label.

    Returns
    -------
    pandas.DataFrame
        ``Attribute``, ``Kind``, ``PSI``, ``Drifted``, ``Bins`` and, when an attribute is a survey
        question, ``Full question`` (the short label is in ``Attribute``).
    """
    from segdash.labels import is_question, suggest_label

    table = drift.rename(columns={"column": "Attribute", "kind": "Kind", "psi": "PSI", "level": "Drifted",
                                  "bins": "Bins"})
    columns = [str(c) for c in drift["column"]]
    if any(is_question(c) for c in columns):
        table["Attribute"] = [suggest_label(c) if is_question(c) else c for c in columns]
        table["Full question"] = [" ".join(c.split()) if is_question(c) else "" for c in columns]
    return table
