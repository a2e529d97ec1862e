#pragma once
// Each subcommand registers its options and a callback on the app; the callbacks only turn
// options into a request for the library (no logic of their own).
#include <CLI/CLI.hpp>

namespace tessera::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_infer_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_next_command(CLI::App& app);
void add_prepare_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_version_command(CLI::App& app);
void add_drift_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// Exit status of the last subcommand when it is not 0 (e.g. infer with every file unreadable).
int& exit_status();

}  // namespace tessera::cli
