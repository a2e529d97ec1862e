#include "tessera/report/html.h"

#include <cstdint>

namespace tessera::report {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at text[i], 0 when it is ill-formed
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint32_t min_value = 0, value = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min_value = 0x80, value = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min_value = 0x800, value = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min_value = 0x10000, value = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    value = (value << 6) | (byte(i + k) & 0x3Fu);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (length > 1) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t':
      case '\n':
      case '\r': out += c; break;
      default:
        if (static_cast<std::uint8_t>(c) < 0x20 || c == 0x7F) out += kReplacement;
        else out += c;
    }
    ++i;
  }
  return out;
}

std::string shorten(std::string_view text, std::size_t max_chars) {
  // keep_end: where code point number max_chars - 1 starts, so the ellipsis makes max_chars.
  std::size_t chars = 0, i = 0, keep_end = 0;
  while (i < text.size()) {
    if (chars + 1 == max_chars) keep_end = i;  // room for the ellipsis after max_chars - 1
    if (chars == max_chars) {
      if (max_chars == 0) return {};
      return std::string(text.substr(0, keep_end)) + "\xE2\x80\xA6";  // "…"
    }
    const std::size_t length = utf8_sequence_length(text, i);
    i += length == 0 ? 1 : length;
    ++chars;
  }
  return std::string(text);
}

}  // namespace tessera::report
