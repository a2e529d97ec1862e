#include "tessera/ops/batch_preprocess.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#ifdef TESSERA_WITH_CUDA
#include "batch_preprocess_cuda.h"
#endif

namespace tessera::ops {
namespace {

constexpr const char* kImages = "preprocess_images";
constexpr const char* kMedical = "preprocess_medical";

[[noreturn]] void fail(const char* where, const std::string& what) {
  throw std::invalid_argument(std::string(where) + ": " + what);
}

std::string size_text(int height, int width) { return std::to_string(height) + "x" + std::to_string(width); }

void check_values(const PackedBatch& batch, torch::ScalarType dtype, const char* where) {
  const torch::Tensor& values = batch.values;
  if (!values.defined()) fail(where, "batch.values is an undefined tensor");
  if (values.dim() != 1) fail(where, "batch.values must be 1-D, got " + std::to_string(values.dim()) + " dimensions");
  if (values.scalar_type() != dtype) {
    fail(where, std::string("batch.values must be ") + c10::toString(dtype) + ", got " +
                    c10::toString(values.scalar_type()));
  }
  if (!values.is_contiguous()) fail(where, "batch.values must be contiguous");
  if (!values.is_cpu() && !values.is_cuda()) {
    fail(where, "batch.values must be on the CPU or a CUDA device, got " + values.device().str());
  }
  if (batch.sources.size() > static_cast<std::size_t>(INT_MAX)) fail(where, "too many sources in one batch");
}

// Every source must lie wholly inside the buffer: the kernel reads without bounds checks.
void check_sources(const PackedBatch& batch, const char* where) {
  const std::int64_t total = batch.values.numel();
  for (std::size_t i = 0; i < batch.sources.size(); ++i) {
    const PackedSource& s = batch.sources[i];
    const std::string name = "source " + std::to_string(i);
    if (s.height <= 0 || s.width <= 0) fail(where, name + " has a non-positive size " + size_text(s.height, s.width));
    if (s.offset < 0 || s.offset > total) {
      fail(where, name + " starts at offset " + std::to_string(s.offset) + ", outside the packed buffer of " +
                      std::to_string(total) + " values");
    }
    // height * width * channels <= total - offset, without overflowing the product.
    const std::int64_t available = (total - s.offset) / batch.channels;
    if (static_cast<std::int64_t>(s.height) * s.width > available) {
      fail(where, name + " (" + size_text(s.height, s.width) + "x" + std::to_string(batch.channels) + " at offset " +
                      std::to_string(s.offset) + ") runs past the end of the packed buffer of " +
                      std::to_string(total) + " values");
    }
  }
}

void check_count(std::size_t got, std::size_t sources, const char* what, const char* where) {
  if (got != sources) {
    fail(where, std::string("need one ") + what + " per source (" + std::to_string(sources) + "), got " +
                    std::to_string(got));
  }
}

void check_geometry(int resize_h, int resize_w, int out_h, int out_w, const char* where) {
  if (out_h <= 0 || out_w <= 0 || resize_h < 0 || resize_w < 0) {
    fail(where, "output size must be positive and resize size >= 0, got out " + size_text(out_h, out_w) +
                    ", resize " + size_text(resize_h, resize_w));
  }
}

void check_format(const OutputFormat& format, const char* where) {
  if (format.dtype != torch::kFloat32 && format.dtype != torch::kBFloat16 && format.dtype != torch::kUInt8) {
    fail(where, std::string("output dtype must be Float, BFloat16 or Byte, got ") + c10::toString(format.dtype));
  }
  if (format.layout != Layout::nchw && format.layout != Layout::nhwc) {
    fail(where, "unknown output layout " + std::to_string(static_cast<int>(format.layout)));
  }
}

#ifndef TESSERA_WITH_CUDA
[[noreturn]] void no_cuda_kernels(const char* where) {
  throw std::runtime_error(std::string(where) +
                           ": batch.values is a CUDA tensor but this build has no CUDA kernels "
                           "(TESSERA_WITH_CUDA=OFF); rebuild with -DTESSERA_WITH_CUDA=ON or pass a CPU tensor");
}
#endif

torch::Tensor allocate_output(std::size_t batch, int channels, int out_h, int out_w, const OutputFormat& format,
                              const torch::Device& device) {
  const auto memory_format =
      format.layout == Layout::nhwc ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  return torch::empty({static_cast<std::int64_t>(batch), channels, out_h, out_w},
                      torch::TensorOptions().dtype(format.dtype).device(device).memory_format(memory_format));
}

// ---- CPU path: the references per sample, then the requested dtype through out's strides ----

// Writes one sample's CHW floats into out[sample] (any strides), converting each value.
template <class T, class Convert>
void write_sample(const float* chw, torch::Tensor& out, std::int64_t sample, Convert convert) {
  const std::int64_t channels = out.size(1), height = out.size(2), width = out.size(3);
  const std::int64_t sc = out.stride(1), sy = out.stride(2), sx = out.stride(3);
  T* base = out.data_ptr<T>() + sample * out.stride(0);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t y = 0; y < height; ++y) {
      const float* in = chw + (c * height + y) * width;
      T* row = base + c * sc + y * sy;
      for (std::int64_t x = 0; x < width; ++x) row[x * sx] = convert(in[x]);
    }
  }
}

