#pragma once
// Image decoding into plain host buffers: JPEG through TurboJPEG (libjpeg-turbo) where the build
// has it, everything else through OpenCV (src/io/image_decode.cpp decides). Neither library's
// types leak out of this header, so callers build without their include paths.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tessera::io {

// The largest image decoded: 2^28 pixels (16384 x 16384). JPEG and PNG files above it are
// refused from their header, before any pixel memory is allocated (a 30000 x 30000 header in a
// 69-byte file must not cost 900 MB); other formats stop at OpenCV's own limit, 2^30.
constexpr long long kMaxImagePixels = 1LL << 28;

// 8-bit pixels, HWC, rows packed (stride = width * channels); colour is RGB, not OpenCV's BGR.
struct Image {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

// channels: 1 = grey, 3 = RGB, 0 = as stored (grey stays 1, colour becomes RGB 3; alpha is
// always dropped). 16-bit images keep their top byte (value >> 8). JPEG EXIF orientation is applied.
// Throws UserError("cannot read <path>: <reason>") when the file is missing or unreadable, and
// DecodeError("cannot decode <path>: <reason>") when it is empty, corrupt or not a supported image.
// Throws std::invalid_argument when channels is not 0, 1 or 3.
Image decode_image(const std::filesystem::path& path, int channels);

// The same for an encoded image already in memory (archives, DICOM-encapsulated frames);
// `name_for_errors` stands in for the path in DecodeError messages.
Image decode_image_bytes(std::span<const std::uint8_t> bytes, int channels,
                         const std::string& name_for_errors);

// .jpg .jpeg .png .bmp .tif .tiff, case-insensitive: the formats decode_image is built for.
bool has_image_extension(const std::filesystem::path& path);

// Lossless 8-bit PNG of a 1- or 3-channel (RGB) image, written atomically.
// Throws UserError naming the path when the image is malformed or the file cannot be written.
void write_png(const std::filesystem::path& path, const Image& image);

}  // namespace tessera::io
