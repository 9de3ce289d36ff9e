#!/usr/bin/env python3
"""Price a WhatsApp message log on Spark with wabill, exactly.

    spark-submit examples/cluster/spark_estimate.py --log s3a://bucket/logs/ \\
        --out report.json -- --businesses businesses.csv --tiers tiers.csv

Spark reads the log from any path it reads (local, s3a://, hdfs://, gs://;
plain or .gz): CSV with a header (read as lines: wabill's own CSV reader
parses and, where it must, rejects each row), webhook JSON lines (one
notification a line) or Parquet (wabill's log columns). Each record gets the
key of its portfolio (or its business when the businesses file lists none)
from wabill's Python API, Spark's shuffle puts each portfolio in one group
(a portfolio is never split), every group is priced in process on an
executor (applyInPandas, `wabill.estimate`), and the driver merges the
partial reports with `wabill merge` semantics (`wabill.merge`). Every
counter of the pricing rules is per business or per portfolio, so the merged
report is the whole log's.

The arguments after `--` are `wabill estimate`'s pricing options. The files
they name (--businesses, --tiers, --rates, --markets, --ai-markets,
--max-price, --templates) are shipped with the job (SparkContext.addFile,
as `--files` does) and read on every executor from SparkFiles; reports name
them by their file name. --check prices the log on the driver as well (it
must be readable there as a local file) and exits 1 unless the merged
report equals the one-machine report, byte for byte, as JSON and as a table.
The report goes to the --out file (spark-submit mixes the driver's stderr,
where the job says what it did, into its stdout).

Executors need the wabill package (`pip install wabill` or the wheel on
each node, or `--archives` of a venv). CSV rows with a line break inside a
quoted field need `wabill partition` first; all CSV files of one log share
one header.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager

import pandas as pd
from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

import wabill

# wabill's options that name a reference file.
FILE_OPTIONS = {
    "--businesses", "--tiers", "--rates", "--markets", "--ai-markets",
    "--max-price", "--templates",
}
PARTIAL = "key string, rows long, report string"


def ship_reference_files(spark, options):
    """`options` with each reference file replaced by its name, the file
    added to the job (read from SparkFiles on executors); and the name of
    the businesses file, if any."""
    shipped, businesses, out = {}, None, []
    i = 0
    while i < len(options):
        arg = options[i]
        flag, eq, value = arg.partition("=")
        if flag in FILE_OPTIONS and (eq or i + 1 < len(options)):
            if not eq:
                i += 1
                value = options[i]
            name = os.path.basename(value)
            if shipped.setdefault(name, value) != value:
                sys.exit(f"spark job: two reference files are named {name}: rename one")
            # A file given to spark-submit --files is in SparkFiles already.
            if name not in SHIPPED_BY_SUBMIT:
                spark.sparkContext.addFile(value)
            if flag == "--businesses":
                businesses = name
            out += [flag, name]
        else:
            out.append(arg)
        i += 1
    return out, businesses


# The names of the files given to spark-submit --files, which SparkFiles holds.
SHIPPED_BY_SUBMIT = set()


@contextmanager
def in_spark_files():
    """Reference files are read by their names from the SparkFiles folder."""
    here = os.getcwd()
    os.chdir(SparkFiles.getRootDirectory())
    try:
        yield
    finally:
        os.chdir(here)


def keyed(log_format, header, businesses):
    """mapInPandas: each record of the log with its portfolio key."""

    def with_keys(frames):
        for frame in frames:
            with in_spark_files():
                if log_format == "parquet":
                    keys = wabill.portfolio_of(frame["business"], businesses=businesses)
                else:
                    keys = wabill.portfolio_of_records(
                        frame["value"].tolist(),
                        header=header,
                        input_format="webhooks" if log_format == "webhooks" else None,
                        businesses=businesses,
                    )
            yield frame.assign(key=list(keys))

    return with_keys


def priced(log_format, header, name, options):
    """applyInPandas: one portfolio's records priced; its partial report."""

    def price_group(frame):
        key = frame["key"].iloc[0]
        data = frame.drop(columns=["key"])
        if log_format != "parquet":
            lines = data["value"].tolist()
            text = "\n".join(([header] if header is not None else []) + lines) + "\n"
            data = text.encode("utf-8")
        with in_spark_files():
            report = wabill.estimate(
                data, name=name, into="json", allow_empty=True, args=options
            )
        return pd.DataFrame({"key": [key], "rows": [len(frame)], "report": [report]})

    return price_group


