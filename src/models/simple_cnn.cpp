#include "tessera/models/simple_cnn.h"
#include "tessera/models/init.h"

#include "tessera/core/error.h"

namespace tessera::models {
namespace {

// conv3x3 (no bias: BN follows) -> BN -> ReLU.
void add_block(torch::nn::Sequential& seq, std::int64_t in, std::int64_t out) {
  seq->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  seq->push_back(torch::nn::BatchNorm2d(out));
  seq->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)));
}

}  // namespace

SimpleCnnImpl::SimpleCnnImpl(const SimpleCnnOptions& opts) : options(opts) {
  const auto w = options.width();
  if (options.num_classes() < 1 || options.in_channels() < 1 || w < 1)
    throw UserError("simple_cnn: num_classes, in_channels and width must be positive");
  if (options.dropout() < 0.0 || options.dropout() >= 1.0)
    throw UserError("simple_cnn: dropout must be in [0, 1)");

  // Pooling only between stages: a 20x20 input ends at 5x5, still enough for the last 3x3 conv
  // to see context, and the cost stays ~11 MMAC per 20x20 grey image at w = 32.
  features = torch::nn::Sequential();
  add_block(features, options.in_channels(), w);
  add_block(features, w, w);
  features->push_back(torch::nn::MaxPool2d(2));
  add_block(features, w, 2 * w);
  add_block(features, 2 * w, 2 * w);
  features->push_back(torch::nn::MaxPool2d(2));
  add_block(features, 2 * w, 4 * w);
  register_module("features", features);
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  fc = register_module("fc", torch::nn::Linear(4 * w, options.num_classes()));

  // Kaiming (fan_out, ReLU) for convs as torchvision does; BN starts as the identity.
  init_conv_bn(*this);
}

torch::Tensor SimpleCnnImpl::forward(torch::Tensor x) {
  x = features->forward(x);
  // Global average pooling makes the classifier independent of the input size.
  x = x.mean({2, 3});
  return fc->forward(dropout->forward(x));
}

}  // namespace tessera::models
