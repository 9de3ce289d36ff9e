"""The targets of issues 18 and 31, each with its figure from this run and the gap
(run last by benches/run.sh): prints them and puts them at the top of
RESULTS.md. Reads the figures bench.py, memory_bench.py and
reconcile_bench.py left in benches/data/*.json; a target whose benchmark
did not run (a quick run) says so.
"""

import json
import os
import subprocess
from datetime import datetime, timezone

import bench

HEADING = "## Targets (issues 18 and 31)"
MEMORY_MB = 300
RECONCILE_S = 60


def load(name):
    path = bench.DATA / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def ratio_line(what, value, target, unit="×"):
    met = "met" if value <= target else f"NOT met ({value / target:.2f}× the target)"
    return f"| {what} | {value:.2f}{unit} | ≤ {target:g}{unit} | {met} |"


CORES = 16
# The threads of the streaming engine that are not shards, and the stages
# (as `WABILL_STREAM_STATS` names them) each runs: the reading side; the
# calling thread's id links and settling, and the ordered merge. The
# shards share the other cores.
SERIAL_THREADS = {"read": ("read_cpu_s",), "settle + merge": ("settle_cpu_s", "merge_cpu_s")}


def projection(stages, ceiling):
    """A paper projection of the sorted log's wall time on CORES cores from
    the CPU each stage took (`bench.stage_stats`): each serial thread on a
    core of its own, the shards' work spread over the other cores (no less
    than the busiest shard); the slowest sets the pace. A line of the
    table, "not available" when the engine printed no per-stage times."""
    figures = (stages or {}).get("stages", {})
    if "shard_cpu_total_s" not in figures:
        return (f"| paper projection for {CORES} cores from per-stage CPU | not available "
                "(`WABILL_STREAM_STATS=1` printed no per-stage times) | ≤ 3× | – |")
    serial = {name: sum(figures.get(k, 0) for k in keys)
              for name, keys in SERIAL_THREADS.items()}
    workers = CORES - len(serial)
    shards = max(figures["shard_cpu_total_s"] / workers, figures.get("shard_cpu_max_s", 0))
    paced = max([(v, k) for k, v in serial.items()] + [(shards, "shards")])
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in serial.items())
    what = (f"paper projection for {CORES} cores, {stages['rows'] / 1e6:g} M sorted, from CPU "
            f"per stage: {parts}, shards {figures['shard_cpu_total_s']:.2f} s over {workers} "
            f"cores → {paced[0]:.2f} s (paced by {paced[1]}) vs the raw parse {ceiling:.2f} s")
    return ratio_line(what, paced[0] / ceiling, 3)


