#include "dicom_palette.h"

#include <algorithm>
#include <string>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcelem.h"
#include "dcmtk/dcmdata/dcitem.h"

#include "dicom_attributes.h"
#include "dcmtk_setup.h"
#include "tessera/core/error.h"

namespace tessera::io::detail {
namespace {

const char* const kColour[] = {"red", "green", "blue"};

}  // namespace

PaletteLuts read_palette(DcmItem& dataset, bool signed_pixels, bool big_endian) {
  static const DcmTagKey descriptors[] = {DCM_RedPaletteColorLookupTableDescriptor,
                                          DCM_GreenPaletteColorLookupTableDescriptor,
                                          DCM_BluePaletteColorLookupTableDescriptor};
  static const DcmTagKey data_tags[] = {DCM_RedPaletteColorLookupTableData, DCM_GreenPaletteColorLookupTableData,
                                        DCM_BluePaletteColorLookupTableData};
  static const DcmTagKey segmented[] = {DCM_SegmentedRedPaletteColorLookupTableData,
                                        DCM_SegmentedGreenPaletteColorLookupTableData,
                                        DCM_SegmentedBluePaletteColorLookupTableData};
  PaletteLuts luts;
  for (int c = 0; c < 3; ++c) {
    const std::string colour = kColour[c];
    DcmElement* element = nullptr;
    if (dataset.findAndGetElement(descriptors[c], element).bad() || element == nullptr || element->getVM() < 3)
      fail("PALETTE COLOR without a 3-value " + colour + " LUT descriptor");
    const std::string what = "PALETTE COLOR " + colour + " LUT";
    const long count = lut_descriptor_value(*element, 0, false, what);
    const std::size_t entries = count == 0 ? 65536 : static_cast<std::size_t>(count);  // 0 means 2^16
    luts.first_mapped[c] = static_cast<int>(lut_descriptor_value(*element, 1, signed_pixels, what));
    const long bits = lut_descriptor_value(*element, 2, false, what);
    if (bits != 8 && bits != 16) fail(what + " with " + std::to_string(bits) + "-bit entries");
    const Uint16* words = nullptr;
    unsigned long word_count = 0;
    if (dataset.findAndGetUint16Array(data_tags[c], words, &word_count).bad() || words == nullptr) {
      if (dataset.tagExists(segmented[c])) fail("segmented PALETTE COLOR LUTs are not supported");
      fail("PALETTE COLOR without " + colour + " LUT data");
    }
    // 16 bits per entry, or 8 packed two to a word (what C.7.6.3.1.6 asks for 8-bit LUTs; many
    // files store 8-bit values in 16-bit words): the data's length says which.
    luts.entries[c] = lut_entries(words, word_count, entries, static_cast<int>(bits), big_endian, what);
  }
  return luts;
}

std::vector<float> apply_palette(const PaletteLuts& luts, const std::vector<float>& indices) {
  std::vector<float> rgb(indices.size() * 3);
  for (int c = 0; c < 3; ++c) {
    const auto& lut = luts.entries[c];
    const auto last = static_cast<std::int64_t>(lut.size()) - 1;
    for (std::size_t p = 0; p < indices.size(); ++p) {
      const auto i = std::clamp<std::int64_t>(static_cast<std::int64_t>(indices[p]) - luts.first_mapped[c], 0, last);
      rgb[p * 3 + c] = lut[static_cast<std::size_t>(i)];
    }
  }
  return rgb;
}

}  // namespace tessera::io::detail
