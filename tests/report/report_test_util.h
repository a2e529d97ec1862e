#pragma once
// Shared by the report tests: the committed fixtures (tests/report/fixtures, written by
// make_fixtures.py) and running a program to read what it prints.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tessera/core/atomic_file.h"
#include "tessera/report/report_page.h"
#include "tessera/report/run_report.h"

namespace tessera::report::testing {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(TESSERA_SOURCE_DIR) / "tests/report/fixtures" / name;
}

inline nlohmann::json fixture_json(const std::string& name) { return nlohmann::json::parse(read_file(fixture(name))); }

// A fixture report with the fixture run's metrics, a config of configs/ and the fixture fingerprint.
inline ReportInputs fixture_inputs(const std::string& report, const std::string& metrics = "metrics.jsonl",
                                   const std::string& config = "digits.yaml") {
  ReportInputs inputs;
  inputs.report = fixture_json(report);
  inputs.metrics = read_metrics_log(fixture(metrics));
  inputs.config_yaml = read_file(std::filesystem::path(TESSERA_SOURCE_DIR) / "configs" / config);
  inputs.fingerprint = fixture_json("data_fingerprint.json");
  return inputs;
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Captured {
  int exit_code = -1;
  std::string out;  // stdout (stderr passes through to the test's)
};

inline Captured capture(const std::string& command) {
  Captured result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The venv's Python when configured, else the system's python3 (the page checks need only the
// standard library).
inline std::string python() {
  const std::string configured = TESSERA_PYTHON_EXE;
  return configured.empty() ? "python3" : configured;
}

inline std::string check_page_script() {
  return std::string(TESSERA_SOURCE_DIR) + "/tests/report/check_page.py";
}

}  // namespace tessera::report::testing
