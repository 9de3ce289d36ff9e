"""Runs the benchmark described in benches/run.sh and writes RESULTS.md.

Every contender runs as its own process under /usr/bin/time, so wall time
and peak memory (max RSS) are measured the same way for all of them.
"""

import csv
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benches"
DATA = BENCH / "data"
WABILL = ROOT / "target" / "release" / "wabill"
CEILING = ROOT / "target" / "release" / "examples" / "csv_ceiling"
JSON_CEILING = ROOT / "target" / "release" / "examples" / "json_ceiling"
VENV_PY = BENCH / ".venv" / "bin" / "python"
RUNS = int(os.environ.get("RUNS", "3"))
ROW_COUNTS = [int(n) for n in os.environ.get("ROWS", "1000000 10000000").split()]
SEED = 42


def runs_phrase():
    """How the figures were taken, for the notes: "one run" or "best of N runs"."""
    return "one run" if RUNS == 1 else f"best of {RUNS} runs"


def timed(cmd, out_path=None, env=None):
    """The run of least wall time over RUNS runs: (wall s, peak RSS MB,
    CPU s = user + system)."""
    best, _ = timed_with_stderr(cmd, out_path, env)
    return best


def timed_with_stderr(cmd, out_path=None, env=None):
    """`timed`, and the stderr of that run (less /usr/bin/time's line)."""
    best, best_err = None, ""
    for _ in range(RUNS):
        stdout = open(out_path, "wb") if out_path else subprocess.DEVNULL
        r = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M %U %S", *map(str, cmd)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
        )
        if out_path:
            stdout.close()
        if r.returncode != 0:
            sys.exit(f"bench: {' '.join(map(str, cmd))} failed:\n{r.stderr.decode()}")
        lines = r.stderr.decode().strip().splitlines()
        wall, rss_kb, user, system = lines[-1].split()
        run = (float(wall), int(rss_kb) / 1024, float(user) + float(system))
        if best is None or run[0] < best[0]:
            best, best_err = run, "\n".join(lines[:-1])
    return best, best_err


