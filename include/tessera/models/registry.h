#pragma once
// Model registry: name -> factory. The config's `model.name` goes through here.
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
