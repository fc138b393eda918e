"""Sample size per segment: the textbook formula with the finite population correction.

For a proportion ``p`` estimated within ``± e`` at confidence ``c`` (``z`` the two-sided normal
quantile), an infinite population needs ``n0 = z² p (1 - p) / e²`` completes (Cochran). A segment
of ``N`` customers needs ``n = n0 / (1 + (n0 - 1) / N)`` (the finite population correction),
rounded up; dividing by the expected response rate (rounded up) gives the invitations to send.
A segment of 2,000 at 95% and ±5% needs 323 completes, which at a 30% response rate is 1,077
invitations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from segdash.survey import SurveyError

#: Allocation of completes to segments.
ALLOCATIONS = ("per-segment", "proportional")
ALLOCATION_LABELS = {
    "per-segment": "Per segment (each segment gets its own margin of error)",
    "proportional": "Proportional to size (the margin holds for all customers together)",
}


@dataclass(frozen=True)
class SampleSettings:
    """What a sample is drawn with (kept with the saved sample).

    Parameters
    ----------
    confidence
        Confidence level, e.g. 0.95.
    margin
        Margin of error as a fraction, e.g. 0.05 for ±5 points.
    proportion
        Expected proportion (0.5 is the safest: the largest sample).
    response_rate
        Expected share of invited customers who answer, e.g. 0.3.
    allocation
        ``"per-segment"`` or ``"proportional"``.
    backup_share
        Backups drawn per segment, as a share of its invitations (0.2 = 20%).
    random_state
        Seed: the same settings always pick the same customers.
    """

    confidence: float = 0.95
    margin: float = 0.05
    proportion: float = 0.5
    response_rate: float = 0.3
    allocation: str = "per-segment"
    backup_share: float = 0.2
    random_state: int = 0

    def check(self) -> SampleSettings:
        """Return ``self`` if every value is in range, else raise :class:`SurveyError` naming the bad one."""
        if not 0.5 <= self.confidence < 1:
            raise SurveyError(f"The confidence level must be between 50% and 99.9%; got {self.confidence:.1%}.")
        if not 0 < self.margin < 0.5:
            raise SurveyError(f"The margin of error must be between 0.1% and 49%; got {self.margin:.1%}.")
        if not 0 < self.proportion < 1:
            raise SurveyError(f"The expected proportion must be between 0 and 1 (0.5 is safest); got {self.proportion:g}.")
        if not 0 < self.response_rate <= 1:
            raise SurveyError(f"The expected response rate must be above 0% and at most 100%; got {self.response_rate:.0%}.")
        if self.allocation not in ALLOCATIONS:
            raise SurveyError(f"Allocation must be one of {', '.join(ALLOCATIONS)}; got '{self.allocation}'.")
        if not 0 <= self.backup_share <= 5:
            raise SurveyError(f"Backups must be between 0% and 500% of the invitations; got {self.backup_share:.0%}.")
        return self


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level (0.95 -> 1.959964).

    Parameters
    ----------
    confidence
        Between 0 and 1.

    Returns
    -------
    float
    """
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def completes_needed(population: int, *, confidence: float = 0.95, margin: float = 0.05,
                     proportion: float = 0.5) -> int:
    """Completed answers needed from a population of ``population`` (Cochran with the FPC, rounded up).

    Parameters
    ----------
    population
        Customers in the segment (``N``); 0 gives 0.
    confidence
        Confidence level.
    margin
        Margin of error (fraction).
    proportion
        Expected proportion.

    Returns
    -------
    int
        ``ceil(n0 / (1 + (n0 - 1) / N))``, never more than ``N``.

    Examples
    --------
    >>> completes_needed(2000, confidence=0.95, margin=0.05)
    323
    """
    population = int(population)
    if population <= 0:
        return 0
    z = z_value(confidence)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    n = n0 / (1 + (n0 - 1) / population)
    # guard floating noise (322.0000000001 must stay 322) before rounding up
    return min(population, math.ceil(round(n, 9)))


