#include "tessera/text/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace tessera::text {

std::string normalize_nfc(std::string_view text) {
  // Every code point below U+0300 is NFC-stable and none of them composes with a neighbour
  // (combining marks start at U+0300), so text whose bytes are all below 0xCC is already NFC.
  bool may_change = false;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0xCC) {
      may_change = true;
      break;
    }
  }
  if (!may_change) return std::string(text);

  // utf8proc_map with an explicit length (no UTF8PROC_NULLTERM) so embedded NULs survive;
  // STABLE|COMPOSE is exactly what utf8proc_NFC asks for.
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (length < 0) {
    throw std::invalid_argument(std::string("normalize_nfc: ") + utf8proc_errmsg(length));
  }
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  return std::string(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
}

std::string normalize(std::string_view text, Normalization form) {
  return form == Normalization::nfc ? normalize_nfc(text) : std::string(text);
}

std::string unicode_library_version() {
  return std::string("utf8proc ") + utf8proc_version() + " (Unicode " + utf8proc_unicode_version() + ")";
}

std::string_view to_string(Normalization form) { return form == Normalization::nfc ? "nfc" : "none"; }

std::optional<Normalization> parse_normalization(std::string_view name) {
  if (name == "nfc") return Normalization::nfc;
  if (name == "none") return Normalization::none;
  return std::nullopt;
}

}  // namespace tessera::text
