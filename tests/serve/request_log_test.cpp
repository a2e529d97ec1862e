// The request log: one debug line per request with ids, sizes, status and time, and nothing of
// the body, the headers or the query string.
#include "tessera/serve/request_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.h"
#include "tessera/core/logging.h"

namespace tessera::serve {
namespace {

TEST(RequestLog, OneLineOfIdsAndSizesWithoutBodyHeadersOrQuery) {
  testing::TempDir dir("request-log");
  log::add_file(dir / "serve.log");  // the file sink keeps debug lines
  const HttpHandler handler = with_request_log([](HttpRequest, Reply reply) { reply({200, "text/plain", "ok", {}}); });
  HttpRequest request;
  request.id = 17;
  request.method = "POST";
  request.target = "/v2/models/ct/infer?patient=Doe^John";
  request.headers = {{"X-Patient", "Doe^John"}};
  request.body = "DICM ... PatientName Doe^John ...";
  int replies = 0;
  handler(request, [&](HttpResponse r) {
    EXPECT_EQ(r.body, "ok");
    ++replies;
  });
  log::remove_file();
  EXPECT_EQ(replies, 1);
  std::ifstream in(dir / "serve.log");
  std::stringstream text;
  text << in.rdbuf();
  const std::string log = text.str();
  EXPECT_NE(log.find("serve: #17 POST /v2/models/ct/infer 33 B -> 200 2 B in "), std::string::npos) << log;
  EXPECT_EQ(log.find("Doe"), std::string::npos) << log;
  EXPECT_EQ(log.find("patient"), std::string::npos) << log;
}

}  // namespace
}  // namespace tessera::serve
