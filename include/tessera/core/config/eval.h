#pragma once
#include "tessera/core/config/reader.h"

namespace tessera::config {

struct EvalConfig {
  int batch_size = 256;
  int top_k = 5;
  bool cuda_graphs = false;  // replay the forward pass as a CUDA graph (full batches, CUDA only)

  template <class V>
  void visit(V& v) {
    v.field("batch_size", batch_size);
    v.field("top_k", top_k);
    v.field("cuda_graphs", cuda_graphs);
  }
  void validate(const SectionChecker& c) const {
    c.positive("batch_size", batch_size);
    c.positive("top_k", top_k);
  }
};

}  // namespace tessera::config
