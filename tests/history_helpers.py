"""Build projects with saved snapshots for the history tests (as the store's contract says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from segdash.store import Project, Store
from segdash.workspace import Workspace


def save_export(project: Project, frame: pd.DataFrame, *, folder: Path, name: str,
                roles: dict[str, str] | None = None) -> tuple[str, Workspace]:
    """Write ``frame`` as CSV, import it like the app does and save it as a dataset of ``project``."""
    path = folder / name
    frame.to_csv(path, index=False)
    ws = Workspace()
    ws.load(path)
    if roles:
        for column, role in roles.items():
            ws.set_role(column, role)
    dataset_id = project.save_dataset(ws.con, imported=ws.imported, roles=ws.roles)
    return dataset_id, ws


def save_snapshot(project: Project, *, dataset_id: str, labels: dict[str, str], name: str,
                  names: dict[str, str] | None = None, key_column: str = "customer_id",
                  created: str | None = None, method: str = "rfm", dataset_name: str = "",
                  inputs: dict[str, Any] | None = None) -> str:
    """Save a snapshot whose labels are ``customer id -> segment``."""
    frame = pd.DataFrame({"key": list(labels), "segment": list(labels.values())})
    sizes = frame["segment"].value_counts().to_dict()
    record: dict[str, Any] = {
        "name": name, "method": method, "settings": {}, "model": None, "names": names or {},
        "sizes": {str(k): int(v) for k, v in sizes.items()}, "dataset_id": dataset_id,
        "dataset_name": dataset_name or name, "key_column": key_column, "parent_id": None,
        "customers": len(frame),
    }
    if created:
        record["created"] = created
    if inputs is not None:
        record["inputs"] = inputs
    return project.save_segmentation(record, frame)


def new_project(home: Path, name: str = "Shop") -> Project:
    """A fresh project in a store at ``home``."""
    return Store(home).create_project(name)
