"""Projects: keep work on the server, reopen saved segmentations, apply them to a newer export."""

from __future__ import annotations

from segdash.ui import components
from segdash.ui import projects as view

ws = components.page_setup(
    "Projects",
    "A project keeps your data, segments and names on this server, so a reload, a restart or next "
    "month's export starts from where you left off.",
)
view.project_manager(ws)
view.saved_segmentations(ws)
