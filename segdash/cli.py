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
    width = max((len(c.name) for c in result.columns), default=4)
    for column in result.columns:
        print(f"  {column.name:<{width}}  {column.type:<8} {column.role:<20} missing {column.missing:,}")
    return 0


def _cmd_segment(args: argparse.Namespace) -> int:
    raise SegdashError("The 'segment' command is not available yet.")


def _cmd_roi(args: argparse.Namespace) -> int:
    raise SegdashError("The 'roi' command is not available yet.")


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
