#include "dicom_values.h"

#include <algorithm>
#include <cstring>

namespace tessera::io::detail {
namespace {

// Mask to BitsStored and sign-extend. Branch-free per sample so the compiler vectorises it:
// shifting the stored bits to the top of an int32 and back sign-extends (C++20 defines both
// shifts); 32-bit words go through int64, where that would overflow.
// A stored word of up to 16 bits, masked to `mask` and sign-extended by `shift` (32 - BitsStored
// for signed pixels, else 0).
inline std::int32_t stored_integer(std::uint32_t word, std::uint32_t mask, int shift) {
  return static_cast<std::int32_t>((word & mask) << shift) >> shift;
}

template <typename Word>
void integers_to_float(const std::uint8_t* bytes, std::size_t count, const DicomMetadata& m, float* out) {
  const int bits = m.bits_stored;
  if constexpr (sizeof(Word) <= 2) {
    const std::uint32_t mask = (1u << bits) - 1;
    const int shift = m.is_signed ? 32 - bits : 0;
    for (std::size_t i = 0; i < count; ++i) {
      Word word;
      std::memcpy(&word, bytes + i * sizeof(Word), sizeof(Word));
      out[i] = static_cast<float>(stored_integer(word, mask, shift));
    }
  } else {
    const std::uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    const int shift = m.is_signed ? 64 - bits : 0;
    for (std::size_t i = 0; i < count; ++i) {
      Word word;
      std::memcpy(&word, bytes + i * sizeof(Word), sizeof(Word));
      out[i] = static_cast<float>(static_cast<std::int64_t>((static_cast<std::uint64_t>(word) & mask) << shift) >> shift);
    }
  }
}

template <typename Float>
void floats_to_float(const std::uint8_t* bytes, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) {
    Float value;
    std::memcpy(&value, bytes + i * sizeof(Float), sizeof(Float));
    out[i] = static_cast<float>(value);
  }
}

// The entry for stored value v: below first_mapped the first, past the end the last (C.11.1.1.1).
std::uint16_t lut_entry(const ModalityLut& lut, std::int64_t v) {
  const auto last = static_cast<std::int64_t>(lut.entries.size()) - 1;
  return lut.entries[static_cast<std::size_t>(std::clamp<std::int64_t>(v - lut.first_mapped, 0, last))];
}

void rescale(float* values, std::size_t count, double slope, double intercept) {
  const float s = static_cast<float>(slope), b = static_cast<float>(intercept);
  for (std::size_t i = 0; i < count; ++i) values[i] = values[i] * s + b;
}

}  // namespace

void stored_to_values(const std::uint8_t* data, std::size_t size, int bytes, const DicomMetadata& m,
                      std::vector<float>& values) {
  const std::size_t count = size / bytes;
  values.resize(count);
  float* out = values.data();
  if (m.is_float) {
    if (bytes == 4) floats_to_float<float>(data, count, out);
    else floats_to_float<double>(data, count, out);
  } else if (bytes == 1) {
    integers_to_float<std::uint8_t>(data, count, m, out);
  } else if (bytes == 2) {
    integers_to_float<std::uint16_t>(data, count, m, out);
  } else {
    integers_to_float<std::uint32_t>(data, count, m, out);
  }
  if (m.modality_lut) {  // stored values are integers below 2^24 here: exact in float
    for (std::size_t i = 0; i < count; ++i) out[i] = lut_entry(*m.modality_lut, static_cast<std::int64_t>(out[i]));
  } else if (!m.frame_attributes.empty()) {  // enhanced multi-frame: each frame its own rescale
    const std::size_t per_frame = count / m.frame_attributes.size();
    for (std::size_t f = 0; f < m.frame_attributes.size(); ++f) {
      const FrameAttributes& frame = m.frame_attributes[f];
      if (frame.rescale_slope != 1.0 || frame.rescale_intercept != 0.0)
        rescale(out + f * per_frame, per_frame, frame.rescale_slope, frame.rescale_intercept);
    }
  } else if (m.has_rescale) {
    rescale(out, count, m.rescale_slope, m.rescale_intercept);
  }
}

void apply_modality_lut(const ModalityLut& lut, const DicomMetadata& m, std::vector<std::uint16_t>& words) {
  const std::uint32_t mask = (1u << m.bits_stored) - 1;
  const int shift = m.is_signed ? 32 - m.bits_stored : 0;
  for (auto& word : words) word = lut_entry(lut, stored_integer(word, mask, shift));
}

}  // namespace tessera::io::detail

