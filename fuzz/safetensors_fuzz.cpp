// Fuzz target: safetensors parsing (tessera::models::from_safetensors_bytes, behind
// load_safetensors: a run directory's weights.safetensors) and loading the result into a model.
//
// Feeds: the input as the bytes of a .safetensors file.
// Expected: a TensorFile, or tessera::UserError "safetensors file ...: problem".
// Checked for a file that parses: writing it again (to_safetensors_bytes) and parsing that gives
// the same names, dtypes, shapes, bytes and metadata; load_state_dict (non-strict) into a small
// model either copies or refuses with a UserError naming the key.
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_models.h"
#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/models/safetensors.h"

namespace {

using tessera::models::TensorFile;

bool same_bytes(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TensorFile file;
  try {
    file = tessera::models::from_safetensors_bytes(tessera::fuzz::as_text(data, size), "fuzz.safetensors");
  } catch (const tessera::UserError&) {
    return 0;  // documented
  }
  std::string rewritten;
  try {
    rewritten = tessera::models::to_safetensors_bytes(file.tensors, file.metadata);
  } catch (const tessera::UserError& e) {
    FUZZ_CHECK(false, std::string("a parsed file cannot be written again: ") + e.what());
  }
  const TensorFile again = tessera::models::from_safetensors_bytes(rewritten, "rewritten.safetensors");
  FUZZ_CHECK(again.metadata == file.metadata, "metadata changed in a write/read round trip");
  FUZZ_CHECK(again.tensors.size() == file.tensors.size(), "tensor count changed in a write/read round trip");
  for (const auto& [name, tensor] : file.tensors) {
    const auto it = again.tensors.find(name);
    FUZZ_CHECK(it != again.tensors.end() && same_bytes(tensor, it->second), "tensor '" + name + "' changed in a round trip");
  }

  static const auto model = tessera::fuzz::make_model();
  try {
    tessera::models::load_state_dict(*model, file.tensors, /*strict=*/false);
  } catch (const tessera::UserError&) {
    // documented: a key whose shape differs from the model's
  }
  return 0;
}
