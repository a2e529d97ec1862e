#include "tessera/infer/generated_text.h"

#include <algorithm>

namespace tessera::infer {

GeneratedText::GeneratedText(std::vector<std::string> stop_strings) {
  for (auto& stop : stop_strings) {
    if (!stop.empty()) stops_.push_back(std::move(stop));  // "" would stop before the first token
  }
}

std::size_t GeneratedText::held_back() const {
  std::size_t longest = 0;
  for (const auto& stop : stops_) {
    const std::size_t most = std::min(stop.size() - 1, bytes_.size() - released_);
    for (std::size_t n = most; n > longest; --n) {
      if (std::string_view(bytes_).substr(bytes_.size() - n) == std::string_view(stop).substr(0, n)) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

std::string GeneratedText::push(std::string_view token_bytes) {
  if (stopped_ || finished_) return {};
  const std::size_t before = bytes_.size();
  bytes_.append(token_bytes);
  // A match ending in the new bytes starts at most stop.size() - 1 bytes before them; matches
  // cannot start before released_ (held_back() kept every possible start).
  std::size_t match = std::string::npos;
  for (const auto& stop : stops_) {
    const std::size_t from = std::max(released_, before >= stop.size() - 1 ? before - (stop.size() - 1) : 0);
    match = std::min(match, bytes_.find(stop, from));
  }
  if (match != std::string::npos) {
    stopped_ = true;
    std::string out = decoder_.push(std::string_view(bytes_).substr(released_, match - released_));
    released_ = match;
    return out + decoder_.flush();
  }
  const std::size_t end = bytes_.size() - held_back();
  std::string out = decoder_.push(std::string_view(bytes_).substr(released_, end - released_));
  released_ = end;
  return out;
}

std::string GeneratedText::finish() {
  if (stopped_ || finished_) return {};
  finished_ = true;
  std::string out = decoder_.push(std::string_view(bytes_).substr(released_));
  released_ = bytes_.size();
  return out + decoder_.flush();
}

std::string unescape_stop_string(std::string_view typed) {
  std::string out;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const char next = i + 1 < typed.size() ? typed[i + 1] : '\0';
    if (typed[i] != '\\' || (next != 'n' && next != 't' && next != 'r' && next != '\\')) {
      out += typed[i];
      continue;
    }
    out += next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : '\\';
    ++i;
  }
  return out;
}

}  // namespace tessera::infer
