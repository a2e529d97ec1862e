// One frame of a multi-frame DICOM image as a single-frame one (see dicom.h): shared by the
// dataset source (select_frame), series volumes and infer's series of frames (frame_metadata).
#include <string>

#include "dicom_values.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"

namespace tessera::io {

DicomMetadata frame_metadata(const DicomMetadata& meta, int frame) {
  DicomMetadata one = meta;
  one.frames = 1;
  if (frame >= 0 && static_cast<std::size_t>(frame) < meta.frame_attributes.size()) {
    detail::set_frame_values(one, meta.frame_attributes[static_cast<std::size_t>(frame)]);
  }
  one.frame_attributes.clear();
  return one;
}

DicomStored select_frame(const DicomStored& stored, int frame) {
  const DicomMetadata& m = stored.meta;
  if (frame < 0 || frame >= m.frames)
    throw DecodeError("cannot decode DICOM: frame " + std::to_string(frame) + " of " + std::to_string(m.frames));
  const std::size_t plane = static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.columns);
  DicomStored one;
  one.meta = frame_metadata(m, frame);
  one.words.assign(stored.words.begin() + static_cast<std::ptrdiff_t>(plane * frame),
                   stored.words.begin() + static_cast<std::ptrdiff_t>(plane * (frame + 1)));
  return one;
}

}  // namespace tessera::io
