"""Column types from the whole file, decided in DuckDB with a few aggregate queries.

Every text column is looked at in full (not a sample):

1. One aggregate query over all columns counts, per column, the values that are missing
   (blank, ``NA``, ``N/A``, ``null``, ``unknown``, ``nan``, ``#N/A``), booleans, plain
   numbers (DuckDB's own cast), integral numbers, ISO dates and date-times.
2. Columns that are neither, but whose values mostly start like a number, get a second
   query with patterns for formatted numbers (``$84,835.00``, ``1.234,5``, ``12%``,
   ``(1,234)``) and day/month/year dates (``dd-mm-yyyy``, ``mm/dd/yy``...).
3. The typed table is built in one ``CREATE TABLE AS``, and a last count checks that
   no value became missing on the way; a column that lost one goes back to text.

A column where some values do not parse stays text, and its note says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import duckdb

from segdash import db
from segdash.schema import ColumnInfo

#: Lower-case tokens read as missing (besides blank and whitespace-only cells).
MISSING_TOKENS = ("na", "n/a", "null", "unknown", "nan", "#n/a")
TRUE_WORDS = ("yes", "y", "true", "t")
FALSE_WORDS = ("no", "n", "false", "f")
#: How blank cells are shown in the list of missing tokens.
BLANK = "(blank)"

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

# SQL types for each segdash type.
SQL_TYPES = {"number": ("BIGINT", "DOUBLE"), "date": ("DATE", "TIMESTAMP"), "boolean": ("BOOLEAN",), "text": ("VARCHAR",)}


def _lit(values: tuple[str, ...]) -> str:
    """A SQL list of constant strings (our own constants, never user text)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _trimmed(q: str) -> str:
    return f"trim({q})"


def _value(q: str) -> str:
    """The value of raw column ``q`` with missing tokens as NULL.

    Written so DuckDB only trims and lower-cases short values (tokens are short): this
    expression runs on every cell of the file.
    """
    return (
        f"CASE WHEN strlen({q}) > 12 THEN {q} "
        f"WHEN lower(trim({q}, {_WS})) IN {_lit(('',) + MISSING_TOKENS)} THEN NULL ELSE {q} END"
    )


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
    """How one column becomes typed."""

    name: str
    type: str = "text"
    sql_type: str = "VARCHAR"
    expr: str = ""
    present: int = 0
    note: str = ""
    notes: list[str] = field(default_factory=list)
    missing_tokens: list[str] = field(default_factory=list)
    #: How the values are written: "plain", "formatted", "dmy" (numbers and dates).
    kind: str = ""
    #: For dates: the expression giving a TIMESTAMP.
    stamp: str = ""
    #: For day/month dates: whether a value proved the order.
    proven: bool = False


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


#: Rows looked at to propose a type; every proposal is then checked on all rows.
SAMPLE_ROWS = 20_000


