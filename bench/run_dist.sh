#!/usr/bin/env bash
# (i) data-parallel scaling on this machine: bench_dist (simple_cnn, c10d Gloo over loopback)
# as 1 process, then as 2 under the venv's torchrun, each rank with the same batch and 1 intra-op
# thread, so 2 processes use the 2 cores. Efficiency = images/s(2) / (2 x images/s(1)).
#
#   bench/run_dist.sh BUILD_DIR      (BATCH=64 STEPS=30 by default)
set -euo pipefail
BUILD=${1:?usage: bench/run_dist.sh BUILD_DIR}
BATCH=${BATCH:-64} STEPS=${STEPS:-30}
TORCHRUN=${TORCHRUN:-/opt/tessera/venv/bin/torchrun}
CORES=$(nproc)   # before OMP_NUM_THREADS=1, which nproc obeys
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
rate() { sed -n 's/^RESULT images_per_s=\([0-9.]*\).*/\1/p'; }
echo "nproc $CORES, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'), batch $BATCH per rank, $STEPS steps"
one=$("$BUILD/bench/bench_dist" --batch "$BATCH" --steps "$STEPS" | tee /dev/stderr | rate)
two=$("$TORCHRUN" --no-python --standalone --nproc-per-node 2 "$BUILD/bench/bench_dist" --batch "$BATCH" --steps "$STEPS" 2>/dev/null |
      tee /dev/stderr | rate)
awk -v a="$one" -v b="$two" 'BEGIN { printf "1 process %.0f images/s, 2 processes %.0f images/s: %.2fx, efficiency %.0f%%\n", a, b, b / a, 50 * b / a }'
