// The vocabulary file: exact layout, deterministic bytes, save/load round trips, and one-line
// errors naming the file for bad files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/bpe_tokenizer.h"
#include "tessera/text/bpe_trainer.h"
#include "tessera/text/char_tokenizer.h"
#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

using Ids = std::vector<std::int32_t>;

const std::string kCorpus =
    "It was the best of times, it was the worst of times.\r\n" +
    encode_utf8(U"\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8, caf\u00E9 \U0001F600\n");

BpeTrainOptions small_bpe() {
  BpeTrainOptions options;
  options.vocab_size = 300;
  return options;
}

TEST(VocabFile, CharLayoutIsExact) {
  const CharTokenizer tok = CharTokenizer::from_corpus("ba\n");
  EXPECT_EQ(tok.to_json(),
            "{\n"
            "  \"format\": \"tessera-tokenizer\",\n"
            "  \"format_version\": 1,\n"
            "  \"type\": \"char\",\n"
            "  \"normalization\": \"nfc\",\n"
            "  \"malformed_utf8\": \"error\",\n"
            "  \"unknown_characters\": \"error\",\n"
            "  \"vocab_size\": 6,\n"
            "  \"special_tokens\": [\n"
            "    {\"id\": 3, \"role\": \"end_of_text\", \"text\": \"<|endoftext|>\"},\n"
            "    {\"id\": 4, \"role\": \"padding\", \"text\": \"<|pad|>\"},\n"
            "    {\"id\": 5, \"role\": \"unknown\", \"text\": \"<unk>\"}\n"
            "  ],\n"
            "  \"tokens\": [\n"
            "    \"\\n\",\n"
            "    \"a\",\n"
            "    \"b\",\n"
            "    \"<|endoftext|>\",\n"
            "    \"<|pad|>\",\n"
            "    \"<unk>\"\n"
            "  ]\n"
            "}\n");
}

TEST(VocabFile, BpeLayoutListsMergesAsIdPairs) {
  const BpeTokenizer tok = train_bpe("aaabdaaabac", BpeTrainOptions{});
  const std::string json = tok.to_json();
  EXPECT_NE(json.find("  \"type\": \"bpe\",\n"), std::string::npos);
  EXPECT_EQ(json.find("unknown_characters"), std::string::npos);
  EXPECT_NE(json.find("  \"vocab_size\": 261,\n"), std::string::npos);
  EXPECT_NE(json.find("  \"merges\": [\n    [97, 97],\n    [97, 98],\n    [256, 257]\n  ],\n"), std::string::npos);
  // Byte tokens that are not characters show as <0xNN>; merged tokens as their text.
  EXPECT_NE(json.find("    \"<0xFF>\",\n"), std::string::npos);
  EXPECT_NE(json.find("    \"aaab\",\n    \"<|endoftext|>\",\n    \"<|pad|>\"\n  ]\n}\n"), std::string::npos);
}

TEST(VocabFile, SameCorpusAndSettingsGiveTheSameBytes) {
  testing::TempDir dir("vocab");
  const BpeTokenizer first = train_bpe(kCorpus, small_bpe());
  const BpeTokenizer second = train_bpe(kCorpus, small_bpe());
  first.save(dir / "a.json");
  second.save(dir / "b.json");
  EXPECT_EQ(read_file(dir / "a.json"), read_file(dir / "b.json"));
  EXPECT_EQ(read_file(dir / "a.json"), first.to_json());
  // Documents added in another order count the same pre-tokens: the same vocabulary.
  BpeTrainer forward(small_bpe()), backward(small_bpe());
  forward.add_text("one two three two");
  forward.add_text(kCorpus);
  backward.add_text(kCorpus);
  backward.add_text("one two three two");
  EXPECT_EQ(forward.train().to_json(), backward.train().to_json());

  CharTokenizer::from_corpus(kCorpus).save(dir / "c.json");
  CharTokenizer::from_corpus(kCorpus).save(dir / "d.json");
  EXPECT_EQ(read_file(dir / "c.json"), read_file(dir / "d.json"));
}

TEST(VocabFile, BpeSavesAndLoads) {
  testing::TempDir dir("vocab");
  BpeTrainOptions options = small_bpe();
  options.text = {Normalization::none, MalformedInput::keep_bytes};
  const BpeTokenizer trained = train_bpe(kCorpus, options);
  trained.save(dir / "tokenizer.json");
  const BpeTokenizer loaded = BpeTokenizer::load(dir / "tokenizer.json");
  EXPECT_EQ(loaded.merges(), trained.merges());
  EXPECT_EQ(loaded.text_policy(), options.text);
  EXPECT_EQ(loaded.to_json(), trained.to_json());
  const std::string text = kCorpus + "\xFF";
  EXPECT_EQ(loaded.encode(text), trained.encode(text));

  const auto any = load_tokenizer(dir / "tokenizer.json");
  EXPECT_EQ(any->type(), "bpe");
  EXPECT_EQ(any->vocab_size(), trained.vocab_size());
  EXPECT_EQ(any->eot_id(), trained.eot_id());
  EXPECT_EQ(any->decode(any->encode(text)), text);
}

