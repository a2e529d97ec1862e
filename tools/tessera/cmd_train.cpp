#include <cstdio>

#include "commands.h"
#include "tessera/core/config/experiment.h"
#include "tessera/dist/group.h"
#include "tessera/train/trainer.h"

namespace tessera::cli {

int& exit_status() {
  static int status = 0;
  return status;
}

void add_train_command(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
    std::string resume;
    bool resume_flag = false;
    bool dry_run = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("train", "Train a model from a YAML config into a new run directory");
  command->footer(
      "Examples:\n"
      "  tessera train configs/digits.yaml\n"
      "  tessera train configs/digits.yaml --set optim.lr=0.01 --set train.epochs=5\n"
      "  tessera train configs/digits.yaml --resume              # continue the latest 'digits' run\n"
      "  tessera train configs/digits.yaml --resume models/digits-2\n"
      "  tessera train configs/digits.yaml --dry-run             # print the resolved config\n"
      "  torchrun --no-python --nproc-per-node 2 tessera train configs/digits.yaml   # data-parallel");
  command->add_option("config", options->config, "YAML config file")->required()->check(CLI::ExistingFile);
  command->add_option("--set", options->overrides, "Override a config value: section.key=value (repeatable)")
      ->allow_extra_args(false);
  auto* resume = command->add_option("--resume", options->resume,
                                     "Continue a stopped run from its last checkpoint: the latest run of this config's "
                                     "name, or the run directory given. It keeps the run's own config; --set changes it "
                                     "(e.g. a lower optim.lr after a divergence)");
  resume->expected(0, 1);
  command->add_flag("--dry-run", options->dry_run, "Print the resolved config and exit");
  command->callback([options, resume] {
    train::TrainRequest request;
    request.config = config::load_config(options->config, options->overrides);
    if (options->dry_run) {
      std::fputs(config::to_yaml(request.config).c_str(), stdout);
      return;
    }
    request.resume = resume->count() > 0;
    request.overrides = options->overrides;
    request.resume_dir = options->resume;
    // Under torchrun (or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set by hand), join the group.
    const std::unique_ptr<dist::Group> group = dist::join_if_launched(request.config.runtime.distributed, request.config.runtime.device);
    request.group = group.get();
    const train::TrainSummary summary = train::train(request);
    if (group && !group->is_main()) return;  // rank 0 reports
    std::printf("run directory: %s\n", summary.run_dir.c_str());
    for (const std::string& line : summary.result_lines) std::printf("%s\n", line.c_str());
    std::printf("training time: %.1f s\n", summary.train_seconds);
  });
}

}  // namespace tessera::cli
