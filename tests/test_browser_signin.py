"""Sign-in in a real browser: wrong and right password, a reload keeps the session, sign-out, expiry,
and two users who never see each other's projects or data."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from segdash import auth
from tests.conftest import ARTIFACTS, SAMPLE, serve_app, wait_idle

pytestmark = pytest.mark.browser


def start_server(env_extra: dict[str, str], log_name: str) -> contextlib.AbstractContextManager[str]:
    """``streamlit run app.py`` with the sample data and ``env_extra``; a context giving its URL."""
    return serve_app({"SEGDASH_SAMPLE": str(SAMPLE), "SEGDASH_DATA_DIR": str(SAMPLE.parent), **env_extra},
                     log_name=log_name)


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("signin-home")
    passwords = home / "segdash-passwords"
    auth.set_password("ann", "ann-password", path=passwords)
    auth.set_password("bob", "bob-password", path=passwords)
    with start_server({"SEGDASH_HOME": str(home), "SEGDASH_PASSWORDS": str(passwords)}, "server-signin.log") as url:
        yield url, home


def sign_in(tab: object, user: str, password: str) -> None:
    tab.get_by_label("User name", exact=True).fill(user)
    tab.get_by_label("Password", exact=True).fill(password)
    tab.get_by_role("button", name="Sign in").click()


def test_wrong_then_right_password_reload_and_sign_out(browser: object, signin_server: tuple[str, Path]) -> None:
    url, _home = signin_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(url)
        wait_idle(tab)
        assert tab.get_by_text("Sign in to open your team's customer segments.").is_visible()
        assert tab.get_by_role("link", name="Segments").count() == 0  # nothing behind the gate
        tab.goto(f"{url}/segments")  # nor by a page's address: Streamlit says there is no such page
        wait_idle(tab)
        tab.get_by_text("Page not found").wait_for()
        tab.screenshot(path=str(ARTIFACTS / "signin-page-address.png"))
        assert tab.get_by_role("heading", name="Segments").count() == 0
        assert tab.get_by_text("customers.csv").count() == 0
        tab.goto(url)
        wait_idle(tab)
        sign_in(tab, "ann", "wrong-password")
        tab.get_by_text("That user name and password do not match.").wait_for()
        assert not [c for c in context.cookies() if c["name"] == auth.COOKIE_NAME]
        assert any(c["name"] == "_streamlit_xsrf" for c in context.cookies())  # XSRF protection stays on
        sign_in(tab, "ann", "ann-password")
        tab.get_by_text("Signed in as ann").wait_for()
        tab.get_by_role("link", name="Segments").wait_for()
        tab.wait_for_function("() => document.cookie.includes('segdash_session=')")
        cookie = next(c for c in context.cookies() if c["name"] == auth.COOKIE_NAME)
        assert cookie["sameSite"] == "Strict"
        assert 11 * 3600 < cookie["expires"] - time.time() <= 12 * 3600 + 5
        tab.screenshot(path=str(ARTIFACTS / "signin-signed-in.png"))

        tab.reload()  # a new Streamlit session: the cookie signs it in
        wait_idle(tab)
        tab.get_by_text("Signed in as ann").wait_for()
        assert tab.get_by_label("Password", exact=True).count() == 0

        tab.get_by_role("button", name="Sign out").click()
        tab.get_by_label("Password", exact=True).wait_for()
        tab.wait_for_function("() => !document.cookie.includes('segdash_session=')")
        tab.reload()
        wait_idle(tab)
        tab.get_by_label("Password", exact=True).wait_for()
        assert tab.get_by_text("Signed in as").count() == 0
    finally:
        context.close()


def test_expired_or_forged_cookie_shows_sign_in(browser: object, signin_server: tuple[str, Path]) -> None:
    url, home = signin_server
    users = auth.parse_users((home / "segdash-passwords").read_text())
    secret = (home / "auth-secret").read_bytes() if (home / "auth-secret").exists() else auth.server_secret(folder=home)
    expired = auth.make_token("ann", stored_hash=users["ann"], secret=secret, hours=1, now=time.time() - 7200)
    fresh = auth.make_token("bob", stored_hash=users["bob"], secret=secret, hours=1)
    for value, signed_in in ((expired, False), (fresh[:-1] + ("0" if fresh[-1] != "0" else "1"), False),
                             (fresh, True)):
        context = browser.new_context()
        context.add_cookies([{"name": auth.COOKIE_NAME, "value": value, "url": url}])
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        try:
            tab.goto(url)
            wait_idle(tab)
            if signed_in:
                tab.get_by_text("Signed in as bob").wait_for()
            else:
                tab.get_by_label("Password", exact=True).wait_for()
                assert tab.get_by_text("Signed in as").count() == 0
        finally:
            context.close()


HOSTILE_CSV = ('customer,"<script>window.__pwned=1</script>","<img src=x onerror=window.__pwned=2>",spend\n'
               'A-1,"**bold**","=HYPERLINK(""http://evil"")",10\nA-2,x,y,20\nA-3,x,y,30\n')


def test_two_users_isolated_and_hostile_names_stay_text(browser: object, signin_server: tuple[str, Path],
                                                        tmp_path: Path) -> None:
    url, _home = signin_server
    tabs = []
    try:
        for user in ("ann", "bob"):
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            tab.goto(url)
            wait_idle(tab)
            sign_in(tab, user, f"{user}-password")
            tab.get_by_text(f"Signed in as {user}").wait_for()
            tab.get_by_text("5,000 rows in the file").first.wait_for()
            tabs.append((context, tab))
        (_, ann), (_, bob) = tabs
        upload = tmp_path / "<b>ann's shop<b>.csv"
        upload.write_text(HOSTILE_CSV, encoding="utf-8")
        ann.locator('input[type="file"]').set_input_files(str(upload))
        ann.get_by_text("3 rows in the file · 3 loaded · 0 rejected").wait_for()
        wait_idle(ann)
        main = ann.locator('[data-testid="stMain"]')
        shown = main.inner_text()
        assert "<b>ann's shop<b>.csv" in shown  # the file name as typed, not bold
        assert main.locator("b", has_text="ann's shop").count() == 0
        assert ann.evaluate("() => window.__pwned") is None  # no script or handler ran
        assert main.locator("script").count() == 0 and main.locator("img[src='x']").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        ann.screenshot(path=str(ARTIFACTS / "signin-hostile-names.png"), full_page=True)

        bob.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Segments").click()
        bob.get_by_role("heading", name="Segments").first.wait_for()
        wait_idle(bob)
        bob.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Data").click()
        bob.get_by_text("5,000 rows in the file").first.wait_for()
        wait_idle(bob)
        assert "ann's shop" not in bob.locator('[data-testid="stMain"]').inner_text()
        assert bob.get_by_text("Signed in as bob").count() == 1 and bob.get_by_text("Signed in as ann").count() == 0
    finally:
        for context, _tab in tabs:
            context.close()


def test_first_request_to_a_page_address_after_a_restart_asks_to_sign_in(browser: object, tmp_path: Path) -> None:
    """A fresh Streamlit process with a pages/ folder runs the first request's page file directly
    (without app.py) until some script calls st.navigation: that page must stop at the sign-in."""
    passwords = tmp_path / "segdash-passwords"
    auth.set_password("ann", "ann-password", path=passwords)
    with start_server({"SEGDASH_HOME": str(tmp_path), "SEGDASH_PASSWORDS": str(passwords)},
                      "server-signin-first.log") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        try:
            tab.goto(f"{url}/segments")  # the very first request this server sees
            wait_idle(tab)
            tab.get_by_label("Password", exact=True).wait_for()
            tab.screenshot(path=str(ARTIFACTS / "signin-first-request.png"))
            assert tab.get_by_role("heading", name="Segments").count() == 0
            assert tab.get_by_role("button", name="Find segments").count() == 0
            tab.goto(url)
            wait_idle(tab)
            sign_in(tab, "ann", "ann-password")
            tab.get_by_text("Signed in as ann").wait_for()
        finally:
            context.close()
