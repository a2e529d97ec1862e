#include "tessera/models/init_weights.h"

#include <sstream>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/models/safetensors.h"

namespace tessera::models {
namespace {

std::string shape_text(const torch::Tensor& tensor) {
  std::ostringstream out;
  out << tensor.sizes();
  return out.str();
}

bool is_head(const std::string& name, const std::string& head_prefix) {
  return name.rfind(head_prefix, 0) == 0;
}

// "3 missing (a, b, c)"; long lists end in "... and N more" so the message stays one line.
std::string listed(const std::vector<std::string>& names, const char* what) {
  constexpr std::size_t kShown = 6;
  std::string text = std::to_string(names.size()) + " " + what + " (";
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > kShown) text += ", ... and " + std::to_string(names.size() - kShown) + " more";
  return text + ")";
}

}  // namespace

InitWeightsMatch match_init_weights(const std::map<std::string, torch::Tensor>& model_state,
                                    const std::map<std::string, torch::Tensor>& file_tensors,
                                    const std::string& head_prefix) {
  InitWeightsMatch match;
  for (const auto& [name, own] : model_state) {
    const bool head = is_head(name, head_prefix);
    const auto it = file_tensors.find(name);
    if (it == file_tensors.end()) {
      (head ? match.head_kept : match.missing).push_back(name);
    } else if (it->second.sizes() != own.sizes()) {
      if (head) {
        match.head_kept.push_back(name);
      } else {
        match.misshaped.push_back(name + ": file " + shape_text(it->second) + " vs model " + shape_text(own));
      }
    } else {
      match.usable.emplace(name, it->second);
    }
  }
  for (const auto& [name, tensor] : file_tensors) {
    if (!model_state.count(name)) match.unexpected.push_back(name);
  }
  // A head is either taken whole or not at all: a 1000-class fc.weight with a fitting fc.bias
  // would otherwise mix two classifiers.
  if (!match.head_kept.empty()) {
    for (auto it = match.usable.begin(); it != match.usable.end();) {
      if (is_head(it->first, head_prefix)) {
        match.head_kept.push_back(it->first);
        it = match.usable.erase(it);
      } else {
        ++it;
      }
    }
  }
  return match;
}

void load_init_weights(torch::nn::Module& module, const std::string& model_name, const std::filesystem::path& path,
                       const std::string& head_prefix) {
  const TensorFile file = load_safetensors(path);
  const auto own = state_dict(module);
  const InitWeightsMatch match = match_init_weights(own, file.tensors, head_prefix);
  if (!match.fits()) {
    std::vector<std::string> problems;
    if (!match.missing.empty()) problems.push_back(listed(match.missing, "missing"));
    if (!match.unexpected.empty()) problems.push_back(listed(match.unexpected, "unexpected"));
    if (!match.misshaped.empty()) problems.push_back(listed(match.misshaped, "misshaped"));
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    throw UserError("model.init_weights: " + path.string() + " does not fit " + model_name + ": " + joined +
                    " (names and shapes must follow torchvision's layout for this architecture and data.channels)");
  }
  load_state_dict(module, match.usable, /*strict=*/false);
  if (!match.head_kept.empty()) {
    const auto head_file = file.tensors.find(head_prefix + "weight");
    const auto head_own = own.find(head_prefix + "weight");
    log::info("model.init_weights: classifier '", head_prefix.substr(0, head_prefix.size() - 1), "' replaced (",
              head_file == file.tensors.end() ? std::string("absent from the file") : "file " + shape_text(head_file->second),
              ", model ", head_own == own.end() ? std::string("?") : shape_text(head_own->second),
              "): it starts from a fresh initialisation");
  }
  log::info("model.init_weights: loaded ", match.usable.size(), "/", own.size(), " tensors from ", path.string());
}

}  // namespace tessera::models
