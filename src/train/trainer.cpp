#include "tessera/train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <sstream>
#include <utility>

#include "tessera/core/atomic_file.h"
#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/memory.h"
#include "tessera/core/progress.h"
#include "tessera/core/stop_signals.h"
#include "tessera/models/safetensors.h"
#include "tessera/run/checkpoint.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/evaluation_pass.h"
#include "tessera/tasks/family.h"
#include "tessera/tasks/training_record.h"
#include "tessera/track/tracker.h"
#include "tessera/train/epoch_totals.h"
#include "tessera/train/grad_clip.h"
#include "tessera/train/lr_schedule.h"
#include "tessera/train/optimizer.h"

namespace tessera::train {
namespace fs = std::filesystem;
namespace {

// Opens the run to continue, or creates a fresh one.
run::RunDirectory open_run(const TrainRequest& request, config::ExperimentConfig& config) {
  if (!request.resume) {
    auto run = run::RunDirectory::create(config);
    run.write_config(config);
    return run;
  }
  fs::path dir = request.resume_dir;
  if (dir.empty()) {
    const auto latest = run::RunDirectory::latest(config.runtime.output_dir, config.runtime.name);
    if (!latest) {
      throw UserError("--resume: no run named '" + config.runtime.name + "' under " + config.runtime.output_dir +
                      " to continue");
    }
    dir = *latest;
  }
  auto run = run::RunDirectory::open(dir);
  // The run's own settings, so the schedule and data match; --set changes them on purpose.
  config = config::parse_saved_config(read_file(run.config_path()), run.config_path().string(), request.overrides);
  return run;
}

// Weights for eval/infer: torchvision-compatible names, with the config and labels in the
// metadata so the file alone says what it is.
void save_weights(const fs::path& path, tasks::Task& task, const config::ExperimentConfig& config, std::int64_t epoch) {
  auto metadata = task.weights_metadata();
  metadata["config"] = config::to_yaml(config);
  metadata["epoch"] = std::to_string(epoch);
  metadata["format"] = "tessera-weights-1";
  models::save_safetensors(path, models::state_dict(task.module()), metadata);
}

// Every rank ends with rank 0's parameters and buffers (batch norm's running statistics, which
// each rank updates from its own batches, as DistributedDataParallel's broadcast_buffers does).
void adopt_main_state(dist::Group& group, torch::nn::Module& module) {
  std::vector<torch::Tensor> state = module.parameters();
  for (const auto& buffer : module.buffers()) state.push_back(buffer);
  group.broadcast_from_main(state);
}

// One pass over a split without gradients. In a group each rank scores its shard with rank 0's
// weights and statistics, and every rank ends with the whole split's evaluation.
std::unique_ptr<tasks::Evaluation> evaluate_with_main_weights(tasks::Task& task, tasks::Split split, std::int64_t epoch,
                                                              dist::Group* group, std::int64_t batch_size) {
  if (group) adopt_main_state(*group, task.module());
  tasks::PassOptions options;
  options.inference_mode = false;  // the model trains on afterwards
  options.batch_size = batch_size;
  options.group = group;
  options.epoch = epoch;
  return tasks::evaluate_pass(task, split, options).evaluation;
}

class Trainer {
 public:
  Trainer(config::ExperimentConfig config, run::RunDirectory run, torch::Device device, track::RunTracker& tracker,
          dist::Group* group, bool resumed_with_overrides)
      : config_(std::move(config)), run_(std::move(run)), device_(device), tracker_(tracker), group_(group),
        writes_(group == nullptr || group->is_main()), resumed_with_overrides_(resumed_with_overrides) {}

