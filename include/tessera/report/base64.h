#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding, no line breaks), for data: URIs.
#include <string>
#include <string_view>

namespace tessera::report {

std::string base64_encode(std::string_view bytes);

}  // namespace tessera::report
