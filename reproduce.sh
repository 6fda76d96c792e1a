#!/usr/bin/env bash
# The project's main job: the embedded study on the Fashion-MNIST mini benchmark, then every notebook
# executed headlessly into HTML beside its results.
#
#   ./reproduce.sh [quick|smoke]      (default quick; results in results/<profile>/)
#
# 1. builds the library (through ./vptlab) and installs or refreshes the Jupyter kernel "java";
# 2. `vptlab reproduce --profile P`: block-location sweep and method comparison as run folders, tables
#    (tables/all_runs.csv) and plots (plots/*.png), with the measured wall time;
# 3. notebooks/execute.sh P results/P: each notebook reads those runs (and trains its own small ablations),
#    and is written as results/P/NN-name.html.
set -euo pipefail
cd "$(dirname "$0")"
profile="${1:-quick}"
case "$profile" in quick|smoke) ;; *) echo "usage: ./reproduce.sh [quick|smoke]" >&2; exit 2 ;; esac
results="results/$profile"
./vptlab --version >/dev/null
bash environment/install-jupyter.sh
./vptlab reproduce --profile "$profile" --out "$results"
VPTLAB_NO_BUILD=1 notebooks/execute.sh "$profile" "$results"
python3 notebooks/check_outputs.py executed "$results"/*.ipynb
python3 notebooks/check_outputs.py offline "$results"/*.html >/dev/null
echo "tables: $results/tables   plots: $results/plots   notebooks (HTML): $results/*.html"
