"""Command line: ``python -m segdash import|segment|score|projects|roi|playbook|report|compare|...`` over the same library as the app.

Errors a user can cause print one plain sentence on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

from segdash.errors import SegdashError

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default also exits 2, but prints usage)."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse plumbing
        self.exit(EXIT_USER_ERROR, f"segdash: {message}\n")


def _add_common(parser: argparse.ArgumentParser, *, source: bool = False) -> None:
    """Options every command takes: the file, its sheet, role corrections and JSON output.

    With ``source``: the file may be replaced by ``--source URL --table NAME`` (a table in Spark,
    PostgreSQL or a warehouse; ``SEGDASH_SOURCE`` is the default URL).
    """
    if source:
        parser.add_argument("path", nargs="?", help="CSV/TSV/TXT, Excel .xlsx or Parquet file (or --source)")
        _source_options(parser)
    else:
        parser.add_argument("path", help="CSV/TSV/TXT, Excel .xlsx or Parquet file")
    parser.add_argument("--sheet", help="Excel sheet to read (default: the first sheet that holds a table)")
    _role_option(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _source_options(parser: argparse.ArgumentParser, *, key_flag: str = "--key", labels: bool = True) -> None:
    """``--source``, ``--table``, ``--key``, ``--labels-table``: a table in an engine instead of a file.

    ``key_flag`` names the customer-id option where ``--key`` means something else (``survey-confirm``).
    """
    group = parser.add_argument_group("a table in an engine instead of a file (issue 15)")
    group.add_argument("--source", metavar="URL",
                       help="connection URL: pyspark://, postgres://user@host:5432/db, duckdb:///file.duckdb, ... "
                            "(default: SEGDASH_SOURCE); the password comes from SEGDASH_SOURCE_PASSWORD")
    group.add_argument("--table", help="the customers table in that engine")
    group.add_argument(key_flag, dest="table_key", help="its customer id column (default: found, e.g. customer_id)")
    if labels:
        group.add_argument("--labels-table", help="the labels table in the engine (<key>, segment); written by "
                                                  "'segment', read by the other commands (default: <table>_segments)")


def build_parser() -> argparse.ArgumentParser:
    """The ``segdash`` argument parser."""
    parser = _Parser(prog="python -m segdash", description="Customer segmentation from the command line.")
    parser.add_argument("--user", help="act as this user (default: SEGDASH_USER); needed when sign-in is set up")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    imp = commands.add_parser("import", help="import a customer file and print the import report")
    _add_common(imp, source=True)
    imp.set_defaults(handler=_cmd_import)

    seg = commands.add_parser("segment", help="segment customers and write one label per row")
    _add_common(seg, source=True)
    seg.add_argument("--method", required=True, choices=["dimensions", "rfm", "kmeans", "gmm", "hierarchical"])
    seg.add_argument("--features", help="comma-separated clustering features (default: the informative "
                                        "behavioral, demographic and psychographic columns)")
    seg.add_argument("--dimensions", help="comma-separated columns for --method dimensions")
    seg.add_argument("--k", default="auto", help="number of segments, or 'auto' (default)")
    seg.add_argument("--k-range", default="2-10", help="range of k tried by --k auto (default 2-10)")
    seg.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    rfm = seg.add_argument_group("RFM columns (default: suggested; only plausible columns are accepted)")
    rfm.add_argument("--recency", help="customer file: last-purchase date, or days since the last purchase")
    rfm.add_argument("--frequency", help="customer file: orders column(s), comma-separated columns are added up")
    rfm.add_argument("--monetary", help="customer file: spend column(s), comma-separated columns are added up")
    rfm.add_argument("--customer-id", help="order lines: the customer id column")
    rfm.add_argument("--date", help="order lines: the purchase date column")
    rfm.add_argument("--amount", help="order lines: the amount column (default: quantity x unit price)")
    rfm.add_argument("--reference-date", help="count recency up to this date (YYYY-MM-DD; default: the latest)")
    seg.add_argument("--out", required=True, help="CSV file for the labels")
    _project_options(seg)
    seg.add_argument("--save", metavar="NAME", help="save the segmentation in the project under this name")
    seg.set_defaults(handler=_cmd_segment)

    score = commands.add_parser("score", help="apply a saved segmentation to a file (e.g. next month's export) "
                                              "or to a table in an engine (assigned there)")
    score.add_argument("path", nargs="?", help="the customer file (or --source/--table)")
    score.add_argument("--sheet")
    _source_options(score)
    _project_options(score)
    score.add_argument("--segmentation", required=True, help="name (or id) of the saved segmentation")
    score.add_argument("--new-cuts", action="store_true",
                       help="RFM: score with this file's own quintiles instead of the saved cut points")
    score.add_argument("--out", required=True, help="CSV file for the labels")
    score.add_argument("--save", metavar="NAME", help="also save the result in the project under this name")
    score.add_argument("--json", action="store_true")
    _role_option(score)
    score.set_defaults(handler=_cmd_score)

    projects = commands.add_parser("projects", help="list projects and their saved segmentations")
    _project_options(projects)
    projects.add_argument("--json", action="store_true")
    projects.set_defaults(handler=_cmd_projects)

    roi = commands.add_parser("roi", help="acquisition cost, LTV and ROI per segment")
    _add_common(roi, source=True)
    roi.add_argument("--labels", help="labels.csv written by 'segment' (with --source: the labels table there)")
    roi.add_argument("--margin", type=float, default=None, help="gross margin, 0-1 (default 0.4)")
    roi.add_argument("--channel-spend", help="CSV of channel,spend when the file has no per-customer cost")
    roi.add_argument("--cost", help="the acquisition cost column (per customer)")
    roi.add_argument("--revenue", help="the revenue / spend column")
    roi.add_argument("--channel", help="the acquisition channel column")
    roi.add_argument("--signup", help="the sign-up date column")
    roi.set_defaults(handler=_cmd_roi)

    compare = commands.add_parser("compare", help="compare two saved segmentation snapshots of a project")
    _project_options(compare)
    compare.add_argument("old", metavar="OLD", help="the earlier snapshot: its name or id (with --source: the "
                                                    "earlier labels table in the engine)")
    compare.add_argument("new", metavar="NEW", help="the later snapshot: its name or id (with --source: the later "
                                                    "labels table)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    _source_options(compare, labels=False)
    compare.set_defaults(handler=_cmd_compare, path=None)

    play = commands.add_parser("playbook", help="service channel, tone and approach per segment")
    _add_common(play, source=True)
    play.add_argument("--labels", help="labels.csv written by 'segment' (with --source: the labels table there)")
    play.set_defaults(handler=_cmd_playbook)
    rep = commands.add_parser("report", help="write the meeting report: one self-contained HTML file")
    rep.add_argument("path", nargs="?", help="the customer file (not needed with --project)")
    rep.add_argument("--sheet")
    rep.add_argument("--labels", help="labels.csv written by 'segment'")
    _project_options(rep)
    rep.add_argument("--segmentation", help="report on this saved segmentation (name or id) of the project")
    rep.add_argument("--margin", type=float, default=None, help="gross margin, 0-1 (default 0.4)")
    rep.add_argument("--channel-spend", help="CSV of channel,spend when the file has no per-customer cost")
    rep.add_argument("--title", help="the report's title")
    rep.add_argument("--summary", default="", help="a free-text summary under the title")
    rep.add_argument("--sections", help="comma-separated sections to keep (default: all there are): "
                                        "data,method,sizes,traits,proof,economics,playbook,survey,okrs,changes")
    rep.add_argument("--paper", default="A4", choices=["A4", "Letter"], help="page size when printed")
    rep.add_argument("--out", required=True, help="the HTML file to write")
    rep.add_argument("--pdf", action="store_true", help="also print <out>.pdf with Chromium, when installed")
    rep.add_argument("--xlsx", help="also write the workbook (a sheet per table) to this file")
    _role_option(rep)
    _source_options(rep)
    rep.set_defaults(handler=_cmd_report)
    _add_survey_commands(commands)

    pw = commands.add_parser("passwd", help="set a user's password for the built-in sign-in")
    pw.add_argument("name", metavar="USER", help="user name (letters, digits, . _ @ + -)")
    pw.add_argument("--file", help="password file (default: SEGDASH_PASSWORDS or SEGDASH_HOME/segdash-passwords)")
    pw.set_defaults(handler=_cmd_passwd)

    share = commands.add_parser("share", help="let named users open a project you own (none: private again)")
    _project_options(share)
    share.add_argument("users", nargs="*", metavar="USER", help="users who may open it besides you")
    share.set_defaults(handler=_cmd_share)

    serve = commands.add_parser("serve-check", help="refuse to serve beyond localhost without sign-in")
    serve.add_argument("--host", default="127.0.0.1", help="the address the server will listen on")
    serve.set_defaults(handler=_cmd_serve_check)
    return parser


def _add_survey_commands(commands: Any) -> None:
    """``survey-sample`` and ``survey-confirm`` (issue 12)."""
    sample = commands.add_parser("survey-sample", help="draw a seeded random sample of each segment to survey")
    sample.add_argument("path", nargs="?", help="the customer file (or --source/--table)")
    sample.add_argument("--sheet")
    sample.add_argument("--labels", help="labels.csv written by 'segment' (with --source: the labels table there)")
    _source_options(sample)
    sample.add_argument("--confidence", type=float, default=0.95, help="confidence level, 0-1 (default 0.95)")
    sample.add_argument("--margin", type=float, default=0.05, help="margin of error, 0-1 (default 0.05)")
    sample.add_argument("--response-rate", type=float, default=0.3, help="expected response rate, 0-1 (default 0.3)")
    sample.add_argument("--allocation", choices=["per-segment", "proportional"], default="per-segment")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.add_argument("--out", required=True, help="CSV file for the sample (no personal data)")
    sample.add_argument("--json", action="store_true")
    sample.set_defaults(handler=_cmd_survey_sample)

    confirm = commands.add_parser("survey-confirm", help="test survey answers across segments: the verdict")
    confirm.add_argument("path", nargs="?", help="the customer file (or --source/--table)")
    confirm.add_argument("--sheet")
    confirm.add_argument("--labels", help="labels.csv written by 'segment' (with --source: the labels table there)")
    _source_options(confirm, key_flag="--customer-key")
    confirm.add_argument("--answers", required=True, help="the survey tool's export (CSV or XLSX)")
    confirm.add_argument("--key", help="the answers' column holding the token, customer id or email (default: found)")
    confirm.add_argument("--sample", help="the sample written by 'survey-sample --out': answers are then matched by "
                                          "token (or id or email) and response rates are of the invited")
    confirm.add_argument("--json", action="store_true")
    confirm.set_defaults(handler=_cmd_survey_confirm)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _parse_roles(pairs: Sequence[str]) -> dict[str, str]:
    """``["MntWines=revenue", ...]`` -> ``{"MntWines": "revenue"}``; the role must be one segdash knows."""
    from segdash.schema import ROLE_LABELS, ROLES

    by_label = {label.lower(): role for role, label in ROLE_LABELS.items()}
    chosen: dict[str, str] = {}
    for pair in pairs:
        column, sep, role = pair.rpartition("=")
        role = role.strip().lower()
        role = role if role in ROLES else by_label.get(role, role)
        if not sep or not column.strip():
            raise SegdashError(f"--role takes COLUMN=ROLE (e.g. --role MntWines=revenue), not '{pair}'.")
        if role not in ROLES:
            raise SegdashError(f"--role {pair}: '{role}' is not a role; roles are: {', '.join(ROLES)}.")
        chosen[column.strip()] = role
    return chosen


def _load(args: argparse.Namespace) -> Any:
    """A workspace with the file loaded (or the engine's table opened) and the ``--role`` corrections applied."""
    from segdash.workspace import Workspace

    roles = _parse_roles(getattr(args, "role", []))
    if _uses_source(args):
        from segdash.engines import EngineTable

        table = EngineTable.open(args.source, args.table, key=args.table_key,
                                 labels=getattr(args, "labels_table", None))
        ws = Workspace()
        ws.use_table(table)  # the workspace owns the connection now: ws.close_table() closes it
        for column, role in roles.items():
            if column not in ws.roles:
                ws.close_table()
                raise SegdashError(f"--role: there is no column '{column}' in {table.description}.")
            ws.set_role(column, role)
        return ws
    if not args.path:
        raise SegdashError("Give a customer file, or a table in an engine with --source URL --table NAME "
                           "(or set SEGDASH_SOURCE).")
    ws = Workspace()
    ws.load(args.path, sheet=args.sheet, fingerprint=False)
    _apply_roles(ws, roles, args.path)
    return ws


def _uses_source(args: argparse.Namespace) -> bool:
    """Whether the command reads a table in an engine (``--source``/``--table``, or ``SEGDASH_SOURCE`` and no file)."""
    import os

    if not hasattr(args, "source"):
        return False
    if args.path and (args.source or args.table):
        raise SegdashError("Give either a file or --source/--table, not both.")
    if args.path:
        return False
    if args.source or args.table or os.environ.get("SEGDASH_SOURCE"):
        if not args.table:
            raise SegdashError("--source needs --table: the name of the customers table in that engine.")
        return True
    return False


def _in_engine(ws: Any) -> bool:
    """Whether the workspace works on a table in an engine (:meth:`Workspace.use_table`), not a loaded file."""
    return ws.engine is not None


def _engine_labels(args: argparse.Namespace, table: Any) -> dict[str, int]:
    """Use the labels table in the engine (``--labels-table``, default ``<table>_segments``) as the segmentation."""
    if getattr(args, "labels", None):
        raise SegdashError("With --source the labels are the table 'segment' wrote in the engine "
                           "(--labels-table); leave out --labels.")
    return table.use_labels_table(getattr(args, "labels_table", None))


def _where(args: argparse.Namespace) -> str:
    """What the command read, for messages: the file name or the engine's table."""
    return f"table '{args.table}'" if getattr(args, "table", None) and not args.path else _file_name(args.path)


def _apply_roles(ws: Any, roles: dict[str, str], path: str) -> None:
    """Put the ``--role`` corrections into a loaded workspace (and its import report)."""
    for column, role in roles.items():
        if column not in ws.roles:
            raise SegdashError(f"--role: there is no column '{column}' in {_file_name(path)} "
                               f"(columns: {', '.join(ws.roles)}).")
        ws.set_role(column, role)
    if roles and ws.imported is not None:
        for info in ws.imported.columns:
            info.role = ws.roles.get(info.name, info.role)


def _role_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE",
                        help="correct a suggested role, e.g. --role MntWines=revenue (repeatable)")