def invitations(completes: int, *, response_rate: float) -> int:
    """Invitations to send for ``completes`` answers at the expected response rate (rounded up).

    Parameters
    ----------
    completes
        Answers needed.
    response_rate
        Expected share who answer (0-1].

    Returns
    -------
    int

    Examples
    --------
    >>> invitations(323, response_rate=0.3)
    1077
    """
    return math.ceil(round(int(completes) / response_rate, 9))


def _largest_remainder(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` in whole numbers that add up exactly."""
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: math.floor(value) for key, value in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[key] += 1
    return shares


def sample_plan(populations: dict[str, int], *, settings: SampleSettings,
                eligible: dict[str, int] | None = None) -> pd.DataFrame:
    """How many completes, invitations and backups each segment needs.

    Parameters
    ----------
    populations
        Segment label -> customers in it.
    settings
        Confidence, margin, proportion, response rate, allocation, backup share.
    eligible
        Segment label -> customers who may be invited (after exclusions); defaults to ``populations``.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``segment``, ``population``, ``eligible``, ``completes_needed``,
        ``invites`` (capped at ``eligible``), ``backups``, ``everyone`` (the segment is too small to
        reach the margin, or has too few eligible customers, so all of them are invited) and
        ``expected_completes``.

    Raises
    ------
    SurveyError
        For a setting out of range.
    """
    settings.check()
    eligible = dict(populations) if eligible is None else {k: int(eligible.get(k, 0)) for k in populations}
    if settings.allocation == "proportional":
        total_n = completes_needed(sum(populations.values()), confidence=settings.confidence,
                                   margin=settings.margin, proportion=settings.proportion)
        needed = _largest_remainder(total_n, {k: int(v) for k, v in populations.items()})
    else:
        needed = {k: completes_needed(v, confidence=settings.confidence, margin=settings.margin,
                                      proportion=settings.proportion) for k, v in populations.items()}
    rows = []
    for segment, population in populations.items():
        want = invitations(needed[segment], response_rate=settings.response_rate)
        can = int(eligible[segment])
        invites = min(want, can)
        backups = min(math.ceil(round(invites * settings.backup_share, 9)), can - invites)
        rows.append({
            "segment": str(segment), "population": int(population), "eligible": can,
            "completes_needed": int(needed[segment]), "invites": int(invites), "backups": int(backups),
            "everyone": bool(want >= can),
            "expected_completes": int(math.floor(invites * settings.response_rate + 1e-9)),
        })
    return pd.DataFrame(rows, columns=["segment", "population", "eligible", "completes_needed", "invites",
                                       "backups", "everyone", "expected_completes"])


def plan_notes(plan: pd.DataFrame, *, settings: SampleSettings, names: dict[str, str] | None = None) -> list[str]:
    """Plain sentences about a plan: the total, and each segment too small to reach the margin.

    Parameters
    ----------
    plan
        :func:`sample_plan` output.
    settings
        The settings it was made with.
    names
        Segment label -> display name.

    Returns
    -------
    list[str]
    """
    names = names or {}
    notes = [
        f"Invite {int(plan['invites'].sum()):,} customers in total ({int(plan['backups'].sum()):,} more as backups) "
        f"to get about {int(plan['completes_needed'].sum()):,} answers at {settings.confidence:.0%} confidence "
        f"and ±{settings.margin:.0%}, if {settings.response_rate:.0%} of them answer."
    ]
    for row in plan.itertuples():
        if row.everyone:
            name = names.get(row.segment, row.segment)
            notes.append(
                f"'{name}' is too small to reach ±{settings.margin:.0%} with a {settings.response_rate:.0%} response "
                f"rate ({row.eligible:,} customers can be invited, {row.completes_needed:,} answers are needed), so "
                f"everyone in it is invited; expect about {row.expected_completes:,} answers."
            )
    return notes
