#include "tessera/report/bmp.h"

#include <stdexcept>

namespace tessera::report {
namespace {

void put_u16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>((value >> 8) & 0xFF);
}

void put_u32(std::string& out, std::uint32_t value) {
  put_u16(out, value & 0xFFFF);
  put_u16(out, value >> 16);
}

}  // namespace

std::string encode_bmp(const std::uint8_t* pixels, int height, int width, int channels) {
  if (pixels == nullptr || height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
    throw std::invalid_argument("encode_bmp: needs pixels, positive sizes and 1 or 3 channels");
  }
  const std::uint32_t row_bytes = (static_cast<std::uint32_t>(width) * 3 + 3) & ~3u;
  const std::uint32_t image_bytes = row_bytes * static_cast<std::uint32_t>(height);
  std::string out;
  out.reserve(54 + image_bytes);
  // BITMAPFILEHEADER
  out += "BM";
  put_u32(out, 54 + image_bytes);  // file size
  put_u32(out, 0);                 // reserved
  put_u32(out, 54);                // offset of the pixel data
  // BITMAPINFOHEADER
  put_u32(out, 40);
  put_u32(out, static_cast<std::uint32_t>(width));
  put_u32(out, static_cast<std::uint32_t>(height));  // positive: rows stored bottom-up
  put_u16(out, 1);                 // planes
  put_u16(out, 24);                // bits per pixel
  put_u32(out, 0);                 // BI_RGB, uncompressed
  put_u32(out, image_bytes);
  put_u32(out, 2835);              // 72 dpi, in pixels per metre
  put_u32(out, 2835);
  put_u32(out, 0);                 // palette colours
  put_u32(out, 0);                 // important colours
  for (int y = height - 1; y >= 0; --y) {
    const std::uint8_t* row = pixels + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * channels;
    for (int x = 0; x < width; ++x) {
      const std::uint8_t* p = row + static_cast<std::size_t>(x) * channels;
      const std::uint8_t r = p[0], g = channels == 3 ? p[1] : p[0], b = channels == 3 ? p[2] : p[0];
      out += static_cast<char>(b);
      out += static_cast<char>(g);
      out += static_cast<char>(r);
    }
    out.append(row_bytes - static_cast<std::uint32_t>(width) * 3, '\0');
  }
  return out;
}

}  // namespace tessera::report
