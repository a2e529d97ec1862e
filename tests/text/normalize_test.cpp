#include "tessera/text/normalize.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

TEST(Normalize, KoreanConjoiningJamoComposeToSyllables) {
  // "한국어" typed as conjoining jamo: 한 = U+1112 U+1161 U+11AB, 국 = U+1100 U+116E U+11A8,
  // 어 = U+110B U+1165 (Python: unicodedata.normalize("NFD", "한국어")).
  const std::string jamo = encode_utf8(U"\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165");
  const std::string syllables = encode_utf8(U"\uD55C\uAD6D\uC5B4");
  EXPECT_EQ(normalize_nfc(jamo), syllables);
  EXPECT_EQ(normalize_nfc(syllables), syllables);
}

TEST(Normalize, CombiningMarksAndSingletons) {
  EXPECT_EQ(normalize_nfc(encode_utf8(U"e\u0301")), encode_utf8(U"\u00E9"));      // e + acute -> é
  EXPECT_EQ(normalize_nfc(encode_utf8(U"\u212B")), encode_utf8(U"\u00C5"));       // ANGSTROM SIGN -> Å
  EXPECT_EQ(normalize_nfc(encode_utf8(U"\u1E0B\u0323")), encode_utf8(U"\u1E0D\u0307"));  // canonical reordering
  // NFC is not NFKC: compatibility characters stay.
  EXPECT_EQ(normalize_nfc(encode_utf8(U"\uFB01")), encode_utf8(U"\uFB01"));       // ﬁ ligature
}

TEST(Normalize, KeepsEmbeddedNulAndLineEnds) {
  const std::string text = std::string("a\0b\r\n", 5) + encode_utf8(U"e\u0301");
  EXPECT_EQ(normalize_nfc(text), std::string("a\0b\r\n", 5) + encode_utf8(U"\u00E9"));
}

TEST(Normalize, AsciiAndLatin1AreUnchanged) {
  const std::string text = "Plain ASCII, and Latin-1: " + encode_utf8(U"\u00E9\u00FC\u00DF\u02FF");
  EXPECT_EQ(normalize_nfc(text), text);
  EXPECT_EQ(normalize(encode_utf8(U"e\u0301"), Normalization::none), encode_utf8(U"e\u0301"));
}

TEST(Normalize, RefusesIllFormedInput) {
  EXPECT_THROW(normalize_nfc("\xCC\x81\xFF"), std::invalid_argument);
}

TEST(Normalize, NamesAndLibraryVersion) {
  EXPECT_EQ(parse_normalization("nfc"), Normalization::nfc);
  EXPECT_EQ(parse_normalization("none"), Normalization::none);
  EXPECT_EQ(parse_normalization("NFKC"), std::nullopt);
  EXPECT_EQ(to_string(Normalization::nfc), "nfc");
  EXPECT_EQ(unicode_library_version().rfind("utf8proc 2.", 0), 0u) << unicode_library_version();
}

}  // namespace
}  // namespace tessera::text
