"""Column names: unique, never blank, and every rename written down."""

from __future__ import annotations

from segdash import db

#: Names the import keeps for itself.
RESERVED = frozenset({db.ROW})


def unique_names(headers: list[str | None]) -> tuple[list[str], list[str]]:
    """Make header names usable as column names.

    Blank headers become ``"Column 3"`` (their position, 1-based); repeated names get
    ``" (2)"``, ``" (3)"``...; surrounding spaces are removed.

    Parameters
    ----------
    headers
        The header cells as written in the file.

    Returns
    -------
    tuple[list[str], list[str]]
        The new names (same length, all distinct, case-insensitively) and one sentence per rename.
    """
    names: list[str] = []
    repairs: list[str] = []
    taken: set[str] = set()
    for position, header in enumerate(headers, start=1):
        original = "" if header is None else str(header)
        name = " ".join(original.split())
        if not name:
            name = f"Column {position}"
            base_reason = f"Column {position} had no name; it is called '{name}'."
        else:
            base_reason = ""
        candidate = name
        counter = 2
        while candidate.lower() in taken or candidate in RESERVED:
            candidate = f"{name} ({counter})"
            counter += 1
        if candidate != name:
            repairs.append(
                f"Column {position} repeats the name '{original}'; it is called '{candidate}'."
                if name == " ".join(original.split()) and original.strip()
                else f"Column {position} had no usable name; it is called '{candidate}'."
            )
        elif base_reason:
            repairs.append(base_reason)
        taken.add(candidate.lower())
        names.append(candidate)
    return names, repairs
