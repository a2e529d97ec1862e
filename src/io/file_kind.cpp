#include "tessera/io/file_kind.h"

#include <system_error>

namespace tessera::io {

namespace fs = std::filesystem;

std::string not_a_regular_file(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symlinks; stat(2), no open(2)
  if (ec == std::errc::too_many_symbolic_link_levels) return "is a symlink loop";
  switch (status.type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::directory: return "is a directory";
    case fs::file_type::fifo: return "is a named pipe (FIFO)";
    case fs::file_type::character: return "is a character device";
    case fs::file_type::block: return "is a block device";
    case fs::file_type::socket: return "is a socket";
    case fs::file_type::not_found: {
      std::error_code link_ec;
      return fs::is_symlink(fs::symlink_status(path, link_ec)) ? "is a broken symlink" : "no such file";
    }
    default: return "is not a regular file";
  }
}

}  // namespace tessera::io