def coerce_table(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    target: str,
    columns: list[str],
    native_types: dict[str, str] | None = None,
    order_by_row: bool = False,
) -> Coerced:
    """Type every column of ``source`` from all its values and write ``target``.

    The first rows propose a type per column; one aggregate query then checks the
    proposal against every value of the column. Columns where any value disagrees are
    analysed again in full (so a bad value at row 900,000 keeps the column as text, with
    a note, and no row is dropped).

    Parameters
    ----------
    con
        The workspace's DuckDB.
    source
        Table or view with ``_row`` and one column per name in ``columns``.
    target
        Table to create: ``_row BIGINT`` then the typed columns.
    columns
        Column names, in file order.
    native_types
        DuckDB types of columns that are already typed (Parquet); others are text.
    order_by_row
        Sort the target by ``_row`` (when ``source`` does not yield rows in file order).

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
            _plan_native(con, source, plans[name], native_types[name])
    rows = db.fetch_scalar(con, "SELECT count(*) FROM " + db.quote_ident(source))
    if text_cols:
        sample = "_segdash_sample_" + uuid.uuid4().hex[:12]
        cols = ", ".join(db.quote_ident(c) for c in [db.ROW, *text_cols])
        con.execute(
            "CREATE TEMP TABLE " + db.quote_ident(sample) + " AS SELECT " + cols + " FROM "
            + db.quote_ident(source) + " LIMIT " + str(int(SAMPLE_ROWS))
        )
        try:
            proposed = [plans[c] for c in text_cols]
            later = _stage_one(con, sample, proposed)
            if later:
                _stage_two(con, sample, [plans[c] for c in later])
        finally:
            con.execute("DROP TABLE IF EXISTS " + db.quote_ident(sample))
        again = _verify(con, source, [plans[c] for c in text_cols])
        if again:
            fresh = [Plan(c) for c in again]
            later = _stage_one(con, source, fresh)
            if later:
                _stage_two(con, source, [p for p in fresh if p.name in later])
            for plan in fresh:
                plan.missing_tokens = plans[plan.name].missing_tokens
                plans[plan.name] = plan
    for name in text_cols:
        plan = plans[name]
        if not plan.expr:
            plan.expr = _value(db.quote_ident(name))
    _build(con, source, target, [plans[c] for c in columns], order_by_row)
    lost = _check(con, target, [plans[c] for c in columns])
    if lost:
        for name in lost:
            plan = plans[name]
            plan.notes = [n for n in plan.notes if "'" + name + "'" not in n]
            plan.note = f"kept as text: some values could not be read as {plan.type}s"
            plan.type, plan.sql_type, plan.expr = "text", "VARCHAR", _value(db.quote_ident(name))
        _build(con, source, target, [plans[c] for c in columns], order_by_row)
    infos = [
        ColumnInfo(name=p.name, type=p.type, missing=rows - p.present, note=p.note) for p in plans.values()
    ]
    notes = [n for p in plans.values() for n in p.notes]
    tokens = {p.name: p.missing_tokens for p in plans.values() if p.missing_tokens}
    return Coerced(infos, notes, tokens, rows)


def _verify(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """Check every proposal on all rows; return the columns to analyse again in full.

    Also sets each plan's count of present values and the missing tokens found.
    """
    parts: list[str] = []
    for plan in plans:
        q = db.quote_ident(plan.name)
        v = _value(q)
        parts.append(f"count({v})")
        parts.append(f"list(DISTINCT {q}) FILTER (WHERE ({v}) IS NULL)")
        if plan.type == "text" or not plan.expr:
            parts += ["0", "0", "0", "0"]
        elif plan.sql_type == "BIGINT" and plan.kind == "plain":
            dbl = f"TRY_CAST({v} AS DOUBLE)"
            parts.append(
                f"count(*) FILTER (WHERE {dbl} = trunc({dbl}) AND TRY_CAST({v} AS BIGINT) IS NOT NULL "
                f"AND NOT (strlen({v}) > 1 AND {v}[1] = '0' AND {v}[2] BETWEEN '0' AND '9'))"
            )
            parts += [f"count({dbl})", "0", "0"]
        elif plan.type == "date":
            stamp = plan.stamp or f"TRY_CAST({v} AS TIMESTAMP)"
            parts.append(f"count({stamp})")
            parts.append(f"count(*) FILTER (WHERE CAST({stamp} AS TIME) <> TIME '00:00:00')")
            if plan.kind == "dmy":
                t = f"trim({v})"
                parts.append(f"max(TRY_CAST(regexp_extract({t}, '^{DMY}$', 1) AS INTEGER))")
                parts.append(f"max(TRY_CAST(regexp_extract({t}, '^{DMY}$', 2) AS INTEGER))")
            else:
                parts += ["0", "0"]
        else:
            parts += [f"count({plan.expr})", "0", "0", "0"]
    values = db.fetch_all(con, "SELECT " + ", ".join(parts) + " FROM " + db.quote_ident(source))[0]
    again: list[str] = []
    for i, plan in enumerate(plans):
        present, tokens, ok, extra, first_max, second_max = values[i * 6 : (i + 1) * 6]
        had_values = plan.present > 0
        plan.present = present
        plan.missing_tokens = _tokens(tokens)
        if plan.type == "text":
            if (present and not had_values) or plan.note.startswith("mostly"):
                again.append(plan.name)
            continue
        if plan.sql_type == "BIGINT" and plan.kind == "plain" and ok < present and extra == present:
            plan.sql_type, plan.expr = "DOUBLE", f"TRY_CAST({_value(db.quote_ident(plan.name))} AS DOUBLE)"
            continue
        if ok < present:
            again.append(plan.name)
            continue
        if plan.type == "date":
            if extra and plan.sql_type == "DATE":
                plan.sql_type, plan.expr = "TIMESTAMP", plan.stamp or f"TRY_CAST({_value(db.quote_ident(plan.name))} AS TIMESTAMP)"
            if plan.kind == "dmy" and not plan.proven and ((first_max or 0) > 12 or (second_max or 0) > 12):
                again.append(plan.name)
    return again


def _plan_native(con: duckdb.DuckDBPyConnection, source: str, plan: Plan, sql_type: str) -> None:
    q = db.quote_ident(plan.name)
    upper = sql_type.upper()
    if upper in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        plan.type, plan.sql_type, plan.expr = "number", "BIGINT", f"CAST({q} AS BIGINT)"
    elif upper.startswith(("DECIMAL", "FLOAT", "DOUBLE", "REAL", "UBIGINT", "HUGEINT", "UHUGEINT")):
        plan.type, plan.sql_type, plan.expr = "number", "DOUBLE", f"CAST({q} AS DOUBLE)"
    elif upper == "DATE":
        plan.type, plan.sql_type, plan.expr = "date", "DATE", q
    elif upper.startswith("TIMESTAMP"):
        plan.type, plan.sql_type, plan.expr = "date", "TIMESTAMP", f"CAST({q} AS TIMESTAMP)"
    elif upper == "BOOLEAN":
        plan.type, plan.sql_type, plan.expr = "boolean", "BOOLEAN", q
    else:
        plan.type, plan.sql_type, plan.expr = "text", "VARCHAR", f"CAST({q} AS VARCHAR)"
    plan.present = db.fetch_scalar(con, "SELECT count(" + q + ") FROM " + db.quote_ident(source))


def _stage_one(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> list[str]:
    """Cheap counts per column; returns the columns that need the pattern pass."""
    inner, outer = [], []
    for i, plan in enumerate(plans):
        q = db.quote_ident(plan.name)
        inner.append(f"{q} AS r{i}, {_value(q)} AS v{i}")
        v = f"v{i}"
        t = f"trim(r{i}, {_WS})"
        dbl = f"TRY_CAST({v} AS DOUBLE)"
        digit = f"(left(trim({v}), 1) BETWEEN '0' AND '9')"
        ts = f"(CASE WHEN {digit} AND {dbl} IS NULL THEN TRY_CAST({v} AS TIMESTAMP) END)"
        outer.append(
            ", ".join(
                [
                    f"count({v})",
                    f"list(DISTINCT r{i}) FILTER (WHERE {v} IS NULL)",
                    f"count({dbl})",
                    f"count(*) FILTER (WHERE {dbl} = trunc({dbl}) AND TRY_CAST({v} AS BIGINT) IS NOT NULL)",
                    f"count(*) FILTER (WHERE strlen({v}) > 1 AND {v}[1] = '0' AND {v}[2] BETWEEN '0' AND '9')",
                    f"count(*) FILTER (WHERE strlen({v}) <= 8 AND lower(trim({v})) IN {_lit(TRUE_WORDS + FALSE_WORDS)})",
                    f"count({ts})",
                    f"count(*) FILTER (WHERE CAST({ts} AS TIME) <> TIME '00:00:00')",
                    f"count(*) FILTER (WHERE left(trim({v}), 1) IN {_lit(_FIRST_CHARS)})",
                ]
            )
        )
    sql = (
        "SELECT " + ", ".join(outer) + " FROM (SELECT " + ", ".join(inner) + " FROM " + db.quote_ident(source) + ")"
    )
    values = db.fetch_all(con, sql)[0]
    width = 9
    later: list[str] = []
    for i, plan in enumerate(plans):
        n, tokens, dbl, integral, zeros, boolean, ts, timed, numeric_start = values[i * width : (i + 1) * width]
        plan.present = n
        plan.missing_tokens = _tokens(tokens)
        v = _value(db.quote_ident(plan.name))
        if n == 0:
            plan.note = "no values: every cell is empty or missing"
        elif boolean == n:
            plan.type, plan.sql_type, plan.kind = "boolean", "BOOLEAN", "plain"
            plan.expr = (
                f"CASE WHEN lower(trim({v})) IN {_lit(TRUE_WORDS)} THEN TRUE "
                f"WHEN lower(trim({v})) IN {_lit(FALSE_WORDS)} THEN FALSE END"
            )
        elif dbl == n and zeros:
            plan.note = "kept as text: values have leading zeros (like '0042'), so they are codes, not amounts"
        elif dbl == n:
            plan.type, plan.kind = "number", "plain"
            if integral == n:
                plan.sql_type, plan.expr = "BIGINT", f"TRY_CAST({v} AS BIGINT)"
            else:
                plan.sql_type, plan.expr = "DOUBLE", f"TRY_CAST({v} AS DOUBLE)"
        elif ts == n:
            plan.type, plan.kind = "date", "plain"
            plan.stamp = f"TRY_CAST({v} AS TIMESTAMP)"
            if timed:
                plan.sql_type, plan.expr = "TIMESTAMP", plan.stamp
            else:
                plan.sql_type, plan.expr = "DATE", f"CAST({plan.stamp} AS DATE)"
        elif numeric_start * 2 >= n:
            later.append(plan.name)
    return later


def _stage_two(con: duckdb.DuckDBPyConnection, source: str, plans: list[Plan]) -> None:
    """Formatted numbers and day/month/year dates, for the columns stage one could not type."""
    inner, outer = ["_row"], []
    for i, plan in enumerate(plans):
        q = db.quote_ident(plan.name)
        inner.append(f"trim({_value(q)}, {_WS}) AS v{i}")
        v = f"v{i}"
        us = f"regexp_full_match({v}, '{US_NUMBER}')"
        eu = f"regexp_full_match({v}, '{EU_NUMBER}')"
        dmy = f"regexp_full_match({v}, '{DMY}')"
        iso = f"(TRY_CAST({v} AS TIMESTAMP) IS NOT NULL)"
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
        v = f"trim({_value(db.quote_ident(plan.name))}, {_WS})"
        label = f"'{plan.name}'"
        if us == n or eu == n:
            european = us < n
            plan.type, plan.kind = "number", "formatted"
            integral = (eu_int if european else us_int) == n
            parsed = _eu_number(v) if european else _us_number(v)
            plan.sql_type = "BIGINT" if integral else "DOUBLE"
            plan.expr = f"CAST({parsed} AS BIGINT)" if integral else parsed
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
            plan.type, plan.kind, plan.proven = "date", "dmy", proven
            stamp = f"COALESCE(TRY_CAST({v} AS TIMESTAMP), {_dmy_timestamp(v, day_first)})"
            plan.stamp = stamp
            if timed or iso_timed:
                plan.sql_type, plan.expr = "TIMESTAMP", stamp
            else:
                plan.sql_type, plan.expr = "DATE", f"CAST({stamp} AS DATE)"
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
                plan.notes.append(f"Column {label} was kept as text: {plan.note.split('; ', 1)[1]}.")


def _build(con: duckdb.DuckDBPyConnection, source: str, target: str, plans: list[Plan], order: bool) -> None:
    select = [db.quote_ident(db.ROW) + "::BIGINT AS " + db.quote_ident(db.ROW)]
    for plan in plans:
        select.append(f"CAST({plan.expr} AS {plan.sql_type}) AS {db.quote_ident(plan.name)}")
    sql = "CREATE OR REPLACE TABLE " + db.quote_ident(target) + " AS SELECT " + ", ".join(select)
    sql += " FROM " + db.quote_ident(source)
    if order:
        sql += " ORDER BY " + db.quote_ident(db.ROW)
    con.execute(sql)


def _check(con: duckdb.DuckDBPyConnection, target: str, plans: list[Plan]) -> list[str]:
    """Columns whose typed values are fewer than the values present (a parse lost some)."""
    typed = [p for p in plans if p.type != "text"]
    if not typed:
        return []
    sql = "SELECT " + ", ".join(f"count({db.quote_ident(p.name)})" for p in typed) + " FROM " + db.quote_ident(target)
    counts = db.fetch_all(con, sql)[0]
    return [p.name for p, count in zip(typed, counts, strict=True) if count != p.present]
