#pragma once
// Internal: the CUDA halves of preprocess_images / preprocess_medical (batch_preprocess_cuda.cpp,
// built only with TESSERA_WITH_CUDA). batch_preprocess.cpp validates the arguments and allocates
// `out` on the device of batch.values with the requested dtype and layout; these functions fill
// it with one kernel launch on torch's current stream.
#include <torch/types.h>

#include <vector>

#include "tessera/ops/batch_preprocess.h"

namespace tessera::ops::cuda {

void preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                       const std::vector<SampleParams>& params, torch::Tensor& out);

void preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                        const std::vector<MedicalIntensity>& intensities, const std::vector<SampleParams>& params,
                        torch::Tensor& out);

}  // namespace tessera::ops::cuda
