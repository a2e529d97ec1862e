// Fuzz target: the tokenizers on arbitrary input bytes: encoding and decoding with fixed char and
// byte-level BPE tokenizers under every text policy, BPE training on the input itself, and the
// UTF-8 layer beneath them (strict decoding, U+FFFD replacement, the streaming decoder, NFC,
// GPT-2 pre-tokenisation).
//
// Feeds: byte 0 picks the tokenizer (or training) and how the stream decoder cuts the text;
// the rest is the text.
// Expected: results, or tessera::DecodeError (ill-formed UTF-8 under the "error" policy, a
// character outside a char vocabulary under "error") and tessera::UserError (an id outside the
// vocabulary). Checked: decode(encode(x)) == prepare_text(x) (the input itself for BPE with
// keep_bytes and no normalisation); the streaming decoder, in any cut, gives what decoding the
// whole does; replacement output is well-formed UTF-8; NFC is idempotent; pre-tokens tile the text.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/text/bpe_tokenizer.h"
#include "tessera/text/bpe_trainer.h"
#include "tessera/text/char_tokenizer.h"
#include "tessera/text/normalize.h"
#include "tessera/text/pretokenize.h"
#include "tessera/text/tokenizer.h"
#include "tessera/text/utf8.h"
#include "tessera/text/utf8_stream.h"

