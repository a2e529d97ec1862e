#include "tessera/models/gpt.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "tessera/core/error.h"

namespace tessera::models {

void validate(const GptOptions& o) {
  const auto fail = [](const std::string& what) { throw UserError("gpt: " + what); };
  if (o.vocab_size < 1) fail("vocab_size must be >= 1, got " + std::to_string(o.vocab_size));
  if (o.context < 1) fail("context must be >= 1, got " + std::to_string(o.context));
  if (o.n_layer < 1) fail("n_layer must be >= 1, got " + std::to_string(o.n_layer));
  if (o.n_head < 1) fail("n_head must be >= 1, got " + std::to_string(o.n_head));
  if (o.n_embd < 1 || o.n_embd % o.n_head != 0) {
    fail("n_embd must be a positive multiple of n_head (" + std::to_string(o.n_head) + "), got " +
         std::to_string(o.n_embd));
  }
  if (!(o.dropout >= 0.0 && o.dropout < 1.0)) fail("dropout must be in [0, 1), got " + std::to_string(o.dropout));
}

// GPT-2's initialisation: N(0, 0.02) weights, zero biases; the projections into the residual
// stream (c_proj) scaled by 1/sqrt(2 n_layer) so the stream's variance does not grow with depth.
Conv1DImpl::Conv1DImpl(std::int64_t in, std::int64_t out, bool with_bias) {
  weight = register_parameter("weight", torch::empty({in, out}).normal_(0.0, 0.02));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor Conv1DImpl::forward(const torch::Tensor& x) {
  auto shape = x.sizes().vec();
  shape.back() = weight.size(1);
  const torch::Tensor flat = x.reshape({-1, x.size(-1)});
  return (bias.defined() ? torch::addmm(bias, flat, weight) : flat.mm(weight)).view(shape);
}

GptLayerNormImpl::GptLayerNormImpl(std::int64_t size, bool with_bias) {
  weight = register_parameter("weight", torch::ones({size}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({size}));
}

torch::Tensor GptLayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, 1e-5);
}

GptAttentionImpl::GptAttentionImpl(const GptOptions& o) : options(o) {
  c_attn = register_module("c_attn", Conv1D(o.n_embd, 3 * o.n_embd, o.bias));
  c_proj = register_module("c_proj", Conv1D(o.n_embd, o.n_embd, o.bias));
  resid_dropout = register_module("resid_dropout", torch::nn::Dropout(o.dropout));
  torch::NoGradGuard no_grad;
  c_proj->weight.normal_(0.0, 0.02 / std::sqrt(2.0 * static_cast<double>(o.n_layer)));
}

torch::Tensor GptAttentionImpl::forward(const torch::Tensor& x, torch::Tensor* keys, torch::Tensor* values) {
  const std::int64_t batch = x.size(0), steps = x.size(1), width = x.size(2);
  const std::int64_t heads = options.n_head, head_dim = width / heads;
  const auto qkv = c_attn(x).split(width, 2);
  const auto to_heads = [&](const torch::Tensor& t) { return t.view({batch, steps, heads, head_dim}).transpose(1, 2); };
  torch::Tensor q = to_heads(qkv[0]), k = to_heads(qkv[1]), v = to_heads(qkv[2]);
  std::int64_t past = 0;
  if (keys != nullptr) {
    if (keys->defined()) {
      past = keys->size(2);
      k = torch::cat({*keys, k}, 2);
      v = torch::cat({*values, v}, 2);
    }
    *keys = k;
    *values = v;
  }
  const double p = is_training() ? options.dropout : 0.0;
  torch::Tensor y;
  if (past == 0) {
    y = at::scaled_dot_product_attention(q, k, v, {}, p, /*is_causal=*/true);
  } else if (steps == 1) {  // one new position sees everything before it
    y = at::scaled_dot_product_attention(q, k, v, {}, p, /*is_causal=*/false);
  } else {  // new position i sees the past and new positions <= i
    const auto mask = torch::ones({steps, past + steps}, torch::dtype(torch::kBool).device(x.device())).tril(past);
    y = at::scaled_dot_product_attention(q, k, v, mask, p, /*is_causal=*/false);
  }
  return resid_dropout(c_proj(y.transpose(1, 2).reshape({batch, steps, width})));
}

GptMlpImpl::GptMlpImpl(const GptOptions& o) {
  c_fc = register_module("c_fc", Conv1D(o.n_embd, 4 * o.n_embd, o.bias));
  c_proj = register_module("c_proj", Conv1D(4 * o.n_embd, o.n_embd, o.bias));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout));
  torch::NoGradGuard no_grad;
  c_proj->weight.normal_(0.0, 0.02 / std::sqrt(2.0 * static_cast<double>(o.n_layer)));
}

