#include "tessera/ops/preprocess_medical.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "medical_intensity_math.h"
#include "packed_batch_checks.h"
#include "tessera/ops/resize.h"

#ifdef TESSERA_WITH_CUDA
#include "packed_batch_cuda.h"
#endif

namespace tessera::ops {
namespace {

// The batched operator on a CPU tensor: the reference per sample, then the requested dtype
// through out's strides.
void preprocess_medical_on_cpu(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                               const std::vector<MedicalIntensity>& intensities,
                               const std::vector<SampleParams>& params, torch::Tensor& out) {
  MedicalPreprocessSpec reference_spec = spec;
  if (out.scalar_type() == torch::kUInt8) {  // the reference then returns y itself: (y - 0) / 1
    reference_spec.mean = 0.0f;
    reference_spec.std = 1.0f;
  }
  const auto* values = reinterpret_cast<const std::uint16_t*>(batch.values.data_ptr<std::int16_t>());
  const std::size_t sample_size = static_cast<std::size_t>(spec.out_channels) * spec.out_h * spec.out_w;
  at::parallel_for(0, static_cast<std::int64_t>(batch.sources.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> chw(sample_size);
    for (std::int64_t i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const PackedSource& s = batch.sources[k];
      preprocess_medical_reference(values + s.offset, s.height, s.width, reference_spec, intensities[k], params[k],
                                   chw.data());
      packed::write_converted(chw.data(), out, i, [](float y) {
        return static_cast<std::uint8_t>(std::clamp(std::round(255.0f * y), 0.0f, 255.0f));
      });
    }
  });
}
}  // namespace

ImagePreprocessSpec geometry_of(const MedicalPreprocessSpec& spec) {
  // mean/std stay empty: they belong to the image pipeline's u8 scale, not to windowed values.
  return ImagePreprocessSpec{spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, {}, {}};
}

void preprocess_medical_reference(const std::uint16_t* stored, int height, int width, const MedicalPreprocessSpec& spec,
                                  const MedicalIntensity& intensity, const SampleParams& params, float* out) {
  if (stored == nullptr || out == nullptr) throw std::invalid_argument("preprocess_medical_reference: null pointer");
  if (height <= 0 || width <= 0) {
    throw std::invalid_argument("preprocess_medical_reference: source size must be positive, got " +
                                std::to_string(height) + "x" + std::to_string(width));
  }
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, "preprocess_medical_reference");
  if (!(spec.std > 0.0f)) {
    throw std::invalid_argument("preprocess_medical_reference: std must be positive, got " + std::to_string(spec.std));
  }
  if (spec.out_channels != 1 && spec.out_channels != 3) {
    throw std::invalid_argument("preprocess_medical_reference: out_channels must be 1 or 3, got " +
                                std::to_string(spec.out_channels));
  }
  intensity::check(intensity, "preprocess_medical_reference");

  const int resized_h = spec.resize_h > 0 ? spec.resize_h : height;
  const int resized_w = spec.resize_w > 0 ? spec.resize_w : width;
  const std::vector<BilinearTap> y_taps = bilinear_taps(height, resized_h);
  const std::vector<BilinearTap> x_taps = bilinear_taps(width, resized_w);

  // Rescaled once per source value: a tap then reads the same float a per-tap rescale would give.
  std::vector<float> rescaled(static_cast<std::size_t>(height) * width);
  for (std::size_t i = 0; i < rescaled.size(); ++i) rescaled[i] = intensity::rescale(stored[i], intensity);

  // Output column -> resized column with the flip folded in; -1 marks padding.
  std::vector<int> column_tap(static_cast<std::size_t>(spec.out_w));
  for (int ox = 0; ox < spec.out_w; ++ox) {
    const int window_x = params.flip ? spec.out_w - 1 - ox : ox;
    const long long rx = static_cast<long long>(params.crop_x) + window_x;
    column_tap[ox] = (rx >= 0 && rx < resized_w) ? static_cast<int>(rx) : -1;
  }

  // Padding is y = 0 whether or not the sample is inverted: it is "no image", not "black".
  const float padding = (0.0f - spec.mean) / spec.std;
  const std::size_t plane = static_cast<std::size_t>(spec.out_h) * spec.out_w;
  for (int oy = 0; oy < spec.out_h; ++oy) {
    float* out_row = out + static_cast<std::size_t>(oy) * spec.out_w;
    const long long ry = static_cast<long long>(params.crop_y) + oy;
    if (ry < 0 || ry >= resized_h) {
      std::fill(out_row, out_row + spec.out_w, padding);
      continue;
    }
    const BilinearTap& ty = y_taps[static_cast<std::size_t>(ry)];
    const float* row0 = rescaled.data() + static_cast<std::size_t>(ty.lower) * width;
    const float* row1 = rescaled.data() + static_cast<std::size_t>(ty.upper) * width;
    for (int ox = 0; ox < spec.out_w; ++ox) {
      if (column_tap[ox] < 0) {
        out_row[ox] = padding;
        continue;
      }
      const BilinearTap& tx = x_taps[static_cast<std::size_t>(column_tap[ox])];
      const float wx = tx.weight, wy = ty.weight;
      // Same weighting order as the image path (x first, then y), in float, before windowing.
      const float top = (1.0f - wx) * row0[tx.lower] + wx * row0[tx.upper];
      const float bottom = (1.0f - wx) * row1[tx.lower] + wx * row1[tx.upper];
      const float value = (1.0f - wy) * top + wy * bottom;
      out_row[ox] = (intensity::window(value, intensity) - spec.mean) / spec.std;
    }
  }
  for (int c = 1; c < spec.out_channels; ++c) std::copy(out, out + plane, out + c * plane);
}

torch::Tensor preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                                 const std::vector<MedicalIntensity>& intensities,
                                 const std::vector<SampleParams>& params, OutputFormat format) {
  constexpr const char* op = "preprocess_medical";
  packed::check_values(batch, torch::kInt16, op);
  if (batch.channels != 1) {
    packed::fail(
        op, "medical sources have one channel (16-bit stored words), got channels = " + std::to_string(batch.channels));
  }
  packed::check_sources(batch, op);
  packed::check_count(params.size(), batch.sources.size(), "SampleParams", op);
  packed::check_count(intensities.size(), batch.sources.size(), "MedicalIntensity", op);
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, op);
  packed::check_format(format, op);
  if (spec.out_channels != 1 && spec.out_channels != 3) {
    packed::fail(op, "out_channels must be 1 or 3, got " + std::to_string(spec.out_channels));
  }
  if (format.dtype != torch::kUInt8 && !(spec.std > 0.0f)) {
    packed::fail(op, "std must be positive, got " + std::to_string(spec.std));
  }
  for (std::size_t i = 0; i < intensities.size(); ++i) {
    intensity::check(intensities[i], ("preprocess_medical: sample " + std::to_string(i)).c_str());
  }
  packed::check_kernels_for(batch, op);

  torch::Tensor out = packed::allocate_output(batch.sources.size(), spec.out_channels, spec.out_h, spec.out_w, format,
                                              batch.values.device());
  if (batch.values.is_cuda()) {
#ifdef TESSERA_WITH_CUDA
    cuda::preprocess_medical(batch, spec, intensities, params, out);
#endif
  } else {
    preprocess_medical_on_cpu(batch, spec, intensities, params, out);
  }
  return out;
}

}  // namespace tessera::ops
