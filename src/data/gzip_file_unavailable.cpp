// read_gzip_file in a build without zlib (TESSERA_WITH_ZLIB off, e.g. the GPU machine's bare
// build, which never prepares a corpus): the one caller says plainly that this build cannot.
// The real one is gzip_file_zlib.cpp; the module globs every .cpp, so this compiles to nothing then.
#ifndef TESSERA_WITH_ZLIB
#include "gzip_file.h"
#include "tessera/core/error.h"

namespace tessera::data::detail {

std::string read_gzip_file(const std::filesystem::path& path) {
  throw UserError("cannot decompress " + path.string() +
                  ": built without zlib; rebuild with -DTESSERA_WITH_ZLIB=ON (zlib1g-dev)");
}

}  // namespace tessera::data::detail
#endif  // TESSERA_WITH_ZLIB
