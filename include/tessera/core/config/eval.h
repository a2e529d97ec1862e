#pragma once
#include "tessera/core/config/reader.h"

namespace tessera::config {

struct EvalConfig {
  int batch_size = 256;
  int top_k = 5;

  template <class V>
  void visit(V& v) {
    v.field("batch_size", batch_size);
    v.field("top_k", top_k);
  }
  void validate(const SectionChecker& c) const {
    c.positive("batch_size", batch_size);
    c.positive("top_k", top_k);
  }
};

}  // namespace tessera::config
