#include "tessera/serve/serve_routes.h"

#include <charconv>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "route_responses.h"
#include "tessera/serve/dynamic_batcher.h"

namespace tessera::serve {
namespace {

// "/v2/models/digits/infer?x=1" -> {"v2", "models", "digits", "infer"}.
std::vector<std::string> path_parts(const std::string& target) {
  std::vector<std::string> parts;
  const std::string path = target.substr(0, target.find('?'));
  std::size_t at = 0;
  while (at < path.size()) {
    const std::size_t slash = path.find('/', at);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > at) parts.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

std::optional<std::size_t> header_length_of(const HttpRequest& request) {
  const std::string value = request.header("Inference-Header-Content-Length");
  if (value.empty()) return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size()) {
    throw ProtocolError("Inference-Header-Content-Length must be a number of bytes, got '" + value + "'");
  }
  return n;
}

std::vector<std::string> names_of(const std::vector<std::shared_ptr<ServedModel>>& models) {
  std::vector<std::string> names;
  for (const auto& m : models) names.push_back(m->name());
  return names;
}

}  // namespace

ServeRoutes::ServeRoutes(std::vector<std::shared_ptr<ServedModel>> models, std::size_t max_batch)
    : metrics_(names_of(models), max_batch), models_(std::move(models)) {
  for (const auto& m : models_) {
    const std::string name = m->name();
    ModelObservers observers;
    observers.batch = [this, name](const BatchRecord& record) { metrics_.batch(name, record); };
    observers.prediction = [this, name](const std::string& label) { metrics_.prediction(name, label); };
    observers.drift = [this, name](const DriftSnapshot& snapshot) { metrics_.drift(name, snapshot); };
    m->observe(std::move(observers));
  }
}

void ServeRoutes::count(const std::string& model, RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::ok: counters_.ok += 1; break;
    case RequestOutcome::client_error: counters_.client_errors += 1; break;
    case RequestOutcome::refused: counters_.refused += 1; break;
    case RequestOutcome::timed_out: counters_.timed_out += 1; break;
    case RequestOutcome::failed: counters_.failed += 1; break;
  }
  metrics_.request(model, outcome);
}

HttpHandler ServeRoutes::handler() {
  return [this](HttpRequest request, Reply reply) { route(std::move(request), std::move(reply)); };
}

ServedModel* ServeRoutes::find(const std::string& name) const {
  for (const auto& m : models_) {
    if (m->name() == name) return m.get();
  }
  return nullptr;
}

void ServeRoutes::route(HttpRequest request, Reply reply) {
  const std::vector<std::string> parts = path_parts(request.target);
  const bool get = request.method == "GET" || request.method == "HEAD";
  auto answer = [&](HttpResponse r) {
    (r.status < 400 ? counters_.ok : counters_.client_errors) += 1;
    reply(std::move(r));
  };
  if (parts.size() == 1 && parts[0] == "metrics" && get) {
    if (!ServeMetrics::available()) return answer(error_response(501, metrics_.text()));
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.text();
    return answer(std::move(r));
  }
  if (!parts.empty() && parts[0] == "v1") return openai(parts, std::move(request), std::move(reply));
  if (parts.empty() || parts[0] != "v2") return answer(error_response(404, "no such endpoint: " + request.target));
  if (parts.size() == 1) {
    if (!get) return answer(error_response(405, "/v2 answers GET"));
    return answer(json_response(200, {{"name", "tessera"},
                                      {"version", TESSERA_VERSION},
                                      {"extensions", {"binary_tensor_data", "classification", "generate"}}}));
  }
  if (parts[1] == "health" && parts.size() == 3 && get) {
    if (parts[2] == "live") return answer(json_response(200, nlohmann::json::object()));
    if (parts[2] == "ready") {
      bool ready = !draining_;
      for (const auto& m : models_) ready = ready && m->ready();
      return answer(ready ? json_response(200, nlohmann::json::object()) : unavailable("not ready"));
    }
  }
  if (parts[1] == "models" && parts.size() >= 3) {
    ServedModel* model = find(parts[2]);
    if (!model) return answer(error_response(404, "no model named '" + parts[2] + "'"));
    if (parts.size() == 3 && get) return answer(json_response(200, model->metadata()));
    if (parts.size() == 4 && parts[3] == "ready" && get) {
      return answer(model->ready() && !draining_ ? json_response(200, nlohmann::json::object())
                                                 : unavailable("not ready"));
    }
    if (parts.size() == 4 && parts[3] == "infer") {
      if (request.method != "POST") return answer(error_response(405, "infer answers POST"));
      return infer(*model, std::move(request), std::move(reply));
    }
    if (parts.size() == 4 && (parts[3] == "generate" || parts[3] == "generate_stream")) {
      if (request.method != "POST") return answer(error_response(405, parts[3] + " answers POST"));
      return generate(*model, std::move(request), std::move(reply), parts[3] == "generate_stream");
    }
  }
  answer(error_response(404, "no such endpoint: " + request.method + " " + request.target));
}

void ServeRoutes::infer(ServedModel& model, HttpRequest request, Reply reply) {
  InferRequest parsed;
  try {
    parsed = parse_infer_request(request.body, header_length_of(request));
  } catch (const ProtocolError& e) {
    count(model.name(), RequestOutcome::client_error);
    return reply(error_response(400, e.what()));
  }
  // The response needs the request's output choices; the model consumes its own copy.
  auto choices = std::make_shared<InferRequest>();
  choices->id = parsed.id;
  choices->outputs = parsed.outputs;
  choices->binary_data_output = parsed.binary_data_output;
  const std::string name = model.name();
  Refusal refusal;
  metrics_.in_flight(name, +1);
  try {
    refusal = model.infer(std::move(parsed), [this, reply, choices, name](InferOutcome outcome) {
      metrics_.in_flight(name, -1);
      if (outcome.error) {
        auto [response, counted] = error_answer(outcome.error, "inference");
        count(name, counted);
        return reply(std::move(response));
      }
      EncodedResponse encoded;
      try {
        encoded = encode_infer_response(name, choices->id, outcome.outputs, *choices);
      } catch (const ProtocolError& e) {
        count(name, RequestOutcome::client_error);
        return reply(error_response(400, e.what()));
      } catch (const std::exception& e) {
        count(name, RequestOutcome::failed);
        return reply(error_response(500, std::string("encoding the response failed: ") + e.what()));
      }
      HttpResponse r;
      r.body = std::move(encoded.body);
      if (encoded.header_length) {
        r.content_type = "application/octet-stream";
        r.headers.emplace_back("Inference-Header-Content-Length", std::to_string(*encoded.header_length));
      }
      count(name, RequestOutcome::ok);
      reply(std::move(r));
    });
  } catch (const ProtocolError& e) {
    metrics_.in_flight(name, -1);
    count(name, RequestOutcome::client_error);
    return reply(error_response(400, e.what()));
  }
  if (refusal == Refusal::none) return;
  metrics_.in_flight(name, -1);
  count(name, RequestOutcome::refused);
  reply(refusal_response(refusal));
}

}  // namespace tessera::serve
