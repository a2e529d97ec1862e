// The protocol's endpoints over fake models, by calling the handler directly: status codes and
// bodies for health, metadata, infer (JSON and binary), refusals, timeouts and failures.
#include "tessera/serve/serve_routes.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_models.h"
#include "tessera/serve/dynamic_batcher.h"

namespace tessera::serve {
namespace {

using testing::DoublingModel;

struct Call {
  HttpResponse response;
  int replies = 0;
};

Call call(ServeRoutes& routes, const std::string& method, const std::string& target, const std::string& body = "",
          HttpHeaders headers = {}) {
  Call c;
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.headers = std::move(headers);
  routes.handler()(request, [&](HttpResponse r) {
    c.response = std::move(r);
    ++c.replies;
  });
  return c;
}

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ServeRoutes, HealthAndMetadata) {
  auto model = std::make_shared<DoublingModel>("digits");
  ServeRoutes routes({model});
  EXPECT_EQ(call(routes, "GET", "/v2").response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(call(routes, "GET", "/v2").response.body)["name"], "tessera");
  EXPECT_EQ(call(routes, "GET", "/v2/health/live").response.status, 200);
  EXPECT_EQ(call(routes, "GET", "/v2/health/ready").response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(call(routes, "GET", "/v2/models/digits").response.body)["name"], "digits");
  EXPECT_EQ(call(routes, "GET", "/v2/models/digits/ready").response.status, 200);
  const Call unknown = call(routes, "GET", "/v2/models/cats");
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(unknown.response.body, R"({"error":"no model named 'cats'"})");
  EXPECT_EQ(call(routes, "GET", "/metrics/nope").response.status, 404);
  EXPECT_EQ(call(routes, "GET", "/v2/models/digits/infer").response.status, 405);

  model->ready_ = false;
  EXPECT_EQ(call(routes, "GET", "/v2/health/ready").response.status, 503);
  model->ready_ = true;
  routes.set_draining();
  const Call draining = call(routes, "GET", "/v2/health/ready");
  EXPECT_EQ(draining.response.status, 503);
  EXPECT_EQ(header(draining.response, "Retry-After"), "1");
  EXPECT_EQ(call(routes, "GET", "/v2/health/live").response.status, 200);  // alive while draining
}

TEST(ServeRoutes, InferAnswersJsonAndBinary) {
  ServeRoutes routes({std::make_shared<DoublingModel>("m")});
  const Call json =
      call(routes, "POST", "/v2/models/m/infer",
           R"({"id": "a", "inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [1, 2.5]}]})");
  ASSERT_EQ(json.response.status, 200) << json.response.body;
  EXPECT_EQ(json.replies, 1);
  const auto body = nlohmann::json::parse(json.response.body);
  EXPECT_EQ(body["id"], "a");
  EXPECT_EQ(body["model_name"], "m");
  EXPECT_EQ(body["outputs"][0]["data"], nlohmann::json::array({2.0, 5.0}));

  const std::string header_json =
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "parameters": {"binary_data_size": 4}}],
          "outputs": [{"name": "y", "parameters": {"binary_data": true}}]})";
  const float x = 3.0f;
  const Call binary =
      call(routes, "POST", "/v2/models/m/infer", header_json + std::string(reinterpret_cast<const char*>(&x), 4),
           {{"inference-header-content-length", std::to_string(header_json.size())}});
  ASSERT_EQ(binary.response.status, 200) << binary.response.body;
  const std::size_t length = std::stoul(header(binary.response, "Inference-Header-Content-Length"));
  float y;
  ASSERT_EQ(binary.response.body.size(), length + 4);
  std::memcpy(&y, binary.response.body.data() + length, 4);
  EXPECT_EQ(y, 6.0f);
  EXPECT_EQ(routes.counters().ok, 2u);
}

TEST(ServeRoutes, BadRequestsRefusalsTimeoutsAndFailuresGetTheirCodes) {
  auto model = std::make_shared<DoublingModel>("m");
  ServeRoutes routes({model});
  const std::string good = R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}]})";
  EXPECT_EQ(call(routes, "POST", "/v2/models/m/infer", "{oops").response.status, 400);
  const Call wrong_type = call(routes, "POST", "/v2/models/m/infer",
                               R"({"inputs": [{"name": "x", "datatype": "INT8", "shape": [1], "data": [1]}]})");
  EXPECT_EQ(wrong_type.response.status, 400);
  EXPECT_EQ(wrong_type.response.body, R"({"error":"expected one FP32 input"})");
  EXPECT_EQ(
      call(routes, "POST", "/v2/models/m/infer", good, {{"Inference-Header-Content-Length", "x"}}).response.status,
      400);

  model->refusal = Refusal::queue_full;
  const Call full = call(routes, "POST", "/v2/models/m/infer", good);
  EXPECT_EQ(full.response.status, 503);
  EXPECT_EQ(header(full.response, "Retry-After"), "1");
  model->refusal = Refusal::none;

  model->error = std::make_exception_ptr(RequestTimedOut());
  EXPECT_EQ(call(routes, "POST", "/v2/models/m/infer", good).response.status, 504);
  model->error = std::make_exception_ptr(std::runtime_error("CUDA out of memory"));
  const Call failed = call(routes, "POST", "/v2/models/m/infer", good);
  EXPECT_EQ(failed.response.status, 500);
  EXPECT_EQ(failed.response.body, R"({"error":"inference failed: CUDA out of memory"})");
  EXPECT_EQ(failed.replies, 1);
  EXPECT_EQ(routes.counters().refused, 1u);
  EXPECT_EQ(routes.counters().timed_out, 1u);
  EXPECT_EQ(routes.counters().failed, 1u);
}

