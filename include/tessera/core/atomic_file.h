#pragma once
// Writes that never leave a half-written file behind: the content goes to a temporary file in
// the same directory, is flushed to disk, then renamed over the target (rename is atomic on
// POSIX file systems). A crash leaves either the old file or the new one.
#include <filesystem>
#include <cstddef>
#include <functional>
#include <string_view>

namespace tessera {

// Writes `content` to `path` atomically. Throws UserError naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// For writers that need a path of their own (torch serialisers, OpenCV): `write` receives a
// temporary path beside `path`, and the result is renamed into place once it returns.
void write_atomic_with(const std::filesystem::path& path,
                       const std::function<void(const std::filesystem::path& tmp)>& write);

// Removes what atomic writes killed mid-way left in `dir` (their ".<name>.tmp<digits>" files) and
// returns how many. Only for a folder no other process is writing to: a resumed run's own.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

// Reads a whole file; throws UserError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

}  // namespace tessera
