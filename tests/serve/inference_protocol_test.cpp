// The Open Inference Protocol codec: JSON tensors (flat and nested), every datatype, the
// binary-data extension in both directions, and one clear 400 message per kind of bad request.
// Triton's own client is the end-to-end check (tests/e2e, with `tessera serve`); these pin the
// byte layouts the extension defines.
#include "tessera/serve/inference_protocol.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace tessera::serve {
namespace {

template <class T>
T element(const Tensor& t, std::size_t i) {
  T v;
  std::memcpy(&v, t.raw.data() + i * sizeof(T), sizeof(T));
  return v;
}

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

std::string error_of(const std::string& body, std::optional<std::size_t> header_length = std::nullopt) {
  try {
    parse_infer_request(body, header_length);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

TEST(InferenceProtocol, ParsesJsonTensorsFlatOrNested) {
  const InferRequest r = parse_infer_request(R"({
    "id": "r1",
    "inputs": [
      {"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [[1.5, 2], [3, -4.25]]},
      {"name": "n", "datatype": "INT64", "shape": [3], "data": [1, -2, 9007199254740993]},
      {"name": "b", "datatype": "BOOL", "shape": [2], "data": [true, false]},
      {"name": "s", "datatype": "BYTES", "shape": [1], "data": ["서울"]}
    ],
    "outputs": [{"name": "probabilities", "parameters": {"binary_data": true, "classification": 3}}]
  })",
                                             std::nullopt);
  EXPECT_EQ(r.id, "r1");
  ASSERT_EQ(r.inputs.size(), 4u);
  EXPECT_EQ(r.inputs[0].datatype, DataType::FP32);
  EXPECT_EQ(r.inputs[0].shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(element<float>(r.inputs[0], 0), 1.5f);
  EXPECT_EQ(element<float>(r.inputs[0], 3), -4.25f);
  EXPECT_EQ(element<std::int64_t>(r.inputs[1], 2), 9007199254740993);  // exact, not through a double
  EXPECT_EQ(element<std::uint8_t>(r.inputs[2], 0), 1);
  EXPECT_EQ(r.inputs[3].elements, std::vector<std::string>{"서울"});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_TRUE(r.outputs[0].binary_data);
  EXPECT_EQ(r.outputs[0].classification, 3);
}

TEST(InferenceProtocol, ReadsTheBinaryDataExtension) {
  // Two BYTES elements (as tritonclient packs an encoded image) and an FP32 tensor, after the JSON.
  const std::string json = R"({"inputs": [
    {"name": "image", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": 15}},
    {"name": "scale", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}}]})";
  std::string bytes = le32(3) + "\xFF\xD8\xFF" + le32(4) + std::string("\x89PNG", 4);
  const float scale[2] = {0.5f, -2.0f};
  bytes.append(reinterpret_cast<const char*>(scale), sizeof scale);
  const InferRequest r = parse_infer_request(json + bytes, json.size());
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_EQ(r.inputs[0].elements, (std::vector<std::string>{"\xFF\xD8\xFF", std::string("\x89PNG", 4)}));
  EXPECT_EQ(element<float>(r.inputs[1], 1), -2.0f);
  EXPECT_FALSE(r.inputs[0].parameters.contains("binary_data_size"));
}

TEST(InferenceProtocol, EncodesJsonAndBinaryOutputs) {
  InferRequest request;
  request.outputs = {{"probabilities", true, 0}, {"label", false, 0}};
  Tensor probabilities{"probabilities", DataType::FP32, {1, 2}, {}, {}, nlohmann::json::object()};
  const float p[2] = {0.25f, 0.75f};
  probabilities.raw.assign(reinterpret_cast<const char*>(p), sizeof p);
  Tensor label{"label", DataType::BYTES, {1}, {}, {"seven"}, nlohmann::json::object()};
  const EncodedResponse e = encode_infer_response("digits", "r9", {probabilities, label}, request);
  ASSERT_TRUE(e.header_length.has_value());
  const auto header = nlohmann::json::parse(e.body.substr(0, *e.header_length));
  EXPECT_EQ(header["model_name"], "digits");
  EXPECT_EQ(header["id"], "r9");
  EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 8);
  EXPECT_FALSE(header["outputs"][0].contains("data"));
  EXPECT_EQ(header["outputs"][1]["data"], nlohmann::json::array({"seven"}));
  EXPECT_EQ(e.body.substr(*e.header_length), std::string(reinterpret_cast<const char*>(p), sizeof p));

  // Without binary requests the response is plain JSON, and parses back to the same values.
  const EncodedResponse plain = encode_infer_response("digits", "", {probabilities}, InferRequest{});
  EXPECT_FALSE(plain.header_length.has_value());
  EXPECT_EQ(nlohmann::json::parse(plain.body)["outputs"][0]["data"], nlohmann::json::array({0.25, 0.75}));
}

