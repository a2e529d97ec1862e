#include "tessera/core/remove_tree.h"

#include <cerrno>
#include <cstdio>

#include <ftw.h>
#include <sys/stat.h>

namespace tessera {
namespace {

// nftw's callback cannot capture, so the count lives here, per thread (nftw runs the callback
// on the calling thread).
thread_local std::uintmax_t removed_entries = 0;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  if (std::remove(path) != 0) return errno;  // stops the walk; nftw returns this value
  ++removed_entries;
  return 0;
}

}  // namespace

std::uintmax_t remove_tree(const std::filesystem::path& path, std::error_code& ec) noexcept {
  ec.clear();
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return 0;
    ec.assign(errno, std::generic_category());
    return static_cast<std::uintmax_t>(-1);
  }
  removed_entries = 0;
  // FTW_DEPTH: children before their folder; FTW_PHYS: a link is removed, not followed.
  const int result = ::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS);
  if (result != 0) {
    ec.assign(result > 0 ? result : errno, std::generic_category());
    return static_cast<std::uintmax_t>(-1);
  }
  return removed_entries;
}

std::uintmax_t remove_tree(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t removed = remove_tree(path, ec);
  if (ec) throw std::system_error(ec, "cannot remove " + path.string());
  return removed;
}

}  // namespace tessera
