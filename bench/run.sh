#!/usr/bin/env bash
# Runs the three peer-vs-Tessera benchmarks in one go and appends the numbers to bench/RESULTS.md.
#
#   bench/run.sh [BUILD_DIR]          # BUILD_DIR defaults to build; nothing is built here:
#   ninja -C BUILD_DIR tessera bench_loader bench_train
#
# (a) loader: bench_loader vs bench/loader_torchvision.py (two torchvision pipelines), images/s
# (b) train:  bench_train vs bench/train_torch.py (resnet18, eager), images/s
# (c) digits: `tessera train configs/digits.yaml` vs bench/digits_torch.py over seeds 0-4: test
#     accuracy (median, lowest) and training seconds (median)
#
# (a) and (b) alternate peer and ours ROUNDS times and keep each side's best run (noise on a
# shared machine only ever slows a run down). Sizes come from the environment:
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
PY=${PYTHON:-/opt/tessera/venv/bin/python}
DATA=${BENCH_DATA:-/tmp/tessera-bench}
BENCHES=${BENCHES:-"a b c"}          # which benchmarks to run
ROUNDS=${ROUNDS:-2}                  # (a): peer/ours alternations, best kept
TRAIN_ROUNDS=${TRAIN_ROUNDS:-3}      # (b): the same (each round is a few seconds on an idle machine)
TRAIN_ONE_THREAD=${TRAIN_ONE_THREAD:-1}  # (b): also compare at 1 thread (robust to a busy machine)
THREADS=${THREADS:-2}                # (b), (c): torch intra-op threads
LOADER_IMAGES=${LOADER_IMAGES:-2000}
LOADER_WORKERS=${LOADER_WORKERS:-2}
LOADER_BATCH=${LOADER_BATCH:-64}
LOADER_SIZE=${LOADER_SIZE:-224}
LOADER_EPOCHS=${LOADER_EPOCHS:-2}    # timed epochs, after one warm-up epoch
TRAIN_MODEL=resnet18
TRAIN_SIZE=${TRAIN_SIZE:-64}
TRAIN_BATCH=${TRAIN_BATCH:-32}
TRAIN_STEPS=${TRAIN_STEPS:-10}       # timed steps, after TRAIN_WARMUP untimed ones
TRAIN_WARMUP=${TRAIN_WARMUP:-3}
DIGITS_EPOCHS=${DIGITS_EPOCHS:-15}   # (c): the peer's epochs (ours come from configs/digits.yaml unless OURS_EPOCHS)
DIGITS_SEEDS=${DIGITS_SEEDS:-"0 1 2 3 4"}  # (c): each seed trains both sides
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
# libgomp's default (spin before sleeping) makes 2 torch threads on 2 cores that other processes
# also use 10-20x slower, on both sides (see RESULTS.md). PASSIVE makes numbers on a shared
# machine meaningful; run with OMP_WAIT_POLICY=ACTIVE (or unset it: OMP_WAIT_POLICY=default) on an
# idle one to measure the out-of-the-box behaviour.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
[[ $OMP_WAIT_POLICY != default ]] || unset OMP_WAIT_POLICY

LOG="$DATA/run-$(date +%Y%m%d-%H%M%S).log"
mkdir -p "$DATA"
: >"$LOG"
START=$(date +%s)
LOAD0=$(cut -d" " -f1-3 /proc/loadavg)
export PYTHONWARNINGS=ignore

