#pragma once
// Number formatting for logs and console output.
#include <sstream>
#include <string>

namespace tessera {

// `value` with exactly `digits` decimals ("0.9860").
inline std::string fixed(double value, int digits = 4) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

}  // namespace tessera
