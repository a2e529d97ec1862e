#include "tessera/ops/preprocess_images.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "packed_batch_checks.h"
#include "tessera/core/random.h"
#include "tessera/ops/resize.h"

#ifdef TESSERA_WITH_CUDA
#include "packed_batch_cuda.h"
#endif

namespace tessera::ops {
namespace {

void check_image(const ImageU8View& in, const char* where) {
  if (in.data == nullptr) throw std::invalid_argument(std::string(where) + ": null input pointer");
  if (in.height <= 0 || in.width <= 0 || in.channels <= 0) {
    throw std::invalid_argument(std::string(where) + ": input sizes must be positive, got " +
                                std::to_string(in.height) + "x" + std::to_string(in.width) + "x" +
                                std::to_string(in.channels));
  }
}

void check_normalisation(const std::vector<float>& mean, const std::vector<float>& std, int channels,
                         const char* where) {
  if (mean.size() != static_cast<std::size_t>(channels) || std.size() != static_cast<std::size_t>(channels)) {
    throw std::invalid_argument(std::string(where) + ": mean and std need one value per channel (" +
                                std::to_string(channels) + "), got " + std::to_string(mean.size()) + " and " +
                                std::to_string(std.size()));
  }
  for (float s : std) {
    if (!(s > 0.0f))
      throw std::invalid_argument(std::string(where) + ": std must be positive, got " + std::to_string(s));
  }
}

void check_source_size(int src_h, int src_w, const char* where) {
  if (src_h <= 0 || src_w <= 0) {
    throw std::invalid_argument(std::string(where) + ": source size must be positive, got " + std::to_string(src_h) +
                                "x" + std::to_string(src_w));
  }
}

int resized_size(int requested, int source) { return requested > 0 ? requested : source; }

// torchvision CenterCrop along one axis (see the header for the rule).
int centred_offset(int size, int crop) {
  if (crop > size) return -((crop - size) / 2);
  const int excess = size - crop;
  const int half = excess / 2;
  if (excess % 2 == 0) return half;
  return half % 2 == 0 ? half : half + 1;  // Python round(): x.5 goes to the even neighbour
}

// For u8 output the reference runs with mean 0 and std 1/255, which makes its normalisation
// x * 1 + (-0): the resized value itself, exactly.
static_assert(1.0f / (255.0f * (1.0f / 255.0f)) == 1.0f, "std = 1/255 must give scale exactly 1");

// The batched operator on a CPU tensor: the reference per sample, then the requested dtype
// through out's strides.
void preprocess_images_on_cpu(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                              const std::vector<SampleParams>& params, torch::Tensor& out) {
  ImagePreprocessSpec reference_spec = spec;
  if (out.scalar_type() == torch::kUInt8) {
    reference_spec.mean.assign(batch.channels, 0.0f);
    reference_spec.std.assign(batch.channels, 1.0f / 255.0f);
  }
  const std::uint8_t* values = batch.values.data_ptr<std::uint8_t>();
  const std::size_t sample_size = static_cast<std::size_t>(batch.channels) * spec.out_h * spec.out_w;
  at::parallel_for(0, static_cast<std::int64_t>(batch.sources.size()), 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> chw(sample_size);
    for (std::int64_t i = begin; i < end; ++i) {
      const PackedSource& s = batch.sources[static_cast<std::size_t>(i)];
      preprocess_images_reference(ImageU8View{values + s.offset, s.height, s.width, batch.channels}, reference_spec,
                                  params[static_cast<std::size_t>(i)], chw.data());
      // As resize_bilinear_u8 rounds: + 0.5 and truncation (the value is in [0, 255]).
      packed::write_converted(chw.data(), out, i,
                              [](float v) { return static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f)); });
    }
  });
}

}  // namespace

SampleParams center_crop(const ImagePreprocessSpec& spec, int src_h, int src_w) {
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, "center_crop");
  check_source_size(src_h, src_w, "center_crop");
  SampleParams params;
  params.crop_y = centred_offset(resized_size(spec.resize_h, src_h), spec.out_h);
  params.crop_x = centred_offset(resized_size(spec.resize_w, src_w), spec.out_w);
  return params;
}

SampleParams random_crop(const ImagePreprocessSpec& spec, int src_h, int src_w, int pad, double flip_probability,
                         std::uint64_t sample_seed) {
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, "random_crop");
  check_source_size(src_h, src_w, "random_crop");
  if (pad < 0) throw std::invalid_argument("random_crop: pad must be >= 0, got " + std::to_string(pad));
  if (!(flip_probability >= 0.0 && flip_probability <= 1.0)) {
    throw std::invalid_argument("random_crop: flip probability must be in [0, 1], got " +
                                std::to_string(flip_probability));
  }
  const int height = resized_size(spec.resize_h, src_h);
  const int width = resized_size(spec.resize_w, src_w);
  const long long slack_y = static_cast<long long>(height) + 2LL * pad - spec.out_h;
  const long long slack_x = static_cast<long long>(width) + 2LL * pad - spec.out_w;
  if (slack_y < 0 || slack_x < 0) {
    throw std::invalid_argument("random_crop: window " + std::to_string(spec.out_h) + "x" + std::to_string(spec.out_w) +
                                " is larger than the padded image " + std::to_string(height + 2LL * pad) + "x" +
                                std::to_string(width + 2LL * pad));
  }
  // Draw order is fixed (y, x, flip) and the flip is always drawn, so a seed's crop does not
  // change when only the flip probability does.
  SplitMix64 rng{sample_seed};
  SampleParams params;
  params.crop_y = -pad + static_cast<int>(rng.below(static_cast<std::uint64_t>(slack_y) + 1));
  params.crop_x = -pad + static_cast<int>(rng.below(static_cast<std::uint64_t>(slack_x) + 1));
  params.flip = rng.unit() < flip_probability;
  return params;
}

