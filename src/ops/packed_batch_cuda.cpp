// Host side of the CUDA path shared by both operators: the output descriptor. The per-sample
// descriptors are built in pinned memory, copied asynchronously on torch's current stream, then
// one kernel launch on that same stream (the copy and the kernel are ordered by the stream; the
// caching host allocator keeps the pinned block alive until the copy has run).
#include "packed_batch_cuda.h"

namespace tessera::ops::cuda {

detail::OutputSpec output_spec(torch::Tensor& out) {
  detail::OutputSpec spec;
  spec.data = out.data_ptr();
  spec.batch = static_cast<int>(out.size(0));
  spec.channels = static_cast<int>(out.size(1));
  spec.out_h = static_cast<int>(out.size(2));
  spec.out_w = static_cast<int>(out.size(3));
  switch (out.scalar_type()) {
    case torch::kBFloat16: spec.type = detail::OutputType::bf16; break;
    case torch::kUInt8: spec.type = detail::OutputType::u8; break;
    default: spec.type = detail::OutputType::f32; break;
  }
  // packed::allocate_output allocates contiguous NCHW or channels_last. A tensor that is both (one
  // channel, or 1x1 planes) puts every element at the same address in either order.
  if (out.is_contiguous()) {
    spec.order = detail::OutputOrder::nchw;
  } else {
    TORCH_INTERNAL_ASSERT(out.is_contiguous(torch::MemoryFormat::ChannelsLast), "output must be NCHW or channels_last");
    spec.order = detail::OutputOrder::nhwc;
  }
  const bool aligned = reinterpret_cast<std::uintptr_t>(spec.data) % 16 == 0;
  spec.vector_stores = aligned && spec.out_w % detail::kGroupPixels == 0 ? 1 : 0;
  return spec;
}

}  // namespace tessera::ops::cuda
