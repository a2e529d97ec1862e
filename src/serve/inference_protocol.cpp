#include "tessera/serve/inference_protocol.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace tessera::serve {
namespace {

struct TypeInfo {
  DataType type;
  const char* name;
  std::size_t size;
};

constexpr TypeInfo kTypes[] = {
    {DataType::BOOL, "BOOL", 1},     {DataType::UINT8, "UINT8", 1},   {DataType::UINT16, "UINT16", 2},
    {DataType::UINT32, "UINT32", 4}, {DataType::UINT64, "UINT64", 8}, {DataType::INT8, "INT8", 1},
    {DataType::INT16, "INT16", 2},   {DataType::INT32, "INT32", 4},   {DataType::INT64, "INT64", 8},
    {DataType::FP16, "FP16", 2},     {DataType::FP32, "FP32", 4},     {DataType::FP64, "FP64", 8},
    {DataType::BYTES, "BYTES", 0}};

static_assert(std::endian::native == std::endian::little, "the protocol's binary tensors are little-endian");

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw ProtocolError(where + ": " + what); }

// IEEE binary16 from a float, rounded to nearest even (overflow to infinity, NaN kept).
std::uint16_t half_bits(float value) {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7E00u);   // NaN
  if (magnitude >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds past 65504
  if (magnitude < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    const float scaled = std::bit_cast<float>(magnitude) * 16777216.0f;  // * 2^24: the subnormal step is 2^-24
    return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(std::nearbyint(scaled)));
  }
  const std::uint32_t rounded = magnitude + 0x0FFFu + ((magnitude >> 13) & 1u) - 0x38000000u;
  return static_cast<std::uint16_t>(sign | (rounded >> 13));
}

float half_value(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  if (exponent == 0) {
    const float v = static_cast<float>(mantissa) * std::ldexp(1.0f, -24);
    return sign ? -v : v;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

template <class T>
void append(std::string& raw, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  raw.append(bytes, sizeof(T));
}

template <class T>
T read_at(const std::string& raw, std::size_t index) {
  T value;
  std::memcpy(&value, raw.data() + index * sizeof(T), sizeof(T));
  return value;
}

template <class T>
void append_integer(std::string& raw, const nlohmann::json& v, const std::string& where) {
  if (!v.is_number_integer()) fail(where, "expected an integer, got " + v.dump());
  if constexpr (std::is_unsigned_v<T>) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > std::numeric_limits<T>::max()) fail(where, v.dump() + " is out of range");
      return append(raw, static_cast<T>(u));
    }
    fail(where, v.dump() + " is out of range (negative)");
  } else {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      fail(where, v.dump() + " is out of range");
    }
    const auto s = v.get<std::int64_t>();
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
      fail(where, v.dump() + " is out of range");
    append(raw, static_cast<T>(s));
  }
}

void append_element(Tensor& t, const nlohmann::json& v, const std::string& where) {
  switch (t.datatype) {
    case DataType::BOOL:
      if (!v.is_boolean()) fail(where, "expected true or false, got " + v.dump());
      return append(t.raw, static_cast<std::uint8_t>(v.get<bool>() ? 1 : 0));
    case DataType::UINT8: return append_integer<std::uint8_t>(t.raw, v, where);
    case DataType::UINT16: return append_integer<std::uint16_t>(t.raw, v, where);
    case DataType::UINT32: return append_integer<std::uint32_t>(t.raw, v, where);
    case DataType::UINT64: return append_integer<std::uint64_t>(t.raw, v, where);
    case DataType::INT8: return append_integer<std::int8_t>(t.raw, v, where);
    case DataType::INT16: return append_integer<std::int16_t>(t.raw, v, where);
    case DataType::INT32: return append_integer<std::int32_t>(t.raw, v, where);
    case DataType::INT64: return append_integer<std::int64_t>(t.raw, v, where);
    case DataType::FP16:
    case DataType::FP32:
    case DataType::FP64: {
      if (!v.is_number()) fail(where, "expected a number, got " + v.dump());
      const double d = v.get<double>();
      if (t.datatype == DataType::FP64) return append(t.raw, d);
      if (t.datatype == DataType::FP32) return append(t.raw, static_cast<float>(d));
      return append(t.raw, half_bits(static_cast<float>(d)));
    }
    case DataType::BYTES:
      if (!v.is_string()) fail(where, "expected a string, got " + v.dump());
      t.elements.push_back(v.get<std::string>());
      return;
  }
}

// Row-major flattening: Triton accepts nested arrays as well as a flat one.
void append_data(Tensor& t, const nlohmann::json& data, const std::string& where) {
  if (data.is_array()) {
    for (const auto& item : data) append_data(t, item, where);
  } else {
    append_element(t, data, where);
  }
}

