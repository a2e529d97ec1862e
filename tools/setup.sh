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
TORCH_VERSION=2.11.0
TORCHVISION_VERSION=0.26.0   # pairs with torch 2.11; only tests and benchmarks use it
TRANSFORMERS_VERSION=5.24.0  # GPT-2 reference for the GPT model tests and the language-model benchmark peer
SKLEARN_VERSION=1.9.1        # metric oracle (tests/metrics); brings scipy (KS, McNemar, bootstrap checks)
MLFLOW_VERSION=3.17.2        # mlflow-skinny: the real client reads back our MLflow file store in a test
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
APT_PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  python3 python3-venv python3-pip
  libopencv-dev libdcmtk-dev dcmtk libyaml-cpp-dev libturbojpeg0-dev
  libutf8proc-dev   # NFC normalisation and Unicode categories for the tokenizers (src/text)
  fortunes debian-faq-ko   # text corpora of the language model (tessera prepare corpus-en / corpus-ko)
  python3-pydicom python3-numpy python3-nibabel   # DICOM test oracle (tests/io/dicom_reference.py)
  libssl-dev   # SHA-256 of the training data (the run's data fingerprint)
  libgloo-dev  # Gloo's headers for c10d's ProcessGroupGloo (src/dist); the code is LibTorch's
  chromium     # headless render check of report.html (tests/report)
  clang libclang-rt-14-dev   # libFuzzer and the sanitizer runtimes for tools/fuzz.sh (fuzz/)
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
)
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
  have_torch=$("$VENV/bin/python" -c "import torch; print(torch.__version__.split('+')[0])" 2>/dev/null || true)
  if [[ "$have_torch" != "$TORCH_VERSION" ]]; then
    step "Installing torch==$TORCH_VERSION (the CUDA 13.0 build, several GB) into $VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "torch==$TORCH_VERSION"
  else
    step "torch $have_torch: present in $VENV"
  fi
  # Independent references for the tests and peers for the benchmarks.
  if ! "$VENV/bin/python" -c "import torchvision, safetensors, numpy, transformers, sklearn, mlflow" 2>/dev/null; then
    step "Installing torchvision==$TORCHVISION_VERSION, safetensors, numpy, transformers==$TRANSFORMERS_VERSION, scikit-learn==$SKLEARN_VERSION, mlflow-skinny==$MLFLOW_VERSION (tests and benchmarks)"
    "$VENV/bin/pip" install -q "torchvision==$TORCHVISION_VERSION" safetensors numpy "transformers==$TRANSFORMERS_VERSION" \
      "scikit-learn==$SKLEARN_VERSION" "mlflow-skinny==$MLFLOW_VERSION"
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
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "${CMAKE_TORCH[@]}" ${CMAKE_ARGS:-}
  start=$(date +%s)
  cmake --build "$BUILD_DIR" -j "$(nproc)"
  echo "build: $(( $(date +%s) - start )) s"
fi
