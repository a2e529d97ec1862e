// Safetensors I/O: exact round trips of every dtype, metadata, rejection of corrupt files, and
// interchange with Python's `safetensors` package in both directions.
#include "tessera/models/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "models/test_util.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/models/simple_cnn.h"

namespace tessera::models {
namespace {

using tessera::testing::TempDir;

const std::map<std::string, std::string> kMetadata = {
    {"format", "pt"}, {"origin", "tessera-test"}, {"unicode", "gr\u00fc\u00dfe"}};

// Built independently of safetensors_reference.py's expected(); the two must agree.
std::map<std::string, torch::Tensor> expected_tensors() {
  const auto base = torch::arange(-12, 12, torch::kFloat64).reshape({2, 3, 4});
  std::map<std::string, torch::Tensor> t;
  t["f32"] = (base * 0.25).to(torch::kFloat32);
  t["f16"] = (base * 0.25).to(torch::kFloat16);
  t["bf16"] = (base * 0.25).to(torch::kBFloat16);
  t["f64"] = base * 0.25;
  t["i64"] = (base * 5).to(torch::kInt64);
  t["i32"] = (base * 5).to(torch::kInt32);
  t["i16"] = (base * 5).to(torch::kInt16);
  t["i8"] = (base * 5).to(torch::kInt8);
  t["u8"] = (base + 12).to(torch::kUInt8) * 10;
  t["bool"] = base.to(torch::kInt64).remainder(3) == 0;
  t["scalar"] = torch::tensor(3.5f);
  t["empty"] = torch::zeros({0, 3});
  t["big_i64"] = torch::tensor({(std::int64_t{1} << 62) + 1, -(std::int64_t{1} << 40) - 3});
  return t;
}

void expect_same(const std::map<std::string, torch::Tensor>& got,
                 const std::map<std::string, torch::Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [key, w] : want) {
    ASSERT_TRUE(got.count(key)) << key;
    const auto& g = got.at(key);
    EXPECT_EQ(g.scalar_type(), w.scalar_type()) << key;
    EXPECT_EQ(g.sizes(), w.sizes()) << key;
    EXPECT_TRUE(torch::equal(g, w)) << key;  // bit-exact: no tolerance for I/O
  }
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Expects load_safetensors(path) to throw a UserError naming the path and containing `problem`.
void expect_rejected(const std::filesystem::path& path, const std::string& problem) {
  try {
    load_safetensors(path);
    FAIL() << "accepted " << path;
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

std::string header_file(const std::string& json, const std::string& data) {
  const std::uint64_t n = json.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + json + data;
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadataExactly) {
  TempDir dir("roundtrip");
  const auto path = dir / "all.safetensors";
  save_safetensors(path, expected_tensors(), kMetadata);
  const auto file = load_safetensors(path);
  expect_same(file.tensors, expected_tensors());
  EXPECT_EQ(file.metadata, kMetadata);
}

TEST(Safetensors, LayoutFollowsTheSpec) {
  const auto bytes = to_safetensors_bytes({{"a", torch::tensor({1.0f, 2.0f})}}, {});
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u) << "header padded to 8 bytes";
  EXPECT_EQ(bytes.size(), 8 + n + 8);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"], nlohmann::json::array({2}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json::array({0, 8}));
  EXPECT_FALSE(header.contains("__metadata__"));
  const float two = 2.0f;
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + n + 4, &two, 4), 0) << "raw little-endian data";
}

TEST(Safetensors, NonContiguousTensorsAreSavedByValue) {
  const auto t = torch::arange(12, torch::kFloat32).reshape({3, 4}).t();  // transposed view
  const auto file = from_safetensors_bytes(to_safetensors_bytes({{"t", t}}, {}), "mem");
  EXPECT_TRUE(torch::equal(file.tensors.at("t"), t));
}

TEST(Safetensors, UnsupportedDtypeIsAUserError) {
  EXPECT_THROW(to_safetensors_bytes({{"c", torch::zeros({2}, torch::kComplexFloat)}}, {}), UserError);
}

TEST(Safetensors, MissingFileNamesThePath) {
  TempDir dir("missing");
  const auto path = dir / "nope.safetensors";
  try {
    load_safetensors(path);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RejectsCorruptAndTruncatedFiles) {
  TempDir dir("corrupt");
  const auto good = to_safetensors_bytes(expected_tensors(), kMetadata);
  std::uint64_t n = 0;
  std::memcpy(&n, good.data(), 8);

  struct Case { std::string name, bytes, problem; };
  const std::vector<Case> cases = {
      {"tiny", "abc", "too short"},
      {"header_cut", good.substr(0, 8 + n / 2), "exceeds the file size"},
      {"data_cut", good.substr(0, good.size() - 5), "outside the data section"},
      {"trailing", good + "xxxxxxxx", "tensors cover"},
      {"huge_header", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "exceeds the file size"},
      {"not_json", header_file("{not json", ""), "not valid JSON"},
      {"not_object", header_file("[1, 2]  ", ""), "not a JSON object"},
      {"bad_dtype", header_file(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})",
                                std::string(16, '\0')), "unsupported dtype"},
      {"size_mismatch", header_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                    std::string(8, '\0')), "dtype x shape needs 12"},
      {"negative_shape", header_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                                     std::string(4, '\0')), "negative"},
      {"overlap", header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                              std::string(8, '\0')), "overlap or gap"},
      {"missing_field", header_file(R"({"a":{"dtype":"F32","shape":[1]}})", std::string(4, '\0')),
       "lacks dtype, shape or data_offsets"},
      {"bad_metadata", header_file(R"({"__metadata__":{"k":1}})", ""), "not a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto path = dir / (c.name + ".safetensors");
    write_bytes(path, c.bytes);
    expect_rejected(path, c.problem);
  }
}