  TrainSummary run(bool resuming) {
    const StopSignals stop_signals;  // SIGINT/SIGTERM: save and stop at the next step (core/stop_signals.h)
    stop_signals_ = &stop_signals;
    task_ = tasks::family_of(config_).for_training(config_, device_);
    if (writes_) task_->write_to_run(run_);
    if (group_) {
      for (const auto split : {tasks::Split::train, tasks::Split::val, tasks::Split::test}) {
        task_->shard(split, group_->rank(), group_->size());
      }
    }
    optimizer_ = make_optimizer(task_->module(), config_.optim);
    const auto steps_per_epoch = static_cast<std::int64_t>(task_->batches_per_epoch(tasks::Split::train));
    if (steps_per_epoch == 0) {
      throw UserError(config_.data.train + ": fewer " + task_->unit() + " than one batch (" +
                      std::to_string(config_.data.batch_size) + ") with data.drop_last on");
    }
    schedule_ = std::make_unique<LrSchedule>(config_.optim, steps_per_epoch, config_.train.epochs);

    const bool checkpoint = resuming && (fs::exists(run_.checkpoint_path()) ||
                                         fs::exists(run::previous_checkpoint_path(run_.checkpoint_path())));
    if (group_ && group_->sum({checkpoint ? 1.0 : 0.0})[0] != (checkpoint ? group_->size() : 0)) {
      // Rank 0 resumes from its checkpoint; a rank that cannot read it would start over and
      // leave the group out of step.
      throw UserError("rank " + std::to_string(group_->rank()) + (checkpoint ? " sees " : " does not see ") +
                      run_.checkpoint_path().string() + " but another rank " + (checkpoint ? "does not" : "does") +
                      ": resuming a data-parallel run needs its run directory on storage every rank reads");
    }
    if (resuming && writes_) {
      if (const auto stale = remove_stale_temporaries(run_.path()); stale > 0) {
        log::info("removed ", stale, " half-written file(s) a killed run left in ", run_.path().string());
      }
    }
    if (checkpoint) {
      progress_ = run::load_latest_good_checkpoint(run_.checkpoint_path(), task_->module(), *optimizer_);
      // Loading replaces each tensor with the stored one, whose layout need not be this run's.
      if (task_->compute().channels_last) to_channels_last(task_->module());
      log::info("resuming ", run_.path().string(), " after epoch ", progress_.epochs_completed, " (step ",
                progress_.step, ")");
      if (resumed_with_overrides_) {
        if (writes_) {
          run_.write_config(config_);  // the checkpoint took the changed settings: record them
          log::info("resumed with changed settings (--set); ", run_.config_path().string(), " records them");
        }
        if (progress_.finished && progress_.epochs_completed < config_.train.epochs) {
          progress_.finished = false;  // asked for more epochs than the run had
          log::info("train.epochs is now ", config_.train.epochs, ": the finished run goes on");
        }
      }
    } else if (resuming) {
      log::warn("no checkpoint in ", run_.path().string(), " yet; starting it from the first epoch");
    }
    if (progress_.finished) {
      log::info("this run already finished (", progress_.epochs_completed, " epochs); nothing to resume");
    }
    if (group_) {
      // Every rank seeded alike (or loaded the same checkpoint); rank 0's values make sure.
      adopt_main_state(*group_, task_->module());
      log::info("data-parallel: ", group_->size(), group_->size() == 1 ? " process (" : " processes (", group_->backend(), "), ",
                task_->batches_per_epoch(tasks::Split::train), " steps per epoch each, batch ", config_.data.batch_size,
                " per process; batch norm normalizes per process, evaluation uses rank 0's running statistics");
    }

    log::info("training ", config::name_of(config_.model.name), " on ", task_->examples(tasks::Split::train), " ",
              task_->unit(), " (", steps_per_epoch, " steps/epoch) on ", describe_device(device_), " (",
              describe_compute(task_->compute()), ") -> ", run_.path().string());
    const auto start = std::chrono::steady_clock::now();
    bool early_stopped = false;
    for (std::int64_t epoch = progress_.epochs_completed + 1; epoch <= config_.train.epochs && !progress_.finished;
         ++epoch) {
      nlohmann::json record = train_epoch(epoch, steps_per_epoch);
      const bool evaluate = epoch % config_.train.eval_every == 0 || epoch == config_.train.epochs;
      bool improved = false;
      if (evaluate) improved = validate(epoch, record);
      progress_.epochs_completed = epoch;
      early_stopped = config_.train.early_stopping.patience > 0 &&
                      progress_.evals_without_improvement >= config_.train.early_stopping.patience;
      progress_.finished = epoch == config_.train.epochs || early_stopped;
      if (writes_) {
        save_epoch(epoch, improved);
        run_.append_metrics(record);
        tracker_.epoch_finished(record);
      }
      if (const int signal = stop_requested(); signal != 0 && !progress_.finished) {
        throw Interrupted(signal, stop_message(signal, "after epoch " + std::to_string(epoch)));
      }
      if (early_stopped) {
        log::info("early stopping: ", config::name_of(config_.train.monitor), " did not improve for ",
                  progress_.evals_without_improvement, " evaluations");
      }
    }
    if (group_) group_->barrier();  // rank 0's weights are on disk before anyone reloads them
    TrainSummary summary = summarize(early_stopped);
    summary.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
  }

