#include "tessera/serve/generate_protocol.h"

#include <cmath>
#include <initializer_list>
#include <utility>

#include "tessera/serve/inference_protocol.h"

namespace tessera::serve {
namespace {

nlohmann::json parse_object(std::string_view body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw ProtocolError(std::string("the body is not JSON: ") + e.what());
  }
  if (!json.is_object()) throw ProtocolError("the body must be a JSON object");
  return json;
}

// `key` of `object` when present and not null, else nullptr.
const nlohmann::json* field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::int64_t integer(const nlohmann::json& value, const char* key) {
  if (!value.is_number_integer()) throw ProtocolError(std::string(key) + " must be an integer, got " + value.dump());
  return value.get<std::int64_t>();
}

double number(const nlohmann::json& value, const char* key) {
  if (!value.is_number()) throw ProtocolError(std::string(key) + " must be a number, got " + value.dump());
  return value.get<double>();
}

std::string text(const nlohmann::json& value, const char* key) {
  if (!value.is_string()) throw ProtocolError(std::string(key) + " must be a string, got " + value.dump());
  return value.get<std::string>();
}

// `key` of `object`, a string that must be there (`what` says what it is in the error).
std::string required_text(const nlohmann::json& object, const char* key, const std::string& what) {
  const auto* value = field(object, key);
  if (!value) throw ProtocolError(std::string(key) + what + " is required");
  return text(*value, key);
}

// "stop": a string or a list of strings.
std::vector<std::string> stops(const nlohmann::json& value) {
  if (value.is_string()) return {value.get<std::string>()};
  std::vector<std::string> out;
  if (!value.is_array()) throw ProtocolError("stop must be a string or a list of strings, got " + value.dump());
  for (const auto& s : value) out.push_back(text(s, "stop"));
  return out;
}

nlohmann::json next_tokens_json(const GenerationOutcome& outcome) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : outcome.next_tokens) list.push_back({{"token", t.text}, {"probability", t.probability}});
  return list;
}

}  // namespace

void read_generation_settings(const nlohmann::json& object, GenerationCall& call) {
  if (const auto* v = field(object, "max_tokens")) call.max_tokens = integer(*v, "max_tokens");
  if (const auto* v = field(object, "temperature")) call.temperature = number(*v, "temperature");
  if (const auto* v = field(object, "top_k")) call.top_k = integer(*v, "top_k");
  if (const auto* v = field(object, "top_p")) call.top_p = number(*v, "top_p");
  if (const auto* v = field(object, "seed")) {
    const std::int64_t seed = integer(*v, "seed");
    if (seed < 0) throw ProtocolError("seed must be >= 0, got " + std::to_string(seed));
    call.seed = static_cast<std::uint64_t>(seed);
  }
  if (const auto* v = field(object, "stop")) call.stop = stops(*v);
}

GenerationCall parse_generate_request(std::string_view body) {
  const nlohmann::json json = parse_object(body);
  GenerationCall call;
  call.prompt = required_text(json, "text_input", " (the prompt)");
  read_generation_settings(json, call);
  if (const auto* p = field(json, "parameters")) {
    if (!p->is_object()) throw ProtocolError("parameters must be an object");
    read_generation_settings(*p, call);
    if (const auto* k = field(*p, "next_tokens")) call.next_tokens = integer(*k, "next_tokens");
  }
  if (const auto* k = field(json, "next_tokens")) call.next_tokens = integer(*k, "next_tokens");
  return call;
}

nlohmann::json generate_response(const std::string& model, const GenerationOutcome& outcome) {
  nlohmann::json out = {{"model_name", model},
                        {"model_version", "1"},
                        {"text_output", outcome.text},
                        {"finish_reason", outcome.finish_reason},
                        {"prompt_tokens", outcome.prompt_tokens},
                        {"completion_tokens", outcome.completion_tokens}};
  if (!outcome.next_tokens.empty()) out["next_tokens"] = next_tokens_json(outcome);
  return out;
}