def _file_name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def _cmd_import(args: argparse.Namespace) -> int:
    ws = _load(args)
    if _in_engine(ws):  # a table in an engine: nothing is imported, describe it
        return _describe_engine_table(args, ws)
    result = ws.imported
    if args.json:
        _print_json(result.to_dict())
        return 0
    print(f"{result.source}: {result.rows_in_file:,} rows in file, {result.rows_loaded:,} loaded, "
          f"{result.rows_rejected:,} rejected")
    if result.sheet:
        print(f"sheet: {result.sheet} (of {', '.join(result.sheets)})")
    for row in result.rejected:
        print(f"  rejected line {row.line}: {row.reason}")
    for note in [*result.repairs, *result.notes]:
        print(f"  note: {note}")
    for column, tokens in result.missing_tokens.items():
        print(f"  missing in {column}: {', '.join(tokens)}")
    width = max((len(c.name) for c in result.columns), default=4)
    for column in result.columns:
        print(f"  {column.name:<{width}}  {column.type:<8} {column.role:<20} missing {column.missing:,}")
    return 0


def _describe_engine_table(args: argparse.Namespace, ws: Any) -> int:
    """``import --source``: the table's engine, size, columns, types and suggested roles (nothing is copied)."""
    table = ws.engine
    try:
        summary = table.summary(roles=ws.roles)
        profile = table.profile(roles=ws.roles)  # missing values over everyone; the rest on a seeded sample
        facts = {str(r["name"]): r for r in profile.to_dict("records")}
        for column in summary["columns"]:
            fact = facts.get(column["name"], {})
            column.update({"missing": int(fact.get("missing") or 0), "distinct": int(fact.get("distinct") or 0),
                           **{k: fact.get(k) for k in ("min", "median", "max", "top_values")}})
        summary["profiled_sample"] = int(profile.attrs.get("sample", summary["rows"]))
        if args.json:
            _print_json(summary)
            return 0
        print(f"{table.description}: {summary['rows']:,} customers, key '{summary['key']}' "
              "(read in place, nothing imported)")
        if summary["profiled_sample"] < summary["rows"]:
            print(f"  values described from a seeded sample of {summary['profiled_sample']:,} customers; "
                  "missing values counted over everyone")
        width = max((len(c["name"]) for c in summary["columns"]), default=4)
        for column in summary["columns"]:
            shown = column.get("top_values") or " / ".join(
                str(column[k]) for k in ("min", "median", "max") if column.get(k) is not None)
            print(f"  {column['name']:<{width}}  {column['type']:<8} {column['role']:<20} "
                  f"missing {int(column.get('missing') or 0):,}  {shown}")
    finally:
        ws.close_table()
    return 0


