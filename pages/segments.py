"""Segments: split customers by dimensions, by RFM, or by clustering, and see the result."""

from __future__ import annotations

from segdash.ui import components, projects
from segdash.ui import segments as view

ws = components.page_setup(
    "Segments",
    "Split your customers into groups you can act on. Every customer ends up in exactly one segment.",
)
if components.require_data(ws):
    method = view.choose_method(ws)
    if method == "By dimensions":
        view.dimensions_section(ws)
    elif method == "RFM":
        view.rfm_section(ws)
    else:
        view.clustering_section(ws)
    view.show_summary(ws)
    projects.save_box(ws)