def main():
    rows = []
    speed = load("speed")
    if speed:
        logs = {log["label"]: log for log in speed["logs"]}
        largest = max(log["rows"] for log in speed["logs"])
        sorted_log = logs.get(f"{largest / 1e6:g} M sorted")
        shuffled_log = logs.get(f"{largest / 1e6:g} M shuffled")
        n = f"{largest / 1e6:g} M rows sorted"
        ceiling = None
        if sorted_log:
            e = sorted_log["entries"]
            ceiling = e["csv crate ByteRecord pass (ceiling)"]
            ours = e["wabill estimate"]
            rows.append(ratio_line(f"{n}, wall: wabill vs the csv crate's ByteRecord pass "
                                   f"({ours['wall']:.2f} s vs {ceiling['wall']:.2f} s)",
                                   ours["wall"] / ceiling["wall"], 3))
            rows.append(ratio_line(f"{n}, CPU: wabill vs the csv crate's ByteRecord pass "
                                   f"({ours['cpu']:.2f} s vs {ceiling['cpu']:.2f} s)",
                                   ours["cpu"] / ceiling["cpu"], 4))
        short = speed.get("short_ids")
        if short:
            c, w = short["ceiling"], short["wabill"]
            rows.append(ratio_line(f"{short['rows'] / 1e6:g} M rows, "
                                   f"{short['rows'] // 10 / 1e6:g} M customers, ids `wamid.N`, "
                                   f"wall ({w['wall']:.2f} s vs {c['wall']:.2f} s)",
                                   w["wall"] / c["wall"], 3))
        for run in speed.get("webhooks", []):
            c, w = run["ceiling"], run["wabill"]
            what = f"{run['rows'] / 1e6:g} M webhook notifications vs serde_json borrowed structs"
            rows.append(ratio_line(f"{what}, wall ({w['wall']:.2f} s vs {c['wall']:.2f} s)",
                                   w["wall"] / c["wall"], 1.5))
            rows.append(ratio_line(f"{what}, CPU ({w['cpu']:.2f} s vs {c['cpu']:.2f} s)",
                                   w["cpu"] / c["cpu"], 1.5))
        if sorted_log and shuffled_log:
            ours = sorted_log["entries"]["wabill estimate"]["wall"]
            shuffled = shuffled_log["entries"]["wabill estimate"]["wall"]
            rows.append(ratio_line(f"{largest / 1e6:g} M rows: shuffled vs sorted "
                                   f"({shuffled:.2f} s vs {ours:.2f} s)", shuffled / ours, 1.3))
        if ceiling:
            rows.append(projection(speed.get("stages"), ceiling["wall"]))
        if sorted_log:
            e = sorted_log["entries"]
            one = e.get("wabill estimate --threads 1", {}).get("wall")
            two = e.get("wabill estimate --threads 2", {}).get("wall")
            if one and two:
                rows.append(f"| {n}: `--threads 1` vs `--threads 2` ({one:.2f} s vs "
                            f"{two:.2f} s) | 2 threads take {two / one:.2f}× the time of 1 | "
                            "a line (no figure set) | – |")
        same = [c for c in speed["checks"] if "byte-identical" in c or "same bytes" in c]
        ok = all(c.endswith("yes") for c in same)
        rows.append(f"| engines and thread counts print the same bytes ({len(same)} checks) | "
                    f"{'yes' if ok else 'NO'} | yes | {'met' if ok else 'NOT met'} |")
        speed_load = f"{speed['load']:.1f}"
    else:
        rows.append("| speed (bench.py) | not run | | |")
        speed_load = "–"
    memory = load("memory")
    for case in memory or []:
        label = f"streaming memory, {case['rows'] / 1e6:g} M rows / {case['customers'] / 1e6:g} M customers, 60 days"
        rows.append(ratio_line(label, case["rss"], MEMORY_MB, " MB"))
    if memory is None:
        rows.append("| streaming memory (memory_bench.py) | not run | | |")
    rec = load("reconcile")
    if rec:
        rows.append(ratio_line(f"reconcile {rec['points'] / 1e6:g} M points × "
                               f"{rec['rows'] / 1e6:g} M rows, wall", rec["wall"], RECONCILE_S,
                               " s"))
    else:
        rows.append("| reconcile (reconcile_bench.py) | not run | | |")
    loads = [f"speed {speed_load}"]
    loads += [f"memory {c['load']:.1f}" for c in memory or []]
    if rec:
        loads.append(f"reconcile {rec['load']:.1f}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=bench.ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [
        HEADING,
        "",
        f"- Machine: {bench.machine()}; wabill commit {commit}; "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Load average (1 min) as each benchmark started: {', '.join(loads)} "
        f"(a busy machine makes every wall time larger; ratios of runs in one "
        f"benchmark are steadier)",
        "",
        "| target | this run | target | gap |",
        "|---|---:|---:|---|",
        *rows,
        "",
    ]
    for line in rows:
        print("target " + " ".join(line.strip("| ").split(" | ")), flush=True)
    results = bench.BENCH / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n\n"
    section = "\n".join(lines)
    if HEADING in text:
        start = text.index(HEADING)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    else:
        # After the introduction, before the first table.
        at = text.find("\n## ")
        text = (text[:at + 1] + section + "\n" + text[at + 1:]) if at >= 0 else text + section
    results.write_text(text)


if __name__ == "__main__":
    main()
