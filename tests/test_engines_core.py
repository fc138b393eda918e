"""Profiles, economics, playbook, comparisons, surveys and the command line on DuckDB, Spark and PostgreSQL (issue 15).

The same 300 customers (the first rows of the bundled sample) and the same two labels tables are
loaded into a DuckDB file, Spark (local mode) and PostgreSQL. Every figure is computed in each
engine through :class:`segdash.data.Data` and must agree across the three; the counts are also
checked against pandas on the same rows. The command-line tests run on PostgreSQL (one on Spark).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from scipy import stats

from segdash import economics, engines
from segdash.act import channels as ch
from segdash.act.playbook import build_playbook, to_records
from segdash.data import Data
from segdash.history.compare import compare_label_tables
from segdash.history.snapshots import HistoryError
from segdash.profile import build_profile
from segdash.survey.sample import draw_sample
from segdash.survey.sizes import SampleSettings
from tests.engines_helpers import PG_PASSWORD, load_table

pytestmark = pytest.mark.engines

REPO = Path(__file__).resolve().parents[1]
ROWS = 300
KEY = "customer_id"
TABLE = "core_customers"
LABELS = "core_customers_segments"
NEXT = "core_customers_next"
TYPES = {"customer_id": "text", "email": "text", "country": "text", "gender": "text", "age": "number",
         "income": "number", "orders": "number", "total_spend": "number", "last_purchase_date": "date",
         "signup_date": "date", "acquisition_channel": "text", "acquisition_cost": "number",
         "preferred_service_channel": "text", "interests": "text", "values": "text"}
ROLES = {"customer_id": "id", "email": "pii", "country": "geographic", "gender": "demographic",
         "age": "demographic", "income": "demographic", "orders": "behavioral", "total_spend": "revenue",
         "last_purchase_date": "date", "signup_date": "date", "acquisition_channel": "acquisition_channel",
         "acquisition_cost": "acquisition_cost", "preferred_service_channel": "service_channel",
         "interests": "psychographic", "values": "psychographic"}
ENGINES = ("duckdb", "pyspark", "postgres")


def _customers() -> pa.Table:
    """The first rows of the bundled sample, typed as segdash imports them."""
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(REPO / "sample_data" / "customers.csv", fingerprint=False)
    return ws.data.backend.to_pyarrow(ws.data.customers().order_by("_row").limit(ROWS).select(*TYPES))


def _labellings(customers: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Two labellings by hand-written rules: frequent buyers / older / others, then by spend and age."""
    frame = customers.select([KEY, "orders", "age", "total_spend"]).to_pandas()
    first = np.where(frame["orders"] >= 10, "Frequent", np.where(frame["age"] >= 45, "Older", "Others"))
    second = np.where(frame["total_spend"] >= frame["total_spend"].median(), "Frequent",
                      np.where(frame["age"] >= 50, "Older", "Others"))
    return (pa.table({KEY: frame[KEY], "segment": first}), pa.table({KEY: frame[KEY], "segment": second}))


@pytest.fixture(scope="module")
def frames() -> dict[str, Any]:
    """The customers and both labellings, as loaded into every engine."""
    customers = _customers()
    first, second = _labellings(customers)
    return {"customers": customers, "labels": first, "next": second}


@pytest.fixture(scope="module")
def sources(postgres_server: Any, spark_session: Any, frames: dict[str, Any],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, engines.Source]]:
    """The customers and two labels tables in DuckDB (a file), Spark and PostgreSQL."""
    env = {engines.PASSWORD_ENV: PG_PASSWORD}
    duck_file = tmp_path_factory.mktemp("duck-core") / "shop.duckdb"
    opened = {
        "duckdb": engines.connect(f"duckdb://{duck_file}"),
        "pyspark": engines.connect("pyspark://"),
        "postgres": engines.connect(postgres_server.url, environ=env),
    }
    for source in opened.values():
        load_table(source.backend, TABLE, frames["customers"])
        load_table(source.backend, LABELS, frames["labels"])
        load_table(source.backend, NEXT, frames["next"])
    yield opened
    for source in opened.values():
        source.close()


