// Fuzz target: the frame decoders Tessera runs itself on encapsulated DICOM pixel data (issue 19),
// fed raw, without DCMTK in the way: RLE (dicom_rle.h), JPEG 2000 / HTJ2K through OpenJPEG
// (dicom_j2k.h, when built) and the JPEG marker reader (jpeg_markers.h). The dicom target reaches
// them through whole files; this one gets thousands of inputs a second into the codecs alone.
//
// Input: byte 0 picks the decoder (% 3: RLE, JPEG 2000, markers); bytes 1-4 are rows and columns
// (16-bit little-endian each, 1..512), byte 5 the samples per pixel (1 or 3) and bytes per sample
// (1, 2, 4) as the DICOM header would say; the rest is the frame. fuzz/make_codec_seeds.py writes
// real frames in this form.
// Expected: the frame's words, or tessera::DecodeError. ASan checks the output buffer is never
// overrun: it is exactly rows x columns x samples x bytes.
#include <cstdint>
#include <vector>

#include "../src/io/dicom_rle.h"
#include "../src/io/jpeg_markers.h"
#include "fuzz_support.h"
#include "tessera/core/error.h"
#ifdef TESSERA_FUZZ_OPENJPEG
#include "../src/io/dicom_j2k.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  const int decoder = data[0] % 3;
  const std::size_t rows = 1 + ((data[1] | data[2] << 8) % 512), columns = 1 + ((data[3] | data[4] << 8) % 512);
  const int samples = (data[5] & 1) ? 3 : 1;
  const int bytes = (data[5] >> 1) % 3 == 0 ? 1 : (data[5] >> 1) % 3 == 1 ? 2 : 4;
  const std::uint8_t* frame = data + 6;
  const std::size_t frame_size = size - 6;
  std::vector<std::uint8_t> out(rows * columns * samples * bytes);
  try {
    if (decoder == 0) {
      tessera::io::detail::decode_rle_frame(frame, frame_size, rows * columns, samples, bytes, out.data(), 0);
    } else if (decoder == 1) {
#ifdef TESSERA_FUZZ_OPENJPEG
      tessera::io::detail::J2kTarget target;
      target.rows = rows;
      target.columns = columns;
      target.samples = samples;
      target.bytes = bytes;
      tessera::io::detail::decode_j2k_frame(frame, frame_size, target, out.data());
#endif
    } else {
      (void)tessera::io::detail::jpeg_stream_colour(frame, frame_size);
    }
  } catch (const tessera::DecodeError&) {
    // documented
  }
  return 0;
}