torch::Tensor GptMlpImpl::forward(const torch::Tensor& x) {
  return dropout(c_proj(torch::gelu(c_fc(x), "tanh")));  // GPT-2's "gelu_new"
}

GptBlockImpl::GptBlockImpl(const GptOptions& o) {
  ln_1 = register_module("ln_1", GptLayerNorm(o.n_embd, o.bias));
  attn = register_module("attn", GptAttention(o));
  ln_2 = register_module("ln_2", GptLayerNorm(o.n_embd, o.bias));
  mlp = register_module("mlp", GptMlp(o));
}

torch::Tensor GptBlockImpl::forward(const torch::Tensor& x, torch::Tensor* keys, torch::Tensor* values) {
  const torch::Tensor y = x + attn(ln_1(x), keys, values);
  return y + mlp(ln_2(y));
}

GptImpl::GptImpl(const GptOptions& o) : options(o) {
  validate(o);
  transformer = register_module("transformer", std::make_shared<torch::nn::Module>());
  wte = transformer->register_module("wte", torch::nn::Embedding(o.vocab_size, o.n_embd));
  wpe = transformer->register_module("wpe", torch::nn::Embedding(o.context, o.n_embd));
  drop = transformer->register_module("drop", torch::nn::Dropout(o.dropout));
  h = transformer->register_module("h", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < o.n_layer; ++i) h->push_back(GptBlock(o));
  ln_f = transformer->register_module("ln_f", GptLayerNorm(o.n_embd, o.bias));
  torch::NoGradGuard no_grad;
  wte->weight.normal_(0.0, 0.02);
  wpe->weight.normal_(0.0, 0.02);
  if (!o.tie_embeddings) {
    lm_head = register_module("lm_head", torch::nn::Linear(torch::nn::LinearOptions(o.n_embd, o.vocab_size).bias(false)));
    lm_head->weight.normal_(0.0, 0.02);
  }
}

torch::Tensor GptImpl::run(const torch::Tensor& tokens, std::int64_t past, KvCache* cache) {
  const std::int64_t steps = tokens.size(1);
  if (past + steps > options.context) {
    throw std::invalid_argument("gpt: " + std::to_string(past + steps) + " positions exceed the context of " +
                                std::to_string(options.context));
  }
  const auto positions = torch::arange(past, past + steps, torch::dtype(torch::kLong).device(tokens.device()));
  torch::Tensor x = drop(wte(tokens) + wpe(positions));
  if (cache != nullptr && cache->keys.empty()) {
    cache->keys.resize(h->size());
    cache->values.resize(h->size());
  }
  for (std::size_t i = 0; i < h->size(); ++i) {
    auto* block = h[i]->as<GptBlockImpl>();
    x = cache != nullptr ? block->forward(x, &cache->keys[i], &cache->values[i]) : block->forward(x);
  }
  x = ln_f(x);
  return options.tie_embeddings ? torch::matmul(x, wte->weight.t()) : lm_head(x);
}

torch::Tensor GptImpl::forward(const torch::Tensor& tokens) { return run(tokens, 0, nullptr); }

torch::Tensor GptImpl::forward(const torch::Tensor& tokens, KvCache& cache) {
  return run(tokens, cache.length(), &cache);
}

std::int64_t GptImpl::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& p : parameters()) total += p.numel();
  return total;
}

}  // namespace tessera::models
