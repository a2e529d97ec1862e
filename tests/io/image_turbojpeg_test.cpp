// The TurboJPEG decoder (src/io/image_turbojpeg.cpp) and decode_image's routing of JPEG data to it.
// Fixtures are made in the test with TurboJPEG's own encoder (tjCompress2): grey, RGB at several
// chroma subsamplings, progressive, CMYK, with EXIF orientation blocks spliced in.
// Where OpenCV is built in too, every decode is compared with cv::imread of the same file, on
// those fixtures and on JPEGs written by cv::imwrite: tolerance 0, the pixels must be identical
// (both decoders are libjpeg-turbo with its default accurate IDCT and smooth upsampling).
#include <turbojpeg.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/io/image.h"
#include "tessera/io/image_codecs.h"

#ifdef TESSERA_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace tessera::io {
namespace {
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// A smooth pattern plus a little noise: JPEG keeps it close, and no two pixels are alike
// (so a wrong orientation or channel order cannot pass by accident).
Bytes pattern(int height, int width, int channels, std::uint32_t seed) {
  Bytes pixels(static_cast<std::size_t>(height) * width * channels);
  std::mt19937 rng(seed);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const int value = (40 + 180 * x / std::max(1, width - 1) + 30 * c) * (c % 2 ? 1 : 0) +
                          (20 + 200 * y / std::max(1, height - 1)) * (c % 2 ? 0 : 1) + static_cast<int>(rng() % 9);
        pixels[(static_cast<std::size_t>(y) * width + x) * channels + c] = static_cast<std::uint8_t>(std::clamp(value, 0, 255));
      }
    }
  }
  return pixels;
}

Bytes compress(const Bytes& pixels, int height, int width, int pixel_format, int subsampling, int quality,
               int flags = 0) {
  tjhandle handle = tjInitCompress();
  EXPECT_NE(handle, nullptr);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(handle, pixels.data(), width, 0, height, pixel_format, &jpeg, &size, subsampling,
                             quality, flags | TJFLAG_ACCURATEDCT);
  EXPECT_EQ(rc, 0) << tjGetErrorStr2(handle);
  Bytes bytes(jpeg, jpeg + size);
  tjFree(jpeg);
  tjDestroy(handle);
  return bytes;
}

Bytes rgb_jpeg(int height, int width, int subsampling = TJSAMP_420, int quality = 90, std::uint32_t seed = 1,
               int flags = 0) {
  return compress(pattern(height, width, 3, seed), height, width, TJPF_RGB, subsampling, quality, flags);
}

Bytes grey_jpeg(int height, int width, std::uint32_t seed = 2) {
  return compress(pattern(height, width, 1, seed), height, width, TJPF_GRAY, TJSAMP_GRAY, 90);
}

// An APP1 "Exif" segment with IFD0 holding only the Orientation tag, spliced in after SOI.
Bytes with_exif_orientation(const Bytes& jpeg, int orientation, bool little_endian) {
  auto u16 = [&](Bytes& out, int v) {
    if (little_endian) { out.push_back(v & 0xFF); out.push_back(v >> 8 & 0xFF); }
    else { out.push_back(v >> 8 & 0xFF); out.push_back(v & 0xFF); }
  };
  auto u32 = [&](Bytes& out, std::uint32_t v) {
    if (little_endian) { u16(out, v & 0xFFFF); u16(out, v >> 16); }
    else { u16(out, v >> 16); u16(out, v & 0xFFFF); }
  };
  Bytes tiff = little_endian ? Bytes{'I', 'I'} : Bytes{'M', 'M'};
  u16(tiff, 42);
  u32(tiff, 8);                  // IFD0 right after the header
  u16(tiff, 2);                  // two entries: an unrelated one first, then Orientation
  u16(tiff, 0x010F); u16(tiff, 2); u32(tiff, 1); u32(tiff, 0);     // Make, ASCII, "" inline
  u16(tiff, 0x0112); u16(tiff, 3); u32(tiff, 1); u16(tiff, orientation); u16(tiff, 0);
  u32(tiff, 0);                  // no next IFD
  Bytes segment = {0xFF, 0xE1};
  const std::size_t length = 2 + 6 + tiff.size();
  segment.push_back(static_cast<std::uint8_t>(length >> 8));
  segment.push_back(static_cast<std::uint8_t>(length & 0xFF));
  for (char c : std::string("Exif", 4)) segment.push_back(static_cast<std::uint8_t>(c));
  segment.push_back(0);
  segment.push_back(0);
  segment.insert(segment.end(), tiff.begin(), tiff.end());
  Bytes out = jpeg;
  out.insert(out.begin() + 2, segment.begin(), segment.end());  // after SOI
  return out;
}

