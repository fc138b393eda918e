"""Column types from the whole file, decided in DuckDB with a few aggregate queries.

How a text column gets its type:

1. **Propose** from the first rows (:data:`SAMPLE_ROWS`): booleans (``Yes/No``, ``TRUE/FALSE``,
   ``Y/N``, ``T/F``), plain numbers, ISO dates and date-times, then patterns for formatted
   numbers (``$84,835.00``, ``1.234,5``, ``12%``, ``(1,234)``) and day/month/year dates
   (``dd-mm-yyyy``, ``mm/dd/yy``...).
2. **Check every value**: one aggregate query over the whole table counts, per column, the
   values the proposed type reads, the missing tokens, and (for day/month dates) the
   largest day and month parts. A column where any value disagrees is analysed again over
   all its rows, so a bad value at row 900,000 keeps the column as text with a note
   (``mostly numbers; 3 values are not (e.g. 'abc' on line 900002)``) and drops no row.
3. **Build** the typed table in one ``CREATE TABLE AS``; a last count checks that no
   value became missing on the way (a column that lost one goes back to text).

Missing: blank and whitespace-only cells, and ``NA``, ``N/A``, ``n.a.``, ``null``, ``unknown``,
``nan``, ``#N/A``, ``-``, ``--``, ``?``, ``(blank)`` in any letter case. The tokens actually found are reported per column.
Percent signs are dropped (``12%`` is 12, not 0.12) and a note says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb

from segdash import db
from segdash.schema import ColumnInfo

#: Lower-case tokens read as missing (besides blank and whitespace-only cells).
MISSING_TOKENS = ("na", "n/a", "n.a.", "null", "unknown", "nan", "#n/a", "-", "--", "?", "(blank)")
TRUE_WORDS = ("yes", "y", "true", "t")
FALSE_WORDS = ("no", "n", "false", "f")
#: How blank cells are shown in the list of missing tokens.
BLANK = "(blank)"
#: Rows looked at to propose a type; every proposal is then checked on all rows.
SAMPLE_ROWS = 2_000

_WS = "' \t\r\n\u00a0'"
_CURRENCY = "$€£¥"
_EXP = r"(?:[eE][+-]?\d+)?"
_US_BODY = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)" + _EXP
_EU_BODY = r"(?:(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d*)?|,\d+)"


def _number_pattern(body: str) -> str:
    one = rf"[+-]?\s*[{_CURRENCY}]?\s*[+-]?\s*{body}\s*[{_CURRENCY}]?\s*%?"
    return rf"(?:{one}|\(\s*{one}\s*\))"


US_NUMBER = _number_pattern(_US_BODY)
EU_NUMBER = _number_pattern(_EU_BODY)
#: day/month/year or month/day/year, with an optional time.
DMY = r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"

_FIRST_CHARS = tuple("0123456789+-.(" + _CURRENCY)


def _variants(words: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for word in words:
        for form in (word, word.upper(), word.title(), word.capitalize()):
            if form not in out:
                out.append(form)
    return tuple(out)


#: Exact spellings of missing cells matched on every cell (cheap); other spellings
#: (``' nA '``) are caught where a typed column fails to read them.
_MISSING_EXACT = ("", " ", "  ", "   ", "\t") + _variants(MISSING_TOKENS) + ("NaN",)
#: The longest exact spelling; cells longer than this are never missing (a cheap test first).
_TOKEN_MAX = max(len(t) for t in _MISSING_EXACT)
assert 10 + len(_MISSING_EXACT) < 64, "read_expressions' status codes (10 + position) must fit a 64-bit mask"


def _lit(values: tuple[str, ...]) -> str:
    """A SQL list of constant strings (our own constants, never user text)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _value(q: str) -> str:
    """Raw column ``q`` with every missing spelling as NULL (used on samples and rare full passes)."""
    return (
        f"CASE WHEN strlen({q}) > 12 THEN {q} "
        f"WHEN lower(trim({q}, {_WS})) IN {_lit(('',) + MISSING_TOKENS)} THEN NULL ELSE {q} END"
    )


def _is_token(q: str) -> str:
    """Whether raw cell ``q`` is a missing spelling (any case, any surrounding space)."""
    return f"(strlen({q}) <= 12 AND lower(trim({q}, {_WS})) IN {_lit(('',) + MISSING_TOKENS)})"


def _us_number(v: str) -> str:
    sign = f"(CASE WHEN starts_with({v}, '(') THEN -1 ELSE 1 END)"
    return f"(TRY_CAST(regexp_replace({v}, '[^0-9.eE+\\-]', '', 'g') AS DOUBLE) * {sign})"


def _eu_number(v: str) -> str:
    sign = f"(CASE WHEN starts_with({v}, '(') THEN -1 ELSE 1 END)"
    swapped = f"replace(replace({v}, '.', ''), ',', '.')"
    return f"(TRY_CAST(regexp_replace({swapped}, '[^0-9.+\\-]', '', 'g') AS DOUBLE) * {sign})"


def _dmy_formats(day_first: bool) -> str:
    order = "%d-%m" if day_first else "%m-%d"
    formats = [f"{order}-{year}{time}" for year in ("%y", "%Y") for time in (" %H:%M:%S", " %H:%M", "")]
    return "[" + ", ".join(f"'{f}'" for f in formats) + "]"


def _dmy_timestamp(v: str, day_first: bool) -> str:
    normal = f"regexp_replace(regexp_replace({v}, '^(\\d+)[/.](\\d+)[/.]', '\\1-\\2-'), 'T', ' ')"
    normal = f"regexp_replace({normal}, '(:\\d\\d)\\.\\d+$', '\\1')"
    return f"try_strptime({normal}, {_dmy_formats(day_first)})"


