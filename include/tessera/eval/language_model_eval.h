#pragma once
// `tessera eval RUN --data TEXT` for a language-model run: how well the model predicts a text.
//
// The text (a file, or a folder of files joined with the end-of-text token) is encoded with the
// run's tokenizer, whose policy for ill-formed UTF-8 and unknown characters applies as in
// training. The model reads it in windows of model.context tokens that start every `stride`
// tokens (data::evaluation_windows) and scores each token once, so the numbers are the text's:
//   loss                mean NLL per scored token, in nats (every token but the first)
//   perplexity          exp(loss)
//   bits_per_token      loss / ln 2
//   bits_per_character  total NLL / (ln 2 x characters), characters = code points of the text as
//                       read: comparable across tokenizers, unlike the per-token numbers
// A stride below the context gives each scored token more history (and costs context/stride
// times the compute), so it reports a lower loss than non-overlapping windows: the report states
// window and stride, as the numbers mean nothing without them.
#include <nlohmann/json.hpp>

#include <cstdint>

#include "tessera/data/text_corpus.h"
#include "tessera/eval/evaluator.h"
#include "tessera/tasks/language_model.h"

namespace tessera::eval {

// One pass of the task's model over `text` without autograd (inference mode), in batches of
// eval.batch_size windows, under the task's autocast (bf16 on CUDA). `stride` 0 means the context;
// UserError when it is negative or longer than the context, or when the text has fewer than two
// tokens. Returns the report above plus tokens, characters, window, stride, windows, accuracy,
// nll_sum, seconds and tokens_per_second. With a `group`, each rank scores its share of the
// windows (rank r: windows r, r + size, ...) and every rank returns the whole text's report.
nlohmann::json evaluate_text(tasks::LanguageModelTask& task, data::TokenStream text, std::int64_t stride,
                             bool cuda_graphs = false, dist::Group* group = nullptr);

// The whole command for a language-model run: reads request.data, writes report.json (with the
// run, weights, device, precision, tokenizer and what encoding replaced) into the output folder.
EvalResult evaluate_language_model(const EvalRequest& request);

}  // namespace tessera::eval
