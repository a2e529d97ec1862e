#pragma once
// Seeded random batches for the tests of the batched operators preprocess_images and
// preprocess_medical (their *_batch_test, *_kernel_test and *_cuda_test files): sources of mixed sizes packed back to
// back with gaps, and specs, crops, flips, windows and output formats drawn to hit the edges (1x1 sources and outputs,
// upscale and downscale, windows partly or wholly outside, widths not a multiple of 4, 12-bit signed data with garbage
// above BitsStored, threshold and huge VOI windows).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::ops::testing {

struct ImageCase {
  PackedBatch batch;
  ImagePreprocessSpec spec;
  std::vector<SampleParams> params;
  OutputFormat format;
};

struct MedicalCase {
  PackedBatch batch;
  MedicalPreprocessSpec spec;
  std::vector<MedicalIntensity> intensities;
  std::vector<SampleParams> params;
  OutputFormat format;
};

inline int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
inline float uniform_f(std::mt19937& rng, float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}
inline bool coin(std::mt19937& rng, double p = 0.5) { return std::bernoulli_distribution(p)(rng); }

// A size along one axis: often 1 (the degenerate case), otherwise 2..max.
inline int random_size(std::mt19937& rng, int max) { return coin(rng, 0.12) ? 1 : uniform(rng, 2, max); }

// An output width: half of the time a multiple of 4 (the vector-store path), else anything.
inline int random_out_size(std::mt19937& rng, int max) {
  return coin(rng) ? 4 * uniform(rng, 1, max / 4) : random_size(rng, max);
}

// Window offsets from wholly before the image to wholly after it.
inline SampleParams random_window(std::mt19937& rng, int resized_h, int resized_w, int out_h, int out_w) {
  SampleParams p;
  p.crop_y = uniform(rng, -out_h - 1, resized_h + 1);
  p.crop_x = uniform(rng, -out_w - 1, resized_w + 1);
  if (coin(rng, 0.4)) {  // often the plain inside case as well
    p.crop_y = uniform(rng, 0, std::max(0, resized_h - out_h));
    p.crop_x = uniform(rng, 0, std::max(0, resized_w - out_w));
  }
  p.flip = coin(rng);
  return p;
}

inline OutputFormat random_format(std::mt19937& rng) {
  const torch::ScalarType dtypes[] = {torch::kFloat32, torch::kBFloat16, torch::kUInt8};
  return OutputFormat{dtypes[uniform(rng, 0, 2)], coin(rng) ? Layout::nhwc : Layout::nchw};
}

// Sources of the given sizes packed into one buffer with random gaps (odd offsets included).
inline std::vector<PackedSource> pack_sources(std::mt19937& rng, const std::vector<std::pair<int, int>>& sizes,
                                              int channels, std::int64_t& total) {
  std::vector<PackedSource> sources;
  total = uniform(rng, 0, 5);
  for (const auto& [h, w] : sizes) {
    sources.push_back(PackedSource{total, h, w});
    total += static_cast<std::int64_t>(h) * w * channels + uniform(rng, 0, 7);
  }
  return sources;
}

inline ImageCase random_image_case(std::uint32_t seed, int max_sources = 5, int max_size = 40) {
  std::mt19937 rng(seed);
  ImageCase k;
  k.batch.channels = coin(rng) ? 3 : 1;
  k.spec.resize_h = coin(rng, 0.25) ? 0 : random_size(rng, max_size + 8);  // 0: keep the source size
  k.spec.resize_w = coin(rng, 0.25) ? 0 : random_size(rng, max_size + 8);
  k.spec.out_h = random_size(rng, 33);
  k.spec.out_w = random_out_size(rng, 36);
  for (int c = 0; c < k.batch.channels; ++c) {
    k.spec.mean.push_back(uniform_f(rng, 0.0f, 1.0f));
    k.spec.std.push_back(uniform_f(rng, 0.2f, 1.5f));
  }
  std::vector<std::pair<int, int>> sizes(static_cast<std::size_t>(uniform(rng, 1, max_sources)));
  for (auto& s : sizes) s = {random_size(rng, max_size), random_size(rng, max_size)};
  std::int64_t total = 0;
  k.batch.sources = pack_sources(rng, sizes, k.batch.channels, total);
  k.batch.values = torch::empty({total}, torch::kUInt8);
  std::uint8_t* values = k.batch.values.data_ptr<std::uint8_t>();
  for (std::int64_t i = 0; i < total; ++i) values[i] = static_cast<std::uint8_t>(rng());
  for (const PackedSource& s : k.batch.sources) {
    const int rh = k.spec.resize_h > 0 ? k.spec.resize_h : s.height;
    const int rw = k.spec.resize_w > 0 ? k.spec.resize_w : s.width;
    k.params.push_back(random_window(rng, rh, rw, k.spec.out_h, k.spec.out_w));
  }
  k.format = random_format(rng);
  return k;
}