// A sample line of the exposition ("name{labels} value"), or "" when absent.
std::string sample(const std::string& exposition, const std::string& series) {
  const std::size_t at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const std::size_t start = at + 1 + series.size() + 1;
  return exposition.substr(start, exposition.find('\n', start) - start);
}

TEST(ServeRoutes, MetricsCountRequestsByOutcomeAndBatchesByModel) {
  if (!ServeMetrics::available()) GTEST_SKIP() << "built without prometheus-cpp (TESSERA_WITH_PROMETHEUS off)";
  auto model = std::make_shared<DoublingModel>("m");
  DoublingModel& fake = *model;
  ServeRoutes routes({model}, 8);
  const std::string good = R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.5]}]})";
  ASSERT_EQ(call(routes, "POST", "/v2/models/m/infer", good).response.status, 200);
  ASSERT_EQ(call(routes, "POST", "/v2/models/m/infer", good).response.status, 200);
  ASSERT_EQ(call(routes, "POST", "/v2/models/m/infer", "{oops").response.status, 400);
  fake.refusal = Refusal::queue_full;
  ASSERT_EQ(call(routes, "POST", "/v2/models/m/infer", good).response.status, 503);

  const Call metrics = call(routes, "GET", "/metrics");
  ASSERT_EQ(metrics.response.status, 200);
  EXPECT_EQ(metrics.response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.response.body;
  EXPECT_EQ(sample(text, R"(tessera_inference_requests_total{model="m",outcome="ok"})"), "2") << text;
  EXPECT_EQ(sample(text, R"(tessera_inference_requests_total{model="m",outcome="client_error"})"), "1");
  EXPECT_EQ(sample(text, R"(tessera_inference_requests_total{model="m",outcome="refused"})"), "1");
  EXPECT_EQ(sample(text, R"(tessera_inference_requests_total{model="m",outcome="timed_out"})"), "0");
  EXPECT_EQ(sample(text, R"(tessera_inference_in_flight{model="m"})"), "0");
  // The fake reports each answered request as a batch of one: 2 ms queued, 3 ms computing.
  EXPECT_EQ(sample(text, R"(tessera_inference_count_total{model="m"})"), "2");
  EXPECT_EQ(sample(text, R"(tessera_inference_exec_count_total{model="m"})"), "2");
  EXPECT_EQ(sample(text, R"(tessera_inference_queue_seconds_bucket{model="m",le="0.001"})"), "0");
  EXPECT_EQ(sample(text, R"(tessera_inference_queue_seconds_bucket{model="m",le="0.0025"})"), "2");
  EXPECT_EQ(sample(text, R"(tessera_inference_compute_seconds_sum{model="m"})"), "0.006");
  EXPECT_EQ(sample(text, R"(tessera_inference_batch_size_bucket{model="m",le="8"})"), "2");
  EXPECT_EQ(sample(text, R"(tessera_predictions_total{class="doubled",model="m"})"), "2");
  EXPECT_EQ(sample(text, R"(tessera_drift_detected{model="m"})"), "0");
  EXPECT_EQ(sample(text, R"(tessera_drift_windows_total{model="m"})"), "0");
  EXPECT_EQ(call(routes, "POST", "/metrics").response.status, 404);

  // A live drift window's comparison: its PSIs and verdict replace the last ones.
  fake.observers.drift(
      DriftSnapshot{200, {{"width", 0.0}, {"mean_intensity.grey", 1.25}}, {"mean_intensity.grey"}, true});
  const std::string after = call(routes, "GET", "/metrics").response.body;
  EXPECT_EQ(sample(after, R"(tessera_drift_psi{feature="mean_intensity.grey",model="m"})"), "1.25") << after;
  EXPECT_EQ(sample(after, R"(tessera_drift_psi{feature="width",model="m"})"), "0");
  EXPECT_EQ(sample(after, R"(tessera_drift_detected{model="m"})"), "1");
  EXPECT_EQ(sample(after, R"(tessera_drift_windows_total{model="m"})"), "1");
}

}  // namespace
}  // namespace tessera::serve
