#pragma once
// PALETTE COLOR (PS3.3 C.7.6.3.1.5-6): each stored value indexes three LUTs, red, green and blue.
// Common in ultrasound. Internal to src/io.
#include <array>
#include <cstdint>
#include <vector>

class DcmItem;

namespace tessera::io::detail {

struct PaletteLuts {
  std::array<std::vector<std::uint16_t>, 3> entries;  // red, green, blue, as stored (8 or 16 bits)
  std::array<int, 3> first_mapped{};                   // stored value of each LUT's entry 0
};

// Reads the three descriptors and LUT Data. 8-bit entries may be packed two to a 16-bit word, in
// file byte order (`big_endian` for Explicit VR Big Endian files). Throws DecodeError for segmented
// palettes (not supported) and for descriptors or data that cannot be a LUT.
PaletteLuts read_palette(DcmItem& dataset, bool signed_pixels, bool big_endian);

// Stored values (one per pixel) to pixel-interleaved RGB: below a LUT's first entry takes entry 0,
// past its end the last entry, as pydicom's apply_color_lut.
std::vector<float> apply_palette(const PaletteLuts& luts, const std::vector<float>& indices);

}  // namespace tessera::io::detail
