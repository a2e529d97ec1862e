#include "tessera/ops/medical_intensity.h"

#include <stdexcept>
#include <string>

#include "medical_intensity_math.h"

namespace tessera::ops {
namespace intensity {

void check(const MedicalIntensity& intensity, const char* where) {
  if (intensity.bits_stored < 1 || intensity.bits_stored > 16) {
    throw std::invalid_argument(std::string(where) + ": bits_stored must be in 1..16, got " +
                                std::to_string(intensity.bits_stored));
  }
  const float width = intensity.window_width;
  switch (intensity.function) {
    case VoiFunction::linear:
      if (!(width >= 1.0f)) {  // also rejects NaN
        throw std::invalid_argument(std::string(where) + ": the LINEAR VOI function needs window width >= 1, got " +
                                    std::to_string(width));
      }
      return;
    case VoiFunction::linear_exact:
    case VoiFunction::sigmoid:
      if (!(width > 0.0f)) {
        throw std::invalid_argument(std::string(where) + ": the " +
                                    (intensity.function == VoiFunction::sigmoid ? "SIGMOID" : "LINEAR_EXACT") +
                                    " VOI function needs window width > 0, got " + std::to_string(width));
      }
      return;
  }
  throw std::invalid_argument(std::string(where) + ": unknown VOI function " +
                              std::to_string(static_cast<int>(intensity.function)));
}

}  // namespace intensity

float modality_value(std::uint16_t stored, const MedicalIntensity& intensity) {
  if (intensity.bits_stored < 1 || intensity.bits_stored > 16) {
    throw std::invalid_argument("modality_value: bits_stored must be in 1..16, got " +
                                std::to_string(intensity.bits_stored));
  }
  return intensity::rescale(stored, intensity);
}

float voi_value(float rescaled, const MedicalIntensity& intensity) {
  intensity::check(intensity, "voi_value");
  return intensity::window(rescaled, intensity);
}

}  // namespace tessera::ops
