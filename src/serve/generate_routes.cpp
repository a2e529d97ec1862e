// The text-generation routes of ServeRoutes (serve_routes.h): Triton's generate extension and
// OpenAI's completions, each plain or streamed as server-sent events.
#include <chrono>
#include <optional>
#include <utility>

#include "route_responses.h"
#include "tessera/serve/generate_protocol.h"
#include "tessera/serve/serve_routes.h"

namespace tessera::serve {
namespace {

std::string event(const nlohmann::json& data) {
  return "data: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

// OpenAI's error body: {"error": {"message", "type"}}, which its clients read.
HttpResponse openai_error(int status, const std::string& message) {
  return json_response(
      status,
      {{"error",
        {{"message", message}, {"type", status < 500 ? "invalid_request_error" : "server_error"}, {"code", nullptr}}}});
}

HttpResponse as_openai_error(HttpResponse r) {
  if (r.status < 400) return r;
  std::string message;
  try {
    message = nlohmann::json::parse(r.body).at("error").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    message = r.body;
  }
  HttpResponse converted = openai_error(r.status, message);
  converted.headers = std::move(r.headers);
  return converted;
}

HttpResponse event_stream(std::shared_ptr<ResponseStream> stream) {
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.stream = std::move(stream);
  return r;
}

}  // namespace

void ServeRoutes::run_generation(ServedModel& model, GenerationCall call, Reply reply, EncodeGeneration encode,
                                 std::shared_ptr<ResponseStream> stream, LastEvents last) {
  const std::string name = model.name();
  Refusal refusal;
  metrics_.in_flight(name, +1);
  try {
    refusal = model.generate(std::move(call), [this, name, reply, encode, stream, last](GenerationOutcome outcome) {
      metrics_.in_flight(name, -1);
      if (outcome.error) {
        auto [response, counted] = error_answer(outcome.error, "generation");
        count(name, counted);
        if (!stream) return reply(std::move(response));
        stream->write(last(outcome, nlohmann::json::parse(response.body).value("error", "generation failed")));
        return stream->finish();
      }
      count(name, RequestOutcome::ok);
      if (!stream) return reply(encode(outcome));
      stream->write(last(outcome, ""));
      stream->finish();
    });
  } catch (const ProtocolError& e) {
    metrics_.in_flight(name, -1);
    count(name, RequestOutcome::client_error);
    return reply(error_response(400, e.what()));
  }
  if (refusal != Refusal::none) {
    metrics_.in_flight(name, -1);
    count(name, RequestOutcome::refused);
    return reply(refusal_response(refusal));
  }
  if (stream) reply(event_stream(stream));  // 200 and the events so far; the rest as they come
}

void ServeRoutes::generate(ServedModel& model, HttpRequest request, Reply reply, bool stream) {
  GenerationCall call;
  try {
    call = parse_generate_request(request.body);
  } catch (const ProtocolError& e) {
    count(model.name(), RequestOutcome::client_error);
    return reply(error_response(400, e.what()));
  }
  const std::string name = model.name();
  if (!stream) {
    return run_generation(
        model, std::move(call), std::move(reply),
        [name](const GenerationOutcome& o) { return json_response(200, generate_response(name, o)); }, nullptr,
        nullptr);
  }
  auto events = std::make_shared<ResponseStream>();
  call.on_text = [events, name](std::string_view piece) { events->write(event(generate_stream_piece(name, piece))); };
  run_generation(model, std::move(call), std::move(reply), nullptr, events,
                 [name](const GenerationOutcome& o, const std::string& error) {
                   if (!error.empty()) return event({{"error", error}});
                   // The last event: no more text, why it ended and what it cost.
                   nlohmann::json done = generate_response(name, o);
                   done["text_output"] = "";
                   return event(done);
                 });
}

void ServeRoutes::openai(const std::vector<std::string>& parts, HttpRequest request, Reply reply) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (parts.size() == 2 && parts[1] == "models" && get) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : models_) {
      list.push_back({{"id", m->name()}, {"object", "model"}, {"created", 0}, {"owned_by", "tessera"}});
    }
    counters_.ok += 1;
    return reply(json_response(200, {{"object", "list"}, {"data", list}}));
  }
  if (parts.size() == 2 && parts[1] == "completions") {
    if (request.method != "POST") {
      counters_.client_errors += 1;
      return reply(openai_error(405, "/v1/completions answers POST"));
    }
    return completions(std::move(request), std::move(reply));
  }
  counters_.client_errors += 1;
  reply(openai_error(404, "no such endpoint: " + request.method + " " + request.target));
}

void ServeRoutes::completions(HttpRequest request, Reply reply) {
  CompletionRequest parsed;
  try {
    parsed = parse_completion_request(request.body);
  } catch (const ProtocolError& e) {
    counters_.client_errors += 1;
    return reply(openai_error(400, e.what()));
  }
  ServedModel* model = find(parsed.model);
  if (!model) {
    counters_.client_errors += 1;
    return reply(openai_error(404, "no model named '" + parsed.model + "'"));
  }
  const std::string id = "cmpl-" + std::to_string(request.id);
  const std::int64_t created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string name = parsed.model;
  Reply openai_reply = [reply](HttpResponse r) { reply(as_openai_error(std::move(r))); };
  if (!parsed.stream) {
    return run_generation(
        *model, std::move(parsed.call), std::move(openai_reply),
        [id, created, name](const GenerationOutcome& o) {
          return json_response(200, completion_response(id, created, name, o));
        },
        nullptr, nullptr);
  }
  auto events = std::make_shared<ResponseStream>();
  parsed.call.on_text = [events, id, created, name](std::string_view piece) {
    events->write(event(completion_chunk(id, created, name, piece, std::nullopt)));
  };
  run_generation(*model, std::move(parsed.call), std::move(openai_reply), nullptr, events,
                 [id, created, name](const GenerationOutcome& o, const std::string& error) {
                   if (!error.empty()) return event({{"error", {{"message", error}, {"type", "server_error"}}}});
                   return event(completion_chunk(id, created, name, "", o.finish_reason)) + "data: [DONE]\n\n";
                 });
}

}  // namespace tessera::serve
