"""Projects are private to their owner unless shared: the store, the picker's filter, opening by id."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segdash import auth
from segdash.store import Store, StoreError


def test_store_lists_only_what_a_user_may_open(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ann = store.create_project("Spring campaign", owner="ann")
    bob = store.create_project("Spring campaign", owner="bob")  # same name, different owner
    shared = store.create_project("Team plan", owner="bob")
    shared.share(["ann", " carol "])
    legacy = store.create_project("Before sign-in")  # no owner: everyone

    def ids(user: str | None) -> set[str]:
        return {p.id for p in store.projects(user=user)}

    assert ids("ann") == {ann.id, shared.id, legacy.id}
    assert ids("bob") == {bob.id, shared.id, legacy.id}
    assert ids("carol") == {shared.id, legacy.id}
    assert ids("mallory") == {legacy.id}
    assert ids(None) == {ann.id, bob.id, shared.id, legacy.id}  # sign-in off: one person's machine
    shared.share([])
    assert ids("ann") == {ann.id, legacy.id}


def test_opening_by_id_is_refused_like_a_missing_project(tmp_path: Path) -> None:
    store = Store(tmp_path)
    private = store.create_project("Bob only", owner="bob")
    assert auth.open_project_for(store, private.id, user="bob").id == private.id
    with pytest.raises(StoreError, match="no longer exists") as refused:
        auth.open_project_for(store, private.id, user="ann")
    with pytest.raises(StoreError, match="no longer exists") as missing:
        auth.open_project_for(store, "20260101T000000000000-abcdef", user="ann")
    assert str(refused.value) == str(missing.value)  # cannot tell a private project from none
    assert auth.open_project_for(store, private.id, user=None).id == private.id


def test_current_user_is_what_the_picker_filters_by(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The picker calls ``Store.projects(user=current_user())``: signed in as ann, it lists ann's projects."""
    home = tmp_path / "home"
    monkeypatch.setenv("SEGDASH_HOME", str(home))
    monkeypatch.setenv("SEGDASH_SAMPLE", "none")
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    store = Store(home)
    store.create_project("Ann's", owner="ann")
    store.create_project("Bob's", owner="bob")
    auth.set_password("ann", "ann-password")
    script = """
import streamlit as st
from segdash.store import Store
from segdash.ui import auth as ui_auth
ui_auth.gate()
st.text(f"user: {ui_auth.current_user()}")
st.text("projects: " + ", ".join(p.name for p in Store().projects(user=ui_auth.current_user())))
"""
    app = AppTest.from_string(script, default_timeout=30).run()
    assert not app.exception
    assert not app.text  # behind the gate
    app.text_input[0].input("ann")
    app.text_input[1].input("ann-password")
    app.button[0].click().run()
    assert not app.exception
    assert [t.value for t in app.text] == ["user: ann", "projects: Ann's"]


def test_oidc_gate_asks_to_sign_in_and_shows_nothing_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With [auth] in secrets.toml the gate offers Streamlit's sign-in and stops before any page."""
    monkeypatch.setenv("SEGDASH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(auth, "mode", lambda **_: "oidc")
    script = """
import streamlit as st
from segdash.ui import auth as ui_auth
ui_auth.gate()
st.text("behind the gate")
"""
    app = AppTest.from_string(script, default_timeout=30).run()
    assert not app.exception
    assert [b.label for b in app.button] == ["Sign in"]
    assert not app.text



def test_app_started_openly_without_sign_in_shows_only_the_refusal(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``streamlit run app.py --server.address 0.0.0.0`` (not through make run) still refuses to serve."""
    from streamlit import config as st_config

    monkeypatch.setenv("SEGDASH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SEGDASH_ALLOW_OPEN", raising=False)
    monkeypatch.delenv("SEGDASH_PASSWORD_HASH", raising=False)
    monkeypatch.delenv("SEGDASH_PASSWORDS", raising=False)
    script = """
import streamlit as st
from segdash.ui import auth as ui_auth
ui_auth.gate()
st.text("customer data")
"""
    before = st_config.get_option("server.address")
    assert before == "127.0.0.1"  # .streamlit/config.toml: localhost unless told otherwise
    st_config.set_option("server.address", "0.0.0.0")
    try:
        app = AppTest.from_string(script, default_timeout=30).run()
        assert not app.exception
        assert [e.value for e in app.error][0].startswith("segdash will not serve on 0.0.0.0 without sign-in")
        assert not app.text
        monkeypatch.setenv("SEGDASH_ALLOW_OPEN", "1")
        app = AppTest.from_string(script, default_timeout=30).run()
        assert [t.value for t in app.text] == ["customer data"]
    finally:
        st_config.set_option("server.address", before)
    app = AppTest.from_string(script, default_timeout=30).run()  # localhost (the project's config.toml)
    assert [t.value for t in app.text] == ["customer data"]
