#include "tessera/text/char_tokenizer.h"

#include <algorithm>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/utf8.h"
#include "vocab_file.h"

namespace tessera::text {

std::string_view to_string(UnknownCharacter policy) {
  switch (policy) {
    case UnknownCharacter::error: return "error";
    case UnknownCharacter::unk: return "unk";
    case UnknownCharacter::skip: return "skip";
  }
  return "error";
}

std::optional<UnknownCharacter> parse_unknown_character(std::string_view name) {
  if (name == "error") return UnknownCharacter::error;
  if (name == "unk") return UnknownCharacter::unk;
  if (name == "skip") return UnknownCharacter::skip;
  return std::nullopt;
}

namespace {

void refuse_keep_bytes(const CharTokenizerOptions& options) {
  if (options.text.malformed == MalformedInput::keep_bytes) {
    throw UserError("the char tokenizer cannot keep ill-formed bytes (malformed_utf8: keep_bytes); "
                    "use error or replace");
  }
}

}  // namespace

CharTokenizer CharTokenizer::from_corpus(std::string_view corpus, const CharTokenizerOptions& options,
                                         EncodeReport* report) {
  refuse_keep_bytes(options);  // before reading the corpus, not after
  const std::string text = prepare_text(corpus, options.text, report);
  std::u32string code_points = decode_utf8(text, Utf8Policy::error);
  return CharTokenizer(std::move(code_points), options);
}

CharTokenizer::CharTokenizer(std::u32string code_points, const CharTokenizerOptions& options) : options_(options) {
  refuse_keep_bytes(options);
  std::sort(code_points.begin(), code_points.end());
  code_points.erase(std::unique(code_points.begin(), code_points.end()), code_points.end());
  for (const char32_t cp : code_points) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > kMaxCodePoint) {
      throw UserError("char tokenizer: " + code_point_label(cp) + " is not a Unicode scalar value");
    }
  }
  code_points_ = std::move(code_points);
  ascii_ids_.fill(-1);
  ids_.reserve(code_points_.size());
  for (std::size_t id = 0; id < code_points_.size(); ++id) {
    const char32_t cp = code_points_[id];
    if (cp < 128) ascii_ids_[cp] = static_cast<std::int32_t>(id);
    ids_.emplace(cp, static_cast<std::int32_t>(id));
  }
}

std::optional<std::int32_t> CharTokenizer::id_of(char32_t cp) const {
  if (cp < 128) {
    const std::int32_t id = ascii_ids_[cp];
    return id >= 0 ? std::optional<std::int32_t>(id) : std::nullopt;
  }
  const auto it = ids_.find(cp);
  return it == ids_.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
}

char32_t CharTokenizer::code_point(std::int32_t id) const {
  if (id < 0 || id >= eot_id()) {
    throw UserError("token id " + std::to_string(id) + " is not a character token (0 <= id < " +
                    std::to_string(eot_id()) + ")");
  }
  return code_points_[static_cast<std::size_t>(id)];
}

std::vector<std::int32_t> CharTokenizer::encode_text(std::string_view input, EncodeReport* report) const {
  const std::string text = prepare_text(input, options_.text, report);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Step step = decode_step(text, i);  // well-formed: prepare_text saw to it
    if (const auto id = id_of(step.code_point)) {
      ids.push_back(*id);
    } else {
      switch (options_.unknown) {
        case UnknownCharacter::error:
          throw DecodeError("character " + code_point_label(step.code_point) + " at byte offset " +
                            std::to_string(i) + " is not in the vocabulary (unknown_characters: error)");
        case UnknownCharacter::unk:
          ids.push_back(unk_id());
          if (report) ++report->unknown_characters;
          break;
        case UnknownCharacter::skip:
          if (report) ++report->unknown_characters, ++report->skipped_characters;
          break;
      }
    }
    i += step.length;
  }
  return ids;
}

std::string CharTokenizer::token_bytes(std::int32_t id) const {
  check_id(id);
  if (id == eot_id()) return std::string(kEndOfTextToken);
  if (id == pad_id()) return std::string(kPaddingToken);
  if (id == unk_id()) return std::string(kUnknownToken);
  std::string out;
  append_utf8(out, code_points_[static_cast<std::size_t>(id)]);
  return out;
}

