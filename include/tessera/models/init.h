#pragma once
#include <torch/nn/module.h>

namespace tessera::models {

// torchvision's initialisation for conv nets: Kaiming normal (fan_out, ReLU) for every Conv2d,
// BatchNorm2d as the identity (weight 1, bias 0); Linear layers keep their default init.
void init_conv_bn(torch::nn::Module& module);

}  // namespace tessera::models