@dataclass
class Plan:
    """How one column becomes typed.

    ``kind`` says how values are written: ``plain`` (DuckDB reads them as they are),
    ``formatted`` (numbers with signs/separators), ``dmy`` (day/month/year dates),
    ``native`` (already typed, Parquet) or ``""`` (text).
    """

    name: str
    type: str = "text"
    sql_type: str = "VARCHAR"
    kind: str = ""
    european: bool = False
    day_first: bool = True
    proven: bool = False
    present: int = 0
    note: str = ""
    notes: list[str] = field(default_factory=list)
    missing_tokens: list[str] = field(default_factory=list)
    native_expr: str = ""
    has_tokens: bool = False
    nonnull: int = 0
    exact: int = 0
    unread: tuple[int, Any, Any] | None = None
    long_ints: bool = False
    deferred: bool = False

    @property
    def q(self) -> str:
        return db.quote_ident(self.name)

    def parsed(self) -> str:
        """The typed value of a raw cell, NULL for missing cells (and for values it cannot read)."""
        q = self.q
        if self.kind == "native":
            return self.native_expr
        if self.type == "text":
            return f"CASE WHEN {q} IN {_lit(_MISSING_EXACT)} THEN NULL ELSE {q} END" if self.has_tokens else q
        if self.type == "boolean":
            low = f"lower(trim({q}))"
            return f"CASE WHEN {low} IN {_lit(TRUE_WORDS)} THEN TRUE WHEN {low} IN {_lit(FALSE_WORDS)} THEN FALSE END"
        if self.kind == "plain" and self.type == "number":
            if self.sql_type == "BIGINT":
                return f"TRY_CAST({q} AS BIGINT)"
            return f"nullif(TRY_CAST({q} AS DOUBLE), 'NaN'::DOUBLE)"
        if self.kind == "plain":
            if self.sql_type == "DATE":
                return f"CAST(TRY_CAST({q} AS TIMESTAMP) AS DATE)"
            return f"TRY_CAST({q} AS TIMESTAMP)"
        t = f"trim({q}, {_WS})"
        if self.kind == "formatted":
            pattern = EU_NUMBER if self.european else US_NUMBER
            number = _eu_number(t) if self.european else _us_number(t)
            if self.sql_type == "BIGINT":
                number = f"CAST({number} AS BIGINT)"
            return f"CASE WHEN regexp_full_match({t}, '{pattern}') THEN {number} END"
        stamp = (
            f"CASE WHEN regexp_full_match({t}, '{DMY}') THEN {_dmy_timestamp(t, self.day_first)} "
            f"ELSE TRY_CAST({t} AS TIMESTAMP) END"
        )
        return f"CAST({stamp} AS DATE)" if self.sql_type == "DATE" else stamp


@dataclass
class Coerced:
    """What coercion did: columns and the sentences to show."""

    columns: list[ColumnInfo]
    notes: list[str]
    missing_tokens: dict[str, list[str]]
    rows: int


def _tokens(raw: list[str | None] | None) -> list[str]:
    """Distinct missing cells as shown to people: blank ones as ``(blank)``."""
    found = {BLANK if value is None or not value.strip() else value.strip() for value in raw or []}
    return sorted(found, key=lambda s: (s != BLANK, s.lower()))


