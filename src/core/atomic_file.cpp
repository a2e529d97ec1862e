#include "tessera/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "tessera/core/error.h"

namespace tessera {
namespace fs = std::filesystem;
namespace {

fs::path temporary_beside(const fs::path& path) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return path.parent_path() / ("." + path.filename().string() + ".tmp" + std::to_string(rng() % 1000000));
}

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::size_t remove_stale_temporaries(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    const auto tmp = name.rfind(".tmp");
    const bool ours = name.size() > 1 && name[0] == '.' && tmp != std::string::npos && tmp + 4 < name.size() &&
                      name.find_first_not_of("0123456789", tmp + 4) == std::string::npos;
    std::error_code ignored;
    if (ours && it->is_regular_file(ignored) && fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

void write_atomic_with(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
  const fs::path tmp = temporary_beside(path);
  try {
    write(tmp);
    fsync_path(tmp);
    fs::rename(tmp, path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  fsync_path(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  write_atomic_with(path, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) throw UserError("cannot write " + path.string() + ": " + std::strerror(errno));
  });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace tessera
