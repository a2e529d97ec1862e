// Bounded memory (label slow):
//   - `tessera infer` over 100,000 generated 8x8 PNGs streams them: the process's peak resident
//     memory (the kernel's ru_maxrss of the child) stays under 1.5 GB;
//   - training memory does not grow across epochs: each epoch's rss_mb in metrics.jsonl, from the
//     second epoch on (the first fills the decoded-image cache), stays within 32 MB of epoch 2.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

constexpr int kImages = 100000;
constexpr double kLimitMb = 1536.0;

TEST(BoundedMemory, InferenceOver100kImagesStaysUnder1_5GB) {
  const fs::path dir = fresh_dir("memory-infer");
  const auto made = std::chrono::steady_clock::now();
  const std::string command = std::string("'") + TESSERA_PYTHON_EXE + "' '" + TESSERA_SOURCE_DIR +
                              "/tests/e2e/make_many_images.py' '" + (dir / "images").string() + "' " +
                              std::to_string(kImages);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::cout << kImages << " PNGs written in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - made).count() << " s\n";

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn_tessera({"infer", trained_quick_run().string(), "--input", (dir / "images").string(),
                                   "--output", (dir / "predictions.csv").string()},
                                  dir / "infer.log");
  int status = 0;
  rusage usage{};
  ASSERT_EQ(::wait4(pid, &status, 0, &usage), pid);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(dir / "infer.log");
  const double peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
  std::cout << "infer over " << kImages << " images: " << seconds << " s, peak resident memory " << peak_mb
            << " MB (limit " << kLimitMb << ")\n";
  EXPECT_LT(peak_mb, kLimitMb);

  // Every image has its row.
  std::ifstream csv(dir / "predictions.csv");
  std::size_t rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, static_cast<std::size_t>(kImages) + 1);
}

TEST(BoundedMemory, TrainingMemoryDoesNotGrowAcrossEpochs) {
  const fs::path dir = fresh_dir("memory-train");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", 8);
  const auto result = run_tessera({"train", (dir / "quick.yaml").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<double> rss;
  std::istringstream metrics(read_text(dir / "models" / "quick" / "metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);) rss.push_back(nlohmann::json::parse(line)["rss_mb"].get<double>());
  ASSERT_EQ(rss.size(), 8u);
  std::cout << "rss_mb per epoch:";
  for (const double mb : rss) std::cout << " " << mb;
  std::cout << "\n";
  for (std::size_t epoch = 2; epoch < rss.size(); ++epoch) {
    EXPECT_LT(rss[epoch] - rss[1], 32.0) << "epoch " << epoch + 1 << " holds more than epoch 2";
  }
}

}  // namespace
}  // namespace tessera::e2e
