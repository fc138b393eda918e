"""Delimited text (CSV, TSV, semicolon, pipe) into a raw all-text staging table.

The fast path lets DuckDB's reader do the work (explicit options, every column read as text,
``store_rejects`` to learn each malformed line with its number and reason); columns of plain
numbers or ISO dates are converted during the read, with every value checked (see
:func:`_duckdb_path`). It is used
when every record sits on one physical line, which a line count proves: then the
record's line is its position plus the lines set aside before it. Otherwise (quoted
line breaks, blank lines in the middle) Python's ``csv`` module reads the file and
records where each record starts.

Malformed lines:

* too few values: repaired, the missing values are left empty (missing);
* too many values, the extra ones empty (trailing delimiters): repaired, extras dropped;
* too many values otherwise, or a broken quote: rejected, with line number and reason.

Blank lines are skipped and are not rows.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field

import duckdb

from segdash import db
from segdash.errors import DataImportError
from segdash.ingest import coerce, sniff
from segdash.ingest.names import unique_names
from segdash.schema import RejectedRow

_BATCH = 100_000
#: Bytes per buffer of DuckDB's CSV reader. Its default (32 MB a thread) costs ~40 MB more peak
#: memory on a 230 MB file and no speed; it must stay above the 2 MB line limit.
_READ_BUFFER = 4 * 2**20
#: read_csv options shared by every read: explicit format, every column as text (``columns``).
_READ_OPTIONS = (
    "delim = ?, quote = '\"', escape = '\"', header = true, auto_detect = false, columns = ?, "
    "ignore_errors = true, buffer_size = " + str(_READ_BUFFER)
)
_PLAIN_ERRORS = {
    "UNQUOTED VALUE": "a quote is not closed properly",
    "INVALID ENCODING": "it holds characters that are not valid text",
    "LINE SIZE OVER MAXIMUM": "the line is too long to be a record (over 2 MB)",
    "INVALID STATE": "the line cannot be read as delimited text",
}


@dataclass
class RawTable:
    """A loaded file: ``relation`` has ``_row`` then one column per name.

    Columns are VARCHAR except those in ``native_types`` (Parquet, or converted while read;
    ``native_tokens`` then lists the missing spellings found in them). ``sampled`` holds plans
    already made from the first rows (:func:`segdash.ingest.coerce.plan_on_read`).
    """

    relation: str
    columns: list[str]
    originals: list[str | None]
    rows_in_file: int
    rejected: list[RejectedRow] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    native_types: dict[str, str] = field(default_factory=dict)
    native_tokens: dict[str, list[str]] = field(default_factory=dict)
    sampled: dict[str, coerce.Plan] = field(default_factory=dict)
    loaded: int = 0
    objects: list[tuple[str, str]] = field(default_factory=list)

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the staging objects (views first)."""
        for kind, name in self.objects:
            con.execute("DROP " + kind + " IF EXISTS " + db.quote_ident(name))


def _lines_list(lines: list[int], limit: int = 10) -> str:
    shown = ", ".join(f"{n:,}" for n in lines[:limit])
    return shown + (f" and {len(lines) - limit:,} more" if len(lines) > limit else "")


