#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), builds, and runs the whole test suite with CTest.
#   tools/test.sh                 # everything
#   tools/test.sh -L e2e          # extra arguments go to ctest (e.g. a label, -R pattern)
#   tools/test.sh -LE slow        # skip the slow tests
# CUDA tests (label cuda) skip themselves with a reason where no GPU is present.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
start=$(date +%s)
bash tools/setup.sh
# ctest runs tests in parallel on few cores; libgomp's default spin-waiting then slows every
# torch process 10-20x (bench/RESULTS.md). Passive waiting keeps the suite's time predictable.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ctest --test-dir "${BUILD_DIR:-build}" -j "$(nproc)" --output-on-failure --timeout 900 "$@"
echo "tools/test.sh: $(( $(date +%s) - start )) s in all"