def _example(value: Any, line: Any) -> str:
    shown = str(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"'{shown}' on line {line}" if line is not None else f"'{shown}'"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def coerce_table(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    columns: list[str],
    native_types: dict[str, str] | None = None,
    native_tokens: dict[str, list[str]] | None = None,
    sampled: dict[str, Plan] | None = None,
) -> Coerced:
    """Type every column of ``table`` from all its values, in place.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    table
        Staging table with ``_row`` and one column per name in ``columns`` (text, or native
        types for Parquet). Its columns are converted in one transaction.
    columns
        Column names, in file order.
    native_types
        DuckDB types of columns that are already typed (Parquet, or converted while a text
        file was read); others are text.
    native_tokens
        Missing spellings already found in typed columns (those converted while read).
    sampled
        Plans already made from the first :data:`SAMPLE_ROWS` rows of this same table (see
        :func:`plan_on_read`); text columns found here are not analysed again.

    Returns
    -------
    Coerced
        Column information (type, missing count, note) plus notes and missing tokens found.
    """
    native_types = native_types or {}
    plans = {name: Plan(name) for name in columns}
    text_cols = [c for c in columns if native_types.get(c, "VARCHAR") == "VARCHAR"]
    for name in columns:
        if name not in text_cols:
            _plan_native(plans[name], native_types[name])
            plans[name].missing_tokens = list((native_tokens or {}).get(name, []))
    rows = db.fetch_scalar(con, "SELECT count(*) FROM " + db.quote_ident(table))
    sampled = sampled or {}
    for name in text_cols:
        if name in sampled:
            plans[name] = sampled[name]
    fresh = [plans[c] for c in text_cols if c not in sampled]
    if fresh:
        _analyse(con, table, fresh, limit=SAMPLE_ROWS)
    again = _verify(con, table, list(plans.values()))
    if again:
        fresh = [Plan(c) for c in again]
        _analyse(con, table, fresh, limit=None)
        plans.update({p.name: p for p in fresh})
        for name in _verify(con, table, fresh):
            if plans[name].type != "text":
                _give_up(plans[name])
    _apply(con, table, [plans[c] for c in columns], native_types)
    infos = [ColumnInfo(name=p.name, type=p.type, missing=rows - p.present, note=p.note) for p in plans.values()]
    notes = [n for p in plans.values() for n in p.notes]
    tokens = {p.name: p.missing_tokens for p in plans.values() if p.missing_tokens}
    return Coerced(infos, notes, tokens, rows)


def _apply(con: duckdb.DuckDBPyConnection, table: str, plans: list[Plan], native_types: dict[str, str]) -> None:
    """Convert the columns one by one (each in its own transaction, so memory is freed as it goes).

    After each conversion the typed values are counted; a column that would lose a value is
    rolled back and stays text (a guard: the checks before make this rare).
    """
    name = db.quote_ident(table)
    for plan in plans:
        if plan.type == "text" and plan.kind != "native":
            if plan.has_tokens:
                con.execute("UPDATE " + name + " SET " + plan.q + " = NULL WHERE " + plan.q + " IN " + _lit(_MISSING_EXACT))
            continue
        if plan.kind == "native" and native_types.get(plan.name, "").upper() == plan.sql_type:
            continue
        if plan.deferred:
            _apply_deferred(con, table, plan)
            if plan.type != "text" and not plan.deferred:  # re-analysed: convert as planned now
                _apply(con, table, [plan], native_types)
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "ALTER TABLE " + name + " ALTER COLUMN " + plan.q + " SET DATA TYPE " + plan.sql_type
                + " USING " + plan.parsed()
            )
            if _check(con, table, [plan]) and plan.kind != "native":
                con.execute("ROLLBACK")
                plan.notes = [n for n in plan.notes if "'" + plan.name + "'" not in n]
                plan.note = f"kept as text: some values could not be read as {plan.type}s"
                plan.type, plan.sql_type, plan.kind = "text", "VARCHAR", ""
                plan.present = plan.nonnull - plan.exact
                if plan.has_tokens:
                    con.execute(
                        "UPDATE " + name + " SET " + plan.q + " = NULL WHERE " + plan.q + " IN " + _lit(_MISSING_EXACT)
                    )
                continue
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def _apply_deferred(con: duckdb.DuckDBPyConnection, table: str, plan: Plan) -> None:
    """Convert a plain number or date column, checking every value as it is converted.

    Numbers become DOUBLE and dates TIMESTAMP first; counting the converted values then tells
    whether every non-missing cell was read, whether all numbers are whole (then BIGINT) and
    whether any time is not midnight (else DATE). A cell that cannot be read rolls the change
    back: the column is analysed again over all its rows.
    """
    name = db.quote_ident(table)
    number = plan.type == "number"
    wide = "DOUBLE" if number else "TIMESTAMP"
    expr = f"nullif(TRY_CAST({plan.q} AS DOUBLE), 'NaN'::DOUBLE)" if number else f"TRY_CAST({plan.q} AS TIMESTAMP)"
    checked = False
    while True:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("ALTER TABLE " + name + " ALTER COLUMN " + plan.q + " SET DATA TYPE " + wide + " USING " + expr)
            if number:
                detail = f"count(*) FILTER (WHERE {plan.q} = trunc({plan.q}) AND abs({plan.q}) < 9007199254740992)"
            else:
                detail = f"count(*) FILTER (WHERE CAST({plan.q} AS TIME) <> TIME '00:00:00')"
            read, extra = db.fetch_all(con, "SELECT count(" + plan.q + "), " + detail + " FROM " + name)[0]
            if read + plan.exact < plan.nonnull and not checked:
                con.execute("ROLLBACK")
                checked = True
                plan.sql_type = wide
                if _odd_values(con, table, [plan]):
                    fresh = Plan(plan.name)
                    _analyse(con, table, [fresh], limit=None)
                    fresh.deferred = False
                    _verify(con, table, [fresh])
                    if fresh.deferred:  # still plain: its odd cells cannot be read after all
                        fresh.deferred = False
                        fresh.unread = plan.unread
                        _give_up(fresh)
                    plan.__dict__.update(fresh.__dict__)
                    plan.deferred = False
                    if plan.type == "text" and plan.has_tokens:
                        con.execute(
                            "UPDATE " + name + " SET " + plan.q + " = NULL WHERE " + plan.q + " IN " + _lit(_MISSING_EXACT)
                        )
                    return
                odd = db.fetch_all(
                    con,
                    "SELECT list(DISTINCT " + plan.q + ") FROM " + name + " WHERE " + plan.q + " IS NOT NULL AND ("
                    + expr + ") IS NULL",
                )[0][0]
                plan.missing_tokens = _tokens([*plan.missing_tokens, *(odd or [])])
                continue
            plan.present = read
            if number and extra == read:
                plan.sql_type = "BIGINT"
                con.execute("ALTER TABLE " + name + " ALTER COLUMN " + plan.q + " SET DATA TYPE BIGINT")
            elif not number and not extra:
                plan.sql_type = "DATE"
                con.execute("ALTER TABLE " + name + " ALTER COLUMN " + plan.q + " SET DATA TYPE DATE")
            else:
                plan.sql_type = wide
            con.execute("COMMIT")
            return
        except Exception:
            con.execute("ROLLBACK")
            raise


def _plan_native(plan: Plan, sql_type: str) -> None:
    q = plan.q
    upper = sql_type.upper()
    plan.kind = "native"
    if upper in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        plan.type, plan.sql_type, plan.native_expr = "number", "BIGINT", f"CAST({q} AS BIGINT)"
    elif upper.startswith(("DECIMAL", "FLOAT", "DOUBLE", "REAL", "UBIGINT", "HUGEINT", "UHUGEINT")):
        plan.type, plan.sql_type, plan.native_expr = "number", "DOUBLE", f"nullif(CAST({q} AS DOUBLE), 'NaN'::DOUBLE)"
    elif upper == "DATE":
        plan.type, plan.sql_type, plan.native_expr = "date", "DATE", q
    elif upper.startswith("TIMESTAMP"):
        plan.type, plan.sql_type, plan.native_expr = "date", "TIMESTAMP", f"CAST({q} AS TIMESTAMP)"
    elif upper == "BOOLEAN":
        plan.type, plan.sql_type, plan.native_expr = "boolean", "BOOLEAN", q
    else:
        plan.type, plan.sql_type, plan.native_expr = "text", "VARCHAR", f"CAST({q} AS VARCHAR)"