// Offset of the first SOF0/SOF1/SOF2 marker (frame header: height and width follow).
std::size_t frame_header(const Bytes& jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC1 || jpeg[i + 1] == 0xC2)) return i;
  }
  ADD_FAILURE() << "no frame header";
  return 0;
}

// Independent of the decoder's own table: each EXIF orientation as the primitive steps the EXIF
// specification describes for displaying it.
Image transpose(const Image& in) {
  Image out{in.width, in.height, in.channels, Bytes(in.pixels.size())};
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x)
      for (int c = 0; c < in.channels; ++c)
        out.pixels[(static_cast<std::size_t>(x) * out.width + y) * in.channels + c] =
            in.pixels[(static_cast<std::size_t>(y) * in.width + x) * in.channels + c];
  return out;
}
Image mirror(const Image& in) {  // left-right
  Image out = in;
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < in.width; ++x)
      for (int c = 0; c < in.channels; ++c)
        out.pixels[(static_cast<std::size_t>(y) * in.width + x) * in.channels + c] =
            in.pixels[(static_cast<std::size_t>(y) * in.width + (in.width - 1 - x)) * in.channels + c];
  return out;
}
Image rotate180(const Image& in) {
  Image out = in;
  std::reverse(out.pixels.begin(), out.pixels.end());  // reverses channel order too: undo that
  for (std::size_t i = 0; i < out.pixels.size(); i += in.channels) std::reverse(&out.pixels[i], &out.pixels[i] + in.channels);
  return out;
}
Image rotate_clockwise(const Image& in) { return mirror(transpose(in)); }
Image displayed(const Image& stored, int orientation) {
  switch (orientation) {
    case 2: return mirror(stored);
    case 3: return rotate180(stored);
    case 4: return mirror(rotate180(stored));       // flipped top to bottom
    case 5: return transpose(stored);
    case 6: return rotate_clockwise(stored);
    case 7: return rotate180(transpose(stored));    // transverse
    case 8: return rotate180(rotate_clockwise(stored));
    default: return stored;
  }
}

void expect_same_image(const Image& got, const Image& want, const std::string& what) {
  ASSERT_EQ(got.height, want.height) << what;
  ASSERT_EQ(got.width, want.width) << what;
  ASSERT_EQ(got.channels, want.channels) << what;
  std::size_t differing = 0;
  int max_diff = 0;
  for (std::size_t i = 0; i < got.pixels.size(); ++i) {
    const int diff = std::abs(got.pixels[i] - want.pixels[i]);
    differing += diff != 0;
    max_diff = std::max(max_diff, diff);
  }
  EXPECT_EQ(differing, 0u) << what << ": max abs diff " << max_diff;
}

template <class Error, class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

class TurboJpegTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const Bytes& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  testing::TempDir dir_{"turbojpeg"};
};

TEST(TurboJpeg, IsTheJpegDecoderOfThisBuild) {
  EXPECT_EQ(detail::jpeg_decoder_name(), "TurboJPEG");
  EXPECT_TRUE(detail::starts_like_jpeg(Bytes{0xFF, 0xD8, 0xFF, 0xE0}));
  EXPECT_FALSE(detail::starts_like_jpeg(Bytes{0x89, 'P', 'N', 'G'}));
  EXPECT_FALSE(detail::starts_like_jpeg(Bytes{0xFF, 0xD8}));
}

