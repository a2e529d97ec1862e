#pragma once
// How the maths runs on a device: mixed precision, memory format and the CUDA backend switches,
// resolved once from the runtime section so train, eval and infer all behave the same.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>

#include "tessera/core/config/runtime.h"

namespace tessera {

struct ComputeSettings {
  torch::Device device{torch::kCPU};
  bool bf16 = false;           // autocast to bfloat16 (forward and loss; weights and optimizer stay fp32)
  bool channels_last = false;  // 4-D weights and inputs in NHWC memory order (faster convolutions on CUDA)
};

// Resolves runtime.precision / memory_format ("auto": bf16 + channels_last on CUDA, fp32 +
// contiguous on the CPU) and applies runtime.cudnn_benchmark and runtime.tf32 to the process.
ComputeSettings resolve_compute(const config::RuntimeConfig& runtime, const torch::Device& device);

// One line for logs, e.g. "bf16 autocast, channels_last, cudnn benchmark, tf32".
std::string describe_compute(const ComputeSettings& settings);

// Converts every 4-D parameter and buffer of `module` to channels_last in place. (Module::to has
// no memory-format overload in C++; optimizer state created afterwards follows the parameters.)
void to_channels_last(torch::nn::Module& module);

// Bf16 autocast on the settings' device type for the lifetime of the scope; nothing when
// settings.bf16 is off. Restores the previous state and, when the outermost scope closes,
// clears autocast's cast cache (it otherwise grows without bound, pytorch#46649).
class AutocastScope {
 public:
  explicit AutocastScope(const ComputeSettings& settings);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType type_ = c10::DeviceType::CPU;
  bool previous_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::BFloat16;
};

}  // namespace tessera
