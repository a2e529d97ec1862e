#!/usr/bin/env bash
# One-shot check of Tessera on a bare GPU machine (CUDA, cmake, ninja, a C++ compiler and python3
# with torch, but no Debian dev packages and no network), from a copy of the working tree with
# .debs/ carried along (tools/fetch_device_debs.sh fills it, here).
#
#   tools/device_check.sh                         # on the GPU machine
#   tools/device_check.sh --skip-gpu-check        # anywhere: run what needs no GPU (build, tests)
#
# Steps, each timed, logged and recorded as ok / failed / timeout / skipped; a failed step does
# not stop the ones after it that can still run:
#   gpu        nvidia-smi, torch.cuda, nvcc, CPU count (no GPU: exit 3 at once, results written)
#   debs       unpack .debs/*.deb with dpkg-deb -x into a private prefix (never into /)
#   configure  CMake against that prefix: CUDA ON (sm_90), OpenCV/DCMTK OFF, TurboJPEG ON, Release
#   build      tessera, the test_*_cuda targets and the benchmarks that exist, on every core
#              (every test_* target too with DEVICE_CHECK_CPU_TESTS=1)
#   ctest-cuda ctest -L cuda
#   scheduler  bench_scheduler on all the machine's cores: the loader's workers sharing batches
#              with 1 ms sleeping decodes (issue 18: scaling, first-batch latency, lock contention)
#   smoke-*    the digits as JPEG (carried in .debs, else drawn with PIL); tessera train
#              configs/digits.yaml on the GPU (accuracy, time), then tessera eval --device cuda
#   smoke-nccl torchrun --nproc-per-node 1: tessera train and eval on the NCCL backend (issue 7)
#   smoke-lm   tessera train configs/lm_char_en.yaml on the GPU, on the corpus in .debs/corpus-en
#   bench      bench/run_gpu.sh BUILD_DIR OUT_DIR, when that script exists
#   sanitizer  compute-sanitizer --tool memcheck over each test_*_cuda executable
#   ctest-rest only with DEVICE_CHECK_CPU_TESTS=1: every other test except the e2e and slow labels
#
# Writes into $OUT (default ./device-results), whatever happens:
#   device_check.md    verdict, machine facts, one row per step, the tail of each step's log
#   device_check.json  the same, machine-readable
#   device_check.log   the whole log (also printed while running)
#   bench_gpu.md       the benchmarks' summary, and bench_results.tar.gz: all they wrote
# Exit status: 0 all ran steps ok; 1 a step failed or timed out; 3 no GPU (and not forced).
#
# Options and environment:
#   --skip-gpu-check         (or TESSERA_DEVICE_CHECK_FORCE=1) go on without a GPU; the GPU-only
#                            steps are then skipped and the smoke training runs on the CPU
#   --hide-system-packages   testing aid (root, util-linux unshare): run in a private mount
#                            namespace where the system's copies of every file the .debs hold are
#                            masked, and CMake ignores the /usr prefix, so the build can only use
#                            the unpacked packages -- what the GPU machine will see
#   --out DIR, OUT           results folder
#   --build-dir DIR, BUILD_DIR   build folder (default build-device, relative to the checkout)
#   --budget S, DEVICE_CHECK_BUDGET_S   wall-clock budget for all steps (default 480 s); each
#                            step's timeout is cut to what is left, steps that no longer fit are
#                            skipped
#   DEVICE_CHECK_BUILD_TIMEOUT_S  the build step's own limit (default 420 s; within the budget)
#   DEVICE_CHECK_BENCH=0      skip the benchmarks
#   DEBS_DIR (default .debs), DEBS_PREFIX (default /tmp/tessera-debs), JOBS (default nproc),
#   SMOKE_EPOCHS (default 5), TESSERA_PYTHON (default: the first python3 that imports torch)

# (The step functions run through run_step, i.e. `timeout ... bash -c` after export -f, which
# ShellCheck cannot follow: hence SC2317 off.)
# shellcheck disable=SC2317
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORIGINAL_ARGS=("$@")
FORCE=${TESSERA_DEVICE_CHECK_FORCE:-0}
HIDE=0
OUT=${OUT:-$ROOT/device-results}
BUILD_DIR=${BUILD_DIR:-build-device}
BUDGET=${DEVICE_CHECK_BUDGET_S:-480}
while (($#)); do
  case "$1" in
    --skip-gpu-check) FORCE=1 ;;
    --hide-system-packages) HIDE=1 ;;
    --out) OUT=$2; shift ;;
    --build-dir) BUILD_DIR=$2; shift ;;
    --budget) BUDGET=$2; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "device_check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if ((HIDE)) && [[ -z "${TESSERA_DEVICE_CHECK_IN_NAMESPACE:-}" ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null 2>&1; then
    echo "device_check.sh: --hide-system-packages needs root and unshare (util-linux)" >&2
    exit 2
  fi
  export TESSERA_DEVICE_CHECK_IN_NAMESPACE=1
  exec unshare --mount --propagation private bash "$0" "${ORIGINAL_ARGS[@]}"
fi

