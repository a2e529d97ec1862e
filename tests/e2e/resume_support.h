#pragma once
// What the kill-and-resume tests share: a training run killed with SIGKILL right after it
// commits its first checkpoint, and an exact comparison of two weights files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "e2e/cli.h"
#include "tessera/models/safetensors.h"

namespace tessera::e2e {

// Every tensor of `a` equals the one of the same name in `b`, bit for bit, and nothing is extra.
inline void expect_same_tensors(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto first = models::load_safetensors(a).tensors;
  const auto second = models::load_safetensors(b).tensors;
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [name, tensor] : first) {
    ASSERT_TRUE(second.contains(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, second.at(name))) << name << " differs";
  }
}

// Starts `tessera train config`, waits (3 min at most) until `run_dir` holds a checkpoint, lets
// the run go on for `settle` so the kill lands mid-epoch, then SIGKILLs it. Returns waitpid's
// status: WIFSIGNALED unless the run finished first.
inline int train_then_kill_after_checkpoint(const std::filesystem::path& config, const std::filesystem::path& run_dir,
                                            const std::filesystem::path& log, std::chrono::milliseconds settle) {
  const pid_t pid = spawn_tessera({"train", config.string()}, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!std::filesystem::exists(run_dir / "checkpoint.pt") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(settle);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace tessera::e2e
