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


#: Keys a :attr:`Segmentation.extra` may hold, and what each is (all JSON data: text, numbers,
#: lists and dicts of them; never a DataFrame or an array, so a segmentation saves as it is).
EXTRA_KEYS: dict[str, str] = {
    "pca": "2-D map sample: {'_row': [...], 'x': [...], 'y': [...], 'segment': [...]} (lists of equal length)",
    "pca_explained": "share of variance kept by each map axis: list of floats",
    "samples": "clustering sample sizes: {'search': int, 'silhouette': int}",
    "k_rule": "how k was chosen, in words",
    "k_next_best": "the runner-up k (int or None)",
    "score_method": "RFM: how the scores were computed, in words",
    "group_summary": "RFM: one dict per group (group, customers, averages)",
    "grid": "RFM: customers per (recency score, frequency-money score): list of dicts",
    "customers_per_group": "RFM: group -> customers",
    "customers": "RFM: customers scored (int)",
    "reference_date": "RFM: the 'today' of recency (text) or None",
    "unit": "'customers' or 'order lines': what the sizes count",
    "recency_unit": "RFM: 'days' or the unit of the recency column",
    "columns": "RFM: {'recency': str, 'frequency': [...], 'monetary': [...]}",
    "excluded": "RFM on order lines: {'cancelled': int, 'returned': int, 'no_customer_id': int}",
}


def _not_json(value: Any, path: str = "extra") -> str | None:
    """Where ``value`` holds something that is not JSON data (a DataFrame, an array), else ``None``."""
    if isinstance(value, dict):
        return next((found for k, v in value.items() if (found := _not_json(v, f"{path}[{k!r}]"))), None)
    if isinstance(value, list | tuple):
        return next((found for i, v in enumerate(value) if (found := _not_json(v, f"{path}[{i}]"))), None)
    if value is None or isinstance(value, str | bool | int | float):
        return None
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:  # a numpy scalar saves as a number
        return None
    return f"{path} is a {type(value).__name__}"


@dataclass
class Segmentation:
    """The outcome of segmenting: settings plus one label per imported row.

    The labels live in the engine of the data (:class:`segdash.data.Data`; for imported files the
    workspace's DuckDB table ``segment_labels(_row, segment)``) so sizes and traits are queries.
    ``sizes`` sums to the loaded row count. Everything here is JSON data (see :data:`EXTRA_KEYS`),
    so a segmentation is saved and reopened as it is.
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
    #: What a method shows beside the sizes (keys in :data:`EXTRA_KEYS`): JSON data only.
    extra: dict[str, Any] = field(default_factory=dict)
    #: Everything needed to apply this segmentation again to new data, JSON-ready (bands and kept
    #: combinations, RFM cut points, or the fitted preprocessing and model parameters as lists).
    model: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in (("extra", self.extra), ("model", self.model)):
            problem = _not_json(value, name)
            if problem is not None:
                raise TypeError(f"Segmentation.{name} must hold JSON data only (it is saved): {problem}")

    def map_points(self) -> Any:
        """The 2-D map sample (``extra["pca"]``) as a DataFrame ``_row, x, y, segment``, or ``None``."""
        import pandas as pd

        points = self.extra.get("pca")
        if not isinstance(points, dict) or not {"x", "y", "segment"} <= set(points):
            return None
        frame = pd.DataFrame(points)
        frame.attrs["explained"] = list(self.extra.get("pca_explained") or [])
        return frame