namespace {

using namespace tessera::text;

// A little of everything the tokenizers meet: English, Korean (precomposed and conjoining
// jamo), accents in both forms, emoji, CRLF, tabs, digits, the special tokens' text.
constexpr std::string_view kCorpus =
    "The quick brown fox jumps over the lazy dog. It's 12:30, isn't it? We'll see; they've gone.\r\n"
    "\tNumbers 0123456789 and 3.14159, symbols !@#$%^&*()_+-=[]{}|;:'\",.<>/? and <|endoftext|>.\n"
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8\xEC\x9E\x85\xEB\x8B\x88\xEB\x8B\xA4. "
    "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB \xE1\x84\x80\xE1\x85\xAE\xE1\x86\xAF \n"
    "caf\xC3\xA9 cafe\xCC\x81 na\xC3\xAFve \xC3\x85ngstr\xC3\xB6m \xF0\x9F\x98\x80\xF0\x9F\x91\x8D "
    "\xE2\x80\x83" "em space, \xC2\xA0nbsp, \xE3\x80\x80ideographic space\n"
    "the the the then there these those them they, quick quicker quickest.\n";

struct Fixture {
  std::vector<std::unique_ptr<Tokenizer>> tokenizers;
  Fixture() {
    const auto bpe = [](Normalization form, MalformedInput malformed) {
      BpeTrainOptions options;
      options.vocab_size = 400;
      options.text = {form, malformed};
      return std::make_unique<BpeTokenizer>(train_bpe(kCorpus, options));
    };
    const auto chars = [](Normalization form, MalformedInput malformed, UnknownCharacter unknown) {
      return std::make_unique<CharTokenizer>(CharTokenizer::from_corpus(kCorpus, {{form, malformed}, unknown}));
    };
    tokenizers.push_back(bpe(Normalization::nfc, MalformedInput::error));
    tokenizers.push_back(bpe(Normalization::nfc, MalformedInput::replace));
    tokenizers.push_back(bpe(Normalization::none, MalformedInput::keep_bytes));
    tokenizers.push_back(bpe(Normalization::nfc, MalformedInput::keep_bytes));
    tokenizers.push_back(chars(Normalization::nfc, MalformedInput::error, UnknownCharacter::unk));
    tokenizers.push_back(chars(Normalization::none, MalformedInput::replace, UnknownCharacter::skip));
    tokenizers.push_back(chars(Normalization::nfc, MalformedInput::replace, UnknownCharacter::error));
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void check_round_trip(const Tokenizer& tokenizer, std::string_view text) {
  EncodeReport report;
  std::vector<std::int32_t> ids;
  try {
    ids = tokenizer.encode(text, &report);
  } catch (const tessera::DecodeError&) {
    return;  // documented for the "error" policies
  }
  for (const std::int32_t id : ids) {
    FUZZ_CHECK(id >= 0 && id < tokenizer.vocab_size(), "encode produced an id outside the vocabulary");
  }
  const std::string decoded = tokenizer.decode(ids);
  if (report.unknown_characters == 0) {
    FUZZ_CHECK(decoded == prepare_text(text, tokenizer.text_policy()), "decode(encode(x)) != prepare_text(x)");
  }
  const TextPolicy policy = tokenizer.text_policy();
  if (tokenizer.type() == "bpe" && policy.malformed == MalformedInput::keep_bytes &&
      policy.normalization == Normalization::none) {
    FUZZ_CHECK(decoded == text, "BPE with keep_bytes and no normalisation lost input bytes");
  }
}

// The text's bytes read as token ids: only in-range ids decode, the rest is a UserError.
void check_decode_ids(const Tokenizer& tokenizer, std::string_view text) {
  std::vector<std::int32_t> ids(text.size() / 4);
  if (!ids.empty()) std::memcpy(ids.data(), text.data(), ids.size() * 4);
  bool in_range = true;
  for (auto& id : ids) {
    if (id % 3 != 0) id = static_cast<std::int32_t>(static_cast<std::uint32_t>(id) % 1024u);  // mostly plausible ids
    in_range = in_range && id >= 0 && id < tokenizer.vocab_size();
  }
  try {
    (void)tokenizer.decode(ids);
    FUZZ_CHECK(in_range, "decode accepted an id outside the vocabulary");
  } catch (const tessera::UserError&) {
    FUZZ_CHECK(!in_range, "decode refused ids that are all in the vocabulary");
  }
}

void check_training(std::string_view text, unsigned selector) {
  BpeTrainOptions options;
  options.vocab_size = 258 + static_cast<std::int32_t>(selector % 64);
  options.min_pair_count = 1 + (selector >> 6) % 2;
  options.text = {(selector & 0x80) ? Normalization::none : Normalization::nfc, MalformedInput::keep_bytes};
  const BpeTokenizer trained = train_bpe(text, options);
  FUZZ_CHECK(trained.vocab_size() <= options.vocab_size, "training made a larger vocabulary than asked for");
  check_round_trip(trained, text);
  const tessera::fuzz::ScratchFile file("trained.json");
  const auto reloaded = load_tokenizer(file.write(trained.to_json()));
  FUZZ_CHECK(reloaded->to_json() == trained.to_json(), "a trained tokenizer does not reload to itself");
  FUZZ_CHECK(reloaded->encode(text) == trained.encode(text), "a reloaded tokenizer encodes differently");
}

void check_utf8(std::string_view text, unsigned selector) {
  const bool valid = is_valid_utf8(text);
  bool threw = false;
  try {
    FUZZ_CHECK(to_valid_utf8(text, Utf8Policy::error) == text, "strict decoding changed valid text");
  } catch (const tessera::DecodeError&) {
    threw = true;
  }
  FUZZ_CHECK(threw == !valid, "strict decoding and is_valid_utf8 disagree");

  std::size_t replacements = 0;
  const std::string replaced = to_valid_utf8(text, Utf8Policy::replace, &replacements);
  FUZZ_CHECK(is_valid_utf8(replaced), "replacement output is not well-formed");
  FUZZ_CHECK((replacements == 0) == valid, "replacement count disagrees with is_valid_utf8");
  FUZZ_CHECK(encode_utf8(decode_utf8(text, Utf8Policy::replace)) == replaced, "decode_utf8/encode_utf8 disagree with to_valid_utf8");

  // The stream decoder, fed in pieces of 1..8 bytes chosen by the selector, gives the same.
  for (const Utf8Policy policy : {Utf8Policy::replace, Utf8Policy::error}) {
    Utf8StreamDecoder stream(policy);
    std::string streamed;
    bool stream_threw = false;
    try {
      std::size_t cut = 1 + selector % 8;
      for (std::size_t at = 0; at < text.size(); at += cut, cut = 1 + (cut * 5 + selector) % 8) {
        streamed += stream.push(text.substr(at, cut));
      }
      streamed += stream.flush();
    } catch (const tessera::DecodeError&) {
      stream_threw = true;
    }
    if (policy == Utf8Policy::replace) {
      FUZZ_CHECK(!stream_threw && streamed == replaced && stream.replacements() == replacements,
                 "the stream decoder (replace) differs from decoding at once");
    } else {
      FUZZ_CHECK(stream_threw == !valid, "the stream decoder (error) and is_valid_utf8 disagree");
      if (valid) FUZZ_CHECK(streamed == text, "the stream decoder changed valid text");
    }
  }

  const std::string nfc = normalize_nfc(replaced);
  FUZZ_CHECK(is_valid_utf8(nfc) && normalize_nfc(nfc) == nfc, "NFC is not idempotent");

  // Pre-tokens tile the text, valid or not (keep_bytes feeds ill-formed bytes through them).
  for (const std::string_view piece : {std::string_view(replaced), text}) {
    std::string joined;
    for (const std::string_view chunk : split_pretokens(piece)) {
      FUZZ_CHECK(!chunk.empty(), "an empty pre-token");
      joined += chunk;
    }
    FUZZ_CHECK(joined == piece, "pre-tokens do not concatenate to the text");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned selector = data[0];
  const std::string_view text = tessera::fuzz::as_text(data + 1, size - 1);
  check_utf8(text, selector);
  const auto& tokenizers = fixture().tokenizers;
  const std::size_t pick = selector % (tokenizers.size() + 1);
  if (pick == tokenizers.size()) {
    if (text.size() <= 4096) check_training(text, selector);
  } else {
    check_round_trip(*tokenizers[pick], text);
    check_decode_ids(*tokenizers[pick], text);
  }
  return 0;
}