TEST_F(TurboJpegTest, RgbDecodesCloseToTheSourceInRgbOrder) {
  const Bytes source = pattern(24, 40, 3, 3);
  const fs::path path = write("colour.jpg", compress(source, 24, 40, TJPF_RGB, TJSAMP_444, 100));
  for (int channels : {3, 0}) {
    const Image image = decode_image(path, channels);
    ASSERT_EQ(image.height, 24);
    ASSERT_EQ(image.width, 40);
    ASSERT_EQ(image.channels, 3);
    double total = 0;
    for (std::size_t i = 0; i < source.size(); ++i) total += std::abs(image.pixels[i] - source[i]);
    EXPECT_LT(total / source.size(), 2.0) << "mean abs error vs the source at q100 4:4:4 (a channel swap gives ~50)";
  }
}

TEST_F(TurboJpegTest, GreyStaysOneChannelOrIsReplicatedToRgb) {
  const fs::path path = write("grey.jpeg", grey_jpeg(13, 29));
  const Image grey = decode_image(path, 0);
  ASSERT_EQ(grey.channels, 1);
  ASSERT_EQ(grey.height, 13);
  ASSERT_EQ(grey.width, 29);
  expect_same_image(decode_image(path, 1), grey, "grey as 1 channel");
  const Image rgb = decode_image(path, 3);
  ASSERT_EQ(rgb.channels, 3);
  for (std::size_t i = 0; i < grey.pixels.size(); ++i) {
    ASSERT_EQ(rgb.pixels[3 * i], grey.pixels[i]);
    ASSERT_EQ(rgb.pixels[3 * i + 1], grey.pixels[i]);
    ASSERT_EQ(rgb.pixels[3 * i + 2], grey.pixels[i]);
  }
}

TEST_F(TurboJpegTest, ColourAsGreyIsTheLumaOfTheColourDecode) {
  const fs::path path = write("colour.jpg", rgb_jpeg(16, 16, TJSAMP_444, 95));
  const Image rgb = decode_image(path, 3);
  const Image grey = decode_image(path, 1);
  ASSERT_EQ(grey.channels, 1);
  for (std::size_t i = 0; i < grey.pixels.size(); ++i) {
    const double luma = 0.299 * rgb.pixels[3 * i] + 0.587 * rgb.pixels[3 * i + 1] + 0.114 * rgb.pixels[3 * i + 2];
    EXPECT_NEAR(grey.pixels[i], luma, 1.5) << i;  // Y straight from the file vs Y of the rounded RGB
  }
}

TEST_F(TurboJpegTest, BytesDecodeLikeTheFileAndProgressiveLikeBaseline) {
  const Bytes baseline = rgb_jpeg(21, 35, TJSAMP_420, 85, 4);
  const Bytes progressive = rgb_jpeg(21, 35, TJSAMP_420, 85, 4, TJFLAG_PROGRESSIVE);
  ASSERT_NE(baseline, progressive);
  const Image from_file = decode_image(write("a.jpg", baseline), 3);
  expect_same_image(decode_image_bytes(baseline, 3, "zip:a.jpg"), from_file, "bytes");
  // Progressive coding is a lossless rearrangement of the same DCT coefficients.
  expect_same_image(decode_image(write("p.jpg", progressive), 3), from_file, "progressive");
}

TEST_F(TurboJpegTest, EveryChromaSubsamplingAndOddSizeDecodes) {
  for (int subsampling : {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411}) {
    for (auto [h, w] : {std::pair{1, 1}, std::pair{7, 3}, std::pair{33, 17}}) {
      const Image image = decode_image_bytes(rgb_jpeg(h, w, subsampling), 3, "x");
      EXPECT_EQ(image.height, h);
      EXPECT_EQ(image.width, w);
      EXPECT_EQ(image.pixels.size(), static_cast<std::size_t>(h) * w * 3);
    }
  }
}

