"""Every page of app.py runs without an exception or traceback, with the sample loaded and with no data."""

from __future__ import annotations

import pytest

#: Page file -> a word its title must contain (case-insensitive).
PAGES = {
    "pages/data.py": "data",
    "pages/segments.py": "segment",
    "pages/profiles.py": "profile",
    "pages/roi.py": "roi",
    "pages/playbook.py": "playbook",
    "pages/report.py": "report",
}
#: What app.py shows when a page raised something other than a SegdashError (a bug).
BUG_MESSAGE = "Something went wrong on this page"


def _assert_clean(at, page: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    titles = [title.value for title in at.title]
    assert any(PAGES[page] in title.casefold() for title in titles), (page, titles)
    for element in (*at.error, *at.warning, *at.info, *at.markdown, *at.code):
        text = str(element.value)
        assert "Traceback" not in text, (page, text)
        assert BUG_MESSAGE not in text, (page, text)


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("with_sample", [True, False], ids=["sample", "no-data"])
def test_page_runs_clean(make_app, page: str, with_sample: bool) -> None:
    at = make_app() if with_sample else make_app(None)
    at.run()
    if page != "pages/data.py":
        at.switch_page(page)
        at.run()
    _assert_clean(at, page)


def test_default_page_is_data_with_sample_loaded(make_app) -> None:
    at = make_app()
    at.run()
    _assert_clean(at, "pages/data.py")
    assert any("rows in the file" in str(s.value) for s in at.success), [s.value for s in at.success]
