#include "dicom_attributes.h"

#include <string>

#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcelem.h"
#include "dcmtk/dcmdata/dcsequen.h"

#include "dcmtk_setup.h"
#include "dicom_values.h"
#include "tessera/core/error.h"

namespace tessera::io::detail {
namespace {

// The functional group macro `sequence` for frame f: the frame's own item, else the shared one.
class FunctionalGroups {
 public:
  explicit FunctionalGroups(DcmItem& dataset) {
    dataset.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared_, 0);
    dataset.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per_frame_);
  }
  bool present() const { return shared_ != nullptr || per_frame_ != nullptr; }

  DcmItem* macro(std::size_t frame, const DcmTagKey& sequence) const {
    DcmItem* found = nullptr;
    if (per_frame_ != nullptr && frame < per_frame_->card()) {
      if (DcmItem* item = per_frame_->getItem(static_cast<unsigned long>(frame));
          item != nullptr && item->findAndGetSequenceItem(sequence, found, 0).good() && found != nullptr) {
        return found;
      }
    }
    if (shared_ != nullptr && shared_->findAndGetSequenceItem(sequence, found, 0).good()) return found;
    return nullptr;
  }

 private:
  DcmItem* shared_ = nullptr;
  DcmSequenceOfItems* per_frame_ = nullptr;
};

}  // namespace

bool read_window(DcmItem& item, double& centre, double& width) {
  Float64 c = 0, w = 0;
  if (item.findAndGetFloat64(DCM_WindowCenter, c).bad() || item.findAndGetFloat64(DCM_WindowWidth, w).bad() ||
      !std::isfinite(c) || !std::isfinite(w)) {
    return false;
  }
  centre = c;
  width = w;
  return true;
}

long lut_descriptor_value(DcmElement& descriptor, unsigned long index, bool signed_pixels, const std::string& what) {
  if (descriptor.ident() == EVR_SS) {
    Sint16 v = 0;
    if (descriptor.getSint16(v, index).bad()) fail("unreadable " + what + " descriptor");
    return index == 1 ? v : static_cast<Uint16>(v);
  }
  Uint16 v = 0;
  if (descriptor.getUint16(v, index).bad()) fail("unreadable " + what + " descriptor");
  return index == 1 && signed_pixels ? static_cast<Sint16>(v) : static_cast<long>(v);
}

std::vector<std::uint16_t> lut_entries(const Uint16* words, unsigned long count, std::size_t entries, int bits,
                                       bool big_endian, const std::string& what) {
  std::vector<std::uint16_t> out(entries);
  if (count >= entries) {
    out.assign(words, words + entries);
  } else if (bits <= 8 && count * 2 >= entries) {
    for (std::size_t i = 0; i < entries; ++i) {
      const bool high = (i % 2 == 1) != big_endian;  // the first byte in the file is entry 0
      out[i] = high ? words[i / 2] >> 8 : words[i / 2] & 0xFF;
    }
  } else {
    fail(what + " with " + std::to_string(count) + " words for " + std::to_string(entries) + " entries");
  }
  return out;
}

void read_modality_lut(DcmItem& dataset, DicomMetadata& meta, bool big_endian) {
  DcmItem* item = nullptr;
  if (dataset.findAndGetSequenceItem(DCM_ModalityLUTSequence, item, 0).bad() || item == nullptr) return;
  DcmElement* descriptor = nullptr;
  if (item->findAndGetElement(DCM_LUTDescriptor, descriptor).bad() || descriptor == nullptr || descriptor->getVM() < 3)
    fail("Modality LUT Sequence without a 3-value LUTDescriptor");
  const std::string what = "Modality LUT";
  ModalityLut lut;
  const long entries = lut_descriptor_value(*descriptor, 0, false, what);
  const std::size_t count = entries == 0 ? 65536 : static_cast<std::size_t>(entries);  // 0 means 2^16
  lut.first_mapped = static_cast<int>(lut_descriptor_value(*descriptor, 1, meta.is_signed, what));
  lut.bits = static_cast<int>(lut_descriptor_value(*descriptor, 2, false, what));
  if (lut.bits < 1 || lut.bits > 16) fail("Modality LUT with " + std::to_string(lut.bits) + "-bit entries");
  const Uint16* data = nullptr;
  unsigned long words = 0;
  if (item->findAndGetUint16Array(DCM_LUTData, data, &words).bad() || data == nullptr)
    fail("Modality LUT Sequence without LUTData");
  lut.entries = lut_entries(data, words, count, lut.bits, big_endian, what);
  const auto mask = static_cast<std::uint16_t>((1u << lut.bits) - 1);
  for (auto& entry : lut.entries) entry &= mask;
  meta.modality_lut = std::move(lut);
}

