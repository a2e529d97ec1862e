#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan, in a build folder of their own),
# assembles their seed corpora from real files, and runs each target for FUZZ_SECONDS.
# Run tools/fuzz.sh --help for the options.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
PARALLEL=${FUZZ_PARALLEL:-1}
JOBS=${FUZZ_JOBS:-2}
TARGETS=${FUZZ_TARGETS:-}
RUN=1

usage() {
  cat <<'EOF'
tools/fuzz.sh: build and run Tessera's libFuzzer targets (fuzz/*_fuzz.cpp).

  tools/fuzz.sh [--build-dir DIR] [--targets "a b ..."] [--seconds N] [--parallel N] [--build-only]

What it does, idempotently:
  1. configures DIR (default build-fuzz) with CC=clang CXX=clang++, RelWithDebInfo,
     -DTESSERA_FUZZ=ON -DTESSERA_WITH_CUDA=OFF -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCH=OFF
     (libraries: -fsanitize=fuzzer-no-link,address,undefined; targets: -fsanitize=fuzzer,...);
  2. builds only the fuzz targets and the libraries they link (ninja fuzz_all);
  3. rebuilds the seed corpora in DIR/fuzz-seeds/<target>: configs/*.yaml and
     tests/fixtures/bad_configs; pydicom's and nibabel's DICOM test files, tests/fixtures/dicom,
     the cases tests/io/dicom_cases.py builds and a few data/dicom-digits files (dicom_codecs:
     their frames, fuzz/make_codec_seeds.py); OpenCV's sample photos and data/digits images; tokenizer.json,
     checkpoint.pt and weights.safetensors written by Tessera itself (DIR/fuzz/fuzz_seeds) plus
     any under tests/fixtures and models/;
  4. runs each target for FUZZ_SECONDS with -timeout=10 -rss_limit_mb=2048 (dicom with
     -malloc_limit_mb=4608; checkpoint with -malloc_limit_mb=1024, in fork mode skipping
     out-of-memory inputs inside torch, and allocator_may_return_null=1: see target_options and
     target_asan_options below), growing the persistent
     corpus DIR/fuzz-corpus/<target>; leaks inside third-party code listed in
     fuzz/lsan_suppressions.txt are not reported; logs in DIR/fuzz-logs/<target>.log;
  5. prints one line per target (execs, execs/s, corpus) and exits 1 if any target found a
     crash, hang, leak, sanitizer report or failed check; the line names the input that did it
     (DIR/fuzz-artifacts/<target>/...). Reproduce with DIR/fuzz/<target>_fuzz FILE (plus that
     target's options from step 4).

Options and environment (options win):
  --build-dir DIR    FUZZ_BUILD_DIR   build folder (default build-fuzz)
  --seconds N        FUZZ_SECONDS     seconds per target (default 60)
  --targets "a b"    FUZZ_TARGETS     targets to run (default: every one this build has:
                                      config tokenizer_load tokenizer_text safetensors checkpoint
                                      image dicom dicom_codecs)
  --parallel N       FUZZ_PARALLEL    targets run at once (default 1)
                     FUZZ_JOBS        ninja -j (default 2)
  --build-only                        stop after building and making the seeds

Building by hand: TORCH_CUDA_ARCH_LIST="8.0 9.0" ninja -C build-fuzz fuzz_all (the variable keeps
the torch wheel's CMake config from probing the GPU, which fails with CUDA off; see tools/test.sh).
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    --parallel) PARALLEL=$2; shift 2 ;;
    --build-only) RUN=0; shift ;;
    *) echo "tools/fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# The torch wheel's CMake config probes the GPU for architectures even with CUDA off (and the
# probe fails to build here); naming them skips it, as tools/test.sh does. Exported because ninja
# re-runs CMake by itself when the source tree changes.
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-8.0 9.0}

cd "$ROOT"
[[ $BUILD_DIR = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
start=$(date +%s)

# --- 1-2. configure and build -------------------------------------------------------------------
if ! grep -qs '^TESSERA_FUZZ:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" || [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  mkdir -p "$BUILD_DIR"
  cmake --preset fuzz -B "$BUILD_DIR" >"$BUILD_DIR/configure.log" 2>&1 ||
    { cat "$BUILD_DIR/configure.log" >&2; exit 1; }
fi
ninja -C "$BUILD_DIR" -j "$JOBS" fuzz_all
built=$(date +%s)
echo "tools/fuzz.sh: build $((built - start)) s"

FUZZ_BIN="$BUILD_DIR/fuzz"
mapfile -t available < "$FUZZ_BIN/fuzz_targets.txt"
if [[ -z $TARGETS ]]; then TARGETS="${available[*]}"; fi
for t in $TARGETS; do
  [[ -x "$FUZZ_BIN/${t}_fuzz" ]] || { echo "tools/fuzz.sh: no target '$t' in this build (have: ${available[*]})" >&2; exit 2; }
done

# --- 3. seed corpora (rebuilt every time; the persistent corpus is separate) ---------------------
SEEDS="$BUILD_DIR/fuzz-seeds"
rm -rf "$SEEDS"
mkdir -p "$SEEDS"/{config,tokenizer_load,tokenizer_text,safetensors,checkpoint,image,dicom,dicom_codecs}

# copy_seeds TARGET MAX_BYTES FILE...: regular files up to MAX_BYTES, named FOLDER_FILE.
copy_seeds() {
  local target=$1 max=$2; shift 2
  local file
  for file in "$@"; do
    [[ -f $file && $(stat -c %s "$file") -le $max ]] || continue
    cp "$file" "$SEEDS/$target/$(basename "$(dirname "$file")")_$(basename "$file")"
  done
}

texts=()
for f in data/corpus-en/*.txt data/corpus-ko/*.txt; do
  [[ -f $f && $(basename "$f") != SOURCE.txt ]] && texts+=("$f")
done
"$FUZZ_BIN/fuzz_seeds" "$SEEDS" "${texts[@]}"

shopt -s nullglob
copy_seeds config 65536 configs/*.yaml tests/fixtures/bad_configs/*.yaml
for f in configs/digits.yaml configs/lm_char_en.yaml; do  # the --set path (see config_fuzz.cpp)
  [[ -f $f ]] && { printf '#--set optim.lr=0.5\n#--set data.image_size=[32, 24]\n'; cat "$f"; } \
    > "$SEEDS/config/set_$(basename "$f")"
done

PYDICOM=/usr/lib/python3/dist-packages/pydicom/data/test_files
NIBABEL=/usr/lib/python3/dist-packages/nibabel/nicom/tests/data
copy_seeds dicom 1048576 "$PYDICOM"/*.dcm "$NIBABEL"/*.dcm
mapfile -t digits_dcm < <(find data/dicom-digits -name '*.dcm' 2>/dev/null | sort | head -n 8)
copy_seeds dicom 1048576 "${digits_dcm[@]}"
# The real files of issue 19 and the cases built for it (palette, LUTs, functional groups, JPEG
# 2000, RLE over fragments); their frames, raw, seed dicom_codecs. Both need the venv's pydicom 3.
copy_seeds dicom 1048576 tests/fixtures/dicom/*.dcm
VENV_PYTHON=${TESSERA_PYTHON:-/opt/tessera/venv/bin/python}
if [[ -x $VENV_PYTHON ]] && "$VENV_PYTHON" tests/io/dicom_cases.py "$BUILD_DIR/fuzz-dicom-cases" >/dev/null 2>&1; then
  copy_seeds dicom 1048576 "$BUILD_DIR"/fuzz-dicom-cases/*.dcm
  "$VENV_PYTHON" fuzz/make_codec_seeds.py "$SEEDS/dicom_codecs" "$BUILD_DIR"/fuzz-dicom-cases/*.dcm \
    tests/fixtures/dicom/*.dcm "$PYDICOM"/*.dcm >/dev/null
else
  echo "tools/fuzz.sh: no pydicom 3 in $VENV_PYTHON: DICOM seeds without the issue-19 cases" >&2
fi

# OpenCV's sample photos (the cached copy tools/setup.sh and bench/make_jpeg_folder.py use, or
# the opencv-doc package's), the small ones only; and a few digits images of each kind.
copy_seeds image 65536 /opt/tessera/cache/opencv-samples/*.jpg /usr/share/doc/opencv-doc/examples/data/*.{jpg,png}
mapfile -t digits_img < <(find data/digits \( -name '*.png' -o -name '*.jpg' \) 2>/dev/null | sort | awk 'NR % 500 == 1' | head -n 12)
copy_seeds image 65536 "${digits_img[@]}"

# Whatever earlier runs left in models/ and any fixtures: real files of each kind.
mapfile -t found < <(find tests/fixtures models -name '*tokenizer*.json' 2>/dev/null | sort | head -n 8)
copy_seeds tokenizer_load 524288 "${found[@]}"
mapfile -t found < <(find tests/fixtures models -name 'checkpoint*.pt' 2>/dev/null | sort | head -n 4)
copy_seeds checkpoint 524288 "${found[@]}"
mapfile -t found < <(find tests/fixtures models -name '*.safetensors' 2>/dev/null | sort | head -n 4)
copy_seeds safetensors 524288 "${found[@]}"
shopt -u nullglob

for t in $TARGETS; do
  echo "tools/fuzz.sh: $t: $(find "$SEEDS/$t" -type f | wc -l) seed files"
done
if [[ $RUN = 0 ]]; then exit 0; fi

# --- 4-5. run ------------------------------------------------------------------------------------
# The same options as CI. Leak checking stays on (LeakSanitizer); libgomp must not spin.
export OMP_WAIT_POLICY=PASSIVE
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/fuzz/lsan_suppressions.txt:print_suppressions=0}
mkdir -p "$BUILD_DIR/fuzz-logs"

# Scratch files (fuzz_support.h) of target processes that are gone: a crash skips their cleanup.
remove_stale_scratch_files() {
  local f pid
  for f in /dev/shm/tessera-fuzz-* /tmp/tessera-fuzz-*; do
    [[ -f $f ]] || continue
    pid=${f##*/tessera-fuzz-}
    pid=${pid%%-*}
    [[ -d /proc/$pid ]] || rm -f "$f"
  done
}
remove_stale_scratch_files