// One file's intensity chain: bit depths around 12 and 16, signed or not, windows from a
// threshold (LINEAR width 1) to wider than the whole range, centred inside or far outside it.
inline MedicalIntensity random_intensity(std::mt19937& rng) {
  MedicalIntensity m;
  const int depths[] = {1, 8, 10, 12, 12, 15, 16, 16};
  m.bits_stored = depths[uniform(rng, 0, 7)];
  m.is_signed = coin(rng);
  const float slopes[] = {1.0f, 0.5f, 2.5f, 0.0625f};
  const float intercepts[] = {0.0f, -1024.0f, 100.5f};
  m.slope = slopes[uniform(rng, 0, 3)];
  m.intercept = intercepts[uniform(rng, 0, 2)];
  const double stored_lo = m.is_signed ? -std::ldexp(1.0, m.bits_stored - 1) : 0.0;
  const double stored_hi = m.is_signed ? std::ldexp(1.0, m.bits_stored - 1) - 1 : std::ldexp(1.0, m.bits_stored) - 1;
  const float lo = m.slope * static_cast<float>(stored_lo) + m.intercept;
  const float hi = m.slope * static_cast<float>(stored_hi) + m.intercept;
  const float range = std::max(hi - lo, 1.0f);
  m.window_center = uniform_f(rng, lo - 0.2f * range, hi + 0.2f * range);
  if (coin(rng, 0.1)) m.window_center = hi + 10.0f * range;  // everything on one side
  m.function = static_cast<VoiFunction>(uniform(rng, 0, 2));
  switch (uniform(rng, 0, 3)) {
    case 0: m.window_width = m.function == VoiFunction::linear ? 1.0f : 0.01f; break;  // a threshold
    case 1: m.window_width = 1e7f; break;                                               // nearly flat
    default: m.window_width = std::max(1.0f, range * uniform_f(rng, 0.05f, 1.5f)); break;
  }
  m.invert = coin(rng);
  return m;
}

inline MedicalCase random_medical_case(std::uint32_t seed, int max_sources = 5, int max_size = 40) {
  std::mt19937 rng(seed);
  MedicalCase k;
  k.batch.channels = 1;
  k.spec.resize_h = coin(rng, 0.25) ? 0 : random_size(rng, max_size + 8);
  k.spec.resize_w = coin(rng, 0.25) ? 0 : random_size(rng, max_size + 8);
  k.spec.out_h = random_size(rng, 33);
  k.spec.out_w = random_out_size(rng, 36);
  k.spec.mean = uniform_f(rng, 0.0f, 1.0f);
  k.spec.std = uniform_f(rng, 0.2f, 2.0f);
  k.spec.out_channels = coin(rng) ? 3 : 1;
  std::vector<std::pair<int, int>> sizes(static_cast<std::size_t>(uniform(rng, 1, max_sources)));
  for (auto& s : sizes) s = {random_size(rng, max_size), random_size(rng, max_size)};
  std::int64_t total = 0;
  k.batch.sources = pack_sources(rng, sizes, 1, total);
  // Full 16-bit words: the bits above BitsStored are garbage the pipeline must mask off.
  k.batch.values = torch::empty({total}, torch::kInt16);
  std::int16_t* values = k.batch.values.data_ptr<std::int16_t>();
  for (std::int64_t i = 0; i < total; ++i) values[i] = static_cast<std::int16_t>(rng());
  for (const PackedSource& s : k.batch.sources) {
    const int rh = k.spec.resize_h > 0 ? k.spec.resize_h : s.height;
    const int rw = k.spec.resize_w > 0 ? k.spec.resize_w : s.width;
    k.params.push_back(random_window(rng, rh, rw, k.spec.out_h, k.spec.out_w));
    k.intensities.push_back(random_intensity(rng));
  }
  k.format = random_format(rng);
  return k;
}

inline std::string describe_format(const OutputFormat& f) {
  return std::string(c10::toString(f.dtype)) + (f.layout == Layout::nhwc ? " nhwc" : " nchw");
}

