#include "tessera/io/inspect.h"

#include "tessera/core/error.h"

#ifdef TESSERA_WITH_OPENCV
#include "tessera/io/image.h"
#endif

namespace tessera::io {

std::string describe_image_file(const std::filesystem::path& path) {
#ifdef TESSERA_WITH_OPENCV
  if (has_image_extension(path)) {
    const Image image = decode_image(path, 0);
    return "image: " + std::to_string(image.width) + "x" + std::to_string(image.height) + ", " +
           std::to_string(image.channels) + (image.channels == 1 ? " channel (grey)" : " channels (RGB)") + ", " +
           std::to_string(std::filesystem::file_size(path)) + " bytes\n";
  }
#endif
  throw UserError("cannot inspect " + path.string() +
                  ": expected a .safetensors, .yaml or image file (JPEG/PNG/BMP/TIFF)");
}

}  // namespace tessera::io
