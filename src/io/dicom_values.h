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

}  // namespace tessera::io::detail