nlohmann::json generate_stream_piece(const std::string& model, std::string_view piece) {
  return {{"model_name", model}, {"model_version", "1"}, {"text_output", std::string(piece)}};
}

CompletionRequest parse_completion_request(std::string_view body) {
  const nlohmann::json json = parse_object(body);
  CompletionRequest request;
  request.model = required_text(json, "model", "");
  const auto* prompt = field(json, "prompt");
  if (!prompt) throw ProtocolError("prompt is required");
  if (prompt->is_array()) {
    if (prompt->size() != 1)
      throw ProtocolError("prompt: one prompt per request (got a list of " + std::to_string(prompt->size()) + ")");
    request.call.prompt = text((*prompt)[0], "prompt");
  } else {
    request.call.prompt = text(*prompt, "prompt");
  }
  // OpenAI's defaults, not tessera generate's.
  request.call.max_tokens = 16;
  request.call.temperature = 1.0;
  request.call.top_p = 1.0;
  request.call.top_k = 0;
  read_generation_settings(json, request.call);
  if (field(json, "top_k")) throw ProtocolError("top_k is not an OpenAI completions field (use top_p)");
  if (const auto* v = field(json, "n"); v && integer(*v, "n") != 1)
    throw ProtocolError("n: one completion per request");
  if (const auto* v = field(json, "best_of"); v && integer(*v, "best_of") != 1) {
    throw ProtocolError("best_of: one completion per request");
  }
  if (const auto* v = field(json, "echo"); v && !(v->is_boolean() && !v->get<bool>())) {
    throw ProtocolError("echo is not supported");
  }
  for (const char* unsupported : {"suffix", "logit_bias"}) {
    if (field(json, unsupported)) throw ProtocolError(std::string(unsupported) + " is not supported");
  }
  for (const char* penalty : {"presence_penalty", "frequency_penalty"}) {
    if (const auto* v = field(json, penalty); v && number(*v, penalty) != 0) {
      throw ProtocolError(std::string(penalty) + " is not supported (only 0)");
    }
  }
  if (const auto* v = field(json, "logprobs")) request.call.next_tokens = integer(*v, "logprobs");
  if (const auto* v = field(json, "stream")) {
    if (!v->is_boolean()) throw ProtocolError("stream must be true or false");
    request.stream = v->get<bool>();
  }
  return request;
}

nlohmann::json completion_response(const std::string& id, std::int64_t created, const std::string& model,
                                   const GenerationOutcome& outcome) {
  nlohmann::json logprobs = nullptr;
  if (!outcome.next_tokens.empty()) {
    nlohmann::json top = nlohmann::json::object();
    for (const auto& t : outcome.next_tokens) top[t.text] = std::log(t.probability);
    logprobs = {{"top_logprobs", nlohmann::json::array({top})}};
  }
  return {{"id", id},
          {"object", "text_completion"},
          {"created", created},
          {"model", model},
          {"choices",
           {{{"text", outcome.text}, {"index", 0}, {"logprobs", logprobs}, {"finish_reason", outcome.finish_reason}}}},
          {"usage",
           {{"prompt_tokens", outcome.prompt_tokens},
            {"completion_tokens", outcome.completion_tokens},
            {"total_tokens", outcome.prompt_tokens + outcome.completion_tokens}}}};
}

nlohmann::json completion_chunk(const std::string& id, std::int64_t created, const std::string& model,
                                std::string_view piece, const std::optional<std::string>& finish_reason) {
  return {{"id", id},
          {"object", "text_completion"},
          {"created", created},
          {"model", model},
          {"choices",
           {{{"text", std::string(piece)},
             {"index", 0},
             {"logprobs", nullptr},
             {"finish_reason", finish_reason ? nlohmann::json(*finish_reason) : nlohmann::json(nullptr)}}}}};
}

}  // namespace tessera::serve
