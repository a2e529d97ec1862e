// The OpenCV decoder behind decode_image (src/io/image_decode.cpp decides which files come here):
// every format OpenCV was built with, and the PNG writer.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <stdexcept>
#include <string_view>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/io/image_codecs.h"

namespace tessera::io::detail {
namespace fs = std::filesystem;
namespace {

// ANYDEPTH keeps 16-bit data so that we, not the codec, choose the 16 -> 8 bit mapping (codecs
// differ: libpng strips the low byte, the TIFF path scales and rounds). ANYCOLOR gives 1 channel
// for grey files and 3 for colour; OpenCV drops alpha for any flag other than IMREAD_UNCHANGED,
// and applies EXIF orientation too, which UNCHANGED would skip.
int imread_flags(int channels) {
  switch (channels) {
    case 0: return cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH;
    case 1: return cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH;
    case 3: return cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH;
    default:
      throw std::invalid_argument("decode_image: channels must be 0 (as stored), 1 or 3, got " +
                                  std::to_string(channels));
  }
}

// Moves a decoded 8- or 16-bit, 1- or 3-channel BGR mat into an RGB Image, converting straight
// into the Image's own buffer so no pixel is copied twice.
Image to_image(const cv::Mat& decoded, const std::string& name) {
  const int channels = decoded.channels();
  if (channels != 1 && channels != 3) {
    throw DecodeError("cannot decode " + name + ": unexpected channel count " + std::to_string(channels));
  }
  Image image;
  image.height = decoded.rows;
  image.width = decoded.cols;
  image.channels = channels;
  image.pixels.resize(static_cast<std::size_t>(decoded.total()) * channels);
  cv::Mat packed(decoded.rows, decoded.cols, CV_MAKETYPE(CV_8U, channels), image.pixels.data());

  if (decoded.depth() == CV_8U) {
    decoded.copyTo(packed);
  } else if (decoded.depth() == CV_16U) {
    const int row_values = decoded.cols * channels;
    for (int y = 0; y < decoded.rows; ++y) {
      const auto* src = decoded.ptr<std::uint16_t>(y);
      std::uint8_t* dst = packed.ptr<std::uint8_t>(y);
      for (int i = 0; i < row_values; ++i) dst[i] = static_cast<std::uint8_t>(src[i] >> 8);
    }
  } else {
    throw DecodeError("cannot decode " + name + ": unsupported pixel depth (only 8- and 16-bit integer images)");
  }
  if (channels == 3) cv::cvtColor(packed, packed, cv::COLOR_BGR2RGB);  // in place, same buffer
  return image;
}

}  // namespace

Image decode_file_opencv(const fs::path& path, int channels) {
  const int flags = imread_flags(channels);
  const std::string name = path.string();
  cv::Mat decoded;
  try {
    decoded = cv::imread(name, flags);
  } catch (const cv::Exception& e) {
    throw DecodeError("cannot decode " + name + ": " + e.err);
  }
  if (decoded.empty()) {
    // imread reports no reason; haveImageReader only sniffs the signature, so it tells apart
    // "not an image format we know" from "a known format with bad data".
    const bool known_format = cv::haveImageReader(name);
    throw DecodeError("cannot decode " + name + ": " +
                      (known_format ? "corrupt or truncated image data" : "not a supported image format"));
  }
  return to_image(decoded, name);
}

Image decode_bytes_opencv(std::span<const std::uint8_t> bytes, int channels, const std::string& name_for_errors) {
  const int flags = imread_flags(channels);
  if (bytes.empty()) throw DecodeError("cannot decode " + name_for_errors + ": empty data");
  // imdecode only reads its input; the const_cast is for cv::Mat's non-const constructor.
  const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(encoded, flags);
  } catch (const cv::Exception& e) {
    throw DecodeError("cannot decode " + name_for_errors + ": " + e.err);
  }
  if (decoded.empty()) {
    throw DecodeError("cannot decode " + name_for_errors + ": unsupported format or corrupt image data");
  }
  return to_image(decoded, name_for_errors);
}

void write_png_opencv(const fs::path& path, const Image& image) {
  const std::string name = path.string();
  if (image.height <= 0 || image.width <= 0 || (image.channels != 1 && image.channels != 3)) {
    throw UserError("cannot write " + name + ": image must be non-empty with 1 or 3 channels, got " +
                    std::to_string(image.height) + "x" + std::to_string(image.width) + "x" +
                    std::to_string(image.channels));
  }
  const std::size_t expected = static_cast<std::size_t>(image.height) * image.width * image.channels;
  if (image.pixels.size() != expected) {
    throw UserError("cannot write " + name + ": pixel buffer holds " + std::to_string(image.pixels.size()) +
                    " bytes, expected " + std::to_string(expected));
  }
  // cv::Mat wants non-const data; nothing below writes through this header.
  const cv::Mat rgb(image.height, image.width, CV_MAKETYPE(CV_8U, image.channels),
                    const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  if (image.channels == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> encoded;
  bool ok = false;
  try {
    ok = cv::imencode(".png", image.channels == 3 ? bgr : rgb, encoded);
  } catch (const cv::Exception& e) {
    throw UserError("cannot write " + name + ": " + e.err);
  }
  if (!ok) throw UserError("cannot write " + name + ": PNG encoding failed");
  // Encoding in memory lets the file appear atomically (imwrite picks the codec from the
  // extension, so it cannot write to a temporary name).
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

}  // namespace tessera::io::detail
