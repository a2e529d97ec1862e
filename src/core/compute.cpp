#include "tessera/core/compute.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>

namespace tessera {

namespace {

bool uses_bf16(config::Precision precision, bool cuda) {
  switch (precision) {
    case config::Precision::automatic: return cuda;
    case config::Precision::fp32: return false;
    case config::Precision::bf16: return true;
  }
  return false;
}

bool uses_channels_last(config::MemoryFormat format, bool cuda) {
  switch (format) {
    case config::MemoryFormat::automatic: return cuda;
    case config::MemoryFormat::contiguous: return false;
    case config::MemoryFormat::channels_last: return true;
  }
  return false;
}

}  // namespace

ComputeSettings resolve_compute(const config::RuntimeConfig& runtime, const torch::Device& device) {
  ComputeSettings settings;
  settings.device = device;
  const bool cuda = device.is_cuda();
  settings.bf16 = uses_bf16(runtime.precision, cuda);
  settings.channels_last = uses_channels_last(runtime.memory_format, cuda);
  if (cuda) {
    auto& context = at::globalContext();
    context.setBenchmarkCuDNN(runtime.cudnn_benchmark);
    context.setAllowTF32CuBLAS(runtime.tf32);
    context.setAllowTF32CuDNN(runtime.tf32);
  }
  return settings;
}

std::string describe_compute(const ComputeSettings& settings) {
  std::string text = settings.bf16 ? "bf16 autocast" : "fp32";
  text += settings.channels_last ? ", channels_last" : ", contiguous";
  if (settings.device.is_cuda()) {
    const auto& context = at::globalContext();
    if (context.benchmarkCuDNN()) text += ", cudnn benchmark";
    if (context.allowTF32CuBLAS()) text += ", tf32";
  }
  return text;
}

void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 4) parameter.set_data(parameter.data().contiguous(at::MemoryFormat::ChannelsLast));
  }
  for (auto& buffer : module.buffers()) {
    if (buffer.dim() == 4) buffer.set_data(buffer.data().contiguous(at::MemoryFormat::ChannelsLast));
  }
}

AutocastScope::AutocastScope(const ComputeSettings& settings)
    : active_(settings.bf16), type_(settings.device.type()) {
  if (!active_) return;
  previous_enabled_ = at::autocast::is_autocast_enabled(type_);
  previous_dtype_ = at::autocast::get_autocast_dtype(type_);
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(type_, previous_enabled_);
  at::autocast::set_autocast_dtype(type_, previous_dtype_);
}

}  // namespace tessera