def _data(source: engines.Source, labels: str | None = LABELS) -> Data:
    return source.data(TABLE, key=KEY, labels=labels)


def _everywhere(sources: dict[str, engines.Source], run: Any, *, labels: str | None = LABELS) -> dict[str, Any]:
    return {name: run(_data(sources[name], labels)) for name in ENGINES}


def _frame_equal(left: pd.DataFrame, right: pd.DataFrame, name: str) -> None:
    try:
        pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-9, atol=1e-9)
    except AssertionError as err:
        raise AssertionError(f"{name} differs from DuckDB's: {err}") from err


# -- column profiles and roles ------------------------------------------------------------------


def test_roles_and_column_profiles_agree_and_use_one_seeded_sample(sources: dict[str, engines.Source],
                                                                   frames: dict[str, Any]) -> None:
    found = {}
    for name in ENGINES:
        data = _data(sources[name], None)
        types = engines.column_types(data.customers())
        sample, total = engines.role_sample(data, size=120, random_state=0)
        roles = engines.suggest_roles(data, types=types)
        profile = engines.profile_table(data, types=types, roles=roles)
        found[name] = (types, sample.column(KEY).to_pylist(), total, roles, profile)
        assert sample.column_names == list(TYPES)  # every column, in table order
    types, keys, total, roles, profile = found["duckdb"]
    assert total == ROWS and len(keys) == 120 and len(set(keys)) == 120
    assert types == TYPES
    assert roles[KEY] == "id" and roles["email"] == "pii"
    assert roles["preferred_service_channel"] == "service_channel"
    assert profile.attrs["rows"] == ROWS and profile.attrs["sample"] == ROWS  # 300 < 5,000: everyone
    arrow = frames["customers"]
    assert dict(zip(profile["name"], profile["missing"], strict=True)) == {
        c: arrow.column(c).null_count for c in TYPES}
    for name in ENGINES[1:]:
        other = found[name]
        assert other[0] == types, f"{name}: column types differ"
        assert other[1] == keys, f"{name}: another sample"
        assert other[3] == roles, f"{name}: other roles"
        _frame_equal(other[4], profile, name)
    other_seed, _ = engines.role_sample(_data(sources["postgres"], None), size=120, random_state=1)
    assert other_seed.column(KEY).to_pylist() != keys
    # a bigger sample than needed is everyone; a smaller profile still counts missing values over everyone
    small = engines.profile_table(_data(sources["pyspark"], None), types=types, roles=roles,
                                  sample=engines.role_sample(_data(sources["pyspark"], None), size=50)[0])
    assert small.attrs["sample"] == 50 and small.attrs["approximate"]
    assert list(small["missing"]) == list(profile["missing"])


# -- sizes, traits and proof ------------------------------------------------------------------


def test_profile_sizes_traits_and_tests_agree(sources: dict[str, engines.Source], frames: dict[str, Any]) -> None:
    profiles = _everywhere(sources, lambda data: build_profile(data, roles=ROLES, types=TYPES, per_segment=60,
                                                               random_state=2))
    base = profiles["duckdb"]
    expected = frames["labels"].to_pandas()["segment"].value_counts()
    assert dict(zip(base.sizes["segment"], base.sizes["customers"], strict=True)) == expected.to_dict()
    assert {"interests: Travel", "country", "age"} <= {a.name for a in base.attributes}
    for name in ENGINES[1:]:
        other = profiles[name]
        _frame_equal(other.sizes, base.sizes, f"{name} sizes")
        _frame_equal(other.traits, base.traits, f"{name} traits")
        _frame_equal(other.tests.drop(columns=["note"]), base.tests.drop(columns=["note"]), f"{name} tests")
        assert other.names == base.names and other.verdict == base.verdict
    # the chi-square of a category is the one scipy gives on the pandas crosstab of the same rows
    joined = frames["customers"].to_pandas().merge(frames["labels"].to_pandas(), on=KEY)
    table = pd.crosstab(joined["segment"], joined["gender"])
    chi2 = stats.chi2_contingency(table.to_numpy(), correction=False)
    row = base.tests.set_index("attribute").loc["gender"]
    assert row["test"].lower().startswith("chi") and row["p_value"] == pytest.approx(chi2.pvalue, rel=1e-9)


