#include "packed_batch_checks.h"

#include <climits>
#include <stdexcept>
#include <string>

namespace tessera::ops {

bool cuda_kernels_built() {
#ifdef TESSERA_WITH_CUDA
  return true;
#else
  return false;
#endif
}

namespace packed {

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

namespace {

std::string size_text(int height, int width) { return std::to_string(height) + "x" + std::to_string(width); }

}  // namespace

void check_values(const PackedBatch& batch, torch::ScalarType dtype, const char* op) {
  const torch::Tensor& values = batch.values;
  if (!values.defined()) fail(op, "batch.values is an undefined tensor");
  if (values.dim() != 1) fail(op, "batch.values must be 1-D, got " + std::to_string(values.dim()) + " dimensions");
  if (values.scalar_type() != dtype) {
    fail(op,
         std::string("batch.values must be ") + c10::toString(dtype) + ", got " + c10::toString(values.scalar_type()));
  }
  if (!values.is_contiguous()) fail(op, "batch.values must be contiguous");
  if (!values.is_cpu() && !values.is_cuda()) {
    fail(op, "batch.values must be on the CPU or a CUDA device, got " + values.device().str());
  }
  if (batch.sources.size() > static_cast<std::size_t>(INT_MAX)) fail(op, "too many sources in one batch");
}

// Every source must lie wholly inside the buffer: the kernel reads without bounds checks.
void check_sources(const PackedBatch& batch, const char* op) {
  const std::int64_t total = batch.values.numel();
  for (std::size_t i = 0; i < batch.sources.size(); ++i) {
    const PackedSource& s = batch.sources[i];
    const std::string name = "source " + std::to_string(i);
    if (s.height <= 0 || s.width <= 0) fail(op, name + " has a non-positive size " + size_text(s.height, s.width));
    if (s.offset < 0 || s.offset > total) {
      fail(op, name + " starts at offset " + std::to_string(s.offset) + ", outside the packed buffer of " +
                   std::to_string(total) + " values");
    }
    // height * width * channels <= total - offset, without overflowing the product.
    const std::int64_t available = (total - s.offset) / batch.channels;
    if (static_cast<std::int64_t>(s.height) * s.width > available) {
      fail(op, name + " (" + size_text(s.height, s.width) + "x" + std::to_string(batch.channels) + " at offset " +
                   std::to_string(s.offset) + ") runs past the end of the packed buffer of " + std::to_string(total) +
                   " values");
    }
  }
}

void check_count(std::size_t got, std::size_t sources, const char* what, const char* op) {
  if (got != sources) {
    fail(op,
         std::string("need one ") + what + " per source (" + std::to_string(sources) + "), got " + std::to_string(got));
  }
}

void check_geometry(int resize_h, int resize_w, int out_h, int out_w, const char* op) {
  if (out_h <= 0 || out_w <= 0 || resize_h < 0 || resize_w < 0) {
    fail(op, "output size must be positive and resize size >= 0, got out " + size_text(out_h, out_w) + ", resize " +
                 size_text(resize_h, resize_w));
  }
}

void check_format(const OutputFormat& format, const char* op) {
  if (format.dtype != torch::kFloat32 && format.dtype != torch::kBFloat16 && format.dtype != torch::kUInt8) {
    fail(op, std::string("output dtype must be Float, BFloat16 or Byte, got ") + c10::toString(format.dtype));
  }
  if (format.layout != Layout::nchw && format.layout != Layout::nhwc) {
    fail(op, "unknown output layout " + std::to_string(static_cast<int>(format.layout)));
  }
}

void check_kernels_for(const PackedBatch& batch, const char* op) {
  if (batch.values.is_cuda() && !cuda_kernels_built()) {
    throw std::runtime_error(std::string(op) +
                             ": batch.values is a CUDA tensor but this build has no CUDA kernels "
                             "(TESSERA_WITH_CUDA=OFF); rebuild with -DTESSERA_WITH_CUDA=ON or pass a CPU tensor");
  }
}

torch::Tensor allocate_output(std::size_t batch, int channels, int out_h, int out_w, const OutputFormat& format,
                              const torch::Device& device) {
  const auto memory_format =
      format.layout == Layout::nhwc ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  return torch::empty({static_cast<std::int64_t>(batch), channels, out_h, out_w},
                      torch::TensorOptions().dtype(format.dtype).device(device).memory_format(memory_format));
}

}  // namespace packed
}  // namespace tessera::ops