mkdir -p "$OUT" || { echo "device_check.sh: cannot create $OUT" >&2; exit 2; }
OUT=$(cd "$OUT" && pwd)
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
PREFIX=${DEBS_PREFIX:-/tmp/tessera-debs}
DEBS_DIR=${DEBS_DIR:-$ROOT/.debs}
JOBS=${JOBS:-$(nproc)}
SMOKE_EPOCHS_SET=${SMOKE_EPOCHS:-}
SMOKE_EPOCHS=${SMOKE_EPOCHS:-5}
CPU_TESTS=${DEVICE_CHECK_CPU_TESTS:-0}
WORK=${DEVICE_CHECK_WORK:-/tmp/tessera-device-check}
MULTIARCH=x86_64-linux-gnu   # the .debs are amd64
LIBDIR="$PREFIX/usr/lib/$MULTIARCH"
rm -rf "$WORK" && mkdir -p "$WORK/logs"
: >"$WORK/steps.tsv"
: >"$WORK/facts.tsv"
LOG="$OUT/device_check.log"
: >"$LOG"
START=$SECONDS
GPU=0

# Everything printed goes to the terminal and to the full log.
exec 3>&1 4>&2
exec > >(tee -a "$LOG") 2>&1
TEE_PID=$!

[[ -d /usr/local/cuda/bin ]] && export PATH="/usr/local/cuda/bin:$PATH"
export LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}   # see tools/test.sh
export PYTHONUNBUFFERED=1
export ROOT OUT BUILD_DIR PREFIX DEBS_DIR JOBS CPU_TESTS SMOKE_EPOCHS SMOKE_EPOCHS_SET WORK MULTIARCH LIBDIR HIDE FORCE

# ---- recording ---------------------------------------------------------------------------------

# fact KEY VALUE: one machine fact or measurement for the results (callable inside steps).
fact() { printf '%s\t%s\n' "$1" "${2//$'\n'/ }" >>"$WORK/facts.tsv"; echo "  $1: $2"; }
export -f fact

render_results() {
  local verdict=$1 exit_code=$2
  local python
  python=$(command -v python3 || command -v "${TESSERA_PYTHON:-python3}" || true)
  if [[ -n "$python" ]] && "$python" - "$WORK" "$OUT" "$verdict" "$exit_code" <<'PY'; then return 0; fi
import json, os, sys, datetime, socket
work, out, verdict, exit_code = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
facts = {}
for line in open(os.path.join(work, "facts.tsv"), encoding="utf-8", errors="replace"):
    key, _, value = line.rstrip("\n").partition("\t")
    facts[key] = value
steps = []
for line in open(os.path.join(work, "steps.tsv"), encoding="utf-8", errors="replace"):
    name, status, seconds, description, log = line.rstrip("\n").split("\t")
    tail = ""
    if log and os.path.exists(log):
        lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
        tail = "\n".join(lines[-40:])
    steps.append({"name": name, "status": status, "seconds": int(seconds), "description": description, "tail": tail})
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
result = {"verdict": verdict, "exit_code": exit_code, "finished": now, "host": socket.gethostname(),
          "facts": facts, "steps": steps}
with open(os.path.join(out, "device_check.json"), "w") as f:
    json.dump(result, f, indent=2)
md = [f"# Tessera device check: {verdict}", "", f"{now} on {socket.gethostname()}; exit status {exit_code}; "
      "full log: device_check.log", "", "| fact | value |", "| --- | --- |"]
md += [f"| {k} | {v.replace('|', '/')} |" for k, v in facts.items()]
md += ["", "| step | status | seconds | what |", "| --- | --- | --- | --- |"]
md += [f"| {s['name']} | {s['status']} | {s['seconds']} | {s['description'].replace('|', '/')} |" for s in steps]
for s in steps:
    if s["tail"]:
        md += ["", f"## {s['name']}: {s['status']} ({s['seconds']} s)", "", "```", s["tail"].replace("```", "'''"), "```"]
with open(os.path.join(out, "device_check.md"), "w") as f:
    f.write("\n".join(md) + "\n")
PY
  # No Python at all: a plain summary still gets written.
  {
    echo "# Tessera device check: $verdict"
    echo
    echo "exit status $exit_code; full log: device_check.log"
    echo
    sed 's/\t/: /' "$WORK/facts.tsv"
    echo
    awk -F'\t' '{printf "%s: %s (%s s) %s\n", $1, $2, $3, $4}' "$WORK/steps.tsv"
  } >"$OUT/device_check.md"
}

record() {  # record NAME STATUS SECONDS DESCRIPTION [LOG]
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4//$'\t'/ }" "${5:-}" >>"$WORK/steps.tsv"
  render_results "running" 0
}

# run_step NAME LIMIT_S DESCRIPTION COMMAND...: runs COMMAND (a function exported below, or a
# program) under `timeout`, its limit cut to the budget left; returns COMMAND's status.
run_step() {
  local name=$1 limit=$2 description=$3
  shift 3
  local left=$((BUDGET - (SECONDS - START)))
  if ((left < 20)); then
    echo "==> [$name] skipped: only ${left}s of the ${BUDGET}s budget left"
    record "$name" skipped 0 "$description (skipped: out of time budget)"
    return 125
  fi
  ((limit > left - 5)) && limit=$((left - 5))
  local log="$WORK/logs/$name.log"
  echo
  echo "==> [$name] $description (limit ${limit}s, $((SECONDS - START))s elapsed)"
  local t0=$SECONDS rc
  STEP_LIMIT=$limit timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local status
  case "$rc" in
    0) status=ok ;;
    124|137) status=timeout ;;
    3) [[ "$name" == gpu ]] && status=no-gpu || status=failed ;;
    *) status=failed ;;
  esac
  echo "==> [$name] $status (exit $rc, $((SECONDS - t0))s)"
  record "$name" "$status" "$((SECONDS - t0))" "$description" "$log"
  return "$rc"
}

