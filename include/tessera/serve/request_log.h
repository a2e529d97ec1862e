#pragma once
// The request log of `tessera serve`: one debug line per request, when it is answered (set
// runtime.log_level=debug, e.g. --set runtime.log_level=debug):
//   serve: #17 POST /v2/models/digits/infer 48213 B -> 200 1204 B in 4.1 ms
// Ids, sizes, status and time only: never a body, a header or a query string (a DICOM body, or
// a query that carries a name, must not reach the log).
#include "tessera/serve/http_server.h"

namespace tessera::serve {

// `handler` with each request logged as above; costs nothing when debug lines go nowhere.
HttpHandler with_request_log(HttpHandler handler);

}  // namespace tessera::serve
