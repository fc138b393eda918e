"""Command line: ``python -m segdash import|segment|roi`` over the same library as the app.

Errors a user can cause print one plain sentence on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from segdash.errors import SegdashError

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default also exits 2, but prints usage)."""

    def error(self, message: str) -> None:  # pragma: no cover - argparse plumbing
        self.exit(EXIT_USER_ERROR, f"segdash: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``segdash`` argument parser."""
    parser = _Parser(prog="python -m segdash", description="Customer segmentation from the command line.")
    parser.add_argument("--user", help="act as this user (default: SEGDASH_USER); needed when sign-in is set up")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    imp = commands.add_parser("import", help="import a customer file and print the import report")
    imp.add_argument("path", help="CSV/TSV/TXT, Excel .xlsx or Parquet file")
    imp.add_argument("--sheet", help="Excel sheet to read (default: the first sheet that holds a table)")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(handler=_cmd_import)

    seg = commands.add_parser("segment", help="segment customers and write one label per row")
    seg.add_argument("path")
    seg.add_argument("--sheet")
    seg.add_argument("--method", required=True, choices=["dimensions", "rfm", "kmeans", "gmm", "hierarchical"])
    seg.add_argument("--features", help="comma-separated clustering features (default: all usable)")
    seg.add_argument("--dimensions", help="comma-separated columns for --method dimensions")
    seg.add_argument("--k", default="auto", help="number of segments, or 'auto' (default)")
    seg.add_argument("--k-range", default="2-10", help="range of k tried by --k auto (default 2-10)")
    seg.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    seg.add_argument("--out", required=True, help="CSV file for the labels")
    seg.add_argument("--json", action="store_true")
    seg.set_defaults(handler=_cmd_segment)

    roi = commands.add_parser("roi", help="acquisition cost, LTV and ROI per segment")
    roi.add_argument("path")
    roi.add_argument("--sheet")
    roi.add_argument("--labels", required=True, help="labels.csv written by 'segment'")
    roi.add_argument("--margin", type=float, default=None, help="gross margin, 0-1 (default 0.4)")
    roi.add_argument("--channel-spend", help="CSV of channel,spend when the file has no per-customer cost")
    roi.add_argument("--json", action="store_true")
    roi.set_defaults(handler=_cmd_roi)

    pw = commands.add_parser("passwd", help="set a user's password for the built-in sign-in")
    pw.add_argument("name", metavar="USER", help="user name (letters, digits, . _ @ + -)")
    pw.add_argument("--file", help="password file (default: SEGDASH_PASSWORDS or SEGDASH_HOME/segdash-passwords)")
    pw.set_defaults(handler=_cmd_passwd)

    serve = commands.add_parser("serve-check", help="refuse to serve beyond localhost without sign-in")
    serve.add_argument("--host", default="127.0.0.1", help="the address the server will listen on")
    serve.set_defaults(handler=_cmd_serve_check)

    projects = commands.add_parser("projects", help="list the projects you may open")
    projects.set_defaults(handler=_cmd_projects)
    return parser


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _cmd_import(args: argparse.Namespace) -> int:
    from segdash.workspace import Workspace

    result = Workspace().load(args.path, sheet=args.sheet)
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


def _cmd_segment(args: argparse.Namespace) -> int:
    """Segment the file and write labels.csv (id column or ``row``, ``segment``); ``--json`` prints a summary."""
    from pathlib import Path

    from segdash.report.export import to_safe_csv
    from segdash.segment import CLUSTER_METHODS, default_cluster_features, labels_frame
    from segdash.segment.rfm import segment_rfm
    from segdash.segment.rules import default_min_size, segment_by_dimensions
    from segdash.workspace import Workspace

    def names(text: str | None, option: str) -> list[str]:
        chosen = [part.strip() for part in (text or "").split(",") if part.strip()]
        unknown = [name for name in chosen if name not in types]
        if unknown:
            raise SegdashError(f"{option}: there is no column '{unknown[0]}' in {Path(args.path).name} "
                               f"(columns: {', '.join(types)}).")
        return chosen

    def k_value(text: str) -> int | str:
        if text.strip().lower() == "auto":
            return "auto"
        if not text.strip().isdigit():
            raise SegdashError(f"--k must be a whole number of segments or 'auto', not '{text}'.")
        return int(text)

    def k_range(text: str) -> tuple[int, int]:
        parts = text.replace(" ", "").split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise SegdashError(f"--k-range must look like 2-10, not '{text}'.")
        return int(parts[0]), int(parts[1])

    out = Path(args.out)
    if out.is_dir():
        raise SegdashError(f"--out {args.out} is a folder; give a file name such as labels.csv.")
    ws = Workspace()
    ws.load(args.path, sheet=args.sheet)
    types = ws.column_types()
    if args.method == "dimensions":
        dimensions = names(args.dimensions, "--dimensions")
        if not dimensions:
            raise SegdashError("--method dimensions needs --dimensions with one to three column names, "
                               "e.g. --dimensions country,age.")
        seg = segment_by_dimensions(ws.con, dimensions=dimensions, types=types,
                                    min_size=default_min_size(ws.imported.rows_loaded))
    elif args.method == "rfm":
        seg = segment_rfm(ws.con, roles=ws.roles, types=types)
    else:
        assert args.method in CLUSTER_METHODS
        from segdash.segment.cluster import cluster_customers

        features = names(args.features, "--features") or default_cluster_features(ws.roles, types)
        private = [f for f in features if f not in ws.modelling_columns()]
        if private:
            raise SegdashError(f"--features: '{private[0]}' is personal data or an id and is never used "
                               "for segmenting; leave it out.")
        seg = cluster_customers(ws.con, features=features, types=types, algorithm=args.method,
                                k=k_value(args.k), k_range=k_range(args.k_range), random_state=args.seed)
    ws.set_segmentation(seg)
    try:
        out.write_bytes(to_safe_csv(labels_frame(ws.con, roles=ws.roles)))
    except OSError as err:
        raise SegdashError(f"Cannot write {args.out}: {err.strerror or err}.") from err
    if args.json:
        _print_json({"method": seg.method, "k": seg.k, "sizes": seg.sizes,
                     "scores": {str(k): v for k, v in seg.scores.items()}, "stability": seg.stability,
                     "seconds": round(seg.seconds, 3)})
        return 0
    print(f"{sum(seg.sizes.values()):,} rows in {seg.k:,} segments ({seg.method}, {seg.seconds:.1f} s) "
          f"-> {args.out}")
    for label, count in seg.sizes.items():
        print(f"  {label}: {count:,}")
    for note in seg.notes:
        print(f"  note: {note}")
    return 0



def _cmd_roi(args: argparse.Namespace) -> int:
    """Per-segment acquisition economics. ``--margin`` is a fraction 0-1 (0.4 = 40%); 40 is refused."""
    from dataclasses import replace

    from segdash import economics
    from segdash.errors import EconomicsError
    from segdash.workspace import Workspace

    margin = economics.DEFAULT_MARGIN if args.margin is None else args.margin
    if not 0.0 <= margin <= 1.0:
        raise EconomicsError(f"--margin is a fraction between 0 and 1 (0.4 means 40%); got {args.margin:g}.")
    ws = Workspace()
    ws.load(args.path, sheet=args.sheet)
    economics.attach_labels_csv(ws.con, path=args.labels, id_columns=ws.columns_with_role("id"))
    types = ws.column_types()
    columns = economics.suggest_columns(ws.roles, types=types)
    spend = None
    if args.channel_spend:
        columns = replace(columns, cost=None)
        channels = economics.channel_list(ws.con, channel=columns.channel)
        spend, problems = economics.clean_channel_spend(
            economics.read_channel_spend_csv(args.channel_spend), channels=channels)
        if problems:
            raise EconomicsError(f"{args.channel_spend}: {problems[0]}")
    result = economics.compute_economics(
        ws.con, columns=columns, assumptions=economics.Assumptions(margin=margin), channel_spend=spend,
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


def _cmd_serve_check(args: argparse.Namespace) -> int:
    from segdash import auth

    print(auth.serve_check(args.host))
    return 0


def _cmd_projects(args: argparse.Namespace) -> int:
    from segdash import auth
    from segdash.store import Store

    user = auth.acting_user(args.user)
    listed = Store().projects(user=user)
    if not listed:
        print("No projects yet." if user is None else f"No projects that {user} may open.")
    for info in listed:
        shared = f", shared with {', '.join(info.shared_with)}" if info.shared_with else ""
        print(f"{info.id}  {info.name}  (owner: {info.owner or 'nobody'}{shared})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SegdashError as err:
        print(f"segdash: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"segdash: cannot open {err.filename}: {err.strerror.lower()}.", file=sys.stderr)
        return EXIT_USER_ERROR
