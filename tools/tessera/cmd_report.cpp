#include <cstdio>

#include "commands.h"
#include "tessera/report/run_report.h"

namespace tessera::cli {

void add_report_command(CLI::App& app) {
  auto run_dir = std::make_shared<std::filesystem::path>();
  auto* command = app.add_subcommand(
      "report", "Rebuild RUN/report.html from RUN/report.json, metrics.jsonl and config.yaml (no dataset needed)");
  command->footer("Example:\n  tessera report models/digits   # after `tessera eval models/digits --data data/digits/test`");
  command->add_option("run_dir", *run_dir, "Run directory holding report.json (written by `tessera eval`)")->required();
  command->callback([run_dir] {
    const auto page = report::rebuild_report_html(*run_dir);
    std::printf("report: %s\n", page.c_str());
  });
}

}  // namespace tessera::cli
