// The choices the config accepts and README's config reference agree: every name of every choice
// key (found through the config's own field lists) appears in that key's comment in README.
#include "tessera/core/config/choice_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace tessera::config {
namespace {

// README's config reference: the ```yaml block after "## Config reference".
std::vector<std::string> config_reference_lines() {
  std::ifstream in(std::filesystem::path(TESSERA_SOURCE_DIR) / "README.md");
  std::vector<std::string> lines;
  bool section = false, block = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) section = line == "## Config reference";
    if (!section) continue;
    if (line.starts_with("```")) {
      if (block) break;
      block = line == "```yaml";
      continue;
    }
    if (block) lines.push_back(line);
  }
  return lines;
}

// The documentation of `path` ("section.key"): the key's line and the comment lines under it.
std::string documentation_of(const std::vector<std::string>& lines, const std::string& path) {
  const std::string section = path.substr(0, path.find('.')), key = path.substr(path.find('.') + 1);
  bool in_section = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (!line.empty() && line[0] != ' ') in_section = line.starts_with(section + ":");
    if (!in_section || !line.starts_with("  " + key + ":")) continue;
    std::string text = line;
    for (std::size_t j = i + 1; j < lines.size() && std::regex_search(lines[j], std::regex("^ +#")); ++j) {
      text += "\n" + lines[j];
    }
    return text;
  }
  return "";
}

TEST(ChoiceKeys, TheConfigsChoicesAreFoundThroughItsFieldLists) {
  const std::vector<ChoiceKey> keys = choice_keys();
  EXPECT_GE(keys.size(), 18u);
  bool precision = false;
  for (const auto& key : keys) {
    if (key.path == "runtime.precision") {
      precision = true;
      EXPECT_EQ(key.names, (std::vector<std::string>{"auto", "fp32", "bf16"}));
    }
  }
  EXPECT_TRUE(precision);
}

TEST(ChoiceKeys, ReadmeDocumentsEveryNameOfEveryChoice) {
  const std::vector<std::string> lines = config_reference_lines();
  ASSERT_GT(lines.size(), 50u) << "README.md: no ```yaml block under ## Config reference";
  for (const auto& key : choice_keys()) {
    const std::string text = documentation_of(lines, key.path);
    ASSERT_FALSE(text.empty()) << key.path << " is not in README's config reference";
    for (const auto& name : key.names) {
      EXPECT_TRUE(std::regex_search(text, std::regex("(^|[^a-z_])" + name + "([^a-z_]|$)")))
          << key.path << ": README does not name the choice '" << name << "':\n"
          << text;
    }
  }
}

}  // namespace
}  // namespace tessera::config
