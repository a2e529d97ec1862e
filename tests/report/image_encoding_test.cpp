// BMP and base64, checked against the RFC 4648 vectors, hand-computed header fields and, for a
// round trip, Python's base64 module and Pillow's BMP decoder.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "report_test_util.h"
#include "support/temp_dir.h"
#include "tessera/report/base64.h"
#include "tessera/report/bmp.h"
#include "tessera/report/thumbnails.h"

namespace tessera::report {
namespace {

std::uint32_t u32_at(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = v << 8 | static_cast<std::uint8_t>(bytes[at + k]);
  return v;
}

TEST(Base64, MatchesRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFF\xFE\x00", 3)), "//4A");  // the two last letters, and a zero byte
}

TEST(Bmp, HeaderAndPaddedBottomUpRows) {
  // 2 x 3 RGB: rows of 9 bytes padded to 12.
  const std::vector<std::uint8_t> rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  const std::string bmp = encode_bmp(rgb.data(), 2, 3, 3);
  ASSERT_EQ(bmp.size(), 54u + 2 * 12);
  EXPECT_EQ(bmp.substr(0, 2), "BM");
  EXPECT_EQ(u32_at(bmp, 2), bmp.size());
  EXPECT_EQ(u32_at(bmp, 10), 54u);   // pixel data offset
  EXPECT_EQ(u32_at(bmp, 14), 40u);   // BITMAPINFOHEADER
  EXPECT_EQ(u32_at(bmp, 18), 3u);    // width
  EXPECT_EQ(u32_at(bmp, 22), 2u);    // height (positive: bottom-up)
  EXPECT_EQ(u32_at(bmp, 28) & 0xFFFF, 24u);
  // First stored row is the bottom one, in B, G, R order, then 3 padding bytes.
  const std::vector<std::uint8_t> bottom(bmp.begin() + 54, bmp.begin() + 66);
  EXPECT_EQ(bottom, (std::vector<std::uint8_t>{12, 11, 10, 15, 14, 13, 18, 17, 16, 0, 0, 0}));
  const std::vector<std::uint8_t> top(bmp.begin() + 66, bmp.end());
  EXPECT_EQ(top, (std::vector<std::uint8_t>{3, 2, 1, 6, 5, 4, 9, 8, 7, 0, 0, 0}));
  // Grey is written as equal B, G, R.
  const std::uint8_t grey[] = {200};
  const std::string g = encode_bmp(grey, 1, 1, 1);
  EXPECT_EQ(g.substr(54), std::string("\xC8\xC8\xC8\x00", 4));
  EXPECT_THROW(encode_bmp(grey, 1, 1, 2), std::invalid_argument);
  EXPECT_THROW(encode_bmp(nullptr, 1, 1, 1), std::invalid_argument);
}

TEST(Bmp, DataUriRoundTripsThroughPythonAndPillow) {
  if (testing::capture(testing::shell_quote(testing::python()) + " -c 'import PIL' 2>/dev/null").exit_code != 0) {
    GTEST_SKIP() << "Python at " << testing::python() << " lacks Pillow (pip install pillow)";
  }
  tessera::testing::TempDir dir("bmp");
  for (const int channels : {1, 3}) {
    for (const auto& [h, w] : {std::pair{5, 7}, std::pair{96, 61}, std::pair{1, 1}}) {
      Pixels image{h, w, channels, std::vector<std::uint8_t>(static_cast<std::size_t>(h * w * channels))};
      for (std::size_t i = 0; i < image.values.size(); ++i) image.values[i] = static_cast<std::uint8_t>(i * 37 + 11);
      write_file_atomic(dir / "uri.txt", bmp_data_uri(image));
      const std::string script =
          "import base64,sys,json\n"
          "from PIL import Image\n"
          "import io\n"
          "uri=open(sys.argv[1]).read()\n"
          "prefix='data:image/bmp;base64,'\n"
          "assert uri.startswith(prefix)\n"
          "img=Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):], validate=True)))\n"
          "assert img.format=='BMP', img.format\n"
          "rgb=img.convert('RGB')\n"
          "print(json.dumps({'w':img.width,'h':img.height,'px':list(rgb.tobytes())}))\n";
      const auto result = testing::capture(testing::shell_quote(testing::python()) + " -c " + testing::shell_quote(script) +
                                           " " + testing::shell_quote((dir / "uri.txt").string()));
      ASSERT_EQ(result.exit_code, 0) << result.out;
      const auto decoded = nlohmann::json::parse(result.out);
      ASSERT_EQ(decoded["w"], w);
      ASSERT_EQ(decoded["h"], h);
      const auto px = decoded["px"].get<std::vector<int>>();
      ASSERT_EQ(px.size(), static_cast<std::size_t>(h * w * 3));
      for (std::size_t p = 0; p < static_cast<std::size_t>(h * w); ++p) {
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(px[p * 3 + c], image.values[p * channels + (channels == 3 ? c : 0)])
              << h << "x" << w << "x" << channels << " pixel " << p << " channel " << c;
        }
      }
    }
  }
}

TEST(Thumbnails, DenormalizeUndoesTheNormalisation) {
  // (x / 255 - mean) / std for x = 0, 51, 255 with mean 0.5, std 0.25; the inverse must give them back.
  const float chw[] = {(0 / 255.0f - 0.5f) / 0.25f, (51 / 255.0f - 0.5f) / 0.25f, (255 / 255.0f - 0.5f) / 0.25f, 9.0f};
  const Pixels p = denormalize(chw, 1, 2, 2, {0.5f}, {0.25f});
  EXPECT_EQ(p.values, (std::vector<std::uint8_t>{0, 51, 255, 255})) << "values past 1 clamp to 255";
  EXPECT_THROW(denormalize(chw, 1, 2, 2, {0.5f, 0.5f}, {0.25f}), std::invalid_argument);
}

TEST(Thumbnails, ShrinkAveragesAreasAndKeepsTheAspectRatio) {
  // 4 x 6 grey with 2 x 2 blocks of one value: halving to fit 3 gives exactly those values.
  Pixels image{4, 6, 1, {}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) image.values.push_back(static_cast<std::uint8_t>(10 * (y / 2) + 100 * (x / 2)));
  const Pixels half = shrink_to_fit(image, 3);
  EXPECT_EQ(half.height, 2);
  EXPECT_EQ(half.width, 3);
  EXPECT_EQ(half.values, (std::vector<std::uint8_t>{0, 100, 200, 10, 110, 210}));
  // A 1 x 3 row [0, 90, 180] to 1 x 2: each output covers 1.5 inputs: (0 + 0.5 * 90) / 1.5 = 30, (0.5 * 90 + 180) / 1.5 = 150.
  const Pixels row = shrink_to_fit(Pixels{1, 3, 1, {0, 90, 180}}, 2);
  EXPECT_EQ(row.values, (std::vector<std::uint8_t>{30, 150}));
  // Never enlarged.
  EXPECT_EQ(shrink_to_fit(image, 96).values, image.values);
  const Pixels tall = shrink_to_fit(Pixels{300, 30, 1, std::vector<std::uint8_t>(9000, 7)}, 96);
  EXPECT_EQ(tall.height, 96);
  EXPECT_EQ(tall.width, 10);
}

}  // namespace
}  // namespace tessera::report
