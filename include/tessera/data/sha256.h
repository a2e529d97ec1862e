#pragma once
// SHA-256 for data fingerprints, computed by OpenSSL's libcrypto (EVP API) when the build has it
// (TESSERA_WITH_OPENSSL, Debian libssl-dev). OpenSSL's types stay out of this header. A build
// without OpenSSL still compiles and links: sha256_available() is false and constructing a
// Sha256 throws UserError saying so.
#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::data {

class Sha256 {
 public:
  Sha256();  // UserError when the build has no OpenSSL
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Ends the hash: 64 lowercase hex digits. Further calls to update or hex_digest are logic errors.
  std::string hex_digest();

 private:
  void* context_ = nullptr;  // EVP_MD_CTX*
  bool finished_ = false;
};

// True when this build hashes (TESSERA_WITH_OPENSSL).
bool sha256_available();

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace tessera::data