def _column_list(text: str | None, option: str, types: dict[str, str], path: str | None) -> list[str]:
    """Comma-separated column names from an option, each checked against the file's columns."""
    chosen = [part.strip() for part in (text or "").split(",") if part.strip()]
    unknown = [name for name in chosen if name not in types]
    if unknown:
        where = _file_name(path) if path else "the table"
        raise SegdashError(f"{option}: there is no column '{unknown[0]}' in {where} "
                           f"(columns: {', '.join(types)}).")
    return chosen


def _k_value(text: str) -> int | str:
    if text.strip().lower() == "auto":
        return "auto"
    if not text.strip().isdigit():
        raise SegdashError(f"--k must be a whole number of segments or 'auto', not '{text}'.")
    return int(text)


def _k_range(text: str) -> tuple[int, int]:
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise SegdashError(f"--k-range must look like 2-10, not '{text}'.")
    return int(parts[0]), int(parts[1])


def _segment_dimensions(args: argparse.Namespace, ws: Any, types: dict[str, str]) -> Any:
    from segdash.segment.rules import default_min_size, segment_by_dimensions

    dimensions = _column_list(args.dimensions, "--dimensions", types, args.path)
    if not dimensions:
        raise SegdashError("--method dimensions needs --dimensions with one to three column names, "
                           "e.g. --dimensions country,age.")
    return segment_by_dimensions(ws.data, dimensions=dimensions, types=types,
                                 min_size=default_min_size(ws.row_count()), column_labels=ws.display_labels())


def _segment_rfm(args: argparse.Namespace, ws: Any, types: dict[str, str]) -> Any:
    """RFM through the same entry point as the page (:func:`segdash.segment.rfm.segment_rfm`)."""
    from segdash.segment.rfm import parse_reference_date, segment_rfm

    for option, value in (("--recency", args.recency), ("--customer-id", args.customer_id),
                          ("--date", args.date), ("--amount", args.amount)):
        if value is not None and value not in types:
            raise SegdashError(f"{option}: there is no column '{value}' in {_where(args)} "
                               f"(columns: {', '.join(types)}).")
    return segment_rfm(
        ws.data, roles=ws.roles, types=types, recency=args.recency,
        frequency=_column_list(args.frequency, "--frequency", types, args.path) or None,
        monetary=_column_list(args.monetary, "--monetary", types, args.path) or None,
        customer_column=args.customer_id, date_column=args.date, amount_column=args.amount,
        reference_date=parse_reference_date(args.reference_date),
        source="customers" if (args.recency or args.frequency or args.monetary) else "auto",
    )


