#!/usr/bin/env bash
# The GPU benchmarks, each against its peer measured in the same run on the same card:
#
#   bench/run_gpu.sh BUILD_DIR OUT_DIR        # nothing is built here:
#   ninja -C BUILD_DIR tessera bench_train bench_preprocess
#
# (d) kernels: bench_preprocess (fused preprocessing, % of the device copy bandwidth) vs
#     bench/preprocess_torchvision.py (torchvision.transforms.v2 on CUDA tensors), plus a value check
# (e) train:   bench_train vs bench/train_torch.py, resnet50 224px batch 128, bf16, channels_last,
#     eager and whole-step CUDA graphs on both sides
# (f) e2e:     `tessera train` from JPEG files vs bench/e2e_torchvision.py (bench/e2e_gpu.py)
#
# Writes every piece's JSON and log plus bench_gpu.md (card, date, each number, each ratio
# against its target) into OUT_DIR. A failing piece is recorded and the rest still run; the exit
# status is 1 when any piece failed (missed speed targets are reported, never failures), 3 when
# there is no GPU (checked first, in a second or two). Sized for about 3-4 minutes on an H100;
# sizes and per-piece timeouts come from the environment (see below).
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: bench/run_gpu.sh BUILD_DIR OUT_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$1 OUT=$2
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
if [[ -n ${PYTHON:-} ]]; then PY=$PYTHON
elif [[ -x /opt/tessera/venv/bin/python ]]; then PY=/opt/tessera/venv/bin/python
else PY=python3; fi
WORK=${BENCH_WORK:-/tmp/tessera-bench-gpu}   # scratch (dataset, dumps, run directories): not copied back
NPROC=$(nproc)

KERNEL_BATCH=${KERNEL_BATCH:-256}
KERNEL_ITERS=${KERNEL_ITERS:-50}            # ours: ~0.2 ms per batch, so many calls are cheap
PEER_KERNEL_ITERS=${PEER_KERNEL_ITERS:-20}  # torchvision: a few ms per batch
TRAIN_MODEL=${TRAIN_MODEL:-resnet50}
TRAIN_SIZE=${TRAIN_SIZE:-224}
TRAIN_BATCH=${TRAIN_BATCH:-128}
TRAIN_STEPS=${TRAIN_STEPS:-40}
TRAIN_WARMUP=${TRAIN_WARMUP:-5}
TRAIN_CLASSES=${TRAIN_CLASSES:-1000}
E2E_IMAGES=${E2E_IMAGES:-2560}
E2E_EPOCHS=${E2E_EPOCHS:-3}
E2E_WORKERS=${E2E_WORKERS:-$NPROC}
T_KERNELS=${T_KERNELS:-90} T_TRAIN=${T_TRAIN:-150} T_E2E=${T_E2E:-420}   # seconds per piece

