// Fuzz target: the YAML config parser with validation (tessera::config::parse_config).
//
// Feeds: the input as the text of a config file. Lines at its start of the form
// "#--set key.path=value" (YAML comments, so a seed stays a valid config) are also passed as
// --set overrides, which go through the same parser.
// Expected: an ExperimentConfig, or tessera::config::ConfigError (a UserError) naming the file,
// line and key. Checked: a config that parses is written as the resolved config (to_yaml) and
// read back, and that gives the same YAML again: a run directory's config.yaml must always
// reopen (eval and infer read nothing else).
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"

namespace {

std::vector<std::string> leading_overrides(std::string_view text) {
  std::vector<std::string> overrides;
  constexpr std::string_view kPrefix = "#--set ";
  while (text.starts_with(kPrefix) && overrides.size() < 8) {
    const std::size_t end = text.find('\n');
    overrides.emplace_back(text.substr(kPrefix.size(), end == std::string_view::npos ? std::string_view::npos
                                                                                        : end - kPrefix.size()));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return overrides;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(tessera::fuzz::as_text(data, size));
  tessera::config::ExperimentConfig config;
  try {
    config = tessera::config::parse_config(text, "fuzz.yaml", leading_overrides(text));
  } catch (const tessera::UserError&) {
    return 0;  // documented: ConfigError with a location
  }
  const std::string resolved = tessera::config::to_yaml(config);
  std::string again;
  try {
    again = tessera::config::to_yaml(tessera::config::parse_config(resolved, "resolved.yaml"));
  } catch (const tessera::UserError& e) {
    FUZZ_CHECK(false, std::string("the resolved config does not parse back: ") + e.what() + "\n--- resolved:\n" + resolved);
  }
  FUZZ_CHECK(again == resolved, "the resolved config changes when read back\n--- first:\n" + resolved +
                                    "--- second:\n" + again);
  return 0;
}
