#!/usr/bin/env bash
# The benchmark: generates logs (1 M and 10 M rows, sorted and shuffled),
# then times wabill, the csv crate's raw parse (the ceiling) and DuckDB on
# each, checks they agree; the largest sorted log again with ids `wamid.N`;
# the streaming engine's CPU per stage (`WABILL_STREAM_STATS=1`, for a
# paper projection to 16 cores); 1 M webhook notifications against
# serde_json's parse into borrowed structs (examples/json_ceiling.rs);
# and writes benches/RESULTS.md; then measures
# streaming memory with many customers over 60 days, and times reconcile
# on 1 M analytics data points against the 10 M-row log.
#
#   benches/run.sh              # 1M and 10M rows
#   ROWS="1000000" benches/run.sh   # a quicker run
#   QUICK=1 benches/run.sh      # minutes: 1 M rows, small memory and
#                               # reconcile cases, one run each
#
# It ends with the targets of issues 18 and 31 (issue 31's table: each
# ratio, its target, met or NOT met), each with this run's figure, the
# machine, the load average and the gap (benches/targets.py; also at the
# top of RESULTS.md). Wall and CPU (user + system) are both measured.
#
# Needs: cargo, python3 (DuckDB is pip-installed into benches/.venv when
# the network allows; without it the DuckDB column is left out).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet
cargo build --release --locked --quiet --example csv_ceiling --example json_ceiling

if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
fi
if ! benches/.venv/bin/python -c "import duckdb" 2>/dev/null; then
  benches/.venv/bin/pip install --quiet "duckdb>=1.1" \
    || echo "bench: DuckDB could not be installed; comparing without it" >&2
fi

if [ -n "${QUICK:-}" ]; then
  export ROWS="${ROWS:-1000000}" RUNS="${RUNS:-1}"
  export MEMORY_CASES="${MEMORY_CASES:-1000000:1000000 1000000:100000}"
  export POINTS="${POINTS:-100000}" RECONCILE_ROWS="${RECONCILE_ROWS:-1000000}"
fi
# Figures of an earlier run must not stand in for this one's.
rm -f benches/data/speed.json benches/data/memory.json benches/data/reconcile.json

benches/.venv/bin/python benches/bench.py "$@"
# Streaming memory: 8 M rows / 8 M customers and 10 M rows / 1 M customers
# over 60 days (MEMORY_CASES="rows:customers …" for others).
benches/.venv/bin/python benches/memory_bench.py
# Reconcile: 1 M pricing_analytics points against the 10 M-row log
# (POINTS=… RECONCILE_ROWS=… for a quicker run).
benches/.venv/bin/python benches/reconcile_bench.py
exec benches/.venv/bin/python benches/targets.py
