#include "tessera/text/pretokenize.h"

#include <utf8proc.h>

#include <array>

#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

struct CharAt {
  CharClass cls;
  std::uint32_t length;
  char32_t code_point;  // U+FFFD stands for an ill-formed byte sequence
};

constexpr std::array<CharClass, 128> make_ascii_classes() {
  std::array<CharClass, 128> table{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      table[c] = CharClass::letter;
    } else if (c >= '0' && c <= '9') {
      table[c] = CharClass::number;
    } else if (c == ' ' || (c >= '\t' && c <= '\r')) {
      table[c] = CharClass::whitespace;
    } else {
      table[c] = CharClass::other;
    }
  }
  return table;
}
constexpr std::array<CharClass, 128> kAsciiClasses = make_ascii_classes();

CharAt char_at(std::string_view text, std::size_t i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) return {kAsciiClasses[byte], 1, byte};
  const Utf8Step step = decode_step(text, i);
  if (step.problem != Utf8Problem::none) return {CharClass::other, step.length, kReplacementCharacter};
  return {classify_code_point(step.code_point), step.length, step.code_point};
}

// 's 't 're 've 'm 'll 'd (GPT-2 matches them case-sensitively, without a word boundary).
std::size_t contraction_length(std::string_view rest) {
  if (rest.size() < 2 || rest[0] != '\'') return 0;
  const char a = rest[1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (rest.size() >= 3) {
    const std::string_view two = rest.substr(1, 2);
    if (two == "re" || two == "ve" || two == "ll") return 3;
  }
  return 0;
}

}  // namespace

CharClass classify_code_point(char32_t cp) {
  if (cp < 0x80) return kAsciiClasses[cp];
  if (cp == 0x85) return CharClass::whitespace;  // NEL: White_Space, though category Cc
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return CharClass::letter;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return CharClass::number;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return CharClass::whitespace;
    default:
      return CharClass::other;
  }
}

std::size_t pretoken_end(std::string_view text, std::size_t begin) {
  if (const std::size_t n = contraction_length(text.substr(begin))) return begin + n;

  const CharAt first = char_at(text, begin);
  // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional U+0020, then a run of one class.
  std::size_t run_start = begin;
  CharClass run_class = first.cls;
  if (first.code_point == U' ' && begin + 1 < text.size()) {
    const CharAt next = char_at(text, begin + 1);
    if (next.cls != CharClass::whitespace) {
      run_start = begin + 1;
      run_class = next.cls;
    }
  }
  if (run_class != CharClass::whitespace) {
    std::size_t end = run_start;
    while (end < text.size()) {
      const CharAt c = char_at(text, end);
      if (c.cls != run_class) break;
      end += c.length;
    }
    return end;
  }

  // "\s+(?!\S)|\s+": the whole whitespace run at the end of the text; otherwise all of it but the
  // last character, which then begins the next chunk; a lone whitespace character stands alone.
  std::size_t end = begin;
  std::size_t last_start = begin;
  while (end < text.size()) {
    const CharAt c = char_at(text, end);
    if (c.cls != CharClass::whitespace) break;
    last_start = end;
    end += c.length;
  }
  if (end == text.size() || last_start == begin) return end;
  return last_start;
}

std::vector<std::string_view> split_pretokens(std::string_view text) {
  std::vector<std::string_view> chunks;
  for_each_pretoken(text, [&](std::string_view chunk) { chunks.push_back(chunk); });
  return chunks;
}

}  // namespace tessera::text
