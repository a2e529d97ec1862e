#include "tessera/core/config/choice_keys.h"

#include "tessera/core/config/experiment.h"

namespace tessera::config {
namespace {

// A visitor over the field lists that records the choice-typed fields and descends into sections.
class ChoiceLister {
 public:
  explicit ChoiceLister(std::vector<ChoiceKey>& out, std::string prefix = "") : out_(out), prefix_(std::move(prefix)) {}

  template <class T>
  void field(const std::string& key, T& value) {
    if constexpr (requires { value.visit(*this); }) {
      ChoiceLister nested(out_, prefix_ + key + ".");
      value.visit(nested);
    } else if constexpr (Choice<T>) {
      out_.push_back({prefix_ + key, choice_names<T>()});
    }
  }
  template <class T>
  void field(const std::string& key, T& value, Applies) {
    field(key, value);
  }
  template <class T>
  void renamed(const std::string&, const std::string&, T&) {}

 private:
  std::vector<ChoiceKey>& out_;
  std::string prefix_;
};

}  // namespace

std::vector<ChoiceKey> choice_keys() {
  std::vector<ChoiceKey> keys;
  ExperimentConfig config;
  ChoiceLister lister(keys);
  config.visit(lister);
  return keys;
}

}  // namespace tessera::config
