#pragma once
// Model registry: the image models of config::ModelName (core/config/model.h, the one list of
// model names) by name. The config's `model.name` goes through here; gpt is built by the
// language-model task instead.
#include <memory>
#include <string>
#include <vector>

#include "tessera/models/network.h"

namespace tessera::models {

// Builds a freshly initialised model. Throws UserError for an unknown name (with a
// did-you-mean suggestion) or invalid sizes.
std::shared_ptr<Network> create_model(const ModelSpec& spec);

// Every registered name, in a stable order.
std::vector<std::string> model_names();

}  // namespace tessera::models
