#pragma once
// The Open Inference Protocol (KServe v2, what Triton speaks) as data: an infer request's body
// parsed into tensors, and tensors encoded into a response body, with Triton's binary-data
// extension (an `Inference-Header-Content-Length` JSON header followed by raw tensor bytes, so an
// encoded JPEG, PNG or DICOM travels as a BYTES element without base64). No sockets here: the
// server (serve_app) routes bodies through these functions, and tests call them directly.
//
// Spec: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/ and Triton's
// docs/protocol/extension_binary_data.md.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::serve {

// A request the protocol rejects: answered 400 with this message.
class ProtocolError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class DataType : std::uint8_t {
  BOOL,
  UINT8,
  UINT16,
  UINT32,
  UINT64,
  INT8,
  INT16,
  INT32,
  INT64,
  FP16,
  FP32,
  FP64,
  BYTES
};

// "FP32" etc.; nullopt for a name the protocol does not define.
std::optional<DataType> data_type_named(std::string_view name);
const char* data_type_name(DataType type);
// Bytes per element; 0 for BYTES (variable length).
std::size_t element_size(DataType type);

struct Tensor {
  std::string name;
  DataType datatype = DataType::FP32;
  std::vector<std::int64_t> shape;
  std::string raw;                    // fixed-size types: the elements row-major, little-endian
  std::vector<std::string> elements;  // BYTES: one string per element
  nlohmann::json parameters = nlohmann::json::object();

  std::int64_t element_count() const;
};

// A BYTES tensor of `elements` (row-major in `shape`).
inline Tensor bytes_tensor(std::string name, std::vector<std::int64_t> shape, std::vector<std::string> elements) {
  return Tensor{std::move(name), DataType::BYTES, std::move(shape), {}, std::move(elements), nlohmann::json::object()};
}

// What the client asked to get back for one output.
struct RequestedOutput {
  std::string name;
  bool binary_data = false;
  int classification = 0;  // Triton's classification extension: top-k as "score:index:label" strings
};

struct InferRequest {
  std::string id;
  std::vector<Tensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: every output, as JSON
  nlohmann::json parameters = nlohmann::json::object();
  bool binary_data_output = false;  // parameters.binary_data_output: every output as binary
};

// `body` with `header_length` (the Inference-Header-Content-Length value, absent when the request
// is plain JSON). Throws ProtocolError naming the input and the problem: malformed JSON, unknown
// datatype, a shape that does not match the data, binary sizes that do not add up.
InferRequest parse_infer_request(std::string_view body, std::optional<std::size_t> header_length);

struct EncodedResponse {
  std::string body;
  std::optional<std::size_t> header_length;  // set when binary tensors follow the JSON
};

// The response body for `outputs` of `model`: the requested outputs (all when none are named),
// as binary where the request asks (per output, or binary_data_output for all). Throws
// ProtocolError for a requested output the model does not have.
EncodedResponse encode_infer_response(const std::string& model, const std::string& id,
                                      const std::vector<Tensor>& outputs, const InferRequest& request);

// The number of elements a shape holds; throws ProtocolError for a negative dimension.
std::int64_t element_count(const std::vector<std::int64_t>& shape);

}  // namespace tessera::serve
