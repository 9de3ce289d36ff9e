#!/usr/bin/env bash
# The cluster jobs in local mode, each checked against one machine (their
# --check: the merged report equals `wabill estimate` on the whole log, byte
# for byte, as JSON and as a table; exit 1 otherwise):
#   - Spark (spark-submit --master local[2]) on a generated log, gzipped,
#     and on webhook JSON lines;
#   - Dask (a LocalCluster of worker processes) on the same log as CSV, as
#     Parquet and as webhook JSON lines.
# Both group the log by portfolio (wabill.portfolio_of) and price each
# group in process through wabill's Python API. The venv (python/venv.sh)
# gets wabill built from this checkout, PySpark and Dask from PyPI; Java 17
# runs Spark.
#
# Environment: ROWS (default 100k), WORKERS (Dask, default 2), VENV (a venv
# python/venv.sh made: not made again).
set -euo pipefail
cd "$(dirname "$0")/../.."

# VENV: a venv python/venv.sh made (as .ci/run passes); else made here.
venv=${VENV:-$(bash python/venv.sh)}
py="$PWD/$venv/bin/python"
export PYSPARK_PYTHON="$py" PYSPARK_DRIVER_PYTHON="$py"
# Spark logs warnings and errors only, from its start.
export SPARK_CONF_DIR="$PWD/examples/cluster/spark-conf"

work=$(mktemp -d "${TMPDIR:-/tmp}/wabill-cluster.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$venv/bin/wabill" generate --rows "${ROWS:-100k}" --businesses 6 --seed 11 \
  --status-event-share 0.2 -o "$work/log.csv"
gzip -k "$work/log.csv"
"$py" -c 'import sys, pyarrow.csv as c, pyarrow.parquet as p
p.write_table(c.read_csv(sys.argv[1], convert_options=c.ConvertOptions(
    column_types={"business": "string", "customer": "string"})), sys.argv[2])' \
  "$work/log.csv" "$work/log.parquet"
pricing=(--tiers data/examples/tiers-illustrative.csv --businesses examples/cluster/businesses.csv)
webhooks=data/examples/inputs/webhooks.jsonl

spark() {
  echo "== spark: $1" >&2
  "$venv/bin/spark-submit" --master "local[2]" --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions=4 \
    examples/cluster/spark_estimate.py --log "$1" --check --out "$work/spark.json" -- "${@:2}"
}
dask() {
  echo "== dask: $1" >&2
  "$py" examples/cluster/dask_estimate.py --log "$1" --workers "${WORKERS:-2}" --check \
    --out "$work/dask.json" -- "${@:2}"
}

spark "$work/log.csv.gz" "${pricing[@]}"
spark "$webhooks"
dask "$work/log.csv" "${pricing[@]}"
dask "$work/log.parquet" "${pricing[@]}"
dask "$webhooks"
cmp "$work/spark.json" "$work/dask.json"
echo "cluster jobs: Spark and Dask merged reports = one-machine reports" >&2
