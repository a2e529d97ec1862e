#include "tessera/core/device.h"

#include <algorithm>

#include <torch/cuda.h>
#include <torch/utils.h>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"

namespace tessera {

torch::Device resolve_device(const std::string& spec) {
  const bool cuda_available = torch::cuda::is_available();
  if (spec == "auto") return cuda_available ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "cuda" || spec.starts_with("cuda:")) {
    if (!cuda_available) {
      throw UserError("runtime.device is '" + spec + "' but no CUDA device is available on this machine "
                      "(use --set runtime.device=cpu or auto)");
    }
    const int index = spec == "cuda" ? 0 : std::stoi(spec.substr(5));
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (index >= count) {
      throw UserError("runtime.device is '" + spec + "' but only " + std::to_string(count) + " CUDA device(s) exist");
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UserError("unknown device '" + spec + "' (expected auto, cpu, cuda or cuda:N)");
}

void apply_runtime(const config::RuntimeConfig& runtime) {
  if (runtime.threads > 0) torch::set_num_threads(runtime.threads);
  torch::manual_seed(runtime.seed);
}

std::string describe_device(const torch::Device& device) {
  if (device.is_cpu()) return "cpu (" + std::to_string(torch::get_num_threads()) + " threads)";
  return device.str();
}

UserError out_of_memory_error(const std::exception& error, const torch::Device& device, std::int64_t batch_size,
                              const std::string& batch_key) {
  std::string torch_said = error.what();
  if (const auto newline = torch_said.find('\n'); newline != std::string::npos) torch_said.resize(newline);
  const std::int64_t smaller = std::max<std::int64_t>(1, batch_size / 2);
  return UserError("out of memory on " + device.str() + " with " + batch_key + " " + std::to_string(batch_size) +
                   ": set --set " + batch_key + "=" + std::to_string(smaller) +
                   " (or runtime.precision bf16 on a GPU) and run again; torch said: " + torch_said);
}

}  // namespace tessera
