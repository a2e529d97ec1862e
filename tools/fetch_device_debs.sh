#!/usr/bin/env bash
# Downloads (never installs) the small Debian 12 packages that the GPU machine's build needs into
# .debs/ (git-ignored), so tools/device_check.sh can unpack them there with `dpkg -x` into a
# private prefix. That machine has CUDA, cmake, ninja, a C++ compiler and python3 with torch, but
# no Debian dev packages and no network. Run here, on a Debian 12 machine with apt (as root, or
# as any user allowed to run `apt-get download`). Idempotent: a package already present in the
# wanted version is not fetched again; files of other versions are removed.
#
#   tools/fetch_device_debs.sh            # fetch what is missing, list what .debs/ holds
#   DEBS_DIR=/somewhere tools/fetch_device_debs.sh
#
# What is deliberately left out, and why (from `apt-cache depends` / `dpkg-deb -I`):
#   libc6, libgcc-s1, libstdc++6   in every image with a C++ compiler (the .so files here need
#                                  GLIBC <= 2.34 and GLIBCXX <= 3.4.30, i.e. GCC 12's runtime)
#   catch2                         a packaging quirk of libspdlog-dev; its CMake config never
#                                  mentions it
#   googletest                     the GoogleTest sources; libgtest-dev already ships libgtest.a
#   libjpeg62-turbo                libturbojpeg0 is self-contained (depends on libc6 only)
#   libgloo0, libhiredis-dev,      libgloo-dev's dependencies: we use its headers only (the
#   libibverbs-dev                 headers c10d includes need nothing outside gloo/), never
#                                  its library: the Gloo code is LibTorch's own copy
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEBS_DIR=${DEBS_DIR:-$ROOT/.debs}

PACKAGES=(
  libyaml-cpp-dev libyaml-cpp0.7
  nlohmann-json3-dev
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
  libcli11-dev
  libgtest-dev libgmock-dev
  libturbojpeg0-dev libturbojpeg0
  libutf8proc-dev libutf8proc2
  libgloo-dev   # headers only (c10d's ProcessGroupGloo.hpp includes them); the code is in libtorch
)

for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch_device_debs.sh: unknown option $arg" >&2; exit 1 ;;
  esac
done

command -v apt-get >/dev/null 2>&1 || { echo "fetch_device_debs.sh: needs apt-get (a Debian 12 machine)" >&2; exit 1; }
mkdir -p "$DEBS_DIR"

# The candidate version of each package; refresh the package lists once if one is unknown.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }
if [[ -z "$(candidate "${PACKAGES[0]}")" || "$(candidate "${PACKAGES[0]}")" == "(none)" ]]; then
  echo "==> apt-get update (package lists missing)"
  apt-get update -q
fi

# apt-get download names files <name>_<version with ':' as %3a>_<arch>.deb.
missing=()
for package in "${PACKAGES[@]}"; do
  version=$(candidate "$package")
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    echo "fetch_device_debs.sh: apt knows no package $package (is this Debian 12?)" >&2
    exit 1
  fi
  file_version=${version//:/%3a}
  if compgen -G "$DEBS_DIR/${package}_${file_version}_*.deb" >/dev/null; then
    continue
  fi
  # Another version of it (after a Debian point release): drop it so only one gets unpacked.
  for old in "$DEBS_DIR/${package}_"*.deb; do
    [[ -e "$old" ]] && { echo "removing outdated $(basename "$old")"; rm -f "$old"; }
  done
  missing+=("$package")
done

if ((${#missing[@]})); then
  echo "==> apt-get download ${missing[*]}"
  # As root, apt warns that the _apt user cannot write here (it then downloads unsandboxed).
  # A failed download shows up in the check below.
  (cd "$DEBS_DIR" || exit
   apt-get download -q "${missing[@]}" 2>&1 | grep -v "Download is performed unsandboxed") || true
fi

# Verify: one readable .deb per package, nothing else.
status=0
for package in "${PACKAGES[@]}"; do
  files=("$DEBS_DIR/${package}_"*.deb)
  if [[ ! -e "${files[0]}" ]]; then
    echo "fetch_device_debs.sh: $package was not downloaded" >&2; status=1; continue
  fi
  if ((${#files[@]} != 1)); then
    echo "fetch_device_debs.sh: several files for $package: ${files[*]}" >&2; status=1
  fi
  dpkg-deb --info "${files[0]}" >/dev/null 2>&1 || { echo "fetch_device_debs.sh: ${files[0]} is not a valid .deb" >&2; status=1; }
done

# The real digits as JPEG for the GPU training check (the GPU build decodes JPEG only): the
# same files are trained on the CPU here for the baseline in bench/RESULTS.md.
DIGITS_SRC=${DIGITS_SRC:-$ROOT/data/digits}
if [[ ! -d "$DEBS_DIR/digits-jpeg/train" ]]; then
  if [[ -d "$DIGITS_SRC/train" ]]; then
    "${PYTHON:-/opt/tessera/venv/bin/python}" "$ROOT/tools/digits_to_jpeg.py" "$DIGITS_SRC" "$DEBS_DIR/digits-jpeg" ||
      status=1
  else
    echo "note: $DIGITS_SRC not prepared (build/tessera prepare digits), so the GPU check will draw digits with PIL"
  fi
fi

# The prepared English corpus (build/tessera prepare corpus-en: Debian's fortunes, 2.6 MB) for the
# GPU language-model check, the same text the CPU baseline in bench/RESULTS.md (h) trained on.
CORPUS_SRC=${CORPUS_SRC:-$ROOT/data/corpus-en/fortunes.txt}
if [[ -f "$CORPUS_SRC" ]]; then
  mkdir -p "$DEBS_DIR/corpus-en" && cp "$CORPUS_SRC" "$DEBS_DIR/corpus-en/fortunes.txt"
else
  echo "note: $CORPUS_SRC not prepared (build/tessera prepare corpus-en), so the GPU check skips the language model"
fi

echo "==> $DEBS_DIR"
(cd "$DEBS_DIR" && for f in *.deb; do printf '  %-52s %8s bytes\n' "$f" "$(stat -c %s "$f")"; done)
echo "  total: $(du -ch "$DEBS_DIR"/*.deb | tail -1 | cut -f1) in $(find "$DEBS_DIR" -name '*.deb' | wc -l) files"
echo "carry it to the GPU machine with the working tree (run tool: carry [\".debs\"]), then: bash tools/device_check.sh"
exit "$status"
