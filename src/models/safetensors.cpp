#include "tessera/models/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::models {
namespace {

// The format is little-endian on disk; we copy raw bytes, so the host must be too.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

// The same cap as Python's safetensors: a larger header is a corrupt file, not a real one.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

struct DtypeName {
  torch::ScalarType type;
  const char* name;
};
constexpr DtypeName kDtypes[] = {
    {torch::kFloat32, "F32"}, {torch::kFloat16, "F16"}, {torch::kBFloat16, "BF16"},
    {torch::kFloat64, "F64"}, {torch::kInt64, "I64"},   {torch::kInt32, "I32"},
    {torch::kInt16, "I16"},   {torch::kInt8, "I8"},     {torch::kUInt8, "U8"},
    {torch::kBool, "BOOL"},
};

const char* dtype_name(torch::ScalarType type, const std::string& key) {
  for (const auto& d : kDtypes)
    if (d.type == type) return d.name;
  throw UserError("safetensors: tensor '" + key + "' has unsupported dtype " +
                  std::string(c10::toString(type)));
}

bool dtype_from_name(const std::string& name, torch::ScalarType& type) {
  for (const auto& d : kDtypes)
    if (name == d.name) return type = d.type, true;
  return false;
}

}  // namespace

std::string to_safetensors_bytes(const std::map<std::string, torch::Tensor>& tensors,
                                 const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;

  std::vector<torch::Tensor> data;
  std::uint64_t offset = 0;
  for (const auto& [key, tensor] : tensors) {
    if (key == "__metadata__") throw UserError("safetensors: '__metadata__' is a reserved name");
    if (!tensor.defined()) throw UserError("safetensors: tensor '" + key + "' is undefined");
    auto cpu = tensor.detach().to(torch::kCPU).contiguous();
    const auto bytes = static_cast<std::uint64_t>(cpu.nbytes());
    header[key] = {{"dtype", dtype_name(cpu.scalar_type(), key)},
                   {"shape", cpu.sizes().vec()},
                   {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(cpu));
  }

  std::string json = header.dump();
  // Padding keeps the data section 8-byte aligned, which lets readers map tensors in place.
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + json.size() + offset);
  const std::uint64_t n = json.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += json;
  for (const auto& t : data) out.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  return out;
}

TensorFile from_safetensors_bytes(std::string_view bytes, const std::string& source) {
  auto fail = [&](const std::string& problem) -> UserError {
    return UserError("safetensors file " + source + ": " + problem);
  };
  if (bytes.size() < 8) throw fail("too short for a header (" + std::to_string(bytes.size()) + " bytes)");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeaderBytes || n > bytes.size() - 8)
    throw fail("header length " + std::to_string(n) + " exceeds the file size " +
               std::to_string(bytes.size()) + " (truncated or not safetensors)");

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(8, n));
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw fail("header is not a JSON object");

  const std::string_view data = bytes.substr(8 + n);
  TensorFile file;
  struct Span { std::uint64_t begin, end; std::string key; };
  std::vector<Span> spans;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) throw fail("__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw fail("__metadata__ value '" + k + "' is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      throw fail(where + " lacks dtype, shape or data_offsets");
    torch::ScalarType type;
    if (!entry["dtype"].is_string() || !dtype_from_name(entry["dtype"].get<std::string>(), type))
      throw fail(where + " has unsupported dtype " + entry["dtype"].dump());

    const auto& shape_json = entry["shape"];
    if (!shape_json.is_array()) throw fail(where + " shape is not an array");
    std::vector<std::int64_t> shape;
    std::uint64_t numel = 1;
    for (const auto& d : shape_json) {
      if (!d.is_number_unsigned()) throw fail(where + " shape has a non-integer or negative entry");
      const auto v = d.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (v != 0 && numel > std::numeric_limits<std::uint64_t>::max() / v))
        throw fail(where + " shape overflows");
      numel *= v;
      shape.push_back(static_cast<std::int64_t>(v));
    }

    const auto& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw fail(where + " data_offsets is not a pair of non-negative integers");
    const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
    if (begin > end || end > data.size())
      throw fail(where + " data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                 "] outside the data section of " + std::to_string(data.size()) + " bytes");
    const std::uint64_t elem = c10::elementSize(type);
    if (numel > std::numeric_limits<std::uint64_t>::max() / elem || end - begin != numel * elem)
      throw fail(where + " holds " + std::to_string(end - begin) + " bytes but dtype x shape needs " +
                 std::to_string(numel * elem));

    auto tensor = torch::empty(shape, torch::TensorOptions().dtype(type));
    if (end > begin) std::memcpy(tensor.data_ptr(), data.data() + begin, end - begin);
    file.tensors.emplace(key, std::move(tensor));
    spans.push_back({begin, end, key});
  }

  // As Python's safetensors requires: tensors tile the data section exactly, no gaps, no overlap.
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  std::uint64_t expected = 0;
  for (const auto& s : spans) {
    if (s.begin != expected)
      throw fail("tensor '" + s.key + "' starts at byte " + std::to_string(s.begin) +
                 ", expected " + std::to_string(expected) + " (overlap or gap)");
    expected = s.end;
  }
  if (expected != data.size())
    throw fail("data section is " + std::to_string(data.size()) + " bytes but tensors cover " +
               std::to_string(expected));
  return file;
}

void save_safetensors(const std::filesystem::path& path,
                      const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, to_safetensors_bytes(tensors, metadata));
}

TensorFile load_safetensors(const std::filesystem::path& path) {
  return from_safetensors_bytes(read_file(path), path.string());
}

std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    out.emplace(item.key(), item.value().detach());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    out.emplace(item.key(), item.value().detach());
  return out;
}

void load_state_dict(torch::nn::Module& module,
                     const std::map<std::string, torch::Tensor>& tensors, bool strict) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  auto assign = [&](const std::string& key, torch::Tensor& dst) {
    const auto it = tensors.find(key);
    if (it == tensors.end()) {
      if (strict) throw UserError("state dict: missing key '" + key + "'");
      return;
    }
    if (it->second.sizes() != dst.sizes())
      throw UserError("state dict: key '" + key + "' has shape " + c10::str(it->second.sizes()) +
                      ", the model expects " + c10::str(dst.sizes()));
    dst.copy_(it->second);  // copy_ converts dtype and device to the destination's
    used.insert(key);
  };
  for (auto& item : module.named_parameters(/*recurse=*/true)) assign(item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true)) assign(item.key(), item.value());
  if (strict) {
    for (const auto& [key, tensor] : tensors)
      if (!used.count(key)) throw UserError("state dict: unexpected key '" + key + "'");
  }
}

}  // namespace tessera::models
