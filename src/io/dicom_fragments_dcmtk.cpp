#include "dicom_fragments.h"

#include <string>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"

#include "dcmtk_setup.h"
#include "tessera/core/error.h"

namespace tessera::io::detail {
namespace {

struct Fragment {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::uint64_t position = 0;  // of its item tag, from the first fragment's item tag (as the table counts)
};

// The Basic Offset Table's entries: one little-endian 32-bit offset per frame (A.4), or none.
std::vector<std::uint64_t> basic_offsets(DcmPixelItem& table, std::size_t frames) {
  const std::size_t length = table.getLength();
  if (length == 0) return {};
  Uint8* bytes = nullptr;
  if (length % 4 != 0 || table.getUint8Array(bytes).bad() || bytes == nullptr) fail("unreadable Basic Offset Table");
  if (length / 4 != frames) {
    fail("the Basic Offset Table lists " + std::to_string(length / 4) + " frames, the header " + std::to_string(frames));
  }
  std::vector<std::uint64_t> offsets(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    const Uint8* p = bytes + 4 * f;
    offsets[f] = static_cast<std::uint64_t>(p[0]) | static_cast<std::uint64_t>(p[1]) << 8 |
                 static_cast<std::uint64_t>(p[2]) << 16 | static_cast<std::uint64_t>(p[3]) << 24;
  }
  return offsets;
}

DcmPixelSequence* pixel_sequence(DcmPixelData& pixel) {
  E_TransferSyntax syntax = EXS_Unknown;
  const DcmRepresentationParameter* parameter = nullptr;
  pixel.getOriginalRepresentationKey(syntax, parameter);
  DcmPixelSequence* sequence = nullptr;
  if (pixel.getEncapsulatedRepresentation(syntax, parameter, sequence).bad() || sequence == nullptr)
    fail("unreadable encapsulated pixel data");
  return sequence;
}

}  // namespace

std::pair<const std::uint8_t*, std::size_t> first_fragment(DcmPixelData& pixel) {
  DcmPixelSequence* sequence = pixel_sequence(pixel);
  DcmPixelItem* item = nullptr;
  Uint8* data = nullptr;
  if (sequence->card() < 2 || sequence->getItem(item, 1).bad() || item == nullptr || item->getLength() == 0 ||
      item->getUint8Array(data).bad() || data == nullptr) {
    return {nullptr, 0};
  }
  return {data, item->getLength()};
}

std::vector<std::vector<std::uint8_t>> encapsulated_frames(DcmPixelData& pixel, std::size_t frames,
                                                           const std::vector<std::uint64_t>& extended_offsets) {
  DcmPixelSequence* sequence = pixel_sequence(pixel);
  const unsigned long items = sequence->card();
  if (items < 2) fail("no pixel data fragments");
  DcmPixelItem* table = nullptr;
  if (sequence->getItem(table, 0).bad() || table == nullptr) fail("unreadable Basic Offset Table");

  std::vector<Fragment> fragments(items - 1);
  std::uint64_t position = 0;
  for (unsigned long i = 1; i < items; ++i) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    Fragment& fragment = fragments[i - 1];
    fragment.size = 0;
    if (sequence->getItem(item, i).bad() || item == nullptr) fail("unreadable fragment " + std::to_string(i));
    fragment.size = item->getLength();
    if (fragment.size > 0 && (item->getUint8Array(data).bad() || data == nullptr))
      fail("unreadable fragment " + std::to_string(i));
    fragment.data = data;
    fragment.position = position;
    position += 8 + fragment.size;  // item tag and length, then the value
  }

  // first[f]: index of frame f's first fragment; first[frames] = the end.
  std::vector<std::size_t> first(frames + 1, fragments.size());
  std::vector<std::uint64_t> offsets = basic_offsets(*table, frames);
  if (offsets.empty() && extended_offsets.size() == frames) offsets = extended_offsets;
  if (!offsets.empty()) {
    std::size_t k = 0;
    for (std::size_t f = 0; f < frames; ++f) {
      while (k < fragments.size() && fragments[k].position < offsets[f]) ++k;
      if (k == fragments.size() || fragments[k].position != offsets[f] || (f > 0 && k <= first[f - 1]))
        fail("the offset table's entry for frame " + std::to_string(f) + " is not the start of a fragment");
      first[f] = k;
    }
  } else if (frames == 1) {
    first[0] = 0;
  } else if (fragments.size() == frames) {
    for (std::size_t f = 0; f < frames; ++f) first[f] = f;
  } else {
    fail(std::to_string(fragments.size()) + " fragments for " + std::to_string(frames) +
         " frames and no Basic Offset Table: which fragments form which frame is unknown");  // nor an extended one
  }

  std::vector<std::vector<std::uint8_t>> joined(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    std::size_t size = 0;
    for (std::size_t k = first[f]; k < first[f + 1]; ++k) size += fragments[k].size;
    joined[f].reserve(size);
    for (std::size_t k = first[f]; k < first[f + 1]; ++k)
      joined[f].insert(joined[f].end(), fragments[k].data, fragments[k].data + fragments[k].size);
  }
  return joined;
}

}  // namespace tessera::io::detail
