#pragma once
#include <cstdint>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

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
struct TextConfig {
  std::string tokenizer = "char";
  int vocab_size = 1024;
  std::string normalization = "nfc";
  std::string malformed = "error";
  std::string unknown = "error";
  double val_fraction = 0.1;
  int steps_per_epoch = 250;
  std::string sampling = "random";
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
    c.one_of("tokenizer", tokenizer, {"char", "bpe"});
    if (vocab_size < 258) c.fail("vocab_size", "must be at least 258 (256 bytes + 2 special tokens), got " + std::to_string(vocab_size));
    c.one_of("normalization", normalization, {"nfc", "none"});
    c.one_of("malformed", malformed, {"error", "replace", "keep_bytes"});
    if (malformed == "keep_bytes" && tokenizer == "char") {
      c.fail("malformed", "keep_bytes needs tokenizer: bpe (a byte that is not a character has no char token)");
    }
    c.one_of("unknown", unknown, {"error", "unk", "skip"});
    c.in_range("val_fraction", val_fraction, 0.0, 0.5);
    c.positive("steps_per_epoch", steps_per_epoch);
    c.one_of("sampling", sampling, {"random", "sequential"});
    c.non_negative("train_stride", train_stride);
    c.non_negative("eval_stride", eval_stride);
  }
};

}  // namespace tessera::config
