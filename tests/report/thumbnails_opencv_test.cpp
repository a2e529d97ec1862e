// Thumbnails of image samples: the eval preprocessing (resize, centre crop) with the
// normalisation undone, compared with OpenCV's own resize and decoder as the peer.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/data/dataset.h"
#include "tessera/report/thumbnails.h"

namespace tessera::report {
namespace {

// The thumbnail's BMP, decoded by OpenCV (BGR).
cv::Mat decode_thumbnail(const nlohmann::json& mistake) {
  const std::string uri = mistake.at("thumbnail").get<std::string>();
  const std::string prefix = "data:image/bmp;base64,";
  EXPECT_EQ(uri.rfind(prefix, 0), 0u);
  // Base64 decoding by hand here would test the encoder against itself; OpenCV does not decode
  // base64, so the bytes come back through a tiny independent decoder of the standard alphabet.
  std::string bytes;
  int bits = 0;
  std::uint32_t buffer = 0;
  for (const char c : uri.substr(prefix.size())) {
    const auto at = std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").find(c);
    if (at == std::string::npos) break;  // '=' padding
    buffer = buffer << 6 | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  return cv::imdecode(data, cv::IMREAD_COLOR);
}

// The largest per-value difference, with where it is, for the failure message.
int max_difference(const cv::Mat& a, const cv::Mat& b, std::string* where = nullptr) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  if (a.size() != b.size() || a.type() != b.type()) return 255;
  int worst = 0;
  for (int y = 0; y < a.rows; ++y) {
    for (int x = 0; x < a.cols * a.channels(); ++x) {
      const int d = std::abs(a.ptr<uchar>(y)[x] - b.ptr<uchar>(y)[x]);
      if (d > worst && where) {
        *where = "at row " + std::to_string(y) + ", value " + std::to_string(x) + ": " +
                 std::to_string(a.ptr<uchar>(y)[x]) + " vs " + std::to_string(b.ptr<uchar>(y)[x]);
      }
      worst = std::max(worst, d);
    }
  }
  return worst;
}

cv::Mat test_pattern(int h, int w) {
  cv::Mat bgr(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) bgr.at<cv::Vec3b>(y, x) = {static_cast<uchar>((x * 7) % 256), static_cast<uchar>((y * 5) % 256),
                                                            static_cast<uchar>((x * y) % 256)};
  return bgr;
}

TEST(Thumbnails, ImagesAreWhatTheNetworkSawAfterResizeAndCrop) {
  tessera::testing::TempDir dir("thumbs");
  const cv::Mat a = test_pattern(50, 60), b = test_pattern(70, 40);
  std::filesystem::create_directories(dir / "data/cat");
  std::filesystem::create_directories(dir / "data/dog");
  cv::imwrite((dir / "data/cat/a.png").string(), a);
  cv::imwrite((dir / "data/dog/b.png").string(), b);
  write_file_atomic(dir / "data/dog/corrupt.png", "not a png");
  const auto dataset = data::load_image_folder(dir / "data");
  ASSERT_EQ(dataset.samples.size(), 3u);  // a.png, b.png, corrupt.png

  data::LoaderOptions options;
  options.channels = 3;
  options.preprocess.resize_h = options.preprocess.resize_w = 40;
  options.preprocess.out_h = options.preprocess.out_w = 32;
  options.preprocess.mean = {0.485f, 0.456f, 0.406f};
  options.preprocess.std = {0.229f, 0.224f, 0.225f};
  options.augment = true;  // must be ignored: thumbnails never show a random crop
  options.pad = 4;
  options.hflip = 1.0;
  nlohmann::json report;
  report["mistakes"] = {{{"index", 1}}, {{"index", 0}}, {{"index", 2}}, {{"index", 99}}, {{"reference", "no index"}}};
  EXPECT_EQ(add_thumbnails(report, dataset, options), 2u);
  const auto& m = report["mistakes"];
  EXPECT_FALSE(m[2].contains("thumbnail")) << "the corrupt file gets none, and no error";
  EXPECT_FALSE(m[3].contains("thumbnail")) << "an index past the dataset gets none";
  EXPECT_FALSE(m[4].contains("thumbnail"));
  // The peer: OpenCV's bilinear resize (half-pixel centres, as ours) and the centre 32 x 32.
  for (const auto& [entry, source] : {std::pair{0, &b}, std::pair{1, &a}}) {
    cv::Mat resized;
    cv::resize(*source, resized, {40, 40}, 0, 0, cv::INTER_LINEAR);
    const cv::Mat expected = resized(cv::Rect(4, 4, 32, 32));
    const cv::Mat got = decode_thumbnail(m[entry]);
    ASSERT_FALSE(got.empty());
    std::string where;
    EXPECT_LE(max_difference(got, expected, &where), 1) << "mistake " << entry << " " << where;
  }
}

TEST(Thumbnails, LargeImagesShrinkToNinetySixPixels) {
  tessera::testing::TempDir dir("thumbs-large");
  cv::Mat big;  // grey already, so decoding involves no colour conversion
  cv::cvtColor(test_pattern(160, 200), big, cv::COLOR_BGR2GRAY);
  std::filesystem::create_directories(dir / "data/x");
  cv::imwrite((dir / "data/x/big.png").string(), big);
  const auto dataset = data::load_image_folder(dir / "data");
  data::LoaderOptions options;  // no resize, no crop: the source size, grey
  options.channels = 1;
  options.preprocess.mean = {0.5f};
  options.preprocess.std = {0.5f};
  nlohmann::json report = {{"mistakes", {{{"index", 0}}}}};
  ASSERT_EQ(add_thumbnails(report, dataset, options), 1u);
  const cv::Mat got = decode_thumbnail(report["mistakes"][0]);
  ASSERT_EQ(got.cols, 96);
  ASSERT_EQ(got.rows, 77);  // 160 * 96 / 200 = 76.8
  cv::Mat expected;
  cv::resize(big, expected, {96, 77}, 0, 0, cv::INTER_AREA);
  cv::cvtColor(expected, expected, cv::COLOR_GRAY2BGR);
  EXPECT_LE(max_difference(got, expected), 1);
}

}  // namespace
}  // namespace tessera::report
