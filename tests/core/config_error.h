#pragma once
// Shared by the config tests: the message a config fails with.
#include <string>
#include <vector>

#include "tessera/core/config/experiment.h"

namespace tessera::config::testing {

// The ConfigError message of parsing `yaml` with `overrides`, or "(no error)".
inline std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(yaml, "test.yaml", overrides);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace tessera::config::testing
