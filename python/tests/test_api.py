"""The Python API against the command: the same reports, options and errors.

The command is WABILL_BIN when set (.ci/run sets the cargo-built binary),
else the `wabill` console script the wheel installs."""

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import wabill

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "data/sample/messages.csv"
TIERS = "data/examples/tiers-illustrative.csv"
BUSINESSES = "data/examples/businesses.csv"
WEBHOOKS = "data/examples/inputs/webhooks.jsonl"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def command():
    binary = os.environ.get("WABILL_BIN") or shutil.which(
        "wabill", path=os.path.dirname(sys.executable)
    )
    assert binary, "no wabill command (set WABILL_BIN)"
    return binary


def cli(*args, check=True):
    run = subprocess.run([command(), *args], capture_output=True, text=True)
    if check:
        assert run.returncode == 0, run.stderr
    return run


def sample_frame():
    return pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)


def test_estimate_json_is_the_commands_byte_for_byte():
    assert wabill.estimate(SAMPLE, into="json") == cli("estimate", SAMPLE, "--format", "json").stdout


def test_estimate_frame_holds_the_report_with_exact_money():
    expected = json.loads(cli("estimate", SAMPLE, "--format", "json").stdout)
    frame = wabill.estimate(SAMPLE)
    assert list(frame.columns) == ["market", "category", "messages", "charged", "free", "not_delivered", "cost"]
    assert len(frame) == len(expected["rows"])
    for (_, got), want in zip(frame.iterrows(), expected["rows"]):
        assert [got["market"], got["category"]] == want["keys"]
        assert isinstance(got["cost"], Decimal)
        assert got["cost"] == Decimal(want["cost"])
        assert got["messages"] == want["messages"]
    assert frame["cost"].sum() == Decimal(expected["totals"]["cost"])
    assert frame.attrs["accounting"] == expected["accounting"]
    assert frame.attrs["totals"]["cost"] == Decimal(expected["totals"]["cost"])
    printed = str(frame)
    assert "Rest of Latin America" in printed and "0.7500" in printed
    assert f"cost {expected['totals']['cost']} USD" in printed


def test_options_and_by_are_the_commands():
    got = wabill.estimate(
        SAMPLE, by=["month", "market"], tiers=TIERS, businesses=BUSINESSES, tz="America/Sao_Paulo", into="json"
    )
    want = cli(
        "estimate", SAMPLE, "--by", "month,market", "--tiers", TIERS, "--businesses", BUSINESSES,
        "--tz", "America/Sao_Paulo", "--format", "json",
    ).stdout
    assert got == want
    assert wabill.estimate(SAMPLE, no_tiers=True, into="json") == cli(
        "estimate", SAMPLE, "--no-tiers", "--format", "json"
    ).stdout


def test_a_dataframe_prices_as_its_file():
    want = cli("estimate", SAMPLE, "--format", "json").stdout
    assert wabill.estimate(sample_frame(), name=SAMPLE, into="json") == want
    report = wabill.estimate(sample_frame(), into="dict")
    assert report["meta"]["inputs"] == ["<DataFrame>"]


def test_a_pyarrow_table_and_a_parquet_file_price_as_the_csv(tmp_path):
    want = json.loads(cli("estimate", SAMPLE, "--format", "json").stdout)
    table = pa.Table.from_pandas(sample_frame(), preserve_index=False)
    got = wabill.estimate(table, into="arrow")
    assert got.schema.field("cost").type == pa.decimal128(38, 4)
    assert [str(c) for c in got.column("cost").to_pylist()] == [r["cost"] for r in want["rows"]]
    assert json.loads(got.schema.metadata[b"wabill.report"])["totals"] == want["totals"]
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    report = wabill.estimate(str(path), into="dict")
    assert report["meta"]["inputs"] == [str(path)]
    assert report["totals"]["cost"] == Decimal(want["totals"]["cost"])
    assert report["accounting"] == want["accounting"]


def test_typed_columns_are_written_as_the_reader_reads_them():
    frame = sample_frame()
    typed = frame.copy()
    typed["timestamp"] = pd.to_datetime(typed["timestamp"], utc=True)
    assert wabill.estimate(typed, into="dict")["totals"] == wabill.estimate(frame, into="dict")["totals"]


def test_an_unknown_option_is_a_usage_error():
    with pytest.raises(wabill.WabillError) as e:
        wabill.estimate(SAMPLE, bogus=1)
    assert e.value.exit_code == 2
    assert "unexpected argument '--bogus'" in str(e.value)
    run = cli("estimate", SAMPLE, "--bogus", "1", check=False)
    assert run.returncode == 2 and "unexpected argument '--bogus'" in run.stderr


