#pragma once
// `tessera serve` driven from a test: start a run's server on a free port, talk to it with
// tests/e2e/serve_client.py (Triton's and OpenAI's own clients), stop it with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e/cli.h"
#include "support/free_port.h"

namespace tessera::e2e {
namespace fs = std::filesystem;

// serve_client.py with `args`; its stdout and stderr. A non-zero exit fails the test.
inline std::string client(const std::vector<std::string>& args) {
  std::string command = std::string(TESSERA_PYTHON_EXE) + " " + TESSERA_SOURCE_DIR + "/tests/e2e/serve_client.py";
  for (const auto& a : args) command += " '" + a + "'";
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = pipe ? ::pclose(pipe) : -1;
  EXPECT_EQ(status, 0) << command << "\n" << out;
  return out;
}

// The first `count` test PNGs of the digits, sorted.
inline std::vector<fs::path> test_images(int count) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(digits_dir() / "test")) {
    if (entry.path().extension() == ".png") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  files.resize(std::min<std::size_t>(files.size(), static_cast<std::size_t>(count)));
  return files;
}

// A server process, its port and its log.
struct Server {
  pid_t pid = -1;
  int port = 0;
  fs::path log;
};

// Starts `tessera serve RUN` on CPU with 5 ms batching delay (plus `more_args`) and waits until
// the model is ready.
inline Server start_server(const fs::path& run, const fs::path& dir, const std::vector<std::string>& more_args = {}) {
  Server s;
  s.port = testing::free_port();
  s.log = dir / "serve.log";
  std::vector<std::string> args = {"serve",    run.string(), "--port", std::to_string(s.port),
                                   "--device", "cpu",        "--set",  "serve.max_queue_delay_ms=5"};
  args.insert(args.end(), more_args.begin(), more_args.end());
  s.pid = spawn_tessera(args, s.log);
  client({std::to_string(s.port), run.filename().string(), "wait"});
  return s;
}

// SIGTERM, then its exit code (128 + signal when a signal ended it).
inline int stop(const Server& s) {
  ::kill(s.pid, SIGTERM);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace tessera::e2e
