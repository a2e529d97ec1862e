#pragma once
// Reading a number back from an evaluation report for a Task's summary line (report_summary).
#include <limits>
#include <nlohmann/json.hpp>

namespace tessera::tasks {

// report[key] as a double; NaN when the key is missing or holds no number (e.g. a report written
// by an older version), so the summary prints "nan" instead of throwing.
inline double report_number(const nlohmann::json& report, const char* key) {
  const auto it = report.find(key);
  return it != report.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace tessera::tasks
