#pragma once
#include <filesystem>
#include <string>

namespace tessera::io {

// A few lines on an image file: format, size, channels. UserError/DecodeError when unreadable.
std::string describe_image_file(const std::filesystem::path& path);

}  // namespace tessera::io
