#pragma once
// Weights I/O in the safetensors format (https://github.com/huggingface/safetensors), readable
// and writable by Python's `safetensors` package:
//   8-byte little-endian header length N | N bytes of JSON header | raw little-endian data.
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// relative to the data section) plus an optional "__metadata__" string map.
// Dtypes: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL.
#include <filesystem>
#include <map>
#include <string>

#include <torch/torch.h>

namespace tessera::models {

struct TensorFile {
  std::map<std::string, torch::Tensor> tensors;  // CPU, contiguous
  std::map<std::string, std::string> metadata;
};

// Serialises to bytes; tensors are moved to CPU and made contiguous first.
std::string to_safetensors_bytes(const std::map<std::string, torch::Tensor>& tensors,
                                 const std::map<std::string, std::string>& metadata = {});

// Parses bytes; `source` names the origin (a path) in error messages.
TensorFile from_safetensors_bytes(std::string_view bytes, const std::string& source);

// Writes atomically (temporary file + rename), so a crash never leaves a half-written file.
void save_safetensors(const std::filesystem::path& path,
                      const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads and validates (header length against the file size, offsets in range, contiguous and
// consistent with dtype x shape). Throws UserError naming the path and the problem.
TensorFile load_safetensors(const std::filesystem::path& path);

// named_parameters + named_buffers (recursive), detached. Keys match PyTorch's state_dict().
std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module);

// Copies tensors into the module's parameters and buffers by name (under no_grad, converting
// dtype and device to the destination's, shapes must match). strict: every module entry must be
// present and no key may be extra. Throws UserError naming the key.
void load_state_dict(torch::nn::Module& module,
                     const std::map<std::string, torch::Tensor>& tensors, bool strict = true);

// Human-readable summary: metadata (the embedded config printed as is) and one line per
// tensor with dtype and shape, plus the parameter count.
std::string describe_safetensors(const std::filesystem::path& path);

}  // namespace tessera::models