skip_step() {  # skip_step NAME DESCRIPTION REASON
  echo
  echo "==> [$1] skipped: $3"
  record "$1" skipped 0 "$2 (skipped: $3)"
}

finish() {
  local code=$1 verdict
  if ((code == 3)); then
    verdict="no GPU"
  elif awk -F'\t' '$2 == "failed" || $2 == "timeout" {bad = 1} END {exit !bad}' "$WORK/steps.tsv"; then
    verdict="FAILED"
    code=1
  else
    verdict="ok"
  fi
  echo
  echo "device_check: $verdict after $((SECONDS - START))s; results in $OUT/device_check.md"
  render_results "$verdict" "$code"
  exec 1>&3 2>&4
  wait "$TEE_PID" 2>/dev/null || sleep 0.5   # let tee write the last lines
  exit "$code"
}
trap 'echo "device_check: interrupted"; finish 1' INT TERM

# ---- steps -------------------------------------------------------------------------------------

find_python() {
  local candidate
  for candidate in "${TESSERA_PYTHON:-}" /opt/torch/.venv/bin/python3 "$(command -v python3 || true)" \
                   /opt/tessera/venv/bin/python; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if "$candidate" -c "import torch" >/dev/null 2>&1; then echo "$candidate"; return 0; fi
  done
  return 1
}

step_gpu() {
  fact cpus "$(nproc)"
  fact memory "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  # shellcheck source=/dev/null
  fact os "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}")"
  fact compiler "$(c++ --version 2>/dev/null | head -1)"
  fact cmake "$(cmake --version 2>/dev/null | head -1)"
  fact ninja "$(ninja --version 2>/dev/null || echo missing)"
  fact nvcc "$(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*, V[0-9.]*' || echo missing)"
  fact compute_sanitizer "$(command -v compute-sanitizer || echo missing)"
  fact ccache "$(command -v ccache || echo 'none (cold build)')"
  fact git_commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) ($(git -C "$ROOT" status --porcelain 2>/dev/null | wc -l) changed files)"
  fact python "${TESSERA_PYTHON:-none that imports torch}"
  local reason=""
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    reason="nvidia-smi not found"
  else
    local smi
    if smi=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) && [[ -n "$smi" ]]; then
      fact gpu "$smi"
    else
      reason="nvidia-smi failed: $smi"
    fi
  fi
  if [[ -n "${TESSERA_PYTHON:-}" ]]; then
    local torch_info
    torch_info=$("$TESSERA_PYTHON" -c "
import torch
ok = torch.cuda.is_available()
print(torch.__version__, 'cuda', torch.version.cuda, 'available' if ok else 'NOT available',
      torch.cuda.get_device_name(0) if ok else '', sep=' ')" 2>&1 | tail -1)
    fact torch "$torch_info"
    [[ "$torch_info" == *" available"* && "$torch_info" != *"NOT available"* ]] ||
      reason="${reason:+$reason; }torch.cuda.is_available() is False"
  else
    reason="${reason:+$reason; }no python3 that imports torch"
  fi
  if [[ -n "$reason" ]]; then
    echo "no GPU: $reason"
    echo "$reason" >"$WORK/no_gpu_reason"
    return 3
  fi
}

# The system's copies of every file the .debs hold, masked in this mount namespace only.
hide_system_copies() {
  local empty="$WORK/empty" rel hidden=0
  mkdir -p "$empty"
  while IFS= read -r rel; do
    [[ -e "/$rel" ]] || continue
    if [[ -d "$PREFIX/$rel" && ! -L "$PREFIX/$rel" ]]; then
      mount --bind "$empty" "/$rel" || return 1
    else  # a file, or a link to one (masked already when its target came first: mask again)
      mount --bind /dev/null "/$rel" || return 1
    fi
    hidden=$((hidden + 1))
    echo "  hidden: /$rel"
  done < <(cd "$PREFIX" && find usr/include usr/share/cmake usr/share/pkgconfig "usr/lib/$MULTIARCH" \
             "usr/lib/$MULTIARCH/cmake" "usr/lib/$MULTIARCH/pkgconfig" -mindepth 1 -maxdepth 1 \
             -not -path "usr/lib/$MULTIARCH/cmake" -not -path "usr/lib/$MULTIARCH/pkgconfig" 2>/dev/null | sort -u)
  fact hidden_system_paths "$hidden"
}

