// The text-generation routes over a fake language model, by calling the handler directly: the
// generate extension (plain and server-sent events), OpenAI's completions (plain and streamed)
// and /v1/models, with their errors in each protocol's own shape.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_models.h"
#include "tessera/serve/dynamic_batcher.h"
#include "tessera/serve/serve_routes.h"

namespace tessera::serve {
namespace {

using testing::DoublingModel;
using testing::ShoutingModel;

struct Answer {
  HttpResponse response;
  std::string events;  // a streamed body, drained
};

Answer post(ServeRoutes& routes, const std::string& target, const nlohmann::json& body) {
  Answer a;
  HttpRequest request;
  request.method = "POST";
  request.target = target;
  request.body = body.dump();
  request.id = 41;
  int replies = 0;
  routes.handler()(request, [&](HttpResponse r) {
    a.response = std::move(r);
    ++replies;
  });
  EXPECT_EQ(replies, 1);
  if (a.response.stream) {
    bool finished = false;
    while (!finished) a.events += a.response.stream->take(finished);  // the fake finishes before replying
  }
  return a;
}

// The JSON of each "data: ..." event, "[DONE]" as a string.
std::vector<nlohmann::json> events_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::size_t at = 0;
  while ((at = text.find("data: ", at)) != std::string::npos) {
    const std::size_t end = text.find("\n\n", at);
    const std::string data = text.substr(at + 6, end - at - 6);
    out.push_back(data == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(data));
    at = end + 2;
  }
  return out;
}

struct Fixture {
  std::shared_ptr<ShoutingModel> lm = std::make_shared<ShoutingModel>("lm");
  std::shared_ptr<DoublingModel> classifier = std::make_shared<DoublingModel>("cnn");
  ServeRoutes routes{{lm, classifier}};
};

TEST(GenerateRoutes, GenerateAnswersJsonWithSettingsFromTopLevelAndParameters) {
  Fixture f;
  const Answer a =
      post(f.routes, "/v2/models/lm/generate",
           {{"text_input", "hello"}, {"max_tokens", 3}, {"parameters", {{"seed", 7}, {"next_tokens", 2}}}});
  ASSERT_EQ(a.response.status, 200) << a.response.body;
  const auto body = nlohmann::json::parse(a.response.body);
  EXPECT_EQ(body["model_name"], "lm");
  EXPECT_EQ(body["text_output"], "HEL");
  EXPECT_EQ(body["finish_reason"], "length");
  EXPECT_EQ(body["next_tokens"][0]["token"], "a");
  EXPECT_EQ(f.lm->last_call.seed, 7u);
  EXPECT_EQ(f.lm->last_call.temperature, 0.8);  // tessera generate's defaults where not given
}

TEST(GenerateRoutes, GenerateStreamSendsAnEventPerPieceThenTheEnd) {
  Fixture f;
  const Answer a = post(f.routes, "/v2/models/lm/generate_stream", {{"text_input", "abc"}});
  ASSERT_EQ(a.response.status, 200);
  EXPECT_EQ(a.response.content_type, "text/event-stream");
  const auto events = events_of(a.events);
  ASSERT_EQ(events.size(), 4u) << a.events;
  EXPECT_EQ(events[0]["text_output"], "A");
  EXPECT_EQ(events[2]["text_output"], "C");
  EXPECT_EQ(events[3]["text_output"], "");
  EXPECT_EQ(events[3]["finish_reason"], "stop");
}

TEST(GenerateRoutes, CompletionsFollowOpenAi) {
  Fixture f;
  const Answer a = post(f.routes, "/v1/completions", {{"model", "lm"}, {"prompt", "hello there"}, {"logprobs", 2}});
  ASSERT_EQ(a.response.status, 200) << a.response.body;
  const auto body = nlohmann::json::parse(a.response.body);
  EXPECT_EQ(body["id"], "cmpl-41");
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], "HELLO THERE");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_NEAR(body["choices"][0]["logprobs"]["top_logprobs"][0]["a"].get<double>(), std::log(0.5), 1e-12);
  EXPECT_EQ(body["usage"]["total_tokens"], 22);
  // OpenAI's defaults, not tessera generate's.
  EXPECT_EQ(f.lm->last_call.max_tokens, 16);
  EXPECT_EQ(f.lm->last_call.temperature, 1.0);
  EXPECT_EQ(f.lm->last_call.top_k, 0);
}

