#!/usr/bin/env bash
# The project's test command: unit and parity tests of the library (fixtures are committed, so
# neither Python nor network access is needed at test time).
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -ntp verify
