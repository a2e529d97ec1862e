#pragma once
// What the per-thread bodies of both preprocessing kernels share (preprocess_images_kernel.h,
// preprocess_medical_kernel.h), written once for host and device: the descriptors of a sample and
// of the output, arithmetic that rounds alike on both sides, bilinear taps and vector stores. The
// kernels (src/ops/preprocess_*.cu) call the bodies once per thread;
// tests/ops/preprocess_*_kernel_test.cpp call them on the host over the same grid and compare with
// the CPU references, so the arithmetic the GPU runs is checked on machines without one.
//
// One thread computes a group of kGroupPixels consecutive output pixels of one row of one sample,
// so a row of a plane is written with 16-byte (float), 8-byte (bf16) or 4-byte (u8) stores.
//
// Exactness: nvcc contracts a * b + c into a fused multiply-add by default; the host build
// (x86-64 without -mfma) cannot. Every multiply that feeds an add goes through the *_rn helpers
// below, which are the never-contracted intrinsics on the device, so both sides round the same
// way: the kernels are meant to reproduce the CPU references bit for bit, expf (sigmoid window)
// aside. preprocess_*_cuda_test report how many elements are not bit-identical.
// Plain C++17: nvcc compiles the kernels as C++17 (CMakeLists.txt).
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#define TESSERA_HD __host__ __device__
#else
#define TESSERA_HD
#endif