class _Fixer:
    """Decides what happens to a record whose value count differs from the header's."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.padded: list[int] = []
        self.trimmed: list[int] = []
        self.blank: list[int] = []
        self.rejected: list[RejectedRow] = []

    def fix(self, line: int, fields: list[str], raw: str) -> list[str | None] | None:
        """The repaired record, or ``None`` when the line is blank or rejected."""
        if not any(f.strip() for f in fields):
            self.blank.append(line)
            return None
        if len(fields) < self.width:
            self.padded.append(line)
            return [*fields, *([None] * (self.width - len(fields)))]
        if len(fields) > self.width:
            extra = fields[self.width:]
            if not any(f.strip() for f in extra):
                self.trimmed.append(line)
                return list(fields[: self.width])
            self.rejected.append(
                RejectedRow(line, f"has {len(fields)} values but the header has {self.width} columns", raw[:500])
            )
            return None
        return list(fields)

    def report(self) -> tuple[list[str], list[str]]:
        repairs, notes = [], []
        if self.padded:
            repairs.append(
                f"{len(self.padded):,} line(s) had fewer values than the header; the missing values were "
                f"left empty (line {_lines_list(self.padded)})."
            )
        if self.trimmed:
            repairs.append(
                f"{len(self.trimmed):,} line(s) ended with extra empty values (trailing delimiters); "
                f"they were dropped (line {_lines_list(self.trimmed)})."
            )
        if self.blank:
            notes.append(f"{len(self.blank):,} blank line(s) were skipped (line {_lines_list(self.blank)}).")
        return repairs, notes


def load_delimited(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> RawTable:
    """Load a delimited text file as a raw text table with ``_row`` line numbers.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    path
        The text file (any extension).

    Returns
    -------
    RawTable
        The staging relation and everything learnt on the way (encoding, delimiter,
        rejected lines, repairs, notes). ``rows_in_file`` counts data records, header
        and blank lines excluded.

    Raises
    ------
    DataImportError
        When the file is empty, holds only a header, or cannot be read as text.
    """
    name = sniff.describe(path)
    try:
        return _load(con, path, name, sniff.prepare_text(path, assume_utf8=True))
    except _NotUtf8:
        return _load(con, path, name, sniff.prepare_text(path))


class _NotUtf8(Exception):
    """DuckDB found bytes that are not UTF-8 in a file whose start looked like UTF-8."""


def _load(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], name: str, text: sniff.TextFile) -> RawTable:
    extra: sniff.TextFile | None = None
    try:
        head = sniff.read_head_text(text.path)
        if not head.strip():
            raise DataImportError(f"The file {name} is empty: there is nothing to import.")
        delimiter, header = sniff.sniff_delimiter(head)
        repairs: list[str] = []
        if len(header) == 1:
            hidden = sniff.quoted_lines_delimiter(head)
            if hidden:
                extra = _unwrap_lines(text.path, label=name)
                repairs.append(
                    f"Every line was wrapped in quotes as one value; the quotes were removed and the values "
                    f"split on the {sniff.DELIMITER_NAMES[hidden]} delimiter."
                )
                head = sniff.read_head_text(extra.path)
                delimiter, header = sniff.sniff_delimiter(head)
        source = extra or text
        names, renames = unique_names(header)
        raw = _duckdb_path(con, source, delimiter, names) or _python_path(con, source, delimiter, names, name)
        raw.originals = list(header)
        raw.repairs = [*repairs, *renames, *raw.repairs]
        raw.encoding = text.encoding
        raw.delimiter = delimiter
        if raw.rows_in_file == 0:
            raw.drop(con)
            raise DataImportError(
                f"The file {name} has column names but no rows of data: there is nothing to import."
            )
        enc = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with byte-order mark)"}.get(text.encoding, text.encoding.upper())
        shape = "one value per line" if len(names) == 1 else f"values separated by {sniff.DELIMITER_NAMES[delimiter]}"
        raw.notes.insert(0, f"Read as text in {enc}, {shape}.")
        if len(names) == 1:
            raw.notes.append(
                "The file has a single column: no comma, semicolon, tab or pipe separates values. "
                "If it should have several columns, save it again as CSV."
            )
        return raw
    finally:
        text.cleanup()
        if extra:
            extra.cleanup()


#: Largest value Python's csv reader accepts here (it must fit a C long on every platform).
_FIELD_SIZE_LIMIT = 2**31 - 1


def _unwrap_lines(path: str, *, label: str = "") -> sniff.TextFile:
    """Rewrite a file whose every line is one quoted value into plain lines.

    The temporary folder is removed again if anything fails mid-copy; a line the csv reader
    cannot take becomes a :class:`DataImportError` naming the line.
    """
    folder = tempfile.mkdtemp(prefix="segdash-")
    target = os.path.join(folder, "unwrapped.csv")
    lines = 0
    csv.field_size_limit(_FIELD_SIZE_LIMIT)  # a long value must not stop the copy (default 128 KB)
    try:
        with (open(path, encoding="utf-8-sig", newline="") as source,
              open(target, "w", encoding="utf-8", newline="") as out):
            reader = csv.reader(source)
            try:
                for record in reader:
                    out.write((record[0] if record else "") + "\n")
                    lines += 1
            except csv.Error as err:
                raise DataImportError(
                    f"The file {label or os.path.basename(path)} could not be read near line {reader.line_num:,}: "
                    f"{err}. Check the quotes on that line, or save the file again as CSV."
                ) from err
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return sniff.TextFile(target, "utf-8", lines, temporary=True)


def _new_name(kind: str) -> str:
    return f"_segdash_{kind}_{uuid.uuid4().hex[:12]}"


def _duckdb_path(
    con: duckdb.DuckDBPyConnection, text: sniff.TextFile, delimiter: str, names: list[str]
) -> RawTable | None:
    """DuckDB's reader; ``None`` when records and lines do not match one to one.

    Plain number and ISO date columns (judged on the first :data:`coerce.SAMPLE_ROWS` rows) are
    converted while the file is read, and each of their cells gets a status (read, missing
    spelling, unreadable, leading zeros) counted over the WHOLE file: their raw text is never
    stored and no column is converted afterwards. When a status casts doubt on a column, the
    file is read again with every column as text and typed the usual way, which explains it.
    """
    kinds, sampled = _plan_typed(con, text, delimiter, names)
    if kinds:
        statuses = {n: _new_name("status") for n in kinds}
        raw = _read(con, text, delimiter, names, kinds, statuses)
        if raw is None:
            return None
        try:
            checked = coerce.finish_read(con, table=raw.relation, kinds=kinds, statuses=statuses, rows=raw.loaded)
            if checked is not None and len(kinds) <= coerce.WIDE_COLUMNS:  # else finish_read dropped them
                for status in statuses.values():
                    con.execute("ALTER TABLE " + db.quote_ident(raw.relation) + " DROP COLUMN " + db.quote_ident(status))
        except duckdb.Error:
            raw.drop(con)
            raise
        if checked is not None:
            raw.native_types = {n: sql_type for n, (sql_type, _) in checked.items()}
            raw.native_tokens = {n: tokens for n, (_, tokens) in checked.items() if tokens}
            raw.sampled = {n: plan for n, plan in sampled.items() if n not in kinds}
            return raw
        raw.drop(con)
    return _read(con, text, delimiter, names, {}, {})


def _plan_typed(
    con: duckdb.DuckDBPyConnection, text: sniff.TextFile, delimiter: str, names: list[str]
) -> tuple[dict[str, str], dict[str, coerce.Plan]]:
    """Columns to convert while read, and every column's plan, from the file's first rows."""
    q = db.quote_ident
    if not db.fetch_scalar(con, "SELECT current_setting('preserve_insertion_order')"):
        return {}, {}
    sample = _new_name("sample")
    try:
        con.execute(
            "CREATE TEMP TABLE " + q(sample) + " AS SELECT row_number() OVER () + 1 AS " + q(db.ROW)
            + ", * FROM (SELECT * FROM read_csv(?, " + _READ_OPTIONS + ") LIMIT ?)",
            [text.path, delimiter, {n: "VARCHAR" for n in names}, coerce.SAMPLE_ROWS],
        )
        return coerce.plan_on_read(con, sample=sample, columns=names)
    except duckdb.Error:
        return {}, {}
    finally:
        con.execute("DROP TABLE IF EXISTS " + q(sample))


def _read(
    con: duckdb.DuckDBPyConnection,
    text: sniff.TextFile,
    delimiter: str,
    names: list[str],
    kinds: dict[str, str],
    statuses: dict[str, str],
) -> RawTable | None:
    """Read with DuckDB, converting the ``kinds`` columns (each followed by its status column)."""
    q = db.quote_ident
    table, rejects, scans = _new_name("stage"), _new_name("rejects"), _new_name("scans")
    raw = RawTable(relation=table, columns=names, originals=[], rows_in_file=0, objects=[("TABLE", table)])
    select: list[str] = []
    wide = len(kinds) > coerce.WIDE_COLUMNS
    for n in names:
        if n in kinds:
            typed, status = coerce.read_expressions(n, kinds[n], wide=wide)
            select += [typed + " AS " + q(n), status + " AS " + q(statuses[n])]
        else:
            select.append(q(n))
    sql = (
        "CREATE TABLE " + q(table) + " AS SELECT NULL::BIGINT AS " + q(db.ROW) + ", " + ", ".join(select)
        + " FROM read_csv(?, " + _READ_OPTIONS + ", store_rejects = true, rejects_table = ?, rejects_scan = ?)"
    )
    columns = {n: "VARCHAR" for n in names}
    try:
        with db.plain_plans(con, when=len(select) > coerce.WIDE_COLUMNS):
            con.execute(sql, [text.path, delimiter, columns, rejects, scans])
        errors = db.fetch_all(
            con,
            "SELECT line, arg_min(error_type, column_idx), arg_min(csv_line, column_idx), "
            "arg_min(error_message, column_idx) FROM " + q(rejects) + " GROUP BY line ORDER BY line",
        )
    except duckdb.Error:
        raw.drop(con)
        raise  # import_file turns the reader's own failure into one plain sentence
    finally:
        con.execute("DROP TABLE IF EXISTS " + q(rejects))
        con.execute("DROP TABLE IF EXISTS " + q(scans))
    if any(e[1] == "INVALID ENCODING" for e in errors) and text.encoding == "utf-8" and not text.temporary:
        raw.drop(con)
        raise _NotUtf8
    # Rows keep file order (preserve_insertion_order), so rowid is the record's position:
    # numbering after the parallel read is much faster than a row_number() window during it.
    if not db.fetch_scalar(con, "SELECT current_setting('preserve_insertion_order')"):
        raw.drop(con)
        return None
    con.execute("UPDATE " + q(table) + " SET " + q(db.ROW) + " = rowid + 2")
    loaded = db.fetch_scalar(con, "SELECT count(*) FROM " + q(table))
    if text.lines - 1 != loaded + len(errors) or any("\n" in (e[2] or "").strip("\r\n") for e in errors):
        raw.drop(con)
        return None
    fixer = _Fixer(len(names))
    fixes: list[tuple] = []
    excluded: list[int] = []
    for line, kind, csv_line, message in errors:
        excluded.append(int(line))
        raw_line = (csv_line or "").strip("\r\n")
        if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            fields = next(csv.reader(io.StringIO(raw_line), delimiter=delimiter), [])
            record = fixer.fix(int(line), fields, raw_line)
            if record is not None:
                fixes.append((int(line), *record))
        else:
            reason = _PLAIN_ERRORS.get(kind, (message or "it could not be read").rstrip("."))
            fixer.rejected.append(RejectedRow(int(line), reason, raw_line[:500]))
    if excluded:
        layout = [c for n in names for c in ([n, statuses[n]] if n in kinds else [n])]
        _renumber(con, raw, excluded, fixes, layout=layout, select=select)
    raw.loaded = loaded + len(fixes)
    raw.rows_in_file = loaded + len(fixes) + len(fixer.rejected)
    raw.rejected = fixer.rejected
    raw.repairs, raw.notes = fixer.report()
    return raw


def _renumber(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    excluded: list[int],
    fixes: list[tuple],
    *,
    layout: list[str],
    select: list[str],
) -> None:
    """Give loaded rows their true line numbers around the set-aside lines, and add repaired lines.

    Row ``k`` (1-based, in file order) of DuckDB's output sits on line ``k + 1`` plus the
    number of set-aside lines before it. ``layout`` names the staging table's columns after
    ``_row``; ``select`` makes them from the repaired lines' text, as the read did.

    The table is changed in place: only the ``_row`` of rows after the first set-aside line
    is rewritten, and repaired lines are appended (every reader orders by ``_row``). Copying
    and sorting the whole table here made one bad line in a big file cost several times the
    file's size in memory.
    """
    q = db.quote_ident
    shifts, fixed, table, row = _new_name("shifts"), _new_name("fixed"), q(raw.relation), q(db.ROW)
    con.execute("CREATE TEMP TABLE " + q(shifts) + " (k BIGINT, cum BIGINT)")
    try:
        steps: dict[int, int] = {}
        for j, line in enumerate(excluded, start=1):
            steps[line - j + 1] = j
        con.executemany("INSERT INTO " + q(shifts) + " VALUES (?, ?)", list(steps.items()))
        con.execute(
            "UPDATE " + table + " SET " + row + " = " + table + "." + row + " + moved.cum FROM (SELECT r." + row
            + " AS old, s.cum FROM " + table + " r ASOF JOIN " + q(shifts) + " s ON r." + row + " >= s.k) moved WHERE "
            + table + "." + row + " = moved.old"
        )
        if fixes:
            _create_text_table(con, fixed, raw.columns, temp=True)
            marks = ", ".join(["?"] * (len(raw.columns) + 1))
            con.executemany("INSERT INTO " + q(fixed) + " VALUES (" + marks + ")", fixes)
            con.execute(
                "INSERT INTO " + table + " (" + ", ".join([row, *(q(n) for n in layout)]) + ") SELECT " + row + ", "
                + ", ".join(select) + " FROM " + q(fixed)
            )
    finally:
        con.execute("DROP TABLE IF EXISTS " + q(shifts))
        con.execute("DROP TABLE IF EXISTS " + q(fixed))


def _create_text_table(con: duckdb.DuckDBPyConnection, table: str, names: list[str], *, temp: bool = False) -> None:
    cols = ", ".join([db.quote_ident(db.ROW) + " BIGINT"] + [db.quote_ident(n) + " VARCHAR" for n in names])
    con.execute("CREATE " + ("TEMP " if temp else "") + "TABLE " + db.quote_ident(table) + " (" + cols + ")")


def _python_path(
    con: duckdb.DuckDBPyConnection, text: sniff.TextFile, delimiter: str, names: list[str], label: str
) -> RawTable:
    """Python's csv reader, tracking the physical line where each record starts."""
    table = _new_name("stage")
    raw = RawTable(relation=table, columns=names, originals=[], rows_in_file=0, objects=[("TABLE", table)])
    _create_text_table(con, table, names)
    csv.field_size_limit(_FIELD_SIZE_LIMIT)
    fixer = _Fixer(len(names))
    width = len(names)
    batch: list[list] = [[] for _ in range(width + 1)]
    records = 0
    import pyarrow as pa  # only this fallback reader needs it; a DuckDB read does not load it

    schema = pa.schema([(f"c{i}", pa.int64() if i == 0 else pa.string()) for i in range(width + 1)])

    def flush() -> None:
        if not batch[0]:
            return
        arrow = pa.Table.from_arrays([pa.array(col, type=schema.field(i).type) for i, col in enumerate(batch)],
                                     schema=schema)
        view = _new_name("batch")
        con.register(view, arrow)
        try:
            con.execute("INSERT INTO " + db.quote_ident(table) + " SELECT * FROM " + db.quote_ident(view))
        finally:
            con.unregister(view)
        for col in batch:
            col.clear()

    try:
        with open(text.path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
            previous = 0
            seen_header = False
            for fields in reader:
                start, previous = previous + 1, reader.line_num
                if not seen_header:
                    if fields and any(f.strip() for f in fields):
                        seen_header = True
                    continue
                if len(fields) == width and (width > 1 or fields[0].strip()):
                    record: list[str | None] | None = list(fields)
                else:
                    record = fixer.fix(start, fields, delimiter.join(fields))
                if record is None:
                    continue
                records += 1
                batch[0].append(start)
                for i, value in enumerate(record, start=1):
                    batch[i].append(value)
                if len(batch[0]) >= _BATCH:
                    flush()
            flush()
    except UnicodeDecodeError as err:
        raw.drop(con)
        if text.encoding == "utf-8" and not text.temporary:
            raise _NotUtf8 from err
        raise DataImportError(f"The file {label} holds characters that are not valid text.") from err
    except csv.Error as err:
        raw.drop(con)
        raise DataImportError(
            f"The file {label} could not be read near line {previous + 1}: {err}."
        ) from err
    raw.rows_in_file = records + len(fixer.rejected)
    raw.rejected = fixer.rejected
    raw.repairs, raw.notes = fixer.report()
    return raw
