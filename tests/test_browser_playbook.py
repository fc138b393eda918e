"""The Playbook in a real browser: edit a tone rule and see the card change; edits finished by leaving the page are kept."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from segdash.ui.playbook import MAP_EDITOR, RULES_EDITOR
from tests.conftest import full_page_screenshot, leave_for, wait_idle

pytestmark = pytest.mark.browser


def _segment_by_age(page) -> None:
    page.get_by_role("link", name="Segments").click()
    page.get_by_role("heading", name="Segments").first.wait_for()
    wait_idle(page)
    page.get_by_text("By dimensions", exact=True).click()
    page.get_by_text("Segment by (one to three columns)").wait_for()
    wait_idle(page)
    picker = page.get_by_test_id("stMultiSelect").first
    picker.locator("input").click()
    picker.locator("input").fill("age")
    page.get_by_role("option", name=re.compile(r": age$", re.IGNORECASE)).first.click()
    page.get_by_text("Choose at least one column above.").wait_for(state="detached")
    page.keyboard.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Make segments").click()
    page.get_by_text(re.compile(r"Done: \d+ segments")).wait_for()
    wait_idle(page)


def _card(page, name_pattern: str):
    """The bordered card whose title matches: the nearest block around the title."""
    heading = page.get_by_role("heading", name=re.compile(name_pattern)).first
    return heading.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def test_edit_a_tone_rule_and_see_the_card_change(page) -> None:
    _segment_by_age(page)
    page.get_by_role("link", name="Playbook").click()
    page.get_by_role("heading", name="One card per segment").wait_for()
    wait_idle(page)
    # the oldest age band is served formally on the phone
    oldest = _card(page, r"^Age (5|6)\d-\d+$")
    oldest.get_by_text("formal", exact=True).wait_for()
    oldest.get_by_text("Phone", exact=True).first.wait_for()
    full_page_screenshot(page, "playbook_page.png")

    # Open the rules and change rule 1 (average age 55 or more) from formal to casual.
    page.get_by_text("Tone and approach rules").click()
    editor = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="Suggest tone"))
    editor.locator("canvas").first.wait_for()
    headers = [h.text_content() for h in editor.locator("th").all()]
    assert headers[:6] == ["On", "When (trait)", "Test", "Value (for shares)", "Threshold", "Suggest tone"]
    wait_idle(page)
    editor.click(position={"x": 60, "y": 36 + 17})  # rule 1, "On" column (right of the row marker)
    for _ in range(headers.index("Suggest tone")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.get_by_role("option", name="casual").wait_for()  # the tone choices open
    page.keyboard.type("casual")
    page.keyboard.press("Enter")
    # The card of the oldest band follows: casual now, and the evidence names rule 1.
    oldest = _card(page, r"^Age (5|6)\d-\d+$")
    oldest.get_by_text("casual", exact=True).wait_for()
    wait_idle(page)
    assert oldest.get_by_text("formal", exact=True).count() == 0
    oldest.get_by_text("Why this tone and approach").click()
    oldest.get_by_text(re.compile(r"Rule 1 \(age: average at least 55\) fired: .* → casual, reassuring")).wait_for()
    # The routing table shows the new tone too.
    routing = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="Preferred channel"))
    routing.locator("td", has_text="casual").first.wait_for(state="attached")
    full_page_screenshot(page, "playbook_rule_edited.png")


# -- edits finished by clicking another page (the table sends its last edit a moment after the click) --

class LateEdit:
    """Holds a table's edit on its way to the server until the page clicked has opened, then lets it through.

    Left to the browser, the edit reaches the server a few milliseconds after the page change: which
    run comes first is a race (and under load Streamlit may drop the page change: ``leave_for`` clicks
    again, which would hide a lost click). Holding the edit makes the hard case certain: it arrives
    after the other page's run has ended, from the table's page. The app's websocket is routed by
    Playwright; Streamlit's messages are read with its own protobufs.
    """

    def __init__(self, tab, *, editor_key: str) -> None:
        self.tab, self.editor_key = tab, editor_key
        self.holding = False
        self.held: list[tuple[object, bytes]] = []
        self.runs_ended = 0
        tab.context.route_web_socket(re.compile(r"/_stcore/stream$"), self._route)
        tab.reload()  # a websocket routed from the start (a fresh session)
        wait_idle(tab)

    def _route(self, socket) -> None:
        server = socket.connect_to_server()

        def from_page(message) -> None:
            if self.holding and self._is_the_edit(message):
                self.held.append((server, message))
            else:
                server.send(message)

        def from_server(message) -> None:
            if isinstance(message, bytes):
                forward = ForwardMsg()
                forward.ParseFromString(message)
                if (forward.WhichOneof("type") == "script_finished"
                        and forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY):
                    self.runs_ended += 1
            socket.send(message)

        socket.on_message(from_page)
        server.on_message(from_server)

    def _is_the_edit(self, message) -> bool:
        if not isinstance(message, bytes):
            return False
        back = BackMsg()
        back.ParseFromString(message)
        return back.WhichOneof("type") == "rerun_script" and any(
            widget.id.endswith(self.editor_key) for widget in back.rerun_script.widget_states.widgets)

    def _until(self, condition, what: str) -> None:
        """Poll ``condition`` (set by the websocket's messages, which Playwright hands over while it waits)."""
        deadline = time.monotonic() + 60
        while not condition():
            assert time.monotonic() < deadline, f"no {what} within 60 s"
            self.tab.wait_for_timeout(50)

    def leave_for(self, name: str) -> None:
        """Click page ``name`` in the sidebar, wait until it is open, then let the held edit through."""
        self.holding = True
        self.tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name).click()
        self.tab.get_by_role("heading", name=name, exact=True).first.wait_for()
        wait_idle(self.tab)
        self._until(lambda: self.held, "edit sent by the table")
        self.holding = False
        ended = self.runs_ended
        for server, message in self.held:
            server.send(message)
        self.held.clear()
        self._until(lambda: self.runs_ended > ended, "run after the edit")
        wait_idle(self.tab)


