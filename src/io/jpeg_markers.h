#pragma once
// What a JPEG stream says about its own colour space, read from its markers the way libjpeg does
// (jdapimin.c, default_decompress_parms): a JFIF APP0 marker means YCbCr; an Adobe APP14 marker
// means RGB when its transform flag is 0 and YCbCr otherwise. Used where a DICOM header's
// Photometric Interpretation and the stream disagree (a JFIF stream in a file labelled RGB would
// otherwise come out in false colour). Internal to src/io; no DCMTK.
#include <cstddef>
#include <cstdint>

namespace tessera::io::detail {

enum class JpegColour : std::uint8_t {
  unknown,  // no JFIF or Adobe marker before the first scan (or not a JPEG stream): trust the header
  ycbcr,
  rgb,
};

// Reads markers from SOI up to the first SOS; never past `size`.
JpegColour jpeg_stream_colour(const std::uint8_t* data, std::size_t size);

}  // namespace tessera::io::detail
