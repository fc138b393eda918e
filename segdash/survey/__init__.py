"""Confirm segments with surveys: samples per segment, a question kit, answers back, and the verdict.

* :mod:`segdash.survey.sizes`   sample size per segment (finite population correction, response rate)
* :mod:`segdash.survey.sample`  seeded stratified sampling in DuckDB, exclusions, contact lists
* :mod:`segdash.survey.kit`     the question kit drafted from what defines the segments
* :mod:`segdash.survey.answers` question types, ordered bands, short labels, joining answers back
* :mod:`segdash.survey.verdict` tests per question, agreement with the data, a verdict per segment
"""

from __future__ import annotations

from segdash.errors import SegdashError


class SurveyError(SegdashError):
    """A survey setting or file the user gave cannot work (margin out of range, no contact column, ...)."""