def _leave(page, name: str, late: LateEdit | None) -> None:
    """Leave for page ``name`` right after typing into a table (no Enter); the page must stay open."""
    if late is None:
        leave_for(page, name)
    else:
        late.leave_for(name)
    assert page.get_by_role("heading", name=name, exact=True).count() >= 1
    assert page.get_by_role("heading", name="One card per segment").count() == 0


#: How the edit reaches the server: when the browser sends it, or held until the page clicked has opened.
ARRIVALS = pytest.mark.parametrize("arrives_late", [False, True], ids=["as-sent", "after-the-page-opened"])


def _open_playbook(page) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Playbook").click()
    page.get_by_role("heading", name="One card per segment").wait_for()
    wait_idle(page)


def _table(page, header: str):
    """The table (editor or not) with a column headed ``header``."""
    return page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text=header))


def _type_into_cell(page, table, *, x: int, right: int, text: str) -> None:
    """Select row 1's cell at ``x`` (px from the table's left), move ``right`` cells, open it and type, no Enter after."""
    table.click(position={"x": x, "y": 36 + 17})
    for _ in range(right):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor
    cell = page.locator(".gdg-input")
    expect(cell).to_be_focused(timeout=30_000)  # under load it takes the focus a moment after it shows
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text, delay=30)
    expect(cell).to_have_value(text, timeout=30_000)


@ARRIVALS
def test_a_rule_typed_and_left_by_clicking_another_page_is_saved_and_used(page, arrives_late: bool) -> None:
    late = LateEdit(page, editor_key=RULES_EDITOR) if arrives_late else None
    _segment_by_age(page)
    _open_playbook(page)
    forties = _card(page, r"^Age 4\d-\d+$")  # average age about 45: no age rule fires by default
    forties.get_by_text("neutral", exact=True).wait_for()
    page.get_by_text("Tone and approach rules").click()
    rules = _table(page, "Suggest tone")
    rules.locator("canvas").first.wait_for()
    headers = [h.text_content() for h in rules.locator("th").all()]
    assert headers[:6] == ["On", "When (trait)", "Test", "Value (for shares)", "Threshold", "Suggest tone"]
    wait_idle(page)
    # rule 1 (average age at least 55 -> formal, reassuring) now from 40 on
    _type_into_cell(page, rules, x=60, right=headers.index("Threshold"), text="40")
    _leave(page, "Profiles", late)

    _open_playbook(page)
    # the rule is kept (the table is drawn afresh from it) and used: the forties are served formally now
    forties = _card(page, r"^Age 4\d-\d+$")
    forties.get_by_text("formal", exact=True).wait_for()
    assert forties.get_by_text("neutral", exact=True).count() == 0
    forties.get_by_text("Why this tone and approach").click()
    forties.get_by_text(re.compile(r"Rule 1 \(age: average at least 40\) fired: .* → formal, reassuring")).wait_for()
    page.get_by_text("Tone and approach rules").click()
    rules = _table(page, "Suggest tone")
    rules.locator("canvas").first.wait_for()
    rules.locator("td", has_text=re.compile(r"^40$")).first.wait_for(state="attached")
    assert rules.locator("td", has_text=re.compile(r"^55$")).count() == 0
    if not arrives_late:
        full_page_screenshot(page, "playbook_rule_left_edited.png")


@ARRIVALS
def test_a_channel_merge_typed_and_left_by_clicking_another_page_is_saved_and_used(page, arrives_late: bool) -> None:
    late = LateEdit(page, editor_key=MAP_EDITOR) if arrives_late else None
    _segment_by_age(page)
    _open_playbook(page)
    routing = _table(page, "Preferred channel")
    routing.locator("td", has_text="Live chat").first.wait_for(state="attached")
    page.get_by_text("Service channels: where they come from").click()
    merges = _table(page, "Counted as")
    merges.locator("canvas").first.wait_for()
    assert [h.text_content() for h in merges.locator("th").all()] == ["Label in the data", "Counted as"]
    cells = [td.text_content() for td in merges.locator("td").all()]
    assert cells[:2] == ["Live chat", "Live chat"]  # the most used label comes first
    wait_idle(page)
    _type_into_cell(page, merges, x=40, right=1, text="Web chat")  # row 1, "Counted as"
    _leave(page, "Profiles", late)

    _open_playbook(page)
    # the merge is kept and used: the cards and the routing table name the channel as typed
    youngest = _card(page, r"^Age 1\d-\d+$")
    youngest.get_by_text("Web chat", exact=True).first.wait_for()
    routing = _table(page, "Preferred channel")
    routing.locator("td", has_text="Web chat").first.wait_for(state="attached")
    assert routing.locator("td", has_text="Live chat").count() == 0
    page.get_by_text("Service channels: where they come from").click()
    merges = _table(page, "Counted as")
    merges.locator("canvas").first.wait_for()
    cells = [td.text_content() for td in merges.locator("td").all()]
    assert cells[:2] == ["Live chat", "Web chat"]
    if not arrives_late:
        full_page_screenshot(page, "playbook_merge_left_edited.png")
