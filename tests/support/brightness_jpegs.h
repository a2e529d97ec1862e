#pragma once
// A tiny 3-class JPEG dataset (bright / dark / mid grey 20x20 images) written by
// make_brightness_jpegs.py with PIL, for tests that must also run on the GPU machine's build,
// which has no OpenCV to write images with.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tessera::testing {

// Writes `per_class` images per class under `out`; false when the configured Python or PIL failed.
inline bool write_brightness_jpegs(const std::filesystem::path& out, int per_class, int seed) {
  const std::string command = std::string("'") + TESSERA_PYTHON_EXE + "' '" + TESSERA_SOURCE_DIR +
                              "/tests/support/make_brightness_jpegs.py' '" + out.string() + "' " +
                              std::to_string(per_class) + " " + std::to_string(seed);
  const int rc = std::system(command.c_str());
  return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

}  // namespace tessera::testing