def _verify_chunk(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """Check every plan against all rows in one query; return the columns to analyse again.

    Sets each plan's count of present values and its missing tokens.
    """
    width = 6
    parts: list[str] = []
    for plan in plans:
        q = plan.q
        if plan.kind == "native":
            parts += [f"count({q})", "0", f"count({plan.parsed()})", "0", "0", "0"]
            continue
        parts += [f"count({q})", f"count(CASE WHEN strlen({q}) > {_TOKEN_MAX} THEN NULL WHEN {q} IN {_lit(_MISSING_EXACT)} THEN 1 END)"]
        if plan.type == "text":
            parts += ["0", "0", "0", "0"]
        elif plan.kind == "plain" and plan.type in ("number", "date") and not plan.long_ints:
            # Read and checked while converting (see _apply_deferred): no need to cast twice.
            plan.deferred = True
            zeros = f"count(*) FILTER (WHERE {q} >= '00' AND {q} < '0:')" if plan.type == "number" else "0"
            parts += ["0", "0", zeros, "0"]
        elif plan.type == "number" and plan.kind == "plain":
            dbl = f"TRY_CAST({q} AS DOUBLE)"
            parts.append(f"count(nullif({dbl}, 'NaN'::DOUBLE))")
            parts.append(
                f"count(*) FILTER (WHERE {dbl} = trunc({dbl}) AND TRY_CAST({q} AS BIGINT) IS NOT NULL)"
                if plan.sql_type == "BIGINT"
                else "0"
            )
            parts.append(f"count(*) FILTER (WHERE {q} >= '00' AND {q} < '0:')")
            parts.append("0")
        elif plan.type == "date":
            stamp = Plan(plan.name, type="date", sql_type="TIMESTAMP", kind=plan.kind, day_first=plan.day_first).parsed()
            parts += [f"count({stamp})", f"count(*) FILTER (WHERE CAST({stamp} AS TIME) <> TIME '00:00:00')"]
            if plan.kind == "dmy":
                t = f"trim({q})"
                parts.append(f"max(TRY_CAST(regexp_extract({t}, '^{DMY}$', 1) AS INTEGER))")
                parts.append(f"max(TRY_CAST(regexp_extract({t}, '^{DMY}$', 2) AS INTEGER))")
            else:
                parts += ["0", "0"]
        else:
            parts += [f"count({plan.parsed()})", "0", "0", "0"]
    parts.append("count(*)")
    values = db.fetch_all(con, "SELECT " + ", ".join(parts) + " FROM " + db.quote_ident(source))[0]
    again: list[str] = []
    odd: list[Plan] = []
    for i, plan in enumerate(plans):
        nonnull, exact, ok, a, b, c = values[i * width : (i + 1) * width]
        plan.has_tokens = bool(exact)
        plan.nonnull, plan.exact = nonnull, exact
        if plan.kind == "native":
            plan.present = ok
            continue
        if plan.type == "text":
            plan.present = nonnull - exact
            if plan.note.startswith("mostly") or plan.present and plan.note.startswith("no values"):
                again.append(plan.name)
            continue
        if plan.deferred:
            plan.present = nonnull - exact
            if b:
                again.append(plan.name)
            continue
        plan.present = ok
        if plan.type == "number" and plan.kind == "plain":
            if plan.sql_type == "BIGINT" and a < ok:
                plan.sql_type = "DOUBLE"
            if b:
                again.append(plan.name)
                continue
        if ok + exact < nonnull:
            odd.append(plan)
            continue
        if plan.type == "date":
            if a and plan.sql_type == "DATE":
                plan.sql_type = "TIMESTAMP"
            if plan.kind == "dmy" and not plan.proven and ((b or 0) > 12 or (c or 0) > 12):
                again.append(plan.name)
    if odd:
        again += _odd_values(con, source, odd)
    _collect_tokens(con, source, [p for p in plans if p.name not in again], rows=values[-1])
    return again


def _text_sentence(name: str, note: str) -> str:
    """``"mostly numbers; 3 values are not (e.g. ...), so ..."`` as a sentence about column ``name``."""
    kind, rest = note.split("; ", 1)
    rest = rest.split(", so the column stays text")[0]
    return f"Column '{name}' is {kind} but {rest}, so it stays text."


#: Columns per aggregate query: DuckDB plans thousands of aggregates in one query slowly.
_CHUNK = 24


def _chunks(plans: list[Plan]) -> list[list[Plan]]:
    return [plans[i : i + _CHUNK] for i in range(0, len(plans), _CHUNK)]


def _verify(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """Check every plan against all rows; return the columns to analyse again."""
    again: list[str] = []
    if len(plans) > WIDE_COLUMNS:
        simple = [p for p in plans if p.kind == "native" or p.type == "text"]
        again += _verify_long(con, source, simple)
        plans = [p for p in plans if not (p.kind == "native" or p.type == "text")]
    return again + [name for chunk in _chunks(plans) for name in _verify_chunk(con, source, chunk)]


def _verify_long(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """:func:`_verify_chunk` and :func:`_collect_tokens` for text and native columns of a wide table.

    One long-form query (:func:`segdash.db.long_form`) counts every column's values and missing
    spellings, instead of one aggregate per column.
    """
    if not plans:
        return []
    rows = db.fetch_scalar(con, "SELECT count(*) FROM " + db.quote_ident(source))
    token = f"(strlen(v) <= {_TOKEN_MAX} AND v IN {_lit(_MISSING_EXACT)})"
    counts = db.per_column(
        con,
        db.long_form(db.quote_ident(source), [f"CAST({p.q} AS VARCHAR)" for p in plans]),
        ["count(v)", f"count(*) FILTER (WHERE {token})", f"list(DISTINCT v) FILTER (WHERE {token})"],
        len(plans),
    )
    again: list[str] = []
    for plan, (nonnull, exact, spelled) in zip(plans, counts, strict=True):
        if plan.kind == "native":
            plan.has_tokens, plan.nonnull, plan.exact, plan.present = False, nonnull, 0, nonnull
            continue
        plan.has_tokens, plan.nonnull, plan.exact = bool(exact), nonnull, exact
        plan.present = nonnull - exact
        if plan.note.startswith("mostly") or plan.present and plan.note.startswith("no values"):
            again.append(plan.name)
            continue
        blanks: list[str | None] = [None] if rows > nonnull else []
        plan.missing_tokens = _tokens([*(spelled or []), *blanks])
    return again


def _give_up(plan: Plan) -> None:
    """Keep a column as text when its values look typed but some cannot be read."""
    what = {"number": "numbers", "date": "dates", "boolean": "yes/no values"}.get(plan.type, "values")
    count, value, line = plan.unread or (0, None, None)
    example = f" (e.g. {_example(value, line)})" if value is not None else ""
    plan.notes = [n for n in plan.notes if f"'{plan.name}'" not in n]
    plan.note = f"mostly {what}; {_plural(count, 'value')} cannot be read as such{example}, so the column stays text"
    plan.notes.append(_text_sentence(plan.name, plan.note))
    plan.type, plan.sql_type, plan.kind = "text", "VARCHAR", ""
    plan.present = plan.nonnull - plan.exact


def _odd_values(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """For typed columns with unread cells: are they all missing spellings? Returns the columns where not."""
    parts = []
    for plan in plans:
        unread = f"({plan.q} IS NOT NULL AND ({plan.parsed()}) IS NULL AND NOT {_is_token(plan.q)})"
        parts += [f"count(*) FILTER (WHERE {unread})", f"arg_min({plan.q}, {db.quote_ident(db.ROW)}) FILTER (WHERE {unread})",
                  f"min({db.quote_ident(db.ROW)}) FILTER (WHERE {unread})"]
    values = db.fetch_all(con, "SELECT " + ", ".join(parts) + " FROM " + db.quote_ident(source))[0]
    bad = []
    for i, plan in enumerate(plans):
        count, value, line = values[3 * i : 3 * i + 3]
        if count:
            plan.unread = (count, value, line)
            bad.append(plan.name)
        else:
            plan.has_tokens = True
    return bad


def _collect_tokens(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan], *, rows: int) -> None:
    """Record, per column, the spellings of the missing cells actually found."""
    parts, asked = [], []
    for plan in plans:
        if plan.kind == "native":
            continue
        if (plan.type == "text" or plan.deferred) and plan.has_tokens:
            missing = f"{plan.q} IN {_lit(_MISSING_EXACT)}"
        elif plan.type != "text" and not plan.deferred and plan.present < plan.nonnull:
            missing = f"({plan.parsed()}) IS NULL"
        else:
            continue
        parts.append(f"list(DISTINCT {plan.q}) FILTER (WHERE {plan.q} IS NOT NULL AND {missing})")
        asked.append(plan.name)
    found: dict[str, list[str | None]] = {}
    if parts:
        values = db.fetch_all(con, "SELECT " + ", ".join(parts) + " FROM " + db.quote_ident(source))[0]
        found = {name: list(value or []) for name, value in zip(asked, values, strict=True)}
    for plan in plans:
        if plan.kind != "native":
            blanks: list[str | None] = [None] if rows > plan.nonnull else []
            plan.missing_tokens = _tokens([*found.get(plan.name, []), *blanks])


#: Above this many columns, per-column facts come from one query over the table in long form
#: (one row per cell: column number, value) instead of one aggregate per column: DuckDB plans each
#: aggregate of a query separately, so 5,000 columns x 9 aggregates took minutes for 20 rows.
WIDE_COLUMNS = 48


def _analyse(con: duckdb.DuckDBPyConnection, table: str, plans: list[Plan], *, limit: int | None) -> None:
    """Decide each column's type from its values in ``table`` (the first ``limit`` rows, or all)."""
    if len(plans) > WIDE_COLUMNS:
        # Missing spellings are cleared after the unpivot: one expression, not one per column.
        raw = db.long_form(db.quote_ident(table), [p.q for p in plans], limit=limit)
        long_sql = "SELECT i, " + _value("v") + " AS v FROM (" + raw + ")"
        values = db.per_column(con, long_sql, _stage_one_parts("v"), len(plans))
        later = set(_stage_one_read(plans, [v for row in values for v in row]))
        for chunk in _chunks([p for p in plans if p.name in later]):
            _in_clean_copy(con, table, chunk, limit, lambda clean, chunk=chunk: _stage_two_chunk(con, clean, chunk))
        return
    for chunk in _chunks(plans):

        def both(clean: str, chunk: list[Plan] = chunk) -> None:
            later = _stage_one_chunk(con, clean, chunk)
            if later:
                _stage_two_chunk(con, clean, [p for p in chunk if p.name in later])

        _in_clean_copy(con, table, chunk, limit, both)


def _in_clean_copy(
    con: duckdb.DuckDBPyConnection, table: str, plans: list[Plan], limit: int | None, run: Any
) -> None:
    """``run(clean)`` on a temporary copy of the ``plans`` columns with missing spellings as NULL."""
    clean = "_segdash_clean_" + uuid.uuid4().hex[:12]
    select = ", ".join([db.quote_ident(db.ROW)] + [f"{_value(p.q)} AS {p.q}" for p in plans])
    sql = "CREATE TEMP TABLE " + db.quote_ident(clean) + " AS SELECT " + select + " FROM " + db.quote_ident(table)
    if limit:
        sql += " LIMIT " + str(int(limit))
    con.execute(sql)
    try:
        run(clean)
    finally:
        con.execute("DROP TABLE IF EXISTS " + db.quote_ident(clean))


def _stage_one_parts(v: str) -> list[str]:
    """Stage one's aggregates over the cleaned text cell ``v``."""
    dbl = f"TRY_CAST({v} AS DOUBLE)"
    digit = f"(left(trim({v}), 1) BETWEEN '0' AND '9')"
    ts = f"(CASE WHEN {digit} AND {dbl} IS NULL THEN TRY_CAST({v} AS TIMESTAMP) END)"
    return [
        f"count({v})",
        f"count({dbl})",
        f"count(*) FILTER (WHERE {dbl} = trunc({dbl}) AND TRY_CAST({v} AS BIGINT) IS NOT NULL)",
        f"count(*) FILTER (WHERE trim({v}) >= '00' AND trim({v}) < '0:')",
        f"count(*) FILTER (WHERE lower(trim({v})) IN {_lit(TRUE_WORDS + FALSE_WORDS)})",
        f"count({ts})",
        f"count(*) FILTER (WHERE CAST({ts} AS TIME) <> TIME '00:00:00')",
        f"count(*) FILTER (WHERE left(trim({v}), 1) IN {_lit(_FIRST_CHARS)})",
        f"max(strlen(trim({v})))",
    ]


def _stage_one_chunk(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """Booleans, plain numbers, ISO dates; returns the columns that need the pattern pass."""
    outer = [part for plan in plans for part in _stage_one_parts(plan.q)]
    values = db.fetch_all(con, "SELECT " + ", ".join(outer) + " FROM " + db.quote_ident(source))[0]
    return _stage_one_read(plans, list(values))


def _stage_one_read(plans: list[Plan], values: list[Any]) -> list[str]:
    """Set each plan from stage one's counts (9 per column, in order); the columns for the pattern pass."""
    width = 9
    later: list[str] = []
    for i, plan in enumerate(plans):
        n, dbl, integral, zeros, boolean, ts, timed, numeric_start, longest = values[i * width : (i + 1) * width]
        plan.long_ints = bool(longest and longest >= 16)
        plan.present = n
        if n == 0:
            plan.note = "no values: every cell is empty or missing"
        elif boolean == n:
            plan.type, plan.sql_type, plan.kind = "boolean", "BOOLEAN", "plain"
        elif dbl == n and zeros:
            plan.note = "kept as text: values have leading zeros (like '0042'), so they are codes, not amounts"
        elif dbl == n:
            plan.type, plan.kind = "number", "plain"
            plan.sql_type = "BIGINT" if integral == n else "DOUBLE"
        elif ts == n:
            plan.type, plan.kind = "date", "plain"
            plan.sql_type = "TIMESTAMP" if timed else "DATE"
        elif numeric_start * 2 >= n:
            later.append(plan.name)
    return later


def _stage_two_chunk(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> None:
    """Formatted numbers and day/month/year dates, for the columns stage one could not type."""
    inner, outer = ["_row"], []
    for i, plan in enumerate(plans):
        inner.append(f"trim({plan.q}, {_WS}) AS v{i}")
        v = f"v{i}"
        us = f"regexp_full_match({v}, '{US_NUMBER}')"
        eu = f"regexp_full_match({v}, '{EU_NUMBER}')"
        dmy = f"regexp_full_match({v}, '{DMY}')"
        iso = f"(NOT {dmy} AND TRY_CAST({v} AS TIMESTAMP) IS NOT NULL)"
        xus, xeu = _us_number(v), _eu_number(v)
        outer.append(
            ", ".join(
                [
                    f"count(*) FILTER (WHERE {us})",
                    f"count(*) FILTER (WHERE {eu})",
                    f"count(*) FILTER (WHERE {us} AND {xus} = trunc({xus}) AND abs({xus}) < 9e15)",
                    f"count(*) FILTER (WHERE {eu} AND {xeu} = trunc({xeu}) AND abs({xeu}) < 9e15)",
                    f"count(*) FILTER (WHERE contains({v}, '%'))",
                    f"count(*) FILTER (WHERE contains({v}, '.') OR contains({v}, ','))",
                    f"arg_min({v}, _row) FILTER (WHERE NOT ({us} OR {eu}))",
                    f"min(_row) FILTER (WHERE NOT ({us} OR {eu}))",
                    f"count(*) FILTER (WHERE {dmy})",
                    f"count(*) FILTER (WHERE {iso})",
                    f"max(TRY_CAST(regexp_extract({v}, '^{DMY}$', 1) AS INTEGER))",
                    f"max(TRY_CAST(regexp_extract({v}, '^{DMY}$', 2) AS INTEGER))",
                    f"count(*) FILTER (WHERE {dmy} AND regexp_extract({v}, '^{DMY}$', 4) <> '')",
                    f"count(*) FILTER (WHERE {dmy} AND contains({v}, '/'))",
                    f"arg_min({v}, _row) FILTER (WHERE NOT ({dmy} OR {iso}))",
                    f"min(_row) FILTER (WHERE NOT ({dmy} OR {iso}))",
                    f"count(*) FILTER (WHERE {iso} AND CAST(TRY_CAST({v} AS TIMESTAMP) AS TIME) <> TIME '00:00:00')",
                ]
            )
        )
    sql = (
        "SELECT " + ", ".join(outer) + " FROM (SELECT " + ", ".join(inner) + " FROM " + db.quote_ident(source) + ")"
    )
    values = db.fetch_all(con, sql)[0]
    width = 17
    for i, plan in enumerate(plans):
        (us, eu, us_int, eu_int, pct, seps, bad_num, bad_num_line, dmy, iso, first_max, second_max,
         timed, slashes, bad_date, bad_date_line, iso_timed) = values[i * width : (i + 1) * width]
        n = plan.present
        label = f"'{plan.name}'"
        if us == n or eu == n:
            european = us < n
            plan.type, plan.kind, plan.european = "number", "formatted", european
            integral = (eu_int if european else us_int) == n
            plan.sql_type = "BIGINT" if integral else "DOUBLE"
            if european:
                plan.note = "European number format: '.' groups thousands, ',' is the decimal mark (1.234,5)"
                plan.notes.append(f"Numbers in {label} were read in European format (1.234,5 = 1234.5).")
            elif eu == n and seps:
                plan.notes.append(
                    f"Numbers in {label} could be read two ways; '.' was taken as the decimal mark (1.234 = 1.234)."
                )
            if pct:
                plan.notes.append(f"Percent signs in {label} were dropped: '12%' is read as 12.")
                plan.note = (plan.note + "; " if plan.note else "") + "percent signs dropped (12% = 12)"
            if not plan.note:
                plan.note = "numbers written with currency signs, separators or spaces were read as numbers"
        elif dmy and dmy + iso == n:
            if first_max and first_max > 12 and second_max and second_max > 12:
                plan.note = "kept as text: dates are written in more than one order (day/month and month/day)"
                continue
            if first_max and first_max > 12:
                day_first, proven = True, True
            elif second_max and second_max > 12:
                day_first, proven = False, True
            else:
                day_first, proven = slashes * 2 < dmy, False
            sep = "/" if slashes * 2 >= dmy else "-"
            shape = sep.join(["dd", "mm", "yyyy"] if day_first else ["mm", "dd", "yyyy"])
            words = "day-month-year" if day_first else "month-day-year"
            plan.type, plan.kind, plan.proven, plan.day_first = "date", "dmy", proven, day_first
            plan.sql_type = "TIMESTAMP" if timed or iso_timed else "DATE"
            if proven:
                plan.notes.append(f"Dates in {label} were read as {words} ({shape}).")
                plan.note = f"read as {words} ({shape})"
            else:
                plan.notes.append(
                    f"Dates in {label} were read as {words} ({shape}); no value shows whether the day "
                    "or the month comes first, so this was assumed."
                )
                plan.note = f"assumed {words} ({shape}): no value shows which comes first"
        else:
            number_like, date_like = max(us, eu), dmy + iso
            if number_like >= date_like and number_like * 2 >= n:
                bad = n - number_like
                plan.note = (
                    f"mostly numbers; {_plural(bad, 'value')} {'is' if bad == 1 else 'are'} not "
                    f"(e.g. {_example(bad_num, bad_num_line)}), so the column stays text"
                )
            elif date_like * 2 >= n:
                bad = n - date_like
                plan.note = (
                    f"mostly dates; {_plural(bad, 'value')} {'is' if bad == 1 else 'are'} not "
                    f"(e.g. {_example(bad_date, bad_date_line)}), so the column stays text"
                )
            if plan.note:
                plan.notes.append(_text_sentence(plan.name, plan.note))


def _check(con: duckdb.DuckDBPyConnection, table: str, plans: list[Plan]) -> list[str]:
    """Columns whose typed values are fewer than the values present (a parse lost some)."""
    typed = [p for p in plans if p.type != "text"]
    if not typed:
        return []
    sql = "SELECT " + ", ".join(f"count({p.q})" for p in typed) + " FROM " + db.quote_ident(table)
    counts = db.fetch_all(con, sql)[0]
    return [p.name for p, count in zip(typed, counts, strict=True) if count != p.present]


# -- conversion while the file is read (delimited fast path) ----------------------------------------


def plan_on_read(
    con: duckdb.DuckDBPyConnection, *, sample: str, columns: list[str]
) -> tuple[dict[str, str], dict[str, Plan]]:
    """Columns worth converting while the file is read, from a sample of its first rows.

    Only plain numbers and ISO dates qualify (what DuckDB's casts read as written); the reader's
    statuses (:func:`read_expressions`) then check every value of the file, and any doubt sends
    the file back to the all-text path.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    sample
        Table with ``_row`` and the first rows of the file as text.
    columns
        Column names, in file order.

    Returns
    -------
    tuple[dict[str, str], dict[str, Plan]]
        ``{name: "number" | "date"}`` for the columns to convert on read, and every column's
        plan from the sample (the same first rows :func:`coerce_table` would look at, so it can
        reuse the plans of the columns left as text instead of analysing them again).
    """
    plans = [Plan(c) for c in columns]
    _analyse(con, sample, plans, limit=None)
    kinds = {
        p.name: p.type for p in plans
        if p.kind == "plain" and p.type in ("number", "date") and not p.long_ints
    }
    return kinds, {p.name: p for p in plans}


def read_expressions(name: str, kind: str, *, wide: bool = False) -> tuple[str, str]:
    """SQL for a column converted while read: its typed value and its status.

    The status is NULL for an empty cell, 0 for a value read, 1 for a value that cannot be
    read, 2 for a number written with leading zeros (a code), and ``10 + i`` for the missing
    spelling ``_MISSING_EXACT[i - 1]``. In a wide file (``wide``), the "status" is the cell's
    text as written: :func:`finish_read` then judges every cell in one long-form query, because
    thousands of status expressions in the read made DuckDB's planner the slowest part.

    Parameters
    ----------
    name
        Column name (quoted here).
    kind
        ``"number"`` or ``"date"``.
    wide
        The file has more than :data:`WIDE_COLUMNS` columns converted while read.

    Returns
    -------
    tuple[str, str]
        The typed expression (DOUBLE or TIMESTAMP) and the UTINYINT status expression.
    """
    q = db.quote_ident(name)
    number = kind == "number"
    typed = f"nullif(TRY_CAST({q} AS DOUBLE), 'NaN'::DOUBLE)" if number else f"TRY_CAST({q} AS TIMESTAMP)"
    if wide:
        return typed, q
    zeros = f"({q} >= '00' AND {q} < '0:')" if number else "FALSE"
    # Not ``IN (...)``: DuckDB turns a long IN list into a join, and rows would lose file order.
    spellings = "[" + _lit(_MISSING_EXACT)[1:-1] + "]"
    status = (
        f"CAST(CASE WHEN {q} IS NULL THEN NULL WHEN {typed} IS NOT NULL THEN (CASE WHEN {zeros} THEN 2 ELSE 0 END) "
        f"ELSE coalesce(10 + nullif(list_position({spellings}, {q}), 0), 1) END AS UTINYINT)"
    )
    return typed, status


def finish_read(
    con: duckdb.DuckDBPyConnection, *, table: str, kinds: dict[str, str], statuses: dict[str, str], rows: int
) -> dict[str, tuple[str, list[str]]] | None:
    """Check the columns converted while read, over every row, and narrow their types.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    table
        The staging table, holding each converted column and its status column.
    kinds
        ``{name: "number" | "date"}`` as given by :func:`plan_on_read`.
    statuses
        ``{name: status column}``.
    rows
        Rows in ``table``.

    Returns
    -------
    dict[str, tuple[str, list[str]]] | None
        ``{name: (DuckDB type, missing spellings found)}``; ``None`` when a value could not be
        read or a number has leading zeros (the file must then be read as text and typed the
        usual way, which explains such columns).
    """
    parts = []
    for name, kind in kinds.items():
        q, s = db.quote_ident(name), db.quote_ident(statuses[name])
        if kind == "number":
            detail = f"count(*) FILTER (WHERE {q} = trunc({q}) AND abs({q}) < 9007199254740992)"
        else:
            detail = f"count(*) FILTER (WHERE CAST({q} AS TIME) <> TIME '00:00:00')"
        # The spellings found, as a bit mask (bit c: status c): a DISTINCT aggregate per column
        # costs DuckDB a hash table each, and thousands of them made a wide file take minutes.
        spelled = f"bit_or(CAST(1 AS UBIGINT) << CAST({s} AS UBIGINT)) FILTER (WHERE {s} >= 10)"
        parts += [f"count({s})", f"count(*) FILTER (WHERE {s} IN (1, 2))", spelled, f"count({q})", detail]
    if len(kinds) > WIDE_COLUMNS:
        values = _finish_read_long(con, table, kinds, statuses)
    else:
        values = list(db.fetch_all(con, "SELECT " + ", ".join(parts) + " FROM " + db.quote_ident(table))[0])
    out: dict[str, tuple[str, list[str]]] = {}
    for i, (name, kind) in enumerate(kinds.items()):
        nonnull, doubtful, codes, read, detail = values[5 * i : 5 * i + 5]
        if doubtful:
            return None
        if kind == "number":
            sql_type = "BIGINT" if detail == read else "DOUBLE"
        else:
            sql_type = "TIMESTAMP" if detail else "DATE"
        found: list[str | None] = [
            _MISSING_EXACT[c - 11] for c in range(11, 11 + len(_MISSING_EXACT)) if (codes or 0) >> c & 1
        ]
        if rows > nonnull:
            found.append(None)
        out[name] = (sql_type, _tokens(found))
    if len(kinds) > WIDE_COLUMNS:
        _narrow_wide(con, table, {n: t for n, (t, _) in out.items()}, drop=list(statuses.values()))
        return out
    for name, (sql_type, _) in out.items():
        if sql_type in ("BIGINT", "DATE"):
            con.execute(
                "ALTER TABLE " + db.quote_ident(table) + " ALTER COLUMN " + db.quote_ident(name) + " SET DATA TYPE "
                + sql_type
            )
    return out


def _finish_read_long(
    con: duckdb.DuckDBPyConnection, table: str, kinds: dict[str, str], statuses: dict[str, str]
) -> list[Any]:
    """:func:`finish_read`'s five counts per column, from the cells' text (wide files, see
    :func:`read_expressions`), in one long-form query per kind."""
    spellings = "[" + _lit(_MISSING_EXACT)[1:-1] + "]"
    found: dict[str, tuple] = {}
    for kind in ("number", "date"):
        group = [n for n in kinds if kinds[n] == kind]
        if not group:
            continue
        if kind == "number":
            typed = "nullif(TRY_CAST(v AS DOUBLE), 'NaN'::DOUBLE)"
            odd = f"({typed} IS NOT NULL AND v >= '00' AND v < '0:')"
            detail = f"count(*) FILTER (WHERE {typed} = trunc({typed}) AND abs({typed}) < 9007199254740992)"
        else:
            typed = "TRY_CAST(v AS TIMESTAMP)"
            odd = "FALSE"
            detail = f"count(*) FILTER (WHERE CAST({typed} AS TIME) <> TIME '00:00:00')"
        position = f"list_position({spellings}, v)"
        counts = db.per_column(
            con,
            db.long_form(db.quote_ident(table), [db.quote_ident(statuses[n]) for n in group]),
            [
                "count(v)",
                f"count(*) FILTER (WHERE ({typed} IS NULL AND coalesce({position}, 0) = 0) OR {odd})",
                f"bit_or(CAST(1 AS UBIGINT) << CAST(10 + {position} AS UBIGINT)) FILTER (WHERE {typed} IS NULL "
                f"AND {position} > 0)",
                f"count({typed})",
                detail,
            ],
            len(group),
        )
        found.update(zip(group, counts, strict=True))
    return [value for name in kinds for value in found[name]]


def _narrow_wide(con: duckdb.DuckDBPyConnection, table: str, types: dict[str, str], *, drop: list[str]) -> None:
    """Narrow many columns' types and drop columns in one rewrite of ``table`` (rows keep their order).

    One ``ALTER TABLE`` per column costs a pass over the table's catalogue entry each: thousands of
    them on a wide table took longer than reading the file.
    """
    q = db.quote_ident
    columns = [c for (c,) in db.fetch_all(
        con, "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table])]
    dropped = set(drop)
    select = [
        f"CAST({q(c)} AS {types[c]}) AS {q(c)}" if types.get(c) in ("BIGINT", "DATE") else q(c)
        for c in columns if c not in dropped
    ]
    # An explicit list: ``* EXCLUDE (...) REPLACE (...)`` over thousands of columns binds slowly.
    with db.plain_plans(con):
        con.execute("CREATE OR REPLACE TABLE " + q(table) + " AS SELECT " + ", ".join(select) + " FROM " + q(table))
