"""The reconcile benchmark (run by benches/run.sh after bench.py): 1 M
`pricing_analytics` data points (half hours, ten pages of 100,000) against
the 10 M-row sorted log, beside `wabill estimate --engine memory` of the
same log (reconcile reads the log the same way), so the difference is the
cost of reading the export and joining. Appends a section to RESULTS.md.

    POINTS=1000000 RECONCILE_ROWS=10000000 python3 benches/reconcile_bench.py
"""

import os
import subprocess

import bench

POINTS = int(os.environ.get("POINTS", "1000000"))
ROWS = int(os.environ.get("RECONCILE_ROWS", "10000000"))


def main():
    bench.DATA.mkdir(exist_ok=True)
    load = os.getloadavg()[0]
    log = bench.generate(ROWS, False)
    prefix = bench.DATA / f"points-{POINTS // 1000}k"
    listing = prefix.with_suffix(".txt")
    if not listing.exists():
        files = subprocess.run(
            ["python3", bench.BENCH / "reconcile_points.py", log, str(POINTS), prefix],
            check=True, capture_output=True, text=True).stdout.split()
        listing.write_text("\n".join(files) + "\n")
    files = listing.read_text().split()
    export_mb = sum(os.path.getsize(f) for f in files) / 1e6
    out = bench.DATA / "reconcile.csv"
    estimate = timed_allowing([bench.WABILL, "estimate", "-q", "--format", "csv",
                               "--engine", "memory", log], bench.DATA / "wabill-memory.csv", {0})
    cmd = [bench.WABILL, "reconcile", "-q", log, "--format", "csv"]
    for f in files:
        cmd += ["--actual", f]
    # Exit 4: the synthetic points do not agree with the log.
    reconcile = timed_allowing(cmd, out, {0, 4})
    rows = sum(1 for _ in open(out)) - 2
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=bench.ROOT,
                            capture_output=True, text=True).stdout.strip()
    label = f"{POINTS / 1e6:g} M data points × {ROWS / 1e6:g} M rows"
    lines = [
        f"## Reconcile: {label}",
        "",
        f"`benches/reconcile_points.py`: {POINTS:,} half-hour `pricing_analytics` points "
        f"({len(files)} pages, {export_mb:,.0f} MB of JSON) over the log's days, every "
        f"country × category × pricing type × business number; {rows:,} cells in the report "
        "(half hours grouped into days). Target: seconds, not minutes (issue 18).",
        "",
        "CPU time (user + system) is given beside wall time: on a machine shared with other "
        "work, it is the steadier figure.",
        "",
        "| command | wall (s) | CPU (s) | peak memory (MB) |",
        "|---|---:|---:|---:|",
        f"| wabill estimate --engine memory (the log alone) | {estimate[0]:.2f} | "
        f"{estimate[2]:.2f} | {estimate[1]:.0f} |",
        f"| wabill reconcile --actual (10 pages) | {reconcile[0]:.2f} | {reconcile[2]:.2f} | "
        f"{reconcile[1]:.0f} |",
        # Wall times of two runs apart differ with the machine's load: the
        # difference is taken of CPU time only.
        f"| difference: reading the export and joining | – | "
        f"{reconcile[2] - estimate[2]:.2f} | |",
        "",
        f"- wabill commit {commit}. Machine: {bench.machine()}; load average at the start "
        f"{load:.1f}; {bench.runs_phrase()}.",
        "",
    ]
    bench.record("reconcile", {"points": POINTS, "rows": ROWS, "load": load,
                               "wall": reconcile[0], "cpu": reconcile[2], "rss": reconcile[1],
                               "estimate_cpu": estimate[2]})
    results = bench.BENCH / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n\n"
    marker = "## Reconcile:"
    if marker in text:
        text = text[:text.index(marker)]
    results.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines))
    for name, (wall, rss, cpu) in [("estimate --engine memory", estimate),
                                   ("reconcile", reconcile)]:
        print(f"{label}  {name:<26} {wall:7.2f} s wall {cpu:7.2f} s CPU {rss:8.1f} MB",
              flush=True)


def timed_allowing(cmd, out_path, codes):
    """Best (wall s, peak MB, CPU s) over RUNS runs; exit codes in `codes`
    pass (reconcile exits 4 when cells differ)."""
    best = None
    for _ in range(bench.RUNS):
        with open(out_path, "wb") as stdout:
            r = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", *map(str, cmd)],
                               stdout=stdout, stderr=subprocess.PIPE)
        if r.returncode not in codes:
            raise SystemExit(f"bench: {' '.join(map(str, cmd))} failed:\n{r.stderr.decode()}")
        wall, rss_kb, user, system = r.stderr.decode().strip().splitlines()[-1].split()
        run = (float(wall), int(rss_kb) / 1024, float(user) + float(system))
        best = run if best is None or run[0] < best[0] else best
    return best


if __name__ == "__main__":
    main()
