#!/usr/bin/env bash
# (m) The decoders of issue 19 against pydicom 3 (the venv: pylibjpeg-openjpeg for JPEG 2000,
# pydicom's own RLE, apply_color_lut) on the same files, decode to float, files/s, best of ROUNDS:
# ours with 1 and 2 threads (one file per thread, as the loader's workers), and for JPEG 2000 one
# file at a time with OpenJPEG's own pool of 2 threads (--j2k-threads 2). Prints a markdown table.
# The peer and our 1-thread column run pinned to one core (taskset -c 0): pylibjpeg-openjpeg
# decodes on every core by itself (unpinned it ran 1.3-1.4x faster here, pinned it did not), so
# only pinning compares single-threaded decoding.
#
#   bench/run_dicom_codecs.sh BUILD_DIR        (ROUNDS=5 by default)
set -euo pipefail
BUILD=${1:?usage: bench/run_dicom_codecs.sh BUILD_DIR}
ROUNDS=${ROUNDS:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${TESSERA_PYTHON:-/opt/tessera/venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" "$ROOT/bench/make_dicom_codecs.py" "$WORK" >/dev/null
F="$ROOT/tests/fixtures/dicom"

rate() { "$@" | sed -n 's/^RESULT files_per_s=//p'; }
echo "nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'), best of $ROUNDS rounds"
echo
echo "| file | pydicom 3 (1 core) | ours, 1 thread (1 core) | ratio (target >= 1.0x) | ours, 2 threads | scaling | ours, 1 file, OpenJPEG 2 threads |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for spec in "$WORK/ct_512_j2k.dcm:200:j2k" "$F/dcm_qa_ts_9_j2k.dcm:200:j2k" "$F/pydicom-data_HTJ2KLossless_08_RGB.dcm:100:j2k" \
            "$WORK/ct_512_rle4.dcm:1000:-" "$WORK/us_640_palette.dcm:1000:-" "$F/pydicom-data_OT-PAL-8-face.dcm:1000:-"; do
  IFS=: read -r file copies kind <<<"$spec"
  peer=$(rate taskset -c 0 "$PYTHON" "$ROOT/bench/dicom_pydicom.py" "$file" --copies $((copies / 4)) --rounds "$ROUNDS")
  one=$(rate taskset -c 0 "$BUILD/bench/bench_dicom" "$file" --copies "$copies" --rounds "$ROUNDS" --threads 1)
  two=$(rate "$BUILD/bench/bench_dicom" "$file" --copies "$copies" --rounds "$ROUNDS" --threads 2)
  pool="-"
  if [[ $kind = j2k ]]; then
    pool=$(rate "$BUILD/bench/bench_dicom" "$file" --copies "$copies" --rounds "$ROUNDS" --threads 1 --j2k-threads 2)
    pool=$(awk -v a="$one" -v b="$pool" 'BEGIN { printf "%.0f (%.2fx)", b, b / a }')
  fi
  awk -v f="$(basename "$file")" -v p="$peer" -v a="$one" -v b="$two" -v pool="$pool" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2fx | %.0f | %.2fx | %s |\n", f, p, a, a / p, b, b / a, pool }'
done
