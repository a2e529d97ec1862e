// Bounds check of a torch::save archive (a checkpoint) before torch::jit::load reads it.
//
// LibTorch allocates what the archive states: each record's size from its zip directory entry
// (a zip64 extra field states 64 bits, which miniz does not compare with the file's size), and
// what the pickles in it state (pickle_bounds.h). This walks the same directory with torch's own
// reader, so both see the same records.
#pragma once

#include <optional>
#include <string>

namespace tessera::run {

// The first bound the archive breaks, naming the record ("record data.pkl: memo index ..."), or
// nullopt. Checked: every record's stated size is at most 1032 times the archive's (deflate's
// largest ratio; torch stores tensors uncompressed), and every pickle record (*.pkl, *.debug_pkl)
// passes pickle_bounds_problem. A directory torch's reader cannot open throws its c10::Error,
// as loading would.
std::optional<std::string> archive_bounds_problem(const std::string& archive);

}  // namespace tessera::run