// f32 as is; bf16 by c10::BFloat16's round-to-nearest-even; u8 by `to_u8` (already-final values).
template <class ToU8>
void write_converted(const float* chw, torch::Tensor& out, std::int64_t sample, ToU8 to_u8) {
  switch (out.scalar_type()) {
    case torch::kFloat32: write_sample<float>(chw, out, sample, [](float v) { return v; }); break;
    case torch::kBFloat16:
      write_sample<c10::BFloat16>(chw, out, sample, [](float v) { return c10::BFloat16(v); });
      break;
    default: write_sample<std::uint8_t>(chw, out, sample, to_u8); break;
  }
}

// For u8 output the image references run with mean 0 and std 1/255, which makes their
// normalisation x * 1 + (-0): the resized value itself, exactly.
static_assert(1.0f / (255.0f * (1.0f / 255.0f)) == 1.0f, "std = 1/255 must give scale exactly 1");

void images_on_cpu(const PackedBatch& batch, const ImagePreprocessSpec& spec, const std::vector<SampleParams>& params,
                   torch::Tensor& out) {
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
      preprocess_to_chw(ImageU8View{values + s.offset, s.height, s.width, batch.channels}, reference_spec,
                        params[static_cast<std::size_t>(i)], chw.data());
      // As resize_bilinear_u8 rounds: + 0.5 and truncation (the value is in [0, 255]).
      write_converted(chw.data(), out, i,
                      [](float v) { return static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f)); });
    }
  });
}

void medical_on_cpu(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                    const std::vector<MedicalIntensity>& intensities, const std::vector<SampleParams>& params,
                    torch::Tensor& out) {
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
      medical_to_chw(values + s.offset, s.height, s.width, reference_spec, intensities[k], params[k], chw.data());
      write_converted(chw.data(), out, i, [](float y) {
        return static_cast<std::uint8_t>(std::clamp(std::round(255.0f * y), 0.0f, 255.0f));
      });
    }
  });
}

}  // namespace

torch::Tensor preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                                const std::vector<SampleParams>& params, OutputFormat format) {
  check_values(batch, torch::kUInt8, kImages);
  if (batch.channels != 1 && batch.channels != 3) {
    fail(kImages, "channels must be 1 or 3, got " + std::to_string(batch.channels));
  }
  check_sources(batch, kImages);
  check_count(params.size(), batch.sources.size(), "SampleParams", kImages);
  check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, kImages);
  check_format(format, kImages);
  if (format.dtype != torch::kUInt8) {  // u8 output is not normalised: mean/std are not used
    const auto channels = static_cast<std::size_t>(batch.channels);
    if (spec.mean.size() != channels || spec.std.size() != channels) {
      fail(kImages, "mean and std need one value per channel (" + std::to_string(channels) + "), got " +
                        std::to_string(spec.mean.size()) + " and " + std::to_string(spec.std.size()));
    }
    for (float s : spec.std) {
      if (!(s > 0.0f)) fail(kImages, "std must be positive, got " + std::to_string(s));
    }
  }
#ifndef TESSERA_WITH_CUDA
  if (batch.values.is_cuda()) no_cuda_kernels(kImages);
#endif

  torch::Tensor out =
      allocate_output(batch.sources.size(), batch.channels, spec.out_h, spec.out_w, format, batch.values.device());
  if (batch.values.is_cuda()) {
#ifdef TESSERA_WITH_CUDA
    cuda::preprocess_images(batch, spec, params, out);
#endif
  } else {
    images_on_cpu(batch, spec, params, out);
  }
  return out;
}

torch::Tensor preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                                 const std::vector<MedicalIntensity>& intensities,
                                 const std::vector<SampleParams>& params, OutputFormat format) {
  check_values(batch, torch::kInt16, kMedical);
  if (batch.channels != 1) {
    fail(kMedical, "medical sources have one channel (16-bit stored words), got channels = " +
                       std::to_string(batch.channels));
  }
  check_sources(batch, kMedical);
  check_count(params.size(), batch.sources.size(), "SampleParams", kMedical);
  check_count(intensities.size(), batch.sources.size(), "MedicalIntensity", kMedical);
  check_geometry(spec.resize_h, spec.resize_w, spec.out_h, spec.out_w, kMedical);
  check_format(format, kMedical);
  if (spec.out_channels != 1 && spec.out_channels != 3) {
    fail(kMedical, "out_channels must be 1 or 3, got " + std::to_string(spec.out_channels));
  }
  if (format.dtype != torch::kUInt8 && !(spec.std > 0.0f)) {
    fail(kMedical, "std must be positive, got " + std::to_string(spec.std));
  }
  for (std::size_t i = 0; i < intensities.size(); ++i) {
    try {
      (void)voi_value(0.0f, intensities[i]);  // the reference's own rules for bits_stored and window
    } catch (const std::invalid_argument& e) {
      fail(kMedical, "sample " + std::to_string(i) + ": " + e.what());
    }
  }
#ifndef TESSERA_WITH_CUDA
  if (batch.values.is_cuda()) no_cuda_kernels(kMedical);
#endif

  torch::Tensor out =
      allocate_output(batch.sources.size(), spec.out_channels, spec.out_h, spec.out_w, format, batch.values.device());
  if (batch.values.is_cuda()) {
#ifdef TESSERA_WITH_CUDA
    cuda::preprocess_medical(batch, spec, intensities, params, out);
#endif
  } else {
    medical_on_cpu(batch, spec, intensities, params, out);
  }
  return out;
}

bool cuda_kernels_built() {
#ifdef TESSERA_WITH_CUDA
  return true;
#else
  return false;
#endif
}

}  // namespace tessera::ops
