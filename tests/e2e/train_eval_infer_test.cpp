// train -> eval -> infer through the CLI on the real digits, as a user would chain them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "e2e/cli.h"
#include "tessera/models/safetensors.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(TrainEvalInfer, TrainingWritesACompleteRunDirectory) {
  const fs::path run = trained_quick_run();
  for (const char* file : {"config.yaml", "labels.txt", "weights.safetensors", "last.safetensors", "checkpoint.pt",
                           "metrics.jsonl", "train.log", "test_metrics.json"}) {
    EXPECT_TRUE(fs::exists(run / file)) << file;
  }
  EXPECT_EQ(read_text(run / "labels.txt"), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  const auto epochs = lines(read_text(run / "metrics.jsonl"));
  ASSERT_EQ(epochs.size(), 2u);
  const auto last = nlohmann::json::parse(epochs.back());
  EXPECT_EQ(last["epoch"], 2);
  EXPECT_GT(last["val_accuracy"].get<double>(), 0.8) << "two epochs of a tiny CNN already learn the digits";
  // The weights file says what it is: labels and the resolved config travel with it.
  const auto weights = models::load_safetensors(run / "weights.safetensors");
  EXPECT_EQ(weights.metadata.at("labels"), R"(["0","1","2","3","4","5","6","7","8","9"])");
  EXPECT_NE(weights.metadata.at("config").find("simple_cnn"), std::string::npos);
  EXPECT_TRUE(weights.tensors.contains("fc.weight"));
}

TEST(TrainEvalInfer, EvalReportsMetricsThroughputAndConfusion) {
  const fs::path run = trained_quick_run();
  const fs::path out = fresh_dir("eval");
  const auto result = run_tessera({"eval", run.string(), "--data", (digits_dir() / "test").string(), "--device", "cpu",
                                   "--output", out.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(read_text(out / "report.json"));
  EXPECT_EQ(report["count"], 500);
  // The same weights on the same split as training's own test pass: the same accuracy.
  const auto trained = nlohmann::json::parse(read_text(run / "test_metrics.json"));
  EXPECT_DOUBLE_EQ(report["accuracy"].get<double>(), trained["accuracy"].get<double>());
  EXPECT_GE(report["top_k_accuracy"].get<double>(), report["accuracy"].get<double>());
  EXPECT_EQ(report["per_class"].size(), 10u);
  EXPECT_GT(report["throughput"]["images_per_second"].get<double>(), 0.0);
  EXPECT_GT(report["batch_latency_ms"]["p50_ms"].get<double>(), 0.0);
  const auto confusion = lines(read_text(out / "confusion.csv"));
  ASSERT_EQ(confusion.size(), 11u);
  EXPECT_EQ(confusion[0], ",pred_0,pred_1,pred_2,pred_3,pred_4,pred_5,pred_6,pred_7,pred_8,pred_9");
  EXPECT_NE(result.out.find("accuracy:"), std::string::npos);
}

TEST(TrainEvalInfer, InferPredictsInSortedOrderAndReportsUnreadableFiles) {
  const fs::path run = trained_quick_run();
  const fs::path input = fresh_dir("infer-input");
  // Five real digits from the test split, in nested folders, plus a corrupt PNG.
  const fs::path sevens = digits_dir() / "test" / "7";
  int copied = 0;
  for (const auto& entry : fs::directory_iterator(sevens)) {
    if (copied == 5) break;
    fs::create_directories(input / (copied % 2 ? "b" : "a"));
    fs::copy_file(entry.path(), input / (copied % 2 ? "b" : "a") / entry.path().filename());
    ++copied;
  }
  std::ofstream(input / "a" / "broken.png") << "definitely not a png";
  std::ofstream(input / "notes.txt") << "not an image: ignored";
  const fs::path csv = input.parent_path() / (input.filename().string() + ".csv");
  const auto result = run_tessera({"infer", run.string(), "--input", input.string(), "--top-k", "3", "--output",
                                   csv.string(), "--device", "cpu"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("broken.png"), std::string::npos) << "unreadable files are reported on stderr";
  const auto rows = lines(read_text(csv));
  ASSERT_EQ(rows.size(), 7u);  // header + 5 digits + the broken file
  EXPECT_EQ(rows[0], "path,label,confidence,top1,top1_prob,top2,top2_prob,top3,top3_prob,error");
  std::vector<std::string> paths;
  int sevens_predicted = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    paths.push_back(rows[i].substr(0, rows[i].find(',')));
    if (rows[i].find("broken.png") != std::string::npos) {
      EXPECT_NE(rows[i].find("cannot decode"), std::string::npos) << rows[i];
    } else {
      sevens_predicted += rows[i].find(",7,") == rows[i].find(',');
    }
  }
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  EXPECT_GE(sevens_predicted, 4) << read_text(csv);
}

TEST(TrainEvalInfer, InferFailsWhenEveryFileIsUnreadable) {
  const fs::path run = trained_quick_run();
  const fs::path input = fresh_dir("broken");
  std::ofstream(input / "one.png") << "junk";
  std::ofstream(input / "two.jpg") << "junk";
  const auto result = run_tessera({"infer", run.string(), "--input", input.string(), "--output",
                                   (input / "p.csv").string(), "--device", "cpu"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("none of the 2 input files could be read"), std::string::npos) << result.err;
}

TEST(TrainEvalInfer, EvalOnANonRunFolderIsAUserError) {
  const fs::path dir = fresh_dir("notrun");
  const auto result = run_tessera({"eval", dir.string(), "--data", (digits_dir() / "test").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("is not a run directory"), std::string::npos) << result.err;
}

TEST(TrainEvalInfer, InspectShowsWeightsAndEmbeddedConfig) {
  const auto result = run_tessera({"inspect", (trained_quick_run() / "weights.safetensors").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("fc.weight"), std::string::npos);
  EXPECT_NE(result.out.find("labels:"), std::string::npos);
  EXPECT_NE(result.out.find("model: simple_cnn"), std::string::npos);
}

}  // namespace
}  // namespace tessera::e2e
