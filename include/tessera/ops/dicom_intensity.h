#pragma once
// A DICOM header's intensity settings as the medical pipeline takes them. Header-only and in ops
// because ops sits above io (README, Architecture): io must not include ops. The values feed the
// operator preprocess_medical (preprocess_medical.h).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "tessera/io/dicom.h"
#include "tessera/ops/medical_intensity.h"

namespace tessera::ops {

// The file has a window its VOI LUT function can use (linear needs width >= 1, the others > 0).
inline bool has_usable_window(const io::DicomMetadata& meta) {
  if (!meta.has_window) return false;
  return meta.voi_lut_function == "LINEAR_EXACT" || meta.voi_lut_function == "SIGMOID" ? meta.window_width > 0.0
                                                                                     : meta.window_width >= 1.0;
}

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
  if (has_usable_window(meta)) {
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

// How a dataset windows its DICOM files (the loader's view of config data.window).
struct WindowChoice {
  enum class Mode : std::uint8_t {
    file,    // the file's own window and VOI LUT function; minmax when it has no usable one
    minmax,  // the image's own min..max after rescale, LINEAR_EXACT
    fixed,   // center/width (a preset or explicit), LINEAR
  };
  Mode mode = Mode::file;
  float center = 0.0f, width = 1.0f;
};

// Replaces the window of `intensity` by the min..max of the rescaled `words` (LINEAR_EXACT, so
// the minimum maps to 0 and the maximum to 1; a flat image gets a tiny width and maps to 0.5).
inline void set_minmax_window(MedicalIntensity& intensity, const std::uint16_t* words, std::size_t count) {
  if (count == 0) throw std::invalid_argument("set_minmax_window: no pixels");
  float lo = modality_value(words[0], intensity), hi = lo;
  for (std::size_t i = 1; i < count; ++i) {
    const float v = modality_value(words[i], intensity);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  intensity.function = VoiFunction::linear_exact;
  intensity.window_center = static_cast<float>((static_cast<double>(lo) + hi) / 2);
  intensity.window_width = std::max(hi - lo, 1e-6f);
}

// intensity_of(meta) with the window chosen by `choice`; `words` (count of them) are the image's
// stored values, needed by minmax and by the file fallback.
inline MedicalIntensity intensity_for(const io::DicomMetadata& meta, const std::uint16_t* words, std::size_t count,
                                      const WindowChoice& choice) {
  MedicalIntensity intensity = intensity_of(meta);
  switch (choice.mode) {
    case WindowChoice::Mode::file:
      if (!has_usable_window(meta)) set_minmax_window(intensity, words, count);
      break;
    case WindowChoice::Mode::minmax:
      set_minmax_window(intensity, words, count);
      break;
    case WindowChoice::Mode::fixed:
      intensity.function = VoiFunction::linear;
      intensity.window_center = choice.center;
      intensity.window_width = choice.width;
      break;
  }
  return intensity;
}

}  // namespace tessera::ops
