#pragma once
// The peer for tracking tests: MLflow's own client (tests/track/mlflow_dump.py run by the venv's
// Python) reads a file store back and reports what it sees as JSON. Shared with tests/e2e.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace tessera::track::testing {

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Why the peer cannot run here, or "" when it can (checked once).
inline const std::string& mlflow_unavailable() {
  static const std::string reason = [] {
    const std::string python = TESSERA_PYTHON_EXE;
    if (python.empty()) return std::string("no Python configured (TESSERA_PYTHON)");
    const int rc = std::system((shell_quote(python) + " -c 'import mlflow.tracking' >/dev/null 2>&1").c_str());
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return "mlflow is not importable by " + python;
    return std::string();
  }();
  return reason;
}

// What MLflowClient sees in `store` for `experiment` (tests/track/mlflow_dump.py); the
// human summary it prints goes to the test's output.
inline nlohmann::json mlflow_read(const std::filesystem::path& store, const std::string& experiment) {
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("tessera-mlflow-dump-" + std::to_string(::getpid()) + ".json");
  const std::string command = shell_quote(TESSERA_PYTHON_EXE) + " " +
                              shell_quote(std::string(TESSERA_SOURCE_DIR) + "/tests/track/mlflow_dump.py") + " " +
                              shell_quote(store.string()) + " " + shell_quote(experiment) + " " +
                              shell_quote(out.string());
  const int rc = std::system(command.c_str());
  EXPECT_TRUE(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << command;
  std::ifstream in(out);
  std::ostringstream text;
  text << in.rdbuf();
  std::filesystem::remove(out);
  return text.str().empty() ? nlohmann::json() : nlohmann::json::parse(text.str());
}

// The steps of a metric's history in logged order.
inline std::vector<std::int64_t> steps_of(const nlohmann::json& run, const std::string& key) {
  std::vector<std::int64_t> steps;
  for (const auto& point : run["history"][key]) steps.push_back(point[0].get<std::int64_t>());
  return steps;
}

}  // namespace tessera::track::testing