# -- acquisition cost and ROI -------------------------------------------------------------------


def test_economics_and_what_if_agree(sources: dict[str, engines.Source], frames: dict[str, Any]) -> None:
    columns = economics.suggest_columns(ROLES, types=TYPES)
    assert (columns.cost, columns.revenue, columns.channel, columns.signup) == (
        "acquisition_cost", "total_spend", "acquisition_channel", "signup_date")
    dates = [c for c, t in TYPES.items() if t == "date"]

    def run(data: Data) -> tuple[Any, ...]:
        result = economics.compute_economics(data, columns=columns, date_columns=dates)
        channels = economics.channel_list(data, channel=columns.channel)
        spend = pd.DataFrame({"channel": channels, "spend": [1000.0 * (i + 1) for i in range(len(channels))]})
        spent = economics.compute_economics(data, columns=dataclasses.replace(columns, cost=None),
                                            channel_spend=spend, date_columns=dates)
        shares = economics.current_shares(result.segments)
        what_if = economics.project_budget(result.segments, budget=50_000.0, shares=shares)
        return result, channels, spent, what_if, economics.date_range(data, columns=dates)

    results = _everywhere(sources, run)
    result, channels, spent, what_if, span = results["duckdb"]
    joined = frames["customers"].to_pandas().merge(frames["labels"].to_pandas(), on=KEY)
    by_hand = joined.groupby("segment").agg(customers=(KEY, "size"), cost=("acquisition_cost", "sum"),
                                            revenue=("total_spend", "sum"))
    table = result.segments.set_index("segment")
    assert table["customers"].to_dict() == by_hand["customers"].to_dict()
    assert table["cac"].to_dict() == pytest.approx((by_hand["cost"] / by_hand["customers"]).to_dict(), rel=1e-9)
    assert table["revenue"].to_dict() == pytest.approx(by_hand["revenue"].to_dict(), rel=1e-9)
    assert table["predicted_ltv"].notna().all() and table["roi"].notna().all()
    assert spent.mode == "channel_spend" and spent.segments["spend"].sum() == pytest.approx(
        sum(1000.0 * (i + 1) for i in range(len(channels))))
    for name in ENGINES[1:]:
        other = results[name]
        _frame_equal(other[0].segments, result.segments, f"{name} ROI per segment")
        _frame_equal(other[0].by_channel, result.by_channel, f"{name} ROI per segment and channel")
        assert other[1] == channels
        _frame_equal(other[2].segments, spent.segments, f"{name} ROI from channel spend")
        _frame_equal(other[3].table, what_if.table, f"{name} what-if")
        assert other[4] == span


# -- the playbook's channel mix -------------------------------------------------------------------


def test_channel_mix_and_playbook_agree(sources: dict[str, engines.Source], frames: dict[str, Any]) -> None:
    source = ch.suggest_source(ROLES, types=TYPES)
    assert source == ch.ChannelSource(kind="column", column="preferred_service_channel")

    def run(data: Data) -> tuple[Any, Any]:
        return ch.channel_mix(data, source=source), to_records(build_playbook(data, roles=ROLES, types=TYPES))

    results = _everywhere(sources, run)
    mix, records = results["duckdb"]
    joined = frames["customers"].to_pandas().merge(frames["labels"].to_pandas(), on=KEY)
    known = joined.dropna(subset=["preferred_service_channel"])
    merged = known["preferred_service_channel"].map(lambda raw: ch.canonical_label(raw) or raw)
    by_hand = known.assign(channel=merged).groupby(["segment", "channel"]).size()
    counted = mix.shares.set_index(["segment", "channel"])["customers"]
    assert counted.sort_index().to_dict() == by_hand.sort_index().to_dict()
    assert sum(r["customers"] for r in records) == ROWS
    assert all(r["channel_mix"] for r in records)
    for name in ENGINES[1:]:
        other_mix, other_records = results[name]
        _frame_equal(other_mix.shares, mix.shares, f"{name} channel mix")
        assert other_mix.test["p_value"] == pytest.approx(mix.test["p_value"], rel=1e-9)
        assert other_records == records, f"{name}: another playbook"


