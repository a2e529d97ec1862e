#include "tessera/text/utf8.h"

#include <cstdio>
#include <stdexcept>

#include "tessera/core/error.h"

namespace tessera::text {
namespace {

unsigned byte_at(std::string_view bytes, std::size_t i) { return static_cast<unsigned char>(bytes[i]); }

bool is_continuation(unsigned b) { return b >= 0x80 && b <= 0xBF; }

// Length of the sequence a lead byte announces, ignoring the range restrictions on the second
// byte (used only to describe problems, e.g. C0 AF as "overlong encoding of U+002F").
std::uint32_t announced_length(unsigned lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

std::string hex_byte(unsigned b) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02X", b);
  return buffer;
}

std::string hex_bytes(std::string_view bytes, std::size_t offset, std::size_t count) {
  std::string out = "bytes";
  for (std::size_t i = 0; i < count; ++i) {
    out += ' ';
    out += hex_byte(byte_at(bytes, offset + i));
  }
  return out;
}

// The bytes a lead announces, when all of them are present and are continuation bytes: lets a
// message name the value an overlong form or a surrogate would have encoded.
struct RawSequence {
  std::uint32_t available = 1;  // lead plus the continuation bytes that follow it (up to announced)
  bool complete = false;
  char32_t value = 0;
};

RawSequence raw_sequence(std::string_view bytes, std::size_t offset) {
  const unsigned lead = byte_at(bytes, offset);
  const std::uint32_t want = announced_length(lead);
  RawSequence raw;
  raw.value = lead & (0x7Fu >> want);
  while (raw.available < want && offset + raw.available < bytes.size() &&
         is_continuation(byte_at(bytes, offset + raw.available))) {
    raw.value = (raw.value << 6) | (byte_at(bytes, offset + raw.available) & 0x3F);
    ++raw.available;
  }
  raw.complete = raw.available == want;
  return raw;
}

}  // namespace

Utf8Step decode_step(std::string_view bytes, std::size_t offset) {
  const unsigned b0 = byte_at(bytes, offset);
  if (b0 < 0x80) return {b0, 1, Utf8Problem::none};
  if (b0 < 0xC0) return {0, 1, Utf8Problem::unexpected_continuation};
  if (b0 < 0xC2) return {0, 1, Utf8Problem::overlong};  // C0, C1 could only encode U+0000..U+007F
  if (b0 >= 0xF8) return {0, 1, Utf8Problem::invalid_byte};
  if (b0 >= 0xF5) return {0, 1, Utf8Problem::above_max};

  // Table 3-7: the second byte's range depends on the lead; later bytes are always 80..BF.
  std::uint32_t continuation_bytes = 1;
  char32_t value = b0 & 0x1F;
  unsigned second_lo = 0x80, second_hi = 0xBF;
  Utf8Problem out_of_range = Utf8Problem::missing_continuation;
  if (b0 >= 0xF0) {
    continuation_bytes = 3;
    value = b0 & 0x07;
    if (b0 == 0xF0) second_lo = 0x90, out_of_range = Utf8Problem::overlong;
    if (b0 == 0xF4) second_hi = 0x8F, out_of_range = Utf8Problem::above_max;
  } else if (b0 >= 0xE0) {
    continuation_bytes = 2;
    value = b0 & 0x0F;
    if (b0 == 0xE0) second_lo = 0xA0, out_of_range = Utf8Problem::overlong;
    if (b0 == 0xED) second_hi = 0x9F, out_of_range = Utf8Problem::surrogate;
  }
  for (std::uint32_t i = 1; i <= continuation_bytes; ++i) {
    if (offset + i >= bytes.size()) return {0, i, Utf8Problem::truncated};
    const unsigned b = byte_at(bytes, offset + i);
    const unsigned lo = i == 1 ? second_lo : 0x80;
    const unsigned hi = i == 1 ? second_hi : 0xBF;
    if (b < lo || b > hi) {
      // A continuation byte outside the lead's range is one of the special cases; the maximal
      // subpart is then the lead alone.
      if (i == 1 && is_continuation(b)) return {0, 1, out_of_range};
      return {0, i, Utf8Problem::missing_continuation};
    }
    value = (value << 6) | (b & 0x3F);
  }
  return {value, continuation_bytes + 1, Utf8Problem::none};
}

std::string describe_utf8_problem(std::string_view bytes, std::size_t offset, const Utf8Step& step,
                                  std::size_t reported_offset) {
  const unsigned lead = byte_at(bytes, offset);
  const RawSequence raw = raw_sequence(bytes, offset);
  const std::string shown = hex_bytes(bytes, offset, raw.available);
  std::string what;
  switch (step.problem) {
    case Utf8Problem::none:
      what = "no problem";
      break;
    case Utf8Problem::unexpected_continuation:
      what = "unexpected continuation byte 0x" + hex_byte(lead);
      break;
    case Utf8Problem::invalid_byte:
      what = "byte 0x" + hex_byte(lead) + " never occurs in UTF-8";
      break;
    case Utf8Problem::overlong:
      what = raw.complete ? "overlong encoding of " + code_point_label(raw.value) + " (" + shown + ")"
                          : "overlong encoding (" + shown + ")";
      break;
    case Utf8Problem::surrogate:
      what = raw.complete ? "UTF-16 surrogate " + code_point_label(raw.value) + " (" + shown + ")"
                          : "UTF-16 surrogate (" + shown + ")";
      break;
    case Utf8Problem::above_max:
      what = raw.complete ? "code point " + code_point_label(raw.value) + " above U+10FFFF (" + shown + ")"
                          : "code point above U+10FFFF (" + shown + ")";
      break;
    case Utf8Problem::missing_continuation:
      what = "incomplete " + std::to_string(announced_length(lead)) + "-byte sequence (" +
             hex_bytes(bytes, offset, step.length) + "): 0x" + hex_byte(byte_at(bytes, offset + step.length)) +
             " is not a continuation byte";
      break;
    case Utf8Problem::truncated:
      what = "truncated " + std::to_string(announced_length(lead)) + "-byte sequence at end of input (" +
             hex_bytes(bytes, offset, step.length) + ")";
      break;
  }
  return "invalid UTF-8 at byte offset " + std::to_string(reported_offset) + ": " + what;
}

std::size_t find_invalid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (byte_at(bytes, i) < 0x80) {  // ASCII fast path: most text is mostly ASCII
      ++i;
      continue;
    }
    const Utf8Step step = decode_step(bytes, i);
    if (step.problem != Utf8Problem::none) return i;
    i += step.length;
  }
  return std::string_view::npos;
}

