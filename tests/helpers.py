"""Small helpers several test files share: a CSV through the real import, and what a command loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segdash import db
from segdash.ingest import import_file


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    """A comma-separated file's text: the header and the rows, values written with ``str``."""
    return "\n".join([",".join(header), *(",".join(str(v) for v in row) for row in rows)]) + "\n"


def imported_roles_types(tmp_path: Path, text: str, name: str = "customers.csv") -> tuple[dict[str, str],
                                                                                         dict[str, str]]:
    """(roles, types) of a CSV file written to ``tmp_path`` and read through the real import."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    columns = import_file(db.connect(threads=1), path).columns
    return {c.name: c.role for c in columns}, {c.name: c.type for c in columns}


def loaded_after_script(heavy: tuple[str, ...]) -> str:
    """Python source that runs ``python -m segdash ARGS`` as a user does and prints which of ``heavy`` it loaded.

    It prints one JSON line: ``{"code": exit code, "loaded": sorted names of ``heavy`` in sys.modules}``.
    """
    return (
        "import json, runpy, sys\n"
        "sys.argv = ['segdash', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('segdash', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        f"heavy = {tuple(heavy)!r}\n"
        "print(json.dumps({'code': code, 'loaded': sorted(m for m in heavy if m in sys.modules)}))\n"
    )


def frame_connection(frame: Any) -> Any:
    """A fresh workspace DuckDB holding ``frame`` (with ``_row`` = 2, 3, ...) as ``customers``."""
    con = db.connect(threads=1)
    data = frame.copy()
    data.insert(0, db.ROW, range(2, len(data) + 2))
    con.register("frame_view", data)
    con.execute("CREATE TABLE customers AS SELECT * FROM frame_view")
    con.unregister("frame_view")
    return con


def frame_types(frame: Any) -> dict[str, str]:
    """Column -> segdash type (``boolean``, ``number``, ``date``, ``text``) from a DataFrame's dtypes."""
    import pandas as pd

    kinds = {}
    for name, series in frame.items():
        if pd.api.types.is_bool_dtype(series):
            kinds[name] = "boolean"
        elif pd.api.types.is_numeric_dtype(series):
            kinds[name] = "number"
        elif pd.api.types.is_datetime64_any_dtype(series):
            kinds[name] = "date"
        else:
            kinds[name] = "text"
    return kinds


def frame_roles(frame: Any) -> dict[str, str]:
    """Roles suggested for ``frame`` loaded as the workspace table."""
    from segdash.columns import suggest_roles

    return suggest_roles(frame_connection(frame), types=frame_types(frame))
