"""Errors a user can cause.

Every message is written for a marketer: what was wrong, where, and what to do.
Pages show them with ``st.error``; the command line prints them on one line and exits 2.
"""

from __future__ import annotations


class SegdashError(Exception):
    """Base class for every error a user can cause."""


class DataImportError(SegdashError):
    """A file could not be read or holds no usable table."""


class SettingsError(SegdashError):
    """A setting cannot work with this data (k too large, no usable feature, ...)."""


class SegmentationError(SegdashError):
    """Segmenting failed for a reason the user can act on."""


class EconomicsError(SegdashError):
    """Cost, revenue or budget input is invalid (negative cost, margin out of range, ...)."""