std::string to_valid_utf8(std::string_view bytes, Utf8Policy policy, std::size_t* replacements) {
  std::size_t replaced = 0;
  std::size_t first_bad = find_invalid_utf8(bytes);
  if (first_bad == std::string_view::npos) {
    if (replacements) *replacements = 0;
    return std::string(bytes);
  }
  std::string out(bytes.substr(0, first_bad));
  out.reserve(bytes.size() + 16);
  std::size_t i = first_bad;
  while (i < bytes.size()) {
    const Utf8Step step = decode_step(bytes, i);
    if (step.problem == Utf8Problem::none) {
      out.append(bytes.substr(i, step.length));
    } else {
      if (policy == Utf8Policy::error) throw DecodeError(describe_utf8_problem(bytes, i, step, i));
      append_utf8(out, kReplacementCharacter);
      ++replaced;
    }
    i += step.length;
  }
  if (replacements) *replacements = replaced;
  return out;
}

std::u32string decode_utf8(std::string_view bytes, Utf8Policy policy, std::size_t* replacements) {
  std::u32string out;
  out.reserve(bytes.size());
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const Utf8Step step = decode_step(bytes, i);
    if (step.problem == Utf8Problem::none) {
      out.push_back(step.code_point);
    } else {
      if (policy == Utf8Policy::error) throw DecodeError(describe_utf8_problem(bytes, i, step, i));
      out.push_back(kReplacementCharacter);
      ++replaced;
    }
    i += step.length;
  }
  if (replacements) *replacements = replaced;
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > kMaxCodePoint) {
    throw std::invalid_argument("append_utf8: " + code_point_label(cp) + " is not a Unicode scalar value");
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (const char32_t cp : code_points) append_utf8(out, cp);
  return out;
}

std::string code_point_label(char32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

}  // namespace tessera::text
