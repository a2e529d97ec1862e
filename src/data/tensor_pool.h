#pragma once
// Batch tensors recycled by the loader (loader.cpp). A fresh float batch of 64 x 3 x 224 x 224
// (38 MB) comes from mmap as zero pages, and the kernel faults and zeroes every page when the
// workers first write it: on a 2-core machine that cost 30% of the JPEG loader's throughput
// (bench/RESULTS.md (l)). A tensor nobody else holds any more is handed out again instead.
// Pageable memory only: a pinned buffer may still be the source of an asynchronous copy to the
// GPU after its last tensor is gone, and LibTorch's caching host allocator already recycles those
// with the stream events that make it safe.
#include <torch/torch.h>

#include <cstddef>
#include <vector>

namespace tessera::data {

class TensorPool {
 public:
  explicit TensorPool(std::size_t capacity) : capacity_(capacity) {}

  // A float32 tensor of `sizes` (contents undefined): a pooled one that only the pool still
  // references, else a new one, which is pooled while there is room. Not thread-safe: the loader
  // calls it under its lock.
  torch::Tensor acquire(at::IntArrayRef sizes) {
    for (auto& kept : kept_) {
      // use_count 1 on the tensor and on its storage: no copy and no view of it is alive, so no
      // one can read it any more (references are only ever gained from the pool, under the lock).
      if (kept.use_count() == 1 && kept.storage().use_count() == 1 && kept.sizes() == sizes) return kept;
    }
    torch::Tensor fresh = torch::empty(sizes, torch::kFloat32);
    if (kept_.size() < capacity_) {
      kept_.push_back(fresh);
    } else {
      // Full of tensors of another size (the last, shorter batch) or all in use: replace one
      // that is free, so a change of size does not leave the pool useless.
      for (auto& kept : kept_) {
        if (kept.use_count() == 1 && kept.storage().use_count() == 1) {
          kept = fresh;
          break;
        }
      }
    }
    return fresh;
  }

 private:
  std::size_t capacity_;
  std::vector<torch::Tensor> kept_;
};

}  // namespace tessera::data
