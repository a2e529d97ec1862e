// ServeMetrics in a build without prometheus-cpp (TESSERA_WITH_PROMETHEUS off, e.g. the GPU
// machine's bare build): nothing is recorded and /metrics says why. The real one is
// serve_metrics_prometheus.cpp; the module globs every .cpp, so this compiles to nothing then.
#ifndef TESSERA_WITH_PROMETHEUS
#include "tessera/serve/serve_metrics.h"

namespace tessera::serve {

struct ServeMetrics::State {};

ServeMetrics::ServeMetrics(const std::vector<std::string>&, std::size_t) {}
ServeMetrics::~ServeMetrics() = default;
bool ServeMetrics::available() { return false; }
void ServeMetrics::request(const std::string&, RequestOutcome) {}
void ServeMetrics::batch(const std::string&, const BatchRecord&) {}
void ServeMetrics::in_flight(const std::string&, int) {}
void ServeMetrics::prediction(const std::string&, const std::string&) {}
void ServeMetrics::drift(const std::string&, const DriftSnapshot&) {}
std::string ServeMetrics::text() const {
  return "# built without prometheus-cpp: rebuild with -DTESSERA_WITH_PROMETHEUS=ON (prometheus-cpp-dev)\n";
}

}  // namespace tessera::serve
#endif  // TESSERA_WITH_PROMETHEUS
