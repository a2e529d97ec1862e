#pragma once
// What this binary was built with and what it finds at run time (`tessera version`).
#include <string>
#include <utility>
#include <vector>

namespace tessera {

// Ordered (name, value) pairs: Tessera, torch, CUDA runtime, cuDNN, devices.
std::vector<std::pair<std::string, std::string>> runtime_versions();

}  // namespace tessera
