"""Shared vocabulary: column types, roles, and the records that cross module boundaries."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Types a column can have after import.
TYPES = ("number", "text", "date", "boolean")

#: Roles a column can play. Order is the order shown to users.
ROLES = (
    "id",
    "pii",
    "geographic",
    "demographic",
    "behavioral",
    "psychographic",
    "acquisition_channel",
    "acquisition_cost",
    "revenue",
    "service_channel",
    "date",
    "other",
)

#: Plain-word labels for roles, for screens.
ROLE_LABELS = {
    "id": "Customer id",
    "pii": "Personal data",
    "geographic": "Geographic",
    "demographic": "Demographic",
    "behavioral": "Behavioral",
    "psychographic": "Psychographic",
    "acquisition_channel": "Acquisition channel",
    "acquisition_cost": "Acquisition cost",
    "revenue": "Revenue / spend",
    "service_channel": "Service channel",
    "date": "Date",
    "other": "Other",
}

#: Roles never used for modelling nor exported by default.
PRIVATE_ROLES = frozenset({"pii"})


def is_modelling_role(role: str) -> bool:
    """Whether a column with this role may be used for segmenting and profiling.

    Parameters
    ----------
    role
        One of :data:`ROLES`.

    Returns
    -------
    bool
        ``False`` for personal data (:data:`PRIVATE_ROLES`) and ids, ``True`` otherwise.
    """
    return role not in PRIVATE_ROLES and role != "id"


@dataclass
class ColumnInfo:
    """One imported column.

    ``name`` is the column's name in the DuckDB table (unique, never blank);
    ``original_name`` is the header as written in the file.
    """

    name: str
    type: str
    role: str = "other"
    missing: int = 0
    original_name: str | None = None
    note: str = ""


@dataclass
class RejectedRow:
    """A line of the file that could not be loaded."""

    line: int
    reason: str
    raw: str = ""


@dataclass
class ImportResult:
    """What an import did. ``rows_in_file == rows_loaded + rows_rejected`` always."""

    source: str
    format: str
    rows_in_file: int
    rows_loaded: int
    rows_rejected: int
    rejected: list[RejectedRow] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing_tokens: dict[str, list[str]] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``python -m segdash import --json``."""
        data = asdict(self)
        data["rejected"] = [{"line": r.line, "reason": r.reason} for r in self.rejected]
        data["columns"] = [
            {"name": c.name, "type": c.type, "role": c.role, "missing": c.missing} for c in self.columns
        ]
        return data


@dataclass
class Segmentation:
    """The outcome of segmenting: settings plus one label per imported row.

    The labels live in the workspace's DuckDB as table ``segment_labels(_row, segment)``
    so sizes and traits are queries. ``sizes`` sums to the loaded row count.
    """

    method: str
    settings: dict[str, Any]
    sizes: dict[str, int]
    k: int
    features: list[str] = field(default_factory=list)
    scores: dict[int, dict[str, float]] = field(default_factory=dict)
    chosen_k_reason: str = ""
    stability: float | None = None
    notes: list[str] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    #: Feature matrix coordinates for the 2-D map (PCA of a sample), if the method has one.
    extra: dict[str, Any] = field(default_factory=dict)
    #: Everything needed to apply this segmentation again to new data, JSON-ready (bands and kept
    #: combinations, RFM cut points, or the fitted preprocessing and model parameters as lists).
    model: dict[str, Any] = field(default_factory=dict)
