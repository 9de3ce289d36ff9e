#!/usr/bin/env python3
"""Price a WhatsApp message log on a Dask cluster with wabill, exactly.

Dask reads the log in blocks, repartitions its rows by portfolio (business
when the businesses file does not list it) with the hash `wabill partition`
uses, pipes each partition through `wabill estimate - --format json` on a
worker, and the driver merges the partial reports with `wabill merge`.
Every counter of the pricing rules is per business or per portfolio, so the
merged report is the whole log's report; this script checks it, byte for
byte and in every format, against `wabill estimate` on one machine, and
exits 1 if they differ.

The rows are read as lines: a log with line breaks inside quoted fields
must be split with `wabill partition` instead. On a real cluster the log
path (or URL: s3://..., hdfs://... with the matching fsspec package) and the
wabill binary must be reachable from every worker.
"""

import argparse
import csv
import logging
import subprocess
import sys
import time
from pathlib import Path

import dask.bag as db
from distributed import Client, LocalCluster

FORMATS = ["table", "csv", "json", "markdown"]


def fnv1a64(data: bytes) -> int:
    """The stable hash of `wabill partition` (crates/wabill-cli/src/partition.rs)."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def business_key(s: str) -> str:
    """Business numbers match ignoring + spaces dashes dots parentheses."""
    t = s.strip()
    digits = "".join(c for c in t if c not in "+ -().")
    return digits if digits and digits.isascii() and digits.isdigit() else t


def load_portfolios(path):
    if not path:
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        return {
            business_key(r["business"]): (r.get("portfolio") or "").strip()
            for r in rows
        }


def part_of(line, column, portfolios, parts):
    """The part of a row: its portfolio's, or its business's."""
    fields = next(csv.reader([line]), [])
    business = fields[column] if column is not None and column < len(fields) else ""
    key = business_key(business)
    # A business without a portfolio is its own (as in wabill's tier counts).
    name = f"portfolio:{portfolios[key]}" if portfolios.get(key) else f"business:{key}"
    return fnv1a64(name.encode()) % parts


def price_part(group, header, wabill, pricing):
    """Runs on a worker: one partition through wabill; the JSON report."""
    part, rows = group
    data = header + "".join(line if line.endswith("\n") else line + "\n" for _, line in rows)
    run = subprocess.run(
        [wabill, "estimate", "-", "--format", "json", "-q", "--allow-empty", *pricing],
        input=data.encode(),
        capture_output=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"part {part}: wabill failed: {run.stderr.decode()}")
    return part, len(rows), run.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wabill", required=True, help="the wabill binary (on every worker)")
    ap.add_argument("--log", required=True, help="the message log (CSV with header)")
    ap.add_argument("--businesses", help="businesses CSV: the portfolio of each business")
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (no LocalCluster)")
    ap.add_argument("--blocksize", default="16MiB")
    ap.add_argument("--work", required=True, help="a directory for the partial reports")
    ap.add_argument("pricing", nargs="*", help="after --: wabill pricing options for every run")
    args = ap.parse_args()

    pricing = list(args.pricing)
    if args.businesses:
        pricing += ["--businesses", args.businesses]
    with open(args.log, newline="", encoding="utf-8") as f:
        header = f.readline()
    names = [n.strip().lstrip("\ufeff").lower() for n in next(csv.reader([header]))]
    column = names.index("business") if "business" in names else None
    portfolios = load_portfolios(args.businesses)

    started = time.monotonic()
    single = {}
    for fmt in FORMATS:
        with open(args.log, "rb") as log:
            single[fmt] = subprocess.run(
                [args.wabill, "estimate", "-", "--format", fmt, "-q", *pricing],
                stdin=log, capture_output=True, check=True,
            ).stdout
    one_machine = time.monotonic() - started

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    started = time.monotonic()
    lines = db.read_text(args.log, blocksize=args.blocksize).filter(
        lambda line: line != header and line.strip() != ""
    )
    keyed = lines.map(lambda line: (part_of(line, column, portfolios, args.parts), line))
    groups = keyed.groupby(lambda kv: kv[0], npartitions=args.parts)
    results = groups.map(price_part, header, args.wabill, pricing).compute()
    work = Path(args.work)
    reports = []
    for part, rows, report in sorted(results):
        path = work / f"part-{part:05}.json"
        path.write_bytes(report)
        reports.append(str(path))
        print(f"part {part}: {rows} rows", file=sys.stderr)
    merged = {}
    for fmt in FORMATS:
        run = subprocess.run(
            [args.wabill, "merge", *reports, "--format", fmt], capture_output=True
        )
        if run.returncode != 0:
            sys.exit(f"cluster recipe: wabill merge failed:\n{run.stderr.decode()}")
        merged[fmt] = run.stdout
    on_dask = time.monotonic() - started
    client.close()

    differ = [fmt for fmt in FORMATS if merged[fmt] != single[fmt]]
    print(
        f"{len(reports)} partial reports merged on Dask ({on_dask:.1f} s, "
        f"{'scheduler ' + args.scheduler if args.scheduler else f'LocalCluster of {args.workers} workers'}); "
        f"one machine {one_machine:.1f} s (4 formats)",
        file=sys.stderr,
    )
    if differ:
        print(f"cluster recipe: the merged report differs in {', '.join(differ)}", file=sys.stderr)
        sys.exit(1)
    sys.stdout.buffer.write(merged["table"])
    print("cluster recipe: merged report = single-machine report in every format", file=sys.stderr)


if __name__ == "__main__":
    main()
