#include <memory>

#include "commands.h"
#include "tessera/serve/service.h"

namespace tessera::cli {

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<serve::ServiceOptions>();
  auto* command = app.add_subcommand("serve", "Serve trained runs over HTTP (Open Inference Protocol, KServe v2)");
  command->footer(
      "Each run is a model named by its folder name. Endpoints: GET /v2, /v2/health/live, /v2/health/ready,\n"
      "/v2/models/NAME, /v2/models/NAME/ready, /metrics (Prometheus: requests, batches, latency, live drift).\n"
      "Image classifiers: POST /v2/models/NAME/infer with one BYTES input of encoded images (JPEG, PNG,\n"
      "BMP, TIFF or DICOM files; Triton's binary-data extension avoids base64). Outputs: probabilities\n"
      "(FP32 [n, classes]), label and error (BYTES [n]). Requests are batched dynamically\n"
      "(serve.max_batch, serve.max_queue_delay_ms).\n"
      "Language models: POST /v2/models/NAME/generate and generate_stream (server-sent events), and\n"
      "OpenAI's POST /v1/completions (stream: true too), generating as `tessera generate` does.\n"
      "A full queue answers 503, a late request 504. SIGTERM or Ctrl-C: ready turns 503, the listener\n"
      "closes, requests in flight finish, exit 0.\n"
      "Examples:\n  tessera serve models/digits --port 8000\n"
      "  tessera serve models/digits models/ct --set serve.max_batch=64 --device cuda\n"
      "  tessera serve models/digits --set drift.max_images=500   # live drift over 500 images\n"
      "  curl -s localhost:8000/v2/models/digits");
  command->add_option("run_dirs", options->runs, "Run directories written by `tessera train`")->required();
  command->add_option("--host", options->host, "Address to listen on (0.0.0.0: every interface)")
      ->capture_default_str();
  command->add_option("--port", options->port, "TCP port (0: any free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_option("--set", options->overrides, "key=value over each run's saved config, e.g. serve.max_batch=64");
  command->callback([options] { serve::run_service(*options); });
}

}  // namespace tessera::cli
