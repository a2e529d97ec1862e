#pragma once
// The decoders behind decode_image (tessera/io/image.h), one per optional library. Callers use
// image.h; this header is for src/io/image_decode.cpp, which picks a decoder per file (the one
// place that decision is made), and for tests and benchmarks that compare the decoders.
//
// Each function here follows decode_image's contract for the data it is given: DecodeError
// ("cannot decode <name>: <reason>") for corrupt, truncated or oversized data; `channels` is
// already checked to be 0, 1 or 3.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "tessera/io/image.h"

namespace tessera::io::detail {

// True when the data starts with a JPEG start-of-image marker (FF D8 FF).
bool starts_like_jpeg(std::span<const std::uint8_t> head);

// Which decoder this build uses for JPEG data: "TurboJPEG", "OpenCV" or "none".
std::string_view jpeg_decoder_name();

#ifdef TESSERA_WITH_TURBOJPEG
// libjpeg-turbo's TurboJPEG API (src/io/image_turbojpeg.cpp): JPEG only (baseline, progressive,
// grey, YCbCr, CMYK/YCCK), EXIF orientation applied, results equal to OpenCV 4.6's imread of the
// same file (both are libjpeg-turbo with its default accurate integer DCT and smooth upsampling),
// except that truncated data is a DecodeError (imread pads it with grey).
Image decode_jpeg_turbojpeg(std::span<const std::uint8_t> bytes, int channels, const std::string& name);
#endif

#ifdef TESSERA_WITH_OPENCV
// OpenCV's imread / imdecode / imencode (src/io/image_opencv.cpp): every format it was built with.
Image decode_file_opencv(const std::filesystem::path& path, int channels);
Image decode_bytes_opencv(std::span<const std::uint8_t> bytes, int channels, const std::string& name);
void write_png_opencv(const std::filesystem::path& path, const Image& image);
#endif

}  // namespace tessera::io::detail