TEST(InferenceProtocol, Fp16TravelsRoundedToNearestEven) {
  const InferRequest r = parse_infer_request(
      R"({"inputs": [{"name": "h", "datatype": "FP16", "shape": [5], "data": [1.0, 65504, 1e9, 5.960464477539063e-8, 1.00048828125]}]})",
      std::nullopt);
  EXPECT_EQ(element<std::uint16_t>(r.inputs[0], 0), 0x3C00);
  EXPECT_EQ(element<std::uint16_t>(r.inputs[0], 1), 0x7BFF);  // the largest half
  EXPECT_EQ(element<std::uint16_t>(r.inputs[0], 2), 0x7C00);  // infinity
  EXPECT_EQ(element<std::uint16_t>(r.inputs[0], 3), 0x0001);  // the smallest subnormal
  EXPECT_EQ(element<std::uint16_t>(r.inputs[0], 4), 0x3C00);  // a tie goes to the even neighbour
  const EncodedResponse back = encode_infer_response("m", "", {r.inputs[0]}, InferRequest{});
  EXPECT_EQ(nlohmann::json::parse(back.body)["outputs"][0]["data"][0], 1.0);
}

TEST(InferenceProtocol, EveryMistakeIsOneMessageNamingTheInput) {
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"inputs": []})").find("non-empty array"), std::string::npos);
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "FP8", "shape": [1], "data": [1]}]})"),
            "input 'x': unknown datatype 'FP8'");
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [1, 2, 3]}]})"),
            "input 'x': shape holds 4 elements but 3 were sent");
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "UINT8", "shape": [1], "data": [256]}]})"),
            "input 'x': 256 is out of range");
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "INT32", "shape": [1], "data": [1.5]}]})"),
            "input 'x': expected an integer, got 1.5");
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1], "data": []}]})"),
            "input 'x': shape must hold non-negative integers");
  EXPECT_EQ(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]})"),
            "input 'x': no data (and no binary_data_size)");
  const std::string json =
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "parameters": {"binary_data_size": 4}}]})";
  EXPECT_EQ(error_of(json + "abc", json.size()), "input 'x': binary_data_size 4 runs past the end of the body");
  EXPECT_EQ(error_of(json + "abcdef", json.size()),
            "2 bytes after the JSON header belong to no input (binary_data_size)");
  EXPECT_NE(error_of(json, json.size() + 10).find("Inference-Header-Content-Length"), std::string::npos);
  const std::string bytes_json =
      R"({"inputs": [{"name": "img", "datatype": "BYTES", "shape": [1], "parameters": {"binary_data_size": 6}}]})";
  EXPECT_EQ(error_of(bytes_json + le32(9) + "ab", bytes_json.size()),
            "input 'img': a BYTES element is shorter than its length prefix says");
}

TEST(InferenceProtocol, OnlyTheRequestedOutputsAreSentAndAnUnknownOneIsAnError) {
  Tensor a{"a", DataType::INT32, {1}, std::string(4, '\0'), {}, nlohmann::json::object()};
  Tensor b{"b", DataType::INT32, {1}, std::string(4, '\0'), {}, nlohmann::json::object()};
  InferRequest request;
  request.outputs = {{"b", false, 0}};
  const auto body = nlohmann::json::parse(encode_infer_response("m", "", {a, b}, request).body);
  ASSERT_EQ(body["outputs"].size(), 1u);
  EXPECT_EQ(body["outputs"][0]["name"], "b");
  request.outputs = {{"c", false, 0}};
  try {
    encode_infer_response("m", "", {a, b}, request);
    ADD_FAILURE() << "no error";
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "model 'm' has no output named 'c'");
  }
}

}  // namespace
}  // namespace tessera::serve
