#include "tessera/serve/service.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "tessera/core/config/experiment.h"
#include "tessera/core/cores.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/core/stop_signals.h"
#include "tessera/run/run_directory.h"
#include "tessera/serve/classification_model.h"
#include "tessera/serve/http_server.h"
#include "tessera/serve/language_model.h"
#include "tessera/serve/request_log.h"
#include "tessera/serve/serve_routes.h"
#include "tessera/tasks/drift_reference.h"
#include "tessera/tasks/language_model.h"

namespace tessera::serve {
namespace {

// The run's saved config with the command line's --set on top (serve.* settings, mostly).
config::ExperimentConfig settings_of(const run::RunDirectory& run, const std::vector<std::string>& overrides) {
  std::ifstream in(run.config_path());
  if (!in) throw UserError("cannot read " + run.config_path().string());
  std::ostringstream text;
  text << in.rdbuf();
  return config::parse_saved_config(text.str(), run.config_path().string(), overrides);
}

std::string model_name(const std::filesystem::path& run) {
  std::filesystem::path p = run;
  if (p.filename().empty()) p = p.parent_path();  // "models/digits/"
  return p.filename().string();
}

// The live drift monitor of a run with a drift reference (trained with drift.reference on); null,
// said in the log, otherwise. The window is drift.max_images, what `tessera drift` measures.
std::unique_ptr<LiveDrift> live_drift(const run::RunDirectory& run, const std::string& name,
                                      const config::ExperimentConfig& config) {
  const std::filesystem::path file = run.path() / tasks::kDriftReferenceFile;
  if (!std::filesystem::exists(file)) {
    log::info("serve: model '", name, "' has no ", tasks::kDriftReferenceFile,
              ": no live drift (tessera drift RUN --data DIR computes it)");
    return nullptr;
  }
  auto drift =
      std::make_unique<LiveDrift>(tasks::read_drift_reference(file).features, config.drift, config.runtime.seed);
  log::info("serve: model '", name, "': live drift over the last ", drift->window(), " images, against ",
            tasks::kDriftReferenceFile);
  return drift;
}

}  // namespace

void run_service(const ServiceOptions& options) {
  if (options.runs.empty()) throw UserError("serve: no run directory given");
  if (options.port < 0 || options.port > 65535) throw UserError("serve: --port must be 0..65535");
  const torch::Device device = resolve_device(options.device);
  std::vector<std::shared_ptr<ServedModel>> models;
  std::vector<ServedModel*> served;  // owned by `models`, then by the routes
  std::set<std::string> names;
  config::ServeConfig server_settings;
  std::size_t max_batch = 1;  // the largest of the models': the batch-size histogram's top bucket
  for (const auto& path : options.runs) {
    const auto run = run::RunDirectory::open(path);
    const config::ExperimentConfig config = settings_of(run, options.overrides);
    const std::string name = model_name(path);
    if (!names.insert(name).second)
      throw UserError("serve: two runs are named '" + name + "'; give each its own folder name");
    std::shared_ptr<ServedModel> model;
    if (config.is_language_model()) {
      model = std::make_shared<LanguageModel>(name, tasks::LanguageModelTask::from_run_directory(run, device),
                                              config.serve);
    } else {
      model = std::make_shared<ClassificationModel>(name, tasks::ClassificationTask::from_run_directory(run, device),
                                                    config.serve, live_drift(run, name, config));
    }
    served.push_back(model.get());
    models.push_back(std::move(model));
    if (models.size() == 1) {  // the first run's server settings and log level
      server_settings = config.serve;
      log::init(config::to_string(config.runtime.log_level));
    }
    max_batch = std::max(max_batch, static_cast<std::size_t>(config.serve.max_batch));
    log::info("serve: model '", name, "' from ", path.string(), " on ", device.str());
  }

  ServeRoutes routes(std::move(models), max_batch);  // the only owner from here: see serve_routes.h
  HttpLimits limits;
  limits.max_body_bytes = static_cast<std::size_t>(server_settings.max_request_mb * 1024 * 1024);
  limits.header_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(server_settings.header_timeout_s * 1000));
  const int threads = server_settings.threads.automatic ? usable_cores() : server_settings.threads.count;
  const StopSignals signals;
  HttpServer server(options.host, static_cast<std::uint16_t>(options.port), threads, limits,
                    with_request_log(routes.handler()));
  log::info("serve: listening on http://", options.host, ":", server.port(), " (", threads, " threads)");
  if (options.on_listening) options.on_listening(server.port());
  while (signals.received() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));

  log::info("serve: ", StopSignals::name(signals.received()), ": draining");
  routes.set_draining();
  server.stop_accepting();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(server_settings.request_timeout_s * 1000));
  const bool drained = server.wait_idle(deadline);
  for (ServedModel* m : served) m->shutdown();
  const HttpCounters c = server.counters();
  log::info("serve: stopped after ", c.requests, " requests (", routes.counters().ok.load(), " answered 2xx",
            drained ? "" : "; some were still running at the deadline", ")");
}

}  // namespace tessera::serve
