// PS3.5 Annex G RLE: a 64-byte header (segment count, then 15 little-endian offsets from the start
// of the header), then byte-plane segments each PackBits-coded (G.3.1).
#include "dicom_rle.h"

#include <string>

#include "tessera/core/error.h"

namespace tessera::io::detail {
namespace {

[[noreturn]] void corrupt(std::size_t frame, const std::string& why) {
  throw DecodeError("cannot decode DICOM: corrupt RLE data in frame " + std::to_string(frame) + " (" + why + ")");
}

std::uint32_t little32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// PackBits into `pixels` bytes spaced `stride` apart. A segment may end with padding or a
// trailing no-op, so decoding stops once the plane is full; a plane left short is corrupt.
void unpack_segment(const std::uint8_t* in, std::size_t size, std::size_t pixels, std::uint8_t* out,
                    std::size_t stride, std::size_t frame, std::size_t segment) {
  std::size_t i = 0, written = 0;
  while (written < pixels && i < size) {
    const auto header = static_cast<std::int8_t>(in[i++]);
    if (header >= 0) {  // literal run of header + 1 bytes
      const std::size_t n = static_cast<std::size_t>(header) + 1;
      if (i + n > size || written + n > pixels) corrupt(frame, "segment " + std::to_string(segment) + " runs past its end");
      for (std::size_t k = 0; k < n; ++k, written++) out[written * stride] = in[i + k];
      i += n;
    } else if (header != -128) {  // the next byte repeated 1 - header times
      const std::size_t n = static_cast<std::size_t>(1 - header);
      if (i >= size || written + n > pixels) corrupt(frame, "segment " + std::to_string(segment) + " runs past its end");
      for (std::size_t k = 0; k < n; ++k, written++) out[written * stride] = in[i];
      ++i;
    }
  }
  if (written < pixels) corrupt(frame, "segment " + std::to_string(segment) + " holds fewer pixels than the image");
}

}  // namespace

void decode_rle_frame(const std::uint8_t* data, std::size_t size, std::size_t pixels, int samples, int bytes,
                      std::uint8_t* out, std::size_t frame) {
  if (size < 64) corrupt(frame, "no complete RLE header");
  const std::uint32_t segments = little32(data);
  const auto expected = static_cast<std::uint32_t>(samples * bytes);
  if (segments != expected) {
    corrupt(frame, std::to_string(segments) + " segments where the image needs " + std::to_string(expected));
  }
  std::size_t offsets[16];
  for (std::uint32_t s = 0; s < segments; ++s) {
    offsets[s] = little32(data + 4 + 4 * s);
    if (offsets[s] < 64 || offsets[s] >= size || (s > 0 && offsets[s] <= offsets[s - 1]))
      corrupt(frame, "segment offsets outside the data");
  }
  offsets[segments] = size;
  const std::size_t stride = static_cast<std::size_t>(samples) * bytes;
  for (std::uint32_t s = 0; s < segments; ++s) {
    const std::size_t sample = s / bytes, plane = bytes - 1 - s % bytes;  // little-endian byte of that plane
    unpack_segment(data + offsets[s], offsets[s + 1] - offsets[s], pixels, out + sample * bytes + plane, stride, frame, s);
  }
}

}  // namespace tessera::io::detail
