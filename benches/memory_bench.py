"""The streaming-memory benchmark (run by benches/run.sh after bench.py):
logs over 60 days with many distinct customers, streamed by `wabill
estimate --engine stream`; peak memory (max RSS) against the target of
issue 18 (under 300 MB), with what the engine held at most
(`WABILL_STREAM_STATS`). Writes its section of RESULTS.md.

    MEMORY_CASES="8000000:8000000 10000000:1000000" python3 benches/memory_bench.py
"""

import os
import subprocess

import bench

CASES = [tuple(int(n) for n in case.split(":"))
         for case in os.environ.get("MEMORY_CASES", "8000000:8000000 10000000:1000000").split()]
DAYS = 60
TARGET_MB = 300
HEADING = "## Streaming memory"


def generate(rows, customers):
    path = bench.DATA / f"memory-{rows}-{customers}.csv"
    if not path.exists():
        subprocess.run([bench.WABILL, "generate", "--rows", str(rows), "--seed", str(bench.SEED),
                        "--customers", str(customers), "--days", str(DAYS), "-o", path],
                       check=True)
    return path


def stream(path):
    """Best (wall s, peak MB) over RUNS runs, and the engine's counters."""
    best, stats = None, ""
    for _ in range(bench.RUNS):
        r = subprocess.run(["/usr/bin/time", "-f", "%e %M", bench.WABILL, "estimate", "-q",
                            "--engine", "stream", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env={**os.environ, "WABILL_STREAM_STATS": "1"})
        if r.returncode != 0:
            raise SystemExit(f"bench: streaming {path} failed:\n{r.stderr.decode()}")
        lines = r.stderr.decode().strip().splitlines()
        stats = next(l.split("stream stats: ", 1)[1] for l in lines if "stream stats: " in l)
        wall, rss_kb = lines[-1].split()
        run = (float(wall), int(rss_kb) / 1024)
        best = run if best is None or run[0] < best[0] else best
    return best, stats


def main():
    bench.DATA.mkdir(exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=bench.ROOT).stdout.strip()
    lines = [
        f"{HEADING}: many customers over {DAYS} days",
        "",
        f"`wabill generate --seed {bench.SEED} --days {DAYS}` with the customers given (the "
        "generator's defaults otherwise), streamed with `--engine stream`. Target: peak memory "
        f"under {TARGET_MB} MB (issue 18). The engine keeps a customer until its windows have "
        "closed and its messages are priced, then forgets it; what it held at most is "
        "`WABILL_STREAM_STATS`'s line.",
        "",
        "| log | wall (s) | peak memory (MB) | vs target | held at most |",
        "|---|---:|---:|---:|---|",
    ]
    figures = []
    for rows, customers in CASES:
        path = generate(rows, customers)
        load = os.getloadavg()[0]
        (wall, rss), stats = stream(path)
        figures.append({"rows": rows, "customers": customers, "wall": wall, "rss": rss,
                        "load": load})
        label = f"{rows / 1e6:g} M rows, {customers / 1e6:g} M customers"
        lines.append(f"| {label} | {wall:.2f} | {rss:.0f} | {rss / TARGET_MB:.2f}× | {stats} |")
        print(f"memory  {label:<32} {wall:7.2f} s {rss:8.1f} MB  {stats}", flush=True)
    lines += ["", f"- wabill commit {commit}. Machine: {bench.machine()}; load average at the "
              f"start {os.getloadavg()[0]:.1f}; {bench.runs_phrase()}.", ""]
    bench.record("memory", figures)
    results = bench.BENCH / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n\n"
    section = "\n".join(lines)
    if HEADING in text:
        # Replace the section, up to the next one.
        start = text.index(HEADING)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    elif "## Reconcile:" in text:
        at = text.index("## Reconcile:")
        text = text[:at] + section + "\n" + text[at:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text)


if __name__ == "__main__":
    main()
