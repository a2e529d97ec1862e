#pragma once
// `tessera compare RUN_A RUN_B --data PATH`: should B replace A? Both classification runs predict
// the same labelled samples, each through its own preprocessing (its config.yaml), and the
// predictions are joined by dataset index. The answer rests on the paired outcomes:
//   - the accuracy difference B - A with a seeded paired bootstrap interval,
//   - McNemar's test on the samples exactly one of them gets right (metrics/paired.h),
//   - per-class precision / recall / F1 of both,
//   - a verdict: "ship B" or "ship A" when McNemar's p < 1 - confidence and the interval excludes
//     0, otherwise "either".
// Writes compare.json (and compare.html through the report module) to the output folder.
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tessera::eval {

struct CompareRequest {
  std::filesystem::path run_a, run_b;
  std::filesystem::path data;        // class folder or CSV manifest with the runs' class names
  std::string device = "auto";
  int batch_size = 0;                // 0 = each run's eval.batch_size
  std::filesystem::path output_dir;  // empty = the current directory
  int bootstrap = 2000;              // resamples (>= 1)
  std::uint64_t seed = 0;            // of the bootstrap draws
  double confidence = 0.95;          // of the interval; 1 - confidence is the test's level
};

struct CompareResult {
  nlohmann::json compare;                 // compare.json's content
  std::filesystem::path json_path;
  std::filesystem::path html_path;
  std::string summary;                    // several lines for the terminal, ending in the verdict
};

// UserError when a run is not a classification run, the two runs' class names differ, the
// request's numbers are out of range, or no sample could be read by both runs.
CompareResult compare_runs(const CompareRequest& request);

// The verdict from the numbers in compare.json (exposed for tests): {"ship", "significant", "text"}.
nlohmann::json compare_verdict(double difference, double low, double high, double p_value, double confidence);

}  // namespace tessera::eval
