"""Two browser sessions on one server each keep their own data (issue 2: "each browser session has its own data")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, wait_idle

pytestmark = pytest.mark.browser

SAMPLE_LINE = "5,000 rows in the file · 5,000 loaded · 0 rejected"
UPLOAD = "customer,city,spend\nB-1,Oslo,10\nB-2,Bergen,20\nB-3,Tromsø,30\n"
UPLOAD_LINE = "3 rows in the file · 3 loaded · 0 rejected"


def _open(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(app_url)
    wait_idle(tab)
    tab.get_by_text(SAMPLE_LINE).wait_for()
    return context, tab


def test_an_upload_in_one_session_does_not_reach_another(browser, app_url: str, tmp_path: Path) -> None:
    first, alice = _open(browser, app_url)
    second, bob = _open(browser, app_url)
    try:
        upload = tmp_path / "other shop.csv"
        upload.write_text(UPLOAD, encoding="utf-8")
        alice.locator('input[type="file"]').set_input_files(str(upload))
        alice.get_by_text(UPLOAD_LINE).wait_for()
        wait_idle(alice)
        assert alice.get_by_role("heading", name=re.compile("other shop.csv")).count() == 1

        # Bob's session reruns (a fresh page load of the same session would start a new one, so
        # rerun by switching pages): it still has the sample, and never sees Alice's file.
        bob.get_by_role("link", name="Segments").click()
        bob.get_by_role("heading", name="Segments").first.wait_for()
        wait_idle(bob)
        bob.get_by_role("link", name="Data").click()
        bob.get_by_text(SAMPLE_LINE).wait_for()
        wait_idle(bob)
        assert bob.get_by_text(UPLOAD_LINE).count() == 0
        assert bob.get_by_role("heading", name=re.compile("other shop.csv")).count() == 0
        assert bob.get_by_role("heading", name=re.compile("customers.csv")).count() == 1

        # And Alice keeps her own file after Bob's activity.
        alice.get_by_role("link", name="Segments").click()
        alice.get_by_role("heading", name="Segments").first.wait_for()
        wait_idle(alice)
        alice.get_by_role("link", name="Data").click()
        alice.get_by_text(UPLOAD_LINE).wait_for()
        wait_idle(alice)
        assert alice.get_by_text(SAMPLE_LINE).count() == 0
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        alice.screenshot(path=str(ARTIFACTS / "sessions_alice.png"), full_page=True)
        bob.screenshot(path=str(ARTIFACTS / "sessions_bob.png"), full_page=True)
        first.close()
        second.close()
