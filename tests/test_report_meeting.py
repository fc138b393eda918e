"""The meeting report: sections, self-contained HTML, escaping, no personal data, PDF or not."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from segdash import cli
from segdash.report import meeting
from segdash.schema import ImportResult, RejectedRow
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.report_helpers import EMAILS, HOSTILE, tiny_workspace

# a <script src="http..."> or <link href="https..."> (any quotes, any attribute order)
_REMOTE = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)


def _report(ws, **kwargs) -> str:
    sections = meeting.workspace_sections(ws)
    return meeting.render_html(sections, title=kwargs.pop("title", "Q3 review"), **kwargs)


def test_format_cell_hand_worked() -> None:
    assert meeting.format_cell(1234567) == "1,234,567"
    assert meeting.format_cell(0.5) == "0.50"
    assert meeting.format_cell(2500.0) == "2,500"
    assert meeting.format_cell(float("nan")) == "–"
    assert meeting.format_cell(None) == "–"
    assert meeting.format_cell(True) == "Yes"
    assert meeting.format_cell(pd.Timestamp("2024-03-05")) == "2024-03-05"


def test_data_section_reconciliation_line() -> None:
    imported = ImportResult(source="shop.csv", format="csv", rows_in_file=10, rows_loaded=8, rows_rejected=2,
                            rejected=[RejectedRow(line=3, reason="too many fields", raw="ann@example.com,1,2,3"),
                                      RejectedRow(line=7, reason="too many fields", raw="bob@example.com,9,9,9")])
    section = meeting.data_section(imported, roles={"id": "id", "email": "pii", "age": "demographic"})
    texts = [b.content for b in section.blocks if b.kind in ("lead", "text", "note")]
    assert texts[0] == "shop.csv: 10 rows in the file, 8 loaded, 2 rejected."
    assert "(10 = 8 + 2)" in texts[1]
    bullets = [b.content for b in section.blocks if b.kind == "bullets"]
    assert ["2 rejected: too many fields"] in bullets  # reasons counted, raw lines (personal data) never shown
    html_text = meeting.render_html([section], title="t")
    assert "ann@example.com" not in html_text and "bob@example.com" not in html_text


def test_html_is_self_contained_with_plotly_embedded_once(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path)
    html_text = _report(ws)
    assert not _REMOTE.search(html_text)
    assert "<link" not in html_text and "@import" not in html_text
    # the bundle, the shared template, and one per chart
    assert html_text.count("<script") == html_text.count("Plotly.newPlot(") + 2
    from plotly.offline import get_plotlyjs

    bundle_head = get_plotlyjs()[:200]
    assert html_text.count(bundle_head) == 1
    assert html_text.count("Plotly.newPlot(") >= 8  # sizes, traits, box plots, map, ROI charts
    charts = html_text.count("Plotly.newPlot(")
    assert html_text.count("window.SEGDASH_TEMPLATE = {") == 1  # the chart template is defined once...
    assert html_text.count("{template: SEGDASH_TEMPLATE}") == charts  # ...and used by every chart
    assert html_text.replace(get_plotlyjs(), "").count('"colorway"') == 1
    assert "@page { size: A4;" in html_text and "break-before: page" in html_text


def test_letter_paper_and_bad_paper() -> None:
    html_text = meeting.render_html([meeting.Section("x", "X").text("hi")], title="t", paper="Letter")
    assert "@page { size: Letter;" in html_text
    with pytest.raises(ValueError, match="paper='A5'"):
        meeting.render_html([], title="t", paper="A5")


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path, name_young=HOSTILE)
    html_text = _report(ws, title="<img src=x onerror=alert(1)>", summary="</p><script>alert(2)</script>")
    assert "<script>alert" not in html_text
    assert "<img src=x" not in html_text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html_text  # the name shows as text in tables
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text
    # chart labels: escaped for Plotly (which shows them as text), and "/" escaped in the JSON
    assert "&lt;script&gt;alert('x')&lt;\\u002fscript&gt;" in html_text
    # no element can start inside user text: every <script is ours (bundle + charts)
    assert html_text.count("<script") == html_text.count("Plotly.newPlot(") + 2


def test_personal_data_never_appears(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path)
    playbook = (["Reach the young by social."],
                {"Routing": pd.DataFrame({"segment": ["young"], "email": [EMAILS[0]], "channel": ["Social"]})})
    extra = [meeting.summary_section("playbook", playbook, personal=ws.columns_with_role("pii"))]
    sections = meeting.workspace_sections(ws, extra=extra)
    html_text = meeting.render_html(sections, title="t")
    assert not any(email in html_text for email in EMAILS)
    assert not re.search(r"[\w.]+@example\.com", html_text)
    from plotly.offline import get_plotlyjs

    ours = html_text.replace(get_plotlyjs(), "")
    assert not any(cid in ours for cid in ("C01", "C07", "C12"))  # no customer-level rows at all
    playbook_section = next(s for s in sections if s.key == "playbook")
    table = next(b.content for b in playbook_section.blocks if b.kind == "table")
    assert list(table.columns) == ["segment", "channel"]


def test_sections_present_only_when_there_is_something(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path)
    keys = meeting.available_sections(meeting.workspace_sections(ws))
    assert keys == ["data", "method", "sizes", "traits", "proof", "economics"]
    ws.clear_segmentation()
    assert meeting.available_sections(meeting.workspace_sections(ws)) == ["data"]
    assert meeting.summary_section("survey", ([], {})).blocks == []
    assert meeting.summary_section("survey", None).blocks == []


def test_method_section_has_settings_seed_and_date(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path)
    section = meeting.method_section(ws.segmentation, created=datetime(2026, 3, 4, 10, 30))
    facts = next(b.content for b in section.blocks if b.kind == "table")
    settings = dict(zip(facts["Setting"], facts["Value"], strict=True))
    assert settings["Random seed"] == "7"
    assert settings["Made on"] == "2026-03-04 10:30"
    assert settings["Dimensions"] == "age"
    assert section.blocks[0].content == "2 segments, made by dimensions (rules on chosen columns)."


def test_economics_section_states_assumptions(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path)
    result = meeting.workspace_economics(ws, margin=0.25)
    section = meeting.economics_section(result, names={"old": "Old"})
    assumptions = next(b.content for b in section.blocks if b.kind == "bullets" and b.caption == "Assumptions")
    assert assumptions[0] == "Gross margin: 25% of revenue."
    assert "Acquisition cost per customer from the column 'acquisition_cost'." in assumptions
    table = next(b.content for b in section.blocks if b.kind == "table" and b.caption == "Per segment")
    old = table[table["Segment"] == "Old"].iloc[0]
    # old: 6 customers, cost 30+32+28+31+29+30 = 180 -> CAC 30.00; revenue 12,700
    assert old["Customers"] == "6" and old["Acquisition spend"] == "180" and old["CAC (cost per customer)"] == "30.00"
    assert old["Revenue"] == "12,700"
    assert section.charts == 3  # ROI bars, CAC vs LTV, segment x channel


def test_summary_section_accepts_the_shapes_features_return() -> None:
    frame = pd.DataFrame({"objective": ["Grow"], "progress": [0.5]})
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    for summary in ((["One."], {"OKRs": frame}), {"sentences": ["One."], "tables": {"OKRs": frame}, "figures": {"P": fig}},
                    type("S", (), {"sentences": ["One."], "tables": {"OKRs": frame}})()):
        section = meeting.summary_section("okrs", summary)
        assert section.title == "OKRs and KPIs"
        assert section.blocks[0].kind == "bullets" and section.blocks[0].content == ["One."]
        assert section.blocks[1].kind == "table" and section.blocks[1].caption == "OKRs"


def test_no_chromium_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGDASH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert meeting.chromium_path() is None
    out = tmp_path / "report.html"
    html_path, pdf, note = meeting.write_report(meeting.render_html([], title="t"), out=out, pdf=True)
    assert html_path == out and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert pdf is None and "Chromium is not installed" in note
    assert not (tmp_path / "report.pdf").exists()
    with pytest.raises(meeting.ReportError, match="Chromium is not installed"):
        meeting.print_pdf(out, out=tmp_path / "x.pdf")


def test_cli_report_without_chromium_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ws = tiny_workspace(tmp_path)
    from segdash.report.export import to_safe_csv
    from segdash.segment import labels_frame

    labels = tmp_path / "labels.csv"
    labels.write_bytes(to_safe_csv(labels_frame(ws.data, roles=ws.roles)))
    monkeypatch.setenv("SEGDASH_CHROMIUM", str(tmp_path / "missing"))
    out = tmp_path / "r.html"
    code = cli.main([ "report", str(tmp_path / "tiny customers.csv"), "--labels", str(labels), "--out", str(out),
                      "--pdf", "--title", "<b>Q3</b>"])
    printed = capsys.readouterr().out
    assert code == 0 and out.is_file() and not (tmp_path / "r.pdf").exists()
    assert "note: No PDF here" in printed
    page = out.read_text(encoding="utf-8")
    assert "&lt;b&gt;Q3&lt;/b&gt;" in page and "No PDF here" in page  # the page says so too


@pytest.mark.browser
def test_chromium_opens_report_without_errors_and_prints_pdf(tmp_path: Path, browser) -> None:
    ws = tiny_workspace(tmp_path)
    out = tmp_path / "report.html"
    out.write_text(_report(ws, title="Tiny shop: Q3 review", summary="We keep both segments."), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1000, "height": 1300})
    page = context.new_page()
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: remote.append(request.url) if not request.url.startswith(("file:", "data:")) else None)
    page.goto(out.as_uri())
    page.get_by_role("heading", name="Tiny shop: Q3 review").wait_for()
    page.locator(".plotly-graph-div .main-svg").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 4")
    assert page.locator("h2").first.inner_text() == "1. The data"
    assert page.get_by_text(HOSTILE, exact=False).count() >= 1  # the hostile name shows as text
    chart_text = page.locator(".plotly-graph-div .main-svg").first.text_content()
    assert HOSTILE in chart_text  # ...in the charts too (Plotly decodes the escaped label to text)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_first_page.png"))
    assert errors == [] and remote == []
    context.close()

    pdf = meeting.print_pdf(out, out=tmp_path / "report.pdf", chromium=CHROMIUM)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 7  # contents + one page (at least) per section
    assert all(flag in meeting.CHROMIUM_FLAGS for flag in CHROMIUM_ARGS)


def test_long_axis_labels_are_cut_for_the_page() -> None:
    labels = ["Age", "Ticket description: " + "x" * 80, "&lt;b&gt; " + "y" * 40]
    fig = go.Figure(go.Heatmap(z=[[1], [2], [3]], y=labels))
    fig.update_yaxes(tickmode="array", tickvals=labels, ticktext=labels)
    meeting.shorten_ticks(fig, axis="y", width=20)
    assert list(fig.layout.yaxis.ticktext) == ["Age", "Ticket description:…", "&lt;b&gt; " + "y" * 15 + "…"]  # 19 characters of "<b> yyy..." + "…"
    assert list(fig.layout.yaxis.tickvals) == labels  # the data still match the full labels
