// Fuzz target: the image decoder path, tessera::io::decode_image_bytes: TurboJPEG for JPEG data
// (with the EXIF orientation parser and CMYK conversion), OpenCV's imdecode for everything else.
//
// Feeds: the input as an encoded image; the requested channel count (0 = as stored, 1, 3) is
// picked by the input length, so every seed is tried with each as it is mutated.
// Expected: an Image, or tessera::DecodeError "cannot decode ...: reason".
// Checked for an image that decodes: height, width > 0, channels as requested (1 or 3 for "as
// stored"), and exactly height x width x channels bytes.
// Resource bound of this harness (not of the library): images are capped at 2^24 pixels, through
// OpenCV's own setting OPENCV_IO_MAX_IMAGE_PIXELS for its decoders (read while OpenCV loads, so
// the target sets it and re-executes itself once) and by reading the JPEG header first for
// TurboJPEG, so a 4-byte change to a header cannot ask for the library's full 2^30
// pixels (3 GiB) and trip -rss_limit_mb. Larger claims still go through OpenCV, which refuses
// them with a DecodeError. OpenCV, libjpeg-turbo, libpng, libtiff, libwebp and OpenJPEG are the
// Debian builds, not instrumented.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include <unistd.h>

#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/io/image.h"
#include "tessera/io/image_codecs.h"

#ifdef TESSERA_WITH_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace {

constexpr long long kHarnessMaxPixels = 1LL << 24;

// True when a JPEG header claims more pixels than this harness lets a decoder allocate.
bool jpeg_too_large_for_harness([[maybe_unused]] std::span<const std::uint8_t> bytes) {
#ifdef TESSERA_WITH_TURBOJPEG
  if (!tessera::io::detail::starts_like_jpeg(bytes)) return false;
  static thread_local tjhandle handle = tjInitDecompress();
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, bytes.data(), bytes.size(), &width, &height, &subsampling, &colorspace) != 0) {
    tjDestroy(handle);  // a failed header call can leave the handle mid-stream (see image_turbojpeg.cpp)
    handle = tjInitDecompress();
    return false;  // the library reports the bad header itself
  }
  return static_cast<long long>(width) * height > kHarnessMaxPixels;
#else
  return false;
#endif
}

}  // namespace

// OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, while the library loads: set it and start again.
extern "C" int LLVMFuzzerInitialize(int*, char*** argv) {
  const std::string limit = std::to_string(kHarnessMaxPixels);
  const char* current = std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS");
  if (current == nullptr || limit != current) {
    setenv("OPENCV_IO_MAX_IMAGE_PIXELS", limit.c_str(), /*overwrite=*/1);
    execv("/proc/self/exe", *argv);
    std::perror("image_fuzz: cannot re-execute itself with OPENCV_IO_MAX_IMAGE_PIXELS set");
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  if (jpeg_too_large_for_harness(bytes)) return 0;
  static constexpr int kChannels[] = {0, 1, 3};
  const int channels = kChannels[size % 3];
  tessera::io::Image image;
  try {
    image = tessera::io::decode_image_bytes(bytes, channels, "fuzz-input");
  } catch (const tessera::UserError&) {
    return 0;  // documented: DecodeError for empty, corrupt, truncated or unsupported data
  }
  FUZZ_CHECK(image.height > 0 && image.width > 0, "an empty image decoded without an error");
  FUZZ_CHECK(channels == 0 ? (image.channels == 1 || image.channels == 3) : image.channels == channels,
             "asked for " + std::to_string(channels) + " channels, got " + std::to_string(image.channels));
  FUZZ_CHECK(image.pixels.size() == static_cast<std::size_t>(image.height) * image.width * image.channels,
             "pixel buffer size does not match " + std::to_string(image.height) + "x" + std::to_string(image.width) +
                 "x" + std::to_string(image.channels));
  return 0;
}
