// `tessera train` as a data-parallel job, started the ways users start it: by hand with RANK /
// WORLD_SIZE / MASTER_ADDR / MASTER_PORT (as a PyTorchJob or Slurm would) and by the venv's real
// torchrun. Gloo over loopback on this CPU machine.
//   - 2 ranks of batch B end with the weights of 1 process of batch 2B (the GPT config: layer
//     norm, no batch norm, dropout 0, SGD), within 1e-5;
//   - one run directory, written by rank 0 only;
//   - a killed rank ends the other with a clear error, not a hang;
//   - `tessera eval` on 2 ranks (each its shard) writes the report one process writes.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "e2e/cli.h"
#include "support/free_port.h"
#include <nlohmann/json.hpp>

#include "tessera/models/safetensors.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

fs::path write_lm_config(const fs::path& root, int batch, const std::string& name) {
  if (!fs::exists(root / "corpus.txt")) {
    std::ofstream corpus(root / "corpus.txt");
    for (int round = 0; round < 20; ++round) {
      corpus << "Data parallel training splits every batch across processes. Each one averages the gradients.\n"
             << "The weights stay identical on every rank, step after step, as long as nobody cheats.\n";
    }
  }
  const fs::path config = root / (name + ".yaml");
  std::ofstream(config) << "runtime: {device: cpu, seed: 3, threads: 1, output_dir: " << (root / "runs").string()
                        << ", name: " << name << "}\n"
                        << "data: {train: " << (root / "corpus.txt").string() << ", batch_size: " << batch << "}\n"
                        << "model: {name: gpt, context: 16, n_layer: 1, n_head: 2, n_embd: 32, dropout: 0.0}\n"
                        << "optim: {name: sgd, lr: 0.05, momentum: 0.9, warmup_epochs: 0}\n"
                        << "train: {epochs: 2, monitor: val_loss, grad_clip: 1.0}\n"
                        << "text: {tokenizer: char, steps_per_epoch: 5}\n";
  return config;
}