TEST(VocabFile, CharSavesAndLoads) {
  testing::TempDir dir("vocab");
  const CharTokenizer trained = CharTokenizer::from_corpus(kCorpus, {{Normalization::nfc, MalformedInput::replace},
                                                                     UnknownCharacter::skip});
  trained.save(dir / "tokenizer.json");
  const CharTokenizer loaded = CharTokenizer::load(dir / "tokenizer.json");
  EXPECT_EQ(loaded.to_json(), trained.to_json());
  EXPECT_EQ(loaded.unknown_policy(), UnknownCharacter::skip);
  EXPECT_EQ(loaded.encode(kCorpus), trained.encode(kCorpus));

  const auto any = load_tokenizer(dir / "tokenizer.json");
  EXPECT_EQ(any->type(), "char");
  EXPECT_EQ(any->decode(any->encode(kCorpus)), kCorpus);
  EXPECT_EQ(any->pad_id(), trained.pad_id());
}

// Loads `content` and returns the UserError message ("" when it loads).
std::string load_error(const std::string& content) {
  testing::TempDir dir("badvocab");
  const auto path = dir / "tokenizer.json";
  testing::write_text(path, content);
  try {
    load_tokenizer(path);
  } catch (const UserError& e) {
    const std::string message = e.what();
    const std::string prefix = "bad tokenizer file " + path.string() + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    return message.substr(std::min(prefix.size(), message.size()));
  }
  return "";
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(VocabFile, BadFilesGiveOneLineErrors) {
  const std::string good_char = CharTokenizer::from_corpus("ba\n").to_json();
  const std::string good_bpe = train_bpe("aaabdaaabac", BpeTrainOptions{}).to_json();
  ASSERT_EQ(load_error(good_char), "");
  ASSERT_EQ(load_error(good_bpe), "");

  EXPECT_EQ(load_error("{\"format\": \"something-else\"}"),
            "\"format\" is \"something-else\", expected \"tessera-tokenizer\"");
  EXPECT_EQ(load_error("[1, 2]"), "the top level must be a JSON object");
  EXPECT_EQ(load_error(replace_once(good_char, "\"format_version\": 1", "\"format_version\": 7")),
            "format_version 7 is not supported (this build reads 1)");
  EXPECT_EQ(load_error(replace_once(good_char, "\"type\": \"char\"", "\"type\": \"wordpiece\"")),
            "unknown type \"wordpiece\" (char, bpe)");
  EXPECT_EQ(load_error(replace_once(good_char, "\"normalization\": \"nfc\"", "\"normalization\": \"nfkc\"")),
            "unknown normalization \"nfkc\" (nfc, none)");
  EXPECT_EQ(load_error(replace_once(good_char, "\"vocab_size\": 6", "\"vocab_size\": \"6\"")),
            "key \"vocab_size\" must be an integer");
  EXPECT_EQ(load_error(replace_once(good_char, "\"vocab_size\": 6", "\"vocab_size\": 7")),
            "vocab_size is 7 but \"tokens\" holds 6");
  EXPECT_EQ(load_error(replace_once(good_char, "    \"a\",\n    \"b\",", "    \"b\",\n    \"a\",")),
            "token 2 (U+0061) breaks the ascending code point order");
  EXPECT_EQ(load_error(replace_once(good_char, "    \"a\",", "    \"ab\",")),
            "token 1 must be exactly one character, got 2");
  EXPECT_EQ(load_error(replace_once(good_char, "\"unknown_characters\": \"error\"", "\"unknown_characters\": \"guess\"")),
            "unknown unknown_characters \"guess\" (error, unk, skip)");
  EXPECT_EQ(load_error(replace_once(good_bpe, "[256, 257]", "[256, 300]")),
            "BPE merge 2 [256, 300] refers to a token that does not exist before it (ids < 258)");
  EXPECT_EQ(load_error(replace_once(good_bpe, "\"aaab\"", "\"aaaa\"")),
            "token 258 is \"aaaa\" but the merges make \"aaab\"");
  EXPECT_EQ(load_error(replace_once(good_bpe, "    [97, 98],\n", "")),
            "256 bytes + 2 merges + 2 special tokens make 260 tokens, but the file lists 261");
  EXPECT_EQ(load_error(replace_once(good_bpe, "\"merges\"", "\"merged\"")), "key \"merges\" is missing");
  // Truncated JSON: nlohmann's message says where.
  const std::string truncated = load_error(good_bpe.substr(0, good_bpe.size() / 2));
  EXPECT_EQ(truncated.rfind("not valid JSON: ", 0), 0u) << truncated;

  try {
    load_tokenizer("/nonexistent/tokenizer.json");
    FAIL() << "a missing file must throw";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot read /nonexistent/tokenizer.json", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace tessera::text
