#include <zlib.h>

#include <memory>

#include "gzip_file.h"
#include "tessera/core/error.h"

namespace tessera::data::detail {

std::string read_gzip_file(const std::filesystem::path& path) {
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw UserError("cannot decompress " + path.string() + ": cannot open it");
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const int read = gzread(file.get(), buffer, sizeof buffer);
    if (read < 0) {
      int code = Z_OK;
      throw UserError("cannot decompress " + path.string() + ": " + gzerror(file.get(), &code));
    }
    if (read == 0) break;
    out.append(buffer, static_cast<std::size_t>(read));
  }
  // At the end of the data a cut-off file reports Z_BUF_ERROR ("unexpected end of file") here.
  int code = Z_OK;
  const char* problem = gzerror(file.get(), &code);
  if (code != Z_OK) throw UserError("cannot decompress " + path.string() + ": " + problem);
  // zlib passes a file without a gzip header through unchanged; that is not a .gz file.
  if (gzdirect(file.get()) == 1) throw UserError("cannot decompress " + path.string() + ": not gzip data");
  return out;
}

}  // namespace tessera::data::detail
