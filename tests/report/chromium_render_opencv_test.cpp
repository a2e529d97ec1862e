// report.html and compare.html rendered by a real browser (headless Chromium, Debian's
// `chromium`): the screenshot must show a page (many colours, not one), and the browser must log
// no console message (no script error, no Content-Security-Policy violation).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "report_test_util.h"
#include "support/temp_dir.h"

namespace tessera::report {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

struct Screenshot {
  cv::Mat image;
  std::string log;  // Chromium's stderr
  double seconds = 0;
};

Screenshot render(const std::string& html, const std::filesystem::path& dir, const std::string& name) {
  const auto page = dir / (name + ".html"), png = dir / (name + ".png"), log = dir / (name + ".log");
  write_file_atomic(page, html);
  // A private profile per run (so parallel tests never share one), 60 s at most.
  const std::string command = "timeout 60 " + std::string(kChromium) +
                              " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,4000"
                              " --enable-logging=stderr --v=0 --virtual-time-budget=2000"
                              " --user-data-dir=" + testing::shell_quote((dir / (name + "-profile")).string()) +
                              " --screenshot=" + testing::shell_quote(png.string()) + " " +
                              testing::shell_quote("file://" + page.string()) + " >/dev/null 2>" +
                              testing::shell_quote(log.string());
  const auto start = std::chrono::steady_clock::now();
  const int rc = std::system(command.c_str());
  Screenshot shot;
  shot.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  shot.log = text.str();
  EXPECT_EQ(rc, 0) << command << "\n" << shot.log;
  shot.image = cv::imread(png.string(), cv::IMREAD_COLOR);
  std::cout << name << ": rendered in " << shot.seconds << " s\n";
  return shot;
}

void expect_a_real_page(const Screenshot& shot, const std::string& name) {
  ASSERT_FALSE(shot.image.empty()) << name << ": no screenshot";
  EXPECT_EQ(shot.image.cols, 1280);
  std::set<std::uint32_t> colours;
  for (int y = 0; y < shot.image.rows; y += 2) {
    for (int x = 0; x < shot.image.cols; x += 2) {
      const auto p = shot.image.at<cv::Vec3b>(y, x);
      colours.insert(static_cast<std::uint32_t>(p[0]) << 16 | p[1] << 8 | p[2]);
    }
  }
  EXPECT_GT(colours.size(), 200u) << name << ": the screenshot looks blank";
  std::istringstream lines(shot.log);
  for (std::string line; std::getline(lines, line);) {
    const bool console = line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos ||
                         line.find("Refused to") != std::string::npos;
    EXPECT_FALSE(console) << name << ": " << line;
  }
}

class ChromiumRender : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kChromium)) {
      GTEST_SKIP() << kChromium << " is not installed (Debian: apt-get install chromium); the page is still "
                   << "checked by the parser tests";
    }
  }
};

TEST_F(ChromiumRender, MultiClassAndBinaryReportsAndComparison) {
  tessera::testing::TempDir dir("chromium");
  const auto multi = render(render_report_html(testing::fixture_inputs("report_multiclass.json")), dir.path(), "multiclass");
  expect_a_real_page(multi, "multiclass");
  const auto binary = render(render_report_html(testing::fixture_inputs("report_binary.json")), dir.path(), "binary");
  expect_a_real_page(binary, "binary");
  const auto compare = render(render_compare_html(testing::fixture_json("compare.json")), dir.path(), "compare");
  expect_a_real_page(compare, "compare");
  // Keep the screenshots for a person to look at when asked (TESSERA_KEEP_SCREENSHOTS=DIR).
  if (const char* keep = std::getenv("TESSERA_KEEP_SCREENSHOTS")) {
    for (const char* name : {"multiclass", "binary", "compare"}) {
      std::filesystem::copy_file(dir / (std::string(name) + ".png"), std::filesystem::path(keep) / (std::string(name) + ".png"),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
}

}  // namespace
}  // namespace tessera::report
