#pragma once
// The metrics tests' independent peer: tests/metrics/metrics_reference.py run by the venv's
// Python (scikit-learn, scipy, numpy) on inputs written here, answering in JSON.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/test_util.h"
#include "support/temp_dir.h"

namespace tessera::metrics::testing {

using tessera::models::testing::python_has;
using tessera::models::testing::run_python;
using tessera::models::testing::shell_quote;

// Why the oracle cannot run, or "" when it can.
inline std::string oracle_unavailable() {
  static const std::string reason = [] {
    if (std::string(TESSERA_PYTHON_EXE).empty()) return std::string("TESSERA_PYTHON is not configured");
    if (!python_has("sklearn, scipy, numpy")) {
      return std::string("scikit-learn/scipy/numpy are not importable by ") + TESSERA_PYTHON_EXE;
    }
    return std::string();
  }();
  return reason;
}

// Runs the reference on {"cases": [...]} and returns its {"cases": [...]} answer (same order).
inline nlohmann::json run_oracle(const nlohmann::json& cases) {
  tessera::testing::TempDir dir("oracle");
  const auto input = dir / "input.json";
  const auto output = dir / "output.json";
  std::ofstream(input) << nlohmann::json{{"cases", cases}}.dump();
  const std::string script = std::string(TESSERA_SOURCE_DIR) + "/tests/metrics/metrics_reference.py";
  const int rc = run_python(shell_quote(script) + " " + shell_quote(input.string()) + " " + shell_quote(output.string()));
  EXPECT_EQ(rc, 0) << "metrics_reference.py failed";
  std::ifstream in(output);
  if (rc != 0 || !in) return nlohmann::json::object({{"cases", nlohmann::json::array()}});
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// JSON number, or NaN for null (the reference writes NaN and +-inf as null).
inline double number(const nlohmann::json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

// |a - b| <= tolerance, NaN matching NaN and infinities matching themselves; returns the deviation
// (0 for matching non-finite values) so callers can report the largest one.
inline double expect_close(double actual, double expected, double tolerance, const std::string& what) {
  if (std::isnan(expected) || std::isnan(actual)) {
    EXPECT_TRUE(std::isnan(expected) && std::isnan(actual)) << what << ": " << actual << " vs " << expected;
    return 0.0;
  }
  if (std::isinf(expected) || std::isinf(actual)) {
    EXPECT_EQ(actual, expected) << what;
    return 0.0;
  }
  const double deviation = std::abs(actual - expected);
  EXPECT_LE(deviation, tolerance) << what << ": " << actual << " vs " << expected;
  return deviation;
}

inline double expect_close(const std::vector<double>& actual, const nlohmann::json& expected, double tolerance,
                           const std::string& what) {
  EXPECT_EQ(actual.size(), expected.size()) << what;
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    worst = std::max(worst, expect_close(actual[i], number(expected[i]), tolerance, what + "[" + std::to_string(i) + "]"));
  }
  return worst;
}

// The largest deviation seen by a test binary, printed at exit for the record.
inline double& max_deviation() {
  static double value = 0.0;
  return value;
}
inline void note_deviation(double deviation) { max_deviation() = std::max(max_deviation(), deviation); }

}  // namespace tessera::metrics::testing
