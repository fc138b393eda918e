"""The sign-in gate (called from app.py before navigation) and who is signed in.

* ``[auth]`` in ``.streamlit/secrets.toml``: Streamlit's OpenID Connect sign-in (``st.login``).
* A password file or ``SEGDASH_PASSWORD_HASH``: a sign-in form checked by :mod:`segdash.auth`.
* Neither: no gate (localhost; ``make run`` refuses other addresses, see ``segdash serve-check``).

The password sign-in keeps a signed cookie so a reload (a new Streamlit session) stays signed in.
Streamlit reads cookies (``st.context.cookies``, from the WebSocket handshake) but has no call that
sets one under ``streamlit run``; a tiny inline component (``st.components.v2``, which runs in the
app page, not in a sandboxed frame) writes it with ``document.cookie``: ``Path=/``,
``SameSite=Strict``, ``Max-Age`` of the sign-in's life, ``Secure`` when served over HTTPS. The
cookie's value is the HMAC-signed token of :func:`segdash.auth.make_token`; the server checks its
signature, expiry and password fingerprint on every new session. The script cannot make it
``HttpOnly`` (a cookie written by JavaScript never is); the app renders no user HTML or script
(see tests/test_hostile.py), which is what keeps it from being read by injected script.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import NoReturn

import streamlit as st

from segdash import auth
from segdash.errors import SegdashError
from segdash.ui import state

#: The signed-in user's name (any sign-in mode); the key is declared in segdash.ui.state.
USER = state.USER
#: The token this session wrote (or must write) into the cookie.
TOKEN = "segdash.auth.token"
#: The user signed out in this tab: the old cookie (still in ``st.context.cookies``) is ignored.
SIGNED_OUT = "segdash.auth.signed_out"
SIGNIN_FORM = "segdash.auth.form"

_COOKIE_JS = """
export default function(component) {
  const { data } = component;
  if (!data || !data.name) { return; }
  const parts = [data.name + "=" + data.value, "Path=/", "SameSite=Strict", "Max-Age=" + data.maxAge];
  if (window.location.protocol === "https:") { parts.push("Secure"); }
  document.cookie = parts.join("; ");
}
"""
_cookie_writer = st.components.v2.component("segdash_session_cookie", js=_COOKIE_JS)


def current_user() -> str | None:
    """The signed-in user of this browser session, or ``None`` when sign-in is off.

    The project picker passes it to ``Store.projects(user=...)`` and as the owner of new projects.
    """
    return st.session_state.get(USER)


def _write_cookie(value: str, max_age: int) -> None:
    with contextlib.suppress(Exception):  # AppTest has no browser to run it; a real page always does
        _cookie_writer(data={"name": auth.COOKIE_NAME, "value": value, "maxAge": int(max_age)},
                       key="segdash.auth.cookie", height=0)


def require_signed_in() -> None:
    """Run the sign-in gate unless this session is already signed in (or sign-in is off).

    Every page calls it (through ``components.page_setup``). app.py's gate is not enough on its
    own: with a ``pages/`` folder, a fresh Streamlit process runs the first request's page file
    directly ("MPA v1": ``PagesManager.uses_pages_directory`` is true until some script calls
    ``st.navigation``), so ``/segments`` as the first request after a restart would skip app.py.
    """
    if st.session_state.get(USER) is None:
        gate()


def client_address() -> str:
    """The client's address for throttling (behind a proxy with ``SEGDASH_TRUST_PROXY=1``: the address it saw)."""
    if os.environ.get("SEGDASH_TRUST_PROXY", "").strip().lower() in ("1", "true", "yes", "on"):
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return st.context.ip_address or "unknown"


def gate() -> str | None:
    """Show the sign-in and stop the run until someone signs in; returns the user (``None``: no sign-in).

    Call once per run from app.py, before ``st.navigation``.
    """
    try:
        how = auth.mode()
    except SegdashError as err:
        st.error(str(err))
        st.stop()
    if how == "none":
        st.session_state.pop(USER, None)
        _refuse_open_serving()
        return None
    if how == "oidc":
        return _oidc_gate()
    return _password_gate()


def _refuse_open_serving() -> None:
    """Without sign-in, show only a refusal when Streamlit listens beyond localhost.

    ``make run`` refuses before starting (``segdash serve-check``); this catches a server started
    some other way (``streamlit run app.py --server.address 0.0.0.0``). No address means every one.
    """
    address = str(st.get_option("server.address") or "0.0.0.0")
    try:
        auth.serve_check(address)
    except auth.ServeRefused as err:
        st.error(str(err))
        st.stop()


def _oidc_gate() -> str:
    if not getattr(st.user, "is_logged_in", False):  # absent until [auth] is read by Streamlit
        def oidc_signin() -> None:
            st.title("segdash")
            st.write("Sign in to open your team's customer segments.")
            if st.button("Sign in", type="primary"):
                st.login()

        _only_page(oidc_signin)
    user = str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "")
    if st.session_state.get(USER) not in (None, user):
        _forget_session()
    st.session_state[USER] = user
    with st.sidebar:
        st.caption(f"Signed in as {user}")
        if st.button("Sign out", key="segdash.auth.signout"):
            _forget_session()
            st.logout()
    return user


def _only_page(draw: Callable[[], None]) -> NoReturn:
    """Run ``draw`` as the app's only page, then stop.

    Calling ``st.navigation`` here matters: without it, Streamlit would list and serve the files
    of ``pages/`` directly, around this gate.
    """
    def sign_in() -> None:
        draw()

    st.navigation([st.Page(sign_in, title="Sign in", default=True)], position="hidden").run()
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def _forget_session() -> None:
    """Drop everything this tab holds (data, results, upload folder), so the next user starts clean."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def _password_gate() -> str:
    try:
        users = auth.load_users()
        secret = auth.server_secret()
        hours = auth.signin_hours()
    except (SegdashError, OSError) as err:
        st.error(f"Sign-in is not working on this server: {err}")
        st.stop()
    user = st.session_state.get(USER)
    if user is not None and user not in users:  # removed from the password file meanwhile
        _forget_session()
        user = None
    if user is None and not st.session_state.get(SIGNED_OUT):
        user = auth.read_token(st.context.cookies.get(auth.COOKIE_NAME), users=users, secret=secret)
        if user is not None:
            st.session_state[USER] = user
    if user is None:
        _only_page(lambda: _signin_form(users=users, secret=secret, hours=hours))
    token = st.session_state.get(TOKEN)
    if token:  # written on every run of the session that signed in: idempotent, survives a slow browser
        _write_cookie(token, int(hours * 3600))
    with st.sidebar:
        st.caption(f"Signed in as {user}")
        if st.button("Sign out", key="segdash.auth.signout"):
            _forget_session()
            st.session_state[SIGNED_OUT] = True
            st.rerun()
    return user


def _signin_form(*, users: dict[str, str], secret: bytes, hours: float) -> None:
    if st.session_state.get(SIGNED_OUT):
        _write_cookie("", 0)  # removes the cookie
    st.title("segdash")
    st.write("Sign in to open your team's customer segments.")
    with st.form(SIGNIN_FORM, width=480):  # a sign-in box, not a full-width band
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        user = auth.check_password_signin(name, password, client=client_address(), users=users)
    except auth.AuthError as err:
        st.error(str(err), width=480)
        return
    _forget_session()
    st.session_state[USER] = user
    st.session_state[TOKEN] = auth.make_token(user, stored_hash=users[user], secret=secret, hours=hours)
    st.rerun()
