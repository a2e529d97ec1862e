#pragma once
#include <cstdint>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

struct ModelConfig {
  std::string name = "simple_cnn";   // simple_cnn | resnet18 | resnet34 | resnet50
  std::int64_t num_classes = 0;      // 0 = the number of classes found in the training data
  int width = 32;                    // simple_cnn base channel count
  double dropout = 0.0;              // before the classifier (simple_cnn)
  std::string weights;               // optional safetensors with torchvision names to start from;
                                     // tensors whose shape differs (e.g. fc) are skipped

  template <class V>
  void visit(V& v) {
    v.field("name", name);
    v.field("num_classes", num_classes);
    v.field("width", width);
    v.field("dropout", dropout);
    v.field("weights", weights);
  }
  void validate(const SectionChecker& c) const {
    c.one_of("name", name, {"simple_cnn", "resnet18", "resnet34", "resnet50"});
    c.non_negative("num_classes", static_cast<double>(num_classes));
    c.positive("width", width);
    c.in_range("dropout", dropout, 0.0, 0.99);
  }
};

}  // namespace tessera::config
