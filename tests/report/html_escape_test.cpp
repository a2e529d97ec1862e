// Escaping of data-derived text: class names are folder names and can hold anything.
#include <gtest/gtest.h>

#include "tessera/report/html.h"

namespace tessera::report {
namespace {

TEST(EscapeHtml, EscapesEveryMarkupCharacterOfAHostileClassName) {
  EXPECT_EQ(escape_html("<script>&\"x'"), "&lt;script&gt;&amp;&quot;x&#39;");
  EXPECT_EQ(escape_html("a</svg><img src=x onerror=alert(1)>"),
            "a&lt;/svg&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(escape_html("&amp;"), "&amp;amp;");  // escaped again, not taken as an entity
}

TEST(EscapeHtml, KeepsUtf8AndWhitespace) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC 5\t\xF0\x9F\x98\x80\nline\r";
  EXPECT_EQ(escape_html(text), text);
}

TEST(EscapeHtml, ReplacesWhatXmlForbids) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(escape_html(std::string("a\x01" "b\x1F" "c\x7F", 6)), "a" + fffd + "b" + fffd + "c" + fffd);
  EXPECT_EQ(escape_html(std::string("x\0y", 3)), "x" + fffd + "y");
  EXPECT_EQ(escape_html("\xFF\xFE"), fffd + fffd);                // bytes that are never UTF-8
  EXPECT_EQ(escape_html("\xC0\xAF"), fffd + fffd);                // overlong '/'
  EXPECT_EQ(escape_html("\xED\xA0\x80"), fffd + fffd + fffd);     // a UTF-16 surrogate
  EXPECT_EQ(escape_html("ok\xE2\x82"), "ok" + fffd + fffd);       // truncated at the end
}

TEST(Shorten, CutsAtCodePointsAndMarksTheCut) {
  EXPECT_EQ(shorten("abcdef", 6), "abcdef");
  EXPECT_EQ(shorten("abcdefg", 6), "abcde\xE2\x80\xA6");
  EXPECT_EQ(shorten("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xE2\x80\xA6");  // never inside a code point
  EXPECT_EQ(shorten("abc", 0), "");
}

}  // namespace
}  // namespace tessera::report
