// The colour space a JPEG stream declares, as libjpeg reads it (src/io/jpeg_markers.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "../../src/io/jpeg_markers.h"

using tessera::io::detail::JpegColour;
using tessera::io::detail::jpeg_stream_colour;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes segment(std::uint8_t marker, const Bytes& body) {
  const std::size_t length = body.size() + 2;
  Bytes out = {0xFF, marker, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xFF)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes jfif() { return segment(0xE0, {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}); }
Bytes adobe(std::uint8_t transform) { return segment(0xEE, {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, transform}); }
Bytes sos() { return {0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0}; }

Bytes stream(std::initializer_list<Bytes> parts) {
  Bytes out = {0xFF, 0xD8};
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

JpegColour colour(const Bytes& b) { return jpeg_stream_colour(b.data(), b.size()); }

}  // namespace

TEST(JpegMarkers, JfifMeansYcbcrAndWinsOverAdobe) {
  EXPECT_EQ(colour(stream({jfif(), sos()})), JpegColour::ycbcr);
  EXPECT_EQ(colour(stream({jfif(), adobe(0), sos()})), JpegColour::ycbcr);
}

TEST(JpegMarkers, AdobeTransformZeroIsRgbAnyOtherYcbcr) {
  EXPECT_EQ(colour(stream({adobe(0), sos()})), JpegColour::rgb);
  EXPECT_EQ(colour(stream({adobe(1), sos()})), JpegColour::ycbcr);
  EXPECT_EQ(colour(stream({adobe(2), sos()})), JpegColour::ycbcr);
}

TEST(JpegMarkers, WithoutMarkersOrOnBadDataTheHeaderDecides) {
  EXPECT_EQ(colour(stream({sos()})), JpegColour::unknown);
  EXPECT_EQ(colour(Bytes{}), JpegColour::unknown);
  EXPECT_EQ(colour(Bytes{0x00, 0x01, 0x02, 0x03}), JpegColour::unknown);  // no SOI
  Bytes cut = stream({jfif()});
  cut.resize(cut.size() - 4);  // the JFIF segment runs past the end
  EXPECT_EQ(colour(cut), JpegColour::unknown);
  // A marker after the first scan does not count.
  EXPECT_EQ(colour(stream({sos(), jfif()})), JpegColour::unknown);
}
