# tessera_module(NAME DEPS ...): builds src/NAME/ into the static library tessera_NAME and, when
# tests/NAME/ holds *_test.cpp files, the GoogleTest executable test_NAME (ctest label NAME).
# Files named *_opencv.cpp, *_dcmtk.cpp, *_turbojpeg.cpp, *_openssl.cpp, *_openjpeg.cpp and *_cuda.cpp / *.cu join only when that
# option is on, so a GPU machine without OpenCV/DCMTK dev packages still builds everything else.
function(tessera_filter_optional out_var)
  set(files ${ARGN})
  if(NOT TESSERA_WITH_OPENCV)
    list(FILTER files EXCLUDE REGEX "_opencv(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_DCMTK)
    list(FILTER files EXCLUDE REGEX "_dcmtk(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_TURBOJPEG)
    list(FILTER files EXCLUDE REGEX "_turbojpeg(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_OPENSSL)
    list(FILTER files EXCLUDE REGEX "_openssl(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_OPENJPEG)
    list(FILTER files EXCLUDE REGEX "_openjpeg(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_CUDA)
    list(FILTER files EXCLUDE REGEX "(_cuda(_test)?\\.cpp|\\.cu)$")
  endif()
  set(${out_var} ${files} PARENT_SCOPE)
endfunction()

function(tessera_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS
       "${PROJECT_SOURCE_DIR}/src/${name}/*.cpp" "${PROJECT_SOURCE_DIR}/src/${name}/*.cu")
  tessera_filter_optional(srcs ${srcs})
  list(FILTER srcs EXCLUDE REGEX "src/core/logging\\.cpp$")  # built apart: see tessera_log
  if(NOT srcs)
    set(srcs "${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp")  # header-only so far
  endif()
  set(target tessera_${name})
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES} ${M_DEPS})
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
  target_compile_definitions(${target} PUBLIC
    TESSERA_VERSION="${PROJECT_VERSION}"
    TESSERA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    $<$<BOOL:${TESSERA_WITH_CUDA}>:TESSERA_WITH_CUDA=1>
    $<$<BOOL:${TESSERA_WITH_OPENCV}>:TESSERA_WITH_OPENCV=1>
    $<$<BOOL:${TESSERA_WITH_DCMTK}>:TESSERA_WITH_DCMTK=1>
    $<$<BOOL:${TESSERA_WITH_TURBOJPEG}>:TESSERA_WITH_TURBOJPEG=1>
    $<$<BOOL:${TESSERA_WITH_OPENSSL}>:TESSERA_WITH_OPENSSL=1>)
  if(TESSERA_WITH_OPENCV AND name MATCHES "^(io|ops|data|core)$")
    target_link_libraries(${target} PUBLIC opencv_core opencv_imgproc opencv_imgcodecs)
  endif()
  if(TESSERA_WITH_OPENSSL AND name STREQUAL "data")
    target_link_libraries(${target} PUBLIC OpenSSL::Crypto)
  endif()
  if(TESSERA_WITH_TURBOJPEG AND name STREQUAL "io")
    target_link_libraries(${target} PUBLIC tessera_turbojpeg)
  endif()
  if(TESSERA_WITH_OPENJPEG AND name STREQUAL "io")
    target_link_libraries(${target} PUBLIC tessera_openjpeg)
    # Private: only io's DICOM decoder asks, and a public definition would rebuild every module.
    target_compile_definitions(${target} PRIVATE TESSERA_WITH_OPENJPEG=1)
  endif()
  if(TESSERA_WITH_DCMTK AND name MATCHES "^(io|core)$")
    target_link_libraries(${target} PUBLIC DCMTK::dcmdata DCMTK::dcmimgle DCMTK::dcmimage
      DCMTK::dcmjpeg DCMTK::dcmjpls DCMTK::ofstd DCMTK::oflog)
  endif()
  target_precompile_headers(${target} REUSE_FROM tessera_pch)

  if(TESSERA_BUILD_TESTS AND IS_DIRECTORY "${PROJECT_SOURCE_DIR}/tests/${name}")
    file(GLOB tests CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${name}/*_test.cpp")
    tessera_filter_optional(tests ${tests})
    # Tests that need a GPU (*_cuda_test.cpp) form their own executable labelled `cuda`, so
    # `ctest -L cuda` runs exactly them (on the GPU machine, under compute-sanitizer too).
    set(cuda_tests ${tests})
    list(FILTER cuda_tests INCLUDE REGEX "_cuda_test\\.cpp$")
    list(FILTER tests EXCLUDE REGEX "_cuda_test\\.cpp$")
    if(tests)
      tessera_test_executable(test_${name} ${name} ${target} ${tests})
    endif()
    if(cuda_tests)
      tessera_test_executable(test_${name}_cuda cuda ${target} ${cuda_tests})
    endif()
  endif()
endfunction()

function(tessera_test_executable exe label library)
  add_executable(${exe} ${ARGN})
  target_link_libraries(${exe} PRIVATE ${library} GTest::gtest GTest::gtest_main)
  target_include_directories(${exe} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  target_compile_definitions(${exe} PRIVATE
    TESSERA_TEST_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures"
    TESSERA_BINARY_DIR="${PROJECT_BINARY_DIR}"
    TESSERA_PYTHON_EXE="${TESSERA_PYTHON}")
  target_precompile_headers(${exe} REUSE_FROM tessera_pch)
  gtest_discover_tests(${exe} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
    WORKING_DIRECTORY "${PROJECT_BINARY_DIR}" PROPERTIES LABELS "${label}")
endfunction()
