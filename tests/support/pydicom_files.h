#pragma once
// Where the tests find pydicom's own test files: Debian's python3-pydicom installs them
// (tools/deps/debian.txt), and tests that use them skip with this path named when it is absent.
#include <filesystem>

namespace tessera::testing {

inline const std::filesystem::path kPydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

}  // namespace tessera::testing
