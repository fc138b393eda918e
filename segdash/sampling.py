"""Seeded choices of customers that every engine makes the same way (issue 15).

A table in Spark, PostgreSQL or a warehouse is never pulled whole: profiles, role suggestions,
survey samples and the number tests look at a seeded sample. To get the *same* rows (and so the
same p-values and the same survey list) on every engine, the choice is integer arithmetic on the
customer key, which every SQL engine computes identically: a Lehmer generator modulo 2^31 - 1
(the same formula as :func:`segdash.segment.features.engine_sample`). Integer keys are used as they
are; a text key is first replaced by its place in key order (the engine's collation orders it: use
a binary / C collation for identical samples, as the tests do).
"""

from __future__ import annotations

from typing import Any

#: Modulus and multipliers of the seeded order (the same as the clustering sample).
MODULUS = 2_147_483_647
_MULTIPLIERS = (48_271, 69_621)


def seeded_draw(key: Any, *, random_state: int = 0, window: bool = True) -> Any:
    """A pseudo-random whole number in ``[0, MODULUS)`` per customer, from its key and the seed.

    Parameters
    ----------
    key
        The Ibis column of the customer key (unique per customer).
    random_state
        Seed: another seed, another order.
    window
        Text keys: use their place in key order (a window over the whole table). ``False`` is only
        for integer keys.

    Returns
    -------
    ibis integer expression
        The same number for the same key and seed on every engine.
    """
    import ibis

    # 64-bit literals: with 32-bit ones Spark did the products in 32 bits and wrapped around
    modulus = ibis.literal(MODULUS, "int64")
    if key.type().is_integer():
        base = key.cast("int64").abs() % modulus
    elif window:
        # through float64: Ibis types ROW_NUMBER as int64 and drops a cast to int64, but Spark's is 32-bit
        base = ibis.row_number().over(order_by=key).cast("float64").cast("int64") % modulus
    else:
        raise ValueError("a text key needs its place in key order (window=True)")
    seed = ibis.literal((int(random_state) * 7_919 + 1) % MODULUS, "int64")
    first, second = (ibis.literal(m, "int64") for m in _MULTIPLIERS)
    draw = ((base * first) % modulus + seed) % modulus
    return (draw * second) % modulus


def with_draw(table: Any, key: str, *, random_state: int = 0, name: str = "_segdash_draw") -> Any:
    """``table`` with a column ``name`` holding :func:`seeded_draw` of its ``key`` column.

    Parameters
    ----------
    table
        Ibis table (one row per customer).
    key
        Its customer key column.
    random_state
        Seed.
    name
        Name of the added column.

    Returns
    -------
    ibis.Table
    """
    return table.mutate(**{name: seeded_draw(table[key], random_state=random_state)})