TEST(GenerateRoutes, StreamedCompletionEndsWithFinishReasonAndDone) {
  Fixture f;
  const Answer a = post(f.routes, "/v1/completions", {{"model", "lm"}, {"prompt", "hi"}, {"stream", true}});
  const auto events = events_of(a.events);
  ASSERT_EQ(events.size(), 4u) << a.events;
  EXPECT_EQ(events[0]["choices"][0]["text"], "H");
  EXPECT_TRUE(events[0]["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(events[2]["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(events[3], "[DONE]");
}

TEST(GenerateRoutes, ModelsAreListedForOpenAiClients) {
  Fixture f;
  HttpRequest request;
  request.method = "GET";
  request.target = "/v1/models";
  HttpResponse response;
  f.routes.handler()(request, [&](HttpResponse r) { response = std::move(r); });
  const auto body = nlohmann::json::parse(response.body);
  ASSERT_EQ(body["data"].size(), 2u);
  EXPECT_EQ(body["data"][0]["id"], "lm");
}

TEST(GenerateRoutes, ErrorsKeepEachProtocolsShape) {
  Fixture f;
  // A classifier does not generate: 400 naming it.
  Answer a = post(f.routes, "/v2/models/cnn/generate", {{"text_input", "x"}});
  EXPECT_EQ(a.response.status, 400);
  EXPECT_NE(a.response.body.find("does not generate text"), std::string::npos) << a.response.body;
  EXPECT_EQ(post(f.routes, "/v2/models/lm/generate", {{"prompt", "x"}}).response.status, 400);  // no text_input
  EXPECT_EQ(post(f.routes, "/v2/models/lm/generate", {{"text_input", 3}}).response.status, 400);
  // OpenAI's errors are {"error": {"message", "type"}}.
  a = post(f.routes, "/v1/completions", {{"model", "nope"}, {"prompt", "x"}});
  EXPECT_EQ(a.response.status, 404);
  EXPECT_EQ(nlohmann::json::parse(a.response.body)["error"]["type"], "invalid_request_error");
  a = post(f.routes, "/v1/completions", {{"model", "lm"}, {"prompt", "x"}, {"n", 2}});
  EXPECT_EQ(a.response.status, 400);
  EXPECT_NE(nlohmann::json::parse(a.response.body)["error"]["message"].get<std::string>().find("n:"),
            std::string::npos);
  a = post(f.routes, "/v1/completions", {{"model", "lm"}, {"prompt", "x"}, {"temperature", -1}});
  EXPECT_EQ(a.response.status, 400);
  // A full queue is 503 with Retry-After; a failure inside a stream is an error event.
  f.lm->refusal = Refusal::queue_full;
  EXPECT_EQ(post(f.routes, "/v1/completions", {{"model", "lm"}, {"prompt", "x"}}).response.status, 503);
  f.lm->refusal = Refusal::none;
  f.lm->error = std::make_exception_ptr(RequestTimedOut());
  EXPECT_EQ(post(f.routes, "/v2/models/lm/generate", {{"text_input", "x"}}).response.status, 504);
  a = post(f.routes, "/v2/models/lm/generate_stream", {{"text_input", "x"}});
  const auto events = events_of(a.events);
  ASSERT_EQ(events.size(), 1u) << a.events;
  EXPECT_NE(events[0]["error"].get<std::string>().find("deadline"), std::string::npos);
  EXPECT_EQ(f.routes.counters().timed_out.load(), 2u);
}

}  // namespace
}  // namespace tessera::serve
