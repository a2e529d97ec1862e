#pragma once
// The one interface every image model in the registry implements, so the loops, tasks and
// predictors can hold any of them through a std::shared_ptr<Network>.
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace tessera::models {

// Images in (NCHW float), class logits out (N x num_classes).
struct Network : torch::nn::Module {
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

// What the registry needs to build a model. Mirrors the `model` config section.
struct ModelSpec {
  std::string name;
  std::int64_t num_classes = 10;
  std::int64_t in_channels = 3;
  std::int64_t width = 32;  // base channel count for simple_cnn; ignored by the resnets
  double dropout = 0.0;     // before the classifier (simple_cnn); ignored by the resnets
};

}  // namespace tessera::models
