#pragma once
// Text formatting for logs, console output and reports: numbers and lists, in one place.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

// `value` with exactly `digits` decimals ("0.9860").
inline std::string fixed(double value, int digits = 4) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

// printf-style formatting into a string, however long ("%.3g", "epoch %lld of %lld"); the
// compiler checks the arguments against the format.
std::string printed(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A p-value with `decimals` decimals, scientific below 10^-decimals ("0.031", "2.4e-05").
std::string p_value_text(double p, int decimals = 3);

// A difference of proportions in percentage points, signed ("+1.2" for 0.012).
std::string signed_points(double fraction, int decimals = 1);

// `items` with `separator` between them ("a, b, c").
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace tessera
