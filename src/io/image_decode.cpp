// decode_image, decode_image_bytes and write_png. Which decoder handles a file is decided here
// and nowhere else, from the data's first bytes and what this build has:
//
//   JPEG data (FF D8 FF)  TurboJPEG when built in (TESSERA_WITH_TURBOJPEG), else OpenCV
//   anything else         OpenCV when built in (TESSERA_WITH_OPENCV)
//   write_png             OpenCV
//
// With both libraries, JPEG goes through TurboJPEG. Measured on one core, files cached (600 JPEGs
// of 300-500 px from bench/make_jpeg_folder.py, and OpenCV's 59 sample photos): RGB 2.3x and
// 1.8x the images/s of the OpenCV path (imread, then BGR -> RGB), grey the same speed (0.98x),
// and every pixel identical: both are libjpeg-turbo 2.1 with its accurate IDCT and smooth
// upsampling (tests/io/image_turbojpeg_test.cpp keeps checking that equality).
// A build without OpenCV still lists image files (image_extensions.cpp) and decodes JPEG when it
// has TurboJPEG; other formats are a clear UserError naming the file and the missing option.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/io/image.h"
#include "tessera/io/file_kind.h"
#include "tessera/io/image_codecs.h"

namespace tessera::io {
namespace fs = std::filesystem;
namespace {

void check_channels(int channels) {
  if (channels != 0 && channels != 1 && channels != 3) {
    throw std::invalid_argument("decode_image: channels must be 0 (as stored), 1 or 3, got " +
                                std::to_string(channels));
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Distinguishes "you gave me the wrong path" (UserError) from "the file is bad" (DecodeError).
File open_image_file(const fs::path& path) {
  std::error_code ec;
  if (const std::string why = not_a_regular_file(path); !why.empty()) {  // before fopen: a FIFO would block it
    throw UserError("cannot read " + path.string() + ": " + why);
  }
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) throw UserError("cannot read " + path.string() + ": " + std::strerror(errno));
  if (fs::file_size(path, ec) == 0 && !ec) throw DecodeError("cannot decode " + path.string() + ": empty file");
  return file;
}

// The whole file in one allocation (the loader's decode threads call this once per image).
[[maybe_unused]] std::vector<std::uint8_t> read_whole(std::FILE* file, const fs::path& path) {
  std::rewind(file);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  std::vector<std::uint8_t> bytes(ec ? 0 : static_cast<std::size_t>(size));
  std::size_t used = std::fread(bytes.data(), 1, bytes.size(), file);
  for (std::uint8_t chunk[4096]; !std::ferror(file) && !std::feof(file);) {  // it grew meanwhile
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, file);
    bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(used), chunk, chunk + n);
    used += n;
  }
  if (std::ferror(file)) throw UserError("cannot read " + path.string() + ": " + std::strerror(errno));
  bytes.resize(used);
  return bytes;
}

[[maybe_unused]] bool has_jpeg_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg";
}

[[noreturn]] [[maybe_unused]] void needs_opencv(const std::string& what) {
#ifdef TESSERA_WITH_TURBOJPEG
  throw UserError(what + ": decoding this format needs OpenCV; this build has TESSERA_WITH_OPENCV=OFF and "
                         "decodes JPEG only");
#else
  throw UserError(what + ": image decoding needs OpenCV, and this build has TESSERA_WITH_OPENCV=OFF");
#endif
}

// PNG: the signature, then the IHDR chunk with width and height (big-endian) at bytes 16..23.
// A size above kMaxImagePixels is refused here, before OpenCV allocates the image.
void refuse_oversized_png(std::span<const std::uint8_t> head, const std::string& name) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (head.size() < 24 || std::memcmp(head.data(), kSignature, 8) != 0 || std::memcmp(head.data() + 12, "IHDR", 4) != 0) {
    return;
  }
  const auto big_endian = [&](std::size_t at) {
    return (static_cast<long long>(head[at]) << 24) | (head[at + 1] << 16) | (head[at + 2] << 8) | head[at + 3];
  };
  const long long width = big_endian(16), height = big_endian(20);
  // Each side first: two 32-bit sides can overflow a signed 64-bit product (fuzz/image).
  if (width > kMaxImagePixels || height > kMaxImagePixels || width * height > kMaxImagePixels) {
    throw DecodeError("cannot decode " + name + ": image too large (" + std::to_string(width) + "x" +
                      std::to_string(height) + " pixels; the limit is " + std::to_string(kMaxImagePixels) + ")");
  }
}

// "DICM" at byte 128 marks DICOM data, which OpenCV hands to its GDCM decoder when built with it
// (Debian's is), and GDCM aborts the whole process on a malformed file (an assertion in
// gdcm::Reader::InternalReadCommon; fuzz/image). DICOM is read through io/dicom.h instead.
[[maybe_unused]] void refuse_dicom(std::span<const std::uint8_t> head, const std::string& name) {
  if (head.size() >= 132 && std::memcmp(head.data() + 128, "DICM", 4) == 0) {
    throw DecodeError("cannot decode " + name + ": DICOM data, not an image file (DICOM is read as .dcm files)");
  }
}

}  // namespace

namespace detail {

bool starts_like_jpeg(std::span<const std::uint8_t> head) {
  return head.size() >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
}

std::string_view jpeg_decoder_name() {
#if defined(TESSERA_WITH_TURBOJPEG)
  return "TurboJPEG";
#elif defined(TESSERA_WITH_OPENCV)
  return "OpenCV";
#else
  return "none";
#endif
}

}  // namespace detail

Image decode_image(const fs::path& path, int channels) {
  check_channels(channels);
  File file = open_image_file(path);
  std::uint8_t head[132] = {};
  const std::size_t got = std::fread(head, 1, sizeof head, file.get());
  refuse_oversized_png({head, got}, path.string());
#ifdef TESSERA_WITH_TURBOJPEG
  if (detail::starts_like_jpeg({head, got})) {
    return detail::decode_jpeg_turbojpeg(read_whole(file.get(), path), channels, path.string());
  }
#endif
  file.reset();
#ifdef TESSERA_WITH_OPENCV
  refuse_dicom({head, got}, path.string());
  return detail::decode_file_opencv(path, channels);
#else
  if (has_jpeg_extension(path)) {
    throw DecodeError("cannot decode " + path.string() + ": not JPEG data (no JPEG start-of-image marker)");
  }
  needs_opencv(path.string());
#endif
}

Image decode_image_bytes(std::span<const std::uint8_t> bytes, int channels, const std::string& name_for_errors) {
  check_channels(channels);
  if (bytes.empty()) throw DecodeError("cannot decode " + name_for_errors + ": empty data");
  refuse_oversized_png(bytes, name_for_errors);
#ifdef TESSERA_WITH_TURBOJPEG
  if (detail::starts_like_jpeg(bytes)) return detail::decode_jpeg_turbojpeg(bytes, channels, name_for_errors);
#endif
#ifdef TESSERA_WITH_OPENCV
  refuse_dicom(bytes, name_for_errors);
  return detail::decode_bytes_opencv(bytes, channels, name_for_errors);
#else
  needs_opencv(name_for_errors);
#endif
}

void write_png(const fs::path& path, const Image& image) {
#ifdef TESSERA_WITH_OPENCV
  detail::write_png_opencv(path, image);
#else
  (void)image;
  needs_opencv(path.string());
#endif
}

}  // namespace tessera::io
