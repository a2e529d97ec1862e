#!/usr/bin/env bash
# Quick start: set everything up, prepare the bundled digits dataset and train the default
# config. Ends by printing the run directory and its validation and test accuracy.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tools/setup.sh
[[ -f data/digits/SOURCE.txt ]] || build/tessera prepare digits --out data/digits
build/tessera train configs/digits.yaml "$@"