 private:
  nlohmann::json train_epoch(std::int64_t epoch, std::int64_t steps_per_epoch) {
    auto& module = task_->module();
    module.train();
    const std::vector<torch::Tensor> parameters = module.parameters();
    // A run stopped by a signal mid-epoch resumes at the step it reached.
    const auto skip = static_cast<std::size_t>(std::exchange(progress_.epoch_steps, 0));
    task_->start_epoch(tasks::Split::train, epoch, skip);
    if (skip > 0) {
      log::info("epoch ", epoch, ": resuming at step ", skip + 1, " of ", steps_per_epoch,
                " (its train loss and accuracy cover the steps from there)");
    }
    Progress bar("epoch " + std::to_string(epoch) + "/" + std::to_string(config_.train.epochs), steps_per_epoch,
                 "step", config_.train.log_every);
    // On the CPU every loss is checked before the step uses it; on a GPU the checks wait until
    // the progress line reads the totals anyway, so the host never stalls the GPU's queue.
    const bool check_every_step = !task_->device().is_cuda();
    EpochTotals totals;
    std::int64_t steps = static_cast<std::int64_t>(skip), failures = 0;
    double lr = 0.0;
    try {
      while (auto batch = task_->next_batch(tasks::Split::train)) {
        failures += static_cast<std::int64_t>(batch->failures.size());
        ++steps;
        if (batch->inputs.size(0) == 0) continue;
        lr = schedule_->at(progress_.step);
        set_learning_rate(*optimizer_, lr);
        optimizer_->zero_grad();
        torch::Tensor outputs, loss;
        {
          const AutocastScope autocast(task_->compute());
          outputs = task_->forward(batch->inputs);
          loss = task_->loss(outputs, batch->targets);
        }
        totals.add(progress_.step, loss, outputs, batch->targets);
        if (check_every_step) check_finite(totals, epoch);
        loss.backward();
        if (group_) group_->average_gradients(parameters);
        if (config_.train.grad_clip > 0) clip_grad_norm(module, config_.train.grad_clip);
        optimizer_->step();
        ++progress_.step;
        if (bar.due(steps)) {
          check_finite(totals, epoch);
          bar.update(steps, "loss " + fixed(totals.mean_loss()) + " lr " + fixed(lr, 6));
        }
        if (const int signal = stop_requested(); signal != 0) {
          stop_mid_epoch(signal, totals, epoch, steps, steps_per_epoch);
        }
      }
    } catch (const c10::OutOfMemoryError& error) {
      throw out_of_memory_error(error, device_, config_.data.batch_size, "data.batch_size");
    }
    check_finite(totals, epoch);
    bar.finish();
    double seen = static_cast<double>(totals.seen());
    double mean_loss = totals.mean_loss(), accuracy = totals.accuracy();
    if (group_) {  // the whole job's epoch, not this rank's share
      const auto sums = group_->sum({mean_loss * seen, accuracy * seen, seen, static_cast<double>(failures)});
      seen = sums[2];
      mean_loss = seen > 0 ? sums[0] / seen : 0.0;
      accuracy = seen > 0 ? sums[1] / seen : 0.0;
      failures = static_cast<std::int64_t>(sums[3]);
    }
    const std::string rate_key = std::string("train_") + task_->unit() + "_per_second";  // train_images_per_second
    nlohmann::json record = {{"epoch", epoch},
                             {"step", progress_.step},
                             {"lr", lr},
                             {"train_loss", mean_loss},
                             {"train_accuracy", accuracy},
                             {"train_seconds", bar.seconds()},
                             {rate_key, bar.seconds() > 0 ? seen / bar.seconds() : 0.0},
                             // This process's resident memory after the epoch: flat across epochs.
                             {"rss_mb", static_cast<double>(resident_bytes()) / (1 << 20)}};
    if (failures > 0) record["train_unreadable"] = failures;
    std::string line = "epoch " + std::to_string(epoch) + ": train loss " + fixed(record["train_loss"]) + " acc " +
                       fixed(record["train_accuracy"]) + " (" + fixed(bar.seconds(), 1) + " s, " +
                       fixed(record[rate_key], 0) + " " + task_->unit() + "/s)";
    log::info(line);
    return record;
  }

  // The stop signal this process received, or (in a group) SIGTERM when another rank did: all
  // ranks must stop at the same step, or the next all-reduce would wait for the missing one.
  int stop_requested() const {
    int signal = stop_signals_ ? stop_signals_->received() : 0;
    if (group_ && group_->sum({signal != 0 ? 1.0 : 0.0})[0] > 0 && signal == 0) signal = SIGTERM;
    return signal;
  }

