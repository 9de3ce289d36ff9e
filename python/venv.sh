#!/usr/bin/env bash
# A virtualenv with wabill's Python package built from this checkout (pip
# install . : maturin, crates/wabill-py) and what its tests and the cluster
# jobs need, all from PyPI: pytest, pyarrow, PySpark, Dask. Prints the
# venv's folder. Usage: python/venv.sh [VENV] (default target/py-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/py-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip=("$venv/bin/pip" install --quiet --disable-pip-version-check)
# PySpark 4 warns that it does not yet support pandas 3: pandas 2 for all.
"${pip[@]}" "pytest>=7" "pyarrow>=12" "pandas>=1.5,<3" "pyspark>=3.5,<5" \
  "dask[dataframe,distributed]>=2024.1" \
  || { echo "python/venv.sh: cannot pip-install from PyPI (is it reachable?)" >&2; exit 1; }
"${pip[@]}" . >&2
echo "$venv"
