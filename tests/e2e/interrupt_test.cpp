// Runs that are stopped and resumed, on the CPU with a fixed seed, end with exactly the weights of
// an uninterrupted run:
//   - SIGKILL at 5 random points, three while it trains (random delays, seeded and printed) and
//     two while a checkpoint is being written (the moment its temporary file appears); after
//     every kill the latest checkpoint is complete (length and CRC-64 check);
//   - SIGINT and SIGTERM save a checkpoint mid-epoch and exit with 130 / 143 and a line that says
//     how to resume; resuming starts the epoch at the step it stopped at.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "e2e/cli.h"
#include "e2e/resume_support.h"
#include "tessera/run/checkpoint.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kEpochs = 4;

// The uninterrupted run the others must match (trained once per test binary run).
fs::path straight_run() {
  static const fs::path run = [] {
    const fs::path dir = fresh_dir("interrupt-straight");
    std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", kEpochs);
    const auto result = run_tessera({"train", (dir / "quick.yaml").string()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return dir / "models" / "quick";
  }();
  return run;
}

bool wait_for(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

bool checkpoint_being_written(const fs::path& run) {
  std::error_code error;
  for (fs::directory_iterator it(run, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename().string().rfind(".checkpoint.pt.tmp", 0) == 0) return true;
  }
  return false;
}

int wait_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(Interrupt, KilledAtFiveRandomPointsEndsWithTheUninterruptedWeights) {
  const fs::path straight = straight_run();
  const fs::path dir = fresh_dir("interrupt-kill");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", kEpochs);
  const fs::path run = dir / "models" / "quick";
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  std::cout << "kill schedule seed " << seed << "\n";

  int kills = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<std::string> args{"train", (dir / "quick.yaml").string()};
    if (fs::exists(run)) args.insert(args.end(), {"--resume", run.string()});
    const fs::path log = dir / ("attempt" + std::to_string(attempt) + ".log");
    const pid_t pid = spawn_tessera(args, log);
    const bool in_checkpoint_write = attempt == 1 || attempt == 3;
    std::string where;
    if (in_checkpoint_write) {
      // The moment the next checkpoint's temporary file exists: the kill lands in the write.
      ASSERT_TRUE(wait_for([&] { return checkpoint_being_written(run); })) << read_text(log);
      where = "during a checkpoint write";
    } else {
      ASSERT_TRUE(wait_for([&] { return read_text(log).find("training simple_cnn") != std::string::npos; }))
          << read_text(log);
      const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 2500)(random));
      std::this_thread::sleep_for(delay);
      where = "while training, " + std::to_string(delay.count()) + " ms after it started";
    }
    ::kill(pid, SIGKILL);
    const int status = wait_status(pid);
    if (!WIFSIGNALED(status)) {  // it finished first: nothing left to interrupt
      std::cout << "attempt " << attempt << ": the run finished before the kill\n";
      break;
    }
    ++kills;
    // Whatever the moment, the latest checkpoint (when there is one) is whole.
    if (fs::exists(run / "checkpoint.pt")) EXPECT_NO_THROW(run::verify_checkpoint(run / "checkpoint.pt")) << where;
    std::cout << "kill " << kills << " " << where << "\n";
  }
  EXPECT_GE(kills, 4) << "the run is too short to be killed 5 times; make it longer";

  const auto resumed = run_tessera({"train", (dir / "quick.yaml").string(), "--resume", run.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_same_tensors(straight / "last.safetensors", run / "last.safetensors");
  expect_same_tensors(straight / "weights.safetensors", run / "weights.safetensors");
  EXPECT_FALSE(checkpoint_being_written(run)) << "a killed write's temporary file was left in the run";
}

// Starts a run, sends `signal` once an epoch has finished, and checks the clean stop and the
// exact resume from the step it reached.
void stop_and_resume(int signal, const std::string& name, int exit_code) {
  const fs::path straight = straight_run();
  const fs::path dir = fresh_dir("interrupt-" + name);
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", kEpochs);
  const fs::path run = dir / "models" / "quick";
  const fs::path log = dir / "stopped.log";
  const pid_t pid = spawn_tessera({"train", (dir / "quick.yaml").string()}, log);
  ASSERT_TRUE(wait_for([&] { return read_text(log).find("epoch 1: val") != std::string::npos; })) << read_text(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into epoch 2
  ::kill(pid, signal);
  const int status = wait_status(pid);
  const std::string said = read_text(log);
  ASSERT_TRUE(WIFEXITED(status)) << "it should exit, not die of the signal\n" << said;
  EXPECT_EQ(WEXITSTATUS(status), exit_code) << said;
  EXPECT_NE(said.find("stopped by " + name), std::string::npos) << said;
  const std::string resume = "Resume with: tessera train " + (run / "config.yaml").string() + " --resume " + run.string();
  EXPECT_NE(said.find(resume), std::string::npos) << said;
  EXPECT_NO_THROW(run::verify_checkpoint(run / "checkpoint.pt"));
  std::cout << said.substr(said.find("stopped by")) << "\n";

  // The command it printed, as a user would paste it.
  const auto resumed = run_tessera({"train", (run / "config.yaml").string(), "--resume", run.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  if (said.find(" at step ") != std::string::npos) {  // stopped mid-epoch: resumed at that step
    EXPECT_NE(resumed.err.find("resuming at step"), std::string::npos) << resumed.err;
  }
  expect_same_tensors(straight / "last.safetensors", run / "last.safetensors");
  expect_same_tensors(straight / "weights.safetensors", run / "weights.safetensors");
}

TEST(Interrupt, SigintSavesMidEpochAndResumesAtThatStep) { stop_and_resume(SIGINT, "SIGINT", 130); }

TEST(Interrupt, SigtermSavesMidEpochAndResumesAtThatStep) { stop_and_resume(SIGTERM, "SIGTERM", 143); }

}  // namespace
}  // namespace tessera::e2e
