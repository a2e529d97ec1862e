#pragma once
// A gzip file's decompressed bytes (the Korean corpus ships as debian-faq-ko's .txt.gz).
#include <filesystem>
#include <string>

namespace tessera::data::detail {

// Every member of the file, concatenated (as `gzip -dc` prints them). UserError naming the file
// when it cannot be read or is not gzip data, and in a build without zlib (TESSERA_WITH_ZLIB off).
std::string read_gzip_file(const std::filesystem::path& path);

}  // namespace tessera::data::detail
