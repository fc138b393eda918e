"""Role suggestions on customer files the suite has never seen, against a person's judgement (issue 16).

Usage::

    .venv/bin/python bench/roles_unseen.py FOLDER [--expected FOLDER/expected.json] [--without FILE ...]

``FOLDER`` holds real customer files (not committed: they are reference data) and ``expected.json``,
written column by column *before* segdash was run on them::

    {"file.csv": {"Column": "role", "Other column": ["role", "also acceptable"], ...},
     "_notes": {...}}

Keys starting with ``_`` are ignored; a column's key is its name as segdash names it (surrounding
spaces removed, a blank header is ``"Column N"``) or its header as written. A list means two roles
are acceptable.

Each file goes through the real import (:func:`segdash.ingest.import_file`, the path of the page
and of ``python -m segdash import``). The script prints hits/total per file and overall (again
without the files named by ``--without``), then every miss with the role expected, the role
suggested, and the lines of :data:`segdash.columns.ROLE_RULES` whose words are in the column's name
and whose types fit the column, so a miss can be traced to a rule (``--all`` prints every column).
Columns segdash imports but ``expected.json`` does not list are printed as unjudged, not counted.

Issue 16's goal: at least 90% right on files the suite has never seen. Exit status 0 either way (it
is a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from segdash import db  # noqa: E402
from segdash.columns import ROLE_RULES, phrase_matches  # noqa: E402
from segdash.ingest import import_file  # noqa: E402

GOAL = 0.90


@dataclass
class Outcome:
    """One judged column of one file."""

    file: str
    column: str
    expected: tuple[str, ...]
    suggested: str
    type: str
    rule: str

    @property
    def hit(self) -> bool:
        return self.suggested in self.expected


def _key(name: str) -> str:
    return " ".join(str(name).split())


def name_rules(name: str, kind: str) -> str:
    """The role-table lines whose words are in ``name`` and whose types include ``kind``, in order.

    Parameters
    ----------
    name
        Column name.
    kind
        segdash column type (number, text, date, boolean).

    Returns
    -------
    str
        ``"id ('number', if unique); behavioral ('orders')"``, or ``"no name rule (content and the last steps decide)"``.
        The first line whose content condition (``varied``, ``unique``, ``money``) holds is the one
        that fired; the constant-column, column-kind (event years, numeric dates, yes/no values, free text,
        web addresses) and cost-next-to-a-channel steps come after the table.
    """
    found = []
    for rule in ROLE_RULES:
        if kind not in rule.types:
            continue
        phrase = next((p for p in rule.phrases if phrase_matches(p, name)), None)
        if phrase is not None:
            condition = f", if {rule.content}" if rule.content else ""
            found.append(f"{rule.role} ('{phrase}'{condition})")
    return "; ".join(found) if found else "no name rule (content and the last steps decide)"


def judge_file(path: Path, judged: dict[str, Any]) -> tuple[list[Outcome], list[tuple[str, str]], float]:
    """Import one file and compare every judged column's suggested role.

    Parameters
    ----------
    path
        The file.
    judged
        Column -> expected role, or a list of acceptable roles.

    Returns
    -------
    tuple
        The judged outcomes (file order of ``judged``), the unjudged columns as (name, role), and the
        import's seconds.
    """
    started = time.perf_counter()
    result = import_file(db.connect(), path)
    seconds = time.perf_counter() - started
    by_key: dict[str, Any] = {}
    for column in result.columns:
        by_key.setdefault(_key(column.name), column)
        if column.original_name is not None:
            by_key.setdefault(_key(column.original_name), column)
    outcomes, seen = [], set()
    for name, roles in judged.items():
        expected = tuple(roles) if isinstance(roles, list) else (roles,)
        column = by_key.get(_key(name))
        if column is None:
            outcomes.append(Outcome(path.name, name, expected, "(not imported)", "", ""))
            continue
        seen.add(column.name)
        outcomes.append(Outcome(path.name, name, expected, column.role, column.type,
                                name_rules(column.name, column.type)))
    unjudged = [(c.name, c.role) for c in result.columns if c.name not in seen]
    return outcomes, unjudged, seconds


def _share(hits: int, total: int) -> str:
    return f"{hits}/{total} = {100 * hits / total:.1f}%" if total else "0/0"


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print the report (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with the files and expected.json")
    parser.add_argument("--expected", type=Path, help="judgement file (default: FOLDER/expected.json)")
    parser.add_argument("--all", action="store_true", help="print every judged column, not only the misses")
    parser.add_argument("--without", action="append", default=[], metavar="FILE",
                        help="also print the overall figure without this file (repeatable)")
    args = parser.parse_args(argv)
    expected_path = args.expected or args.folder / "expected.json"
    judgement = {k: v for k, v in json.loads(expected_path.read_text(encoding="utf-8")).items()
                 if not k.startswith("_")}
    acceptable_two = sum(isinstance(r, list) for cols in judgement.values() for r in cols.values())

    every: list[Outcome] = []
    print(f"Role suggestions on {len(judgement)} unseen files ({expected_path}); "
          f"{acceptable_two} columns have two acceptable roles.\n")
    print(f"{'file':48} {'right':>18}  import")
    for name, judged in judgement.items():
        outcomes, unjudged, seconds = judge_file(args.folder / name, judged)
        every += outcomes
        hits = sum(o.hit for o in outcomes)
        print(f"{name:48} {_share(hits, len(outcomes)):>18}  {seconds:.2f} s")
        if args.all:
            for o in outcomes:
                mark = "  " if o.hit else "X "
                print(f"    {mark}{o.column} ({o.type}): {o.suggested}  [expected {'/'.join(o.expected)}]")
        for column, role in unjudged:
            print(f"    unjudged: {column!r} -> {role}")

    hits = sum(o.hit for o in every)
    verdict = "met" if hits >= GOAL * len(every) else "NOT met"
    print(f"\n{'overall':48} {_share(hits, len(every)):>18}  goal >= {GOAL:.0%}: {verdict}")
    if args.without:
        rest = [o for o in every if o.file not in set(args.without)]
        rest_hits = sum(o.hit for o in rest)
        print(f"{'overall without ' + ', '.join(args.without):48} {_share(rest_hits, len(rest)):>18}")
    strict = [o for o in every if len(o.expected) == 1]
    print(f"{'columns with one acceptable role only':48} {_share(sum(o.hit for o in strict), len(strict)):>18}")

    misses = [o for o in every if not o.hit]
    print(f"\nMisses ({len(misses)}): file | column (type) | expected -> suggested | role-table lines its name matches")
    for o in misses:
        print(f"  {o.file} | {o.column} ({o.type}) | {'/'.join(o.expected)} -> {o.suggested} | {o.rule}")
    pairs = Counter((o.expected[0], o.suggested) for o in misses)
    print("\nMisses by expected -> suggested:")
    for (want, got), count in pairs.most_common():
        print(f"  {count:3}  {want} -> {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