def test_a_bad_value_is_the_commands_error():
    with pytest.raises(wabill.WabillError) as e:
        wabill.estimate(SAMPLE, tz="Mars/Olympus")
    run = cli("estimate", SAMPLE, "--tz", "Mars/Olympus", check=False)
    assert run.returncode == e.value.exit_code
    assert run.stderr.strip() == f"wabill: {e.value}"


def test_a_missing_file_is_named():
    with pytest.raises(wabill.WabillError) as e:
        wabill.estimate("no/such/log.csv")
    assert "no/such/log.csv" in str(e.value) and e.value.exit_code == 1


def test_a_rejected_row_is_counted_and_named():
    frame = sample_frame()
    frame.loc[3, "timestamp"] = "yesterday"
    report = wabill.estimate(frame, name="mine")
    assert report.attrs["accounting"]["rejected"] == 1
    rejects = report.attrs["rejects"]
    assert len(rejects) == 1
    row = rejects.iloc[0]
    # Line 1 is the header: row 3 of the frame is line 5.
    assert (row["file"], row["line"], row["value"]) == ("mine", "5", "yesterday")
    with pytest.raises(wabill.WabillError) as e:
        wabill.estimate(frame, name="mine", strict=True)
    assert e.value.exit_code == 1 and str(e.value) == "1 row rejected (--strict)"


def test_price_rows_add_up_to_the_estimate():
    priced = wabill.price(SAMPLE)
    want = json.loads(cli("estimate", SAMPLE, "--format", "json").stdout)
    lines = cli("price", SAMPLE, "--format", "json").stdout.splitlines()
    assert len(priced) == len(lines)
    assert priced["message_id"].tolist() == [json.loads(line)["message_id"] for line in lines]
    costs = [c for c in priced["cost"] if c is not None]
    assert all(isinstance(c, Decimal) for c in costs)
    assert sum(costs) == Decimal(want["totals"]["cost"])
    assert priced.attrs["accounting"]["rejected"] == 0
    assert wabill.price(SAMPLE, into="json") == cli("price", SAMPLE, "--format", "json").stdout


def test_parts_by_portfolio_merge_into_the_whole(tmp_path):
    frame = sample_frame()
    keys = wabill.portfolio_of(frame["business"], businesses=BUSINESSES)
    assert set(keys) == {"portfolio:acme"}
    by_business = wabill.portfolio_of(frame["business"])
    assert set(by_business) == {"business:551140000001", "business:551140000002"}
    options = dict(tiers=TIERS)
    parts = [
        wabill.estimate(part, name=SAMPLE, into="json", allow_empty=True, **options)
        for _, part in frame.groupby(by_business, sort=True)
    ]
    whole = cli("estimate", SAMPLE, "--tiers", TIERS, "--format", "json").stdout
    assert wabill.merge(parts) == whole
    assert wabill.merge(parts, format="table") == cli("estimate", SAMPLE, "--tiers", TIERS).stdout


def test_portfolio_of_matches_numbers_as_wabill_does():
    assert wabill.portfolio_of("+55 11 4000-0001", businesses=BUSINESSES) == "portfolio:acme"
    assert wabill.portfolio_of(["+1 (555) 010.0100"]) == ["business:15550100100"]


def test_portfolio_of_records_reads_webhook_lines():
    lines = Path(WEBHOOKS).read_text().splitlines()
    keys = wabill.portfolio_of_records(lines, input_format="webhooks")
    assert len(keys) == len(lines)
    assert all(k.startswith("business:") or k == "" for k in keys)
    header, *rows = Path(SAMPLE).read_text().splitlines()[:4]
    assert wabill.portfolio_of_records(rows, header=header, businesses=BUSINESSES) == ["portfolio:acme"] * 3


def test_the_console_script_is_the_command():
    script = shutil.which("wabill", path=os.path.dirname(sys.executable))
    assert script, "the wheel installs the wabill command"
    run = subprocess.run([script, "estimate", SAMPLE, "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout == cli("estimate", SAMPLE, "--format", "json").stdout
    bad = subprocess.run([script, "estimate", "--bogus"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("wabill: unexpected argument")


def test_an_empty_log_is_an_error_unless_allowed():
    header = Path(SAMPLE).read_text().splitlines()[0] + "\n"
    with pytest.raises(wabill.WabillError) as e:
        wabill.estimate(header.encode(), name="empty.csv")
    assert e.value.exit_code == 1 and "nothing to price" in str(e.value)
    frame = wabill.estimate(header.encode(), allow_empty=True)
    assert len(frame) == 0 and frame.attrs["totals"]["cost"] == Decimal("0")
    table = wabill.estimate(header.encode(), allow_empty=True, into="arrow")
    assert table.num_rows == 0 and "cost" in table.column_names


def test_text_formats_are_the_commands():
    for fmt in ("table", "csv", "markdown"):
        assert wabill.estimate(SAMPLE, into=fmt) == cli("estimate", SAMPLE, "--format", fmt).stdout
