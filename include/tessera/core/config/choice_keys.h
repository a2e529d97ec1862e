#pragma once
// Every config key whose value is a choice (core/config/choice.h), with its names, found by walking
// ExperimentConfig's own field lists: what documentation and its test check against, so a name
// added to a table cannot go undocumented.
#include <string>
#include <vector>

namespace tessera::config {

struct ChoiceKey {
  std::string path;                // "runtime.precision"
  std::vector<std::string> names;  // in the table's order
};

std::vector<ChoiceKey> choice_keys();

}  // namespace tessera::config
