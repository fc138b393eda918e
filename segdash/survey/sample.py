"""Seeded stratified sampling of each segment, exclusions, saving, and the contact list.

Every customer gets a place in a seeded random order: the MD5 of ``"<seed>:<customer id>"``,
computed by DuckDB. Within each segment the first ``invites`` eligible
customers in that order are invited and the next ``backups`` are the replacements. The order
depends only on the seed and the id, so the same settings always pick the same people, on any
machine, and nothing is pulled into Python but the chosen rows.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from segdash import db
from segdash.data import Data
from segdash.report.export import neutralise_formulas, to_safe_csv
from segdash.survey import SurveyError
from segdash.survey.sizes import SampleSettings, plan_notes, sample_plan

#: Roles of sampled customers.
INVITE = "invite"
BACKUP = "backup"
#: Survey tools the contact list can be shaped for.
TOOLS = ("generic", "qualtrics", "surveymonkey", "limesurvey")
TOOL_LABELS = {
    "generic": "Any tool (email, customer_id, token, segment)",
    "qualtrics": "Qualtrics (Email, FirstName, LastName, ExternalDataReference + embedded data)",
    "surveymonkey": "SurveyMonkey (Email Address, First Name, Last Name, Custom Data 1-4)",
    "limesurvey": "LimeSurvey (firstname, lastname, email, token, attribute_1-3)",
}
#: Name under which the customers to leave out are registered for one draw (ours, never user text).
_EXCLUDED = "_segdash_survey_excluded"
#: Text values that mean "yes, opted out" in an opt-out column.
_YES = ("yes", "y", "true", "t", "1", "opted out", "opt-out", "optout", "unsubscribed")


@dataclass
class SurveySample:
    """A drawn sample.

    Attributes
    ----------
    frame
        One row per sampled customer: ``key`` (customer id as text), ``segment``, ``role``
        (``invite``/``backup``), ``rank`` (place in the segment's order, from 1) and ``token``
        (random, unguessable, to match answers back).
    plan
        :func:`segdash.survey.sizes.sample_plan` with the exclusion counts added.
    settings
        The settings used.
    key_column
        The customers' id column, or ``"_row"``.
    drawn
        When it was drawn (UTC ISO).
    notes
        Plain sentences: totals, small segments, exclusions.
    """

    frame: pd.DataFrame
    plan: pd.DataFrame
    settings: SampleSettings
    key_column: str
    drawn: str
    notes: list[str] = field(default_factory=list)
    exclusions: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """JSON-ready description kept with the saved sample."""
        return {"settings": asdict(self.settings), "key_column": self.key_column, "drawn": self.drawn,
                "exclusions": self.exclusions, "plan": self.plan.to_dict(orient="records"), "notes": self.notes}


def _truthy(column: Any, kind: str) -> Any:
    """Ibis boolean: the opt-out column says yes (booleans; 1; yes/true/... as text)."""
    if kind == "boolean":
        return column.fill_null(False)
    if kind == "number":
        return (column.cast("float64") != 0).fill_null(False)
    text = column.cast("string").strip().lower()
    return text.isin(list(_YES)).fill_null(False)


def draw_sample(
    data: Data,
    *,
    key_column: str,
    settings: SampleSettings,
    types: dict[str, str] | None = None,
    contact_column: str | None = None,
    opt_out_column: str | None = None,
    exclude_keys: pd.Series | list[str] | None = None,
    segments: list[str] | None = None,
) -> SurveySample:
    """Draw a seeded stratified random sample of each segment, with backups and exclusions.

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    key_column
        The customers' id column (unique per row), or ``"_row"``.
    settings
        Sample-size settings and the seed (``random_state``).
    types
        Column -> type (to read the opt-out column); defaults to text.
    contact_column
        Customers with no value here (e.g. no email) are not invited.
    opt_out_column
        A yes/no column: customers marked yes are not invited.
    exclude_keys
        Customer ids not to invite (e.g. surveyed in an earlier sample: :func:`recently_surveyed`).
    segments
        Only these segment labels (default: all).

    Returns
    -------
    SurveySample

    Raises
    ------
    SurveyError
        A setting out of range, or an unknown column.
    """
    settings.check()
    types = types or {}
    backend = data.backend
    customers = data.customers()
    for column in (key_column, contact_column, opt_out_column):
        if column is not None and column not in customers.columns:
            raise SurveyError(f"There is no column '{column}' in the loaded customers.")
    labels = data.segment_labels()
    joined = customers.join(labels.select(labels[data.key], labels["segment"]), data.key)
    fields = {"_key": joined[key_column].cast("string"), "_segment": joined["segment"].cast("string")}
    portable = not data.is_duckdb  # another engine: the seeded order is arithmetic on the key (segdash.sampling)
    if portable:
        from segdash.sampling import seeded_draw

        fields["_draw"] = seeded_draw(joined[data.key], random_state=int(settings.random_state))
    no_contact = ibis.literal(False)
    if contact_column is not None:
        # the import already reads blank and white-space-only cells as missing; a plain comparison
        # keeps this a cheap filter (TRIM with a character list costs a second per million rows)
        value = joined[contact_column].cast("string")
        no_contact = value.isnull() | (value == "")
    opted_out = ibis.literal(False)
    if opt_out_column is not None:
        opted_out = _truthy(joined[opt_out_column], types.get(opt_out_column, "text"))
    base = joined.select(**fields, _no_contact=no_contact, _opted_out=opted_out)
    if segments is not None:
        base = base.filter(base._segment.isin([str(s) for s in segments]))
    excluded = pd.Series([] if exclude_keys is None else list(exclude_keys), dtype="string").dropna().astype(str)
    con = None if portable else data.require_con("Drawing a survey sample")
    registered = False
    try:
        if len(excluded) and portable:  # a small table the engine receives
            recent = ibis.memtable(pd.DataFrame({"_recent": excluded.drop_duplicates().tolist()}, dtype=object))
        elif len(excluded):
            # a table of our own name (not a memtable): the ranking query below is run by DuckDB directly
            con.register(_EXCLUDED, pa.table({"_recent": pa.array(excluded.drop_duplicates().tolist(), pa.string())}))
            registered = True
            recent = backend.table(_EXCLUDED)
        if len(excluded):
            base = base.left_join(recent, base._key == recent._recent)
            base = base.select(*[c for c in base.columns if c != "_recent"], _was_surveyed=base._recent.notnull())
        else:
            base = base.mutate(_was_surveyed=ibis.literal(False))
        base = base.mutate(_eligible=~(base._no_contact | base._opted_out | base._was_surveyed))
        counts = base.group_by("_segment").aggregate(
            population=base.count(), eligible=base._eligible.sum(),
            no_contact=base._no_contact.sum(), opted_out=(base._opted_out & ~base._no_contact).sum(),
            surveyed=(base._was_surveyed & ~base._no_contact & ~base._opted_out).sum(),
        ).execute()
        if counts.empty:
            raise SurveyError("There are no customers in segments to sample from; segment the customers first.")
        counts = counts.sort_values(["population", "_segment"], ascending=[False, True])
        populations = {str(s): int(n) for s, n in zip(counts["_segment"], counts["population"], strict=True)}
        eligible = {str(s): int(n) for s, n in zip(counts["_segment"], counts["eligible"], strict=True)}
        plan = sample_plan(populations, settings=settings, eligible=eligible)
        plan = plan.merge(counts.rename(columns={"_segment": "segment"})[["segment", "no_contact", "opted_out",
                                                                         "surveyed"]], on="segment", how="left")
        pool = base.filter(base._eligible)
        most = int((plan["invites"] + plan["backups"]).max()) if len(plan) else 0
        if portable:
            top = _top_per_segment_portable(data, pool, most)
        else:
            top = _top_per_segment(data, ibis.to_sql(pool.select(pool._key, pool._segment), dialect="duckdb"),
                                   most, random_state=int(settings.random_state))
    finally:
        if registered and con is not None:
            con.unregister(_EXCLUDED)
    take = (plan["invites"] + plan["backups"]).set_axis(plan["segment"])
    invites = plan["invites"].set_axis(plan["segment"])
    top = top[top["_rank"] <= top["_segment"].map(take).fillna(0)]
    frame = pd.DataFrame({
        "key": top["_key"].astype(str).to_numpy(), "segment": top["_segment"].astype(str).to_numpy(),
        "role": [INVITE if r <= invites.get(s, 0) else BACKUP for r, s in zip(top["_rank"], top["_segment"], strict=True)],
        "rank": top["_rank"].astype("int64").to_numpy(),
    })
    order = {s: i for i, s in enumerate(plan["segment"])}
    frame = frame.assign(_o=frame["segment"].map(order)).sort_values(["_o", "rank"]).drop(columns="_o")
    frame = frame.reset_index(drop=True)
    frame["token"] = new_tokens(len(frame))
    exclusions = {"contact_column": contact_column, "opt_out_column": opt_out_column,
                  "excluded_keys": len(excluded)}
    notes = plan_notes(plan, settings=settings)
    for column, reason in (("no_contact", f"have no {contact_column}"), ("opted_out", "opted out"),
                           ("surveyed", "were surveyed recently")):
        total = int(plan[column].sum())
        if total:
            notes.append(f"{total:,} customers {reason} and are never invited.")
    return SurveySample(frame=frame, plan=plan, settings=settings, key_column=key_column,
                        drawn=datetime.now(UTC).replace(microsecond=0).isoformat(), notes=notes,
                        exclusions=exclusions)


def _top_per_segment(data: Data, pool_sql: str, most: int, *, random_state: int) -> pd.DataFrame:
    """The first ``most`` customers of each segment in the seeded order, with their place (from 1).

    The order is the MD5 of ``"<seed>:<customer id>"`` as a number (``md5_number``): it depends on
    the seed and the id only, is the same in every DuckDB version, and ids are unique, so there are
    no ties to break. ``pool_sql`` is compiled by Ibis (every user column name is quoted there);
    around it are only our own names and two whole numbers. A plain ``row_number()`` under a
    constant ``QUALIFY`` limit lets DuckDB keep only the top rows of each segment while it sorts
    (a top-N per group) instead of sorting every customer: several times faster on a million
    customers than the window Ibis writes (whose frame clause and ``- 1`` defeat that).
    """
    if most <= 0:
        return pd.DataFrame({"_key": [], "_segment": [], "_rank": []})
    query = ("SELECT _key, _segment, row_number() OVER (PARTITION BY _segment ORDER BY "
             f"md5_number('{int(random_state)}:' || _key)) AS _rank FROM ({pool_sql}) AS pool "
             f"QUALIFY _rank <= {int(most)}")
    return data.con.execute(query).df()


def _top_per_segment_portable(data: Data, pool: Any, most: int) -> pd.DataFrame:
    """:func:`_top_per_segment` in any engine: the order is the seeded draw on the key (``_draw``).

    Every engine computes the same draws (:mod:`segdash.sampling`), so Spark, PostgreSQL and a
    DuckDB file invite the same customers; only the first ``most`` of each segment come back.
    """
    if most <= 0:
        return pd.DataFrame({"_key": [], "_segment": [], "_rank": []})
    ranked = pool.select(pool._key, pool._segment, _rank=ibis.row_number().over(
        group_by=pool._segment, order_by=[pool._draw, pool._key]) + 1)
    ranked = ranked.filter(ranked._rank <= int(most))
    frame = data.backend.to_pyarrow(ranked).to_pandas()
    return frame.sort_values(["_segment", "_rank"], ignore_index=True)


def new_tokens(count: int) -> list[str]:
    """``count`` random 16-character tokens (letters and digits only: every survey tool accepts them).

    Parameters
    ----------
    count
        How many.

    Returns
    -------
    list[str]
        Unique, unguessable (from :mod:`secrets`), not derived from the seed or the id.
    """
    tokens: set[str] = set()
    result = []
    while len(result) < count:
        token = secrets.token_hex(8)
        if token not in tokens:
            tokens.add(token)
            result.append(token)
    return result


# -- the project ---------------------------------------------------------------------------------------------

def save_sample(project: Any, name: str, sample: SurveySample, *, extra: dict[str, Any] | None = None) -> None:
    """Save a sample in the project (``survey_samples``) with its settings and date.

    Parameters
    ----------
    project
        An open :class:`segdash.store.Project`.
    name
        The sample's name.
    sample
        What :func:`draw_sample` returned.
    extra
        More JSON to keep (snapshot id, segment names, ...).
    """
    project.put_table("survey_samples", name, sample.frame, meta={**sample.meta(), **(extra or {})})


def load_sample(project: Any, name: str) -> SurveySample | None:
    """A saved sample, or ``None``.

    Parameters
    ----------
    project
        An open project.
    name
        The name it was saved under.

    Returns
    -------
    SurveySample or None
    """
    frame = project.get_table("survey_samples", name)
    if frame is None:
        return None
    meta = project.table_meta("survey_samples", name) or {}
    settings = SampleSettings(**meta.get("settings", {}))
    frame = frame.astype({"key": str, "segment": str, "role": str, "token": str})
    return SurveySample(frame=frame, plan=pd.DataFrame(meta.get("plan", [])), settings=settings,
                        key_column=str(meta.get("key_column", db.ROW)), drawn=str(meta.get("drawn", "")),
                        notes=list(meta.get("notes", [])), exclusions=dict(meta.get("exclusions", {})))


def recently_surveyed(project: Any, *, days: int, now: datetime | None = None) -> pd.Series:
    """Customer ids invited in a sample of this project drawn within the last ``days`` days.

    Parameters
    ----------
    project
        An open project (``None``: nobody).
    days
        Look-back window; 0 or less: nobody.
    now
        The present (for tests).

    Returns
    -------
    pandas.Series
        Distinct ids (text).
    """
    if project is None or days <= 0:
        return pd.Series([], dtype=str)
    now = now or datetime.now(UTC)
    since = now - timedelta(days=int(days))
    keys = []
    for entry in project.list_tables("survey_samples"):
        drawn = str((entry.get("meta") or {}).get("drawn") or entry.get("saved") or "")
        try:
            when = datetime.fromisoformat(drawn)
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when >= since:
            frame = project.get_table("survey_samples", entry["name"])
            if frame is not None:
                keys.append(frame.loc[frame["role"] == INVITE, "key"].astype(str))
    if not keys:
        return pd.Series([], dtype=str)
    return pd.concat(keys).drop_duplicates().reset_index(drop=True)


# -- contact list ----------------------------------------------------------------------------------------

def is_email_column(name: str, values: pd.Series | None = None) -> bool:
    """Whether a column holds email addresses (by its name, or most values having an ``@``)."""
    if re.search(r"e-?mail", str(name), re.IGNORECASE):
        return True
    if values is None or values.dropna().empty:
        return False
    text = values.dropna().astype(str)
    return bool(text.str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", regex=True).mean() > 0.8)


def sample_contacts(data: Data, sample: SurveySample, *, columns: list[str]) -> pd.DataFrame:
    """The sample with the given customer columns looked up by id (personal data: handle with care).

    Parameters
    ----------
    data
        The customers (and, where needed, their segment labels) to work on.
    sample
        The drawn sample.
    columns
        Customer columns to add (email, name, phone, ...).

    Returns
    -------
    pandas.DataFrame
        ``sample.frame`` plus those columns, in the sample's order.
    """
    customers = data.customers()
    unknown = [c for c in columns if c not in customers.columns]
    if unknown:
        raise SurveyError(f"There is no column '{unknown[0]}' in the loaded customers.")
    if not columns:
        return sample.frame.copy()
    keys = ibis.memtable(pd.DataFrame({"_k": sample.frame["key"].astype(str).to_numpy(dtype=object)}))
    chosen = customers.select(_k2=customers[sample.key_column].cast("string"),
                              **{f"_c{i}": customers[c] for i, c in enumerate(columns)})
    found = keys.join(chosen, keys._k == chosen._k2).execute()
    found = found.rename(columns={f"_c{i}": c for i, c in enumerate(columns)}).drop(columns=["_k2"])
    found = found.drop_duplicates("_k")
    merged = sample.frame.merge(found, left_on="key", right_on="_k", how="left").drop(columns=["_k"])
    return merged


def contact_list(
    contacts: pd.DataFrame,
    *,
    names: dict[str, str] | None = None,
    contact_columns: list[str] | None = None,
    tool: str = "generic",
    confirmed: bool = False,
    include_backups: bool = False,
) -> pd.DataFrame:
    """The list to import into a survey tool: id, token, segment and (only if confirmed) contact data.

    Parameters
    ----------
    contacts
        :func:`sample_contacts` output (or the bare sample frame).
    names
        Segment label -> display name.
    contact_columns
        Personal columns to carry (the email column becomes ``email``).
    tool
        One of :data:`TOOLS`: column names the tool's contact import accepts.
    confirmed
        The user confirmed they may export personal data. Without it the list holds no contact
        columns at all.
    include_backups
        Include the backups (default: invitations only).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SurveyError
        Unknown tool, or the tool needs an email column and none was given.
    """
    if tool not in TOOLS:
        raise SurveyError(f"Unknown survey tool '{tool}'; choose one of {', '.join(TOOLS)}.")
    names = names or {}
    rows = contacts if include_backups else contacts[contacts["role"] == INVITE]
    rows = rows.reset_index(drop=True)
    personal = list(contact_columns or []) if confirmed else []
    email_col = next((c for c in personal if is_email_column(c, rows.get(c))), None)
    first = last = None
    name_col = next((c for c in personal if re.search(r"(^|_|\s)(full_?)?name$", c, re.IGNORECASE)
                     and c != email_col), None)
    if name_col is not None:
        parts = rows[name_col].astype("string").str.strip().str.split(" ", n=1, expand=True)
        first = parts[0] if 0 in parts.columns else pd.Series("", index=rows.index)
        last = parts[1] if 1 in parts.columns else pd.Series("", index=rows.index)
    others = [c for c in personal if c not in (email_col, name_col)]
    email = rows[email_col] if email_col else None
    segment_name = rows["segment"].map(lambda s: names.get(s, s))
    common = {"segment_id": rows["segment"], "segment_name": segment_name}
    out: dict[str, Any] = {}
    if tool != "generic" and confirmed and email is None:
        raise SurveyError("A contact list for a survey tool needs an email column; choose it under Contact columns.")
    if tool == "generic":
        if email is not None:
            out["email"] = email
        if first is not None:
            out["first_name"], out["last_name"] = first, last
        out.update({"customer_id": rows["key"], "token": rows["token"], **common})
        if include_backups:
            out["role"] = rows["role"]
        out.update({c: rows[c] for c in others})
    elif tool == "qualtrics":
        if email is not None:
            out["Email"] = email
        if first is not None:
            out["FirstName"], out["LastName"] = first, last
        out.update({"ExternalDataReference": rows["key"], "token": rows["token"], **common})
        out.update({c: rows[c] for c in others})
    elif tool == "surveymonkey":
        out["Email Address"] = email if email is not None else ""
        out["First Name"] = first if first is not None else ""
        out["Last Name"] = last if last is not None else ""
        out.update({"Custom Data 1": rows["key"], "Custom Data 2": rows["token"],
                    "Custom Data 3": rows["segment"], "Custom Data 4": segment_name})
    else:
        out["firstname"] = first if first is not None else ""
        out["lastname"] = last if last is not None else ""
        out["email"] = email if email is not None else ""
        out.update({"token": rows["token"], "attribute_1": rows["key"], "attribute_2": rows["segment"],
                    "attribute_3": segment_name})
        out.update({f"attribute_{i}": rows[c] for i, c in enumerate(others, start=4)})
    return pd.DataFrame(out, index=rows.index)


def to_safe_xlsx(frame: pd.DataFrame, *, sheet: str = "Contacts") -> bytes:
    """An .xlsx workbook of ``frame`` with formula-like text neutralised (see :mod:`segdash.report.export`).

    Parameters
    ----------
    frame
        The table.
    sheet
        Sheet name.

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


__all__ = ["BACKUP", "INVITE", "TOOLS", "SurveySample", "contact_list", "draw_sample", "load_sample",
           "new_tokens", "recently_surveyed", "sample_contacts", "save_sample", "to_safe_csv", "to_safe_xlsx"]
