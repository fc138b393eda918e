"""The Data page (AppTest): reconciliation, rejected lines, roles, errors, sheets, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from segdash.ui import data as data_ui
from segdash.ui import state

DATA_PAGE = "pages/data.py"

#: Comma-separated; line 4 has a field too many and cannot be loaded (header is line 1).
MALFORMED = "id,name,spend\n1,Ann,10\n2,Bo,20\n3,Cy,30,40,50,60\n4,Di,40\n5,Ed,50\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(folder))
    return folder


def _workspace(at):
    return at.session_state[state.WORKSPACE]


def _texts(elements) -> list[str]:
    return [str(element.value) for element in elements]


def _open_from_folder(at, name: str) -> None:
    at.selectbox(key=state.FOLDER_FILE).set_value(name)
    next(button for button in at.button if button.label == "Open").click()
    at.run()


def _preview(at):
    return at.dataframe[-1].value


def test_sample_reconciliation(make_app) -> None:
    at = make_app()
    at.run()
    assert not at.exception
    assert any("5,000 rows in the file · 5,000 loaded · 0 rejected" in text for text in _texts(at.success))
    assert not at.warning
    assert any("customers.csv" in sub.value for sub in at.subheader)
    found = " ".join(_texts(at.caption))
    assert "comma-separated" in found and f"{len(_workspace(at).roles)} columns" in found
    rows = _preview(at)
    assert len(rows) == 100
    assert rows.index[:3].tolist() == [2, 3, 4]  # line in the file (the header is line 1)
    private = [name for name, role in _workspace(at).roles.items() if role == "pii"]
    assert "email" in private
    assert not set(private) & set(rows.columns)  # personal data hidden unless asked
    assert any("Hidden personal data" in text and "email" in text for text in _texts(at.caption))
    columns = at.data_editor[0].value.set_index("name")
    assert columns.loc["email", "used_for"] == "Excluded from segments and exports"
    assert columns.loc["email", "role"] == "Personal data"


def test_no_data_shows_how_to_load(make_app, data_dir: Path) -> None:
    at = make_app(None)
    at.run()
    assert not at.exception
    assert any("No customer file is loaded yet" in text for text in _texts(at.info))
    assert any(str(data_dir) in text and "SEGDASH" in text for text in _texts(at.caption))


def test_malformed_lines_from_data_folder(make_app, data_dir: Path) -> None:
    (data_dir / "orders.csv").write_text(MALFORMED)
    at = make_app(None)
    at.run()
    _open_from_folder(at, "orders.csv")
    assert not at.exception
    warnings = _texts(at.warning)
    assert any("5 rows in the file · 4 loaded · 1 rejected" in text for text in warnings), warnings
    assert any("line 4" in text for text in warnings), warnings
    rejected = at.dataframe[0].value
    assert rejected["line"].tolist() == [4]
    assert "3,Cy,30,40,50,60" in rejected["raw"].iloc[0]
    assert any(button.label.startswith("Download rejected rows") for button in at.get("download_button"))
    assert _workspace(at).imported.rows_loaded == 4


def test_role_edit_persists_across_reruns_and_pages(make_app) -> None:
    at = make_app()
    at.run()
    table = at.data_editor[0].value
    row = table.index[table["name"] == "country"][0]
    assert table.loc[row, "role"] == "Geographic"
    assert "country" in _preview(at).columns
    at.session_state[data_ui.column_table_key(_workspace(at))] = {
        "edited_rows": {int(row): {"role": "Personal data"}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert _workspace(at).roles["country"] == "pii"
    assert "country" not in _preview(at).columns  # personal data hidden from the preview
    at.switch_page("pages/segments.py").run()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    assert _workspace(at).roles["country"] == "pii"
    table = at.data_editor[0].value
    shown = table.set_index("name")
    assert shown.loc["country", "role"] == "Personal data"
    assert shown.loc["country", "used_for"] == "Excluded from segments and exports"
    at.toggle(key=state.SHOW_PII).set_value(True).run()
    assert "country" in _preview(at).columns


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("picture.csv", bytes(range(256)) * 8)],
    ids=["empty", "binary"],
)
def test_bad_file_from_folder_keeps_previous_data(make_app, data_dir: Path, name: str, content: bytes) -> None:
    (data_dir / name).write_bytes(content)
    at = make_app()
    at.run()
    _open_from_folder(at, name)
    assert not at.exception
    errors = _texts(at.error)
    assert len(errors) == 1 and name in errors[0] and "Still loaded" in errors[0], errors
    assert "Traceback" not in errors[0]
    assert any("5,000 rows in the file" in text for text in _texts(at.success))
    assert len(_preview(at)) == 100
    assert _workspace(at).imported.source == "customers.csv"


def test_bad_upload_keeps_previous_data_and_page_stays_usable(make_app, data_dir: Path) -> None:
    (data_dir / "orders.csv").write_text(MALFORMED)
    at = make_app()
    at.run()
    at.file_uploader(key=state.UPLOADER).set_value(("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(500), "image/png"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "photo.png" in at.error[0].value
    assert len(_preview(at)) == 100
    # the page still works: another file opens and the error goes away
    _open_from_folder(at, "orders.csv")
    assert not at.error
    assert _workspace(at).imported.source == "orders.csv"


def test_upload_imports_once_and_removes_its_temporary_copy(make_app) -> None:
    at = make_app(None)
    at.run()
    at.file_uploader(key=state.UPLOADER).set_value(("shop;export.csv", b"id;spend\nA;1\nB;2\nC;3\n", "text/csv"))
    at.run()
    assert not at.exception
    ws = _workspace(at)
    first = ws.imported
    assert first.source == "shop;export.csv" and first.rows_loaded == 3
    assert any("3 rows in the file · 3 loaded · 0 rejected" in text for text in _texts(at.success))
    temp_dir = Path(at.session_state[state.TEMP_DIR].name)
    assert temp_dir.is_dir() and list(temp_dir.iterdir()) == []
    at.run()  # a rerun with the same upload does not import it again
    assert _workspace(at).imported is first


def _workbook(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Column", "Meaning"])
    about.append(["id", "Customer number"])
    about.append(["spend", "Total spend in euros"])
    customers = book.create_sheet("Customers")
    customers.append(["id", "spend", "channel"])
    for row in [(1, 10.5, "Email"), (2, 20, "Social"), (3, 30, "Email"), (4, 40, "Store")]:
        customers.append(row)
    book.save(path)


def test_excel_sheet_picker_lists_sheets_and_switching_reloads(make_app, data_dir: Path) -> None:
    _workbook(data_dir / "book.xlsx")
    at = make_app(None)
    at.run()
    _open_from_folder(at, "book.xlsx")
    assert not at.exception
    assert _workspace(at).imported.sheet == "Customers"
    picker = at.selectbox(key=state.SHEET_PICK)
    assert [option.split(" · ")[0] for option in picker.options] == ["About", "Customers"]
    assert picker.value == "Customers"
    labels = " | ".join(picker.options)
    assert "4 rows" in labels and "a table" in labels and "not a table" in labels, labels
    assert any("4 rows in the file · 4 loaded" in text for text in _texts(at.success))
    picker.set_value("About").run()
    assert not at.exception
    ws = _workspace(at)
    assert ws.imported.sheet == "About"
    assert ws.imported.rows_loaded == 2
    assert at.selectbox(key=state.SHEET_PICK).value == "About"
    assert any("does not look like a table" in text for text in _texts(at.warning))


def test_uploaded_workbook_switches_sheets_and_its_copy_goes_when_another_file_loads(make_app, tmp_path: Path) -> None:
    _workbook(tmp_path / "book.xlsx")
    at = make_app(None)
    at.run()
    uploader = at.file_uploader(key=state.UPLOADER)
    uploader.set_value(("book.xlsx", (tmp_path / "book.xlsx").read_bytes(), "application/vnd.ms-excel")).run()
    assert not at.exception
    assert _workspace(at).imported.sheet == "Customers"
    temp_dir = Path(at.session_state[state.TEMP_DIR].name)
    assert len(list(temp_dir.iterdir())) == 1  # kept while its sheets can be switched
    at.selectbox(key=state.SHEET_PICK).set_value("About").run()
    assert not at.exception
    assert _workspace(at).imported.sheet == "About"
    assert _workspace(at).imported.source == "book.xlsx"
    at.file_uploader(key=state.UPLOADER).set_value(("next.csv", b"id,spend\n1,2\n", "text/csv")).run()
    assert _workspace(at).imported.source == "next.csv"
    assert list(temp_dir.iterdir()) == []
    assert state.SHEET_PICK not in [box.key for box in at.selectbox]  # a CSV has no sheets


REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
REAL_FILES = {
    "Mall_Customers.csv": 200,
    "marketing_campaign.csv": 2240,
    "WA_Fn-UseC_-Telco-Customer-Churn.csv": 7043,
    "bank.csv": 4521,
    "Online Retail.xlsx": 40000,
}


@pytest.mark.realdata
def test_real_files_open_from_the_data_folder(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    if not REAL_DATA.is_dir():
        pytest.skip("../shared/datasets is not here")
    monkeypatch.setenv("SEGDASH_DATA_DIR", str(REAL_DATA))
    at = make_app(None, timeout=180)
    at.run()
    for name, rows in REAL_FILES.items():
        _open_from_folder(at, name)
        assert not at.exception, name
        assert not at.error, (name, _texts(at.error))
        expected = f"{rows:,} rows in the file · {rows:,} loaded · 0 rejected"
        assert any(expected in text for text in _texts(at.success)), (name, _texts(at.success), _texts(at.warning))
        assert len(_preview(at)) == min(rows, 100)
        assert len(at.data_editor[0].value) == len(_workspace(at).roles)


def test_order_lines_file_points_to_rfm_and_customer_file_does_not(make_app) -> None:
    # Online Retail.xlsx and sample transactions.csv opened on the Data page gave no hint that they
    # are order lines, not customers; the marketer had to guess that RFM is the way to segment them.
    from tests.conftest import TRANSACTIONS

    at = make_app(TRANSACTIONS)
    at.run()
    assert not at.exception
    hints = [text for text in _texts(at.info) if "order lines" in text]
    assert len(hints) == 1 and "RFM" in hints[0] and "customer\\_id" in hints[0], _texts(at.info)

    customers = make_app()
    customers.run()
    assert not customers.exception
    assert not any("order lines" in text for text in _texts(customers.info))


def test_column_details_toggle_keeps_the_table_whole(make_app) -> None:
    from pandas.testing import assert_frame_equal

    from segdash import preview
    from segdash.ui import data as data_ui

    at = make_app()
    at.run()
    # the short table shows a subset of the columns; the editor always holds them all (roles still edit)
    assert set(data_ui.MAIN_OVERVIEW_COLUMNS) < {"label", *preview.OVERVIEW_COLUMNS}
    assert {"role", "label"} <= set(data_ui.MAIN_OVERVIEW_COLUMNS)
    assert at.toggle(key=state.COLUMN_DETAILS).value is False
    before = at.data_editor[0].value
    at.toggle(key=state.COLUMN_DETAILS).set_value(True).run()
    assert not at.exception
    assert_frame_equal(at.data_editor[0].value, before)


def test_column_labels_are_suggested_and_editable(make_app) -> None:
    at = make_app()
    at.run()
    table = at.data_editor[0].value.set_index("name")
    assert table.loc["last_purchase_date", "label"] == "Last purchase date"
    assert table.loc["total_spend", "label"] == "Total spend"
    ws = at.session_state[state.WORKSPACE]
    # AppTest cannot type into a table: the same change the editor would report
    from segdash.labels import label_changes

    edited = table.reset_index().assign(label=lambda t: t["label"].where(t["name"] != "total_spend", "Spend so far"))
    for column, label in label_changes(ws.column_labels, edited=zip(edited["name"], edited["label"], strict=True)).items():
        ws.set_column_label(column, label)
    at.run()
    assert at.data_editor[0].value.set_index("name").loc["total_spend", "label"] == "Spend so far"
    assert ws.column_label("total_spend") == "Spend so far"


def test_a_wide_file_gets_a_searchable_paged_column_table(make_app, data_dir: Path) -> None:
    header = ",".join(["customer_id"] + [f"metric_{i:03d}" for i in range(1, 120)] + ["region_name"])
    rows = [",".join([str(r)] + [str((r * i) % 7) for i in range(1, 120)] + [f"R{r % 3}"]) for r in range(1, 6)]
    (data_dir / "wide.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    at = make_app(DATA_PAGE)
    at.run()
    _open_from_folder(at, "wide.csv")
    assert not at.exception
    table = at.data_editor[0].value
    assert len(table) == 50 and table["name"].iloc[0] == "customer_id"
    assert any("121 of 121 columns match · page 1 of 3" in text for text in _texts(at.caption))
    at.number_input(key=state.COLUMN_PAGE).set_value(3)
    at.run()
    assert at.data_editor[0].value["name"].tolist()[-1] == "region_name"
    at.text_input(key=state.COLUMN_SEARCH).set_value("REGION")
    at.run()
    assert at.data_editor[0].value["name"].tolist() == ["region_name"]
    assert any("1 of 121 columns match · page 1 of 1" in text for text in _texts(at.caption))
