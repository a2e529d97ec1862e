#pragma once
// A DICOM header's intensity settings as the medical pipeline takes them. Header-only and in ops
// because ops sits above io (DESIGN.md, modules): io must not include ops.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "tessera/io/dicom.h"
#include "tessera/ops/medical.h"

namespace tessera::ops {

// Mask/sign/rescale from the header; the file's own window when it has one (else the full stored
// range after rescale, i.e. min-max of what the bits can hold); VOI LUT function; MONOCHROME1 ->
// invert (applied after windowing by voi_value). Throws std::invalid_argument for images the
// 16-bit pipeline cannot take (colour, more than 16 bits stored).
inline MedicalIntensity intensity_of(const io::DicomMetadata& meta) {
  if (meta.samples_per_pixel != 1 || meta.bits_stored < 1 || meta.bits_stored > 16) {
    throw std::invalid_argument("intensity_of: the medical pipeline takes monochrome images of 1..16 bits stored");
  }
  MedicalIntensity intensity;
  intensity.bits_stored = meta.bits_stored;
  intensity.is_signed = meta.is_signed;
  intensity.slope = static_cast<float>(meta.rescale_slope);
  intensity.intercept = static_cast<float>(meta.rescale_intercept);
  intensity.invert = meta.photometric == io::Photometric::monochrome1;
  if (meta.voi_lut_function == "LINEAR_EXACT") intensity.function = VoiFunction::linear_exact;
  else if (meta.voi_lut_function == "SIGMOID") intensity.function = VoiFunction::sigmoid;
  const bool usable = meta.has_window && (intensity.function == VoiFunction::linear ? meta.window_width >= 1.0
                                                                                  : meta.window_width > 0.0);
  if (usable) {
    intensity.window_center = static_cast<float>(meta.window_center);
    intensity.window_width = static_cast<float>(meta.window_width);
  } else {  // the whole representable range, rescaled
    const double lo = meta.is_signed ? -(1 << (meta.bits_stored - 1)) : 0.0;
    const double hi = meta.is_signed ? (1 << (meta.bits_stored - 1)) - 1 : (1 << meta.bits_stored) - 1.0;
    double a = lo * meta.rescale_slope + meta.rescale_intercept, b = hi * meta.rescale_slope + meta.rescale_intercept;
    if (a > b) std::swap(a, b);
    intensity.function = VoiFunction::linear_exact;
    intensity.window_center = static_cast<float>((a + b) / 2);
    intensity.window_width = static_cast<float>(std::max(b - a, 1e-6));
  }
  return intensity;
}

}  // namespace tessera::ops
