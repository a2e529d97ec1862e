// report.html through the CLI: `tessera eval` writes it beside report.json with the mistakes'
// thumbnails, and `tessera report RUN` rebuilds it from the run's files alone.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ReportCli, EvalWritesTheHtmlBesideTheJsonWithThumbnails) {
  const fs::path run = trained_quick_run();
  const fs::path out = fresh_dir("report-eval");
  const auto result = run_tessera({"eval", run.string(), "--data", (digits_dir() / "test").string(), "--device", "cpu",
                                   "--output", out.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_TRUE(fs::exists(out / "report.html"));
  const auto report = nlohmann::json::parse(read_text(out / "report.json"));
  const std::string html = read_text(out / "report.html");
  EXPECT_TRUE(contains(html, "Evaluation of " + run.filename().string()));
  EXPECT_TRUE(contains(html, "id=\"confusion\""));
  ASSERT_TRUE(report.contains("mistakes")) << "a two-epoch CNN makes mistakes on 500 digits";
  ASSERT_FALSE(report["mistakes"].empty());
  for (const auto& mistake : report["mistakes"]) {
    ASSERT_TRUE(mistake.contains("thumbnail")) << mistake.dump();
    const std::string uri = mistake["thumbnail"];
    EXPECT_EQ(uri.rfind("data:image/bmp;base64,", 0), 0u);
    EXPECT_TRUE(contains(html, uri)) << "the page shows the thumbnail report.json holds";
  }
}

TEST(ReportCli, ReportRebuildsThePageFromTheRunAlone) {
  const fs::path dir = fresh_dir("report-rebuild");
  const fs::path fixtures = fs::path(TESSERA_SOURCE_DIR) / "tests/report/fixtures";
  fs::copy_file(fixtures / "report_binary.json", dir / "report.json");
  fs::copy_file(fixtures / "metrics.jsonl", dir / "metrics.jsonl");
  fs::copy_file(fixtures / "data_fingerprint.json", dir / "data_fingerprint.json");
  fs::copy_file(fs::path(TESSERA_SOURCE_DIR) / "configs/digits.yaml", dir / "config.yaml");
  const auto result = run_tessera({"report", dir.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "report: " + (dir / "report.html").string() + "\n");
  const std::string html = read_text(dir / "report.html");
  EXPECT_TRUE(contains(html, "ROC, AUC = "));
  EXPECT_TRUE(contains(html, "Data fingerprint"));
  EXPECT_TRUE(contains(html, "simple_cnn")) << "the config";

  const fs::path empty = fresh_dir("report-missing");
  const auto missing = run_tessera({"report", empty.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, (empty / "report.json").string())) << missing.err;
  EXPECT_TRUE(contains(missing.err, "tessera eval " + empty.string() + " --data PATH` first")) << missing.err;
}

}  // namespace
}  // namespace tessera::e2e
