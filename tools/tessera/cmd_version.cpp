#include <cstdio>

#include "commands.h"
#include "tessera/core/build_info.h"
#include "tessera/io/library_versions.h"

namespace tessera::cli {

void add_version_command(CLI::App& app) {
  auto* command = app.add_subcommand("version", "Print Tessera, torch, CUDA, cuDNN, OpenCV and DCMTK versions and devices");
  command->callback([] {
    auto rows = runtime_versions();
    for (auto& row : io::codec_library_versions()) rows.push_back(std::move(row));
    for (const auto& [name, value] : rows) std::printf("%-22s %s\n", (name + ":").c_str(), value.c_str());
  });
}

}  // namespace tessera::cli
