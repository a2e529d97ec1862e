#pragma once
// Helpers for end-to-end tests: run the real `tessera` binary and look at what a user sees.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tessera::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// The whole file as text ("" when it cannot be read: the test's own checks then fail on it).
std::string read_text(const std::filesystem::path& path);

// Runs `tessera args...` from `cwd` (default: the e2e work dir) and waits for it.
CommandResult run_tessera(const std::vector<std::string>& args, const std::filesystem::path& cwd = {});

// Starts `tessera args...` in the background; returns its pid (stdout/stderr go to `log`).
pid_t spawn_tessera(const std::vector<std::string>& args, const std::filesystem::path& log);

// The work folder of these tests: <build>/e2e (created on first use).
std::filesystem::path work_dir();

// A fresh, empty folder under work_dir() named after the running test.
std::filesystem::path fresh_dir(const std::string& name);

// OpenCV's digits prepared once (under a file lock, as ctest runs tests in parallel):
// <work>/digits/{train,val,test}.
std::filesystem::path digits_dir();

// A run of quick_digits_config trained once (under a file lock) and shared by tests that only
// read it: <work>/quick-run/quick.
std::filesystem::path trained_quick_run();

// A tiny character-level language model (2 layers, context 32) trained once on a 3 KB corpus
// of proverbs (under a file lock): <work>/generate-lm/runs/lm.
std::filesystem::path trained_lm_run();

// A config that trains quickly on the digits (for tests that need a trained run).
std::string quick_digits_config(const std::filesystem::path& output_dir, int epochs = 2);

}  // namespace tessera::e2e
