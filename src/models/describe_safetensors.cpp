#include <sstream>

#include "tessera/models/safetensors.h"

namespace tessera::models {

std::string describe_safetensors(const std::filesystem::path& path) {
  const TensorFile file = load_safetensors(path);
  std::ostringstream out;
  for (const auto& [key, value] : file.metadata) {
    if (value.find('\n') != std::string::npos) {
      out << key << ":\n";
      std::istringstream lines(value);
      for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
    } else {
      out << key << ": " << value << "\n";
    }
  }
  std::int64_t elements = 0;
  out << "tensors: " << file.tensors.size() << "\n";
  for (const auto& [name, tensor] : file.tensors) {
    out << "  " << name << " " << tensor.dtype() << " " << tensor.sizes() << "\n";
    elements += tensor.numel();
  }
  out << "elements: " << elements << "\n";
  return out.str();
}

}  // namespace tessera::models
