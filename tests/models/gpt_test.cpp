// GPT against Hugging Face transformers' GPT2LMHeadModel (the same architecture written
// independently): same parameter names, shapes and count, logits equal within 1e-4 absolute.
// Plus what transformers cannot check for us: tied embeddings stay one tensor through save/load,
// and KV-cached decoding gives the logits of a full forward pass (1e-5).
#include <gtest/gtest.h>

#include <set>

#include "models/test_util.h"
#include "tessera/core/error.h"
#include "tessera/models/gpt.h"
#include "tessera/models/safetensors.h"

namespace tessera::models {
namespace {

GptOptions small(bool tie = true, bool bias = true) {
  GptOptions o;
  o.vocab_size = 50;
  o.context = 16;
  o.n_layer = 2;
  o.n_head = 2;
  o.n_embd = 32;
  o.tie_embeddings = tie;
  o.bias = bias;
  return o;
}

std::int64_t expected_parameters(const GptOptions& o) {
  const std::int64_t e = o.n_embd, b = o.bias ? 1 : 0;
  const std::int64_t block = 2 * (e + b * e)                                // ln_1, ln_2
                             + (e * 3 * e + b * 3 * e) + (e * e + b * e)     // attention
                             + (e * 4 * e + b * 4 * e) + (4 * e * e + b * e);  // MLP
  return o.vocab_size * e + o.context * e + o.n_layer * block + (e + b * e) +
         (o.tie_embeddings ? 0 : o.vocab_size * e);
}

TEST(Gpt, ParameterCountNamesAndTying) {
  for (const bool tie : {true, false}) {
    for (const bool bias : {true, false}) {
      const auto o = small(tie, bias);
      Gpt gpt(o);
      EXPECT_EQ(gpt->parameter_count(), expected_parameters(o)) << tie << bias;
      std::set<std::string> names;
      for (const auto& [name, p] : state_dict(*gpt)) names.insert(name);
      EXPECT_TRUE(names.count("transformer.h.1.attn.c_attn.weight"));
      EXPECT_EQ(names.count("lm_head.weight"), tie ? 0u : 1u);
      EXPECT_EQ(names.count("transformer.ln_f.bias"), bias ? 1u : 0u);
      EXPECT_EQ(state_dict(*gpt).at("transformer.h.0.attn.c_attn.weight").sizes(), torch::IntArrayRef({32, 96}));
    }
  }
}

TEST(Gpt, TiedEmbeddingIsOneTensorBeforeAndAfterSaveLoad) {
  torch::manual_seed(0);
  Gpt gpt(small());
  tessera::testing::TempDir dir("gpt_tied");
  save_safetensors(dir / "w.safetensors", state_dict(*gpt));
  EXPECT_EQ(load_safetensors(dir / "w.safetensors").tensors.count("lm_head.weight"), 0u);

  torch::manual_seed(1);
  Gpt loaded(small());
  load_state_dict(*loaded, load_safetensors(dir / "w.safetensors").tensors);
  loaded->eval();
  gpt->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, 50, {1, 8}, torch::kLong);
  EXPECT_TRUE(torch::allclose(loaded->forward(tokens), gpt->forward(tokens), 0.0, 0.0));
  // Changing the one embedding tensor changes the output projection too.
  const auto before = loaded->forward(tokens);
  // (a random direction: a constant one is invisible after ln_f, whose output sums to 0)
  loaded->wte->weight[7].add_(torch::randn({32}));
  const auto after = loaded->forward(tokens);
  const auto hidden_effect = (after - before).select(2, 7);  // logit of token 7 moves at every position
  EXPECT_GT(hidden_effect.abs().min().item<double>(), 1e-3);
  std::int64_t embedding_like = 0;
  for (const auto& p : loaded->parameters()) embedding_like += p.sizes() == torch::IntArrayRef({50, 32}) ? 1 : 0;
  EXPECT_EQ(embedding_like, 1);
}

TEST(Gpt, KvCacheGivesTheLogitsOfAFullPass) {
  torch::manual_seed(3);
  Gpt gpt(small(true, false));
  gpt->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, 50, {2, 16}, torch::kLong);
  const auto full = gpt->forward(tokens);
  KvCache cache;
  std::vector<torch::Tensor> parts;
  parts.push_back(gpt->forward(tokens.slice(1, 0, 5), cache));   // a prompt
  parts.push_back(gpt->forward(tokens.slice(1, 5, 9), cache));   // a chunk after a cache: masked
  for (int t = 9; t < 16; ++t) parts.push_back(gpt->forward(tokens.slice(1, t, t + 1), cache));
  EXPECT_EQ(cache.length(), 16);
  const double diff = (torch::cat(parts, 1) - full).abs().max().item<double>();
  EXPECT_LE(diff, 1e-5);
  EXPECT_THROW(gpt->forward(tokens.slice(1, 0, 1), cache), std::invalid_argument);  // past the window
}

TEST(Gpt, InvalidSizesAreUserErrors) {
  auto o = small();
  o.n_embd = 30;  // not a multiple of 4
  o.n_head = 4;
  try {
    Gpt gpt(o);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "gpt: n_embd must be a positive multiple of n_head (4), got 30");
  }
  o = small();
  o.vocab_size = 0;
  EXPECT_THROW(Gpt{o}, UserError);
}

class GptVsTransformers : public ::testing::TestWithParam<bool> {};

TEST_P(GptVsTransformers, SameNamesCountAndLogits) {
  if (!testing::python_has("transformers, safetensors")) {
    GTEST_SKIP() << "Python at " << TESSERA_PYTHON_EXE << " lacks transformers (tools/setup.sh installs it)";
  }
  const bool tie = GetParam();
  const auto o = small(tie, true);
  tessera::testing::TempDir dir(tie ? "gpt2_tied" : "gpt2_untied");
  const auto weights = dir / "weights.safetensors", io = dir / "io.safetensors";
  ASSERT_EQ(testing::run_python(testing::script("gpt2_reference.py") + " 50 16 2 2 32 " + (tie ? "1 " : "0 ") +
                                testing::shell_quote(weights.string()) + " " + testing::shell_quote(io.string())),
            0);
  const auto reference = load_safetensors(weights);
  Gpt gpt(o);
  std::set<std::string> ours, theirs;
  for (const auto& [k, v] : state_dict(*gpt)) ours.insert(k);
  for (const auto& [k, v] : reference.tensors) theirs.insert(k);
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(std::to_string(gpt->parameter_count()), reference.metadata.at("num_params"));

  load_state_dict(*gpt, reference.tensors, /*strict=*/true);
  gpt->eval();
  torch::NoGradGuard no_grad;
  const auto tensors = load_safetensors(io).tensors;
  const auto logits = gpt->forward(tensors.at("tokens"));
  const auto& want = tensors.at("logits");
  ASSERT_EQ(logits.sizes(), want.sizes());
  const double diff = (logits - want).abs().max().item<double>();
  EXPECT_LE(diff, 1e-4) << "max |logit| " << want.abs().max().item<double>();
}

INSTANTIATE_TEST_SUITE_P(Tying, GptVsTransformers, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "tied" : "untied"; });

}  // namespace
}  // namespace tessera::models