def _segment_clusters(args: argparse.Namespace, ws: Any, types: dict[str, str]) -> Any:
    from segdash.segment import CLUSTER_METHODS, default_cluster_features, single_column_message
    from segdash.segment.cluster import cluster_customers

    assert args.method in CLUSTER_METHODS
    features = _column_list(args.features, "--features", types, args.path)
    if not features:
        features = default_cluster_features(ws.roles, types, data=ws.data)
        problem = single_column_message(features)
        if problem:
            raise SegdashError(problem + " Or name the columns with --features.")
    private = [f for f in features if f not in ws.modelling_columns()]
    if private:
        raise SegdashError(f"--features: '{private[0]}' is personal data or an id and is never used "
                           "for segmenting; leave it out.")
    return cluster_customers(ws.data, features=features, types=types, algorithm=args.method,
                             k=_k_value(args.k), k_range=_k_range(args.k_range), random_state=args.seed)


def segment_summary(seg: Any) -> dict[str, Any]:
    """The ``--json`` summary of a segmentation (the numbers the page shows).

    Parameters
    ----------
    seg
        A :class:`segdash.schema.Segmentation`.

    Returns
    -------
    dict
        ``method``, ``k``, ``k_reason``, ``sizes``, ``unit``, ``features``, ``scores``, ``stability``,
        ``notes``, ``seconds``; for RFM also ``customers``, ``customers_per_group``, ``columns``
        and ``group_summary``.
    """
    summary: dict[str, Any] = {
        "method": seg.method, "k": seg.k, "k_reason": seg.chosen_k_reason, "sizes": seg.sizes,
        "unit": seg.extra.get("unit", "customers"), "features": list(seg.features),
        "scores": {str(k): v for k, v in seg.scores.items()}, "stability": seg.stability,
        "notes": list(seg.notes), "seconds": round(seg.seconds, 3),
    }
    if seg.method == "rfm":
        summary["customers"] = seg.extra.get("customers")
        summary["customers_per_group"] = seg.extra.get("customers_per_group")
        summary["columns"] = seg.extra.get("columns") or {
            key: seg.settings.get(key) for key in ("customer", "date", "invoice", "amount", "quantity", "price")}
        summary["group_summary"] = seg.extra.get("group_summary")
    for key in ("k_rule", "k_next_best", "feature_notes"):
        if key in seg.extra:
            summary[key] = seg.extra[key]
    return summary


def _print_segments(seg: Any, out: str) -> None:
    """The plain-text report of ``segment``."""
    unit = seg.extra.get("unit", "customers")
    total = sum(seg.sizes.values())
    if seg.method == "rfm" and unit != "customers":
        customers = seg.extra.get("customers_per_group", {})
        print(f"{sum(customers.values()):,} customers in {len(customers):,} RFM groups (from {total:,} {unit}, "
              f"{seg.seconds:.1f} s) -> {out}")
        for label, count in customers.items():
            print(f"  {label}: {count:,} customers")
        extra = {label: n for label, n in seg.sizes.items() if label not in customers}
        for label, count in extra.items():
            print(f"  {label}: {count:,} {unit}")
    else:
        print(f"{total:,} {unit} in {seg.k:,} segments ({seg.method}, {seg.seconds:.1f} s) -> {out}")
        for label, count in seg.sizes.items():
            print(f"  {label}: {count:,}")
    if seg.chosen_k_reason:
        print(f"  k: {seg.chosen_k_reason}")
    for note in seg.notes:
        print(f"  note: {note}")


def _write_labels(labels: Any, out: Any) -> None:
    """labels.csv as the page's download writes it (UTF-8 with BOM, formulas neutralised), written by Arrow.

    ``pandas`` took several seconds per million labels (objects, then ``to_csv``); Arrow a fraction.
    """
    import pyarrow.csv as pa_csv

    from segdash.report.export import neutralise_arrow

    try:
        with open(out, "wb") as handle:
            handle.write("\ufeff".encode())
            pa_csv.write_csv(neutralise_arrow(labels), handle,
                             write_options=pa_csv.WriteOptions(quoting_style="needed"))
    except OSError as err:
        raise SegdashError(f"Cannot write {out}: {err.strerror or err}.") from err


def _cmd_segment(args: argparse.Namespace) -> int:
    """Segment the file and write labels.csv (id column or ``row``, ``segment``); ``--json`` prints a summary."""
    from pathlib import Path

    from segdash.segment import labels_table

    out = Path(args.out)
    if out.is_dir():
        raise SegdashError(f"--out {args.out} is a folder; give a file name such as labels.csv.")
    ws = _load(args)
    engine = _in_engine(ws)
    if engine and (args.save or args.project):
        raise SegdashError("--save and --project work with files only for now; the labels of a table in an "
                           "engine are written there (--labels-table).")
    try:
        types = ws.column_types()
        methods = {"dimensions": _segment_dimensions, "rfm": _segment_rfm}
        seg = methods.get(args.method, _segment_clusters)(args, ws, types)
        ws.set_segmentation(seg)
        _write_labels(labels_table(ws.data, roles=ws.roles), out)
        saved = {} if engine else _save_in_project(args, ws)
        if engine:
            seg.notes.append(f"Labels written to table '{ws.data.labels}' in {ws.engine.source.engine_label} "
                             f"({ws.engine.source.url}).")
    finally:
        if engine:
            ws.close_table()
    if args.json:
        _print_json({**segment_summary(seg), **saved})
        return 0
    if saved:
        print(f"saved as '{args.save}' in project '{saved['project']}'")
    _print_segments(seg, args.out)
    return 0


def _roi_columns(args: argparse.Namespace, suggested: Any, types: dict[str, str]) -> Any:
    """The suggested economics columns with ``--cost``, ``--revenue``, ``--channel``, ``--signup`` put in."""
    from dataclasses import replace

    named = {}
    for option, field, value in (("--cost", "cost", args.cost), ("--revenue", "revenue", args.revenue),
                                 ("--channel", "channel", args.channel), ("--signup", "signup", args.signup)):
        if value is None:
            continue
        if value not in types:
            raise SegdashError(f"{option}: there is no column '{value}' in {_where(args)} "
                               f"(columns: {', '.join(types)}).")
        named[field] = value
    return replace(suggested, **named) if named else suggested


