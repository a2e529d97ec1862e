#pragma once
// Typed, validated configuration from YAML.
//
// Each section is a plain struct that lists its fields once, in a `visit` member:
//
//   struct OptimConfig {
//     std::string name = "adamw";
//     double lr = 1e-3;
//     template <class V> void visit(V& v) { v.field("name", name); v.field("lr", lr); }
//     void validate(const SectionChecker& c) const { c.one_of("name", name, {"sgd", "adamw"}); c.positive("lr", lr); }
//   };
//
// The same field list drives reading (SectionReader: defaults kept for absent keys, unknown keys
// rejected with a "did you mean" suggestion, type errors with file:line:col and the key path) and
// writing the resolved config (SectionWriter). Nested structs with their own `visit` become
// nested YAML maps.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/core/config/choice.h"
#include "tessera/core/error.h"

namespace tessera::config {

// A configuration problem; the message already holds "<where>: <key.path>: <problem>".
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

// The task family a key or section applies to. model.name decides (gpt trains a language model,
// every other model classifies images); a key of the other family is an error naming it, and the
// resolved config (--dry-run, a run's config.yaml) leaves it out.
enum class Applies { image_classification, language_model };
// "an image classifier", "a language model"
const char* applies_noun(Applies kind);

// Where the YAML came from: the file name for messages, and which key paths were set on the
// command line (their errors point at "--set key=value" instead of a line in the file).
struct Source {
  std::string file;
  std::map<std::string, std::string> overrides;  // key path -> the --set argument
  // The family being read; unset (every key applies) when a section is read on its own.
  std::optional<Applies> kind;
  std::string model_name;  // the model.name that chose `kind`, for messages
  // A config a run directory saved: one written before keys were told apart by family holds the
  // other family's keys at their defaults, which are ignored (a --set of one is still an error).
  bool saved = false;
};

// Closest candidate by edit distance, or "" when nothing is close enough to suggest.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Checks values of one section, reporting errors at the key's location.
class SectionChecker {
 public:
  SectionChecker(const YAML::Node& node, std::string path, std::shared_ptr<const Source> source);

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  // Like fail(), but points at the offending value rather than its key.
  [[noreturn]] void fail_at(const YAML::Node& value, const std::string& key, const std::string& problem) const;
  std::string location(const std::string& key) const;  // "file:line:col" or "--set a.b=c"
  std::string key_path(const std::string& key) const;
  // Whether a --set argument gave `key` (or a key under it).
  bool overridden(const std::string& key) const;

  void positive(const std::string& key, double value) const;
  void non_negative(const std::string& key, double value) const;
  void in_range(const std::string& key, double value, double low, double high) const;
  void one_of(const std::string& key, const std::string& value, const std::vector<std::string>& allowed) const;

 protected:
  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const Source> source_;
};

// A height x width pair, written either as one number (square) or as [height, width].
struct Size2 {
  int height = 0;
  int width = 0;
  bool operator==(const Size2&) const = default;
};

// Per-class loss weights: "balanced" (inverse class frequency) or an explicit list.
struct ClassWeights {
  bool balanced = false;
  std::vector<double> values;
};

// The names data.window accepts, the one list of them (reading, messages, the loader's mapping):
// two modes (the file's own window; the image's min..max) and the CT presets with their
// {centre, width} in Hounsfield units (textbook values).
struct WindowName {
  std::string_view name;
  bool preset;  // false: a mode, centre and width unused
  double center, width;
};
inline constexpr WindowName kWindowNames[] = {{"file", false, 0.0, 0.0},      {"minmax", false, 0.0, 0.0},
                                              {"brain", true, 40.0, 80.0},    {"soft_tissue", true, 40.0, 400.0},
                                              {"abdomen", true, 40.0, 400.0}, {"lung", true, -600.0, 1500.0},
                                              {"bone", true, 400.0, 1800.0}};
std::vector<std::string> window_names();

// The intensity window for DICOM inputs: a name of kWindowNames, or an explicit [centre, width]
// (name empty).
struct Window {
  std::string name = "file";
  double center = 0.0, width = 0.0;  // explicit windows only
  bool is_explicit() const { return name.empty(); }
};

// A number of threads: an explicit count, or "auto" (the consumer picks from the machine, e.g.
// data.workers: data::auto_workers(), cores - 1). Saved as written, so a run directory's config
// stays "auto" on the next machine.
struct ThreadCount {
  bool automatic = false;
  int count = 0;  // explicit counts only
  bool operator==(const ThreadCount&) const = default;
};

namespace detail {
// Converts a scalar/sequence node; returns an empty string on success, else what was expected.
std::string convert(const YAML::Node& node, std::string& out);
std::string convert(const YAML::Node& node, bool& out);
std::string convert(const YAML::Node& node, int& out);
std::string convert(const YAML::Node& node, std::int64_t& out);
std::string convert(const YAML::Node& node, std::uint64_t& out);
std::string convert(const YAML::Node& node, double& out);
std::string convert(const YAML::Node& node, std::vector<double>& out);
std::string convert(const YAML::Node& node, std::vector<std::string>& out);
std::string convert(const YAML::Node& node, Size2& out);
std::string convert(const YAML::Node& node, ThreadCount& out);
std::string convert(const YAML::Node& node, ClassWeights& out);
std::string convert(const YAML::Node& node, Window& out);
void emit(YAML::Emitter& out, const Size2& value);
void emit(YAML::Emitter& out, const ClassWeights& value);
void emit(YAML::Emitter& out, const Window& value);
void emit(YAML::Emitter& out, const ThreadCount& value);
void emit(YAML::Emitter& out, const std::vector<double>& value);
void emit(YAML::Emitter& out, const std::vector<std::string>& value);
template <class T>
void emit(YAML::Emitter& out, const T& value) { out << value; }
template <Choice E>
void emit(YAML::Emitter& out, const E& value) {
  out << std::string(name_of(value));
}
}  // namespace detail

// Reads one YAML map into a struct through its `visit`.
class SectionReader : public SectionChecker {
 public:
  using SectionChecker::SectionChecker;

