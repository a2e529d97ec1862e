// Which files are images is decided by name alone, so it is known even in builds without
// OpenCV (dataset listing works; decoding then reports that it needs OpenCV).
#include <algorithm>
#include <cctype>

#include "tessera/io/image.h"

namespace tessera::io {

bool has_image_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".tif" || ext == ".tiff";
}

}  // namespace tessera::io
