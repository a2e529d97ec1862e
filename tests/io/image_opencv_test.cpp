// decode_image / write_png against files written and read back by OpenCV directly: lossless
// formats must match byte for byte (after BGR -> RGB), JPEG must match cv::imread of the same file.
#include "tessera/io/image.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>

#include "tessera/core/error.h"
#include "tessera/core/remove_tree.h"

namespace tessera::io {
namespace {
namespace fs = std::filesystem;

class ImageIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("tessera_image_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { tessera::remove_tree(dir_); }

  fs::path write_with_opencv(const std::string& name, const cv::Mat& mat) {
    const fs::path path = dir_ / name;
    EXPECT_TRUE(cv::imwrite(path.string(), mat)) << path;
    return path;
  }

  fs::path write_bytes(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  fs::path dir_;
};

cv::Mat random_mat(int rows, int cols, int type, std::uint64_t seed) {
  cv::Mat mat(rows, cols, type);
  cv::RNG rng(seed);
  const double high = CV_MAT_DEPTH(type) == CV_16U ? 65536.0 : 256.0;
  rng.fill(mat, cv::RNG::UNIFORM, 0.0, high);
  return mat;
}

// The documented 16 -> 8 bit rule, written out independently: keep the top byte.
cv::Mat high_byte(const cv::Mat& wide) {
  cv::Mat narrow(wide.size(), CV_MAKETYPE(CV_8U, wide.channels()));
  for (int y = 0; y < wide.rows; ++y) {
    for (int i = 0; i < wide.cols * wide.channels(); ++i) {
      narrow.ptr<std::uint8_t>(y)[i] = static_cast<std::uint8_t>(wide.ptr<std::uint16_t>(y)[i] >> 8);
    }
  }
  return narrow;
}

// Byte-exact comparison of an Image with a BGR (or grey) 8-bit mat, swapping to RGB.
void expect_equals_mat_as_rgb(const Image& image, const cv::Mat& mat) {
  ASSERT_EQ(image.height, mat.rows);
  ASSERT_EQ(image.width, mat.cols);
  ASSERT_EQ(image.channels, mat.channels());
  ASSERT_EQ(image.pixels.size(), static_cast<std::size_t>(mat.rows) * mat.cols * mat.channels());
  int mismatches = 0;
  for (int y = 0; y < mat.rows; ++y) {
    const std::uint8_t* row = mat.ptr<std::uint8_t>(y);
    for (int x = 0; x < mat.cols; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        const int source_channel = image.channels == 3 ? 2 - c : c;
        const auto got = image.pixels[(static_cast<std::size_t>(y) * mat.cols + x) * image.channels + c];
        if (got != row[x * mat.channels() + source_channel]) ++mismatches;
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

template <class Error, class Fn>
void expect_error_naming(Fn&& fn, const std::string& must_contain_a, const std::string& must_contain_b) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(must_contain_a), std::string::npos) << message;
    EXPECT_NE(message.find(must_contain_b), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message must be one line: " << message;
  }
}

TEST_F(ImageIoTest, ColourPngDecodesExactlyInRgbOrder) {
  cv::Mat bgr = random_mat(7, 13, CV_8UC3, 1);
  bgr.at<cv::Vec3b>(0, 0) = cv::Vec3b(255, 0, 0);  // pure blue in OpenCV's BGR order
  const fs::path path = write_with_opencv("colour.png", bgr);

  const Image image = decode_image(path, 3);
  expect_equals_mat_as_rgb(image, bgr);
  EXPECT_EQ(image.pixels[0], 0);    // R
  EXPECT_EQ(image.pixels[1], 0);    // G
  EXPECT_EQ(image.pixels[2], 255);  // B
  expect_equals_mat_as_rgb(decode_image(path, 0), bgr);  // colour stays RGB when "as stored"
}

TEST_F(ImageIoTest, GreyPngStaysOneChannelOrIsReplicatedToRgb) {
  const cv::Mat grey = random_mat(11, 5, CV_8UC1, 2);
  const fs::path path = write_with_opencv("grey.png", grey);

  expect_equals_mat_as_rgb(decode_image(path, 0), grey);
  expect_equals_mat_as_rgb(decode_image(path, 1), grey);
  const Image rgb = decode_image(path, 3);
  ASSERT_EQ(rgb.channels, 3);
  cv::Mat replicated;
  cv::cvtColor(grey, replicated, cv::COLOR_GRAY2BGR);
  expect_equals_mat_as_rgb(rgb, replicated);
}

TEST_F(ImageIoTest, ColourToGreyMatchesOpenCvLumaWithinOneLevel) {
  const cv::Mat bgr = random_mat(9, 6, CV_8UC3, 3);
  const fs::path path = write_with_opencv("colour.png", bgr);
  cv::Mat expected;
  cv::cvtColor(bgr, expected, cv::COLOR_BGR2GRAY);

  const Image grey = decode_image(path, 1);
  ASSERT_EQ(grey.channels, 1);
  ASSERT_EQ(grey.height, 9);
  ASSERT_EQ(grey.width, 6);
  // libpng's fixed-point rgb_to_gray and cvtColor's may round differently: 1 level.
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 6; ++x) {
      EXPECT_NEAR(grey.pixels[y * 6 + x], expected.at<std::uint8_t>(y, x), 1) << y << "," << x;
    }
  }
}

TEST_F(ImageIoTest, AlphaIsDropped) {
  const cv::Mat bgra = random_mat(4, 3, CV_8UC4, 4);
  const fs::path path = write_with_opencv("alpha.png", bgra);
  cv::Mat bgr;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
  expect_equals_mat_as_rgb(decode_image(path, 0), bgr);
  expect_equals_mat_as_rgb(decode_image(path, 3), bgr);
}

TEST_F(ImageIoTest, SixteenBitPngKeepsTheHighByte) {
  const cv::Mat grey16 = random_mat(5, 9, CV_16UC1, 5);
  const cv::Mat bgr16 = random_mat(3, 7, CV_16UC3, 6);
  const fs::path grey_path = write_with_opencv("grey16.png", grey16);
  const fs::path colour_path = write_with_opencv("colour16.png", bgr16);

  expect_equals_mat_as_rgb(decode_image(grey_path, 0), high_byte(grey16));
  expect_equals_mat_as_rgb(decode_image(colour_path, 3), high_byte(bgr16));
}

TEST_F(ImageIoTest, BmpWithPaddedRowsDecodesExactly) {
  // Widths not a multiple of 4 bytes per row exercise the BMP row padding.
  const cv::Mat bgr = random_mat(5, 7, CV_8UC3, 7);
  const cv::Mat grey = random_mat(3, 5, CV_8UC1, 8);
  expect_equals_mat_as_rgb(decode_image(write_with_opencv("colour.bmp", bgr), 3), bgr);
  expect_equals_mat_as_rgb(decode_image(write_with_opencv("grey.bmp", grey), 0), grey);
}

TEST_F(ImageIoTest, JpegMatchesOpenCvDecodeOfTheSameFile) {
  // A smooth gradient so JPEG stays close to the source; exactness is checked against imread.
  cv::Mat bgr(17, 23, CV_8UC3);
  bgr.forEach<cv::Vec3b>([](cv::Vec3b& v, const int* p) {
    v = cv::Vec3b(static_cast<std::uint8_t>(10 * p[1]), static_cast<std::uint8_t>(12 * p[0]), 200);
  });
  const fs::path path = dir_ / "gradient.JPG";
  ASSERT_TRUE(cv::imwrite(path.string(), bgr, {cv::IMWRITE_JPEG_QUALITY, 100}));

  expect_equals_mat_as_rgb(decode_image(path, 3), cv::imread(path.string(), cv::IMREAD_COLOR));
  expect_equals_mat_as_rgb(decode_image(path, 1), cv::imread(path.string(), cv::IMREAD_GRAYSCALE));
  const Image image = decode_image(path, 3);
  double total_error = 0;
  for (int y = 0; y < 17; ++y) {
    for (int x = 0; x < 23; ++x) {
      for (int c = 0; c < 3; ++c) {
        total_error += std::abs(image.pixels[(y * 23 + x) * 3 + c] - bgr.at<cv::Vec3b>(y, x)[2 - c]);
      }
    }
  }
  EXPECT_LT(total_error / (17 * 23 * 3), 3.0) << "mean abs error vs the source (q100, chroma subsampled)";
}

TEST_F(ImageIoTest, BytesDecodeLikeTheFile) {
  const cv::Mat bgr = random_mat(6, 9, CV_8UC3, 9);
  const fs::path path = write_with_opencv("colour.png", bgr);
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  expect_equals_mat_as_rgb(decode_image_bytes(bytes, 3, "archive.zip:colour.png"), bgr);
  expect_equals_mat_as_rgb(decode_image_bytes(bytes, 0, "archive.zip:colour.png"), bgr);
}

TEST_F(ImageIoTest, MissingFileOrDirectoryIsAUserErrorNotADecodeError) {
  const fs::path missing = dir_ / "missing.png";
  try {
    decode_image(missing, 3);
    ADD_FAILURE() << "no exception thrown";
  } catch (const DecodeError& e) {
    ADD_FAILURE() << "missing file reported as corrupt: " << e.what();
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cannot read " + missing.string()), std::string::npos) << message;
  }
  expect_error_naming<UserError>([&] { decode_image(dir_, 3); }, "cannot read", dir_.string());
}

TEST_F(ImageIoTest, TruncatedGarbageAndEmptyFilesAreDecodeErrorsNamingThePath) {
  const cv::Mat bgr = random_mat(32, 32, CV_8UC3, 10);
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", bgr, png));
  const fs::path truncated = write_bytes("truncated.png", std::string(png.begin(), png.begin() + png.size() / 2));
  const fs::path garbage = write_bytes("garbage.jpg", "this is not an image, just some text pretending");
  const fs::path empty = write_bytes("empty.png", "");

  expect_error_naming<DecodeError>([&] { decode_image(truncated, 3); }, "cannot decode", truncated.string());
  expect_error_naming<DecodeError>([&] { decode_image(garbage, 0); }, "cannot decode", garbage.string());
  expect_error_naming<DecodeError>([&] { decode_image(empty, 1); }, "cannot decode", empty.string());

  const std::string text = "not an image";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  expect_error_naming<DecodeError>([&] { decode_image_bytes(bytes, 3, "frame 7"); }, "cannot decode", "frame 7");
  expect_error_naming<DecodeError>([&] { decode_image_bytes({}, 3, "frame 8"); }, "cannot decode", "frame 8");
}

TEST_F(ImageIoTest, UnsupportedChannelCountIsRejected) {
  const fs::path path = write_with_opencv("grey.png", random_mat(2, 2, CV_8UC1, 11));
  EXPECT_THROW(decode_image(path, 2), std::invalid_argument);
  EXPECT_THROW(decode_image(path, 4), std::invalid_argument);
}

TEST(ImageExtension, RecognisesDecodableFormatsCaseInsensitively) {
  for (const char* yes : {"a.jpg", "b.JPEG", "c.Png", "dir/d.bmp", "e.tif", "f.TIFF"}) {
    EXPECT_TRUE(has_image_extension(yes)) << yes;
  }
  for (const char* no : {"a.gif", "b.txt", "png", "dir.png/file", "c.png.bak", ""}) {
    EXPECT_FALSE(has_image_extension(no)) << no;
  }
}

TEST_F(ImageIoTest, WritePngRoundTripsExactly) {
  Image colour{3, 4, 3, {}};
  Image grey{5, 2, 1, {}};
  std::mt19937 rng(12);
  for (Image* image : {&colour, &grey}) {
    image->pixels.resize(static_cast<std::size_t>(image->height) * image->width * image->channels);
    for (auto& p : image->pixels) p = static_cast<std::uint8_t>(rng());
  }
  const fs::path colour_path = dir_ / "nested" / "colour.png";  // parent created on demand
  write_png(colour_path, colour);
  write_png(dir_ / "grey.png", grey);

  // OpenCV reads back BGR: the file must hold the RGB pixels in the right order.
  expect_equals_mat_as_rgb(colour, cv::imread(colour_path.string(), cv::IMREAD_UNCHANGED));
  expect_equals_mat_as_rgb(grey, cv::imread((dir_ / "grey.png").string(), cv::IMREAD_UNCHANGED));
  EXPECT_EQ(decode_image(colour_path, 0).pixels, colour.pixels);
}

TEST_F(ImageIoTest, WritePngRejectsMalformedImages) {
  const fs::path path = dir_ / "bad.png";
  expect_error_naming<UserError>([&] { write_png(path, Image{2, 2, 3, std::vector<std::uint8_t>(5)}); },
                                 "cannot write", path.string());
  expect_error_naming<UserError>([&] { write_png(path, Image{2, 2, 2, std::vector<std::uint8_t>(8)}); },
                                 "cannot write", path.string());
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace tessera::io
