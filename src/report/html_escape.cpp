#include "tessera/report/html.h"

#include <cstdint>

#include "tessera/text/utf8.h"

namespace tessera::report {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at text[i], 0 when it is ill-formed.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const text::Utf8Step step = text::decode_step(text, i);
  return step.problem == text::Utf8Problem::none ? step.length : 0;
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
