#pragma once
// Telling a regular file from everything else by its type alone, before anything opens it:
// opening a named pipe blocks until a writer appears (`inspect` on a FIFO used to hang), a
// device never ends, and a symlink loop never resolves. Readers of user-given paths call this first.
#include <filesystem>
#include <string>

namespace tessera::io {

// "" for a regular file or a symlink to one; otherwise why not: "no such file", "is a directory",
// "is a named pipe (FIFO)", "is a character device", "is a block device", "is a socket",
// "is a symlink loop", "is a broken symlink", or "is not a regular file". Never opens the path.
std::string not_a_regular_file(const std::filesystem::path& path);

}  // namespace tessera::io
