#include "tessera/models/registry.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "tessera/core/config/model.h"
#include "tessera/core/error.h"
#include "tessera/models/resnet.h"
#include "tessera/models/simple_cnn.h"

namespace tessera::models {
namespace {

using config::ModelName;

// nullptr for a name that is not an image model (gpt).
std::shared_ptr<Network> build(ModelName name, const ModelSpec& s) {
  switch (name) {
    case ModelName::simple_cnn:
      return SimpleCnn(SimpleCnnOptions(s.num_classes).in_channels(s.in_channels).width(s.width).dropout(s.dropout))
          .ptr();
    case ModelName::resnet18: return resnet18(s.num_classes, s.in_channels).ptr();
    case ModelName::resnet34: return resnet34(s.num_classes, s.in_channels).ptr();
    case ModelName::resnet50: return resnet50(s.num_classes, s.in_channels).ptr();
    case ModelName::gpt: return nullptr;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> names = config::choice_names<ModelName>();
  std::erase(names, config::to_string(ModelName::gpt));
  return names;
}

std::shared_ptr<Network> create_model(const ModelSpec& spec) {
  if (const auto name = config::choice_named<ModelName>(spec.name)) {
    if (auto network = build(*name, spec)) return network;
  }
  const std::vector<std::string> known_names = model_names();
  std::string known;
  for (const auto& name : known_names) known += (known.empty() ? "" : ", ") + name;
  const std::string suggestion = config::closest_match(spec.name, known_names);
  std::string message = "unknown model '" + spec.name + "' (known: " + known + ")";
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  throw UserError(message);
}

}  // namespace tessera::models