std::int64_t count_of(const Tensor& t) {
  return t.datatype == DataType::BYTES ? static_cast<std::int64_t>(t.elements.size())
                                       : static_cast<std::int64_t>(t.raw.size() / element_size(t.datatype));
}

// A BYTES tensor's binary form: each element as a 4-byte little-endian length, then its bytes.
void read_binary_bytes(Tensor& t, std::string_view blob, const std::string& where) {
  std::size_t at = 0;
  while (at < blob.size()) {
    if (blob.size() - at < 4) fail(where, "a BYTES element's 4-byte length is cut off");
    std::uint32_t length;
    std::memcpy(&length, blob.data() + at, 4);
    at += 4;
    if (blob.size() - at < length) fail(where, "a BYTES element is shorter than its length prefix says");
    t.elements.emplace_back(blob.substr(at, length));
    at += length;
  }
}

nlohmann::json json_data(const Tensor& t) {
  nlohmann::json data = nlohmann::json::array();
  const std::int64_t n = count_of(t);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    switch (t.datatype) {
      case DataType::BOOL: data.push_back(read_at<std::uint8_t>(t.raw, k) != 0); break;
      case DataType::UINT8: data.push_back(read_at<std::uint8_t>(t.raw, k)); break;
      case DataType::UINT16: data.push_back(read_at<std::uint16_t>(t.raw, k)); break;
      case DataType::UINT32: data.push_back(read_at<std::uint32_t>(t.raw, k)); break;
      case DataType::UINT64: data.push_back(read_at<std::uint64_t>(t.raw, k)); break;
      case DataType::INT8: data.push_back(read_at<std::int8_t>(t.raw, k)); break;
      case DataType::INT16: data.push_back(read_at<std::int16_t>(t.raw, k)); break;
      case DataType::INT32: data.push_back(read_at<std::int32_t>(t.raw, k)); break;
      case DataType::INT64: data.push_back(read_at<std::int64_t>(t.raw, k)); break;
      case DataType::FP16: data.push_back(half_value(read_at<std::uint16_t>(t.raw, k))); break;
      case DataType::FP32: data.push_back(read_at<float>(t.raw, k)); break;
      case DataType::FP64: data.push_back(read_at<double>(t.raw, k)); break;
      case DataType::BYTES: data.push_back(t.elements[k]); break;
    }
  }
  return data;
}

std::string binary_blob(const Tensor& t) {
  if (t.datatype != DataType::BYTES) return t.raw;
  std::string blob;
  for (const std::string& e : t.elements) {
    append(blob, static_cast<std::uint32_t>(e.size()));
    blob += e;
  }
  return blob;
}

}  // namespace

std::optional<DataType> data_type_named(std::string_view name) {
  for (const TypeInfo& info : kTypes) {
    if (name == info.name) return info.type;
  }
  return std::nullopt;
}

const char* data_type_name(DataType type) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == type) return info.name;
  }
  return "?";
}

std::size_t element_size(DataType type) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == type) return info.size;
  }
  return 0;
}

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw ProtocolError("shape has a negative dimension");
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d) throw ProtocolError("shape is too large");
    n *= d;
  }
  return n;
}

std::int64_t Tensor::element_count() const { return serve::element_count(shape); }

