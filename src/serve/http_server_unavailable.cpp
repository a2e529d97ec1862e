// HttpServer in a build without Boost.Beast (TESSERA_WITH_BEAST off, e.g. the GPU machine's bare
// build): `tessera serve` says plainly that this build cannot serve. The real one is
// http_server_beast.cpp; the module globs every .cpp, so this compiles to nothing then.
#ifndef TESSERA_WITH_BEAST
#include <stdexcept>

#include "tessera/core/error.h"
#include "tessera/serve/http_server.h"

namespace tessera::serve {

namespace detail {
struct HttpServerState {};
}  // namespace detail

HttpServer::HttpServer(const std::string&, std::uint16_t, int, HttpLimits, HttpHandler) {
  throw UserError("serve: built without an HTTP server; rebuild with -DTESSERA_WITH_BEAST=ON (libboost-dev)");
}
HttpServer::~HttpServer() = default;
std::uint16_t HttpServer::port() const { return 0; }
void HttpServer::stop_accepting() {}
bool HttpServer::wait_idle(std::chrono::steady_clock::time_point) { return true; }
HttpCounters HttpServer::counters() const { return {}; }

}  // namespace tessera::serve
#endif  // TESSERA_WITH_BEAST
