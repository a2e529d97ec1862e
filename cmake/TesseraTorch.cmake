# Locates LibTorch. Two supported sources:
#  1. A user-supplied LibTorch (the pytorch.org zip): pass -DTorch_DIR=/path/libtorch/share/cmake/Torch.
#  2. The torch wheel from PyPI inside a Python virtual environment (what tools/setup.sh installs):
#     we ask that interpreter for torch.utils.cmake_prefix_path.
# The wheel is preferred by setup.sh because it is the only source of the CUDA 13.0 build here.
set(TESSERA_PYTHON "" CACHE FILEPATH "Python interpreter whose torch package provides LibTorch")

if(NOT Torch_DIR AND NOT DEFINED ENV{Torch_DIR})
  if(NOT TESSERA_PYTHON)
    foreach(candidate "$ENV{TESSERA_VENV}/bin/python" "/opt/tessera/venv/bin/python")
      if(EXISTS "${candidate}")
        set(TESSERA_PYTHON "${candidate}" CACHE FILEPATH "" FORCE)
        break()
      endif()
    endforeach()
  endif()
  if(NOT TESSERA_PYTHON)
    find_program(TESSERA_PYTHON_FOUND NAMES python3 python)
    set(TESSERA_PYTHON "${TESSERA_PYTHON_FOUND}" CACHE FILEPATH "" FORCE)
  endif()
  execute_process(
    COMMAND "${TESSERA_PYTHON}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE _torch_err RESULT_VARIABLE _torch_rc)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR
      "LibTorch not found: '${TESSERA_PYTHON}' cannot import torch.\n"
      "Run tools/setup.sh (installs torch==2.11.0 into /opt/tessera/venv), or pass "
      "-DTESSERA_PYTHON=/path/to/python with torch installed, or -DTorch_DIR=<libtorch>/share/cmake/Torch.")
  endif()
  list(APPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
endif()

# The wheel's Caffe2 config warns about a missing kineto library and the static-library
# variant; both are harmless for us, so keep its chatter to what matters.
find_package(Torch REQUIRED)
message(STATUS "LibTorch ${Torch_VERSION} from ${Torch_DIR}")
