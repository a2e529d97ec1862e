#pragma once
// GPT: a decoder-only transformer that reads a window of up to `context` tokens and predicts the
// next token at every position (GPT-2's architecture: learned position embeddings, pre-LayerNorm
// blocks, GELU (tanh) MLP of 4 x n_embd, causal self-attention).
//
// Parameter names and layouts are Hugging Face GPT2LMHeadModel's ("transformer.h.0.attn.c_attn.weight",
// Conv1D weights stored in x out), so a weights file is a GPT-2 state dict: tests load ours into
// transformers and compare logits. With bias off there are no bias tensors (LayerNorm included).
// With tied embeddings the output projection IS transformer.wte.weight: one parameter, one tensor
// in the weights file (no lm_head.weight), tied by construction after any load.
//
// Attention runs through at::scaled_dot_product_attention (flash / memory-efficient kernels on
// the GPU). Generation uses a KvCache so each new token costs one position, not the whole window.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace tessera::models {

struct GptOptions {
  std::int64_t vocab_size = 0;
  std::int64_t context = 64;   // window: the most positions one forward pass may see
  std::int64_t n_layer = 4;
  std::int64_t n_head = 4;
  std::int64_t n_embd = 128;   // divisible by n_head
  double dropout = 0.0;        // attention, residual and embedding dropout while training
  bool bias = true;            // biases in Linear/Conv1D and LayerNorm
  bool tie_embeddings = true;  // output projection = token embedding
};

// Keys and values of every layer for the positions seen so far (B x n_head x T x head_dim each).
struct KvCache {
  std::vector<torch::Tensor> keys, values;
  std::int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
  void clear() { keys.clear(), values.clear(); }
};

// GPT-2's Conv1D: y = x W + b with W stored in x out (the layout of GPT-2 checkpoints).
struct Conv1DImpl : torch::nn::Module {
  Conv1DImpl(std::int64_t in, std::int64_t out, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;  // bias undefined when off
};
TORCH_MODULE(Conv1D);

// LayerNorm whose bias can be off (GPT with bias=false), eps 1e-5.
struct GptLayerNormImpl : torch::nn::Module {
  GptLayerNormImpl(std::int64_t size, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(GptLayerNorm);

struct GptAttentionImpl : torch::nn::Module {
  explicit GptAttentionImpl(const GptOptions& options);
  // x: B x T x C. With a cache, keys/values of the new positions are appended to `keys`/`values`.
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr);
  GptOptions options;
  Conv1D c_attn{nullptr}, c_proj{nullptr};
  torch::nn::Dropout resid_dropout{nullptr};
};
TORCH_MODULE(GptAttention);

struct GptMlpImpl : torch::nn::Module {
  explicit GptMlpImpl(const GptOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  Conv1D c_fc{nullptr}, c_proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(GptMlp);

struct GptBlockImpl : torch::nn::Module {
  explicit GptBlockImpl(const GptOptions& options);
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* keys = nullptr, torch::Tensor* values = nullptr);
  GptLayerNorm ln_1{nullptr}, ln_2{nullptr};
  GptAttention attn{nullptr};
  GptMlp mlp{nullptr};
};
TORCH_MODULE(GptBlock);

struct GptImpl : torch::nn::Module {
  explicit GptImpl(const GptOptions& options);

  // tokens: B x T int64 with T <= context. Returns logits B x T x vocab_size.
  torch::Tensor forward(const torch::Tensor& tokens);
  // Incremental decoding: `tokens` (B x T_new) continue the positions already in `cache`, whose
  // keys/values are extended. Logits for the new positions only. cache.length() + T_new must not
  // exceed the context (std::invalid_argument otherwise: the caller crops or restarts).
  torch::Tensor forward(const torch::Tensor& tokens, KvCache& cache);

  // Parameters counted once (tied embeddings are one tensor).
  std::int64_t parameter_count() const;

  GptOptions options;
  std::shared_ptr<torch::nn::Module> transformer;  // GPT-2's container: wte, wpe, h, ln_f
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::Dropout drop{nullptr};
  torch::nn::ModuleList h{nullptr};
  GptLayerNorm ln_f{nullptr};
  torch::nn::Linear lm_head{nullptr};  // only when embeddings are not tied

 private:
  torch::Tensor run(const torch::Tensor& tokens, std::int64_t past, KvCache* cache);
};
TORCH_MODULE(Gpt);

// Throws UserError naming the field for sizes that cannot build (vocab < 1, n_embd % n_head, ...).
void validate(const GptOptions& options);

}  // namespace tessera::models
