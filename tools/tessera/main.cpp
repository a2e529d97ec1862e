// tessera: the command-line entry point. Parses arguments, runs one subcommand, and maps
// errors to exit codes: 0 ok, 1 user error (one line naming the file, key or argument), 2 internal error,
// 128 + signal for a run stopped by SIGINT/SIGTERM after saving its state.
#include <c10/util/Exception.h>

#include <cstdio>
#include <exception>

#include "commands.h"
#include "tessera/core/error.h"
#include "tessera/core/openmp_wait.h"
#include "tessera/core/stop_signals.h"

int main(int argc, char** argv) {
  tessera::use_passive_openmp_waiting(argv);  // may re-exec once with OMP_WAIT_POLICY=PASSIVE
  CLI::App app{"Tessera: train, evaluate and deploy image classifiers and small language models from one YAML config,\n"
               "without Python.",
               "tessera"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every subcommand");
  tessera::cli::add_train_command(app);
  tessera::cli::add_eval_command(app);
  tessera::cli::add_compare_command(app);
  tessera::cli::add_report_command(app);
  tessera::cli::add_infer_command(app);
  tessera::cli::add_generate_command(app);
  tessera::cli::add_next_command(app);
  tessera::cli::add_prepare_command(app);
  tessera::cli::add_inspect_command(app);
  tessera::cli::add_version_command(app);
  tessera::cli::add_drift_command(app);
  tessera::cli::add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help prints and returns 0; a bad argument prints CLI11's line and "Run with --help" and,
    // like every other mistake the user can fix, exits 1 (not CLI11's own 100-series codes).
    return app.exit(error) == 0 ? 0 : 1;
  } catch (const tessera::UserError& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  } catch (const tessera::Interrupted& stopped) {  // SIGINT/SIGTERM: state saved, how to resume
    std::fprintf(stderr, "%s\n", stopped.what());
    return stopped.exit_code();
  } catch (const c10::Error& error) {
    std::fprintf(stderr, "internal error (torch): %s\n", error.what_without_backtrace());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "internal error: %s\n", error.what());
    return 2;
  }
  return tessera::cli::exit_status();
}
