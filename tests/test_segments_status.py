"""The status box after a segmentation run tells the whole wait, queue included (issue 14)."""

from __future__ import annotations

import re

from segdash.ui.segments import done_label


def test_the_time_shown_is_the_whole_wait_and_says_how_much_was_queueing() -> None:
    # the model took 1.9 s, but the user waited 22.7 s from the click, 19 s of it behind others' runs
    assert done_label(5, waited=22.7, queued=19.2) == \
        "Done: 5 segments in 22.7 s (19 s of it waiting for other people's runs)."


def test_no_queue_no_mention() -> None:
    assert done_label(3, waited=2.04, queued=0.3) == "Done: 3 segments in 2.0 s."
    assert done_label(1, waited=0.5, queued=0.0) == "Done: 1 segment in 0.5 s."


def test_the_status_box_counts_from_the_start_of_the_run_not_only_the_model(make_app) -> None:
    at = make_app()
    at.run()
    at.switch_page("pages/segments.py").run()
    at.button(key="segdash.segments.cluster_run").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    status = next(block for block in at.main.children.values() if type(block).__name__ == "Status")
    shown = float(re.fullmatch(r"Done: \d+ segments in ([\d.]+) s\.", status.label).group(1))
    # the run also names the segments (their profile) after the model: the wait shown includes it
    seconds = at.session_state["segdash.workspace"].segmentation.seconds
    assert shown > seconds
