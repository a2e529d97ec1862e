#pragma once
// An uncompressed 24-bit BMP: the simplest image format every browser shows, so the report's
// thumbnails need no codec library. 54 bytes of header (BITMAPFILEHEADER + BITMAPINFOHEADER),
// then the rows bottom-up in B, G, R order, each padded to a multiple of 4 bytes.
#include <cstdint>
#include <string>

namespace tessera::report {

// `pixels`: height x width x channels bytes, row-major, top row first; channels 1 (grey,
// written as equal B, G, R) or 3 (R, G, B). Throws std::invalid_argument for a null pointer,
// non-positive sizes or another channel count.
std::string encode_bmp(const std::uint8_t* pixels, int height, int width, int channels);

}  // namespace tessera::report
