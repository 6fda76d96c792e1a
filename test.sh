#!/usr/bin/env bash
# The project's test command: the library's unit and parity tests (fixtures are committed, so neither
# PyTorch nor network access is needed) and the offline tests of data-scripts/.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m unittest discover -s data-scripts/tests
mvn -B -ntp verify