need() { [[ -x $1 ]] || { echo "missing $1: build it first (ninja -C $BUILD $(basename "$1"))" >&2; exit 1; }; }
# best VAR LABEL CMD...: runs CMD (output to the log) and raises VAR to the first value of its
# RESULT line when that is larger.
best() {
  local var=$1 label=$2; shift 2
  echo "### $label: $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "$label failed; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
  local value
  value=$(grep '^RESULT' "$LOG" | tail -1 | sed -E 's/^RESULT [a-z_]+=([0-9.]+).*/\1/')
  [[ -n $value ]] || { echo "$label printed no RESULT; see $LOG" >&2; exit 1; }
  printf -v "$var" '%s' "$(awk -v a="${!var}" -v b="$value" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

ROWS=()
row() { ROWS+=("$(printf '| %-48s | %10s | %10s | %9s | %-8s |' "$@")"); }

if [[ " $BENCHES " == *" a "* ]]; then
  need "$BUILD/bench/bench_loader"
  "$PY" bench/make_jpeg_folder.py "$DATA/jpegs" --count "$LOADER_IMAGES" >>"$LOG" 2>&1
  largs=(--workers "$LOADER_WORKERS" --batch "$LOADER_BATCH" --size "$LOADER_SIZE" --epochs "$LOADER_EPOCHS")
  ours="" tv_t="" tv_p=""
  for r in $(seq "$ROUNDS"); do
    echo "(a) loader, round $r/$ROUNDS ..." >&2
    best tv_t "a/torchvision-tensor" "$PY" bench/loader_torchvision.py "$DATA/jpegs" "${largs[@]}" --variant tensor
    best ours "a/tessera" "$BUILD/bench/bench_loader" "$DATA/jpegs" "${largs[@]}"
    best tv_p "a/torchvision-pil" "$PY" bench/loader_torchvision.py "$DATA/jpegs" "${largs[@]}" --variant pil
  done
  what="${LOADER_IMAGES} JPEGs -> ${LOADER_SIZE}px, b${LOADER_BATCH}, ${LOADER_WORKERS}w"
  row "(a) loader img/s vs torchvision, tensor resize" "$tv_t" "$ours" "$(ratio "$ours" "$tv_t")" ">= 1.5"
  row "(a) loader img/s vs torchvision, PIL resize" "$tv_p" "$ours" "$(ratio "$ours" "$tv_p")" ">= 1.5"
  A_NOTE="(a) $what, $LOADER_EPOCHS timed epochs after 1 warm-up, best of $ROUNDS"
fi

if [[ " $BENCHES " == *" b "* ]]; then
  need "$BUILD/bench/bench_train"
  targs=(--size "$TRAIN_SIZE" --batch "$TRAIN_BATCH" --steps "$TRAIN_STEPS" --warmup "$TRAIN_WARMUP")
  ours="" peer="" ours1="" peer1=""
  for r in $(seq "$TRAIN_ROUNDS"); do
    echo "(b) train, round $r/$TRAIN_ROUNDS ..." >&2
    best peer "b/pytorch" "$PY" bench/train_torch.py "${targs[@]}" --threads "$THREADS"
    best ours "b/tessera" "$BUILD/bench/bench_train" --model "$TRAIN_MODEL" "${targs[@]}" --threads "$THREADS"
    if [[ $TRAIN_ONE_THREAD = 1 && $THREADS != 1 ]]; then
      best peer1 "b/pytorch-1t" "$PY" bench/train_torch.py "${targs[@]}" --threads 1
      best ours1 "b/tessera-1t" "$BUILD/bench/bench_train" --model "$TRAIN_MODEL" "${targs[@]}" --threads 1
    fi
  done
  row "(b) train img/s vs PyTorch eager, $THREADS threads" "$peer" "$ours" "$(ratio "$ours" "$peer")" ">= 1.0"
  [[ -z $ours1 ]] || row "(b) train img/s vs PyTorch eager, 1 thread" "$peer1" "$ours1" "$(ratio "$ours1" "$peer1")" "(info)"
  B_NOTE="(b) $TRAIN_MODEL ${TRAIN_SIZE}px, b${TRAIN_BATCH}, $TRAIN_STEPS timed steps after $TRAIN_WARMUP, best of $TRAIN_ROUNDS; per-phase times in the log"
fi

if [[ " $BENCHES " == *" c "* ]]; then
  need "$BUILD/tessera"
  if [[ ! -d $DATA/digits/test ]]; then "$BUILD/tessera" prepare digits --out "$DATA/digits" >>"$LOG" 2>&1; fi
  # Each seed runs the peer, then ours, back to back: both see the same machine state. The demo
  # is promised over seeds (median and worst), so one seed would say little (issue 17).
  peer_accs=() ours_accs=() peer_times=() ours_times=() peer_epochs=() ours_epochs=()
  median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.4g", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  lowest() { sort -g | head -1; }
  for seed in $DIGITS_SEEDS; do
    echo "(c) digits seed $seed, PyTorch peer ..." >&2
    echo "### c/pytorch seed $seed" >>"$LOG"
    mark=$(wc -l <"$LOG")
    "$PY" bench/digits_torch.py "$DATA/digits" --epochs "$DIGITS_EPOCHS" --threads "$THREADS" --seed "$seed" >>"$LOG" 2>&1 ||
      { echo "digits_torch.py failed; see $LOG" >&2; exit 1; }
    peer_accs+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/^RESULT test_accuracy=([0-9.]+).*/\1/p')")
    peer_times+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/^RESULT .*train_seconds=([0-9.]+).*/\1/p')")
    peer_epochs+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/.*epoch [0-9]+: .*\(([0-9.]+) s train.*/\1/p' | median)")
    echo "(c) digits seed $seed, tessera train ..." >&2
    rm -rf "$DATA/models"
    echo "### c/tessera seed $seed" >>"$LOG"
    mark=$(wc -l <"$LOG")
    # The config as shipped (its own epochs and augmentation); only paths, device and threads set.
    "$BUILD/tessera" train configs/digits.yaml --set "data.train=$DATA/digits/train" --set "data.val=$DATA/digits/val" \
      --set "data.test=$DATA/digits/test" --set "runtime.output_dir=$DATA/models" --set runtime.device=cpu \
      --set "runtime.threads=$THREADS" --set "runtime.seed=$seed" ${OURS_EPOCHS:+--set train.epochs=$OURS_EPOCHS} >>"$LOG" 2>&1 \
      || { echo "tessera train failed; see $LOG" >&2; exit 1; }
    ours_accs+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/^test accuracy: ([0-9.]+).*/\1/p')")
    ours_times+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/^training time: ([0-9.]+) s.*/\1/p')")
    ours_epochs+=("$(tail -n +"$mark" "$LOG" | sed -n -E 's/.*epoch [0-9]+: train loss .*\(([0-9.]+) s, .*/\1/p' | median)")
    echo "  seed $seed: peer ${peer_accs[-1]} in ${peer_times[-1]} s, ours ${ours_accs[-1]} in ${ours_times[-1]} s" >&2
  done
  list() { printf '%s\n' "$@"; }
  peer_med=$(list "${peer_accs[@]}" | median) ours_med=$(list "${ours_accs[@]}" | median)
  peer_low=$(list "${peer_accs[@]}" | lowest) ours_low=$(list "${ours_accs[@]}" | lowest)
  peer_s=$(list "${peer_times[@]}" | median) ours_s=$(list "${ours_times[@]}" | median)
  pts() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2fpt", 100 * (a - b) }'; }
  row "(c) digits test accuracy, median of seeds" "$peer_med" "$ours_med" "$(pts "$ours_med" "$peer_med")" ">= 0.990"
  row "(c) digits test accuracy, lowest seed" "$peer_low" "$ours_low" "$(pts "$ours_low" "$peer_low")" ">= 0.986"
  row "(c) digits training s, median (lower is better)" "$peer_s" "$ours_s" "$(ratio "$ours_s" "$peer_s")" "< 1.00"
  # The median epoch (training part only) is far less sensitive to a busy machine than the total.
  peer_epoch=$(list "${peer_epochs[@]}" | median) ours_epoch=$(list "${ours_epochs[@]}" | median)
  row "(c) digits median epoch s, training part" "$peer_epoch" "$ours_epoch" "$(ratio "$ours_epoch" "$peer_epoch")" "(info)"
  C_NOTE="(c) seeds $DIGITS_SEEDS; peer $DIGITS_EPOCHS epochs, ours configs/digits.yaml's; $THREADS threads; per seed (peer/ours): accuracy $(paste -d/ <(list "${peer_accs[@]}") <(list "${ours_accs[@]}") | tr '\n' ' '); training s $(paste -d/ <(list "${peer_times[@]}") <(list "${ours_times[@]}") | tr '\n' ' ')"
fi

ELAPSED=$(( $(date +%s) - START ))
HEADER=$(printf '| %-48s | %10s | %10s | %9s | %-8s |' "benchmark" "peer" "ours" "ours/peer" "target")
SEP="|$(printf -- '-%.0s' {1..50})|------------|------------|-----------|----------|"
TORCH=$("$PY" -c 'import torch, torchvision; print(torch.__version__, "/ torchvision", torchvision.__version__)' 2>/dev/null)
CPU=$(sed -n -E 's/^model name\s*: //p' /proc/cpuinfo | head -1)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

TABLE=$(printf '%s\n%s\n' "$HEADER" "$SEP"; printf '%s\n' "${ROWS[@]}")
echo
echo "$TABLE"
echo "(log: $LOG, ${ELAPSED}s)"

{
  echo
  echo "## $(date '+%Y-%m-%d %H:%M %Z')"
  echo
  echo "nproc $(nproc), $CPU, torch $TORCH, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}, load average before/after: ${LOAD0:-?} / $LOAD, run.sh took ${ELAPSED} s"
  echo
  echo "$TABLE"
  echo
  for n in "${A_NOTE:-}" "${B_NOTE:-}" "${C_NOTE:-}"; do [[ -n $n ]] && echo "- $n"; done
} >>"$RESULTS"
echo "appended to $RESULTS"
