// Triton's own HTTP client (tests/serve/triton_client.py, tritonclient from PyPI) against the real
// server stack: HttpServer + ServeRoutes over a fake model. The protocol's reference client is
// the independent check that our endpoints, JSON and binary-data layouts are what it expects.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "fake_models.h"
#include "tessera/serve/http_server.h"
#include "tessera/serve/serve_routes.h"

namespace tessera::serve {
namespace {

TEST(TritonClient, TalksToTheServerOverTheOpenInferenceProtocol) {
  ServeRoutes routes({std::make_shared<testing::DoublingModel>("double")});
  HttpServer server("127.0.0.1", 0, 2, HttpLimits{}, routes.handler());
  const std::string command = std::string(TESSERA_PYTHON_EXE) + " " + TESSERA_SOURCE_DIR +
                              "/tests/serve/triton_client.py " + std::to_string(server.port()) + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("ALL OK"), std::string::npos) << output;
}

}  // namespace
}  // namespace tessera::serve
