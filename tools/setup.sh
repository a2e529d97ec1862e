#!/usr/bin/env bash
# Sets up everything Tessera needs on a fresh Debian 12 machine (as root), then builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
#
#   tools/setup.sh              # packages + torch venv + build/ (the default)
#   tools/setup.sh --no-build   # packages and venv only
#
# Environment:
#   TESSERA_VENV   virtual environment holding torch (default /opt/tessera/venv). It lives outside
#                  the checkout so another clone (CI) reuses it instead of fetching ~4 GB again.
#   TESSERA_CACHE  downloaded datasets (default /opt/tessera/cache)
#   BUILD_DIR      build folder (default build)
#   Torch_DIR      use this LibTorch (e.g. the pytorch.org zip) instead of the venv's torch
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${TESSERA_VENV:-/opt/tessera/venv}
BUILD_DIR=${BUILD_DIR:-build}
TORCH_VERSION=$(sed -n 's/^torch==\([^ ]*\).*/\1/p' "$ROOT/tools/deps/venv.txt")  # for messages
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 1 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------
# The list, each with why, is tools/deps/debian.txt. Recommends are left out on purpose, so each
# one is listed there or waived in tools/deps/debian-waived.txt; the ctest test `dependencies`
# (tools/check_dependencies.py) checks that everything the code imports or runs is covered.
mapfile -t APT_PACKAGES < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/tools/deps/debian.txt" | awk '{print $1}')
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  step "Installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then echo "setup.sh: run as root to install packages (or install: ${missing[*]})" >&2; exit 1; fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  step "Debian packages: all present"
fi

# --- 2. LibTorch: the torch wheel from PyPI in a virtual environment ------------------------
if [[ -z "${Torch_DIR:-}" ]]; then
  if [[ ! -x "$VENV/bin/python" ]]; then
    step "Creating the virtual environment $VENV"
    mkdir -p "$(dirname "$VENV")"
    /usr/bin/python3 -m venv "$VENV"
  fi
  # torch (LibTorch for the build) and the tests' references, pinned in tools/deps/venv.txt. A
  # stamp of that file in the venv makes a second run free, and a changed list reinstalls.
  requirements="$ROOT/tools/deps/venv.txt"
  stamp="$VENV/.tessera-venv.sha256"
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    step "Installing tools/deps/venv.txt into $VENV (torch $TORCH_VERSION is the CUDA 13.0 build, several GB)"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r "$requirements"
    echo "$want" >"$stamp"
  else
    step "Python packages of tools/deps/venv.txt: present in $VENV"
  fi
  CMAKE_TORCH=(-DTESSERA_PYTHON="$VENV/bin/python")
  # PyPI's torch is the CUDA 13.0 build, and its CMake config needs a CUDA toolkit to configure
  # against, GPU or not (notes: pytorch#73427). Say so plainly rather than let CMake fail later.
  if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]] &&
     "$VENV/bin/python" -c "import sys, torch; sys.exit(0 if torch.version.cuda else 1)" 2>/dev/null; then
    echo "setup.sh: the torch wheel is a CUDA build and needs the CUDA 13.0 toolkit (nvcc) at /usr/local/cuda" >&2
    echo "  to configure against. Install NVIDIA's cuda-toolkit-13-0, or install a CPU LibTorch and rerun" >&2
    echo "  with Torch_DIR=<libtorch>/share/cmake/Torch (see README, 'Your own LibTorch')." >&2
    exit 1
  fi
  [[ -x /usr/local/cuda/bin/nvcc ]] && export PATH="/usr/local/cuda/bin:$PATH"
else
  step "Using the LibTorch at Torch_DIR=$Torch_DIR"
  CMAKE_TORCH=(-DTorch_DIR="$Torch_DIR")
fi

# --- 3. Build --------------------------------------------------------------------------------
if ((BUILD)); then
  step "Configuring and building in $ROOT/$BUILD_DIR"
  cd "$ROOT"
  # CMakePresets.json holds every build configuration (default, cuda, nopch, asan, fuzz, device).
  cmake --preset default -B "$BUILD_DIR" "${CMAKE_TORCH[@]}" ${CMAKE_ARGS:-}
  start=$(date +%s)
  cmake --build "$BUILD_DIR" -j "$(nproc)"
  echo "build: $(( $(date +%s) - start )) s"
fi
