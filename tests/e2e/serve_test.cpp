// `tessera serve` as a user runs it: a trained run behind HTTP, queried with Triton's own client
// (tests/e2e/serve_client.py), answers what `tessera infer` writes for the same files; an
// unreadable image gets its error and the others their answers; SIGTERM in the middle of a load
// ends with exit 0 and no accepted request failed; /metrics, read by Prometheus' own parser,
// counts what was served; a language model streams to the openai client what `tessera generate`
// writes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/cli.h"
#include "e2e/serve_support.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

TEST(Serve, AnswersWhatInferWritesForTheSameFiles) {
  const fs::path run = trained_quick_run();
  const fs::path dir = fresh_dir("serve-same-as-infer");
  std::vector<fs::path> files = test_images(6);
  ASSERT_EQ(files.size(), 6u);
  const fs::path corrupt = dir / "corrupt.png";
  std::ofstream(corrupt) << "\x89PNG but not really";
  files.insert(files.begin() + 2, corrupt);

  std::vector<std::string> infer_args = {"infer",   run.string(), "--device", "cpu",
                                         "--top-k", "1",          "--output", (dir / "preds.csv").string()};
  for (const auto& f : files) {
    infer_args.push_back("--input");
    infer_args.push_back(f.string());
  }
  const CommandResult inferred = run_tessera(infer_args);
  ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
  // path,label,confidence,top1,top1_prob,error; rows in sorted path order.
  std::map<std::string, std::pair<std::string, double>> expected;
  std::istringstream csv(read_text(dir / "preds.csv"));
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::vector<std::string> cols;
    std::stringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cols.push_back(c);
    expected[cols[0]] = {cols[1], cols[1].empty() ? 0.0 : std::stod(cols[2])};
  }

  // Live drift over windows of 4 images: the 6 readable ones complete two (images 1-4 and 3-6).
  const Server server = start_server(run, dir, {"--set", "drift.max_images=4"});
  std::vector<std::string> args = {std::to_string(server.port), "quick", "infer"};
  for (const auto& f : files) args.push_back(f.string());
  const std::string out = client(args);
  const std::string metrics_out = client({std::to_string(server.port), "quick", "metrics"});
  EXPECT_EQ(stop(server), 0) << read_text(server.log);

  // /metrics, read by Prometheus' own parser: one request, answered, in one forward pass.
  const auto metrics = nlohmann::json::parse(metrics_out.substr(metrics_out.find('{')));
  EXPECT_EQ(metrics.value("tessera_inference_requests_total{outcome=ok}", -1.0), 1.0) << metrics_out;
  EXPECT_EQ(metrics.value("tessera_inference_requests_total{outcome=failed}", -1.0), 0.0) << metrics_out;
  EXPECT_EQ(metrics.value("tessera_inference_count_total", -1.0), 1.0) << metrics_out;
  EXPECT_EQ(metrics.value("tessera_inference_exec_count_total", -1.0), 1.0) << metrics_out;
  EXPECT_EQ(metrics.value("tessera_inference_queue_seconds_count", -1.0), 1.0) << metrics_out;
  EXPECT_GT(metrics.value("tessera_inference_compute_seconds_sum", -1.0), 0.0) << metrics_out;
  EXPECT_EQ(metrics.value("tessera_inference_in_flight", -1.0), 0.0) << metrics_out;
  double predictions = 0;
  for (const auto& [series, value] : metrics.items()) {
    if (series.starts_with("tessera_predictions_total{class=")) predictions += value.get<double>();
  }
  EXPECT_EQ(predictions, 6.0) << metrics_out;  // the corrupt file has no prediction
  EXPECT_EQ(metrics.value("tessera_drift_windows_total", -1.0), 2.0) << metrics_out;
  EXPECT_TRUE(metrics.contains("tessera_drift_psi{feature=pixel_histogram.grey}")) << metrics_out;

  const auto answer = nlohmann::json::parse(out.substr(out.find('{')));
  ASSERT_EQ(answer["labels"].size(), files.size()) << out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& [label, confidence] = expected.at(files[i].string());
    EXPECT_EQ(answer["labels"][i], label) << files[i];
    if (files[i] == corrupt) {
      EXPECT_NE(answer["errors"][i].get<std::string>(), "") << "the corrupt file got no error";
      continue;
    }
    EXPECT_EQ(answer["errors"][i], "") << files[i];
    double best = 0.0;
    for (const auto& p : answer["probabilities"][i]) best = std::max(best, p.get<double>());
    EXPECT_NEAR(best, confidence, 1e-5) << files[i];  // infer writes 6 decimals
  }
  EXPECT_NE(read_text(server.log).find("draining"), std::string::npos) << read_text(server.log);
}

TEST(Serve, ALanguageModelStreamsToTheOpenAiClientWhatGenerateWrites) {
  const fs::path run = trained_lm_run();
  const fs::path dir = fresh_dir("serve-lm");
  const CommandResult generated = run_tessera(
      {"generate", run.string(), "--device", "cpu", "--prompt", "The ", "--max-tokens", "40", "--temperature", "0"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  ASSERT_EQ(generated.out.rfind("The ", 0), 0u) << generated.out;
  const std::string expected = generated.out.substr(4);  // generate prints the prompt first

  const Server server = start_server(run, dir);
  const std::string out = client({std::to_string(server.port), "lm", "complete", "40", "The "});
  EXPECT_EQ(stop(server), 0) << read_text(server.log);
  const auto answer = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(answer["stream"], expected) << out;
  EXPECT_EQ(answer["generate"], expected) << out;
  EXPECT_EQ(answer["infer"], expected) << out;
  EXPECT_GT(answer["events"].get<int>(), 5) << "streamed in pieces: " << out;
  EXPECT_EQ(answer["finish_reason"], "length") << out;
}

TEST(Serve, SigtermDuringALoadExitsZeroAndFailsNoAcceptedRequest) {
  const fs::path run = trained_quick_run();
  const fs::path dir = fresh_dir("serve-sigterm");
  const Server server = start_server(run, dir);
  const fs::path image = test_images(1).at(0);
  std::string load_output;
  std::thread load([&] { load_output = client({std::to_string(server.port), "quick", "load", "4", image.string()}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int exit_code = stop(server);
  load.join();
  EXPECT_EQ(exit_code, 0) << read_text(server.log);
  const auto counts = nlohmann::json::parse(load_output.substr(load_output.find('{')));
  EXPECT_GT(counts["ok"].get<int>(), 0) << load_output;
  EXPECT_TRUE(counts["failed"].empty()) << load_output;
}

}  // namespace
}  // namespace tessera::e2e
