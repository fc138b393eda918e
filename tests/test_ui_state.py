"""Inputs kept across pages: ``state.kept`` puts a widget's value back when its page is shown again."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

APP = '''
import streamlit as st
from segdash.ui import state

state.remember_inputs()
page = st.radio("page", ["form", "elsewhere"], key="nav")
if page == "form":
    st.number_input("margin", key=state.kept("m", default=40.0))
    st.selectbox("column", ["a", "b", "c"], key=state.kept("col", default="a", options=st.session_state.get("opts", ["a", "b", "c"])))
    st.multiselect("many", ["x", "y", "z"], key=state.kept("multi", options=["x", "y", "z"], multi=True))
'''


def _app() -> AppTest:
    return AppTest.from_string(APP, default_timeout=30)


def test_values_come_back_after_the_widgets_were_not_drawn() -> None:
    at = _app().run()
    assert at.number_input(key="m").value == 40.0
    at.number_input(key="m").set_value(55.0)
    at.selectbox(key="col").set_value("c")
    at.multiselect(key="multi").set_value(["y", "z"]).run()
    at.radio(key="nav").set_value("elsewhere").run()
    assert "m" not in at.session_state  # Streamlit dropped the widgets' values ...
    at.radio(key="nav").set_value("form").run()
    assert not at.exception
    assert at.number_input(key="m").value == 55.0  # ... and they are back
    assert at.selectbox(key="col").value == "c"
    assert at.multiselect(key="multi").value == ["y", "z"]


def test_a_remembered_option_that_is_gone_falls_back_to_the_default() -> None:
    at = _app().run()
    at.selectbox(key="col").set_value("c").run()
    at.radio(key="nav").set_value("elsewhere").run()
    at.session_state["opts"] = ["a", "b"]
    at.radio(key="nav").set_value("form").run()
    assert not at.exception
    assert at.selectbox(key="col").value == "a"


FLASH_APP = '''
import streamlit as st
from segdash.ui import state

if st.button("save"):
    state.flash("Saved: it")
    st.rerun()
message = state.pop_flash(now=st.session_state.get("clock", 0.0))
if message:
    st.success(message)
'''


def test_a_confirmation_outlives_the_extra_run_a_widget_sends_then_goes() -> None:
    at = AppTest.from_string(FLASH_APP, default_timeout=30)
    at.session_state["clock"] = 100.0
    at.run()
    assert not at.success
    at.button[0].click().run()  # the save run, then its rerun shows the confirmation (first shown at 100 s)
    assert [s.value for s in at.success] == ["Saved: it"]
    at.session_state["clock"] = 100.0 + 3.0  # a table editor's own follow-up run, 3 s later: still there
    at.run()
    assert [s.value for s in at.success] == ["Saved: it"]
    at.session_state["clock"] = 100.0 + 9.0  # the next click, 9 s after it was first shown: gone
    at.run()
    assert not at.success
    at.session_state["clock"] = 100.0 + 1.0  # and gone for good
    at.run()
    assert not at.success
