#include "tessera/text/pretokenize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

using Chunks = std::vector<std::string_view>;

TEST(Pretokenize, WordsTakeTheSpaceBeforeThem) {
  EXPECT_EQ(split_pretokens("Hello world"), (Chunks{"Hello", " world"}));
  EXPECT_EQ(split_pretokens("Hello, world!"), (Chunks{"Hello", ",", " world", "!"}));
  EXPECT_EQ(split_pretokens("in 2024 42x"), (Chunks{"in", " 2024", " 42", "x"}));
}

TEST(Pretokenize, Contractions) {
  EXPECT_EQ(split_pretokens("don't we'll I'm"), (Chunks{"don", "'t", " we", "'ll", " I", "'m"}));
  EXPECT_EQ(split_pretokens("DON'T"), (Chunks{"DON", "'", "T"}));  // case-sensitive, as GPT-2
}

TEST(Pretokenize, WhitespaceRuns) {
  // Two spaces before a word: the first stands alone, the second starts " b".
  EXPECT_EQ(split_pretokens("a  b"), (Chunks{"a", " ", " b"}));
  // CRLF and blank lines: the run less its last character, then the last one alone.
  EXPECT_EQ(split_pretokens("a\r\n\r\nb"), (Chunks{"a", "\r\n\r", "\n", "b"}));
  EXPECT_EQ(split_pretokens("a\nb"), (Chunks{"a", "\n", "b"}));
  EXPECT_EQ(split_pretokens("end   "), (Chunks{"end", "   "}));  // trailing run stays whole
  EXPECT_EQ(split_pretokens(" "), (Chunks{" "}));
}

TEST(Pretokenize, UnicodeClasses) {
  const std::string korean = encode_utf8(U"\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8");  // 한국어 텍스트
  EXPECT_EQ(split_pretokens(korean),
            (Chunks{encode_utf8(U"\uD55C\uAD6D\uC5B4"), encode_utf8(U" \uD14D\uC2A4\uD2B8")}));
  // Emoji (So) and ZWJ (Cf) are "other": one run. U+3000 IDEOGRAPHIC SPACE is whitespace.
  const std::string emoji = encode_utf8(U"hi \U0001F468\u200D\U0001F469\u3000ok");
  EXPECT_EQ(split_pretokens(emoji), (Chunks{"hi", encode_utf8(U" \U0001F468\u200D\U0001F469"),
                                            encode_utf8(U"\u3000"), "ok"}));
  EXPECT_EQ(classify_code_point(0x00A0), CharClass::whitespace);  // NO-BREAK SPACE (Zs)
  EXPECT_EQ(classify_code_point(0x0085), CharClass::whitespace);  // NEL: White_Space, category Cc
  EXPECT_EQ(classify_code_point(0x001F), CharClass::other);       // not White_Space
  EXPECT_EQ(classify_code_point(0x0661), CharClass::number);      // ARABIC-INDIC DIGIT ONE
  EXPECT_EQ(classify_code_point(0x2167), CharClass::number);      // ROMAN NUMERAL EIGHT (Nl)
  EXPECT_EQ(classify_code_point(0x00E9), CharClass::letter);
}

TEST(Pretokenize, IllFormedBytesAreOtherAndKept) {
  const std::string text = "ab\xFF\xFE cd";
  EXPECT_EQ(split_pretokens(text), (Chunks{"ab", "\xFF\xFE", " cd"}));
}

TEST(Pretokenize, ChunksConcatenateToTheInput) {
  const std::string text = "  Mixed\t\tcontent: 3.14, don't\r\n\n  " + encode_utf8(U"caf\u00E9 \u20AC5 \U0001F600!!") + "  ";
  std::string joined;
  for (const auto chunk : split_pretokens(text)) {
    EXPECT_FALSE(chunk.empty());
    joined += chunk;
  }
  EXPECT_EQ(joined, text);
}

// The same chunks as GPT-2's regex, run by Python's `regex` module, on crafted text and (when
// the Debian package `fortunes` is installed) on 2.6 MB of English.
TEST(Pretokenize, MatchesGpt2RegexInPython) {
  const std::string python = TESSERA_PYTHON_EXE;
  if (python.empty() || std::system((python + " -c 'import regex' >/dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "Python at '" << python << "' lacks the `regex` module";
  }
  std::string text =
      "Hello, world! It's 2024; we'll see... don't  stop\r\n\r\n\ttabs\t\t and   spaces \n"
      "x'sy ''s 'S 'LL ---> ===\x0b\x0c\x1c\x1d end.  \n  " +
      encode_utf8(U"\u00A0nbsp\u2003em\u3000ideo \u0085nel caf\u00E9 e\u0301 \u0661\u0662 \u2167 "
                  U"\uD55C\uAD6D\uC5B4 \U0001F468\u200D\U0001F469 \u00BD \u2028x\u2029 ");
  const std::filesystem::path fortunes = "/usr/share/games/fortunes";
  std::size_t fortune_files = 0;
  if (std::filesystem::is_directory(fortunes)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(fortunes)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && !entry.is_symlink() && ext != ".dat" && ext != ".u8") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) text += read_file(f);
    fortune_files = files.size();
  }
  testing::TempDir dir("pretok");
  testing::write_text(dir / "in.txt", text);
  const std::string command = python + " '" TESSERA_SOURCE_DIR "/tests/text/pretokenize_reference.py' '" +
                              (dir / "in.txt").string() + "' '" + (dir / "out.json").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto expected = nlohmann::json::parse(read_file(dir / "out.json"));
  const auto chunks = split_pretokens(text);
  ASSERT_EQ(chunks.size(), expected.size()) << "with " << fortune_files << " fortune files";
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    ASSERT_EQ(chunks[i], expected[i].get<std::string>()) << "chunk " << i;
  }
}

}  // namespace
}  // namespace tessera::text
