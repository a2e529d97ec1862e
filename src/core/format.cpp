#include "tessera/core/format.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace tessera {

std::string printed(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int length = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(length > 0 ? static_cast<std::size_t>(length) : 0, '\0');
  if (length > 0) std::vsnprintf(out.data(), out.size() + 1, format, again);
  va_end(again);
  return out;
}

std::string p_value_text(double p, int decimals) {
  return p == 0.0 || p >= std::pow(10.0, -decimals) ? printed("%.*f", decimals, p) : printed("%.1e", p);
}

std::string signed_points(double fraction, int decimals) { return printed("%+.*f", decimals, 100.0 * fraction); }

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace tessera