# -- comparisons over time ------------------------------------------------------------------------


def test_two_labels_tables_compared_in_the_engine(sources: dict[str, engines.Source],
                                                  frames: dict[str, Any]) -> None:
    results = _everywhere(sources, lambda data: compare_label_tables(data, old=LABELS, new=NEXT, roles=ROLES,
                                                                     types=TYPES), labels=None)
    base = results["duckdb"]
    both = frames["labels"].to_pandas().merge(frames["next"].to_pandas(), on=KEY, suffixes=("_old", "_new"))
    both = both.merge(frames["customers"].to_pandas()[[KEY, "total_spend"]], on=KEY)
    by_hand = both.groupby(["segment_old", "segment_new"]).agg(n=(KEY, "size"), revenue=("total_spend", "sum"))
    flows = base.transitions.set_index(["from_segment", "to_segment"])
    assert flows["customers"].sort_index().to_dict() == by_hand["n"].sort_index().to_dict()
    assert flows["revenue"].sort_index().to_dict() == pytest.approx(by_hand["revenue"].sort_index().to_dict())
    assert (base.new_customers, base.gone_customers, base.both_customers) == (0, 0, ROWS)
    assert base.same_segments and base.sentences()
    for name in ENGINES[1:]:
        other = results[name]
        _frame_equal(other.transitions, base.transitions, f"{name} transitions")
        _frame_equal(other.sizes, base.sizes, f"{name} size changes")
        assert other.stayed_share == pytest.approx(base.stayed_share)
        assert other.sentences() == base.sentences()
    with pytest.raises(HistoryError, match="no labels table 'nope'"):
        compare_label_tables(_data(sources["postgres"], None), old=LABELS, new="nope")


# -- survey sample --------------------------------------------------------------------------------


def test_survey_sample_is_drawn_in_the_engine_and_the_same_everywhere(sources: dict[str, engines.Source],
                                                                      frames: dict[str, Any]) -> None:
    settings = SampleSettings(margin=0.2, response_rate=0.5, random_state=3)
    excluded = frames["customers"].column(KEY).to_pylist()[:5]

    def run(data: Data) -> Any:
        return draw_sample(data, key_column=KEY, settings=settings, types=TYPES, contact_column="email",
                           exclude_keys=excluded)

    results = _everywhere(sources, run)
    base = results["duckdb"]
    chosen = base.frame[["key", "segment", "role", "rank"]]
    labels = dict(zip(*frames["labels"].to_pydict().values(), strict=True))
    assert all(labels[k] == s for k, s in zip(chosen["key"], chosen["segment"], strict=True))
    assert not set(excluded) & set(chosen["key"])
    for row in base.plan.itertuples():
        picked = chosen[chosen["segment"] == row.segment]
        assert (picked["role"] == "invite").sum() == row.invites
        assert list(picked["rank"]) == list(range(1, len(picked) + 1))
    for name in ENGINES[1:]:
        _frame_equal(results[name].frame[["key", "segment", "role", "rank"]], chosen, f"{name} survey sample")
        _frame_equal(results[name].plan, base.plan, f"{name} survey plan")
    other = draw_sample(_data(sources["postgres"]), key_column=KEY, types=TYPES,
                        settings=SampleSettings(margin=0.2, response_rate=0.5, random_state=4))
    assert list(other.frame["key"]) != list(chosen["key"])


# -- multi-value flags as clustering features -------------------------------------------------------


