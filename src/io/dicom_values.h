#pragma once
// Stored DICOM samples to modality values (PS3.3 C.7.6.3.1.4 and C.11.1), in plain C++ so it is
// the same for every transfer syntax. Internal to src/io.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tessera/io/dicom.h"

namespace tessera::io::detail {

// `size` bytes of pixel-interleaved little-endian samples of `bytes` bytes each (IEEE floats in
// this machine's order when meta.is_float) to modality values: masked to BitsStored,
// sign-extended, then the Modality LUT or each frame's rescale (dicom.h, decode_dicom).
void stored_to_values(const std::uint8_t* data, std::size_t size, int bytes, const DicomMetadata& meta,
                      std::vector<float>& values);

// Replaces each stored word (masked and sign-extended as meta says) by its Modality LUT entry.
void apply_modality_lut(const ModalityLut& lut, const DicomMetadata& meta, std::vector<std::uint16_t>& words);

// The per-frame values as `meta`'s top level states them: what a frame has unless its functional
// groups say otherwise.
inline FrameAttributes top_level_frame_values(const DicomMetadata& meta) {
  return {meta.rescale_slope, meta.rescale_intercept, meta.has_window,
          meta.window_center, meta.window_width,      meta.image_position};
}

// Puts one frame's values into `meta`'s top-level fields.
inline void set_frame_values(DicomMetadata& meta, const FrameAttributes& frame) {
  meta.rescale_slope = frame.rescale_slope;
  meta.rescale_intercept = frame.rescale_intercept;
  meta.has_window = frame.has_window;
  meta.window_center = frame.window_center;
  meta.window_width = frame.window_width;
  meta.image_position = frame.image_position;
}

}  // namespace tessera::io::detail
