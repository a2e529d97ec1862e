#include "tessera/data/text_corpus.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tessera/core/error.h"
#include "tessera/data/loader.h"

namespace tessera::data {
namespace fs = std::filesystem;
namespace {

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read text file " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw UserError("cannot read text file " + path.string());
  return bytes.str();
}

bool hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

// Code points of (well-formed) UTF-8: every byte that does not continue a sequence.
std::int64_t count_characters(const std::string& text) {
  return static_cast<std::int64_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

std::vector<fs::path> list_text_files(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw UserError("text data not found: " + folder.string());
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) throw UserError("cannot list text folder " + folder.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> read_documents(const fs::path& file_or_folder) {
  std::error_code ec;
  if (fs::is_regular_file(file_or_folder, ec)) {
    std::vector<std::string> one{read_bytes(file_or_folder)};
    if (one.front().empty()) throw UserError("text file " + file_or_folder.string() + " is empty");
    return one;
  }
  const std::vector<fs::path> files = list_text_files(file_or_folder);
  std::vector<std::string> documents;
  for (const auto& file : files) {
    std::string bytes = read_bytes(file);
    if (!bytes.empty()) documents.push_back(std::move(bytes));
  }
  if (documents.empty()) throw UserError("no text in " + file_or_folder.string());
  return documents;
}

TokenStream tokenize_documents(const std::vector<std::string>& documents, const text::Tokenizer& tokenizer,
                               text::EncodeReport* report) {
  TokenStream stream;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    if (d > 0) stream.tokens.push_back(tokenizer.eot_id());
    const auto ids = tokenizer.encode(documents[d], report);
    stream.tokens.insert(stream.tokens.end(), ids.begin(), ids.end());
    stream.characters += count_characters(documents[d]);
    stream.bytes += static_cast<std::int64_t>(documents[d].size());
  }
  return stream;
}

std::pair<TokenStream, TokenStream> split_by_position(const TokenStream& stream, double fraction,
                                                      std::int64_t min_tokens) {
  const auto total = static_cast<std::int64_t>(stream.tokens.size());
  const auto held_out = static_cast<std::int64_t>(static_cast<double>(total) * fraction);
  if (total - held_out < min_tokens || held_out < min_tokens) {
    throw UserError("the training text has " + std::to_string(total) + " tokens: too few to hold out " +
                    std::to_string(fraction) + " of it for validation with windows of " + std::to_string(min_tokens) +
                    " tokens (give data.val, a longer text or a smaller model.context)");
  }
  TokenStream train, val;
  train.tokens.assign(stream.tokens.begin(), stream.tokens.end() - held_out);
  val.tokens.assign(stream.tokens.end() - held_out, stream.tokens.end());
  // Characters and bytes in proportion (exact for char tokenizers without specials).
  const double share = static_cast<double>(held_out) / static_cast<double>(total);
  val.characters = static_cast<std::int64_t>(static_cast<double>(stream.characters) * share + 0.5);
  val.bytes = static_cast<std::int64_t>(static_cast<double>(stream.bytes) * share + 0.5);
  train.characters = stream.characters - val.characters;
  train.bytes = stream.bytes - val.bytes;
  return {std::move(train), std::move(val)};
}

std::vector<std::int64_t> random_window_starts(std::int64_t size, std::int64_t window, std::int64_t count,
                                               std::uint64_t seed, std::int64_t epoch, std::int64_t step) {
  if (size < window) {
    throw UserError("the text has " + std::to_string(size) + " tokens, fewer than one window of " +
                    std::to_string(window));
  }
  const auto choices = static_cast<std::uint64_t>(size - window + 1);
  std::uint64_t state = sample_seed(seed ^ 0x74657874ULL, epoch, static_cast<std::size_t>(step));  // "text"
  std::vector<std::int64_t> starts(static_cast<std::size_t>(count));
  for (auto& start : starts) {
    start = static_cast<std::int64_t>(uniform_below([&state] { return state = splitmix64(state); }, choices));
  }
  return starts;
}

std::vector<std::int64_t> sequential_window_starts(std::int64_t size, std::int64_t window, std::int64_t count,
                                                   std::int64_t stride, std::int64_t steps, std::int64_t epoch,
                                                   std::int64_t step) {
  if (size < window) {
    throw UserError("the text has " + std::to_string(size) + " tokens, fewer than one window of " +
                    std::to_string(window));
  }
  const std::int64_t choices = size - window + 1;
  const std::int64_t first = (std::max<std::int64_t>(epoch - 1, 0) * steps + step) * count;
  std::vector<std::int64_t> starts(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    // Modular arithmetic step by step keeps the product far from overflow on long runs.
    starts[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(
        (static_cast<unsigned __int128>(first + i) * static_cast<unsigned __int128>(stride)) % choices);
  }
  return starts;
}

std::vector<EvalWindow> evaluation_windows(std::int64_t size, std::int64_t context, std::int64_t stride) {
  std::vector<EvalWindow> windows;
  if (size < 2 || context < 1) return windows;
  stride = std::clamp<std::int64_t>(stride <= 0 ? context : stride, 1, context);
  std::int64_t scored_until = 0;  // the last target position scored so far
  for (std::int64_t from = 0; scored_until < size - 1; from += stride) {
    const std::int64_t start = std::min(from, std::max<std::int64_t>(0, size - 1 - context));
    const std::int64_t length = std::min(context, size - 1 - start);
    windows.push_back({start, length, scored_until + 1});
    scored_until = start + length;
  }
  return windows;
}

}  // namespace tessera::data
