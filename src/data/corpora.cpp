#include "tessera/data/corpora.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "gzip_file.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/core/remove_tree.h"
#include "tessera/text/normalize.h"
#include "tessera/text/utf8.h"

namespace tessera::data {
namespace fs = std::filesystem;
namespace {

std::string install_hint(const std::string& package) {
  return " (Debian package " + package + ": apt-get install " + package + ", or tools/setup.sh)";
}

// The installed version, for SOURCE.txt: dpkg's own record (its status file), else the first line
// of the package's Debian changelog ("name (version) distribution; ..."), which stays behind in
// copied images that dropped dpkg's database.
std::string package_version(const std::string& package) {
  std::ifstream status("/var/lib/dpkg/status");
  std::string line, version;
  bool ours = false, installed = false;
  const auto found = [&] { return ours && installed && !version.empty(); };
  while (std::getline(status, line)) {
    if (line.empty()) {  // the end of one package's stanza
      if (found()) return version;
      ours = installed = false;
      version.clear();
    } else if (line.starts_with("Package: ")) {
      ours = line.substr(9) == package;
    } else if (line.starts_with("Status: ")) {
      installed = line.ends_with(" installed");
    } else if (line.starts_with("Version: ")) {
      version = line.substr(9);
    }
  }
  if (found()) return version;
  const fs::path changelog = fs::path("/usr/share/doc") / package / "changelog.Debian.gz";
  std::error_code ec;
  if (fs::exists(changelog, ec)) {
    try {
      const std::string text = detail::read_gzip_file(changelog);
      const auto open = text.find('('), close = text.find(')');
      if (open < close && close < text.find('\n')) return text.substr(open + 1, close - open - 1);
    } catch (const UserError&) {  // an unreadable changelog leaves the version unknown
    }
  }
  return "unknown";
}

std::int64_t count_code_points(std::string_view valid_utf8) {
  return std::count_if(valid_utf8.begin(), valid_utf8.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// Well-formed UTF-8 with every ill-formed sequence replaced by U+FFFD, each file's count logged
// with the offset of its first problem, so a damaged package is visible rather than silent.
std::string valid_text(const std::string& bytes, const fs::path& file, std::size_t& replaced) {
  const std::size_t first = text::find_invalid_utf8(bytes);
  if (first == std::string_view::npos) return bytes;
  std::size_t count = 0;
  std::string valid = text::to_valid_utf8(bytes, text::Utf8Policy::replace, &count);
  log::warn(file.string(), ": ", count, " ill-formed UTF-8 sequence(s) replaced by U+FFFD (the first at byte offset ",
            first, ")");
  replaced += count;
  return valid;
}

// Writes the corpus folder as <out>.tmp and renames it over <out>: never half a corpus.
void publish(const fs::path& out, const std::string& text_name, const std::string& text, const std::string& source) {
  fs::path tmp = out, old = out;
  tmp += ".tmp";
  old += ".old";
  try {
    tessera::remove_tree(tmp);
    if (!fs::exists(out)) tessera::remove_tree(old);  // leftovers of a run interrupted between the renames
    fs::create_directories(tmp);
    write_file_atomic(tmp / text_name, text);
    write_file_atomic(tmp / "SOURCE.txt", source);
    if (fs::exists(out)) {
      tessera::remove_tree(old);
      fs::rename(out, old);
    }
    fs::rename(tmp, out);
    tessera::remove_tree(old);
  } catch (const fs::filesystem_error& e) {
    throw UserError("cannot write the corpus " + out.string() + ": " + e.what());
  }
}

fs::path clean(const fs::path& out) {
  fs::path path = out.lexically_normal();
  if (path.filename().empty()) path = path.parent_path();  // "dir/" -> "dir"
  return path;
}

std::string describe(const PreparedCorpus& corpus) {
  std::ostringstream s;
  s << "file: " << corpus.text_file.filename().string() << "\n"
    << "bytes: " << corpus.bytes << "\n"
    << "characters: " << corpus.characters << " (Unicode code points)\n"
    << "replaced: " << corpus.replaced << " ill-formed UTF-8 sequence(s) by U+FFFD\n";
  return s.str();
}

}  // namespace

std::string fortunes_as_text(std::string_view file) {
  std::string text;
  text.reserve(file.size());
  std::size_t begin = 0;
  while (begin < file.size()) {
    std::size_t end = file.find('\n', begin);
    const bool last = end == std::string_view::npos;
    if (last) end = file.size();
    const std::string_view line = file.substr(begin, end - begin);
    if (line != "%") text.append(line);
    if (!last) text.push_back('\n');
    begin = end + 1;
  }
  return text;
}

PreparedCorpus prepare_corpus_en(const fs::path& out_arg, const fs::path& source_arg) {
  const fs::path source = source_arg.empty() ? fs::path(kFortunesDir) : source_arg;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(source, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const auto ext = it->path().extension();
    if (it->is_symlink() || !it->is_regular_file() || ext == ".dat" || ext == ".u8") continue;
    files.push_back(it->path());
  }
  if (files.empty()) throw UserError("no fortune files in " + source.string() + install_hint("fortunes"));
  std::sort(files.begin(), files.end());

  PreparedCorpus corpus;
  corpus.package = "fortunes";
  corpus.version = source_arg.empty() ? package_version("fortunes") : "unknown (--source " + source.string() + ")";
  corpus.source_files = files.size();
  const fs::path out = clean(out_arg);
  corpus.text_file = out / "fortunes.txt";
  std::string text, names;
  for (const auto& file : files) {
    std::string part = fortunes_as_text(valid_text(read_file(file), file, corpus.replaced));
    if (part.empty()) continue;
    // Files end with a separator, i.e. a blank line; make sure none runs into the next file.
    if (part.back() != '\n') part.push_back('\n');
    if (part.size() < 2 || part[part.size() - 2] != '\n') part.push_back('\n');
    text += part;
    names += (names.empty() ? "" : ", ") + file.filename().string();
  }
  corpus.bytes = static_cast<std::int64_t>(text.size());
  corpus.characters = count_code_points(text);

  std::ostringstream s;
  s << "English fortune cookies, joined by `tessera prepare corpus-en`\n"
    << "package: fortunes " << corpus.version << " (Debian)\n"
    << "licence: BSD (/usr/share/doc/fortunes/copyright)\n"
    << "source: " << fs::absolute(source).string() << ", " << files.size() << " files: " << names << "\n"
    << "format: fortunes separated by a blank line (each \"%\" separator line became an empty line)\n"
    << describe(corpus);
  publish(out, corpus.text_file.filename().string(), text, s.str());
  log::info("corpus-en: ", corpus.bytes, " bytes, ", corpus.characters, " characters from ", files.size(),
            " fortune files into ", corpus.text_file.string());
  return corpus;
}

PreparedCorpus prepare_corpus_ko(const fs::path& out_arg, const fs::path& source_arg) {
  const fs::path source = source_arg.empty() ? fs::path(kDebianFaqKo) : source_arg;
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) throw UserError(source.string() + " not found" + install_hint("debian-faq-ko"));
  const std::string unzipped = detail::read_gzip_file(source);
  if (unzipped.empty()) throw UserError(source.string() + " holds no text");

  PreparedCorpus corpus;
  corpus.package = "debian-faq-ko";
  corpus.version = source_arg.empty() ? package_version("debian-faq-ko") : "unknown (--source " + source.string() + ")";
  corpus.source_files = 1;
  const fs::path out = clean(out_arg);
  corpus.text_file = out / "debian-faq-ko.txt";
  const std::string valid = valid_text(unzipped, source, corpus.replaced);
  const std::int64_t before_nfc = count_code_points(valid);
  const std::string text = text::normalize_nfc(valid);
  corpus.bytes = static_cast<std::int64_t>(text.size());
  corpus.characters = count_code_points(text);

  std::ostringstream s;
  s << "The Debian FAQ in Korean, decompressed and NFC-normalised by `tessera prepare corpus-ko`\n"
    << "package: debian-faq-ko " << corpus.version << " (Debian)\n"
    << "licence: verbatim and modified copies permitted with the notice kept, Software in the Public Interest "
       "(/usr/share/doc/debian-faq-ko/copyright)\n"
    << "source: " << fs::absolute(source).string() << "\n"
    << "normalisation: NFC (" << before_nfc << " code points before, " << corpus.characters << " after)\n"
    << describe(corpus);
  publish(out, corpus.text_file.filename().string(), text, s.str());
  log::info("corpus-ko: ", corpus.bytes, " bytes, ", corpus.characters, " characters into ", corpus.text_file.string());
  return corpus;
}

}  // namespace tessera::data
