#pragma once
// Plain UTF-8 corpora for the language model, taken from Debian packages so that they need no
// download and come with a known licence (`tessera prepare corpus-en | corpus-ko`):
//   corpus-en  package `fortunes`: ~2.6 MB of English fortune cookies (BSD) -> <out>/fortunes.txt
//   corpus-ko  package `debian-faq-ko`: the Debian FAQ in Korean (~196 KB) -> <out>/debian-faq-ko.txt
// Beside the text, SOURCE.txt says where it came from: package, version, licence, bytes,
// characters and how many ill-formed UTF-8 sequences were replaced by U+FFFD (reported, never
// silent). The folder is written as <out>.tmp and renamed, so <out> holds the old corpus or the
// new one, never half of one.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tessera::data {

inline constexpr const char* kFortunesDir = "/usr/share/games/fortunes";
inline constexpr const char* kDebianFaqKo = "/usr/share/doc/debian/FAQ/debian-faq.ko.txt.gz";

struct PreparedCorpus {
  std::filesystem::path text_file;  // <out>/fortunes.txt or <out>/debian-faq-ko.txt
  std::string package;
  std::string version;              // "unknown" when neither dpkg nor the changelog says
  std::size_t source_files = 0;
  std::int64_t bytes = 0;           // of text_file
  std::int64_t characters = 0;      // code points of text_file
  std::size_t replaced = 0;         // ill-formed UTF-8 sequences replaced by U+FFFD
};

// corpus-en from `source` (default kFortunesDir): every regular file that is not an index
// (*.dat) or a link (the *.u8 names point at the same files), sorted by name, joined as text
// with a blank line between fortunes. UserError naming the package and the apt-get command when
// the folder holds no fortunes.
PreparedCorpus prepare_corpus_en(const std::filesystem::path& out, const std::filesystem::path& source = {});

// corpus-ko from `source` (default kDebianFaqKo), decompressed by `gzip -dc` and NFC-normalised
// (Korean can arrive as conjoining jamo; the tokenizers see NFC). Same UserError when missing.
PreparedCorpus prepare_corpus_ko(const std::filesystem::path& out, const std::filesystem::path& source = {});

// One fortune file as plain text: every line that holds a single "%" (the separator of the
// strfile format) becomes a blank line, so fortunes read as paragraphs.
std::string fortunes_as_text(std::string_view file);

}  // namespace tessera::data