void read_functional_groups(DcmItem& dataset, DicomMetadata& meta) {
  const FunctionalGroups groups(dataset);
  if (!groups.present()) return;
  const auto frames = static_cast<std::size_t>(meta.frames);
  // Item f describes frame f. Files cut from multi-frame ones often keep every original item
  // (pydicom's liver_1frame: 3 items, 1 frame): the extra items describe no frame here, and
  // frames past the items take the shared groups.
  bool any_rescale = false;
  meta.frame_attributes.resize(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    FrameAttributes& frame = meta.frame_attributes[f];
    frame = top_level_frame_values(meta);  // what the groups leave out stays as the top level says
    if (DcmItem* pvt = groups.macro(f, DCM_PixelValueTransformationSequence)) {
      Float64 v = 0;
      if (pvt->findAndGetFloat64(DCM_RescaleSlope, v).good()) { frame.rescale_slope = v; any_rescale = true; }
      if (pvt->findAndGetFloat64(DCM_RescaleIntercept, v).good()) { frame.rescale_intercept = v; any_rescale = true; }
      if (!std::isfinite(frame.rescale_slope) || !std::isfinite(frame.rescale_intercept))
        fail("non-finite rescale in the functional groups of frame " + std::to_string(f));
    }
    if (DcmItem* voi = groups.macro(f, DCM_FrameVOILUTSequence)) {
      if (read_window(*voi, frame.window_center, frame.window_width)) frame.has_window = true;
      OFString function;
      if (f == 0 && voi->findAndGetOFString(DCM_VOILUTFunction, function).good()) {
        std::string text(function.c_str());
        while (!text.empty() && text.back() == ' ') text.pop_back();
        if (text == "LINEAR_EXACT" || text == "SIGMOID" || text == "LINEAR") meta.voi_lut_function = text;
      }
    }
    if (DcmItem* position = groups.macro(f, DCM_PlanePositionSequence))
      if (auto xyz = doubles<3>(*position, DCM_ImagePositionPatient)) frame.image_position = xyz;
  }
  // Frame 0 stands for the image where one value is wanted (inspect, single-frame datasets). The
  // functional groups win over top-level attributes an enhanced file should not have.
  const FrameAttributes& first = meta.frame_attributes.front();
  if (any_rescale) {
    meta.has_rescale = true;
    meta.rescale_slope = first.rescale_slope;
    meta.rescale_intercept = first.rescale_intercept;
  }
  if (first.has_window) {
    meta.has_window = true;
    meta.window_center = first.window_center;
    meta.window_width = first.window_width;
  }
  if (first.image_position) meta.image_position = first.image_position;
  if (DcmItem* measures = groups.macro(0, DCM_PixelMeasuresSequence))
    if (auto spacing = doubles<2>(*measures, DCM_PixelSpacing)) meta.pixel_spacing = spacing;
  if (DcmItem* orientation = groups.macro(0, DCM_PlaneOrientationSequence))
    if (auto cosines = doubles<6>(*orientation, DCM_ImageOrientationPatient)) meta.image_orientation = cosines;
}

}  // namespace tessera::io::detail
