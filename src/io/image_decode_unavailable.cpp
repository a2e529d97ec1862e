// Builds without OpenCV (TESSERA_WITH_OPENCV=OFF, e.g. a GPU machine without its dev packages)
// still link everything that decodes images; using it is a clear user error instead.
#ifndef TESSERA_WITH_OPENCV
#include "tessera/core/error.h"
#include "tessera/io/image.h"

namespace tessera::io {
namespace {

[[noreturn]] void needs_opencv(const std::string& what) {
  throw UserError(what + ": image decoding needs OpenCV, and this build has TESSERA_WITH_OPENCV=OFF");
}

}  // namespace

Image decode_image(const std::filesystem::path& path, int) { needs_opencv(path.string()); }

Image decode_image_bytes(std::span<const std::uint8_t>, int, const std::string& name_for_errors) {
  needs_opencv(name_for_errors);
}

void write_png(const std::filesystem::path& path, const Image&) { needs_opencv(path.string()); }

}  // namespace tessera::io
#endif
