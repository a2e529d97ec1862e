#!/usr/bin/env bash
# (g) DICOM decode to float (mask, sign-extend, rescale) in files/s: ours with 1 and 2 threads
# against pydicom + numpy (dcmread + apply_modality_lut) on the same files, in the same run, on
# pydicom's CT_small (128x128) and MR_small (64x64) and on their clinical-size twins (512x512 CT,
# 256x256 MR; bench/make_dicom_sizes.py). Best of ROUNDS rounds each. Prints a markdown table.
#
#   bench/run_dicom.sh BUILD_DIR        (ROUNDS=5 by default)
set -euo pipefail
BUILD=${1:?usage: bench/run_dicom.sh BUILD_DIR}
ROUNDS=${ROUNDS:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTS=/usr/lib/python3/dist-packages/pydicom/data/test_files
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$ROOT/bench/make_dicom_sizes.py" "$WORK" >/dev/null

rate() { "$@" | sed -n 's/^RESULT files_per_s=//p'; }
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'), best of $ROUNDS rounds"
echo
echo "| file | pydicom | ours, 1 thread | ratio (target >= 3x) | ours, 2 threads | scaling (target >= 1.7x) |"
echo "| --- | --- | --- | --- | --- | --- |"
for spec in "$TESTS/CT_small.dcm:6000" "$TESTS/MR_small.dcm:12000" "$WORK/CT_512.dcm:1500" "$WORK/MR_256.dcm:4000"; do
  file=${spec%:*} copies=${spec##*:}
  peer=$(rate /usr/bin/python3 "$ROOT/bench/dicom_pydicom.py" "$file" --copies $((copies / 8)) --rounds "$ROUNDS")
  one=$(rate "$BUILD/bench/bench_dicom" "$file" --copies "$copies" --rounds "$ROUNDS" --threads 1)
  two=$(rate "$BUILD/bench/bench_dicom" "$file" --copies "$copies" --rounds "$ROUNDS" --threads 2)
  awk -v f="$(basename "$file")" -v p="$peer" -v a="$one" -v b="$two" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2fx | %.0f | %.2fx |\n", f, p, a, a / p, b, b / a }'
done
