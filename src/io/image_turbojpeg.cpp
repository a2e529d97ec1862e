// JPEG decoding through libjpeg-turbo's TurboJPEG API (TESSERA_WITH_TURBOJPEG): the decoder for
// JPEG data whenever it is built in (src/io/image_decode.cpp decides), and the only image decoder
// of a build without OpenCV (the GPU machine's).
//
// It gives what OpenCV 4.6's imread gives for the same file, pixel for pixel: both run
// libjpeg-turbo with its defaults (accurate integer IDCT, smooth "fancy" upsampling; no
// TJFLAG_FASTDCT / TJFLAG_FASTUPSAMPLE), grey output is the JPEG's luma channel as libjpeg
// produces it, CMYK/YCCK files are converted with OpenCV's formulas, and EXIF orientation is
// applied with OpenCV's eight transforms. One deliberate difference: a file that ends early is a
// DecodeError here, where imread returns it padded with grey (decode_image's contract, and PIL's).
#include <turbojpeg.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/io/image_codecs.h"

namespace tessera::io::detail {
namespace {

// Refuse before allocating (io/image.h): a JPEG header can claim up to 65535 x 65535.
constexpr long long kMaxPixels = kMaxImagePixels;

struct HandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleDeleter>;

// One decompressor per thread (the loader decodes on several): creating one per image costs
// more than decoding a small JPEG. A failed call can leave it mid-stream (TurboJPEG 2.1 does not
// reset it after a header error: the next file then fails with "two SOI markers"), so after any
// failure the handle is dropped and the next decode makes a fresh one.
Handle& thread_handle() {
  thread_local Handle handle;
  if (!handle) {
    handle.reset(tjInitDecompress());
    if (!handle) throw std::runtime_error(std::string("TurboJPEG: tjInitDecompress failed: ") + tjGetErrorStr2(nullptr));
  }
  return handle;
}

// ---- EXIF orientation -------------------------------------------------------------------------

std::uint32_t read_u16(const std::uint8_t* p, bool little) {
  return little ? p[0] | (p[1] << 8) : (p[0] << 8) | p[1];
}
std::uint32_t read_u32(const std::uint8_t* p, bool little) {
  return little ? read_u16(p, true) | (read_u16(p + 2, true) << 16) : (read_u16(p, false) << 16) | read_u16(p + 2, false);
}

// The Orientation tag (0x0112) of IFD0 in the first APP1 "Exif" segment: 1..8, or 1 when absent
// or malformed (a bad EXIF block never fails the decode; OpenCV ignores it too).
int exif_orientation(std::span<const std::uint8_t> jpeg) {
  std::size_t pos = 2;  // after SOI
  while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xFF) {
    const std::uint8_t marker = jpeg[pos + 1];
    if (marker == 0xD8 || marker == 0xFF) { ++pos; continue; }  // fill bytes
    if (marker == 0xDA || marker == 0xD9) break;               // scan data or end: no more headers
    const std::size_t length = read_u16(&jpeg[pos + 2], false);
    if (length < 2 || pos + 2 + length > jpeg.size()) break;
    const std::uint8_t* segment = &jpeg[pos + 4];
    const std::size_t size = length - 2;
    static constexpr std::uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (marker == 0xE1 && size >= 6 + 8 && std::equal(kExif, kExif + 6, segment)) {
      const std::uint8_t* tiff = segment + 6;
      const std::size_t tiff_size = size - 6;
      const bool little = tiff[0] == 'I' && tiff[1] == 'I';
      if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
      if (read_u16(tiff + 2, little) != 42) return 1;
      const std::size_t ifd = read_u32(tiff + 4, little);
      if (ifd + 2 > tiff_size) return 1;
      const std::size_t entries = read_u16(tiff + ifd, little);
      for (std::size_t i = 0; i < entries; ++i) {
        const std::size_t entry = ifd + 2 + 12 * i;
        if (entry + 12 > tiff_size) return 1;
        if (read_u16(tiff + entry, little) != 0x0112) continue;
        const std::uint32_t type = read_u16(tiff + entry + 2, little);  // SHORT, value inline
        const std::uint32_t value = read_u16(tiff + entry + 8, little);
        return type == 3 && value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
      }
      return 1;
    }
    pos += 2 + length;
  }
  return 1;
}

// OpenCV's ApplyExifOrientation: 2 flip x, 3 flip both, 4 flip y, 5 transpose, 6 transpose + flip x
// (90 degrees clockwise), 7 transpose + flip both, 8 transpose + flip y (90 degrees anticlockwise).
Image oriented(Image in, int orientation) {
  if (orientation == 1) return in;
  const int h = in.height, w = in.width, c = in.channels;
  const bool transposed = orientation >= 5;
  Image out;
  out.height = transposed ? w : h;
  out.width = transposed ? h : w;
  out.channels = c;
  out.pixels.resize(in.pixels.size());
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sy = y, sx = x;  // source row and column of output pixel (y, x)
      switch (orientation) {
        case 2: sx = w - 1 - x; break;
        case 3: sy = h - 1 - y; sx = w - 1 - x; break;
        case 4: sy = h - 1 - y; break;
        case 5: sy = x; sx = y; break;
        case 6: sy = h - 1 - x; sx = y; break;
        case 7: sy = h - 1 - x; sx = w - 1 - y; break;
        case 8: sy = x; sx = w - 1 - y; break;
        default: break;
      }
      const std::uint8_t* src = &in.pixels[(static_cast<std::size_t>(sy) * w + sx) * c];
      std::uint8_t* dst = &out.pixels[(static_cast<std::size_t>(y) * out.width + x) * c];
      for (int k = 0; k < c; ++k) dst[k] = src[k];
    }
  }
  return out;
}

