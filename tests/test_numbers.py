"""One ``format_number`` for the whole app (issue 8): its three styles, worked out by hand."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from segdash.numbers import format_number, nice_number

PACKAGE = Path(__file__).resolve().parents[1] / "segdash"


@pytest.mark.parametrize(("value", "expected"), [
    (84835.0, "84,835"), (2.556, "2.56"), (1234.5, "1,234.5"), (0.00123, "0.00123"), (-9058, "-9,058"),
    (2.0, "2"), (np.int64(7), "7"), (np.float64(12.25), "12.25"),
])
def test_tables_keep_up_to_two_decimals(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1240.2, "1,240"), (26152.4, "26,152"), (3.44, "3.4"), (2.0, "2"), (9.96, "10"), (-3.44, "-3.4"),
])
def test_cards_and_sentences_are_compact(value, expected):
    assert format_number(value, compact=True) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (41234.5, "41,200"), (8.6234, "8.62"), (1234, "1,234"), (0.001234, "0.00123"), (2500000.5, "2,500,000"),
    (-16.25, "-16.2"),
])
def test_band_edges_keep_significant_digits(value, expected):
    assert format_number(value, significant=3) == expected


def test_missing_and_text():
    for missing in (None, float("nan"), math.inf, np.nan):
        assert format_number(missing) == "–"
        assert format_number(missing, compact=True, missing="") == ""
    assert format_number("n/a") == "n/a"


def test_nice_number_rounds_to_significant_digits():
    assert nice_number(41234.5) == 41200.0
    assert nice_number(0.012345, digits=2) == 0.012
    assert nice_number(0.0) == 0.0


def test_there_is_one_format_number():
    """No module of the package defines its own ``format_number`` besides :mod:`segdash.numbers`."""
    defined = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined += [str(path.relative_to(PACKAGE)) for node in ast.walk(tree)
                    if isinstance(node, ast.FunctionDef) and node.name in ("format_number", "nice_number")]
    assert sorted(defined) == ["numbers.py", "numbers.py"]
