#!/usr/bin/env python3
"""Price a WhatsApp message log on a Dask cluster with wabill, exactly.

    python examples/cluster/dask_estimate.py --scheduler tcp://sched:8786 \\
        --log 's3://bucket/logs/*.csv.gz' --out report.json \\
        -- --businesses businesses.csv --tiers tiers.csv

dask.dataframe reads the log from any fsspec path (local, s3://, gs://,
hdfs://, with the matching fsspec package; plain or compressed, .gz
included): CSV with a header (every cell read as text), webhook JSON lines
(one notification a line) or Parquet (wabill's log columns). Each row gets
the key of its portfolio (or its business when the businesses file lists
none) from wabill's Python API, a groupby on that column puts each
portfolio in one group (never split), every group is priced in process on
a worker (`wabill.estimate`), and the client merges the partial reports with
`wabill merge` semantics (`wabill.merge`). Every counter of the pricing
rules is per business or per portfolio, so the merged report is the whole
log's.

The arguments after `--` are `wabill estimate`'s pricing options; the files
they name (--businesses, --tiers, --rates, ...) are uploaded to every worker
(Client.upload_file) and reports name them by their file name. --check
prices the log on the client as well (a local file) and exits 1 unless the
merged report equals the one-machine report, byte for byte, as JSON and as a
table. Workers need the wabill package installed.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster, get_worker

import wabill

FILE_OPTIONS = {
    "--businesses", "--tiers", "--rates", "--markets", "--ai-markets",
    "--max-price", "--templates",
}


def reference_files(options):
    """`options` with each reference file replaced by its name; the files
    to upload (path by name); the businesses file's name, if any."""
    files, businesses, out = {}, None, []
    i = 0
    while i < len(options):
        flag, eq, value = options[i].partition("=")
        if flag in FILE_OPTIONS and (eq or i + 1 < len(options)):
            if not eq:
                i += 1
                value = options[i]
            name = os.path.basename(value)
            if files.setdefault(name, value) != value:
                sys.exit(f"dask job: two reference files are named {name}: rename one")
            if flag == "--businesses":
                businesses = name
            out += [flag, name]
        else:
            out.append(options[i])
        i += 1
    return out, files, businesses


@contextmanager
def in_folder(folder):
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def worker_files():
    """Where Client.upload_file put the reference files on this worker."""
    return in_folder(get_worker().local_directory)


def with_keys(frame, log_format, businesses):
    with worker_files():
        if log_format == "webhooks":
            keys = wabill.portfolio_of_records(
                frame["value"].tolist(), input_format="webhooks", businesses=businesses
            )
        else:
            keys = wabill.portfolio_of(frame["business"], businesses=businesses).tolist()
    return frame.assign(key=pd.Series(keys, index=frame.index, dtype=object))


def price_group(frame, log_format, name, options):
    data = frame.drop(columns=["key"], errors="ignore")
    if log_format == "webhooks":
        data = ("\n".join(data["value"].tolist()) + "\n").encode("utf-8")
    with worker_files():
        report = wabill.estimate(data, name=name, into="json", allow_empty=True, args=options)
    return pd.DataFrame({"rows": [len(frame)], "report": [report]})


def format_of(path, given):
    if given:
        return given
    stem = path.lower().rstrip("/")
    for suffix in (".gz", ".zst", ".bz2", ".xz"):
        stem = stem.removesuffix(suffix)
    if stem.endswith((".parquet", ".parq")):
        return "parquet"
    if stem.endswith((".json", ".jsonl", ".ndjson")):
        return "webhooks"
    return "csv"


def read_log(path, log_format, blocksize, delimiter):
    if log_format == "parquet":
        return dd.read_parquet(path)
    if log_format == "webhooks":
        lines = db.read_text(path, blocksize=None if path.endswith(".gz") else blocksize)
        lines = lines.map(str.rstrip).filter(lambda line: line.strip() != "")
        return lines.map(lambda line: {"value": line}).to_dataframe(meta={"value": object})
    # gzip is not splittable: one block per file.
    compressed = path.lower().endswith((".gz", ".bz2", ".xz", ".zst"))
    return dd.read_csv(
        path, dtype=str, keep_default_na=False, sep=delimiter,
        blocksize=None if compressed else blocksize, compression="infer",
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", required=True, help="the log: any fsspec path or glob")
    ap.add_argument("--log-format", choices=["csv", "webhooks", "parquet"])
    ap.add_argument("--delimiter", default=",", help="CSV field delimiter (default ,)")
    ap.add_argument("--out", help="the merged report's file (default: stdout)")
    ap.add_argument("--format", default="json", help="json (default), table, csv or markdown")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (no LocalCluster)")
    ap.add_argument("--blocksize", default="64MiB")
    ap.add_argument("--check", action="store_true",
                    help="also price the log here; exit 1 unless the reports are equal")
    ap.add_argument("options", nargs="*", help="after --: wabill estimate's pricing options")
    args = ap.parse_args()

    options, files, businesses = reference_files(list(args.options))
    log_format = format_of(args.log, args.log_format)
    name = args.log
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        import logging

        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    for path in files.values():
        client.upload_file(path, load=False)

    started = time.monotonic()
    log = read_log(args.log, log_format, args.blocksize, args.delimiter)
    meta = log._meta.assign(key=pd.Series(dtype=object))
    keyed = log.map_partitions(with_keys, log_format, businesses, meta=meta)
    parts = (
        keyed.groupby("key")
        .apply(price_group, log_format, name, options,
               meta={"rows": "int64", "report": object})
        .compute()
        .reset_index()
        .sort_values("key")
    )
    merged = wabill.merge(parts["report"].tolist(), format=args.format)
    on_dask = time.monotonic() - started
    for key, rows in zip(parts["key"], parts["rows"]):
        print(f"{key}: {rows} rows", file=sys.stderr)
    print(f"{len(parts)} partial reports merged ({on_dask:.1f} s on Dask)", file=sys.stderr)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(merged)
    else:
        sys.stdout.write(merged)
    client.close()

    if args.check:
        started = time.monotonic()
        if log_format == "parquet":
            import pyarrow.parquet as pq

            data = pq.read_table(args.log)
        else:
            with open(args.log, "rb") as f:
                data = f.read()
        here = tempfile.mkdtemp(prefix="wabill-check-")
        try:
            for file_name, path in files.items():
                shutil.copy(path, os.path.join(here, file_name))
            differ = []
            with in_folder(here):
                for fmt in ("json", "table"):
                    single = wabill.estimate(data, name=name, into=fmt, args=options)
                    mine = merged if fmt == args.format else wabill.merge(
                        parts["report"].tolist(), format=fmt)
                    if single != mine:
                        differ.append(fmt)
        finally:
            shutil.rmtree(here, ignore_errors=True)
        print(f"one machine: {time.monotonic() - started:.1f} s", file=sys.stderr)
        if differ:
            sys.exit(f"dask job: the merged report differs from one machine's in {', '.join(differ)}")
        print("dask job: merged report = one-machine report (json, table)", file=sys.stderr)


if __name__ == "__main__":
    main()
