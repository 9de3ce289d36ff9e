#!/usr/bin/env bash
# The cluster recipe, run on Dask distributed in local mode (a LocalCluster
# of worker processes on this machine), checked against one machine:
#   1. generate a log (or take yours: LOG=... BUSINESSES=...),
#   2. price it on one machine: wabill estimate - < LOG,
#   3. on Dask: read it in blocks, repartition its rows by portfolio, pipe
#      each partition through `wabill estimate - --format json`, and merge
#      the partial reports with `wabill merge`,
#   4. exit 1 unless the merged report equals the single-machine one, byte
#      for byte, in every format.
# Dask is pip-installed into target/cluster-venv (PyPI must be reachable:
# the script fails, it does not skip, when it is not).
#
# Environment: ROWS (default 200k), PARTS (default 4), WORKERS (default 2),
# LOG and BUSINESSES (your own log and businesses file instead of a
# generated one), SCHEDULER (address of a running Dask scheduler instead of
# a LocalCluster), WABILL (the binary; by default built here in release).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/cluster-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import dask.bag, distributed" 2>/dev/null; then
  echo "== installing Dask distributed into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "dask[distributed]>=2024.1,<2027" \
    || { echo "cluster recipe: cannot pip-install dask[distributed] (is PyPI reachable?)" >&2; exit 1; }
fi

if [ -z "${WABILL:-}" ]; then
  cargo build --release --locked --quiet
  WABILL="$PWD/target/release/wabill"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wabill-cluster.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "${LOG:-}" ]; then
  LOG="$work/log.csv"
  "$WABILL" generate --rows "${ROWS:-200k}" --businesses 6 --seed 11 \
    --status-event-share 0.2 -o "$LOG"
  BUSINESSES=${BUSINESSES:-examples/cluster/businesses.csv}
fi

args=(--wabill "$WABILL" --log "$LOG" --parts "${PARTS:-4}" --workers "${WORKERS:-2}"
      --work "$work")
if [ -n "${BUSINESSES:-}" ]; then
  args+=(--businesses "$BUSINESSES")
fi
if [ -n "${SCHEDULER:-}" ]; then
  args+=(--scheduler "$SCHEDULER")
fi
# After --: pricing options for every wabill run (here illustrative tiers, so
# that portfolios matter).
"$venv/bin/python" examples/cluster/dask_estimate.py "${args[@]}" \
  -- --tiers data/examples/tiers-illustrative.csv