def test_multivalue_flags_cluster_inside_every_engine(sources: dict[str, engines.Source]) -> None:
    from segdash.segment.cluster import cluster_customers

    features = ["age", "income", "interests: Travel"]

    def run(data: Data) -> tuple[Any, dict[str, str]]:
        seg = cluster_customers(data, features=features, types=TYPES, k=3, random_state=1, in_engine=True,
                                sample_size=120)
        staged = data.backend.to_pyarrow(data.staged().segment_labels())
        return seg, dict(zip(staged.column(KEY).to_pylist(), staged.column("segment").to_pylist(), strict=True))

    results = _everywhere(sources, run, labels="core_cluster_segments")
    seg, labels = results["duckdb"]
    assert set(seg.features) == set(features) and len(labels) == ROWS and sum(seg.sizes.values()) == ROWS
    for name in ENGINES[1:]:
        other, other_labels = results[name]
        assert other.model == seg.model and other.sizes == seg.sizes
        assert other_labels == labels, f"{name}: customers labelled differently"


# -- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def pg_cli(postgres_server: Any, sources: dict[str, engines.Source], monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``python -m segdash`` in this process against the PostgreSQL test table; returns (code, out, err)."""
    from segdash.cli import main

    monkeypatch.setenv(engines.PASSWORD_ENV, PG_PASSWORD)
    monkeypatch.delenv(engines.SOURCE_ENV, raising=False)

    def run(*args: str, url: str | None = None, table: str = TABLE) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([args[0], "--source", url or postgres_server.url, "--table", table, *args[1:]])
        out, err = capsys.readouterr()
        assert PG_PASSWORD not in out + err
        return code, out, err

    return run


