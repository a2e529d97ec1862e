// Regression tests for what fuzz/tokenizer_load_fuzz.cpp found (inputs in
// tests/fixtures/fuzz/tokenizer_load).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tessera/core/error.h"
#include "tessera/text/tokenizer.h"

namespace tessera::text {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "tokenizer_load";

// A number too large for a double: nlohmann::json throws out_of_range (406), not parse_error,
// and parse_vocab_json caught only parse_error, so the exception escaped load_tokenizer
// (std::terminate in the fuzz target; exit code 2, "a bug", from the CLI).
TEST(TokenizerFuzzRegression, NumberOverflowIsABadTokenizerFile) {
  try {
    (void)load_tokenizer(kFixtures / "number_overflow.json");
    FAIL() << "the file loaded";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bad tokenizer file"), std::string::npos) << message;
    EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tessera::text
