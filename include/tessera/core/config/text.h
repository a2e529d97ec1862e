#pragma once
#include <cstdint>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class TokenizerType { character, bpe };
template <>
struct ChoiceTable<TokenizerType> {
  static constexpr ChoiceName<TokenizerType> names[] = {{TokenizerType::character, "char"},
                                                        {TokenizerType::bpe, "bpe"}};
};

// The language model's text pipeline (model.name: gpt). data.train / data.val / data.test name a
// UTF-8 text file or a folder of them (every regular file, recursively, sorted; an end-of-text
// token between files). The tokenizer is built from the training text and saved in the run
// directory as tokenizer.json.
//   tokenizer: char | bpe       code points after normalisation, or byte-level BPE
//   vocab_size                  bpe: the whole vocabulary (256 bytes + merges + 2 specials)
//   normalization: nfc | none
//   malformed: error | replace | keep_bytes   ill-formed UTF-8: stop with the byte offset,
//                               U+FFFD per maximal subpart (counted and logged), or (bpe only)
//                               keep the raw bytes as byte tokens
//   unknown: error | unk | skip   char: characters of val/test/prompts missing from the vocabulary
//   val_fraction                without data.val: the last fraction of the training text (by
//                               position, so no window straddles train and val)
//   steps_per_epoch             training batches per epoch, each of data.batch_size windows of
//                               model.context tokens
//   sampling: random | sequential   training windows at seeded random positions, or walking the
//                               text in order train_stride tokens apart (wrapping at the end)
//   train_stride                sequential: tokens between window starts; 0 = model.context
//   eval_stride                 validation/eval windows advance by this many tokens and score
//                               only the tokens not scored before; 0 = model.context
//                               (non-overlapping windows)
enum class TextNormalization { nfc, none };
template <>
struct ChoiceTable<TextNormalization> {
  static constexpr ChoiceName<TextNormalization> names[] = {{TextNormalization::nfc, "nfc"},
                                                            {TextNormalization::none, "none"}};
};

enum class MalformedText { error, replace, keep_bytes };
template <>
struct ChoiceTable<MalformedText> {
  static constexpr ChoiceName<MalformedText> names[] = {
      {MalformedText::error, "error"}, {MalformedText::replace, "replace"}, {MalformedText::keep_bytes, "keep_bytes"}};
};

enum class UnknownCharacters { error, unk, skip };
template <>
struct ChoiceTable<UnknownCharacters> {
  static constexpr ChoiceName<UnknownCharacters> names[] = {
      {UnknownCharacters::error, "error"}, {UnknownCharacters::unk, "unk"}, {UnknownCharacters::skip, "skip"}};
};

enum class WindowSampling { random, sequential };
template <>
struct ChoiceTable<WindowSampling> {
  static constexpr ChoiceName<WindowSampling> names[] = {{WindowSampling::random, "random"},
                                                         {WindowSampling::sequential, "sequential"}};
};

struct TextConfig {
  TokenizerType tokenizer = TokenizerType::character;
  int vocab_size = 1024;
  TextNormalization normalization = TextNormalization::nfc;
  MalformedText malformed = MalformedText::error;
  UnknownCharacters unknown = UnknownCharacters::error;
  double val_fraction = 0.1;
  int steps_per_epoch = 250;
  WindowSampling sampling = WindowSampling::random;
  int train_stride = 0;
  int eval_stride = 0;

  template <class V>
  void visit(V& v) {
    v.field("tokenizer", tokenizer);
    v.field("vocab_size", vocab_size);
    v.field("normalization", normalization);
    v.field("malformed", malformed);
    v.field("unknown", unknown);
    v.field("val_fraction", val_fraction);
    v.field("steps_per_epoch", steps_per_epoch);
    v.field("sampling", sampling);
    v.field("train_stride", train_stride);
    v.field("eval_stride", eval_stride);
  }
  void validate(const SectionChecker& c) const {
    if (vocab_size < 258) c.fail("vocab_size", "must be at least 258 (256 bytes + 2 special tokens), got " + std::to_string(vocab_size));
    if (malformed == MalformedText::keep_bytes && tokenizer == TokenizerType::character) {
      c.fail("malformed", "keep_bytes needs tokenizer: bpe (a byte that is not a character has no char token)");
    }
    c.in_range("val_fraction", val_fraction, 0.0, 0.5);
    c.positive("steps_per_epoch", steps_per_epoch);
    c.non_negative("train_stride", train_stride);
    c.non_negative("eval_stride", eval_stride);
  }
};

}  // namespace tessera::config