def _project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="DIR",
                        help="the project folder (a SEGDASH_HOME, or one project's folder); default SEGDASH_HOME")
    parser.add_argument("--in", dest="project_name", metavar="PROJECT",
                        help="which project in DIR (name or id); default: the only one, or 'Command line'")


def _store(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from segdash.store import Store

    folder = Path(args.project).expanduser() if args.project else None
    if folder is not None and (folder / "project.json").is_file():  # one project's own folder
        return Store(folder.parent.parent), folder.name
    return Store(folder), None


def _project(args: argparse.Namespace, *, create: bool) -> Any:
    """The project named by ``--project`` / ``--in``."""
    from segdash import auth
    from segdash.store import StoreError

    store, project_id = _store(args)
    user = auth.acting_user(getattr(args, "user", None))  # only the projects this user may open
    if project_id:
        return auth.open_project_for(store, project_id, user=user)
    listed = store.projects(user=user)
    if args.project_name:
        wanted = " ".join(str(args.project_name).split())
        matches = [p for p in listed if wanted in (p.id, p.name)]
        if len(matches) > 1:
            raise StoreError(f"Several projects are called '{wanted}'; use the project id instead.")
        if matches:
            return store.open_project(matches[0].id)
        if create:
            return store.create_project(wanted, owner=user)
        known = ", ".join(p.name for p in listed) or "none yet"
        raise StoreError(f"There is no project called '{args.project_name}' in {store.home} (projects: {known}).")
    if len(listed) == 1:
        return store.open_project(listed[0].id)
    if create:
        mine = [p for p in listed if p.name == "Command line"]
        return store.open_project(mine[0].id) if mine else store.create_project("Command line", owner=user)
    if not listed:
        raise StoreError(f"There are no projects in {store.home}. Save one with 'segment ... --save NAME'.")
    raise StoreError(f"{store.home} holds several projects; name one with --in "
                     f"({', '.join(p.name for p in listed)}).")


def _save_in_project(args: argparse.Namespace, ws: Any) -> dict[str, Any]:
    """Save the workspace's segmentation when ``--save`` is given; returns JSON fields to print."""
    if not getattr(args, "save", None):
        return {}
    project = _project(args, create=True)
    ws.open_project(project, restore=False)
    snapshot = ws.save_segmentation(args.save)
    return {"project": project.name, "project_id": project.id, "saved": args.save, "snapshot_id": snapshot}


def _find_saved(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The project and record of ``--segmentation`` (searched in every project when none is named)."""
    from segdash.store import StoreError

    store, project_id = _store(args)
    if project_id or args.project_name:
        project = _project(args, create=False)
        return project, project.find_segmentation(args.segmentation)
    from segdash import auth

    found = []
    for info in store.projects(user=auth.acting_user(getattr(args, "user", None))):
        project = store.open_project(info.id)
        try:
            found.append((project, project.find_segmentation(args.segmentation)))
        except StoreError:
            continue
    if not found:
        raise StoreError(f"No project in {store.home} has a saved segmentation called '{args.segmentation}'.")
    if len(found) > 1:
        raise StoreError(f"Several projects have a saved segmentation called '{args.segmentation}'; name the "
                         f"project with --in ({', '.join(p.name for p, _ in found)}).")
    return found[0]


def _cmd_score(args: argparse.Namespace) -> int:
    """Apply a saved segmentation to a file; labels.csv as 'segment' writes; counts new and gone customers."""
    from pathlib import Path

    from segdash.report.export import to_safe_csv
    from segdash.segment import labels_frame
    from segdash.workspace import Workspace

    project, record = _find_saved(args)
    out = Path(args.out)
    if out.is_dir():
        raise SegdashError(f"--out {args.out} is a folder; give a file name such as labels.csv.")
    if _uses_source(args):
        if args.save:
            raise SegdashError("--save works with files only for now; the labels of a table in an engine are "
                               "written there (--labels-table).")
        ws = _load(args)
        try:
            return _score_in_engine(args, ws, project, record)
        finally:
            ws.close_table()
    if not args.path:
        raise SegdashError("Give the customer file, or a table in an engine with --source URL --table NAME.")
    ws = Workspace()
    ws.load(args.path, sheet=args.sheet)
    _apply_roles(ws, _parse_roles(args.role), args.path)
    report = ws.apply_record(record, project.segmentation_labels(record["id"]), new_cuts=args.new_cuts)
    seg = ws.segmentation
    matched, new, gone, key_column = (report.matched, report.new_customers, report.gone_customers,
                                      report.key_column)
    names = ws.display_names(seg.sizes)
    try:
        out.write_bytes(to_safe_csv(labels_frame(ws.data, roles=ws.roles, names=names)))
    except OSError as err:
        raise SegdashError(f"Cannot write {args.out}: {err.strerror or err}.") from err
    saved = {}
    if args.save:
        ws.open_project(project, restore=False)
        saved = {"saved": args.save, "snapshot_id": ws.save_segmentation(args.save, parent_id=record["id"])}
    if args.json:
        _print_json({"segmentation": record["name"], "project": project.name, "method": seg.method,
                     "customers": report.customers, "matched_customers": matched, "new_customers": new,
                     "gone_customers": gone, "sizes": {names[k]: v for k, v in seg.sizes.items()},
                     "key_column": key_column, **saved})
        return 0
    print(f"Applied '{record['name']}' ({seg.method}) from project '{project.name}' -> {args.out}")
    for sentence in report.sentences():
        print(f"  {sentence}")
    for label, count in seg.sizes.items():
        print(f"  {names[label]}: {count:,}")
    return 0


def _score_in_engine(args: argparse.Namespace, ws: Any, project: Any, record: dict[str, Any]) -> int:
    """Apply a saved segmentation to a table in an engine: every customer is assigned there, labels written there."""
    from segdash.saved import apply_model, engine_key_counts
    from segdash.segment import labels_table
    from segdash.segment.base import discard_labels

    try:
        seg = apply_model(ws.staged_data, record, roles=ws.roles, types=ws.column_types(), new_cuts=args.new_cuts)
    except BaseException:
        discard_labels(ws.staged_data)
        raise
    ws.set_segmentation(seg, names=record.get("names") or {})
    report = engine_key_counts(ws.data, project.segmentation_labels(record["id"]), sizes=seg.sizes)
    names = ws.display_names(seg.sizes)
    table = ws.engine
    _write_labels(labels_table(ws.data, roles=ws.roles, names=names), args.out)
    if args.json:
        _print_json({"segmentation": record["name"], "project": project.name, "method": seg.method,
                     "customers": report.customers, "matched_customers": report.matched,
                     "new_customers": report.new_customers, "gone_customers": report.gone_customers,
                     "sizes": {names[k]: v for k, v in seg.sizes.items()}, "key_column": report.key_column,
                     "labels_table": table.data.labels, "engine": table.source.engine_label})
        return 0
    print(f"Applied '{record['name']}' ({seg.method}) from project '{project.name}' to {table.description}; "
          f"labels written to table '{table.data.labels}' there -> {args.out}")
    for sentence in report.sentences():
        print(f"  {sentence}")
    for label, count in seg.sizes.items():
        print(f"  {names[label]}: {count:,}")
    return 0


def _cmd_projects(args: argparse.Namespace) -> int:
    """List the projects of a store and their saved segmentations."""
    from segdash import auth

    store, project_id = _store(args)
    infos = store.projects(user=auth.acting_user(args.user))
    if project_id:
        infos = [i for i in infos if i.id == project_id]
    listing = []
    for info in infos:
        project = store.open_project(info.id)
        listing.append({"id": info.id, "name": info.name, "created": info.created, "owner": info.owner,
                        "datasets": project.datasets(),
                        "segmentations": [{k: s.get(k) for k in ("id", "name", "created", "method", "dataset_name",
                                                                 "customers", "parent_id")}
                                          for s in project.segmentations()]})
    if args.json:
        _print_json({"home": str(store.home), "projects": listing})
        return 0
    if not listing:
        print(f"No projects in {store.home} yet.")
    for entry in listing:
        print(f"{entry['name']}  ({entry['id']}, {len(entry['datasets'])} data set(s))")
        for snap in entry["segmentations"]:
            print(f"  {snap['name']}: {snap['method']}, {snap['customers'] or 0:,} customers, "
                  f"{snap['dataset_name']}, saved {snap['created']}")
    return 0


def _cmd_roi(args: argparse.Namespace) -> int:
    """Per-segment acquisition economics. ``--margin`` is a fraction 0-1 (0.4 = 40%); 40 is refused."""
    from segdash import economics
    from segdash.errors import EconomicsError

    margin = economics.DEFAULT_MARGIN if args.margin is None else args.margin
    if not 0.0 <= margin <= 1.0:
        raise EconomicsError(f"--margin is a fraction between 0 and 1 (0.4 means 40%); got {args.margin:g}.")
    ws = _load(args)
    try:
        return _roi(args, ws, margin)
    finally:
        ws.close_table()


def _roi(args: argparse.Namespace, ws: Any, margin: float) -> int:
    """``roi`` on a loaded file or an opened engine table."""
    from dataclasses import replace

    from segdash import economics
    from segdash.errors import EconomicsError

    if not _in_engine(ws):
        if not args.labels:
            raise SegdashError("roi needs --labels: the labels.csv written by 'segment'.")
        ws.use_labels_file(args.labels)
    else:
        _engine_labels(args, ws)
    types = ws.column_types()
    columns = _roi_columns(args, economics.suggest_columns(ws.roles, types=types), types)
    spend = None
    if args.channel_spend:
        columns = replace(columns, cost=None)
        channels = economics.channel_list(ws.data, channel=columns.channel)
        spend, problems = economics.clean_channel_spend(
            economics.read_channel_spend_csv(args.channel_spend), channels=channels)
        if problems:
            raise EconomicsError(f"{args.channel_spend}: {problems[0]}")
    result = economics.compute_economics(
        ws.data, columns=columns, assumptions=economics.Assumptions(margin=margin), channel_spend=spend,
        date_columns=[name for name, kind in types.items() if kind == "date"],
    )
    if args.json:
        _print_json(economics.to_records(result))
        return 0
    shown = economics.format_table(economics.with_total(result), columns=result.columns,
                                   metrics=("customers", "spend", "cac", "revenue", "predicted_ltv",
                                            "ltv_to_cac", "roi", "payback_months"))
    print(shown.to_string(index=False))
    for note in [*result.notes, *result.warnings]:
        print(f"note: {note}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    """Compare two snapshots: who stayed, moved, is new or gone, and what drifted."""
    from segdash.history.compare import compare_label_tables, compare_snapshots, to_json

    if args.source or args.table:  # two labels tables in the engine
        if not args.table:
            raise SegdashError("--source needs --table: the name of the customers table in that engine.")
        if args.project or args.project_name:
            raise SegdashError("Compare either two saved snapshots of a project or two labels tables in an "
                               "engine (--source/--table), not both.")
        ws = _load(args)
        try:
            comparison = compare_label_tables(ws.data, old=args.old, new=args.new, roles=ws.roles,
                                              types=ws.column_types())
        finally:
            ws.close_table()
    else:
        comparison = compare_snapshots(_project(args, create=False), args.old, args.new)
    if args.json:
        _print_json(to_json(comparison))
        return 0
    print(f"{comparison.old.title} -> {comparison.new.title}")
    for sentence in [*comparison.sentences(), *comparison.notes]:
        print(f"  {sentence}")
    return 0


def _cmd_playbook(args: argparse.Namespace) -> int:
    """Per segment: channel mix with intervals, preferred channel (or why none), tone, approach, evidence."""
    from segdash.act.playbook import build_playbook, playbook_for_file, to_records

    if _uses_source(args):
        ws = _load(args)
        try:
            _engine_labels(args, ws)
            records = to_records(build_playbook(ws.data, roles=ws.roles, types=ws.column_types()))
        finally:
            ws.close_table()
    elif not args.path or not args.labels:
        raise SegdashError("playbook needs the customer file and --labels labels.csv, or --source URL --table NAME "
                           "(the labels table that 'segment --source' wrote).")
    else:
        records = playbook_for_file(args.path, labels=args.labels, sheet=args.sheet, roles=_parse_roles(args.role))
    if args.json:
        _print_json(records)
        return 0
    for record in records:
        preferred = record["preferred_channel"] or "no clear preference"
        print(f"{record['segment']} ({record['customers']:,} customers): {preferred}; "
              f"tone {record['tone']}, approach {record['approach']}")
        for line in record["evidence"]:
            print(f"  - {line}")
    return 0


def _cmd_passwd(args: argparse.Namespace) -> int:
    """Ask for a password twice without echo (or read one line from a pipe) and store its hash."""
    import getpass
    from pathlib import Path

    from segdash import auth

    name = auth.check_user_name(args.name)
    if sys.stdin.isatty():
        password = getpass.getpass(f"New password for {name}: ")
        if getpass.getpass("Same password again: ") != password:
            raise auth.AuthError("The two passwords differ; nothing was changed.")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    path = auth.set_password(name, password, path=Path(args.file) if args.file else None)
    print(f"Password for {name} saved in {path}.")
    return 0


def _cmd_share(args: argparse.Namespace) -> int:
    """Set who besides the owner may open the project named by --project/--in (the owner only)."""
    from segdash import auth

    user = auth.acting_user(args.user)
    project = _project(args, create=False)
    owner = project.meta().get("owner")
    if user is not None and owner not in (None, user):
        raise auth.AuthError(f"Only {owner}, who owns '{project.name}', can change who may open it.")
    names = [auth.check_user_name(name) for name in args.users]
    project.share(names)
    print(f"'{project.name}' may be opened by " + (", ".join([owner or "everyone", *names]) if owner else
                                                   "everyone (it has no owner)") + ".")
    return 0


def _cmd_serve_check(args: argparse.Namespace) -> int:
    from segdash import auth

    print(auth.serve_check(args.host))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """The meeting report (HTML, optional PDF and workbook) from a file + labels, or a saved snapshot."""
    from pathlib import Path

    from segdash import economics
    from segdash.errors import EconomicsError
    from segdash.workspace import Workspace

    margin = economics.DEFAULT_MARGIN if args.margin is None else args.margin
    if not 0.0 <= margin <= 1.0:
        raise EconomicsError(f"--margin is a fraction between 0 and 1 (0.4 means 40%); got {args.margin:g}.")
    created = None
    if args.project or args.project_name or args.segmentation:
        if not args.segmentation:
            raise SegdashError("--project needs --segmentation NAME (the saved segmentation to report on).")
        project = _project(args, create=False)
        ws = Workspace()
        ws.open_project(project, restore=False)
        record = project.find_segmentation(args.segmentation)
        ws.open_snapshot(record["id"])
        created = record.get("created")
    elif _uses_source(args):  # a table in an engine and its labels table there
        ws = _load(args)
        try:
            _engine_labels(args, ws)
            return _write_report(args, ws, margin=margin, created=None)
        finally:
            ws.close_table()
    else:
        if not args.path or not args.labels:
            raise SegdashError("Give the customer file and --labels labels.csv, --project and --segmentation, or "
                               "--source URL --table NAME.")
        ws = Workspace()
        ws.load(args.path, sheet=args.sheet)
        _apply_roles(ws, _parse_roles(args.role), args.path)
        sizes = ws.use_labels_file(args.labels)
        from segdash.schema import Segmentation

        ws.set_segmentation(Segmentation(method="labels file", settings={"labels file": Path(args.labels).name},
                                         sizes=sizes, k=len(sizes)))
    return _write_report(args, ws, margin=margin, created=created)


def _write_report(args: argparse.Namespace, ws: Any, *, margin: float, created: Any) -> int:
    """The report (and PDF, workbook) of a workspace or an engine table with a segmentation."""
    from segdash import economics
    from segdash.errors import EconomicsError
    from segdash.report import meeting

    result = None
    if args.channel_spend:
        from dataclasses import replace

        columns = replace(economics.suggest_columns(ws.roles, types=ws.column_types()), cost=None)
        spend, problems = economics.clean_channel_spend(
            economics.read_channel_spend_csv(args.channel_spend),
            channels=economics.channel_list(ws.data, channel=columns.channel))
        if problems:
            raise EconomicsError(f"{args.channel_spend}: {problems[0]}")
        result = economics.compute_economics(
            ws.data, columns=columns, assumptions=economics.Assumptions(margin=margin), channel_spend=spend,
            date_columns=[name for name, kind in ws.column_types().items() if kind == "date"])
    from segdash.report import features

    found = features.summaries(ws)  # playbook, saved survey verdict, OKRs, changes since the last snapshot
    sections = meeting.workspace_sections(ws, margin=margin, created=created, economics_result=result,
                                          extra=features.sections(ws, found))
    if _in_engine(ws):  # nothing was imported: say where the customers are read
        where = meeting.Section("data", meeting.SECTION_TITLES["data"])
        where.lead(f"{sum(ws.segmentation.sizes.values()):,} customers in {ws.source_description()}, read in place "
                   f"(key '{ws.data.key}', labels in table '{ws.data.labels}').")
        sections = [where, *sections]
    if args.sections:
        wanted = [part.strip() for part in args.sections.split(",") if part.strip()]
        unknown = [w for w in wanted if w not in meeting.SECTION_ORDER]
        if unknown:
            raise SegdashError(f"--sections: there is no section '{unknown[0]}' "
                               f"(sections: {', '.join(meeting.SECTION_ORDER)}).")
        sections = [s for s in sections if s.key in wanted]
    notes = []
    if args.pdf and meeting.chromium_path() is None:
        notes.append(meeting.no_pdf_message())
    title = args.title or (meeting.report_title(ws) if not _in_engine(ws) else
                           f"Customer segments: {ws.data.table} ({ws.engine_label})")
    html_text = meeting.render_html(sections, title=title, summary=args.summary,
                                    paper=args.paper, notes=notes)
    out, pdf, note = meeting.write_report(html_text, out=args.out, pdf=args.pdf)
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB, {len(sections)} sections, "
          f"{sum(s.charts for s in sections)} charts)")
    if pdf is not None:
        print(f"{pdf} (PDF)")
    if note:
        print(f"note: {note}")
    if args.xlsx:
        from segdash.report import workbook
        from segdash.segment import PROFILE_CACHE_KEY

        profile = ws.peek(PROFILE_CACHE_KEY)
        if result is None and any(s.key == "economics" for s in sections):
            result = meeting.workspace_economics(ws, margin=margin)
        try:
            workbook.write_workbook(workbook.workspace_sheets(ws, profile=profile, economics_result=result,
                                                             extra=features.sheets(found)),
                                    target=args.xlsx)
        except OSError as err:
            raise SegdashError(f"Cannot write {args.xlsx}: {err.strerror or err}.") from err
        print(f"{args.xlsx} (workbook)")
    return 0


def _survey_workspace(args: argparse.Namespace) -> Any:
    """The customers with the labels of ``--labels`` attached (or the engine's table with its labels table)."""
    from segdash.workspace import Workspace

    if _uses_source(args):
        ws = _load(args)
        try:
            _engine_labels(args, ws)
        except BaseException:
            ws.close_table()
            raise
        return ws
    if not args.path or not args.labels:
        raise SegdashError("Give the customer file and --labels labels.csv, or --source URL --table NAME (the "
                           "labels table that 'segment --source' wrote).")
    ws = Workspace()
    ws.load(args.path, sheet=args.sheet)
    ws.use_labels_file(args.labels)
    return ws


def _cmd_survey_sample(args: argparse.Namespace) -> int:
    """Draw the sample and write it (customer id, segment, role, rank, token); ``--json`` prints the plan."""
    from pathlib import Path

    from segdash.survey.sizes import SampleSettings

    out = Path(args.out)
    if out.is_dir():
        raise SegdashError(f"--out {args.out} is a folder; give a file name such as sample.csv.")
    settings = SampleSettings(confidence=args.confidence, margin=args.margin, response_rate=args.response_rate,
                              allocation=args.allocation, random_state=args.seed).check()
    ws = _survey_workspace(args)
    try:
        return _survey_sample(args, ws, settings, out)
    finally:
        ws.close_table()


def _survey_sample(args: argparse.Namespace, ws: Any, settings: Any, out: Any) -> int:
    """``survey-sample`` on a workspace or an engine table (the sample is drawn in its engine)."""
    from segdash.report.export import to_safe_csv
    from segdash.segment import labels_key_column
    from segdash.survey.sample import draw_sample

    key = labels_key_column(ws.data, roles=ws.roles) or "_row"
    sample = draw_sample(ws.data, key_column=key, settings=settings, types=ws.column_types())
    frame = sample.frame.rename(columns={"key": key if key != "_row" else "row"})
    try:
        out.write_bytes(to_safe_csv(frame))
    except OSError as err:
        raise SegdashError(f"Cannot write {args.out}: {err.strerror or err}.") from err
    plan = sample.plan
    if args.json:
        _print_json([{"segment": r.segment, "population": int(r.population), "completes_needed": int(r.completes_needed),
                      "invites": int(r.invites), "backups": int(r.backups)} for r in plan.itertuples()])
        return 0
    print(f"{int(plan['invites'].sum()):,} invitations and {int(plan['backups'].sum()):,} backups -> {args.out}")
    for row in plan.itertuples():
        print(f"  {row.segment}: {row.population:,} customers, {row.completes_needed:,} answers needed, "
              f"invite {row.invites:,}, backups {row.backups:,}" + (" (everyone)" if row.everyone else ""))
    for note in sample.notes[1:]:
        print(f"  note: {note}")
    return 0


def _cmd_survey_confirm(args: argparse.Namespace) -> int:
    """Match the answers to the sample (token, id or email) or all customers, test every question, judge each segment."""
    from segdash.survey.answers import load_answers

    if _uses_source(args) and not args.sample:
        raise SegdashError("With --source, give --sample: the file written by 'survey-sample --source ... --out' "
                           "(answers are matched to the invited customers, so the table is never read whole).")
    answers, kinds = load_answers(args.answers)
    ws = _survey_workspace(args)
    try:
        return _survey_confirm(args, ws, answers, kinds)
    finally:
        ws.close_table()


def _survey_confirm(args: argparse.Namespace, ws: Any, answers: Any, kinds: Any) -> int:
    """``survey-confirm`` on a workspace or an engine table."""
    from segdash.segment import labels_key_column
    from segdash.segment.base import segment_sizes
    from segdash.survey.confirm import (
        confirm_survey,
        email_column_of,
        population_sample,
        sample_from_file,
        with_emails,
    )

    types = ws.column_types()
    key = labels_key_column(ws.data, roles=ws.roles) or "_row"
    email = email_column_of(ws.roles, types)
    if args.sample:  # the drawn sample: match by token as the Survey page does; rates are of the invited
        matching = with_emails(ws.data, sample_from_file(args.sample, key_column=key), key_column=key,
                               email_column=email)
    else:
        matching = population_sample(ws.data, key_column=key, email_column=email)
    from segdash.schema import Segmentation

    sizes = segment_sizes(ws.data)
    segmentation = Segmentation(method="labels", settings={}, sizes=sizes, k=len(sizes))
    result = confirm_survey(ws.data, answers.drop(columns=["_row"]), matching=matching, segmentation=segmentation,
                            roles=ws.roles, types=types, key_column=key, kinds=kinds, answer_column=args.key)
    if args.json:
        _print_json(result.to_json())
        return 0
    print(result.message)
    if result.response is not None:
        for row in result.response.itertuples():
            print(f"  {row.segment}: {row.answered:,} of {row.invited:,} answered ({row.response_rate:.1%})")
    if result.bias_warning:
        print(f"note: {result.bias_warning}")
    if result.verdict is None:
        return 0
    for row in result.verdict.questions.itertuples():
        label = row.label + (f": {row.option}" if row.option else "")
        print(f"  {'differs' if row.differs else 'same   '}  {label}  ({row.test}, p={row.p_adjusted:.3g}, "
              f"effect {row.effect:.2f})")
    for row in result.verdict.segments.itertuples():
        print(f"{row.segment}: {row.verdict}. {' '.join(row.evidence)}")
    return 0


#: Modules each command needs after the file is read: imported in a background thread while DuckDB
#: reads the file (it releases the GIL), instead of one after the other. The role suggestion needs
#: Ibis and pandas; clustering needs scikit-learn and scipy.
_PRELOAD = {
    "import": ("segdash.columns", "segdash.labels"),
    "segment": ("segdash.columns", "ibis.backends.duckdb", "segdash.segment.cluster", "segdash.segment.rfm",
                "segdash.segment.rules", "segdash.report.export"),
    "roi": ("segdash.columns", "ibis.backends.duckdb", "segdash.economics"),
    "score": ("segdash.columns", "ibis.backends.duckdb", "segdash.saved"),
    "report": ("segdash.columns", "ibis.backends.duckdb", "segdash.economics", "segdash.report.meeting"),
    "survey-sample": ("segdash.columns", "ibis.backends.duckdb", "segdash.economics", "segdash.survey.sample"),
    "survey-confirm": ("segdash.columns", "ibis.backends.duckdb", "segdash.economics", "segdash.survey.confirm"),
}


def _preload(modules: Sequence[str]) -> threading.Thread:
    """Start importing ``modules`` in a background thread; join it before the process ends."""
    import importlib

    def run() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the command's own import will raise it where it matters
                return

    thread = threading.Thread(target=run, name="segdash-preload", daemon=True)
    thread.start()
    return thread


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    import os

    args = build_parser().parse_args(argv)
    preload = os.environ.get("SEGDASH_PRELOAD", "1") != "0"  # 0: one import after the other (benchmarks)
    loader = _preload(_PRELOAD.get(args.command, ()) if preload else ())
    try:
        return int(args.handler(args) or 0)
    except SegdashError as err:
        print(f"segdash: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"segdash: cannot open {err.filename}: {err.strerror.lower()}.", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        loader.join()