// Starts `tessera args` as ranks 0 .. world-1 of one job (plain environment variables).
std::vector<pid_t> spawn_ranks(const std::vector<std::string>& args, const fs::path& dir, int world = 2) {
  const std::string port = std::to_string(tessera::testing::free_port());
  std::vector<pid_t> pids;
  for (int rank = 0; rank < world; ++rank) {
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", port.c_str(), 1);
    pids.push_back(spawn_tessera(args, dir / ("rank" + std::to_string(rank) + ".log")));
  }
  for (const char* name : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(name);
  return pids;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(DistributedTraining, TwoRanksOfBatchBEqualOneProcessOfBatch2B) {
  const fs::path dir = fresh_dir("dist-equal");
  const auto single = run_tessera({"train", write_lm_config(dir, 8, "single").string()});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto pids = spawn_ranks({"train", write_lm_config(dir, 4, "pair").string()}, dir);
  const int rank0 = wait_exit(pids[0]), rank1 = wait_exit(pids[1]);
  ASSERT_EQ(rank0, 0) << read_text(dir / "rank0.log");
  ASSERT_EQ(rank1, 0) << read_text(dir / "rank1.log");

  const auto a = models::load_safetensors(dir / "runs" / "single" / "last.safetensors").tensors;
  const auto b = models::load_safetensors(dir / "runs" / "pair" / "last.safetensors").tensors;
  ASSERT_EQ(a.size(), b.size());
  float worst = 0;
  for (const auto& [name, tensor] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    worst = std::max(worst, (tensor - b.at(name)).abs().max().item<float>());
  }
  EXPECT_LE(worst, 1e-5f);
  std::cout << "2 ranks x batch 4 vs 1 process x batch 8, 10 SGD steps of the GPT: max |weight difference| " << worst
            << "\n";
  // One run directory, rank 0's; the other rank said only warnings.
  EXPECT_FALSE(fs::exists(dir / "runs" / "pair-2"));
  EXPECT_NE(read_text(dir / "runs" / "pair" / "train.log").find("data-parallel: 2 processes (gloo)"), std::string::npos);
  EXPECT_EQ(read_text(dir / "rank1.log").find("epoch 1"), std::string::npos) << read_text(dir / "rank1.log");
  EXPECT_NE(read_text(dir / "rank0.log").find("run directory: "), std::string::npos);
  // Validation was sharded too: the pair's val loss (each rank half the windows, all-reduced) is
  // the single process's.
  const auto last_record = [](const fs::path& metrics) {
    const std::string text = read_text(metrics);
    const auto end = text.find_last_not_of('\n');
    return nlohmann::json::parse(text.substr(text.rfind('\n', end) + 1));
  };
  const auto single_epoch = last_record(dir / "runs" / "single" / "metrics.jsonl");
  const auto pair_epoch = last_record(dir / "runs" / "pair" / "metrics.jsonl");
  EXPECT_NEAR(pair_epoch["val_loss"].get<double>(), single_epoch["val_loss"].get<double>(), 1e-5);
}

// The digits test split (500 images) scored by 2 ranks, each on every other image: the report's
// counts, confusion matrix, curves and mistakes are the single process's, the loss to rounding.
TEST(DistributedEvaluation, TwoRanksReportWhatOneProcessReports) {
  const fs::path dir = fresh_dir("dist-eval");
  const fs::path run = trained_quick_run();
  const std::string data = (digits_dir() / "test").string();
  const auto single = run_tessera({"eval", run.string(), "--data", data, "--output", (dir / "single").string()});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  fs::create_directories(dir / "pair");
  const auto pids = spawn_ranks({"eval", run.string(), "--data", data, "--output", (dir / "pair").string()}, dir);
  const int rank0 = wait_exit(pids[0]), rank1 = wait_exit(pids[1]);
  ASSERT_EQ(rank0, 0) << read_text(dir / "rank0.log");
  ASSERT_EQ(rank1, 0) << read_text(dir / "rank1.log");

  auto one = nlohmann::json::parse(read_text(dir / "single" / "report.json"));
  auto two = nlohmann::json::parse(read_text(dir / "pair" / "report.json"));
  EXPECT_EQ(one["processes"], 1);
  EXPECT_EQ(two["processes"], 2);
  EXPECT_EQ(two["count"], one["count"]);
  EXPECT_EQ(two["throughput"]["images"], one["throughput"]["images"]);
  EXPECT_NEAR(two["loss"].get<double>(), one["loss"].get<double>(), 1e-12);
  for (const char* key : {"accuracy", "top_k_accuracy", "confusion", "per_class", "macro_f1", "calibration", "mistakes"}) {
    EXPECT_EQ(two[key], one[key]) << key;
  }
  EXPECT_EQ(read_text(dir / "pair" / "confusion.csv"), read_text(dir / "single" / "confusion.csv"));
  EXPECT_TRUE(fs::exists(dir / "pair" / "report.html"));
  EXPECT_EQ(read_text(dir / "rank1.log").find("accuracy"), std::string::npos) << "rank 1 should stay quiet";
  std::cout << "2-rank eval: accuracy " << two["accuracy"] << " on " << two["count"] << " images, loss difference "
            << std::abs(two["loss"].get<double>() - one["loss"].get<double>()) << "\n";
}

TEST(DistributedTraining, RunsUnderRealTorchrun) {
  const fs::path torchrun = fs::path(TESSERA_PYTHON_EXE).parent_path() / "torchrun";
  if (!fs::exists(torchrun)) GTEST_SKIP() << "no torchrun next to " << TESSERA_PYTHON_EXE;
  const fs::path dir = fresh_dir("dist-torchrun");
  const std::string command = "cd '" + dir.string() + "' && '" + torchrun.string() +
                              "' --no-python --standalone --nproc-per-node 2 '" + TESSERA_CLI + "' train '" +
                              write_lm_config(dir, 4, "lm").string() + "' > torchrun.log 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_text(dir / "torchrun.log");
  const std::string log = read_text(dir / "runs" / "lm" / "train.log");
  EXPECT_NE(log.find("data-parallel: 2 processes (gloo)"), std::string::npos) << log;
  EXPECT_NE(read_text(dir / "runs" / "lm" / "metrics.jsonl").find("\"epoch\":2"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "runs" / "lm-2"));
}

TEST(DistributedTraining, AKilledRankEndsTheOtherWithAClearError) {
  const fs::path dir = fresh_dir("dist-kill");
  std::ofstream(dir / "long.yaml") << quick_digits_config(dir / "runs", 50);
  const auto pids = spawn_ranks({"train", (dir / "long.yaml").string(), "--set", "runtime.threads=1"}, dir);
  // Kill rank 1 once rank 0 is training.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (read_text(dir / "rank0.log").find("epoch 1") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pids[1], SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const int rank0 = wait_exit(pids[0]);
  wait_exit(pids[1]);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  const std::string log = read_text(dir / "rank0.log");
  EXPECT_EQ(rank0, 1) << log;  // a UserError: one line, exit 1
  EXPECT_NE(log.find("distributed"), std::string::npos) << log;
  EXPECT_NE(log.find("failed on rank 0 of 2"), std::string::npos) << log;
  EXPECT_LT(seconds, 60.0);
  std::cout << "rank 0 stopped " << seconds << " s after rank 1 was killed\n";
}

}  // namespace
}  // namespace tessera::e2e
