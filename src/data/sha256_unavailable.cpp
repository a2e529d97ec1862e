// SHA-256 in a build without OpenSSL (TESSERA_WITH_OPENSSL off, e.g. the GPU machine's bare
// build): every entry point says plainly that this build cannot hash. The real one is
// sha256_openssl.cpp, compiled only when OpenSSL is on; the module globs every .cpp, so this file
// compiles to nothing in that case.
#ifndef TESSERA_WITH_OPENSSL
#include <string>

#include "tessera/core/error.h"
#include "tessera/data/sha256.h"

namespace tessera::data {
namespace {
[[noreturn]] void unavailable() {
  throw UserError("SHA-256 is not built in (built without OpenSSL): rebuild with -DTESSERA_WITH_OPENSSL=ON (libssl-dev)");
}
}  // namespace

Sha256::Sha256() { unavailable(); }
Sha256::~Sha256() = default;
void Sha256::update(const void*, std::size_t) { unavailable(); }
std::string Sha256::hex_digest() { unavailable(); }

bool sha256_available() { return false; }

std::string sha256_hex(std::string_view) { unavailable(); }

}  // namespace tessera::data
#endif  // TESSERA_WITH_OPENSSL
