#pragma once
// Reading the allowlisted attributes that live below the top level of a DICOM header: the Modality
// LUT Sequence and the functional groups of enhanced multi-frame images. Internal to src/io; DCMTK
// types stay in the files that include it.
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcelem.h"
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

// WindowCenter and WindowWidth of `item` (the first pair), when both are there and finite.
bool read_window(DcmItem& item, double& centre, double& width);

// Value `index` of a LUT descriptor (entries, first mapped value, bits per entry), US or SS as
// the file says; the first mapped value is signed for signed pixels whatever the VR (PS3.3
// C.11.1.1.1, C.7.6.3.1.5). `what` names the LUT in errors.
long lut_descriptor_value(DcmElement& descriptor, unsigned long index, bool signed_pixels, const std::string& what);

// `entries` LUT entries from LUT Data read as 16-bit words (`count` of them): one entry per word,
// or, when there are only half as many words and entries have 8 bits, two entries per word in
// file byte order (`big_endian` for Explicit VR Big Endian files). Throws DecodeError otherwise.
std::vector<std::uint16_t> lut_entries(const Uint16* words, unsigned long count, std::size_t entries, int bits,
                                       bool big_endian, const std::string& what);

// Fills meta.modality_lut from the Modality LUT Sequence, when there is one. Needs is_signed.
// Throws DecodeError for a descriptor or data that cannot be a LUT.
void read_modality_lut(DcmItem& dataset, DicomMetadata& meta, bool big_endian);

// Fills meta.frame_attributes (and frame 0's values into the top-level fields) from the Shared and
// Per-frame Functional Groups, when there are any. Needs frames. Throws DecodeError for a
// rescale that is not finite.
void read_functional_groups(DcmItem& dataset, DicomMetadata& meta);

}  // namespace tessera::io::detail
