#pragma once
// Incremental UTF-8 decoding for text that arrives in pieces (generated tokens, file chunks): a
// byte-level token can end in the middle of a character, and printing that half would show
// garbage or lose the character. push() returns only complete characters and holds back a tail
// that may still be completed; flush() settles that tail at the end of the stream.
#include <cstddef>
#include <string>
#include <string_view>

#include "tessera/text/utf8.h"

namespace tessera::text {

class Utf8StreamDecoder {
 public:
  explicit Utf8StreamDecoder(Utf8Policy policy = Utf8Policy::error) : policy_(policy) {}

  // Well-formed UTF-8 for every character completed by `chunk`. Ill-formed bytes are handled by
  // the policy as soon as they are certain to be ill-formed: DecodeError with the offset in the
  // whole stream, or U+FFFD per maximal subpart (the same output as decoding the stream at once).
  std::string push(std::string_view chunk);

  // End of the stream: a held-back incomplete sequence is an error (truncated) or one U+FFFD.
  // After a DecodeError from push() or flush() the decoder's state is unspecified: start a new one.
  std::string flush();

  // U+FFFD written so far for ill-formed input.
  std::size_t replacements() const { return replacements_; }
  // Bytes held back waiting for the rest of a character (0..3).
  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  Utf8Policy policy_;
  std::string pending_;         // the incomplete tail of the last chunk
  std::size_t pending_offset_ = 0;  // stream offset of pending_[0]
  std::size_t replacements_ = 0;
};

}  // namespace tessera::text
