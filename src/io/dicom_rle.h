#pragma once
// DICOM RLE Lossless (PS3.5 Annex G) decoded here rather than by DCMTK's decoder, which trusts each
// frame to be one fragment: a frame split over several fragments came back with every row after
// the first fragment boundary wrong. Internal to src/io.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::io::detail {

// Decodes one frame: `data` is the frame's fragments joined in order (header, then segments).
// Writes rows x columns pixels of `samples` samples of `bytes` bytes each to `out`, pixel-interleaved
// little-endian words (the layout read_samples uses for native data). Segment s holds byte plane
// (bytes - 1 - s % bytes) of sample s / bytes: most significant byte first (G.2). Throws
// DecodeError naming the frame for a header or segment that does not fit the data or the image.
void decode_rle_frame(const std::uint8_t* data, std::size_t size, std::size_t pixels, int samples, int bytes,
                      std::uint8_t* out, std::size_t frame);

}  // namespace tessera::io::detail
