#pragma once
// JPEG 2000 and HTJ2K frames (transfer syntaxes 1.2.840.10008.1.2.4.90-93 and .201-203) decoded by
// OpenJPEG 2.5, which free DCMTK lacks. Internal to src/io; built when TESSERA_WITH_OPENJPEG is on.
#include <cstddef>
#include <cstdint>

namespace tessera::io::detail {

struct J2kTarget {
  std::size_t rows = 0, columns = 0, frame = 0;
  int samples = 1;  // components expected (SamplesPerPixel)
  int bytes = 1;    // of each output sample: 1, 2 or 4
  int threads = 1;  // OpenJPEG's own pool for this frame (1 = none)
};

// Decodes one frame (a raw J2K codestream or a JP2 file) into rows x columns x samples
// pixel-interleaved little-endian words of `bytes` bytes: each component value as two's
// complement, so the caller's mask and sign extension (BitsStored, PixelRepresentation) apply as
// to any other syntax. A multi-component transform in the stream is undone by OpenJPEG (RGB out).
// Throws DecodeError naming the frame for a stream that does not decode or does not match the
// header (size, components, subsampled components).
void decode_j2k_frame(const std::uint8_t* data, std::size_t size, const J2kTarget& target, std::uint8_t* out);

}  // namespace tessera::io::detail
