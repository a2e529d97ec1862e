#pragma once
#include <string>
#include <utility>
#include <vector>

namespace tessera::io {

// ("OpenCV", "4.6.0"), ("DCMTK", "3.6.7"), or "not built" for a part switched off at build time.
std::vector<std::pair<std::string, std::string>> codec_library_versions();

}  // namespace tessera::io
