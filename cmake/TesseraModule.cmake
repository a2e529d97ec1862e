# tessera_module(NAME DEPS ...): builds src/NAME/ into the static library tessera_NAME and, when
# tests/NAME/ holds *_test.cpp files, the GoogleTest executable test_NAME (ctest label NAME).
# Files named *_opencv.cpp, *_dcmtk.cpp, *_turbojpeg.cpp, *_openssl.cpp, *_openjpeg.cpp, *_beast.cpp,
# *_prometheus.cpp and *_cuda.cpp / *.cu join only when that
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
  if(NOT TESSERA_WITH_ZLIB)
    list(FILTER files EXCLUDE REGEX "_zlib(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_BEAST)
    list(FILTER files EXCLUDE REGEX "_beast(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_PROMETHEUS)
    list(FILTER files EXCLUDE REGEX "_prometheus(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_OPENJPEG)
    list(FILTER files EXCLUDE REGEX "_openjpeg(_test)?\\.cpp$")
  endif()
  if(NOT TESSERA_WITH_CUDA)
    list(FILTER files EXCLUDE REGEX "(_cuda(_test)?\\.cpp|\\.cu)$")
  endif()
  set(${out_var} ${files} PARENT_SCOPE)
endfunction()

# Row of module `name` in TESSERA_MODULE_ROWS (CMakeLists.txt; 0 = top row), or -1 for a library
# that is no module (tessera_log, imported targets, system libraries).
function(tessera_module_row name out_var)
  set(row 0)
  foreach(line IN LISTS TESSERA_MODULE_ROWS)
    string(REPLACE " " ";" members "${line}")
    if(name IN_LIST members)
      set(${out_var} ${row} PARENT_SCOPE)
      return()
    endif()
    math(EXPR row "${row} + 1")
  endforeach()
  set(${out_var} -1 PARENT_SCOPE)
endfunction()

# tessera_module(NAME DEPS ... [TEST_DEPS ...]): DEPS are what the module's files include (modules on
# rows below NAME, and outside libraries); TEST_DEPS are modules only its tests use besides them.
function(tessera_module name)
  cmake_parse_arguments(M "" "" "DEPS;TEST_DEPS" ${ARGN})
  tessera_module_row(${name} own_row)
  if(own_row EQUAL -1)
    message(FATAL_ERROR "tessera_module(${name}): '${name}' is on no row of TESSERA_MODULE_ROWS (CMakeLists.txt)")
  endif()
  foreach(dep IN LISTS M_DEPS)
    if(dep MATCHES "^tessera_(.+)$")
      tessera_module_row(${CMAKE_MATCH_1} dep_row)
      if(NOT dep_row EQUAL -1 AND NOT dep_row GREATER own_row)
        message(FATAL_ERROR "tessera_module(${name}): DEPS ${dep} is not on a row below ${name} "
                            "(TESSERA_MODULE_ROWS in CMakeLists.txt, README's Architecture)")
      endif()
    endif()
  endforeach()
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
  # No absolute paths here: a clean clone elsewhere (CI) then compiles to the same ccache keys.
  target_compile_definitions(${target} PUBLIC
    TESSERA_VERSION="${PROJECT_VERSION}"
    $<$<BOOL:${TESSERA_WITH_CUDA}>:TESSERA_WITH_CUDA=1>
    $<$<BOOL:${TESSERA_WITH_OPENCV}>:TESSERA_WITH_OPENCV=1>
    $<$<BOOL:${TESSERA_WITH_DCMTK}>:TESSERA_WITH_DCMTK=1>
    $<$<BOOL:${TESSERA_WITH_TURBOJPEG}>:TESSERA_WITH_TURBOJPEG=1>
    $<$<BOOL:${TESSERA_WITH_OPENSSL}>:TESSERA_WITH_OPENSSL=1>)
  if(TESSERA_WITH_OPENCV AND name MATCHES "^(io|ops|data|core)$")
    target_link_libraries(${target} PUBLIC opencv_core opencv_imgproc opencv_imgcodecs)
  endif()
  if(TESSERA_WITH_ZLIB AND name STREQUAL "data")
    # Private: only src/data/gzip_file_*.cpp look at it, and a public define would change every
    # file's compile line (and ccache key) for one optional library.
    target_compile_definitions(${target} PRIVATE TESSERA_WITH_ZLIB=1)
    target_link_libraries(${target} PUBLIC ZLIB::ZLIB)
  endif()
  if(TESSERA_WITH_BEAST AND name STREQUAL "serve")
    # Private, like zlib's: only src/serve/http_server_*.cpp look at it.
    target_compile_definitions(${target} PRIVATE TESSERA_WITH_BEAST=1)
  endif()
  if(TESSERA_WITH_PROMETHEUS AND name STREQUAL "serve")
    # Private: only src/serve/serve_metrics_*.cpp look at it.
    target_compile_definitions(${target} PRIVATE TESSERA_WITH_PROMETHEUS=1)
    target_link_libraries(${target} PRIVATE prometheus-cpp::core)
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
  tessera_use_pch(${target})

  if(TESSERA_BUILD_TESTS AND IS_DIRECTORY "${PROJECT_SOURCE_DIR}/tests/${name}")
    file(GLOB tests CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${name}/*_test.cpp")
    tessera_filter_optional(tests ${tests})
    # Tests that need a GPU (*_cuda_test.cpp) form their own executable labelled `cuda`, so
    # `ctest -L cuda` runs exactly them (on the GPU machine, under compute-sanitizer too).
    set(cuda_tests ${tests})
    list(FILTER cuda_tests INCLUDE REGEX "_cuda_test\\.cpp$")
    list(FILTER tests EXCLUDE REGEX "_cuda_test\\.cpp$")
    if(tests)
      tessera_test_executable(test_${name} ${name} "${target};${M_TEST_DEPS}" ${tests})
    endif()
    if(cuda_tests)
      tessera_test_executable(test_${name}_cuda cuda "${target};${M_TEST_DEPS}" ${cuda_tests})
    endif()
  endif()
endfunction()

function(tessera_test_executable exe label libraries)
  add_executable(${exe} ${ARGN})
  target_link_libraries(${exe} PRIVATE ${libraries} GTest::gtest GTest::gtest_main)
  target_include_directories(${exe} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  target_compile_definitions(${exe} PRIVATE
    TESSERA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TESSERA_TEST_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures"
    TESSERA_BINARY_DIR="${PROJECT_BINARY_DIR}"
    TESSERA_PYTHON_EXE="${TESSERA_PYTHON}")
  tessera_use_pch(${exe})
  gtest_discover_tests(${exe} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
    WORKING_DIRECTORY "${PROJECT_BINARY_DIR}" PROPERTIES LABELS "${label}")
endfunction()

# The torch precompiled header (tessera_pch) for `target`, unless TESSERA_PCH is OFF (the preset
# `nopch`, which CI builds so that an include missing from a file cannot hide behind the PCH).
function(tessera_use_pch target)
  if(TESSERA_PCH)
    target_precompile_headers(${target} REUSE_FROM tessera_pch)
  endif()
endfunction()