# Per-target libFuzzer options beyond the common ones.
target_options() {
  case $1 in
    # DCMTK 3.6.7, reading from memory (the loader's fast path: dicom_dcmtk.cpp), allocates an
    # element's declared length (up to 4 GiB) before it finds the data shorter: address space only,
    # never touched and freed at once (new(nothrow)), but over libFuzzer's default malloc limit
    # (= rss_limit_mb). Memory actually used is still capped by -rss_limit_mb.
    dicom) echo "-malloc_limit_mb=4608" ;;
    # LibTorch allocates the sizes a checkpoint states. Tessera bounds them before torch reads the
    # archive (src/run/archive_bounds.h: pickle lengths and memo indices within their record, record
    # sizes within 1032x the file), but a record may still state up to 1032x the input (a deflated
    # record) and torch allocates that before it inflates. -malloc_limit_mb=1024 stops such an input
    # at its allocation (the RSS limit's report walks the whole heap under ptrace, which hung once
    # for minutes), and fork mode lets the search go on past it (-ignore_ooms=1; each input is kept
    # as DIR/fuzz-artifacts/checkpoint/oom-* and counted in the summary line). Crashes and hangs
    # stop it as everywhere else.
    checkpoint) echo "-malloc_limit_mb=1024 -fork=1 -ignore_ooms=1 -ignore_timeouts=0 -ignore_crashes=0" ;;
  esac
}

