// A training run killed with SIGKILL and resumed with --resume ends with exactly the weights of
// an uninterrupted run (CPU, fixed seed): checkpoints are atomic and hold everything.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/cli.h"
#include "e2e/resume_support.h"
#include "tessera/models/safetensors.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;


TEST(Resume, KilledRunResumesToTheSameFinalWeights) {
  constexpr int epochs = 4;
  const fs::path dir = fresh_dir("resume");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "straight", epochs);
  std::ofstream(dir / "killed.yaml") << quick_digits_config(dir / "killed", epochs);

  const auto straight = run_tessera({"train", (dir / "quick.yaml").string()});
  ASSERT_EQ(straight.exit_code, 0) << straight.err;

  // Kill the second run once it has committed at least one epoch, mid-way through the next.
  const fs::path run = dir / "killed" / "quick";
  const int status = train_then_kill_after_checkpoint(dir / "killed.yaml", run, dir / "killed.log",
                                                      std::chrono::milliseconds(300));
  ASSERT_TRUE(fs::exists(run / "checkpoint.pt"));
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed; make it longer";

  const auto resumed = run_tessera({"train", (dir / "killed.yaml").string(), "--resume", run.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  expect_same_tensors(dir / "straight" / "quick" / "last.safetensors", run / "last.safetensors");
  expect_same_tensors(dir / "straight" / "quick" / "weights.safetensors", run / "weights.safetensors");

  // Resuming a finished run changes nothing and says so.
  const auto again = run_tessera({"train", (dir / "killed.yaml").string(), "--resume"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("already finished"), std::string::npos) << again.err;
}

TEST(Resume, ResumeWithoutAnyRunIsAUserError) {
  const fs::path dir = fresh_dir("none");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", 1);
  const auto result = run_tessera({"train", (dir / "quick.yaml").string(), "--resume"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no run named 'quick'"), std::string::npos) << result.err;
}

TEST(Resume, ANewRunNeverOverwritesAnOldOne) {
  const fs::path dir = fresh_dir("twice");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", 1);
  ASSERT_EQ(run_tessera({"train", (dir / "quick.yaml").string(), "--set", "train.epochs=1"}).exit_code, 0);
  const auto second = run_tessera({"train", (dir / "quick.yaml").string(), "--set", "train.epochs=1"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("quick-2"), std::string::npos) << second.out;
  EXPECT_TRUE(fs::exists(dir / "models" / "quick" / "weights.safetensors"));
}

}  // namespace
}  // namespace tessera::e2e
