#pragma once
// `tessera serve`: run directories behind one HTTP server (Open Inference Protocol), until SIGINT
// or SIGTERM. Shutdown is what Kubernetes and Slurm expect: ready turns 503, the listener closes,
// the requests in flight finish (up to serve.request_timeout_s), and the call returns normally.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tessera::serve {

struct ServiceOptions {
  std::vector<std::filesystem::path> runs;  // each served under its folder name
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: one the system picks (reported to on_listening)
  std::string device = "auto";
  std::vector<std::string> overrides;  // --set key=value on every run's saved config (serve.max_batch=64)
  std::function<void(std::uint16_t port)> on_listening;  // called once the server accepts connections
};

// Serves until a stop signal. Throws UserError for a run that cannot be served (a language model:
// not yet; a missing run), and when the address cannot be listened on.
void run_service(const ServiceOptions& options);

}  // namespace tessera::serve
