#pragma once
// Device choice and process-wide runtime settings (threads, seed) from the runtime section.
#include <torch/types.h>

#include <cstdint>
#include <exception>
#include <string>

#include "tessera/core/config/runtime.h"
#include "tessera/core/error.h"

namespace tessera {

// "auto" -> CUDA device 0 when one is usable, else CPU; "cuda" / "cuda:N" where no such device
// exists is a UserError (the user asked for something this machine cannot do).
torch::Device resolve_device(const std::string& spec);

// Applies threads (0 = leave torch's default, one per core) and seeds torch's generators.
void apply_runtime(const config::RuntimeConfig& runtime);

// One line naming the device, e.g. "cpu (2 threads)" or "cuda:0 (NVIDIA H100 80GB HBM3)".
std::string describe_device(const torch::Device& device);

// The UserError for a c10::OutOfMemoryError raised while running batches of `batch_size` (the
// config key `batch_key` sets it): the batch size, a smaller one to try and torch's own first
// line (how much it tried to allocate, how much the GPU holds), instead of a raw exception.
UserError out_of_memory_error(const std::exception& error, const torch::Device& device, std::int64_t batch_size,
                              const std::string& batch_key);

}  // namespace tessera
