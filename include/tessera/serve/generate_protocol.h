#pragma once
// The two text-generation protocols of `tessera serve`, as JSON in and out (the routes carry
// them over HTTP, serve_routes.h):
//
// Triton's generate extension, POST /v2/models/{m}/generate (and generate_stream):
//   {"text_input": "Once upon", "max_tokens": 20, "temperature": 0, "stop": ["\n"],
//    "parameters": {"top_k": 40, "top_p": 0.95, "seed": 7, "next_tokens": 5}}
//   -> {"model_name": m, "model_version": "1", "text_output": " a time", "finish_reason": "stop",
//       "next_tokens": [{"token": " a", "probability": 0.61}, ...]}   (next_tokens when asked)
//   Settings may sit at the top level (as model inputs, Triton's way) or in "parameters".
//
// OpenAI's completions, POST /v1/completions (what the openai client's completions.create sends):
//   {"model": m, "prompt": "Once upon", "max_tokens": 16, "temperature": 1, "top_p": 1,
//    "stop": "\n" or [...], "seed": 7, "stream": false, "logprobs": k}
//   -> {"id": "cmpl-...", "object": "text_completion", "created": unix seconds, "model": m,
//       "choices": [{"text": ..., "index": 0, "logprobs": null, "finish_reason": "length"}],
//       "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}}
//   OpenAI's defaults apply (max_tokens 16, temperature 1, top_p 1, no top-k). "logprobs": k
//   gives the k most likely first tokens as {"top_logprobs": [{token: log p}]}. One prompt and
//   n = 1 only; echo, best_of, suffix and penalties are refused by name rather than ignored.
//
// Parsing throws ProtocolError naming the field: malformed JSON, a wrong type, a value out of range.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/serve/served_model.h"

namespace tessera::serve {

// The settings every way of asking for text shares, read from `object` where present:
// max_tokens, temperature, top_k, top_p, seed, stop (ProtocolError naming a wrong one).
void read_generation_settings(const nlohmann::json& object, GenerationCall& call);

GenerationCall parse_generate_request(std::string_view body);
nlohmann::json generate_response(const std::string& model, const GenerationOutcome& outcome);
// One server-sent event's data for generate_stream: {"model_name", "model_version", "text_output": piece}.
nlohmann::json generate_stream_piece(const std::string& model, std::string_view piece);

struct CompletionRequest {
  std::string model;
  GenerationCall call;
  bool stream = false;
};

CompletionRequest parse_completion_request(std::string_view body);
nlohmann::json completion_response(const std::string& id, std::int64_t created, const std::string& model,
                                   const GenerationOutcome& outcome);
// One streamed chunk: the same object with "choices": [{"text": piece, ..., "finish_reason": reason or null}].
nlohmann::json completion_chunk(const std::string& id, std::int64_t created, const std::string& model,
                                std::string_view piece, const std::optional<std::string>& finish_reason);

}  // namespace tessera::serve