  std::string stop_message(int signal, const std::string& where) const {
    return std::string("stopped by ") + StopSignals::name(signal) + " " + where + "; checkpoint saved in " +
           run_.checkpoint_path().string() + ". Resume with: tessera train " + (run_.path() / "config.yaml").string() +
           " --resume " + run_.path().string();
  }

  // Saves the state after `steps` steps of `epoch` and ends the run with Interrupted.
  [[noreturn]] void stop_mid_epoch(int signal, EpochTotals& totals, std::int64_t epoch, std::int64_t steps,
                                   std::int64_t steps_per_epoch) {
    check_finite(totals, epoch);  // never checkpoint weights a non-finite loss has touched
    progress_.epoch_steps = steps;
    if (writes_) run::save_checkpoint(run_.checkpoint_path(), task_->module(), *optimizer_, progress_);
    if (group_) group_->barrier();
    throw Interrupted(signal, stop_message(signal, "at step " + std::to_string(steps) + " of " +
                                                       std::to_string(steps_per_epoch) + " of epoch " +
                                                       std::to_string(epoch)));
  }

  // A non-finite loss ends the run, naming the step, the checkpoint to go back to, and what to change.
  void check_finite(EpochTotals& totals, std::int64_t epoch) const {
    try {
      totals.check_finite(epoch);
    } catch (const UserError& e) {
      const bool saved = progress_.epochs_completed > 0 && fs::exists(run_.checkpoint_path());
      std::ostringstream lower;
      lower << config_.optim.lr / 10;
      throw UserError(std::string(e.what()) + ". " +
                      (saved ? "The last good checkpoint is " + run_.checkpoint_path().string() + " (after epoch " +
                                   std::to_string(progress_.epochs_completed) + "); go on from it with: tessera train " +
                                   run_.config_path().string() + " --resume " + run_.path().string() +
                                   " --set optim.lr=" + lower.str()
                             : std::string("No epoch finished, so there is no checkpoint to go back to")));
    }
  }

  // Evaluates the val split (when there is one) and updates the best metric; true when improved.
  bool validate(std::int64_t epoch, nlohmann::json& record) {
    if (!task_->has_split(tasks::Split::val)) {
      // Without a validation set the latest weights are the best we know.
      progress_.best_epoch = epoch;
      return true;
    }
    // In a group every rank holds the same combined evaluation, so "best" and early stopping
    // can never differ between ranks.
    const auto evaluation =
        evaluate_with_main_weights(*task_, tasks::Split::val, epoch, group_, config_.eval.batch_size);
    const double accuracy = evaluation->value("accuracy");
    const double loss = evaluation->value("loss");
    record["val_loss"] = loss;
    record["val_accuracy"] = accuracy;
    const bool maximize = config_.train.monitor == config::Monitor::val_accuracy;
    const double value = maximize ? accuracy : loss;
    const double delta = config_.train.early_stopping.min_delta;
    const bool improved = std::isnan(progress_.best_metric) ||
                          (maximize ? value > progress_.best_metric + delta : value < progress_.best_metric - delta);
    if (improved) {
      progress_.best_metric = value;
      progress_.best_epoch = epoch;
      progress_.evals_without_improvement = 0;
    } else {
      ++progress_.evals_without_improvement;
    }
    log::info("epoch ", epoch, ": val loss ", fixed(loss), " acc ", fixed(accuracy), improved ? " (best)" : "");
    return improved;
  }

  // Weights first, checkpoint last: the checkpoint is the commit point of an epoch, so a kill
  // in between repeats the epoch on resume and rewrites the same weights.
  void save_epoch(std::int64_t epoch, bool improved) {
    save_weights(run_.last_weights_path(), *task_, config_, epoch);
    if (improved || config_.train.keep == config::Keep::last) save_weights(run_.weights_path(), *task_, config_, epoch);
    run::save_checkpoint(run_.checkpoint_path(), task_->module(), *optimizer_, progress_);
  }

