#pragma once
// Answers the route files share (serve_routes.cpp: the inference protocol; generate_routes.cpp:
// text generation).
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "tessera/serve/dynamic_batcher.h"
#include "tessera/serve/http_server.h"
#include "tessera/serve/inference_protocol.h"
#include "tessera/serve/serve_metrics.h"
#include "tessera/serve/served_model.h"

namespace tessera::serve {

inline HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

inline HttpResponse unavailable(const std::string& why) {
  HttpResponse r = error_response(503, why);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

// The 503 for a model's refusal.
inline HttpResponse refusal_response(Refusal refusal) {
  return unavailable(refusal == Refusal::queue_full ? "the queue is full; retry shortly (serve.queue_capacity)"
                                                    : "the server is shutting down");
}

// The answer standing in for a model's when `error` is what it gave, and how it counts:
// ProtocolError 400, RequestTimedOut 504, RequestRefused 503, anything else 500 ("<what> failed: ...").
inline std::pair<HttpResponse, RequestOutcome> error_answer(std::exception_ptr error, const std::string& what) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const ProtocolError& e) {
    return {error_response(400, e.what()), RequestOutcome::client_error};
  } catch (const RequestTimedOut& e) {
    return {error_response(504, e.what()), RequestOutcome::timed_out};
  } catch (const RequestRefused& e) {
    return {unavailable(e.what()), RequestOutcome::refused};
  } catch (const std::exception& e) {
    return {error_response(500, what + " failed: " + e.what()), RequestOutcome::failed};
  } catch (...) {
    return {error_response(500, what + " failed"), RequestOutcome::failed};
  }
}

}  // namespace tessera::serve