# No GPU: stop at once with one clear line. (BENCH_SKIP_GPU_CHECK=1 runs on regardless: every
# piece then exits 3 and is recorded, which tests this script's plumbing on a CPU machine.)
if [[ ${BENCH_SKIP_GPU_CHECK:-0} != 1 ]] && { ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU'; }; then
  echo "run_gpu.sh: no CUDA device (nvidia-smi lists no GPU); nothing measured"
  exit 3
fi
CARD=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
[[ -n $CARD ]] || CARD="unknown (nvidia-smi gave no name)"
mkdir -p "$WORK"
rm -f "$OUT/pieces.tsv"
START=$(date +%s)
{
  echo "card: $CARD"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: nproc $NPROC, $(sed -n -E 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "python: $PY ($("$PY" -c 'import torch, torchvision; print("torch", torch.__version__, "/ torchvision", torchvision.__version__)' 2>&1 | tail -1))"
  echo "build: $BUILD"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"

FAILED=0
# piece NAME TIMEOUT CMD...: runs CMD with its output in OUT/NAME.log, records "NAME exit seconds".
piece() {
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS rc
  echo "== $name: $*" >&2
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >>"$OUT/pieces.tsv"
  if [[ $rc -ne 0 ]]; then
    FAILED=1
    echo "   $name FAILED (exit $rc$([[ $rc -eq 124 || $rc -eq 137 ]] && echo ", timed out after ${limit} s")); last lines:" >&2
    tail -8 "$OUT/$name.log" | sed 's/^/   | /' >&2
  else
    grep -E '^RESULT|^  (image|medical|device copy|check)|^e2e_gpu:' "$OUT/$name.log" | sed 's/^/   /' >&2
  fi
  return 0
}
need() {
  if [[ ! -x $1 ]]; then
    echo "missing $1 (ninja -C $BUILD $(basename "$1"))" >"$OUT/$2.log"
    printf '%s\t127\t0\n' "$2" >>"$OUT/pieces.tsv"
    FAILED=1
    echo "== $2: missing $1" >&2
    return 1
  fi
}

# (d) kernels: ours first (it also dumps a few samples), then the peer, which compares values.
rm -rf "$WORK/preprocess_dump"
if need "$BUILD/bench/bench_preprocess" kernels_tessera; then
  piece kernels_tessera "$T_KERNELS" "$BUILD/bench/bench_preprocess" --batch "$KERNEL_BATCH" --iters "$KERNEL_ITERS" \
    --json "$OUT/preprocess_tessera.json" --dump "$WORK/preprocess_dump"
fi
check=()
[[ -f $WORK/preprocess_dump/dump.json ]] && check=(--check "$WORK/preprocess_dump")
piece preprocess_torchvision "$T_KERNELS" "$PY" bench/preprocess_torchvision.py --batch "$KERNEL_BATCH" \
  --iters "$PEER_KERNEL_ITERS" --json "$OUT/preprocess_torchvision.json" "${check[@]}"

# (e) training: peer eager, ours eager, peer graphs, ours graphs (same flags on both sides).
targs=(--model "$TRAIN_MODEL" --size "$TRAIN_SIZE" --batch "$TRAIN_BATCH" --steps "$TRAIN_STEPS"
       --warmup "$TRAIN_WARMUP" --classes "$TRAIN_CLASSES" --threads "$NPROC" --device cuda --precision bf16
       --channels-last)
piece train_pytorch_eager "$T_TRAIN" "$PY" bench/train_torch.py "${targs[@]}" --json "$OUT/train_pytorch_eager.json"
if need "$BUILD/bench/bench_train" train_tessera_eager; then
  piece train_tessera_eager "$T_TRAIN" "$BUILD/bench/bench_train" "${targs[@]}" --json "$OUT/train_tessera_eager.json"
fi
piece train_pytorch_graphs "$T_TRAIN" "$PY" bench/train_torch.py "${targs[@]}" --cuda-graphs \
  --json "$OUT/train_pytorch_graphs.json"
if need "$BUILD/bench/bench_train" train_tessera_graphs; then
  piece train_tessera_graphs "$T_TRAIN" "$BUILD/bench/bench_train" "${targs[@]}" --cuda-graphs \
    --json "$OUT/train_tessera_graphs.json"
fi

# (f) end to end from JPEG files (it writes e2e.json and its own logs).
piece e2e "$T_E2E" "$PY" bench/e2e_gpu.py "$BUILD" "$OUT" --images "$E2E_IMAGES" --epochs "$E2E_EPOCHS" \
  --workers "$E2E_WORKERS" --data "$WORK/e2e-jpegs" --timeout $(((T_E2E - 60) / 2))

echo "total: $((SECONDS)) s" >>"$OUT/environment.txt"
"$PY" bench/gpu_summary.py "$OUT" || FAILED=1
echo "run_gpu.sh: $(( $(date +%s) - START )) s; summary in $OUT/bench_gpu.md" >&2
exit $FAILED
