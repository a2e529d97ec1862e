#include "tessera/serve/request_log.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "tessera/core/logging.h"

namespace tessera::serve {

HttpHandler with_request_log(HttpHandler handler) {
  return [handler = std::move(handler)](HttpRequest request, Reply reply) {
    if (!log::enabled(log::Level::debug)) return handler(std::move(request), std::move(reply));
    const auto start = std::chrono::steady_clock::now();
    const std::string target = request.target.substr(0, request.target.find('?'));
    std::string line = "serve: #" + std::to_string(request.id) + " " + request.method + " " + target + " " +
                       std::to_string(request.body.size()) + " B -> ";
    handler(std::move(request), [reply = std::move(reply), start, line = std::move(line)](HttpResponse response) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      char took[32];
      std::snprintf(took, sizeof took, "%.1f ms", ms);
      const std::string size = response.stream ? "streamed" : std::to_string(response.body.size()) + " B";
      log::debug(line, response.status, " ", size, " in ", took);
      reply(std::move(response));
    });
  };
}

}  // namespace tessera::serve