def format_of(path, given):
    if given:
        return given
    stem = path.lower().rstrip("/")
    for suffix in (".gz", ".zst", ".bz2"):
        stem = stem.removesuffix(suffix)
    if stem.endswith((".parquet", ".parq")):
        return "parquet"
    if stem.endswith((".json", ".jsonl", ".ndjson")):
        return "webhooks"
    return "csv"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", required=True, help="the log: any path Spark reads (a folder, a glob)")
    ap.add_argument("--log-format", choices=["csv", "webhooks", "parquet"],
                    help="default: from the path's extension (csv otherwise)")
    # spark-submit merges the driver's stderr into its stdout: the report
    # goes to a file, never mixed with the job's diagnostics.
    ap.add_argument("--out", required=True, help="the merged report's file on the driver")
    ap.add_argument("--format", default="json", help="json (default), table, csv or markdown")
    ap.add_argument("--partitions", type=int, default=None,
                    help="shuffle partitions (default: Spark's spark.sql.shuffle.partitions)")
    ap.add_argument("--check", action="store_true",
                    help="also price the log on the driver; exit 1 unless the reports are equal")
    ap.add_argument("options", nargs="*", help="after --: wabill estimate's pricing options")
    args = ap.parse_args()

    spark = SparkSession.builder.appName("wabill-estimate").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if args.partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(args.partitions))
    for shipped in spark.sparkContext.getConf().get("spark.files", "").split(","):
        if shipped:
            SHIPPED_BY_SUBMIT.add(os.path.basename(shipped))
    options, businesses = ship_reference_files(spark, list(args.options))
    log_format = format_of(args.log, args.log_format)
    name = args.log

    started = time.monotonic()
    header = None
    if log_format == "parquet":
        records = spark.read.parquet(args.log)
        if "business" not in records.columns:
            sys.exit(f"spark job: {args.log} has no business column")
    else:
        records = spark.read.text(args.log)
        if log_format == "csv":
            # Every file starts with the header: keep its first file's, drop
            # the header line of each.
            header = records.first()["value"].lstrip("\ufeff")
            records = records.filter(F.regexp_replace("value", "^\ufeff", "") != header)
        records = records.filter(F.trim("value") != "")
    keyed_schema = StructType(records.schema.fields + [StructField("key", StringType())])
    parts = (
        records.mapInPandas(keyed(log_format, header, businesses), keyed_schema)
        .groupBy("key")
        .applyInPandas(priced(log_format, header, name, options), PARTIAL)
        .collect()
    )
    parts = sorted(parts, key=lambda p: p["key"])
    merged = wabill.merge([p["report"] for p in parts], format=args.format)
    on_spark = time.monotonic() - started
    for p in parts:
        print(f"{p['key']}: {p['rows']} records", file=sys.stderr)
    print(f"{len(parts)} partial reports merged ({on_spark:.1f} s on Spark)", file=sys.stderr)

    with open(args.out, "w", encoding="utf-8") as f:
        f.write(merged)

    if args.check:
        started = time.monotonic()
        with open(args.log, "rb") as f:
            data = f.read()
        if log_format == "parquet":
            import pyarrow.parquet as pq

            data = pq.read_table(args.log)
        differ = []
        with in_spark_files():
            for fmt in ("json", "table"):
                single = wabill.estimate(data, name=name, into=fmt, args=options)
                mine = merged if fmt == args.format else wabill.merge(
                    [p["report"] for p in parts], format=fmt)
                if single != mine:
                    differ.append(fmt)
        print(f"one machine: {time.monotonic() - started:.1f} s", file=sys.stderr)
        if differ:
            sys.exit(f"spark job: the merged report differs from one machine's in {', '.join(differ)}")
        print("spark job: merged report = one-machine report (json, table)", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
