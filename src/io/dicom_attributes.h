#pragma once
// Reading the allowlisted attributes that live below the top level of a DICOM header: the Modality
// LUT Sequence and the functional groups of enhanced multi-frame images. Internal to src/io; DCMTK
// types stay in the files that include it.
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcitem.h"

#include "tessera/io/dicom.h"

namespace tessera::io::detail {

// N finite values of a multi-valued decimal attribute, or nothing when any is missing.
template <std::size_t N>
std::optional<std::array<double, N>> doubles(DcmItem& item, const DcmTagKey& key) {
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    Float64 v = 0;
    if (item.findAndGetFloat64(key, v, static_cast<unsigned long>(i)).bad() || !std::isfinite(v)) return std::nullopt;
    out[i] = v;
  }
  return out;
}

// Fills meta.modality_lut from the Modality LUT Sequence, when there is one. Needs is_signed.
// Throws DecodeError for a descriptor or data that cannot be a LUT.
void read_modality_lut(DcmItem& dataset, DicomMetadata& meta);

// Fills meta.frame_attributes (and frame 0's values into the top-level fields) from the Shared and
// Per-frame Functional Groups, when there are any. Needs frames. Throws DecodeError for a
// rescale that is not finite.
void read_functional_groups(DcmItem& dataset, DicomMetadata& meta);

}  // namespace tessera::io::detail
