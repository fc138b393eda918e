"""Tiny workspaces for the report tests (hand-made data, labels written directly)."""

from __future__ import annotations

from pathlib import Path

from segdash import db
from segdash.data import Data
from segdash.schema import Segmentation
from segdash.segment.base import write_labels
from segdash.workspace import Workspace

#: Twelve customers; two obvious groups (young/cheap vs old/rich); every one has an e-mail address.
TINY_CSV = """customer_id,email,age,total_spend,orders,acquisition_channel,acquisition_cost,signup_date
C01,ann.one@example.com,21,100,1,Social,10,2024-01-01
C02,bob.two@example.com,22,120,2,Social,12,2024-02-01
C03,cid.three@example.com,23,90,1,Email,8,2024-03-01
C04,dee.four@example.com,24,110,2,Social,11,2024-04-01
C05,eve.five@example.com,25,95,1,Email,9,2024-05-01
C06,fay.six@example.com,26,105,1,Social,10,2024-06-01
C07,gus.seven@example.com,61,2100,9,Referral,30,2023-01-01
C08,hal.eight@example.com,62,2300,10,Referral,32,2023-02-01
C09,ivy.nine@example.com,63,1900,8,Email,28,2023-03-01
C10,jon.ten@example.com,64,2200,9,Referral,31,2023-04-01
C11,kim.eleven@example.com,65,2050,11,Referral,29,2023-05-01
C12,lou.twelve@example.com,66,2150,10,Email,30,2023-06-01
"""
EMAILS = [line.split(",")[1] for line in TINY_CSV.strip().splitlines()[1:]]
#: The hostile name given to the young group.
HOSTILE = "<script>alert('x')</script>"
# Our constant: young customers are "young", the others "old".
_SEGMENT_SQL = f"SELECT _row, CASE WHEN age < 40 THEN 'young' ELSE 'old' END AS segment FROM {db.TABLE} ORDER BY _row"


def tiny_workspace(tmp_path: Path, *, name_young: str = HOSTILE) -> Workspace:
    """The tiny file loaded, e-mail marked as personal data, two segments, the young one renamed."""
    path = tmp_path / "tiny customers.csv"
    path.write_text(TINY_CSV, encoding="utf-8")
    ws = Workspace()
    ws.load(path)
    ws.set_role("email", "pii")
    ws.set_role("customer_id", "id")
    labels = db.fetch_df(ws.con, _SEGMENT_SQL)
    sizes = write_labels(Data.duckdb(ws.con), labels["_row"].to_numpy(), labels["segment"].to_numpy())
    ws.set_segmentation(Segmentation(method="dimensions", settings={"dimensions": ["age"], "random_state": 7},
                                     sizes=sizes, k=len(sizes)))
    ws.rename_segment("young", name_young)
    return ws