TEST(Safetensors, SaveIsAtomicAndReplacesTheOldFile) {
  TempDir dir("atomic");
  const auto path = dir / "w.safetensors";
  save_safetensors(path, {{"a", torch::ones({2})}}, {});
  save_safetensors(path, {{"b", torch::zeros({3})}}, {{"v", "2"}});
  const auto file = load_safetensors(path);
  EXPECT_EQ(file.tensors.size(), 1u);
  EXPECT_TRUE(file.tensors.count("b"));
  EXPECT_EQ(file.metadata.at("v"), "2");
  // Nothing but the target is left in the directory (no temporary files).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()), 1);
}

TEST(Safetensors, PythonReadsWhatTesseraWrites) {
  if (!testing::python_has("safetensors, torch"))
    GTEST_SKIP() << "Python at " << TESSERA_PYTHON_EXE << " lacks `safetensors` (pip install safetensors)";
  TempDir dir("py_read");
  const auto path = dir / "cpp.safetensors";
  save_safetensors(path, expected_tensors(), kMetadata);
  EXPECT_EQ(testing::run_python(testing::script("safetensors_reference.py") + " check " +
                                testing::shell_quote(path.string())), 0);
}

TEST(Safetensors, TesseraReadsWhatPythonWrites) {
  if (!testing::python_has("safetensors, torch"))
    GTEST_SKIP() << "Python at " << TESSERA_PYTHON_EXE << " lacks `safetensors` (pip install safetensors)";
  TempDir dir("py_write");
  const auto path = dir / "py.safetensors";
  ASSERT_EQ(testing::run_python(testing::script("safetensors_reference.py") + " write " +
                                testing::shell_quote(path.string())), 0);
  const auto file = load_safetensors(path);
  expect_same(file.tensors, expected_tensors());
  EXPECT_EQ(file.metadata, kMetadata);
}

// --- state_dict / load_state_dict -----------------------------------------------------------

SimpleCnn small_net(std::int64_t seed) {
  torch::manual_seed(seed);
  return SimpleCnn(SimpleCnnOptions(5).in_channels(1).width(4));
}

TEST(StateDict, KeysAreParametersAndBuffersWithDottedNames) {
  auto net = small_net(0);
  const auto sd = state_dict(*net);
  EXPECT_TRUE(sd.count("features.0.weight"));
  EXPECT_TRUE(sd.count("features.1.running_mean"));
  EXPECT_TRUE(sd.count("features.1.num_batches_tracked"));
  EXPECT_TRUE(sd.count("fc.bias"));
  EXPECT_EQ(sd.size(), net->parameters().size() + net->buffers().size());
  for (const auto& [k, v] : sd) EXPECT_FALSE(v.requires_grad()) << k;
}

TEST(StateDict, SaveLoadRoundTripReproducesOutputs) {
  TempDir dir("sd");
  auto a = small_net(1);
  a->train();
  a->forward(torch::randn({8, 1, 20, 20}));  // moves BN running stats away from their defaults
  a->eval();
  save_safetensors(dir / "a.safetensors", state_dict(*a), {});

  auto b = small_net(2);
  b->eval();
  const auto x = torch::randn({3, 1, 20, 20});
  ASSERT_FALSE(torch::equal(a->forward(x), b->forward(x)));
  load_state_dict(*b, load_safetensors(dir / "a.safetensors").tensors);
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
  EXPECT_TRUE(b->parameters()[0].requires_grad()) << "loading keeps parameters trainable";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(StateDict, StrictLoadNamesMissingExtraAndMisshapenKeys) {
  auto net = small_net(0);
  auto sd = state_dict(*net);

  auto missing = sd;
  missing.erase("fc.weight");
  EXPECT_NE(error_of([&] { load_state_dict(*net, missing); }).find("missing key 'fc.weight'"),
            std::string::npos);
  EXPECT_NO_THROW(load_state_dict(*net, missing, /*strict=*/false));

  auto extra = sd;
  extra["head.weight"] = torch::zeros({1});
  EXPECT_NE(error_of([&] { load_state_dict(*net, extra); }).find("unexpected key 'head.weight'"),
            std::string::npos);
  EXPECT_NO_THROW(load_state_dict(*net, extra, /*strict=*/false));

  auto misshapen = sd;
  misshapen["fc.bias"] = torch::zeros({7});
  EXPECT_NE(error_of([&] { load_state_dict(*net, misshapen, false); }).find("'fc.bias'"),
            std::string::npos) << "shape is checked even when not strict";
}

TEST(StateDict, NonStrictLoadCopiesOnlyWhatIsGiven) {
  auto net = small_net(0);
  std::map<std::string, torch::Tensor> before;
  for (const auto& [k, v] : state_dict(*net)) before[k] = v.clone();  // state_dict aliases the module
  std::map<std::string, torch::Tensor> partial = {{"fc.bias", torch::full({5}, 0.5, torch::kFloat64)}};
  load_state_dict(*net, partial, /*strict=*/false);
  const auto after = state_dict(*net);
  EXPECT_TRUE(torch::equal(after.at("fc.bias"), torch::full({5}, 0.5f))) << "converted to float";
  EXPECT_TRUE(torch::equal(after.at("fc.weight"), before.at("fc.weight")));
}

}  // namespace
}  // namespace tessera::models
