#!/usr/bin/env bash
# Sets everything up (tools/setup.sh), builds, and runs the whole test suite with CTest.
#   tools/test.sh                 # everything
#   tools/test.sh -L e2e          # extra arguments go to ctest (e.g. a label, -R pattern)
#   tools/test.sh -LE slow        # skip the slow tests
#   tools/test.sh --sanitize      # the unit suite built with ASan + UBSan in build-asan/
#   FUZZ_SECONDS=0 tools/test.sh  # everything but the fuzzers
#   NOPCH_CHECK=0 tools/test.sh   # everything but the build without the precompiled header
# CUDA tests (label cuda) skip themselves with a reason where no GPU is present.
#
# With no arguments (the whole suite, as CI runs it) the libFuzzer targets then run too:
# tools/fuzz.sh builds them with clang in build-fuzz/ and runs each for FUZZ_SECONDS (60), two at
# a time (each is single-threaded, so two fit the 2 cores; the heavier targets then make
# 0.3-0.8x the execs they make alone, bench/RESULTS.md); about 7 min.
# Any crash, hang or sanitizer report fails the run and names the input (tools/fuzz.sh --help).
#
# --sanitize: GCC's AddressSanitizer and UndefinedBehaviorSanitizer over the tessera libraries and
# the unit tests (CUDA off; LibTorch itself is not instrumented), any UB report fatal. It runs the
# unit suite (-LE 'e2e|slow|cuda'; the CLI tests would only re-run the same code slower): 540
# tests, about 50 min on 2 cores from a clean folder (some 45 building, 5-6 testing), so CI does
# not run it. Leak checking is off: LibTorch keeps process-lifetime allocations that
# LeakSanitizer would list on every exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
start=$(date +%s)
SANITIZE=0
if [[ "${1:-}" == "--sanitize" ]]; then
  SANITIZE=1
  shift
fi
# ctest runs tests in parallel on few cores; libgomp's default spin-waiting then slows every
# torch process 10-20x (bench/RESULTS.md). Passive waiting keeps the suite's time predictable.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
if ((SANITIZE)); then
  bash tools/setup.sh --no-build
  BUILD_DIR=${BUILD_DIR:-build-asan}
  # The wheel's CMake config probes the GPU for architectures even with CUDA off; name them
  # (the preset does too; exported for ninja's own re-runs of CMake).
  export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-8.0 9.0}
  cmake --preset asan -B "$BUILD_DIR"
  # Only the unit-test executables: the CLI and the e2e/slow binaries are never run here, and
  # every ASan object costs about a minute on 2 cores.
  mapfile -t unit_tests < <(ninja -C "$BUILD_DIR" -t targets all | grep -oE '^test_[a-z0-9_]+:' |
    tr -d : | grep -vE '^test_e2e|_cuda$' | sort -u)
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${unit_tests[@]}"
  # vptr is off above (LibTorch's classes have no UBSan type info); container-overflow and
  # new/delete pairing need every library instrumented, which LibTorch is not.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:detect_container_overflow=0:alloc_dealloc_mismatch=0:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # _NOT_BUILT: gtest_discover_tests' stand-ins for the executables skipped above.
  ctest --test-dir "$BUILD_DIR" -j "$(nproc)" --output-on-failure --timeout 1800 -LE 'e2e|slow|cuda' \
    -E '_NOT_BUILT$' "$@"
else
  bash tools/setup.sh
  # The fuzzers run even when a test failed, so one CI run reports both; the exit code says either.
  status=0
  ctest --test-dir "${BUILD_DIR:-build}" -j "$(nproc)" --output-on-failure --timeout 900 "$@" || status=$?
  # The house style (.clang-format) on every C++ line changed since it arrived.
  if [[ $# -eq 0 ]]; then
    bash tools/check_format.sh || status=1
  fi
  # The libraries and the CLI once more without the torch precompiled header (preset nopch), which
  # would hide an #include a file forgot. ccache makes it cost only the changed files after the
  # first run on a machine (bench/RESULTS.md (n)).
  if [[ $# -eq 0 && ${NOPCH_CHECK:-1} -ne 0 ]]; then
    nopch_start=$(date +%s)
    torch_arg=(-DTESSERA_PYTHON="${TESSERA_VENV:-/opt/tessera/venv}/bin/python")
    [[ -n ${Torch_DIR:-} ]] && torch_arg=(-DTorch_DIR="$Torch_DIR")  # as tools/setup.sh chose
    { cmake --preset nopch "${torch_arg[@]}" >/dev/null &&
      cmake --build --preset nopch -j "$(nproc)"; } || { echo "tools/test.sh: the build without the precompiled header failed (above)" >&2; status=1; }
    echo "tools/test.sh: no-PCH build $(( $(date +%s) - nopch_start )) s"
  fi
  if [[ $# -eq 0 && ${FUZZ_SECONDS:-60} -gt 0 ]]; then
    fuzz_start=$(date +%s)
    bash tools/fuzz.sh --seconds "${FUZZ_SECONDS:-60}" --parallel "${FUZZ_PARALLEL:-2}" || status=1
    echo "tools/test.sh: fuzzers $(( $(date +%s) - fuzz_start )) s"
  fi
  if ((status)); then
    echo "tools/test.sh: FAILED after $(( $(date +%s) - start )) s" >&2
    exit "$status"
  fi
fi
echo "tools/test.sh: $(( $(date +%s) - start )) s in all"
