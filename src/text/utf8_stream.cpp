#include "tessera/text/utf8_stream.h"

#include "tessera/core/error.h"

namespace tessera::text {

std::string Utf8StreamDecoder::push(std::string_view chunk) {
  std::string buffer = std::move(pending_);
  buffer.append(chunk);
  pending_.clear();
  std::string out;
  out.reserve(buffer.size());
  std::size_t i = 0;
  while (i < buffer.size()) {
    const Utf8Step step = decode_step(buffer, i);
    if (step.problem == Utf8Problem::truncated) break;  // may still complete: hold back
    if (step.problem == Utf8Problem::none) {
      out.append(buffer, i, step.length);
    } else if (policy_ == Utf8Policy::error) {
      throw DecodeError(describe_utf8_problem(buffer, i, step, pending_offset_ + i));
    } else {
      append_utf8(out, kReplacementCharacter);
      ++replacements_;
    }
    i += step.length;
  }
  pending_.assign(buffer, i, std::string::npos);
  pending_offset_ += i;
  return out;
}

std::string Utf8StreamDecoder::flush() {
  if (pending_.empty()) return {};
  // A truncated tail is a single maximal subpart: one error, or one U+FFFD.
  const Utf8Step step = decode_step(pending_, 0);
  if (policy_ == Utf8Policy::error) {
    throw DecodeError(describe_utf8_problem(pending_, 0, step, pending_offset_));
  }
  pending_offset_ += pending_.size();
  pending_.clear();
  ++replacements_;
  std::string out;
  append_utf8(out, kReplacementCharacter);
  return out;
}

}  // namespace tessera::text