void preprocess_images_reference(const ImageU8View& in, const ImagePreprocessSpec& spec, const SampleParams& params,
                                 float* out) {
  check_image(in, "preprocess_images_reference");
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, "preprocess_images_reference");
  check_normalisation(spec.mean, spec.std, in.channels, "preprocess_images_reference");
  if (out == nullptr) throw std::invalid_argument("preprocess_images_reference: null output pointer");

  const int channels = in.channels;
  const int resized_h = resized_size(spec.resize_h, in.height);
  const int resized_w = resized_size(spec.resize_w, in.width);
  const std::vector<BilinearTap> y_taps = bilinear_taps(in.height, resized_h);
  const std::vector<BilinearTap> x_taps = bilinear_taps(in.width, resized_w);

  // (x / 255 - mean) / std as one multiply-add; padding (x = 0) is the bias alone.
  std::vector<float> scale(channels), bias(channels);
  for (int c = 0; c < channels; ++c) {
    scale[c] = 1.0f / (255.0f * spec.std[c]);
    bias[c] = -spec.mean[c] / spec.std[c];
  }

  // Output column -> its source taps, with the flip folded into the index; -1 marks padding.
  std::vector<int> column_tap(static_cast<std::size_t>(spec.out_w));
  for (int ox = 0; ox < spec.out_w; ++ox) {
    const int window_x = params.flip ? spec.out_w - 1 - ox : ox;
    const long long rx = static_cast<long long>(params.crop_x) + window_x;
    column_tap[ox] = (rx >= 0 && rx < resized_w) ? static_cast<int>(rx) : -1;
  }

  const std::size_t plane = static_cast<std::size_t>(spec.out_h) * spec.out_w;
  const std::size_t src_row = static_cast<std::size_t>(in.width) * channels;
  for (int oy = 0; oy < spec.out_h; ++oy) {
    float* out_row = out + static_cast<std::size_t>(oy) * spec.out_w;
    const long long ry = static_cast<long long>(params.crop_y) + oy;
    if (ry < 0 || ry >= resized_h) {
      for (int c = 0; c < channels; ++c) {
        for (int ox = 0; ox < spec.out_w; ++ox) out_row[c * plane + ox] = bias[c];
      }
      continue;
    }
    const BilinearTap& ty = y_taps[static_cast<std::size_t>(ry)];
    const std::uint8_t* row0 = in.data + static_cast<std::size_t>(ty.lower) * src_row;
    const std::uint8_t* row1 = in.data + static_cast<std::size_t>(ty.upper) * src_row;
    const float wy = ty.weight;
    for (int ox = 0; ox < spec.out_w; ++ox) {
      if (column_tap[ox] < 0) {
        for (int c = 0; c < channels; ++c) out_row[c * plane + ox] = bias[c];
        continue;
      }
      const BilinearTap& tx = x_taps[static_cast<std::size_t>(column_tap[ox])];
      const std::size_t left = static_cast<std::size_t>(tx.lower) * channels;
      const std::size_t right = static_cast<std::size_t>(tx.upper) * channels;
      const float wx = tx.weight;
      for (int c = 0; c < channels; ++c) {
        // Same weighting order as PyTorch's upsample_bilinear2d (x first, then y), kept in float.
        const float top = (1.0f - wx) * row0[left + c] + wx * row0[right + c];
        const float bottom = (1.0f - wx) * row1[left + c] + wx * row1[right + c];
        const float value = (1.0f - wy) * top + wy * bottom;
        out_row[c * plane + ox] = value * scale[c] + bias[c];
      }
    }
  }
}

void hwc_to_chw_normalize(const ImageU8View& in, const std::vector<float>& mean, const std::vector<float>& std,
                          float* out) {
  check_image(in, "hwc_to_chw_normalize");
  check_normalisation(mean, std, in.channels, "hwc_to_chw_normalize");
  if (out == nullptr) throw std::invalid_argument("hwc_to_chw_normalize: null output pointer");
  const int channels = in.channels;
  const std::size_t pixels = static_cast<std::size_t>(in.height) * in.width;
  for (int c = 0; c < channels; ++c) {
    const float scale = 1.0f / (255.0f * std[c]);
    const float bias = -mean[c] / std[c];
    float* plane = out + c * pixels;
    for (std::size_t i = 0; i < pixels; ++i) plane[i] = in.data[i * channels + c] * scale + bias;
  }
}

torch::Tensor preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                                const std::vector<SampleParams>& params, OutputFormat format) {
  constexpr const char* op = "preprocess_images";
  packed::check_values(batch, torch::kUInt8, op);
  if (batch.channels != 1 && batch.channels != 3) {
    packed::fail(op, "channels must be 1 or 3, got " + std::to_string(batch.channels));
  }
  packed::check_sources(batch, op);
  packed::check_count(params.size(), batch.sources.size(), "SampleParams", op);
  packed::check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, op);
  packed::check_format(format, op);
  if (format.dtype != torch::kUInt8) {  // u8 output is not normalised: mean/std are not used
    check_normalisation(spec.mean, spec.std, batch.channels, op);
  }
  packed::check_kernels_for(batch, op);

  torch::Tensor out = packed::allocate_output(batch.sources.size(), batch.channels, spec.out_h, spec.out_w, format,
                                              batch.values.device());
  if (batch.values.is_cuda()) {
#ifdef TESSERA_WITH_CUDA
    cuda::preprocess_images(batch, spec, params, out);
#endif
  } else {
    preprocess_images_on_cpu(batch, spec, params, out);
  }
  return out;
}

}  // namespace tessera::ops