# Per-target ASan options appended to the common ones.
target_asan_options() {
  case $1 in
    # torch's CPU allocator (posix_memalign) checks for failure and throws c10::Error, which
    # load_checkpoint reports as damage: let a size beyond this machine's memory fail as it does
    # outside ASan instead of ending the process. operator new failures still end it (ASan
    # reports those whatever this option says), so an unbounded std::string or std::vector is
    # still found.
    checkpoint) echo ":allocator_may_return_null=1" ;;
  esac
}

run_target() {
  local t=$1
  local corpus="$BUILD_DIR/fuzz-corpus/$t" artifacts="$BUILD_DIR/fuzz-artifacts/$t" log="$BUILD_DIR/fuzz-logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  local rc=0
  # shellcheck disable=SC2046
  ASAN_OPTIONS="$ASAN_OPTIONS$(target_asan_options "$t")" \
    "$FUZZ_BIN/${t}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 $(target_options "$t") \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$SEEDS/$t" >"$log" 2>&1 || rc=$?
  local execs rate corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corp=$(grep -ao 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)
  local ooms=""
  if [[ -z $execs ]] && grep -aq -- '-fork=' "$log"; then
    # Fork mode prints "#N: cov: C ft: F corp: U exec/s R oom/timeout/crash: a/b/c time: Ts ...".
    local last
    last=$(grep -a '^#[0-9]*: cov:' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\) .*/\1/p' <<<"$last")
    local elapsed
    elapsed=$(sed -n 's/.* time: \([0-9]*\)s.*/\1/p' <<<"$last")
    [[ -n $execs && -n $elapsed && $elapsed -gt 0 ]] && rate=$((execs / elapsed))
    ooms=$(sed -n 's|.*oom/timeout/crash: \([0-9]*\)/.*|\1|p' <<<"$last")
  fi
  local files
  files=$(find "$corpus" -type f | wc -l)
  local line
  line=$(printf '%-15s %10s execs %7s exec/s  corpus %s units (%s new files kept)' \
    "$t" "${execs:-?}" "${rate:-?}" "${corp:-?}" "$files")
  [[ -n $ooms && $ooms != 0 ]] && line+="  ($ooms out-of-memory inputs skipped in fork mode: $artifacts/oom-*)"
  if [[ $rc -eq 0 ]]; then
    echo "$line  OK"
  else
    local unit
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$line  FAILED (exit $rc): ${unit:-no input saved} (log: $log)"
    grep -a -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|FUZZ_CHECK failed|.*runtime error:|terminate called)' "$log" | sed 's/^/    /' || true
  fi
  return "$rc"
}

echo "tools/fuzz.sh: running $TARGETS for $SECONDS_PER_TARGET s each, $PARALLEL at a time"
failed=0
running=0
for t in $TARGETS; do
  if [[ $running -ge $PARALLEL ]]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do
  wait -n || failed=1
  running=$((running - 1))
done

remove_stale_scratch_files
end=$(date +%s)
echo "tools/fuzz.sh: build $((built - start)) s, seeds and runs $((end - built)) s, total $((end - start)) s"
if [[ $failed -ne 0 ]]; then
  echo "tools/fuzz.sh: FAILED: see the lines above" >&2
  exit 1
fi
