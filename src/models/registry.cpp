#include "tessera/models/registry.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/models/resnet.h"
#include "tessera/models/simple_cnn.h"

namespace tessera::models {
namespace {

using Factory = std::function<std::shared_ptr<Network>(const ModelSpec&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> entries = {
      {"simple_cnn",
       [](const ModelSpec& s) -> std::shared_ptr<Network> {
         return SimpleCnn(SimpleCnnOptions(s.num_classes)
                              .in_channels(s.in_channels)
                              .width(s.width)
                              .dropout(s.dropout))
             .ptr();
       }},
      {"resnet18", [](const ModelSpec& s) -> std::shared_ptr<Network> {
         return resnet18(s.num_classes, s.in_channels).ptr();
       }},
      {"resnet34", [](const ModelSpec& s) -> std::shared_ptr<Network> {
         return resnet34(s.num_classes, s.in_channels).ptr();
       }},
      {"resnet50", [](const ModelSpec& s) -> std::shared_ptr<Network> {
         return resnet50(s.num_classes, s.in_channels).ptr();
       }},
  };
  return entries;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

std::shared_ptr<Network> create_model(const ModelSpec& spec) {
  for (const auto& [name, factory] : registry())
    if (name == spec.name) return factory(spec);

  std::string known, suggestion;
  std::size_t best = 3;  // suggest only close names (typos), not anything at all
  for (const auto& [name, factory] : registry()) {
    known += (known.empty() ? "" : ", ") + name;
    const auto d = edit_distance(spec.name, name);
    if (d < best) best = d, suggestion = name;
  }
  std::string message = "unknown model '" + spec.name + "' (known: " + known + ")";
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  throw UserError(message);
}

}  // namespace tessera::models
