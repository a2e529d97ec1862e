// Data fingerprints (see fingerprint.h for the framing).
#include "tessera/data/fingerprint.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include "tessera/core/error.h"
#include "tessera/core/progress.h"
#include "tessera/data/loader.h"
#include "tessera/data/sha256.h"
#include "tessera/data/text_corpus.h"

namespace tessera::data {
namespace fs = std::filesystem;
namespace {

void put_length(Sha256& hash, std::uint64_t length) {
  std::array<unsigned char, 8> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(length >> (8 * i));
  hash.update(bytes.data(), bytes.size());
}

void put_field(Sha256& hash, const std::string& field) {
  put_length(hash, field.size());
  hash.update(field);
}

// `path` relative to `base`, '/'-separated; the path as given when it does not lie under `base`
// in a way lexically_relative can express (an empty base, a different root).
std::string relative_name(const fs::path& path, const fs::path& base) {
  if (base.empty()) return path.generic_string();
  const fs::path relative = path.lexically_relative(base);
  return relative.empty() ? path.generic_string() : relative.generic_string();
}

}  // namespace

std::vector<FingerprintItem> fingerprint_items(const ClassificationDataset& dataset) {
  std::error_code ec;
  const fs::path base = fs::is_directory(dataset.root, ec) ? dataset.root : dataset.root.parent_path();
  std::vector<FingerprintItem> items;
  items.reserve(dataset.samples.size());
  for (const auto& sample : dataset.samples) {
    const bool labelled = sample.label >= 0 && static_cast<std::size_t>(sample.label) < dataset.classes.size();
    items.push_back({sample.path, relative_name(sample.path, base),
                     labelled ? dataset.classes[static_cast<std::size_t>(sample.label)] : std::string()});
  }
  return items;
}

std::vector<FingerprintItem> text_fingerprint_items(const fs::path& file_or_folder) {
  std::error_code ec;
  if (fs::is_regular_file(file_or_folder, ec)) {
    return {{file_or_folder, file_or_folder.filename().generic_string(), ""}};
  }
  const std::vector<fs::path> files = list_text_files(file_or_folder);  // the order of read_documents
  std::vector<FingerprintItem> items;
  for (auto& file : files) items.push_back({file, relative_name(file, file_or_folder), ""});
  return items;
}

SplitFingerprint fingerprint(const std::vector<FingerprintItem>& items, const std::string& what) {
  Sha256 hash;
  SplitFingerprint result;
  std::vector<char> buffer(1 << 20);
  Progress bar("fingerprint " + what, static_cast<std::int64_t>(items.size()), "file", 10000);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const FingerprintItem& item = items[i];
    // The size first: the framing states the length before the content.
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(item.path, ec);
    std::ifstream in(item.path, std::ios::binary);
    if (ec || !in) throw UserError("cannot read " + opaque_reference(what + " sample", i, item.path) + " to fingerprint it");
    put_field(hash, item.name);
    put_field(hash, item.label);
    put_length(hash, size);
    std::uintmax_t read = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<std::size_t>(in.gcount());
      hash.update(buffer.data(), got);
      read += got;
    }
    if (in.bad() || read != size) {
      throw UserError("cannot read " + opaque_reference(what + " sample", i, item.path) + " to fingerprint it" +
                      (in.bad() ? std::string(" (read error)") : std::string(" (it changed size while being read)")));
    }
    result.bytes += static_cast<std::int64_t>(size);
    ++result.files;
    bar.update(static_cast<std::int64_t>(i + 1));
  }
  bar.finish();
  result.sha256 = hash.hex_digest();
  return result;
}

nlohmann::json to_json(const SplitFingerprint& fingerprint) {
  return {{"files", fingerprint.files}, {"bytes", fingerprint.bytes}, {"sha256", fingerprint.sha256}};
}

}  // namespace tessera::data
