// The text corpora of `tessera prepare corpus-en / corpus-ko`, on small stand-ins for the Debian
// packages' files (so these tests need neither package) plus the real ones when installed.
#include "tessera/data/corpora.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/utf8.h"

namespace tessera::data {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

std::string user_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Corpora, FortuneSeparatorsBecomeBlankLines) {
  EXPECT_EQ(fortunes_as_text("One.\n%\nTwo\nlines.\n%\n"), "One.\n\nTwo\nlines.\n\n");
  EXPECT_EQ(fortunes_as_text("100% sure\n%%\n %\n"), "100% sure\n%%\n %\n");  // only a lone "%" separates
  EXPECT_EQ(fortunes_as_text("no newline at the end\n%"), "no newline at the end\n");
}

TEST(Corpora, EnglishJoinsTheTextFilesOnlyAndCountsReplacements) {
  TempDir dir("corpora");
  const fs::path source = dir / "fortunes";
  write_text(source / "beta", "Beta one.\n%\nBeta two.\n%\n");
  write_text(source / "alpha", "Alpha \xff one.\n%\nAlpha two.");  // one ill-formed byte, no final separator
  write_text(source / "alpha.dat", std::string("\x00\x00\x00\x02index", 9));
  fs::create_symlink("alpha", source / "alpha.u8");

  const fs::path out = dir / "corpus-en";
  const PreparedCorpus corpus = prepare_corpus_en(out, source);
  const std::string text = read_file(out / "fortunes.txt");
  EXPECT_EQ(text, "Alpha \xEF\xBF\xBD one.\n\nAlpha two.\n\nBeta one.\n\nBeta two.\n\n");
  EXPECT_EQ(corpus.text_file, out / "fortunes.txt");
  EXPECT_EQ(corpus.source_files, 2u);
  EXPECT_EQ(corpus.replaced, 1u);
  EXPECT_EQ(corpus.bytes, static_cast<std::int64_t>(text.size()));
  EXPECT_EQ(corpus.characters, static_cast<std::int64_t>(text.size()) - 2);  // U+FFFD is 3 bytes
  EXPECT_TRUE(text::is_valid_utf8(text));

  const std::string source_txt = read_file(out / "SOURCE.txt");
  EXPECT_NE(source_txt.find("licence: BSD"), std::string::npos) << source_txt;
  EXPECT_NE(source_txt.find("replaced: 1 "), std::string::npos) << source_txt;
  EXPECT_NE(source_txt.find("characters: " + std::to_string(corpus.characters)), std::string::npos) << source_txt;
  EXPECT_NE(source_txt.find("2 files: alpha, beta"), std::string::npos) << source_txt;

  // Preparing again replaces the folder whole and leaves nothing beside it.
  write_text(source / "beta", "Changed.\n%\n");
  prepare_corpus_en(out, source);
  EXPECT_EQ(read_file(out / "fortunes.txt"), "Alpha \xEF\xBF\xBD one.\n\nAlpha two.\n\nChanged.\n\n");
  EXPECT_FALSE(fs::exists(dir / "corpus-en.tmp"));
  EXPECT_FALSE(fs::exists(dir / "corpus-en.old"));
}

TEST(Corpora, KoreanIsDecompressedAndNormalisedToNfc) {
  TempDir dir("corpora");
  // "한국어" typed as conjoining jamo (NFD): 8 code points that NFC composes into 3 syllables.
  const std::string nfd =
      "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB\xE1\x84\x80\xE1\x85\xAE\xE1\x86\xA8\xE1\x84\x8B\xE1\x85\xA5 FAQ\n";
  write_text(dir / "faq.txt", nfd);
  const std::string gzip = "gzip -n -c '" + (dir / "faq.txt").string() + "' > '" + (dir / "faq.txt.gz").string() + "'";
  ASSERT_EQ(std::system(gzip.c_str()), 0);

  const PreparedCorpus corpus = prepare_corpus_ko(dir / "corpus-ko/", dir / "faq.txt.gz");
  EXPECT_EQ(read_file(dir / "corpus-ko" / "debian-faq-ko.txt"), "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 FAQ\n");  // NFC
  EXPECT_EQ(corpus.characters, 8);  // 3 syllables, " FAQ\n"
  EXPECT_EQ(corpus.replaced, 0u);
  const std::string source_txt = read_file(dir / "corpus-ko" / "SOURCE.txt");
  EXPECT_NE(source_txt.find("NFC (13 code points before, 8 after)"), std::string::npos) << source_txt;
}

TEST(Corpora, MissingPackageFilesNameThePackageAndTheInstallCommand) {
  TempDir dir("corpora");
  const std::string en = user_error([&] { prepare_corpus_en(dir / "out", dir / "nowhere"); });
  EXPECT_NE(en.find("apt-get install fortunes"), std::string::npos) << en;
  EXPECT_NE(en.find((dir / "nowhere").string()), std::string::npos) << en;
  const std::string ko = user_error([&] { prepare_corpus_ko(dir / "out", dir / "faq.txt.gz"); });
  EXPECT_NE(ko.find("apt-get install debian-faq-ko"), std::string::npos) << ko;
  write_text(dir / "broken.gz", "not gzip at all");
  const std::string broken = user_error([&] { prepare_corpus_ko(dir / "out", dir / "broken.gz"); });
  EXPECT_NE(broken.find("cannot decompress " + (dir / "broken.gz").string()), std::string::npos) << broken;
  // gzip's own output cut in half: an error, not half a corpus.
  write_text(dir / "faq.txt", std::string(20000, 'x') + "\n");
  const std::string gzip = "gzip -n -c '" + (dir / "faq.txt").string() + "' > '" + (dir / "whole.gz").string() + "'";
  ASSERT_EQ(std::system(gzip.c_str()), 0);
  const std::string whole = read_file(dir / "whole.gz");
  write_text(dir / "cut.gz", whole.substr(0, whole.size() / 2));
  const std::string cut = user_error([&] { prepare_corpus_ko(dir / "out", dir / "cut.gz"); });
  EXPECT_NE(cut.find("cannot decompress " + (dir / "cut.gz").string()), std::string::npos) << cut;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// The packages themselves, when installed (tools/setup.sh installs both).
TEST(Corpora, DebianPackagesWhenInstalled) {
  if (!fs::is_directory(kFortunesDir) || !fs::exists(kDebianFaqKo)) {
    GTEST_SKIP() << "fortunes / debian-faq-ko not installed";
  }
  TempDir dir("corpora");
  const PreparedCorpus en = prepare_corpus_en(dir / "en");
  EXPECT_GT(en.bytes, 2000000);
  EXPECT_GT(en.source_files, 30u);
  EXPECT_NE(en.version, "unknown");
  const PreparedCorpus ko = prepare_corpus_ko(dir / "ko");
  EXPECT_GT(ko.characters, 100000);
  EXPECT_EQ(ko.replaced, 0u);
  EXPECT_TRUE(text::is_valid_utf8(read_file(ko.text_file)));
}

}  // namespace
}  // namespace tessera::data
