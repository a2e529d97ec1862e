// Fuzz target: loading a tokenizer vocabulary file (tessera::text::load_tokenizer), char or BPE.
//
// Feeds: the input as the bytes of a tokenizer.json (written to a scratch file, then loaded
// through the public API exactly as a run directory's tokenizer is).
// Expected: a Tokenizer, or tessera::UserError "bad tokenizer file ...".
// Checked for a file that loads: every id has bytes and a printable text; decoding every id works;
// saving it (to_json) and loading that again gives the same JSON; encoding the input's own bytes
// (as text) decodes back to the prepared text when no character was unknown, and fails only with
// a DecodeError (ill-formed UTF-8 or an unknown character under the "error" policies).
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/text/char_tokenizer.h"
#include "tessera/text/text_policy.h"
#include "tessera/text/tokenizer.h"

namespace {

using tessera::text::Tokenizer;

void check_loaded(const Tokenizer& tokenizer, std::string_view sample) {
  const std::int32_t n = tokenizer.vocab_size();
  FUZZ_CHECK(n > 0, "empty vocabulary");
  FUZZ_CHECK(tokenizer.eot_id() >= 0 && tokenizer.eot_id() < n && tokenizer.pad_id() >= 0 && tokenizer.pad_id() < n,
             "special ids outside the vocabulary");
  std::vector<std::int32_t> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  std::string concatenated;
  for (const std::int32_t id : all) {
    concatenated += tokenizer.token_bytes(id);
    (void)tokenizer.token_text(id);
  }
  FUZZ_CHECK(tokenizer.decode(all) == concatenated, "decode(all ids) differs from the concatenated token bytes");

  // Out-of-range ids are a UserError, never a crash.
  for (const std::int32_t bad : {-1, n}) {
    const std::int32_t ids[] = {bad};
    bool refused = false;
    try {
      (void)tokenizer.decode(ids);
    } catch (const tessera::UserError&) {
      refused = true;
    }
    FUZZ_CHECK(refused, "decode accepted the id " + std::to_string(bad));
  }

  const std::string json = tokenizer.to_json();
  const tessera::fuzz::ScratchFile resaved("resaved.json");
  const auto reloaded = tessera::text::load_tokenizer(resaved.write(json));  // must not throw
  FUZZ_CHECK(reloaded->to_json() == json, "to_json -> load -> to_json is not stable");

  tessera::text::EncodeReport report;
  std::vector<std::int32_t> ids;
  try {
    ids = tokenizer.encode(sample, &report);
  } catch (const tessera::DecodeError&) {
    return;  // ill-formed UTF-8 under malformed_utf8: error, or an unknown character under "error"
  }
  for (const std::int32_t id : ids) FUZZ_CHECK(id >= 0 && id < n, "encode produced an id outside the vocabulary");
  if (report.unknown_characters == 0) {
    const std::string prepared = tessera::text::prepare_text(sample, tokenizer.text_policy());
    FUZZ_CHECK(tokenizer.decode(ids) == prepared, "decode(encode(text)) != prepare_text(text)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tessera::fuzz::ScratchFile file("tokenizer.json");
  const std::string_view bytes = tessera::fuzz::as_text(data, size);
  std::unique_ptr<Tokenizer> tokenizer;
  try {
    tokenizer = tessera::text::load_tokenizer(file.write(bytes));
  } catch (const tessera::UserError&) {
    return 0;  // documented: a bad tokenizer file, named with its problem
  }
  check_loaded(*tokenizer, bytes.substr(0, 512));
  return 0;
}
