#!/usr/bin/env bash
# The Spark and Dask jobs (examples/cluster/) against one machine on the same
# log, in local mode on this machine; benches/CLUSTER.md reads the figures.
#
#   - one machine: `wabill estimate` (the binary) and `wabill.estimate` (the
#     Python API, in process) on the log;
#   - each job's wall time (spark-submit or python, start to end: JVM or
#     cluster start-up included) and its own time from reading the log to
#     the merged report (what it prints as "... s on Spark/Dask");
#   - the fixed cost: the jobs on a 1,000-row log;
#   - the per-part cost: the same number of rows in 1 part (one business)
#     and in PARTS parts (PARTS businesses, no businesses file: each its
#     own part), (T_PARTS - T_1) / (PARTS - 1).
# Environment: ROWS (default 1M), PARTS (default 24), WORKERS (Dask and
# Spark local[N], default 2), VENV (a venv of python/venv.sh). Appends one
# line per measurement to bench-out/cluster.tsv and prints them.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

rows=${ROWS:-1M}
parts=${PARTS:-24}
workers=${WORKERS:-2}
venv=${VENV:-$(bash python/venv.sh)}
py="$PWD/$venv/bin/python"
export PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py"
# Spark logs warnings and errors only, from its start.
export SPARK_CONF_DIR="$PWD/examples/cluster/spark-conf"
cargo build --release --locked --quiet
wabill="$PWD/target/release/wabill"

work=$(mktemp -d "${TMPDIR:-/tmp}/wabill-cluster-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$wabill" generate --rows "$rows" --businesses 1 --seed 5 -o "$work/one.csv"
"$wabill" generate --rows "$rows" --businesses "$parts" --seed 5 -o "$work/many.csv"
"$wabill" generate --rows 1000 --businesses 1 --seed 5 -o "$work/tiny.csv"

mkdir -p bench-out
out=bench-out/cluster.tsv
load() { cut -d' ' -f1 /proc/loadavg; }
record() { # what log seconds [job seconds]
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$1" "$2" "$3" "${4:-}" "$(load)" | tee -a "$out"
}
wall() { # command...: prints the wall seconds; the command's output in $work/err
  local t0 t1
  t0=$(date +%s.%N)
  # spark-submit merges the driver's stderr into its stdout: keep both.
  "$@" >"$work/err" 2>&1 || { cat "$work/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
job_time() { grep -oE '\(([0-9.]+) s on (Spark|Dask)\)' "$work/err" | grep -oE '[0-9.]+' | head -1; }

printf 'when\twhat\tlog\twall_s\tjob_s\tload\n' | tee -a "$out"
for log in one many; do
  record "one machine: wabill estimate" "$log ($rows rows)" \
    "$(wall "$wabill" estimate -q "$work/$log.csv" --format json -o "$work/one-machine.json")"
  record "one machine: wabill.estimate (Python)" "$log ($rows rows)" \
    "$(wall "$py" -c 'import sys, wabill; wabill.estimate(sys.argv[1], into="json")' "$work/$log.csv")"
  record "one machine: wabill.estimate, DataFrame in" "$log ($rows rows)" \
    "$(wall "$py" -c 'import sys, pandas, wabill
frame = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
wabill.estimate(frame, into="json")' "$work/$log.csv")"
done
for log in tiny one many; do
  t=$(wall "$venv/bin/spark-submit" --master "local[$workers]" --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions="$workers" \
    examples/cluster/spark_estimate.py --log "$work/$log.csv" --out "$work/spark.json")
  record "spark local[$workers]" "$log" "$t" "$(job_time)"
  t=$(wall "$py" examples/cluster/dask_estimate.py --log "$work/$log.csv" --workers "$workers" \
    --out "$work/dask.json")
  record "dask LocalCluster($workers)" "$log" "$t" "$(job_time)"
done
