#include "tessera/text/tokenizer.h"

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/bpe_tokenizer.h"
#include "tessera/text/char_tokenizer.h"
#include "vocab_file.h"

namespace tessera::text {

void Tokenizer::check_id(std::int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw UserError("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                    std::to_string(vocab_size()) + ")");
  }
}

void Tokenizer::save(const std::filesystem::path& path) const { write_file_atomic(path, to_json()); }

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  const std::string source = path.string();
  const detail::VocabFile file = detail::parse_vocab_json(read_file(path), source);
  if (file.type == "char") return std::make_unique<CharTokenizer>(CharTokenizer::from_vocab_file(file, source));
  if (file.type == "bpe") return std::make_unique<BpeTokenizer>(BpeTokenizer::from_vocab_file(file, source));
  detail::throw_bad_vocab(source, "unknown type \"" + file.type + "\" (char, bpe)");
}

}  // namespace tessera::text
