#!/usr/bin/env bash
# The project's test command: the offline tests of data-scripts/ and of the notebook tools, a check that the
# committed notebooks carry no outputs, the library's unit and parity tests (fixtures are committed, so
# neither PyTorch nor network access is needed), then every notebook executed headlessly in the smoke
# profile on the "java" Jupyter kernel (installed or refreshed here), with its outputs checked; last, the Slurm
# check (environment/slurm-check.sh: a plan through a real one-node Slurm, compared with a local run; it prints
# SKIP and passes where Slurm cannot run, e.g. without root or sudo).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m unittest discover -s data-scripts/tests
python3 -m unittest discover -s notebooks/tests
python3 notebooks/check_outputs.py clean
mvn -B -ntp verify
bash environment/install-jupyter.sh
out="lib/target/notebooks-smoke"
rm -rf "$out"
VPTLAB_NO_BUILD=1 notebooks/execute.sh smoke "$out"
python3 notebooks/check_outputs.py executed "$out"/*.ipynb
python3 notebooks/check_outputs.py offline "$out"/*.html >/dev/null
bash environment/slurm-check.sh