namespace tessera::ops::detail {

inline constexpr int kGroupPixels = 4;
inline constexpr int kMaxChannels = 3;

enum class OutputType : std::uint8_t { f32, bf16, u8 };
enum class OutputOrder : std::uint8_t { nchw, nhwc };  // nhwc: channels_last strides

// Where one sample comes from and which window of its resized image it becomes.
struct SampleGeometry {
  std::int64_t offset = 0;  // element offset of the source's first value (HWC rows packed)
  int src_h = 0, src_w = 0;
  int resized_h = 0, resized_w = 0;
  int crop_y = 0, crop_x = 0;  // top-left of the window in resized coordinates
  int flip = 0;                // 1: horizontal flip of the window
};

// The output tensor: [batch, channels, out_h, out_w] in `order`, elements of `type`.
struct OutputSpec {
  void* data = nullptr;
  int batch = 0, channels = 1, out_h = 0, out_w = 0;
  OutputType type = OutputType::f32;
  OutputOrder order = OutputOrder::nchw;
  // out_w % kGroupPixels == 0 and data 16-byte aligned: every full group then starts on a
  // boundary of its vector width (4 elements in NCHW, 4 * channels elements in NHWC).
  int vector_stores = 0;
};

// ---- Arithmetic that rounds identically on host and device ---------------------------------

TESSERA_HD inline float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
TESSERA_HD inline float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
TESSERA_HD inline double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
TESSERA_HD inline double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
TESSERA_HD inline float exp_f(float x) {
#if defined(__CUDA_ARCH__)
  return expf(x);  // the accurate one (2 ulp) unless --use_fast_math, which this build does not use
#else
  return std::exp(x);
#endif
}
TESSERA_HD inline float round_half_away_f(float x) {
#if defined(__CUDA_ARCH__)
  return roundf(x);
#else
  return std::round(x);
#endif
}
TESSERA_HD inline float clamp_f(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

// float -> bfloat16 bits, round to nearest even; NaN -> 0x7FC0 like c10::BFloat16.
TESSERA_HD inline std::uint16_t bf16_bits(float value) {
#if defined(__CUDA_ARCH__)
  return __bfloat16_as_ushort(__float2bfloat16_rn(value));
#else
  if (std::isnan(value)) return 0x7FC0;
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
#endif
}

template <class T>
TESSERA_HD inline T load(const T* p) {
#if defined(__CUDA_ARCH__)
  return __ldg(p);  // read-only path: the packed batch is never written by the kernel
#else
  return *p;
#endif
}

// ---- Geometry --------------------------------------------------------------------------------

struct Tap {
  int lower = 0, upper = 0;
  float weight = 0.0f;
};

// bilinear_taps (resize.cpp) for one index, bit for bit: the same double expression evaluated
// without contraction, the weight rounded to float once.
TESSERA_HD inline Tap bilinear_tap(int dst, int in, int out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);  // IEEE division on both sides
  const double src = add_rn(mul_rn(add_rn(static_cast<double>(dst), 0.5), scale), -0.5);
  Tap tap;
  if (src <= 0.0) return tap;
  const int lower = static_cast<int>(src);  // src > 0: truncation is floor
  if (lower >= in - 1) {
    tap.lower = tap.upper = in - 1;
  } else {
    tap.lower = lower;
    tap.upper = lower + 1;
    tap.weight = static_cast<float>(add_rn(src, -static_cast<double>(lower)));
  }
  return tap;
}

// (1 - w) * a + w * b, in that order (PyTorch's upsample_bilinear2d, preprocess_images.cpp).
TESSERA_HD inline float lerp_rn(float a, float b, float w) { return add_rn(mul_rn(1.0f - w, a), mul_rn(w, b)); }

// The resized-image column an output column reads, with the flip folded in; -1 for padding.
TESSERA_HD inline int resized_column(const SampleGeometry& s, int out_w, int ox) {
  const int window_x = s.flip ? out_w - 1 - ox : ox;
  const long long rx = static_cast<long long>(s.crop_x) + window_x;
  return (rx >= 0 && rx < s.resized_w) ? static_cast<int>(rx) : -1;
}

TESSERA_HD inline int resized_row(const SampleGeometry& s, int oy) {
  const long long ry = static_cast<long long>(s.crop_y) + oy;
  return (ry >= 0 && ry < s.resized_h) ? static_cast<int>(ry) : -1;
}

// ---- Stores ----------------------------------------------------------------------------------

// Writes `count` <= kMax values (already in their final numeric value: u8 values are integral in
// 0..255) starting at element `index` of the output. `vector` only for count == kGroupPixels at
// an index whose vector width is aligned. Loops run to the constant kMax so the device compiler
// unrolls them and the group's values stay in registers instead of local memory.
template <int kMax>
TESSERA_HD inline void store_run(const OutputSpec& out, std::int64_t index, const float* v, int count, bool vector) {
  switch (out.type) {
    case OutputType::f32: {
      float* p = static_cast<float*>(out.data) + index;
#if defined(__CUDA_ARCH__)
      if (vector) {
        *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
        return;
      }
#endif
      for (int i = 0; i < kMax; ++i) {
        if (i < count) p[i] = v[i];
      }
      return;
    }
    case OutputType::bf16: {
      std::uint16_t* p = static_cast<std::uint16_t*>(out.data) + index;
#if defined(__CUDA_ARCH__)
      if (vector) {
        const unsigned lo = bf16_bits(v[0]) | (static_cast<unsigned>(bf16_bits(v[1])) << 16);
        const unsigned hi = bf16_bits(v[2]) | (static_cast<unsigned>(bf16_bits(v[3])) << 16);
        *reinterpret_cast<uint2*>(p) = make_uint2(lo, hi);
        return;
      }
#endif
      for (int i = 0; i < kMax; ++i) {
        if (i < count) p[i] = bf16_bits(v[i]);
      }
      return;
    }
    case OutputType::u8: {
      std::uint8_t* p = static_cast<std::uint8_t*>(out.data) + index;
#if defined(__CUDA_ARCH__)
      if (vector) {
        *reinterpret_cast<unsigned*>(p) = static_cast<unsigned>(v[0]) | (static_cast<unsigned>(v[1]) << 8) |
                                          (static_cast<unsigned>(v[2]) << 16) | (static_cast<unsigned>(v[3]) << 24);
        return;
      }
#endif
      for (int i = 0; i < kMax; ++i) {
        if (i < count) p[i] = static_cast<std::uint8_t>(v[i]);
      }
      return;
    }
  }
  (void)vector;
}

// Stores one group: values[i * kChannels + c] is pixel x0 + i, channel c (pixel-major).
template <int kChannels>
TESSERA_HD inline void store_group(const OutputSpec& out, int sample, int row, int x0, int count, const float* values) {
  const bool vector = out.vector_stores && count == kGroupPixels;
  if (out.order == OutputOrder::nhwc) {
    // The group's pixels are kGroupPixels * kChannels consecutive values.
    const std::int64_t base = ((static_cast<std::int64_t>(sample) * out.out_h + row) * out.out_w + x0) * kChannels;
    if (vector) {
      for (int k = 0; k < kChannels; ++k) {
        store_run<kGroupPixels>(out, base + k * kGroupPixels, values + k * kGroupPixels, kGroupPixels, true);
      }
    } else {
      store_run<kGroupPixels * kChannels>(out, base, values, count * kChannels, false);
    }
    return;
  }
  for (int c = 0; c < kChannels; ++c) {
    float plane[kGroupPixels];
    for (int i = 0; i < kGroupPixels; ++i) plane[i] = values[i * kChannels + c];
    const std::int64_t base = ((static_cast<std::int64_t>(sample) * kChannels + c) * out.out_h + row) * out.out_w + x0;
    store_run<kGroupPixels>(out, base, plane, count, vector);
  }
}

}  // namespace tessera::ops::detail
