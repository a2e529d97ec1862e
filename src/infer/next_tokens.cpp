#include "tessera/infer/next_tokens.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>

#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/infer/prompt.h"
#include "tessera/run/run_directory.h"

namespace tessera::infer {

std::vector<NextToken> next_tokens(tasks::LanguageModelTask& task, std::string_view prompt, std::int64_t k) {
  models::GptImpl& gpt = task.gpt();
  const text::Tokenizer& tokenizer = task.tokenizer();
  const EncodedPrompt encoded = encode_prompt(tokenizer, prompt, gpt.options.context);
  const std::vector<std::int64_t> ids(encoded.ids.begin(), encoded.ids.end());

  torch::Tensor probabilities;
  {
    const c10::InferenceMode inference;
    const AutocastScope autocast(task.compute());
    gpt.eval();
    const torch::Tensor input = torch::tensor(ids, torch::kLong).reshape({1, -1}).to(task.device());
    probabilities = gpt.forward(input).select(1, -1).reshape({-1}).to(torch::kCPU, torch::kFloat64).softmax(0);
  }
  // A stable sort keeps equal probabilities in id order, so the table is the same on every run.
  const torch::Tensor order = std::get<1>(probabilities.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  const std::int64_t count = std::clamp<std::int64_t>(k, 1, probabilities.size(0));
  std::vector<NextToken> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t rank = 0; rank < count; ++rank) {
    const auto id = static_cast<std::int32_t>(order[rank].item<std::int64_t>());
    out.push_back({id, tokenizer.token_text(id), probabilities[id].item<double>()});
  }
  return out;
}

std::vector<NextToken> next_tokens(const NextRequest& request) {
  const auto run = run::RunDirectory::open(request.run_dir);
  auto task = tasks::LanguageModelTask::from_run_directory(run, resolve_device(request.device));
  return next_tokens(*task, request.prompt, request.top_k);
}

std::string visible_token(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      case ' ': out += "\u2420"; break;  // SYMBOL FOR SPACE
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace tessera::infer