def test_cli_import_playbook_and_report_on_postgres(pg_cli: Any, frames: dict[str, Any], tmp_path: Path) -> None:
    code, out, _ = pg_cli("import", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["rows"] == ROWS and summary["engine"] == "PostgreSQL"
    email = next(c for c in summary["columns"] if c["name"] == "email")
    assert email["role"] == "pii" and email["missing"] == frames["customers"].column("email").null_count
    assert email["distinct"] == len(set(frames["customers"].column("email").drop_null().to_pylist()))
    code, out, _ = pg_cli("playbook", "--json")
    records = json.loads(out)
    assert code == 0 and sum(r["customers"] for r in records) == ROWS
    assert {r["label"] for r in records} == {"Frequent", "Older", "Others"}
    report = tmp_path / "report.html"
    code, out, _ = pg_cli("report", "--out", str(report), "--title", "Engine report")
    html = report.read_text(encoding="utf-8")
    assert code == 0 and "Engine report" in html and "Frequent" in html and "Acquisition" in html
    assert f"300 customers in table &#x27;{TABLE}&#x27; in PostgreSQL" in html or \
        f"300 customers in table '{TABLE}' in PostgreSQL" in html


def test_cli_survey_sample_and_confirm_on_postgres(pg_cli: Any, tmp_path: Path) -> None:
    sample_csv = tmp_path / "sample.csv"
    code, out, _ = pg_cli("survey-sample", "--out", str(sample_csv), "--margin", "0.2", "--response-rate", "0.5",
                          "--seed", "3", "--json")
    plan = json.loads(out)
    assert code == 0 and {p["segment"] for p in plan} == {"Frequent", "Older", "Others"}
    sample = pd.read_csv(sample_csv, encoding="utf-8-sig", dtype=str)
    assert list(sample.columns[:2]) == [KEY, "segment"]
    assert len(sample) == sum(p["invites"] + p["backups"] for p in plan)
    invited = sample[sample["role"] == "invite"].groupby("segment").head(15)
    scores = {"Frequent": "Very satisfied", "Older": "Neutral", "Others": "Dissatisfied"}
    answers = pd.DataFrame({"token": invited["token"], "How satisfied are you?": invited["segment"].map(scores)})
    answers_csv = tmp_path / "answers.csv"
    answers.to_csv(answers_csv, index=False)
    code, out, err = pg_cli("survey-confirm", "--answers", str(answers_csv))
    assert code == 2 and "give --sample" in err and "Traceback" not in err
    code, out, _ = pg_cli("survey-confirm", "--answers", str(answers_csv), "--sample", str(sample_csv))
    assert code == 0 and "15 of" in out and "differs" in out


def test_cli_score_applies_a_saved_model_inside_postgres(pg_cli: Any, frames: dict[str, Any], tmp_path: Path,
                                                         sources: dict[str, engines.Source]) -> None:
    from segdash.cli import main

    csv_path = tmp_path / "customers.csv"
    pa_csv.write_csv(frames["customers"], csv_path)
    home = tmp_path / "home"
    file_labels = tmp_path / "file_labels.csv"
    assert main(["segment", str(csv_path), "--method", "kmeans", "--features", "age,income", "--k", "3",
                 "--seed", "0", "--out", str(file_labels), "--save", "base", "--project", str(home)]) == 0
    scored = tmp_path / "scored.csv"
    code, out, _ = pg_cli("score", "--segmentation", "base", "--project", str(home), "--labels-table",
                          "core_scored", "--out", str(scored), "--json")
    result = json.loads(out)
    assert code == 0 and result["customers"] == ROWS and result["matched_customers"] == ROWS
    assert result["new_customers"] == 0 and result["gone_customers"] == 0
    by_file = pd.read_csv(file_labels, encoding="utf-8-sig").set_index(KEY)["segment"].to_dict()
    in_engine = sources["postgres"].backend.to_pyarrow(sources["postgres"].backend.table("core_scored"))
    assert dict(zip(in_engine.column(KEY).to_pylist(), in_engine.column("segment").to_pylist(),
                    strict=True)) == by_file
    named = pd.read_csv(scored, encoding="utf-8-sig").set_index(KEY)["segment"].to_dict()
    assert named.keys() == by_file.keys()  # the CSV holds the saved names: one name per saved label
    assert len({(by_file[k], named[k]) for k in by_file}) == len(set(by_file.values()))


def test_cli_compare_two_labels_tables_on_postgres_and_spark(pg_cli: Any) -> None:
    code, out, _ = pg_cli("compare", LABELS, NEXT, "--json")
    pg = json.loads(out)
    assert code == 0 and sum(t["customers"] for t in pg["transitions"]) == ROWS
    assert pg["old"]["name"] == f"table '{LABELS}'"
    code, out, _ = pg_cli("compare", LABELS, NEXT, "--json", url="pyspark://")
    assert code == 0 and json.loads(out)["transitions"] == pg["transitions"]


def test_cli_wrong_source_or_table_is_one_plain_sentence(pg_cli: Any, postgres_server: Any) -> None:
    code, _, err = pg_cli("roi", url="nope://somewhere")
    assert code == 2 and err.startswith("segdash: ") and "names no engine segdash knows" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = pg_cli("playbook", "--labels-table", "nothing_here")
    assert code == 2 and "There are no segments in table 'nothing_here'" in err
    with_password = postgres_server.url.replace("segdash@", f"segdash:{PG_PASSWORD}@")
    for command in (["compare", "a", "b"], ["survey-sample", "--out", "x.csv"], ["report", "--out", "x.html"]):
        code, _, err = pg_cli(*command, url=with_password, table="nope")  # the fixture: no password printed
        assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = pg_cli("survey-sample", "--out", "x.csv", url=with_password, table="nope")
    assert "There is no table 'nope'" in err and "postgres://segdash@127.0.0.1" in err
    code, _, err = pg_cli("compare", "a", "b", url=with_password)
    assert code == 2 and "There is no table" not in err and "no labels table 'a'" in err


def test_a_local_interactions_file_on_an_engine_is_one_plain_sentence(sources: dict[str, engines.Source],
                                                                       tmp_path: Path) -> None:
    from segdash.errors import SegdashError

    contacts = tmp_path / "contacts.csv"
    contacts.write_text("customer_id,channel\nC000001,Phone\n", encoding="utf-8")
    with pytest.raises(SegdashError, match="^Loading an interactions file works on imported files only for now, "
                                           "not on data in postgres.$"):
        ch.load_interactions(_data(sources["postgres"]), contacts)
    with pytest.raises(ch.ChannelError, match="Load an interactions file first"):
        ch.channel_mix(_data(sources["postgres"]), source=ch.ChannelSource(
            kind="interactions", key=KEY, table_key="customer_id", table_channel="channel"))
