#pragma once
#include <cstdint>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

// Every model a config can name: gpt is the language model (tasks/language_model.h), the others
// classify images through models/registry.h, which builds them from this table.
enum class ModelName { simple_cnn, resnet18, resnet34, resnet50, gpt };
template <>
struct ChoiceTable<ModelName> {
  static constexpr ChoiceName<ModelName> names[] = {{ModelName::simple_cnn, "simple_cnn"},
                                                    {ModelName::resnet18, "resnet18"},
                                                    {ModelName::resnet34, "resnet34"},
                                                    {ModelName::resnet50, "resnet50"},
                                                    {ModelName::gpt, "gpt"}};
};

struct ModelConfig {
  ModelName name = ModelName::simple_cnn;
  std::int64_t num_classes = 0;      // 0 = the number of classes found in the training data
  int width = 32;                    // simple_cnn base channel count
  double dropout = 0.0;              // before the classifier (simple_cnn); attention, residual and
                                     // embedding dropout (gpt)
  std::string init_weights;          // optional safetensors in torchvision's layout to fine-tune from
                                     // (models/init_weights.h): all tensors must fit except the
                                     // classifier, replaced when num_classes differs
  // gpt (models/gpt.h): a window of `context` tokens predicts the next token at every position.
  std::int64_t context = 64;
  std::int64_t n_layer = 4;
  std::int64_t n_head = 4;
  std::int64_t n_embd = 128;         // a multiple of n_head
  bool bias = true;                  // biases in the linear layers and LayerNorms
  bool tie_embeddings = true;        // output projection = token embedding (one tensor)

  template <class V>
  void visit(V& v) {
    v.field("name", name);
    v.field("num_classes", num_classes, Applies::image_classification);
    v.field("width", width, Applies::image_classification);
    v.field("dropout", dropout);
    v.field("init_weights", init_weights, Applies::image_classification);
    v.renamed("weights", "init_weights", init_weights);  // older run directories say `weights`
    v.field("context", context, Applies::language_model);
    v.field("n_layer", n_layer, Applies::language_model);
    v.field("n_head", n_head, Applies::language_model);
    v.field("n_embd", n_embd, Applies::language_model);
    v.field("bias", bias, Applies::language_model);
    v.field("tie_embeddings", tie_embeddings, Applies::language_model);
  }
  void validate(const SectionChecker& c) const {
    c.non_negative("num_classes", static_cast<double>(num_classes));
    c.positive("width", width);
    c.in_range("dropout", dropout, 0.0, 0.99);
    c.positive("context", static_cast<double>(context));
    c.positive("n_layer", static_cast<double>(n_layer));
    c.positive("n_head", static_cast<double>(n_head));
    c.positive("n_embd", static_cast<double>(n_embd));
    if (n_embd % n_head != 0) {
      c.fail("n_embd", "must be a multiple of n_head (" + std::to_string(n_head) + "), got " + std::to_string(n_embd));
    }
  }
};

}  // namespace tessera::config