step_debs() {
  shopt -s nullglob
  local debs=("$DEBS_DIR"/*.deb) deb
  if ((${#debs[@]} == 0)); then
    echo "no .deb files in $DEBS_DIR: run tools/fetch_device_debs.sh on a Debian 12 machine and carry .debs"
    return 1
  fi
  rm -rf "$PREFIX" && mkdir -p "$PREFIX"
  for deb in "${debs[@]}"; do
    if command -v dpkg-deb >/dev/null 2>&1; then
      dpkg-deb -x "$deb" "$PREFIX" || return 1
    else  # no dpkg: a .deb is an ar archive holding data.tar(.xz|.zst|.gz|.bz2)
      local member filter
      member=$(ar t "$deb" | grep '^data\.tar') || return 1
      case "$member" in
        *.xz) filter=(-J) ;; *.gz) filter=(-z) ;; *.bz2) filter=(-j) ;; *.zst) filter=(--zstd) ;; *) filter=() ;;
      esac
      ar p "$deb" "$member" | tar -x "${filter[@]}" -f - -C "$PREFIX" || return 1
    fi
    echo "  unpacked $(basename "$deb")"
  done
  # libjpeg-turbo's CMake config describes libjpeg.so too, which is not shipped; nothing uses it.
  rm -rf "$LIBDIR/cmake/libjpeg-turbo"
  # Debian's CMake configs compute their prefix from their own location, except for a guard
  # naming /usr; .pc files name /usr outright. Point every such path into the prefix.
  local file
  while IFS= read -r file; do
    sed -i "s#\"/usr#\"$PREFIX/usr#g" "$file"
  done < <(find "$PREFIX" -name '*.cmake')
  while IFS= read -r file; do
    sed -i -e "s#^prefix=/usr#prefix=$PREFIX/usr#" -e "s#=/usr/#=$PREFIX/usr/#g" "$file"
  done < <(find "$PREFIX" -name '*.pc')
  if grep -rn '"/usr' --include='*.cmake' "$PREFIX" | grep -v "\"$PREFIX"; then
    echo "hard-coded /usr paths left in the unpacked CMake configs (above)"
    return 1
  fi
  local missing=0 want
  for want in "$LIBDIR/cmake/yaml-cpp/yaml-cpp-config.cmake" "$LIBDIR/cmake/spdlog/spdlogConfig.cmake" \
              "$LIBDIR/cmake/fmt/fmt-config.cmake" "$LIBDIR/cmake/GTest/GTestConfig.cmake" \
              "$PREFIX/usr/share/cmake/nlohmann_json/nlohmann_jsonConfig.cmake" \
              "$PREFIX/usr/share/cmake/CLI11/CLI11Config.cmake" "$PREFIX/usr/include/turbojpeg.h" \
              "$PREFIX/usr/include/gloo/config.h" \
              "$LIBDIR/libturbojpeg.so" "$LIBDIR/libyaml-cpp.so" "$LIBDIR/libspdlog.so" "$LIBDIR/libfmt.so" \
              "$PREFIX/usr/include/utf8proc.h" "$LIBDIR/libutf8proc.so"; do
    [[ -e "$want" ]] || { echo "missing after unpacking: $want"; missing=1; }
  done
  fact debs "${#debs[@]} packages, $(du -ch "${debs[@]}" | tail -1 | cut -f1) as .deb, unpacked into $PREFIX ($(du -sh "$PREFIX" | cut -f1))"
  ((missing == 0)) || return 1
  if ((HIDE)); then
    hide_system_copies || { echo "could not mask the system copies"; return 1; }
  fi
}

step_configure() {
  local turbojpeg=OFF
  [[ -e "$PREFIX/usr/include/turbojpeg.h" ]] && turbojpeg=ON
  local extra=()
  ((HIDE)) && extra+=(-DCMAKE_IGNORE_PREFIX_PATH=/usr)
  rm -f "$BUILD_DIR/CMakeCache.txt"   # a clean configure: no paths cached from an earlier run
  # CUDA for sm_90 without OpenCV/DCMTK/OpenSSL: the preset; the unpacked prefix: here.
  (cd "$ROOT" && cmake --preset device -B "$BUILD_DIR" -DTESSERA_WITH_TURBOJPEG="$turbojpeg" \
    -DTESSERA_PYTHON="$TESSERA_PYTHON" \
    "-DCMAKE_PREFIX_PATH=$PREFIX/usr;$LIBDIR/cmake;$PREFIX/usr/share/cmake" \
    -DCMAKE_INCLUDE_PATH="$PREFIX/usr/include" -DCMAKE_LIBRARY_PATH="$LIBDIR" \
    "${extra[@]}") || return 1
  # Where each dependency was found: all of them must come from the unpacked prefix.
  local key value outside=0
  for key in yaml-cpp_DIR spdlog_DIR fmt_DIR GTest_DIR nlohmann_json_DIR CLI11_DIR TURBOJPEG_LIBRARY UTF8PROC_LIBRARY GLOO_INCLUDE_DIR; do
    value=$(sed -n "s/^$key:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt")
    fact "found_$key" "${value:-not set}"
    [[ "$value" == "$PREFIX"* ]] || outside=1
  done
  if ((outside)); then
    echo "some dependencies were not taken from $PREFIX (above)"
    ((HIDE)) && return 1
  fi
  return 0
}

step_build() {
  local available wanted=() missing=() target
  available=$(ninja -C "$BUILD_DIR" -t targets all 2>/dev/null | sed -n 's/^\(tessera\|test_[A-Za-z0-9_]*\|bench_[A-Za-z0-9_]*\): .*/\1/p' | sort -u)
  # The CPU-only test executables are built (and run, step ctest-rest) only on request: CI runs
  # them on every landing, while the GPU machine's minutes go to what needs the GPU.
  for target in $available; do
    case "$target" in
      tessera|test_*_cuda) wanted+=("$target") ;;
      test_*) ((CPU_TESTS)) && wanted+=("$target") ;;
    esac
  done
  for target in bench_preprocess bench_train_gpu bench_e2e bench_train bench_scheduler; do
    if grep -qx "$target" <<<"$available"; then wanted+=("$target"); else missing+=("$target"); fi
  done
  fact build_targets "${wanted[*]}"
  ((${#missing[@]})) && fact bench_targets_not_defined "${missing[*]}"
  local t0=$SECONDS rc
  # -k 0: keep building the other targets when one fails, so their tests still run.
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${wanted[@]}" -- -k 0
  rc=$?
  fact build_seconds "$((SECONDS - t0))"
  if [[ -x "$BUILD_DIR/tessera" ]]; then
    fact tessera_libraries "$(ldd "$BUILD_DIR/tessera" | grep -E 'yaml|spdlog|fmt|turbojpeg' | awk '{print $3}' | tr '\n' ' ')"
  fi
  return "$rc"
}

# ctest_summary LABEL LOG: the "N% tests passed, F tests failed out of T" line as facts.
ctest_summary() {
  local line
  line=$(grep -E 'tests passed(, [0-9]+ tests? failed)? out of [0-9]+' "$2" | tail -1)
  fact "$1" "${line:-no summary (see log)}"
  local skipped
  skipped=$(grep -c '\*\*\*Skipped\|Not Run' "$2")
  ((skipped)) && fact "$1_skipped" "$skipped"
  return 0
}

step_ctest_cuda() {
  cd "$BUILD_DIR" || return 1
  ctest -L cuda --no-tests=error --output-on-failure --timeout 120 -j 4 2>&1 | tee "$WORK/ctest-cuda.out"
  local rc=${PIPESTATUS[0]}
  ctest_summary ctest_cuda "$WORK/ctest-cuda.out"
  ((rc != 0)) && crash_backtraces "$WORK/ctest-cuda.out"
  return "$rc"
}

# crash_backtraces CTEST_OUTPUT: a crash on the GPU machine is the only chance to see where it
# happened, so each test that died of a signal (at most 2) runs again alone under cuda-gdb (gdb
# where there is one), and the backtrace goes to the log, with where std::filesystem's symbols
# were bound (libtorch exports its own copies: see CMakeLists.txt).
crash_backtraces() {
  local debugger name exe found=0 trace suites=''
  debugger=$(command -v gdb || command -v cuda-gdb || true)
  [[ -n "$debugger" ]] || { echo "no gdb or cuda-gdb: no backtraces"; return 0; }
  while read -r name; do
    # Only the ones that crashed: their ctest output block says so ("Segmentation" and "fault"
    # can land on two lines there).
    grep -A40 -F "$name" "$1" | grep -qiE 'segmentation|SEGFAULT|aborted|core dumped' || continue
    [[ " $suites " == *" ${name%%.*} "* ]] && continue  # one per test suite
    suites+=" ${name%%.*}"
    ((found++ >= 2)) && break
    for exe in ./test_*_cuda; do
      "$exe" --gtest_list_tests --gtest_filter="$name" 2>/dev/null | grep -q '^  ' || continue
      trace="$WORK/backtrace-$name.txt"
      echo "--- backtrace: $exe --gtest_filter=$name ($debugger)"
      timeout -k 5 60 "$debugger" -q -batch -ex 'set pagination off' -ex 'set print thread-events off' \
        -ex run -ex 'bt 40' -ex 'info threads' --args "$exe" --gtest_filter="$name" >"$trace" 2>&1
      grep -vE '^\[New Thread|^\[Thread .* exited' "$trace" | tail -80
      echo "--- symbol bindings of std::filesystem in $exe"
      LD_DEBUG=bindings "$exe" --gtest_filter="$name" 2>&1 | grep -E 'normal symbol `_ZNSt10filesystem' |
        sed 's/^ *[0-9]*://' | sort -u | head -20
      fact "crash_$name" "$(grep -m2 -E '^#[0-9]+ ' "$trace" | cut -c1-160 | tr '\n' ' ')"
      # Does it still crash when the test's temporary folder is not removed afterwards?
      TESSERA_KEEP_TEST_DIRS=1 timeout -k 5 60 "$exe" --gtest_filter="$name" >"$trace.kept" 2>&1
      fact "crash_${name}_keeping_temp_dirs" "exit $? ($(grep -c '^\[       OK \]' "$trace.kept") passed)"
      break
    done
  done < <(sed -n 's/^[[:space:]]*[0-9]* - \([A-Za-z0-9_./]*\) (\(SEGFAULT\|Failed\|Exception\|Child aborted\)).*/\1/p' "$1")
  return 0
}

step_scheduler() {
  local workers=$((JOBS > 1 ? JOBS - 1 : 1))
  "$BUILD_DIR/bench/bench_scheduler" --workers "1,8,$workers" --prefetch 1,4 --batch 128 --samples 1920 \
    --decode-us 1000 | tee "$OUT/bench_scheduler.txt"
  local result
  result=$(grep '^RESULT' "$OUT/bench_scheduler.txt")
  fact scheduler "${result:-no RESULT line}"
  [[ -n $result ]]
}

step_ctest_rest() {
  cd "$BUILD_DIR" || return 1
  ctest -LE 'e2e|slow|cuda' --output-on-failure --timeout 300 -j "$JOBS" 2>&1 | tee "$WORK/ctest-rest.out"
  local rc=${PIPESTATUS[0]}
  ctest_summary ctest_rest "$WORK/ctest-rest.out"
  return "$rc"
}

step_sanitizer() {
  cd "$BUILD_DIR" || return 1
  local executables=() exe rc=0 out summary
  for exe in ./test_*_cuda; do [[ -x "$exe" ]] && executables+=("$exe"); done
  if ((${#executables[@]} == 0)); then echo "no test_*_cuda executables built"; return 1; fi
  # Without torch's caching allocator every tensor is its own cudaMalloc, so memcheck sees the
  # real bounds of each one.
  export PYTORCH_NO_CUDA_MEMORY_CACHING=1
  # Two tests cannot hold there: CUDA graph capture needs torch's caching allocator (switched off
  # just above), and memcheck makes every launch synchronous, so "the call only enqueues work"
  # is false by construction. Both run in ctest-cuda.
  local not_under_memcheck='-GraphedForward.ReplaysMatchEagerAndPartialBatchesRunEagerly:PreprocessImagesCuda.RunsOnTheCurrentStreamWithoutBlockingTheHost'
  # Each executable gets its share of the step's time, so one slow one cannot starve the rest.
  local share=$(((STEP_LIMIT - 5) / ${#executables[@]}))
  ((share < 30)) && share=30
  for exe in "${executables[@]}"; do
    out="$WORK/sanitizer-$(basename "$exe").out"
    echo "--- compute-sanitizer --tool memcheck $exe (limit ${share}s)"
    timeout -k 5 "$share" compute-sanitizer --tool memcheck --leak-check no --print-limit 20 \
      --error-exitcode 99 "$exe" --gtest_brief=1 --gtest_filter="$not_under_memcheck" >"$out" 2>&1
    local exe_rc=$?
    tail -25 "$out"
    summary=$(grep -o 'ERROR SUMMARY: [0-9]* errors\?' "$out" | tail -1)
    ((exe_rc == 124 || exe_rc == 137)) && summary="timed out after ${share}s${summary:+, $summary}"
    fact "memcheck_$(basename "$exe")" "${summary:-no summary} (exit $exe_rc)"
    ((exe_rc != 0)) && rc=1
  done
  return "$rc"
}

step_smoke_data() {
  # The real digits (tools/fetch_device_debs.sh converts the prepared PNG set with
  # tools/digits_to_jpeg.py), so the GPU accuracy compares with the CPU run of the same JPEGs
  # recorded in bench/RESULTS.md. Without them: digits drawn with PIL, which prove only that it runs.
  if [[ -d "$DEBS_DIR/digits-jpeg/train" ]]; then
    rm -rf "$WORK/digits-jpeg" && cp -r "$DEBS_DIR/digits-jpeg" "$WORK/digits-jpeg" && touch "$WORK/digits-real"
    echo "$WORK/digits-jpeg: the real digits as JPEG (carried in .debs/digits-jpeg)"
    return
  fi
  "$TESSERA_PYTHON" - "$WORK/digits-jpeg" <<'PY'
# Ten classes of digits drawn with PIL's default font: 20x20 grey JPEGs, each randomly scaled,
# rotated, shifted and noised. No OpenCV, no download. 300 train / 50 val / 50 test per class.
import os, random, sys
from PIL import Image, ImageDraw, ImageFilter, ImageFont
root, rng = sys.argv[1], random.Random(0)
try:
    fonts = [ImageFont.load_default(size=s) for s in (13, 15, 17)]
except Exception:  # Pillow < 10.1 or no FreeType: one small bitmap font
    fonts = [ImageFont.load_default()]
counts = {"train": 300, "val": 50, "test": 50}
for split, n in counts.items():
    for digit in range(10):
        folder = os.path.join(root, split, str(digit))
        os.makedirs(folder, exist_ok=True)
        for i in range(n):
            canvas = Image.new("L", (40, 40), 0)
            draw, font = ImageDraw.Draw(canvas), rng.choice(fonts)
            left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font)
            x = 20 - (left + right) / 2 + rng.randint(-2, 2)
            y = 20 - (top + bottom) / 2 + rng.randint(-2, 2)
            draw.text((x, y), str(digit), fill=rng.randint(180, 255), font=font)
            canvas = canvas.rotate(rng.uniform(-15, 15), resample=Image.BILINEAR)
            if rng.random() < 0.3:
                canvas = canvas.filter(ImageFilter.MaxFilter(3))  # bolder strokes
            image = canvas.crop((10, 10, 30, 30))
            noise = Image.effect_noise((20, 20), rng.uniform(5, 25))
            image = Image.blend(image, noise, 0.15)
            image.save(os.path.join(folder, f"{i:04d}.jpg"), quality=rng.randint(80, 95))
print(f"{root}: {sum(counts.values()) * 10} JPEGs (20x20 grey) in train/val/test x 10 classes")
PY
}

step_smoke_train() {
  local device=$1 data="$WORK/digits-jpeg" epochs=$SMOKE_EPOCHS what="3000 PIL-drawn train JPEGs"
  # The real digits train with configs/digits.yaml unchanged (15 epochs), as the CPU baseline did.
  [[ -e "$WORK/digits-real" ]] && epochs=${SMOKE_EPOCHS_SET:-15} what="the real digits as JPEG (4000 train)"
  "$BUILD_DIR/tessera" train "$ROOT/configs/digits.yaml" \
    --set runtime.device="$device" --set runtime.output_dir="$WORK/models" --set runtime.name=smoke \
    --set data.train="$data/train" --set data.val="$data/val" --set data.test="$data/test" \
    --set train.epochs="$epochs" 2>&1 | tee "$WORK/train.out"
  local rc=${PIPESTATUS[0]}
  fact smoke_device "$device, $epochs epochs, $what"
  fact smoke_validation "$(sed -n 's/^validation accuracy: //p' "$WORK/train.out")"
  fact smoke_test_accuracy "$(sed -n 's/^test accuracy: //p' "$WORK/train.out")"
  fact smoke_training_time "$(sed -n 's/^training time: //p' "$WORK/train.out")"
  sed -n 's/^run directory: //p' "$WORK/train.out" >"$WORK/run_dir"
  return "$rc"
}

step_smoke_eval() {
  local device=$1 run
  run=$(cat "$WORK/run_dir" 2>/dev/null)
  [[ -d "$run" ]] || { echo "no run directory from the training step"; return 1; }
  "$BUILD_DIR/tessera" eval "$run" --data "$WORK/digits-jpeg/test" --device "$device" 2>&1 | tee "$WORK/eval.out"
  local rc=${PIPESTATUS[0]}
  fact eval_accuracy "$(sed -n 's/^accuracy: //p' "$WORK/eval.out")"
  if [[ -f "$run/report.json" ]]; then
    fact eval_throughput "$("$TESSERA_PYTHON" -c "
import json, sys
r = json.load(open(sys.argv[1]))
t = r.get('throughput', {})
print(f\"{t.get('images_per_second', 0):.0f} images/s on {r.get('device', '?')}, batch latency p50 {r.get('batch_latency_ms', {}).get('p50_ms', 0):.1f} ms\")
" "$run/report.json" 2>&1)"
  fi
  return "$rc"
}

step_smoke_nccl() {
  # Issue 7: the NCCL path starts and trains under real torchrun with world size 1 (the same code
  # as one process per GPU on eight), then `tessera eval` joins the same way.
  local run
  "$TESSERA_PYTHON" -m torch.distributed.run --no-python --standalone --nproc-per-node 1 \
    "$BUILD_DIR/tessera" train "$ROOT/configs/digits.yaml" \
    --set runtime.device=cuda --set runtime.output_dir="$WORK/models" --set runtime.name=smoke_nccl \
    --set data.train="$WORK/digits-jpeg/train" --set data.val="$WORK/digits-jpeg/val" \
    --set data.test="$WORK/digits-jpeg/test" --set train.epochs=3 2>&1 | tee "$WORK/nccl.out"
  local rc=${PIPESTATUS[0]}
  run=$(sed -n 's/^run directory: //p' "$WORK/nccl.out")
  fact nccl_group "$(grep -o 'data-parallel: .*' "$run/train.log" 2>/dev/null | head -1)"
  fact nccl_test_accuracy "$(sed -n 's/^test accuracy: //p' "$WORK/nccl.out")"
  ((rc == 0)) || return "$rc"
  grep -q 'data-parallel: 1 process (nccl)' "$run/train.log" || { echo "the run did not use NCCL"; return 1; }
  "$TESSERA_PYTHON" -m torch.distributed.run --no-python --standalone --nproc-per-node 1 \
    "$BUILD_DIR/tessera" eval "$run" --data "$WORK/digits-jpeg/test" --device cuda 2>&1 | tee "$WORK/nccl_eval.out"
  rc=${PIPESTATUS[0]}
  fact nccl_eval "$(sed -n 's/^accuracy: //p' "$WORK/nccl_eval.out") accuracy, $(grep -o '"processes": [0-9]*' "$run/report.json")"
  return "$rc"
}

step_smoke_lm() {
  # configs/lm_char_en.yaml unchanged (2,000 steps) on the corpus carried in .debs/corpus-en: the
  # CPU baseline in bench/RESULTS.md (h) reached val loss 2.038 at ~16,800 tokens/s on 2 cores.
  "$BUILD_DIR/tessera" train "$ROOT/configs/lm_char_en.yaml" \
    --set runtime.device=cuda --set runtime.output_dir="$WORK/models" --set runtime.name=smoke_lm \
    --set data.train="$DEBS_DIR/corpus-en/fortunes.txt" 2>&1 | tee "$WORK/lm.out"
  local rc=${PIPESTATUS[0]}
  fact lm_validation "$(sed -n 's/^validation loss: //p' "$WORK/lm.out")"
  fact lm_training_time "$(sed -n 's/^training time: //p' "$WORK/lm.out") (2,000 steps of 12 x 64 tokens)"
  return "$rc"
}

step_bench() {
  local bench_out="$WORK/bench"
  mkdir -p "$bench_out"
  # It gets the time left; its own sizes and per-piece timeouts come from its environment
  # (E2E_IMAGES, TRAIN_STEPS, T_E2E, ...: see bench/run_gpu.sh), which passes through.
  PYTHON="$TESSERA_PYTHON" bash "$ROOT/bench/run_gpu.sh" "$BUILD_DIR" "$bench_out" &
  local pid=$! rc
  # On this step's timeout, still copy what the finished pieces wrote.
  trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; copy_bench_results "$bench_out"; exit 124' TERM
  wait "$pid"
  rc=$?
  copy_bench_results "$bench_out"
  return "$rc"
}

# The device tool returns at most 8 files: the summary as it is, everything in one archive.
copy_bench_results() {
  local files
  files=$(find "$1" -type f | wc -l)
  [[ -f "$1/bench_gpu.md" ]] && cp "$1/bench_gpu.md" "$OUT/bench_gpu.md"
  ((files > 0)) && tar -czf "$OUT/bench_results.tar.gz" -C "$1" .
  fact bench_result_files "$files files (bench_results.tar.gz)"
}

export -f find_python step_gpu hide_system_copies step_debs step_configure step_build ctest_summary \
  crash_backtraces step_ctest_cuda step_ctest_rest step_sanitizer step_smoke_data step_smoke_train step_smoke_eval step_smoke_nccl step_smoke_lm step_bench \
  copy_bench_results

# ---- main ----------------------------------------------------------------------------------------
# In a function, so bash has read all of it before running any of it (a script file edited while
# it runs would otherwise be read from a shifted offset).
main() {
  echo "device_check: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), budget ${BUDGET}s, build dir $BUILD_DIR, results in $OUT"
  TESSERA_PYTHON=$(find_python || true)
  export TESSERA_PYTHON

  run_step gpu 60 "GPU, driver, torch, toolchain" step_gpu
  if [[ -s "$WORK/no_gpu_reason" ]]; then
    if ((FORCE)); then
      fact gpu_check "skipped (--skip-gpu-check): $(cat "$WORK/no_gpu_reason")"
    else
      echo "device_check: no GPU here ($(cat "$WORK/no_gpu_reason")); results in $OUT/device_check.md" |
        tee -a "$LOG" >&4
      finish 3
    fi
  else
    GPU=1
  fi
  if [[ -z "$TESSERA_PYTHON" ]]; then
    skip_step configure "CMake configure" "no python3 that imports torch (LibTorch comes from it)"
    finish 1
  fi

  run_step debs 60 "unpack .debs into $PREFIX" step_debs
  if run_step configure 180 "CMake: CUDA sm_90, OpenCV/DCMTK OFF, TurboJPEG, deps from $PREFIX" step_configure; then
    run_step build "${DEVICE_CHECK_BUILD_TIMEOUT_S:-420}" "build tessera, test_*_cuda, benchmarks (-j $JOBS)" step_build
  fi

  if [[ -x "$BUILD_DIR/tessera" ]]; then
    if ((GPU)); then
      run_step ctest-cuda 240 "ctest -L cuda (a crash: its backtrace)" step_ctest_cuda
      local smoke_device=cuda
    else
      skip_step ctest-cuda "ctest -L cuda" "no GPU"
      local smoke_device=cpu
    fi
    if [[ -x "$BUILD_DIR/bench/bench_scheduler" ]]; then
      run_step scheduler 60 "bench_scheduler, 1 to $((JOBS > 1 ? JOBS - 1 : 1)) workers" step_scheduler
    else
      skip_step scheduler "bench_scheduler" "not built"
    fi
    if run_step smoke-data 60 "the digits as JPEG (carried, else drawn with PIL)" step_smoke_data; then
      if run_step smoke-train 180 "tessera train configs/digits.yaml on $smoke_device" step_smoke_train "$smoke_device"; then
        run_step smoke-eval 60 "tessera eval --device $smoke_device" step_smoke_eval "$smoke_device"
      fi
      if ((GPU)); then
        run_step smoke-nccl 120 "torchrun (world size 1): tessera train + eval on NCCL" step_smoke_nccl
      else
        skip_step smoke-nccl "torchrun on NCCL" "no GPU"
      fi
    fi
    if ((GPU)) && [[ -f "$DEBS_DIR/corpus-en/fortunes.txt" ]]; then
      run_step smoke-lm 120 "tessera train configs/lm_char_en.yaml on cuda" step_smoke_lm
    else
      skip_step smoke-lm "tessera train configs/lm_char_en.yaml" "$( ((GPU)) && echo "no .debs/corpus-en" || echo "no GPU")"
    fi
    if [[ ! -f "$ROOT/bench/run_gpu.sh" ]]; then
      skip_step bench "bench/run_gpu.sh" "bench/run_gpu.sh does not exist yet"
    elif ((GPU)) && [[ "${DEVICE_CHECK_BENCH:-1}" == 0 ]]; then
      skip_step bench "bench/run_gpu.sh" "DEVICE_CHECK_BENCH=0"
    elif ((GPU)); then
      run_step bench 240 "bench/run_gpu.sh $BUILD_DIR" step_bench
    else
      skip_step bench "bench/run_gpu.sh" "no GPU"
    fi
    if ((GPU)) && command -v compute-sanitizer >/dev/null 2>&1; then
      run_step sanitizer 150 "compute-sanitizer memcheck over test_*_cuda" step_sanitizer
    else
      skip_step sanitizer "compute-sanitizer memcheck" "$( ((GPU)) && echo "compute-sanitizer not found" || echo "no GPU")"
    fi
    if ((CPU_TESTS)); then
      run_step ctest-rest 240 "ctest -LE 'e2e|slow|cuda'" step_ctest_rest
    else
      skip_step ctest-rest "ctest -LE 'e2e|slow|cuda'" "CPU-only tests run in CI (DEVICE_CHECK_CPU_TESTS=1 runs them here)"
    fi
  else
    skip_step tests "tests, smoke training, sanitizer, benchmarks" "no tessera executable was built"
  fi
  finish 0
}

main
