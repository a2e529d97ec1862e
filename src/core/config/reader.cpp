#include "tessera/core/config/reader.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace tessera::config {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// "a.b.c" -> {"a", "b", "c"}
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  return parts;
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

SectionChecker::SectionChecker(const YAML::Node& node, std::string path, std::shared_ptr<const Source> source)
    : node_(node), path_(std::move(path)), source_(std::move(source)) {}

std::string SectionChecker::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::vector<std::string> window_names() {
  std::vector<std::string> names;
  for (const auto& window : kWindowNames) names.emplace_back(window.name);
  return names;
}

const char* applies_noun(Applies kind) {
  return kind == Applies::language_model ? "a language model" : "an image classifier";
}

namespace {

// The --set argument that gave `full` (or a key above or under it); nullptr when none did.
const std::string* override_of(const Source& source, const std::string& full) {
  for (const auto& [override_path, argument] : source.overrides) {
    if (full == override_path || full.starts_with(override_path + ".") || override_path.starts_with(full + ".")) {
      return &argument;
    }
  }
  return nullptr;
}

}  // namespace

bool SectionChecker::overridden(const std::string& key) const {
  return override_of(*source_, key_path(key)) != nullptr;
}

std::string SectionChecker::location(const std::string& key) const {
  if (const std::string* argument = override_of(*source_, key_path(key))) return "--set " + *argument;
  YAML::Mark mark = YAML::Mark::null_mark();
  if (node_.IsMap()) {
    for (const auto& entry : node_) {
      if (entry.first.Scalar() == key) {
        mark = entry.first.Mark();
        break;
      }
    }
  }
  if (mark.is_null()) mark = node_.Mark();
  if (mark.is_null()) return source_->file;
  return source_->file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void SectionChecker::fail(const std::string& key, const std::string& problem) const {
  throw ConfigError(location(key) + ": " + key_path(key) + ": " + problem);
}

void SectionChecker::fail_at(const YAML::Node& value, const std::string& key, const std::string& problem) const {
  const YAML::Mark mark = value.Mark();
  const std::string where = location(key);
  if (where.starts_with("--set") || mark.is_null()) fail(key, problem);
  throw ConfigError(source_->file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
                    ": " + key_path(key) + ": " + problem);
}

void SectionChecker::positive(const std::string& key, double value) const {
  if (!(value > 0)) fail(key, "must be > 0 (got " + format_number(value) + ")");
}

void SectionChecker::non_negative(const std::string& key, double value) const {
  if (!(value >= 0)) fail(key, "must be >= 0 (got " + format_number(value) + ")");
}

void SectionChecker::in_range(const std::string& key, double value, double low, double high) const {
  if (!(value >= low && value <= high)) {
    fail(key, "must be between " + format_number(low) + " and " + format_number(high) + " (got " +
                  format_number(value) + ")");
  }
}

void SectionChecker::one_of(const std::string& key, const std::string& value,
                            const std::vector<std::string>& allowed) const {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const auto& option : allowed) list += (list.empty() ? "" : ", ") + option;
  std::string message = "unknown value '" + value + "' (expected one of: " + list + ")";
  const std::string suggestion = closest_match(value, allowed);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  fail(key, message);
}

void SectionReader::reject_unknown_keys() const {
  if (!node_.IsMap()) return;
  const std::vector<std::string> known(seen_.begin(), seen_.end());
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (seen_.contains(key)) continue;
    std::string message = "unknown key";
    const std::string suggestion = closest_match(key, known);
    if (!suggestion.empty()) message += "; did you mean '" + key_path(suggestion) + "'?";
    fail(key, message);
  }
}

std::string SectionReader::describe(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

namespace {

// yaml-cpp keeps every pair of a map with a repeated key but looks up only the first, so a second
// `train:` section appended at the end would be silently ignored. Such a file is an error naming
// both lines.
void reject_duplicate_keys(const YAML::Node& node, const std::string& file_name, const std::string& path) {
  if (node.IsSequence()) {
    for (const auto& element : node) reject_duplicate_keys(element, file_name, path);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> first_line;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string key_path = path.empty() ? key : path + "." + key;
    const YAML::Mark mark = entry.first.Mark();
    const auto [earlier, inserted] = first_line.emplace(key, mark.line + 1);
    if (!inserted) {
      throw ConfigError(file_name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
                        key_path + ": duplicate key (first at line " + std::to_string(earlier->second) +
                        "); YAML would keep only the first");
    }
    reject_duplicate_keys(entry.second, file_name, key_path);
  }
}

}  // namespace

YAML::Node load_yaml(const std::string& text, const std::string& file_name,
                     const std::vector<std::string>& overrides, Source& source) {
  source.file = file_name;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw ConfigError(file_name + ":" + std::to_string(error.mark.line + 1) + ":" +
                      std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw ConfigError(file_name + ": expected a map of sections at the top level");
  reject_duplicate_keys(root, file_name, "");

  for (const auto& argument : overrides) {
    const auto equals = argument.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw ConfigError("--set " + argument + ": expected key.path=value, e.g. --set optim.lr=0.01");
    }
    const std::string path = argument.substr(0, equals);
    const std::string text_value = argument.substr(equals + 1);
    YAML::Node value;
    try {
      value = YAML::Load(text_value);
    } catch (const YAML::Exception&) {
      value = YAML::Node(text_value);  // not valid YAML: take it as a plain string
    }
    const auto parts = split_path(path);
    if (parts.empty() || std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
      throw ConfigError("--set " + argument + ": malformed key path '" + path + "'");
    }
    // Walk down, creating maps as needed. yaml-cpp nodes are handles, so assigning through
    // them edits the tree in place.
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next.IsDefined() || next.IsNull()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      }
      if (!next.IsMap()) {
        throw ConfigError("--set " + argument + ": '" + parts[i] + "' is not a section");
      }
      chain.push_back(next);
    }
    chain.back()[parts.back()] = value;
    source.overrides[path] = argument;
  }
  return root;
}

}  // namespace tessera::config
