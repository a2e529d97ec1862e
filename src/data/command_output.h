#pragma once
// Standard output of a program run without a shell (no quoting to get wrong), for the few
// tools Tessera borrows instead of linking a library: `gzip -dc` and `dpkg-query`.
#include <string>
#include <vector>

namespace tessera::data::detail {

struct CommandOutput {
  int exit_code = -1;  // -1: it could not start or did not exit normally
  std::string out;     // stdout; stderr goes to ours, so the tool's own message reaches the user
};

// Runs argv[0] (looked up in PATH) with `argv` and waits for it.
CommandOutput run_command(const std::vector<std::string>& argv);

}  // namespace tessera::data::detail