InferRequest parse_infer_request(std::string_view body, std::optional<std::size_t> header_length) {
  const std::size_t json_size = header_length.value_or(body.size());
  if (json_size > body.size()) {
    throw ProtocolError("Inference-Header-Content-Length is " + std::to_string(json_size) + " but the body has only " +
                        std::to_string(body.size()) + " bytes");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(body.substr(0, json_size));
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(std::string("the request is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw ProtocolError("the request must be a JSON object");
  InferRequest request;
  if (header.contains("id")) {
    if (!header["id"].is_string()) throw ProtocolError("id must be a string");
    request.id = header["id"].get<std::string>();
  }
  if (header.contains("parameters")) {
    if (!header["parameters"].is_object()) throw ProtocolError("parameters must be an object");
    request.parameters = header["parameters"];
    const auto b = request.parameters.find("binary_data_output");
    request.binary_data_output = b != request.parameters.end() && b->is_boolean() && b->get<bool>();
  }
  const auto inputs = header.find("inputs");
  if (inputs == header.end() || !inputs->is_array() || inputs->empty()) {
    throw ProtocolError("inputs must be a non-empty array");
  }
  std::size_t binary_at = json_size;
  for (const auto& in : *inputs) {
    if (!in.is_object()) throw ProtocolError("every input must be an object");
    Tensor t;
    if (!in.contains("name") || !in["name"].is_string()) throw ProtocolError("an input has no name");
    t.name = in["name"].get<std::string>();
    const std::string where = "input '" + t.name + "'";
    if (!in.contains("datatype") || !in["datatype"].is_string()) fail(where, "no datatype");
    const auto type = data_type_named(in["datatype"].get<std::string>());
    if (!type) fail(where, "unknown datatype '" + in["datatype"].get<std::string>() + "'");
    t.datatype = *type;
    if (!in.contains("shape") || !in["shape"].is_array()) fail(where, "no shape");
    for (const auto& d : in["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0) fail(where, "shape must hold non-negative integers");
      t.shape.push_back(d.get<std::int64_t>());
    }
    if (in.contains("parameters")) {
      if (!in["parameters"].is_object()) fail(where, "parameters must be an object");
      t.parameters = in["parameters"];
    }
    std::int64_t expected;
    try {
      expected = element_count(t.shape);
    } catch (const ProtocolError& e) {
      fail(where, e.what());
    }
    const auto binary_size = t.parameters.find("binary_data_size");
    if (binary_size != t.parameters.end()) {
      if (!binary_size->is_number_unsigned()) fail(where, "binary_data_size must be a non-negative integer");
      const auto size = binary_size->get<std::uint64_t>();
      if (size > body.size() - binary_at) {
        fail(where, "binary_data_size " + std::to_string(size) + " runs past the end of the body");
      }
      const std::string_view blob = body.substr(binary_at, size);
      binary_at += size;
      if (t.datatype == DataType::BYTES) {
        read_binary_bytes(t, blob, where);
      } else {
        t.raw.assign(blob);
        if (t.raw.size() % element_size(t.datatype) != 0) {
          fail(where,
               std::to_string(size) + " bytes is not a whole number of " + data_type_name(t.datatype) + " elements");
        }
      }
      t.parameters.erase("binary_data_size");
    } else {
      if (!in.contains("data")) fail(where, "no data (and no binary_data_size)");
      append_data(t, in["data"], where);
    }
    if (count_of(t) != expected) {
      fail(where,
           "shape holds " + std::to_string(expected) + " elements but " + std::to_string(count_of(t)) + " were sent");
    }
    request.inputs.push_back(std::move(t));
  }
  if (binary_at != body.size()) {
    throw ProtocolError(std::to_string(body.size() - binary_at) +
                        " bytes after the JSON header belong to no input (binary_data_size)");
  }
  if (header.contains("outputs")) {
    if (!header["outputs"].is_array()) throw ProtocolError("outputs must be an array");
    for (const auto& out : header["outputs"]) {
      if (!out.is_object() || !out.contains("name") || !out["name"].is_string()) {
        throw ProtocolError("every requested output needs a name");
      }
      RequestedOutput r;
      r.name = out["name"].get<std::string>();
      if (out.contains("parameters")) {
        const auto& p = out["parameters"];
        if (!p.is_object()) fail("output '" + r.name + "'", "parameters must be an object");
        if (p.contains("binary_data")) r.binary_data = p["binary_data"].is_boolean() && p["binary_data"].get<bool>();
        if (p.contains("classification")) {
          if (!p["classification"].is_number_integer() || p["classification"].get<std::int64_t>() < 1) {
            fail("output '" + r.name + "'", "classification must be a positive integer");
          }
          r.classification = static_cast<int>(std::min<std::int64_t>(p["classification"].get<std::int64_t>(), 1 << 20));
        }
      }
      request.outputs.push_back(std::move(r));
    }
  }
  return request;
}

EncodedResponse encode_infer_response(const std::string& model, const std::string& id,
                                      const std::vector<Tensor>& outputs, const InferRequest& request) {
  nlohmann::json header = {{"model_name", model}, {"model_version", "1"}};
  if (!id.empty()) header["id"] = id;
  header["outputs"] = nlohmann::json::array();
  std::string blobs;
  for (const RequestedOutput& r : request.outputs) {
    const bool known = std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& t) { return t.name == r.name; });
    if (!known) throw ProtocolError("model '" + model + "' has no output named '" + r.name + "'");
  }
  for (const Tensor& t : outputs) {
    bool binary = request.binary_data_output, requested = request.outputs.empty();
    for (const RequestedOutput& r : request.outputs) {
      if (r.name != t.name) continue;
      requested = true;
      binary = binary || r.binary_data;
    }
    if (!requested) continue;  // the client named the outputs it wants
    nlohmann::json out = {{"name", t.name}, {"datatype", data_type_name(t.datatype)}, {"shape", t.shape}};
    if (!t.parameters.empty()) out["parameters"] = t.parameters;
    if (binary) {
      const std::string blob = binary_blob(t);
      out["parameters"]["binary_data_size"] = blob.size();
      blobs += blob;
    } else {
      out["data"] = json_data(t);
    }
    header["outputs"].push_back(std::move(out));
  }
  EncodedResponse response;
  response.body = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!blobs.empty()) {
    response.header_length = response.body.size();
    response.body += blobs;
  }
  return response;
}

}  // namespace tessera::serve
