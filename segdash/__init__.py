"""segdash: a self-hosted customer-segmentation dashboard (library half)."""

from __future__ import annotations

__version__ = "0.1.0"
