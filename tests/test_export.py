"""Spreadsheet-safe exports and showing user text literally on a page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segdash import profile as prof
from segdash.report.export import neutralise_formulas, restore_cell, to_safe_csv
from segdash.report.text import escape_markdown
from segdash.ui import data as data_ui


def test_neutralise_changes_only_formula_like_text() -> None:
    frame = pd.DataFrame({
        "text": ["=SUM(A1)", "plain", None, "-5", "+Gold", "@x"],
        "number": [1, -2, 3, -4, 5, 6],
        "mixed": ["=x", -3, -3.5, None, "ok", np.nan],
        "nullable": pd.array(["-a", "b", None, "c", "@d", "\tt"], dtype="string"),
        "when": pd.to_datetime(["2024-01-01"] * 6),
    })
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist()[:2] == ["'=SUM(A1)", "plain"] and pd.isna(safe["text"][2])
    assert safe["text"].tolist()[3:] == ["'-5", "'+Gold", "'@x"]
    assert safe["number"].tolist() == [1, -2, 3, -4, 5, 6]  # numbers are left alone
    assert safe["mixed"].tolist()[:3] == ["'=x", -3, -3.5]  # in a mixed column only strings change
    assert safe["mixed"][4] == "ok" and pd.isna(safe["mixed"][3]) and pd.isna(safe["mixed"][5])
    assert safe["nullable"].tolist()[:2] == ["'-a", "b"] and safe["nullable"].tolist()[4:] == ["'@d", "'\tt"]
    assert safe["when"].equals(frame["when"])
    assert frame["text"][0] == "=SUM(A1)"  # the input is not changed


def test_neutralise_headers_and_csv() -> None:
    csv = to_safe_csv(pd.DataFrame({"=cmd": ["-1"], "ok": [-1]})).decode("utf-8-sig")
    assert csv.splitlines() == ["'=cmd,ok", "'-1,-1"]


def test_neutralise_is_vectorised_for_large_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """500k text cells must not go through the per-cell function (that took seconds)."""
    from segdash.report import export

    calls = 0
    real = export.neutralise_cell

    def counting(value: object) -> object:
        nonlocal calls
        calls += 1
        return real(value)

    monkeypatch.setattr(export, "neutralise_cell", counting)
    frame = pd.DataFrame({"name": np.where(np.arange(500_000) % 3 == 0, "=x", "plain")})
    safe = export.neutralise_formulas(frame)
    assert calls == 1  # the header only
    assert (safe["name"] == "'=x").sum() == 166_667


@pytest.mark.parametrize(("written", "read"), [
    ("'-", "-"), ("'+Gold", "+Gold"), ("'=1+1", "=1+1"), ("'@x", "@x"), ("'\tt", "\tt"),
    ("'quoted'", "'quoted'"), ("'", "'"), ("plain", "plain"), (5, 5), (None, None),
])
def test_restore_cell_undoes_neutralise(written: object, read: object) -> None:
    assert restore_cell(written) == read


@pytest.mark.parametrize(("text", "escaped"), [
    ("<b>x</b>", r"\<b\>x\</b\>"),
    ("=1+1", r"\=1+1"),
    ("Annual Income (k$)", r"Annual Income (k\$)"),
    ("*a* _b_ [c](d) `e` #f |g| ~h~", r"\*a\* \_b\_ \[c\](d) \`e\` \#f \|g\| \~h\~"),
    ("- starts a list", r"\- starts a list"),
    ("1. numbered", r"1\. numbered"),
    (":material/home:", r"\:material/home\:"),
])
def test_one_escaper_for_every_page(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped
    assert prof.escape_markdown(text) == escaped  # Profiles and Segments pages
    assert data_ui.md(text) == escaped  # Data page


def test_arrow_labels_are_neutralised_like_the_dataframe_ones() -> None:
    import pyarrow as pa

    from segdash.report.export import neutralise_arrow, neutralise_formulas

    table = pa.table({"=id": ["=1+1", "a", "-3", None, "@x"], "n": [1, 2, 3, 4, 5]})
    safe = neutralise_arrow(table)
    assert safe.column_names == ["'=id", "n"]
    assert safe.column("'=id").to_pylist() == ["'=1+1", "a", "'-3", None, "'@x"]
    assert safe.column("n").to_pylist() == [1, 2, 3, 4, 5]
    frame = neutralise_formulas(table.to_pandas())
    assert frame["'=id"].tolist()[:3] == safe.column("'=id").to_pylist()[:3]