  TrainSummary summarize(bool early_stopped) {
    TrainSummary summary;
    summary.run_dir = run_.path();
    summary.epochs_completed = progress_.epochs_completed;
    summary.best_epoch = config_.train.keep == config::Keep::last ? progress_.epochs_completed : progress_.best_epoch;
    summary.early_stopped = early_stopped;
    // Reload the best weights: the summary and the test numbers describe what eval/infer use.
    // Rank 0 reads them; evaluate_with_main_weights hands them to the others (who need no shared storage).
    if (writes_ && fs::exists(run_.weights_path())) {
      models::load_state_dict(task_->module(), models::load_safetensors(run_.weights_path()).tensors);
    }
    if (task_->has_split(tasks::Split::val)) {
      const auto val = evaluate_with_main_weights(*task_, tasks::Split::val, 0, group_, config_.eval.batch_size);
      summary.best_val_accuracy = val->value("accuracy");
      summary.best_val_loss = val->value("loss");
    }
    if (task_->has_split(tasks::Split::test)) {
      const auto test = evaluate_with_main_weights(*task_, tasks::Split::test, 0, group_, config_.eval.batch_size);
      summary.test = test->report();
      if (writes_) run_.write_json("test_metrics.json", summary.test);
      log::info("test: accuracy ", fixed(test->value("accuracy")), " loss ", fixed(test->value("loss")), " on ",
                test->count(), " ", task_->unit());
    }
    return summary;
  }

  config::ExperimentConfig config_;
  run::RunDirectory run_;
  torch::Device device_;
  track::RunTracker& tracker_;
  dist::Group* group_;  // null: one process
  const StopSignals* stop_signals_ = nullptr;  // installed by run()
  bool writes_;         // rank 0 (or alone): the only writer of the run directory
  bool resumed_with_overrides_;  // --resume with --set: config.yaml is rewritten once the checkpoint loads
  std::unique_ptr<tasks::Task> task_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  run::TrainProgress progress_;
};

// The end-of-run numbers a tracker records beside the per-epoch ones.
nlohmann::json summary_metrics(const TrainSummary& summary) {
  nlohmann::json metrics = {{"best_epoch", summary.best_epoch}, {"total_train_seconds", summary.train_seconds}};
  if (!std::isnan(summary.best_val_accuracy)) metrics["best_val_accuracy"] = summary.best_val_accuracy;
  if (!std::isnan(summary.best_val_loss)) metrics["best_val_loss"] = summary.best_val_loss;
  if (summary.test.is_object()) {
    for (const auto& [key, value] : summary.test.items()) {
      if (value.is_number()) metrics["test_" + key] = value;
    }
  }
  return metrics;
}

}  // namespace

TrainSummary train(const TrainRequest& request) {
  config::ExperimentConfig config = request.config;
  dist::Group* group = request.group;
  const bool main = group == nullptr || group->is_main();
  // Rank 0 makes or opens the run; the others get its directory and resolved config from it, so
  // every rank trains exactly the same settings (a resumed run's own config included).
  std::optional<run::RunDirectory> opened;
  if (main) opened.emplace(open_run(request, config));
  if (group) {
    const std::string path = group->broadcast_text(main ? opened->path().string() : "");
    const std::string yaml = group->broadcast_text(main ? config::to_yaml(config) : "");
    if (!main) {
      config = config::parse_saved_config(yaml, path + "/config.yaml");
      opened.emplace(run::RunDirectory::elsewhere(path));
    }
  }
  run::RunDirectory run = std::move(*opened);
  log::init(main ? config::to_string(config.runtime.log_level) : std::string("warn"));  // one rank tells the story
  if (main) log::add_file(run.log_path());
  apply_runtime(config.runtime);  // seeds before the model is built: same seed, same init
  torch::Device device = resolve_device(config.runtime.device);
  // One GPU per process: LOCAL_RANK picks it (rank 0's config names its own).
  if (group && device.is_cuda()) device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(group->local_rank()));
  const tasks::TaskFamily& family = tasks::family_of(config);
  const auto tracker = main ? track::tracker_for(config, run, family.name) : track::null_tracker();
  tracker->started(request.resume);
  Trainer trainer(config, run, device, *tracker, group, request.resume && !request.overrides.empty());
  TrainSummary summary;
  try {
    summary = trainer.run(request.resume);
  } catch (...) {
    tracker->failed();
    if (main) log::remove_file();
    throw;
  }
  if (main) tasks::record_training_data(run, config, device);  // data_fingerprint.json, drift_reference.json
  nlohmann::json end_of_run = {{"best_epoch", summary.best_epoch}, {"epochs", summary.epochs_completed}};
  if (!std::isnan(summary.best_val_accuracy)) end_of_run["best_val_accuracy"] = summary.best_val_accuracy;
  if (!std::isnan(summary.best_val_loss)) end_of_run["best_val_loss"] = summary.best_val_loss;
  if (!summary.test.is_null()) end_of_run["test"] = summary.test;
  summary.result_lines = family.training_summary(end_of_run);
  tracker->finished(summary_metrics(summary), summary.epochs_completed);
  if (main) log::remove_file();
  return summary;
}

}  // namespace tessera::train