def generate(rows, shuffled, webhooks=False):
    name = f"log-{rows // 1_000_000}M{'-shuffled' if shuffled else ''}"
    path = DATA / (name + (".jsonl" if webhooks else ".csv"))
    if not path.exists():
        cmd = [WABILL, "generate", "--rows", str(rows), "--seed", str(SEED),
               "--customers", str(max(rows // 10, 1)),
               # The DuckDB query implements the window and category rules,
               # not free entry points or status-event merging: leave those
               # out so both sides compute the same thing.
               "--entry-point-share", "0", "--status-event-share", "0",
               "-o", path]
        if shuffled:
            cmd.append("--shuffle")
        if webhooks:
            cmd.append("--webhooks")
        subprocess.run(cmd, check=True)
    return path


def wabill_lines(path):
    """(market, category) → (messages, charged, cost) from wabill's CSV."""
    lines = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["market"] == "total":
                continue
            lines[(row["market"], row["category"])] = (
                int(row["messages"]), int(row["charged"]), Decimal(row["cost"]))
    return lines


def duckdb_lines(path):
    lines = {}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            market, category, messages, charged, cost = row
            lines[(market, category)] = (int(messages), int(charged), Decimal(cost))
    return lines


def same_totals(a, b):
    """Equal line by line, costs compared as exact decimals."""
    if a.keys() != b.keys():
        return False
    return all(a[k][0] == b[k][0] and a[k][1] == b[k][1] and a[k][2] == b[k][2] for k in a)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(open("/proc/meminfo").readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{mem}, {platform.system()} {platform.release()}"


def have_duckdb():
    return VENV_PY.exists() and subprocess.run(
        [VENV_PY, "-c", "import duckdb"], capture_output=True).returncode == 0


def main():
    DATA.mkdir(exist_ok=True)
    load = os.getloadavg()[0]
    duck = have_duckdb()
    results = []
    checks = []
    for rows in ROW_COUNTS:
        for shuffled in (False, True):
            log = generate(rows, shuffled)
            size_mb = log.stat().st_size / 1e6
            label = f"{rows / 1e6:g} M {'shuffled' if shuffled else 'sorted'}"
            out = DATA / "wabill.csv"
            entries = []
            entries.append(("csv crate ByteRecord pass (ceiling)", timed([CEILING, log])))
            entries.append(("wabill estimate", timed(
                [WABILL, "estimate", "-q", "--format", "csv", log], out)))
            ours = wabill_lines(out)
            if not shuffled:
                # Worker threads (`--threads`): one thread, and a reader
                # and a pricer; the same bytes as the default.
                for threads in (1, 2):
                    t_out = DATA / f"wabill-threads-{threads}.csv"
                    entries.append((f"wabill estimate --threads {threads}", timed(
                        [WABILL, "estimate", "-q", "--format", "csv", "--threads",
                         str(threads), log], t_out)))
                    same = out.read_bytes() == t_out.read_bytes()
                    checks.append(f"{label}: --threads {threads} prints the same bytes as "
                                  f"the default: {'yes' if same else 'NO'}")
                mem_out = DATA / "wabill-memory.csv"
                entries.append(("wabill estimate --engine memory", timed(
                    [WABILL, "estimate", "-q", "--format", "csv", "--engine", "memory", log],
                    mem_out)))
                identical = out.read_bytes() == mem_out.read_bytes()
                checks.append(f"{label}: streaming and in-memory reports byte-identical: "
                              f"{'yes' if identical else 'NO'}")
            if duck:
                duck_out = DATA / "duckdb.csv"
                entries.append(("DuckDB (same rule in SQL)", timed(
                    [VENV_PY, BENCH / "duckdb_rule.py", log, ROOT], duck_out)))
                agree = same_totals(ours, duckdb_lines(duck_out))
                checks.append(f"{label}: wabill and DuckDB agree on every market × category "
                              f"(messages, charged, cost): {'yes' if agree else 'NO'}")
            results.append((label, rows, size_mb, entries))
            for name, (wall, rss, cpu) in entries:
                print(f"{label:>14}  {name:<38} {wall:7.2f} s  {cpu:7.2f} s CPU  "
                      f"{rows / wall / 1e6:6.2f} M rows/s  {rss:8.1f} MB", flush=True)
    short_ids = short_id_runs(checks)
    stages = stage_stats()
    webhooks = webhook_runs(checks)
    write_results(results, checks, duck, webhooks, short_ids)
    # For benches/targets.py: the figures of this run.
    record("speed", {
        "load": load,
        "logs": [{"label": label, "rows": rows,
                  "entries": {name: {"wall": wall, "rss": rss, "cpu": cpu}
                              for name, (wall, rss, cpu) in entries}}
                 for label, rows, _, entries in results],
        "short_ids": short_ids,
        "webhooks": webhooks,
        "stages": stages,
        "checks": checks,
    })
    if any(c.endswith("NO") for c in checks):
        sys.exit("bench: results disagree (see benches/RESULTS.md)")


def record(name, figures):
    """Keeps one benchmark's figures in benches/data/NAME.json."""
    DATA.mkdir(exist_ok=True)
    (DATA / f"{name}.json").write_text(json.dumps(figures, indent=1))


def total_cost(path):
    with open(path, newline="") as f:
        return sum(Decimal(r["cost"]) for r in csv.DictReader(f) if r["market"] != "total")


def short_id_runs(checks):
    """The largest sorted log with its message ids written `wamid.N` (N the
    row's number; every id is distinct in these logs): wabill and the csv
    crate's raw parse on it."""
    rows = max(ROW_COUNTS)
    source = generate(rows, False)
    log = DATA / f"log-{rows // 1_000_000}M-wamid-n.csv"
    if not log.exists():
        with open(source, newline="") as f, open(log, "w", newline="") as out:
            reader, writer = csv.reader(f), csv.writer(out, lineterminator="\n")
            header = next(reader)
            writer.writerow(header)
            at = header.index("message_id")
            for n, row in enumerate(reader, 1):
                row[at] = f"wamid.{n}"
                writer.writerow(row)
    ceiling = timed([CEILING, log])
    ours = timed([WABILL, "estimate", "-q", "--format", "csv", log], DATA / "wabill-wamid-n.csv")
    for name, (wall, rss, cpu) in [("csv crate ByteRecord pass (ceiling)", ceiling),
                                   ("wabill estimate", ours)]:
        print(f"{rows / 1e6:g} M rows, ids wamid.N  {name:<38} {wall:7.2f} s  {cpu:7.2f} s CPU  "
              f"{rss:8.1f} MB", flush=True)
    same = total_cost(DATA / "wabill-wamid-n.csv") == total_cost(DATA / "wabill.csv") \
        if rows == ROW_COUNTS[-1] else True
    checks.append(f"{rows / 1e6:g} M rows, ids wamid.N: same total cost as with the "
                  f"generator's ids: {'yes' if same else 'NO'}")
    return {"rows": rows, "size_mb": log.stat().st_size / 1e6,
            "ceiling": {"wall": ceiling[0], "cpu": ceiling[2], "rss": ceiling[1]},
            "wabill": {"wall": ours[0], "cpu": ours[2], "rss": ours[1]}}


def stage_stats():
    """The streaming engine's CPU per stage on the largest sorted log, as
    `WABILL_STREAM_STATS=1` prints it (space-separated `key=value` pairs
    after the counters), with 16 threads asked for so that the shards are
    those of a 16-core run; {} when the engine prints none."""
    rows = max(ROW_COUNTS)
    log = generate(rows, False)
    (wall, rss, cpu), err = timed_with_stderr(
        [WABILL, "estimate", "-q", "--engine", "stream", "--threads", "16", log],
        env={**os.environ, "WABILL_STREAM_STATS": "1"})
    line = next((l for l in err.splitlines() if "stream stats: " in l), "")
    stages = {}
    for word in line.replace(";", " ").replace(",", " ").split():
        key, eq, value = word.partition("=")
        if eq:
            try:
                stages[key] = float(value)
            except ValueError:
                pass
    print(f"stream stats ({rows / 1e6:g} M sorted, --threads 16): {line or 'none printed'}",
          flush=True)
    return {"rows": rows, "wall": wall, "cpu": cpu, "stages": stages}


def webhook_runs(checks):
    """The same traffic as Meta's webhook notifications (one per row, JSON
    lines): wabill's webhook reader against serde_json's parse of the same
    file into borrowed structs of the fields a pricer needs (the ceiling,
    `examples/json_ceiling.rs`)."""
    runs = []
    rows = ROW_COUNTS[0]
    log = generate(rows, False, webhooks=True)
    out = DATA / "wabill-webhooks.csv"
    ceiling = timed([JSON_CEILING, log])
    wall, rss, cpu = timed([WABILL, "estimate", "-q", "--format", "csv", log], out)
    runs.append({"rows": rows, "size_mb": log.stat().st_size / 1e6,
                 "wabill": {"wall": wall, "rss": rss, "cpu": cpu},
                 "ceiling": {"wall": ceiling[0], "rss": ceiling[1], "cpu": ceiling[2]}})
    print(f"{rows / 1e6:g} M webhook notifications  serde_json borrowed structs (ceiling) "
          f"{ceiling[0]:7.2f} s  {ceiling[2]:7.2f} s CPU", flush=True)
    print(f"{rows / 1e6:g} M webhook notifications  wabill estimate {wall:7.2f} s  "
          f"{cpu:7.2f} s CPU  {rss:8.1f} MB", flush=True)
    csv_out = DATA / "wabill-csv-for-webhooks.csv"
    subprocess.run([WABILL, "estimate", "-q", "--format", "csv", generate(rows, False)],
                   stdout=open(csv_out, "wb"), check=True)
    same = total_cost(out) == total_cost(csv_out)
    checks.append(f"{rows / 1e6:g} M webhook notifications: same total cost as the same "
                  f"traffic in CSV: {'yes' if same else 'NO'}")
    return runs


def ceiling_table(run, unit, ceiling):
    """The lines of a table of wabill against a ceiling (`run` as
    `short_id_runs` and `webhook_runs` give it)."""
    rows, size_mb = run["rows"], run["size_mb"]
    lines = [f"| contender | wall (s) | CPU (s) | {unit}/s | MB/s | peak memory (MB) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, key in [(ceiling, "ceiling"), ("wabill estimate", "wabill")]:
        f = run[key]
        lines.append(f"| {name} | {f['wall']:.2f} | {f['cpu']:.2f} | "
                     f"{rows / f['wall'] / 1e6:.2f} M | {size_mb / f['wall']:.0f} | "
                     f"{f['rss']:.0f} |")
    return lines + [""]


def write_results(results, checks, duck, webhooks=(), short_ids=None):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    duck_version = ""
    if duck:
        duck_version = subprocess.run(
            [VENV_PY, "-c", "import duckdb; print(duckdb.__version__)"],
            capture_output=True, text=True).stdout.strip()
    lines = [
        "# Benchmark results",
        "",
        "Written by `benches/run.sh`; rerun it to reproduce. Each figure is the "
        + ("wall time of one run and its" if RUNS == 1 else f"best wall time of {RUNS} runs and that run's")
        + " peak memory (max RSS, `/usr/bin/time`).",
        "",
        f"- Machine: {machine()}",
        f"- wabill commit {commit}; DuckDB {duck_version or 'not installed'}; "
        f"run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Logs: `wabill generate --seed {SEED}`, customers = rows / 10, four business "
        "numbers, January 2026 (per-message-2025 pricing, one rate card), no entry points "
        "or status events (the SQL below does not implement them).",
        "- DuckDB runs `benches/duckdb_rule.py`: a window function for the latest inbound "
        "message per business × customer, a longest-prefix market join, the category "
        "rules and the card, with all its threads; its time includes starting Python.",
        "",
    ]
    for label, rows, size_mb, entries in results:
        lines += [f"## {label} ({size_mb:,.0f} MB)", "",
                  "| contender | wall (s) | rows/s | MB/s | peak memory (MB) | throughput vs ceiling | time vs DuckDB |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        ceiling = entries[0][1][0]
        duck_wall = next((w for n, (w, *_) in entries if n.startswith("DuckDB")), None)
        for name, (wall, rss, _) in entries:
            vs_duck = f"{wall / duck_wall:.2f}×" if duck_wall else "–"
            lines.append(
                f"| {name} | {wall:.2f} | {rows / wall / 1e6:.2f} M | {size_mb / wall:.0f} | "
                f"{rss:.0f} | {ceiling / wall:.0%} | {vs_duck} |")
        lines.append("")
    if short_ids:
        rows, size_mb = short_ids["rows"], short_ids["size_mb"]
        lines += [f"## {rows / 1e6:g} M sorted, message ids `wamid.N` ({size_mb:,.0f} MB)", "",
                  "The sorted log above with each message id rewritten `wamid.` and the "
                  "row's number.", ""]
        lines += ceiling_table(short_ids, "rows", "csv crate ByteRecord pass (ceiling)")
    for run in webhooks:
        rows, size_mb = run["rows"], run["size_mb"]
        lines += [f"## {rows / 1e6:g} M webhook notifications, JSON lines ({size_mb:,.0f} MB)", "",
                  "The same traffic as Meta's Cloud API notifications (`wabill generate "
                  "--webhooks`, one notification per row). The ceiling is serde_json's "
                  "parse of each line into borrowed structs of the fields a pricer needs "
                  "(`examples/json_ceiling.rs`).", ""]
        lines += ceiling_table(run, "notifications", "serde_json into borrowed structs (ceiling)")
    lines += ["## Checks", ""] + [f"- {c}" for c in checks] + [""]
    (BENCH / "RESULTS.md").write_text("\n".join(lines))
    print(f"wrote {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
