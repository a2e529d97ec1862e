#pragma once
// Starting a model from someone else's weights (`model.init_weights`): a safetensors file in
// torchvision's layout, e.g. torchvision's ImageNet ResNet converted by the user, for fine-tuning.
//
// Every tensor must fit, except the classifier head: when the file's head is for another number
// of classes (or is absent), the model keeps its freshly initialised head. That is transfer
// learning, what small medical datasets need. Anything else that does not fit is an error
// listing every missing, unexpected and misshaped tensor, so one run tells the user all of it.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace tessera::models {

struct InitWeightsMatch {
  std::map<std::string, torch::Tensor> usable;  // file tensors to copy in, by model name
  std::vector<std::string> missing;             // in the model, not in the file (head excluded)
  std::vector<std::string> unexpected;          // in the file, not in the model
  std::vector<std::string> misshaped;           // "name: file [..] vs model [..]" (head excluded)
  std::vector<std::string> head_kept;           // head tensors left at their fresh initialisation

  bool fits() const { return missing.empty() && unexpected.empty() && misshaped.empty(); }
};

// Pure matching: which file tensors go where. `head_prefix` names the classifier ("fc.").
InitWeightsMatch match_init_weights(const std::map<std::string, torch::Tensor>& model_state,
                                    const std::map<std::string, torch::Tensor>& file_tensors,
                                    const std::string& head_prefix);

// Loads `path` into `module` (the architecture `model_name`, for messages) as described above;
// logs what was loaded and whether the head was replaced. Throws UserError naming the file and
// listing every problem when it does not fit.
void load_init_weights(torch::nn::Module& module, const std::string& model_name, const std::filesystem::path& path,
                       const std::string& head_prefix = "fc.");

}  // namespace tessera::models