  template <class T>
  void field(const std::string& key, T& value) {
    seen_.insert(key);
    const YAML::Node child = node_[key];
    if (!child.IsDefined() || child.IsNull()) return;  // absent: keep the default
    if constexpr (requires { value.visit(*this); }) {
      read_section(child, key, value);
    } else if constexpr (Choice<T>) {
      read_choice(child, key, value);
    } else {
      const std::string expected = detail::convert(child, value);
      if (!expected.empty()) fail_at(child, key, "expected " + expected + ", got '" + describe(child) + "'");
    }
  }

  // A key or section that applies to one task family only (see Applies).
  template <class T>
  void field(const std::string& key, T& value, Applies applies) {
    if (!source_->kind || *source_->kind == applies) return field(key, value);
    seen_.insert(key);
    const YAML::Node child = node_[key];
    if (!child.IsDefined() || child.IsNull()) return;
    if (source_->saved && !overridden(key)) return;
    fail(key, std::string("does not apply to ") + applies_noun(*source_->kind) +
                  " (model.name: " + source_->model_name + ")");
  }

  // A key an earlier version called `old_key`: still read into `value`, so run directories made
  // then keep opening; giving both names is an error.
  template <class T>
  void renamed(const std::string& old_key, const std::string& new_key, T& value) {
    seen_.insert(old_key);
    const YAML::Node child = node_[old_key];
    if (!child.IsDefined() || child.IsNull()) return;
    if (node_[new_key].IsDefined()) fail_at(child, old_key, "is the old name of " + new_key + "; give only " + new_key);
    const std::string expected = detail::convert(child, value);
    if (!expected.empty()) fail_at(child, old_key, "expected " + expected + ", got '" + describe(child) + "'");
  }

  // A name from the enum's ChoiceTable; an unknown one lists them and suggests the closest.
  template <Choice E>
  void read_choice(const YAML::Node& child, const std::string& key, E& value) {
    std::string name;
    if (!detail::convert(child, name).empty()) fail_at(child, key, "expected a name, got '" + describe(child) + "'");
    one_of(key, name, choice_names<E>());
    value = *choice_named<E>(name);
  }

  // Rejects keys that no `field` call asked for.
  void reject_unknown_keys() const;

  template <class T>
  void read_section(const YAML::Node& child, const std::string& key, T& value) {
    if (!child.IsMap()) fail(key, "expected a map of settings, got '" + describe(child) + "'");
    SectionReader nested(child, key_path(key), source_);
    value.visit(nested);
    nested.reject_unknown_keys();
    value.validate(nested);
  }

 private:
  static std::string describe(const YAML::Node& node);
  std::set<std::string> seen_;
};

// Writes a struct through its `visit` as a YAML map (the resolved config).
class SectionWriter {
 public:
  // `kind`: the family written; the other family's keys are left out (unset: every key).
  explicit SectionWriter(YAML::Emitter& out, std::optional<Applies> kind = std::nullopt) : out_(out), kind_(kind) {}
  template <class T>
  void field(const std::string& key, const T& value) {
    out_ << YAML::Key << key << YAML::Value;
    if constexpr (requires(T& t) { t.visit(*this); }) {
      T copy = value;  // visit() takes its fields by reference, as the reader needs
      out_ << YAML::BeginMap;
      copy.visit(*this);
      out_ << YAML::EndMap;
    } else {
      detail::emit(out_, value);
    }
  }
  template <class T>
  void field(const std::string& key, const T& value, Applies applies) {
    if (!kind_ || *kind_ == applies) field(key, value);
  }
  // Old names are read, never written: the resolved config uses the current ones.
  template <class T>
  void renamed(const std::string&, const std::string&, const T&) {}

 private:
  YAML::Emitter& out_;
  std::optional<Applies> kind_;
};

// Loads YAML text, applies `--set key.path=value` overrides (values parsed as YAML, so lists and
// numbers work), and returns the root map. Errors name the file and position.
YAML::Node load_yaml(const std::string& text, const std::string& file_name,
                     const std::vector<std::string>& overrides, Source& source);

}  // namespace tessera::config
