#include "tessera/io/inspect.h"

#include <algorithm>
#include <sstream>

#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/io/dicom.h"
#include "tessera/io/dicom_series.h"
#include "tessera/io/image.h"

namespace tessera::io {

namespace {

// The stored-to-modality step: a Modality LUT, per-frame rescales (enhanced files) or one rescale.
std::string describe_modality_transform(const DicomMetadata& meta) {
  std::ostringstream out;
  if (meta.modality_lut) {
    const ModalityLut& lut = *meta.modality_lut;
    out << "  modality LUT: " << lut.entries.size() << " entries of " << lut.bits << " bits from stored value "
        << lut.first_mapped << " (Modality LUT Sequence, in place of a rescale)\n";
    return out.str();
  }
  const auto& frames = meta.frame_attributes;
  const bool varies = std::any_of(frames.begin(), frames.end(), [&](const FrameAttributes& f) {
    return f.rescale_slope != frames.front().rescale_slope || f.rescale_intercept != frames.front().rescale_intercept;
  });
  if (varies) {
    out << "  rescale: per frame (functional groups); frame 0: slope " << meta.rescale_slope << ", intercept "
        << meta.rescale_intercept << "\n";
  } else {
    out << "  rescale: slope " << meta.rescale_slope << ", intercept " << meta.rescale_intercept
        << (meta.has_rescale ? (frames.empty() ? "" : " (functional groups)") : " (absent: defaults)") << "\n";
  }
  return out.str();
}

}  // namespace

// Only the allowlisted attributes exist in DicomMetadata, so nothing here can print patient data.
std::string describe_dicom_header(const DicomMetadata& meta) {
  std::ostringstream out;
  if (meta.rows == 0 || meta.columns == 0) {
    out << "DICOM without an image (modality " << (meta.modality.empty() ? "(none)" : meta.modality) << ", "
        << meta.transfer_syntax_name << "): nothing Tessera can train on\n";
    return out.str();
  }
  out << "DICOM: " << meta.columns << "x" << meta.rows << ", " << meta.frames << " frame(s), "
      << photometric_name(meta.photometric)
      << (meta.photometric == Photometric::palette_color ? " (expanded to RGB through its LUTs)" : "") << ", ";
  if (meta.is_float) out << meta.bits_allocated << "-bit float\n";
  else out << meta.bits_stored << " of " << meta.bits_allocated << " bits " << (meta.is_signed ? "signed" : "unsigned") << "\n";
  out << "  modality: " << (meta.modality.empty() ? "(none)" : meta.modality) << "\n";
  out << "  transfer syntax: " << meta.transfer_syntax_name << " (" << meta.transfer_syntax_uid << ")\n";
  out << describe_modality_transform(meta);
  if (meta.has_window) {
    out << "  window: centre " << meta.window_center << ", width " << meta.window_width << " ("
        << meta.voi_lut_function << ")\n";
  } else {
    out << "  window: none in the file\n";
  }
  if (meta.pixel_spacing) out << "  pixel spacing: " << (*meta.pixel_spacing)[0] << " x " << (*meta.pixel_spacing)[1] << " mm\n";
  if (meta.image_position) {
    out << "  position: " << (*meta.image_position)[0] << ", " << (*meta.image_position)[1] << ", "
        << (*meta.image_position)[2] << " mm\n";
  }
  for (const auto& warning : meta.warnings) out << "  warning: " << warning << "\n";
  out << "  (patient, study and institution attributes are never read)\n";
  return out.str();
}

std::string describe_dicom_series(const std::filesystem::path& folder) {
  const DicomVolume volume = load_dicom_volume(folder);
  std::ostringstream out;
  out << "DICOM series: " << volume.order.order.size() << " slice file(s) -> volume " << volume.depth << " x "
      << volume.rows << " x " << volume.columns << " (slices x rows x columns), modality "
      << (volume.first.modality.empty() ? "(none)" : volume.first.modality) << "\n";
  out << "  spacing: " << fixed(volume.spacing[0], 3) << " (between slices) x " << fixed(volume.spacing[1], 3) << " x "
      << fixed(volume.spacing[2], 3) << " mm" << (volume.order.has_geometry ? "" : " (no slice geometry in the files)") << "\n";
  const auto [lo, hi] = std::minmax_element(volume.values.begin(), volume.values.end());
  out << "  values after rescale: " << *lo << " .. " << *hi << "\n";
  for (const auto& warning : volume.order.warnings) out << "  warning: " << warning << "\n";
  out << "  (patient, study and institution attributes are never read)\n";
  return out.str();
}

std::string describe_image_file(const std::filesystem::path& path) {
  if (has_image_extension(path)) {  // decode_image says which formats this build lacks
    const Image image = decode_image(path, 0);
    return "image: " + std::to_string(image.width) + "x" + std::to_string(image.height) + ", " +
           std::to_string(image.channels) + (image.channels == 1 ? " channel (grey)" : " channels (RGB)") + ", " +
           std::to_string(std::filesystem::file_size(path)) + " bytes\n";
  }
  if (is_dicom_file(path)) return describe_dicom_header(read_dicom_header(path));
  throw UserError("cannot inspect " + path.string() +
                  ": expected a .safetensors, .yaml, image (JPEG/PNG/BMP/TIFF) or DICOM file (.dcm, or \"DICM\" at byte 128)");
}

}  // namespace tessera::io