// ---- CMYK --------------------------------------------------------------------------------------

// libjpeg does not convert CMYK/YCCK to RGB; OpenCV converts the (Adobe, inverted) CMYK itself:
// icvCvt_CMYK2BGR_8u_C4C3R and, for grey, icvCvt_CMYK2Gray_8u_C4C1R (fixed-point luma, 14 bits).
void cmyk_to(const std::vector<std::uint8_t>& cmyk, Image& image) {
  const std::size_t n = static_cast<std::size_t>(image.height) * image.width;
  for (std::size_t i = 0; i < n; ++i) {
    const int k = cmyk[4 * i + 3];
    const int r = k - ((255 - cmyk[4 * i + 0]) * k >> 8);
    const int g = k - ((255 - cmyk[4 * i + 1]) * k >> 8);
    const int b = k - ((255 - cmyk[4 * i + 2]) * k >> 8);
    if (image.channels == 3) {
      image.pixels[3 * i + 0] = static_cast<std::uint8_t>(r);
      image.pixels[3 * i + 1] = static_cast<std::uint8_t>(g);
      image.pixels[3 * i + 2] = static_cast<std::uint8_t>(b);
    } else {
      constexpr int kR = 4899, kG = 9617, kB = 1868;  // 0.299, 0.587, 0.114 in 1/16384
      image.pixels[i] = static_cast<std::uint8_t>((b * kB + g * kG + r * kR + (1 << 13)) >> 14);
    }
  }
}

}  // namespace

Image decode_jpeg_turbojpeg(std::span<const std::uint8_t> bytes, int channels, const std::string& name) {
  if (bytes.empty()) throw DecodeError("cannot decode " + name + ": empty data");
  Handle& handle = thread_handle();
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), bytes.data(), bytes.size(), &width, &height, &subsampling, &colorspace) != 0) {
    const std::string reason = tjGetErrorStr2(handle.get());
    handle.reset();
    throw DecodeError("cannot decode " + name + ": corrupt or truncated JPEG header (" + reason + ")");
  }
  if (width <= 0 || height <= 0 || static_cast<long long>(width) * height > kMaxPixels) {
    throw DecodeError("cannot decode " + name + ": image too large (" + std::to_string(width) + "x" +
                      std::to_string(height) + " pixels; the limit is " + std::to_string(kMaxPixels) + ")");
  }
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  Image image;
  image.height = height;
  image.width = width;
  image.channels = channels != 0 ? channels : (colorspace == TJCS_GRAY ? 1 : 3);
  image.pixels.resize(static_cast<std::size_t>(width) * height * image.channels);

  std::vector<std::uint8_t> cmyk_pixels;
  if (cmyk) cmyk_pixels.resize(static_cast<std::size_t>(width) * height * 4);
  const int format = cmyk ? TJPF_CMYK : (image.channels == 1 ? TJPF_GRAY : TJPF_RGB);
  std::uint8_t* target = cmyk ? cmyk_pixels.data() : image.pixels.data();
  // LIMITSCANS: refuse progressive files with more than 500 scans (a decoding-time bomb).
  const int flags = TJFLAG_LIMITSCANS;
  if (tjDecompress2(handle.get(), bytes.data(), bytes.size(), target, width, 0, height, format, flags) != 0) {
    const std::string reason = tjGetErrorStr2(handle.get());
    const bool warning = tjGetErrorCode(handle.get()) == TJERR_WARNING;
    handle.reset();
    // A warning still yields an image, and OpenCV and PIL accept those (e.g. "extraneous bytes
    // before marker"), except a file that ends early: libjpeg pads it with grey; we report it.
    if (reason.find("Premature end of JPEG file") != std::string::npos) {
      throw DecodeError("cannot decode " + name + ": truncated JPEG data (" + reason + ")");
    }
    if (!warning) throw DecodeError("cannot decode " + name + ": corrupt JPEG data (" + reason + ")");
  }
  if (cmyk) cmyk_to(cmyk_pixels, image);
  return oriented(std::move(image), exif_orientation(bytes));
}

}  // namespace tessera::io::detail
