#pragma once
// Host side: the kernels' per-sample descriptors and per-batch normalisation, built from the
// public API's types. Shared by the CUDA launchers (src/ops/preprocess_*_cuda.cpp) and the tests
// that replay the kernel bodies on the CPU, so those tests exercise exactly what the GPU receives.
// Not for .cu files: the public headers bring in torch.
#include "tessera/ops/detail/preprocess_images_kernel.h"
#include "tessera/ops/detail/preprocess_medical_kernel.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::ops::detail {

inline SampleGeometry sample_geometry(const PackedSource& source, int resize_h, int resize_w,
                                      const SampleParams& params) {
  SampleGeometry g;
  g.offset = source.offset;
  g.src_h = source.height;
  g.src_w = source.width;
  g.resized_h = resize_h > 0 ? resize_h : source.height;
  g.resized_w = resize_w > 0 ? resize_w : source.width;
  g.crop_y = params.crop_y;
  g.crop_x = params.crop_x;
  g.flip = params.flip ? 1 : 0;
  return g;
}

inline MedicalSample medical_sample(const PackedSource& source, const MedicalPreprocessSpec& spec,
                                    const MedicalIntensity& intensity, const SampleParams& params) {
  MedicalSample s;
  s.geometry = sample_geometry(source, spec.resize_h, spec.resize_w, params);
  s.bits_stored = intensity.bits_stored;
  s.is_signed = intensity.is_signed ? 1 : 0;
  s.slope = intensity.slope;
  s.intercept = intensity.intercept;
  s.window_center = intensity.window_center;
  s.window_width = intensity.window_width;
  s.function = intensity.function;
  s.invert = intensity.invert ? 1 : 0;
  return s;
}

// (x/255 - mean)/std as x*scale + bias, the same form as preprocess_images_reference; u8 output skips it.
inline void set_normalisation(ImageBatchParams& params, const ImagePreprocessSpec& spec, int channels) {
  if (params.out.type == OutputType::u8) return;
  for (int c = 0; c < channels; ++c) {
    params.scale[c] = 1.0f / (255.0f * spec.std[c]);
    params.bias[c] = -spec.mean[c] / spec.std[c];
  }
}

}  // namespace tessera::ops::detail
