#pragma once
// Gradient clipping by global L2 norm that never waits for the GPU.
#include <torch/nn/module.h>

namespace tessera::train {

// Scales the gradients of `module` so their global L2 norm is at most `max_norm`, as
// torch.nn.utils.clip_grad_norm_ does. torch's C++ version returns the norm as a double and so
// synchronises with the GPU on every step; this one keeps everything on the device and returns
// the norm before clipping as a 0-d float tensor (undefined when no parameter has a gradient).
torch::Tensor clip_grad_norm(torch::nn::Module& module, double max_norm);

}  // namespace tessera::train