std::string CharTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string out;
  out.reserve(ids.size());
  for (const std::int32_t id : ids) {
    if (id >= 0 && id < eot_id()) {
      append_utf8(out, code_points_[static_cast<std::size_t>(id)]);
    } else {
      out += token_bytes(id);  // special, or an out-of-range id (which throws)
    }
  }
  return out;
}

std::string CharTokenizer::to_json() const {
  detail::VocabFile file;
  file.type = "char";
  file.policy = options_.text;
  file.unknown_characters = std::string(to_string(options_.unknown));
  file.special_tokens = {{eot_id(), "end_of_text", std::string(kEndOfTextToken)},
                         {pad_id(), "padding", std::string(kPaddingToken)},
                         {unk_id(), "unknown", std::string(kUnknownToken)}};
  file.tokens.reserve(static_cast<std::size_t>(vocab_size()));
  for (std::int32_t id = 0; id < vocab_size(); ++id) file.tokens.push_back(token_bytes(id));
  return detail::write_vocab_json(file);
}

CharTokenizer CharTokenizer::from_vocab_file(const detail::VocabFile& file, const std::string& source) {
  if (file.type != "char") detail::throw_bad_vocab(source, "type is \"" + file.type + "\", expected \"char\"");
  if (file.merges) detail::throw_bad_vocab(source, "\"merges\" belongs to bpe tokenizers, not char");
  if (!file.unknown_characters) detail::throw_bad_vocab(source, "key \"unknown_characters\" is missing");
  const auto unknown = parse_unknown_character(*file.unknown_characters);
  if (!unknown) {
    detail::throw_bad_vocab(source, "unknown unknown_characters \"" + *file.unknown_characters + "\" (error, unk, skip)");
  }
  if (file.policy.malformed == MalformedInput::keep_bytes) {
    detail::throw_bad_vocab(source, "malformed_utf8 keep_bytes is for bpe tokenizers only");
  }
  const auto n = static_cast<std::int32_t>(file.tokens.size());
  if (n < 3) detail::throw_bad_vocab(source, "a char vocabulary needs at least its 3 special tokens");
  const std::array<std::pair<std::string_view, std::string_view>, 3> specials = {
      {{"end_of_text", kEndOfTextToken}, {"padding", kPaddingToken}, {"unknown", kUnknownToken}}};
  if (file.special_tokens.size() != specials.size()) {
    detail::throw_bad_vocab(source, "a char vocabulary has exactly 3 special tokens (end_of_text, padding, unknown)");
  }
  for (std::size_t k = 0; k < specials.size(); ++k) {
    const std::int32_t want = n - 3 + static_cast<std::int32_t>(k);
    if (detail::special_id(file, specials[k].first, source) != want || file.tokens[want] != specials[k].second) {
      detail::throw_bad_vocab(source, "special token \"" + std::string(specials[k].first) + "\" must be \"" +
                                          std::string(specials[k].second) + "\" with id " + std::to_string(want));
    }
  }
  std::u32string code_points;
  for (std::int32_t id = 0; id < n - 3; ++id) {
    const std::u32string cps = decode_utf8(file.tokens[id], Utf8Policy::replace);
    if (cps.size() != 1) {
      detail::throw_bad_vocab(source, "token " + std::to_string(id) + " must be exactly one character, got " +
                                          std::to_string(cps.size()));
    }
    if (!code_points.empty() && cps[0] <= code_points.back()) {
      detail::throw_bad_vocab(source, "token " + std::to_string(id) + " (" + code_point_label(cps[0]) +
                                          ") breaks the ascending code point order");
    }
    code_points.push_back(cps[0]);
  }
  return CharTokenizer(std::move(code_points), CharTokenizerOptions{file.policy, *unknown});
}

CharTokenizer CharTokenizer::load(const std::filesystem::path& path) {
  const std::string source = path.string();
  return from_vocab_file(detail::parse_vocab_json(read_file(path), source), source);
}

}  // namespace tessera::text