inline std::string describe(const ImageCase& k) {
  std::ostringstream s;
  s << k.batch.sources.size() << " sources, C=" << k.batch.channels << ", resize " << k.spec.resize_h << "x"
    << k.spec.resize_w << ", out " << k.spec.out_h << "x" << k.spec.out_w << ", " << describe_format(k.format);
  return s.str();
}

inline std::string describe(const MedicalCase& k) {
  std::ostringstream s;
  s << k.batch.sources.size() << " sources, out_channels=" << k.spec.out_channels << ", resize " << k.spec.resize_h
    << "x" << k.spec.resize_w << ", out " << k.spec.out_h << "x" << k.spec.out_w << ", "
    << describe_format(k.format);
  return s.str();
}

// The tolerances of README's preprocessing conventions, measured as one number per dtype: float absolute difference, u8
// levels, and for bf16 units of one bf16 ulp of the float reference value. That unit is floored at
// the float tolerance (1e-4): near 0 a bf16 ulp is tiny, and a float-level difference before the
// conversion (expf in the sigmoid window) would otherwise count as many ulps.
inline constexpr double kFloatTolerance = 1e-4;

inline double bf16_ulp(float reference) {
  if (reference == 0.0f || !std::isfinite(reference)) return 0.0;
  int exponent = 0;
  std::frexp(reference, &exponent);  // |reference| = m * 2^exponent, m in [0.5, 1)
  return std::ldexp(1.0, exponent - 8);  // bf16 keeps 8 significant bits
}

// Max difference of `got` against the CPU path, in the dtype's unit: absolute for float, levels
// for u8 (against the CPU u8 result), the bf16 unit above for bf16 (against the float result).
struct Diff {
  double worst = 0.0;
  std::int64_t mismatches = 0;  // elements not bit-identical to the CPU result of the same dtype
};

inline Diff compare(const torch::Tensor& got, const torch::Tensor& cpu_same_dtype, const torch::Tensor& cpu_float) {
  Diff d;
  const torch::Tensor g = got.to(torch::kCPU).contiguous();
  const torch::Tensor same = cpu_same_dtype.contiguous();
  d.mismatches = (g != same).sum().item<std::int64_t>();
  if (g.scalar_type() == torch::kFloat32) {
    if (g.numel() > 0) d.worst = (g - same).abs().max().item<double>();
    if (g.isnan().any().item<bool>()) d.worst = INFINITY;
  } else if (g.scalar_type() == torch::kUInt8) {
    if (g.numel() > 0) d.worst = (g.to(torch::kInt32) - same.to(torch::kInt32)).abs().max().item<double>();
  } else {
    const torch::Tensor ref = cpu_float.contiguous();
    const torch::Tensor gf = g.to(torch::kFloat32);
    const float* r = ref.data_ptr<float>();
    const float* v = gf.data_ptr<float>();
    for (std::int64_t i = 0; i < ref.numel(); ++i) {
      const double unit = std::max(bf16_ulp(r[i]), kFloatTolerance);
      const double diff = std::abs(static_cast<double>(v[i]) - r[i]) / unit;
      d.worst = std::isnan(diff) ? INFINITY : std::max(d.worst, diff);
    }
  }
  return d;
}

inline double tolerance(torch::ScalarType dtype) {
  return dtype == torch::kFloat32 ? kFloatTolerance : 1.0;  // 1e-4 absolute, 1 u8 level, 1 bf16 unit
}

// Worst difference per output dtype over many cases, printed for the record.
struct Worst {
  explicit Worst(std::string what) : what(std::move(what)) {}
  std::string what;  // "GPU vs CPU path", ...
  double f32 = 0, bf16_ulps = 0, u8 = 0;
  std::int64_t elements = 0, not_bit_identical = 0;
  void add(torch::ScalarType dtype, const Diff& d, std::int64_t n) {
    double& slot = dtype == torch::kFloat32 ? f32 : dtype == torch::kBFloat16 ? bf16_ulps : u8;
    slot = std::max(slot, d.worst);
    elements += n;
    not_bit_identical += d.mismatches;
  }
  void print(const char* cases) const {
    std::cout << "[ " << what << ", " << cases << " ] max |diff|: float " << f32 << ", bf16 " << bf16_ulps
              << " ulp (ulp floored at 1e-4), u8 " << u8 << " levels; " << not_bit_identical << " of " << elements
              << " elements not bit-identical to the CPU path\n";
  }
};

// `call` throws std::invalid_argument whose message contains `fragment` (the validation tests).
template <class Call>
void expect_invalid(Call call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace tessera::ops::testing