TEST_F(TurboJpegTest, ExifOrientationIsApplied) {
  const Bytes plain = rgb_jpeg(6, 10, TJSAMP_444, 95, 5);  // not square: 5-8 swap the sides
  const Image stored = decode_image_bytes(plain, 3, "plain");
  for (int orientation = 1; orientation <= 8; ++orientation) {
    for (bool little : {true, false}) {
      const Bytes tagged = with_exif_orientation(plain, orientation, little);
      const std::string what = "orientation " + std::to_string(orientation) + (little ? " II" : " MM");
      expect_same_image(decode_image(write("o.jpg", tagged), 3), displayed(stored, orientation), what);
      expect_same_image(decode_image_bytes(tagged, 0, "o"), displayed(stored, orientation), what + " bytes");
    }
  }
  // Out-of-range values and a broken EXIF block leave the image as stored.
  expect_same_image(decode_image_bytes(with_exif_orientation(plain, 9, true), 3, "o"), stored, "orientation 9");
  Bytes broken = with_exif_orientation(plain, 6, true);
  broken[4 + 2 + 6 + 4] = 0x7F;  // IFD0 offset now points far outside the segment
  expect_same_image(decode_image_bytes(broken, 3, "o"), stored, "broken EXIF");
}

TEST_F(TurboJpegTest, CmykIsConvertedToRgbAndGrey) {
  const int h = 8, w = 12;
  Bytes cmyk(static_cast<std::size_t>(h) * w * 4);
  for (std::size_t i = 0; i < cmyk.size(); i += 4) {
    cmyk[i] = 200; cmyk[i + 1] = 120; cmyk[i + 2] = 40; cmyk[i + 3] = 230;  // flat: JPEG keeps it exact-ish
  }
  const Bytes jpeg = compress(cmyk, h, w, TJPF_CMYK, TJSAMP_444, 100);
  const Image rgb = decode_image_bytes(jpeg, 0, "cmyk");
  ASSERT_EQ(rgb.channels, 3);
  // Adobe CMYK is stored inverted: R = K - (255 - C) * K / 256 (OpenCV's conversion).
  const int k = 230;
  const int r = k - ((255 - 200) * k >> 8), g = k - ((255 - 120) * k >> 8), b = k - ((255 - 40) * k >> 8);
  EXPECT_NEAR(rgb.pixels[0], r, 2);
  EXPECT_NEAR(rgb.pixels[1], g, 2);
  EXPECT_NEAR(rgb.pixels[2], b, 2);
  const Image grey = decode_image_bytes(jpeg, 1, "cmyk");
  ASSERT_EQ(grey.channels, 1);
  EXPECT_NEAR(grey.pixels[0], 0.299 * r + 0.587 * g + 0.114 * b, 2.5);
}

