#include "vocab_file.h"

#include <nlohmann/json.hpp>

#include "tessera/core/error.h"

namespace tessera::text::detail {
namespace {

using nlohmann::json;

// Compact JSON of one value; strings keep their UTF-8 as is (only controls are escaped).
std::string compact(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::strict); }

template <typename Items, typename Format>
void write_array(std::string& out, std::string_view key, const Items& items, Format format, bool last) {
  out += "  \"" + std::string(key) + "\": [";
  if (items.empty()) {
    out += "]";
  } else {
    out += "\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
      out += "    " + format(items[i]) + (i + 1 < items.size() ? ",\n" : "\n");
    }
    out += "  ]";
  }
  out += last ? "\n" : ",\n";
}

const json& require(const json& root, const char* key, json::value_t type, const char* type_name,
                    const std::string& source) {
  const auto it = root.find(key);
  if (it == root.end()) throw_bad_vocab(source, std::string("key \"") + key + "\" is missing");
  const bool ok = it->type() == type ||
                  (type == json::value_t::number_integer && it->type() == json::value_t::number_unsigned);
  if (!ok) throw_bad_vocab(source, std::string("key \"") + key + "\" must be " + type_name);
  return *it;
}

std::string require_string(const json& root, const char* key, const std::string& source) {
  return require(root, key, json::value_t::string, "a string", source).get<std::string>();
}

std::int64_t require_integer(const json& root, const char* key, const std::string& source) {
  return require(root, key, json::value_t::number_integer, "an integer", source).get<std::int64_t>();
}

}  // namespace

void throw_bad_vocab(const std::string& source, const std::string& problem) {
  throw UserError("bad tokenizer file " + source + ": " + problem);
}

std::string write_vocab_json(const VocabFile& file) {
  std::string out = "{\n";
  out += "  \"format\": " + compact(std::string(kVocabFormat)) + ",\n";
  out += "  \"format_version\": " + std::to_string(kVocabFormatVersion) + ",\n";
  out += "  \"type\": " + compact(file.type) + ",\n";
  out += "  \"normalization\": " + compact(std::string(to_string(file.policy.normalization))) + ",\n";
  out += "  \"malformed_utf8\": " + compact(std::string(to_string(file.policy.malformed))) + ",\n";
  if (file.unknown_characters) out += "  \"unknown_characters\": " + compact(*file.unknown_characters) + ",\n";
  out += "  \"vocab_size\": " + std::to_string(file.tokens.size()) + ",\n";
  write_array(out, "special_tokens", file.special_tokens, [](const SpecialTokenEntry& s) {
    std::string line = "{\"id\": ";
    line += std::to_string(s.id);
    line += ", \"role\": " + compact(s.role) + ", \"text\": " + compact(s.text) + "}";
    return line;
  }, false);
  if (file.merges) {
    write_array(out, "merges", *file.merges, [](const std::array<std::int32_t, 2>& m) {
      std::string line = "[";  // built step by step: GCC 12 warns falsely on "[" + std::string&&
      line += std::to_string(m[0]);
      line += ", ";
      line += std::to_string(m[1]);
      line += "]";
      return line;
    }, false);
  }
  write_array(out, "tokens", file.tokens, [](const std::string& t) { return compact(t); }, true);
  out += "}\n";
  return out;
}

VocabFile parse_vocab_json(std::string_view content, const std::string& source) {
  json root;
  try {
    root = json::parse(content);
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number too large for a double (fuzz/tokenizer_load).
    // nlohmann's message says where ("at line 3, column 5") and what it read.
    throw_bad_vocab(source, std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) throw_bad_vocab(source, "the top level must be a JSON object");

  const std::string format = require_string(root, "format", source);
  if (format != kVocabFormat) {
    throw_bad_vocab(source, "\"format\" is \"" + format + "\", expected \"" + std::string(kVocabFormat) + "\"");
  }
  const std::int64_t version = require_integer(root, "format_version", source);
  if (version != kVocabFormatVersion) {
    throw_bad_vocab(source, "format_version " + std::to_string(version) + " is not supported (this build reads " +
                                std::to_string(kVocabFormatVersion) + ")");
  }

  VocabFile file;
  file.type = require_string(root, "type", source);
  const std::string normalization = require_string(root, "normalization", source);
  const auto form = parse_normalization(normalization);
  if (!form) throw_bad_vocab(source, "unknown normalization \"" + normalization + "\" (nfc, none)");
  file.policy.normalization = *form;
  const std::string malformed = require_string(root, "malformed_utf8", source);
  const auto policy = parse_malformed_input(malformed);
  if (!policy) throw_bad_vocab(source, "unknown malformed_utf8 \"" + malformed + "\" (error, replace, keep_bytes)");
  file.policy.malformed = *policy;
  if (root.contains("unknown_characters")) file.unknown_characters = require_string(root, "unknown_characters", source);

  for (const json& t : require(root, "tokens", json::value_t::array, "an array", source)) {
    if (!t.is_string()) throw_bad_vocab(source, "token " + std::to_string(file.tokens.size()) + " is not a string");
    file.tokens.push_back(t.get<std::string>());
  }
  const std::int64_t vocab_size = require_integer(root, "vocab_size", source);
  if (vocab_size != static_cast<std::int64_t>(file.tokens.size())) {
    throw_bad_vocab(source, "vocab_size is " + std::to_string(vocab_size) + " but \"tokens\" holds " +
                                std::to_string(file.tokens.size()));
  }

  for (const json& s : require(root, "special_tokens", json::value_t::array, "an array", source)) {
    if (!s.is_object()) throw_bad_vocab(source, "each special token must be an object {id, role, text}");
    SpecialTokenEntry entry;
    entry.id = static_cast<std::int32_t>(require_integer(s, "id", source));
    entry.role = require_string(s, "role", source);
    entry.text = require_string(s, "text", source);
    if (entry.id < 0 || entry.id >= vocab_size) {
      throw_bad_vocab(source, "special token \"" + entry.role + "\" has id " + std::to_string(entry.id) +
                                  ", outside [0, " + std::to_string(vocab_size) + ")");
    }
    if (file.tokens[entry.id] != entry.text) {
      throw_bad_vocab(source, "special token \"" + entry.role + "\" is \"" + entry.text + "\" but token " +
                                  std::to_string(entry.id) + " is \"" + file.tokens[entry.id] + "\"");
    }
    file.special_tokens.push_back(std::move(entry));
  }

  if (root.contains("merges")) {
    std::vector<std::array<std::int32_t, 2>> merges;
    for (const json& m : require(root, "merges", json::value_t::array, "an array", source)) {
      if (!m.is_array() || m.size() != 2 || !m[0].is_number_integer() || !m[1].is_number_integer()) {
        throw_bad_vocab(source, "merge " + std::to_string(merges.size()) + " must be a pair of token ids [a, b]");
      }
      merges.push_back({m[0].get<std::int32_t>(), m[1].get<std::int32_t>()});
    }
    file.merges = std::move(merges);
  }
  return file;
}

std::int32_t special_id(const VocabFile& file, std::string_view role, const std::string& source) {
  for (const SpecialTokenEntry& s : file.special_tokens) {
    if (s.role == role) return s.id;
  }
  throw_bad_vocab(source, "no special token with role \"" + std::string(role) + "\"");
}

}  // namespace tessera::text::detail
