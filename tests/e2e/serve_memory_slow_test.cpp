// `tessera serve` does not grow (label slow): after 2,000 warm-up requests, 20,000 more from 8
// client threads leave the server's resident memory within 10 MB of where it was.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/cli.h"
#include "e2e/serve_support.h"

namespace tessera::e2e {
namespace {

// VmRSS of process `pid` in MB (/proc/PID/status).
double rss_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return -1;
}

nlohmann::json counts(const std::string& out) { return nlohmann::json::parse(out.substr(out.find('{'))); }

TEST(ServeMemory, TwentyThousandRequestsAfterWarmUpGrowResidentMemoryByUnder10MB) {
  const fs::path run = trained_quick_run();
  const fs::path dir = fresh_dir("serve-memory");
  const Server server = start_server(run, dir);
  const std::string port = std::to_string(server.port);
  const std::string image = test_images(1).at(0).string();

  const auto warm = counts(client({port, "quick", "count", "2000", image}));
  ASSERT_EQ(warm["ok"], 2000) << warm;
  const double before = rss_mb(server.pid);
  const auto load = counts(client({port, "quick", "count", "20000", image}));
  const double after = rss_mb(server.pid);
  EXPECT_EQ(stop(server), 0) << read_text(server.log);

  EXPECT_EQ(load["ok"], 20000) << load;
  EXPECT_TRUE(load["failed"].empty()) << load;
  ASSERT_GT(before, 0);
  std::printf("serve RSS: %.1f MB after warm-up, %.1f MB after 20,000 more requests (%+.1f MB)\n", before, after,
              after - before);
  EXPECT_LT(after - before, 10.0) << "resident memory grew from " << before << " MB to " << after << " MB";
}

}  // namespace
}  // namespace tessera::e2e
