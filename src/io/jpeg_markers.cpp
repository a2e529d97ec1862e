#include "jpeg_markers.h"

#include <cstring>

namespace tessera::io::detail {

JpegColour jpeg_stream_colour(const std::uint8_t* data, std::size_t size) {
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return JpegColour::unknown;  // no SOI
  bool jfif = false;
  int adobe_transform = -1;
  std::size_t i = 2;
  while (i + 4 <= size) {
    if (data[i] != 0xFF) return JpegColour::unknown;  // not at a marker: a corrupt header, trust the file
    const std::uint8_t marker = data[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan, end of image
    const std::size_t length = static_cast<std::size_t>(data[i + 2]) << 8 | data[i + 3];
    if (length < 2 || i + 2 + length > size) return JpegColour::unknown;
    const std::uint8_t* segment = data + i + 4;
    const std::size_t segment_size = length - 2;
    if (marker == 0xE0 && segment_size >= 5 && std::memcmp(segment, "JFIF\0", 5) == 0) jfif = true;
    if (marker == 0xEE && segment_size >= 12 && std::memcmp(segment, "Adobe", 5) == 0) adobe_transform = segment[11];
    i += 2 + length;
  }
  if (jfif) return JpegColour::ycbcr;  // libjpeg lets JFIF win over Adobe too
  if (adobe_transform == 0) return JpegColour::rgb;
  if (adobe_transform > 0) return JpegColour::ycbcr;
  return JpegColour::unknown;
}

}  // namespace tessera::io::detail