TEST_F(TurboJpegTest, TruncatedFilesAreDecodeErrorsNamingTheFile) {
  const Bytes jpeg = rgb_jpeg(64, 64, TJSAMP_420, 90, 6);
  for (double keep : {0.98, 0.6, 0.3}) {
    const fs::path path = write("cut.jpg", Bytes(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() * keep)));
    const std::string message = error_of<DecodeError>([&] { decode_image(path, 3); });
    EXPECT_NE(message.find("cannot decode " + path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // Cut inside the headers: no frame to decode at all.
  const std::string message = error_of<DecodeError>([&] { decode_image_bytes(Bytes(jpeg.begin(), jpeg.begin() + 40), 3, "frame 3"); });
  EXPECT_NE(message.find("cannot decode frame 3"), std::string::npos) << message;
  // The thread's decompressor still works after the failures.
  EXPECT_EQ(decode_image_bytes(jpeg, 3, "whole").height, 64);
}

TEST_F(TurboJpegTest, CorruptHeaderAndHugeDimensionsAreDecodeErrors) {
  Bytes jpeg = rgb_jpeg(16, 16);
  Bytes corrupt = jpeg;
  const std::size_t sof = frame_header(corrupt);
  corrupt[sof + 4] = 0;  // sample precision 0
  const std::string message = error_of<DecodeError>([&] { decode_image(write("corrupt.jpg", corrupt), 3); });
  EXPECT_NE(message.find("corrupt.jpg"), std::string::npos) << message;

  // 65000 x 65000 claimed by a 1 kB file: refused from the header, before any allocation.
  Bytes huge = jpeg;
  for (std::size_t at : {sof + 5, sof + 7}) { huge[at] = 65000 >> 8; huge[at + 1] = 65000 & 0xFF; }
  const std::string too_large = error_of<DecodeError>([&] { decode_image_bytes(huge, 3, "huge.jpg"); });
  EXPECT_NE(too_large.find("cannot decode huge.jpg: image too large (65000x65000"), std::string::npos) << too_large;
}

TEST_F(TurboJpegTest, RecoverableWarningsStillDecode) {
  // Stray bytes between the last scan and EOI: libjpeg warns ("extraneous bytes before marker
  // 0xd9") after every pixel is decoded; OpenCV and PIL return the image, and so do we.
  const Bytes clean = rgb_jpeg(16, 16, TJSAMP_420, 90, 12);
  Bytes noisy(clean.begin(), clean.end() - 2);
  for (std::uint8_t b : {0x12, 0x34, 0x56, 0xFF, 0xD9}) noisy.push_back(b);
  expect_same_image(decode_image_bytes(noisy, 3, "noisy"), decode_image_bytes(clean, 3, "clean"), "extraneous bytes");
}

TEST_F(TurboJpegTest, JpegIsRecognisedByContentNotByName) {
  const Bytes jpeg = rgb_jpeg(10, 12, TJSAMP_420, 90, 13);
  expect_same_image(decode_image(write("really_a_jpeg.png", jpeg), 3), decode_image_bytes(jpeg, 3, "x"), "named .png");
}

TEST_F(TurboJpegTest, NonJpegFilesAreRejectedClearly) {
  const fs::path text = write("notes.jpg", Bytes{'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'});
  const std::string message = error_of<DecodeError>([&] { decode_image(text, 3); });
  EXPECT_NE(message.find("cannot decode " + text.string()), std::string::npos) << message;
  EXPECT_THROW(decode_image(write("empty.jpg", {}), 3), DecodeError);
  EXPECT_THROW(decode_image(dir_ / "missing.jpg", 3), UserError);
  EXPECT_THROW(decode_image_bytes(rgb_jpeg(4, 4), 2, "x"), std::invalid_argument);
#ifndef TESSERA_WITH_OPENCV
  // Not a JPEG and not named like one: a build without OpenCV says what it would need.
  const fs::path png = write("picture.png", Bytes{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0});
  const std::string needs = error_of<UserError>([&] { decode_image(png, 3); });
  EXPECT_NE(needs.find(png.string()), std::string::npos) << needs;
  EXPECT_NE(needs.find("needs OpenCV"), std::string::npos) << needs;
  EXPECT_THROW(write_png(dir_ / "out.png", Image{1, 1, 1, {0}}), UserError);
#endif
}

TEST_F(TurboJpegTest, ThreadsDecodeConcurrently) {
  const Bytes jpeg = rgb_jpeg(48, 40, TJSAMP_420, 90, 7);
  const Image want = decode_image_bytes(jpeg, 3, "x");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) mismatches[t] += decode_image_bytes(jpeg, 3, "x").pixels != want.pixels;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

#ifdef TESSERA_WITH_OPENCV
// cv::imread's result as an RGB Image (its BGR swapped), for exact comparison.
Image imread_rgb(const fs::path& path, int flags) {
  const cv::Mat mat = cv::imread(path.string(), flags);
  EXPECT_FALSE(mat.empty()) << path;
  Image image{mat.rows, mat.cols, mat.channels(), Bytes(mat.total() * mat.channels())};
  for (int y = 0; y < mat.rows; ++y) {
    const std::uint8_t* row = mat.ptr<std::uint8_t>(y);
    for (int x = 0; x < mat.cols; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        image.pixels[(static_cast<std::size_t>(y) * mat.cols + x) * image.channels + c] =
            row[x * image.channels + (image.channels == 3 ? 2 - c : c)];
      }
    }
  }
  return image;
}

void expect_matches_opencv(const fs::path& path, const std::string& what) {
  Bytes bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const Image colour_cv = imread_rgb(path, cv::IMREAD_COLOR);
  const Image grey_cv = imread_rgb(path, cv::IMREAD_GRAYSCALE);
  expect_same_image(detail::decode_jpeg_turbojpeg(bytes, 3, what), colour_cv, what + " RGB");
  expect_same_image(detail::decode_jpeg_turbojpeg(bytes, 1, what), grey_cv, what + " grey");
  expect_same_image(decode_image(path, 3), colour_cv, what + " decode_image RGB");
  expect_same_image(decode_image(path, 1), grey_cv, what + " decode_image grey");
  // And the OpenCV decoder of this build agrees with itself through the routing layer.
  expect_same_image(detail::decode_file_opencv(path, 3), colour_cv, what + " opencv");
}

TEST_F(TurboJpegTest, IdenticalToOpenCvOnJpegsWrittenByOpenCv) {
  cv::RNG rng(8);
  for (auto [h, w, quality] : {std::tuple{17, 23, 95}, std::tuple{240, 320, 75}, std::tuple{333, 501, 90}}) {
    cv::Mat noise(h / 4 + 1, w / 4 + 1, CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
    cv::Mat bgr;
    cv::resize(noise, bgr, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);  // smooth, photo-like
    const std::string stem = std::to_string(h) + "x" + std::to_string(w) + "q" + std::to_string(quality);
    const fs::path colour = dir_ / (stem + ".jpg");
    ASSERT_TRUE(cv::imwrite(colour.string(), bgr, {cv::IMWRITE_JPEG_QUALITY, quality}));
    expect_matches_opencv(colour, stem);
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    const fs::path grey_path = dir_ / (stem + "_grey.jpg");
    ASSERT_TRUE(cv::imwrite(grey_path.string(), grey, {cv::IMWRITE_JPEG_QUALITY, quality}));
    expect_matches_opencv(grey_path, stem + " grey file");
    const fs::path progressive = dir_ / (stem + "_progressive.jpg");
    ASSERT_TRUE(cv::imwrite(progressive.string(), bgr, {cv::IMWRITE_JPEG_QUALITY, quality, cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    expect_matches_opencv(progressive, stem + " progressive");
  }
}

TEST_F(TurboJpegTest, IdenticalToOpenCvOnEverySubsamplingCmykAndOrientation) {
  for (int subsampling : {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411, TJSAMP_GRAY}) {
    expect_matches_opencv(write("s.jpg", rgb_jpeg(37, 45, subsampling, 80, 9)), "subsampling " + std::to_string(subsampling));
  }
  expect_matches_opencv(write("g.jpg", grey_jpeg(19, 31)), "grey");
  Bytes cmyk = pattern(20, 24, 4, 10);
  expect_matches_opencv(write("cmyk.jpg", compress(cmyk, 20, 24, TJPF_CMYK, TJSAMP_420, 90)), "cmyk");
  const Bytes plain = rgb_jpeg(9, 14, TJSAMP_420, 90, 11);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    expect_matches_opencv(write("o.jpg", with_exif_orientation(plain, orientation, orientation % 2 == 0)),
                          "orientation " + std::to_string(orientation));
  }
}
#endif

}  // namespace
}  // namespace tessera::io
