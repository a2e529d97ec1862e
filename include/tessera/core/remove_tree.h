#pragma once
// Removes a file, or a folder with everything under it, like std::filesystem::remove_all but
// without calling it. On a machine whose libstdc++ is newer than the one LibTorch was built
// against (Ubuntu 24.04's GCC 14 runtime on the GPU machine), libstdc++'s remove_all binds some of
// its internal std::filesystem symbols to the copies LibTorch exports and jumps to address 0
// (tools/device_check.sh's backtrace on the GPU machine; the same tests passed when their folder
// was left in place). POSIX nftw never goes through those symbols. Symbolic links
// are removed, never followed.
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace tessera {

// The number of entries removed (0 when `path` does not exist, which is not an error). On failure
// `ec` is set and the return value is static_cast<std::uintmax_t>(-1), as remove_all does.
std::uintmax_t remove_tree(const std::filesystem::path& path, std::error_code& ec) noexcept;

// As above; throws std::system_error naming the path on failure.
std::uintmax_t remove_tree(const std::filesystem::path& path);

}  // namespace tessera
