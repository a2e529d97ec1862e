// Regression tests for what fuzz/checkpoint_fuzz.cpp found (inputs in tests/fixtures/fuzz/checkpoint).
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/models/registry.h"
#include "tessera/run/checkpoint.h"
#include "tiny_cnn.h"

namespace tessera::run {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "checkpoint";

// What load_checkpoint's CorruptCheckpoint says of `file`, loaded into a small model and its
// optimizer; "" when it loads (any other exception fails the test).
std::string corrupt_checkpoint_message(const fs::path& file) {
  auto model = testing::tiny_cnn(0);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-2));
  try {
    load_checkpoint(file, *model, optimizer);
  } catch (const CorruptCheckpoint& error) {
    return error.what();
  }
  return "";
}

// A 572-byte TorchScript archive (data.pkl naming class __torch__.Module, whose source in
// code/__torch__.py holds a control byte) behind a valid checksum. torch's reader rejects it with
// std::runtime_error from its TorchScript lexer, not c10::Error: load_checkpoint let that escape
// (std::terminate in the fuzz target; exit code 2, "a bug", from the CLI) until it mapped every
// exception of the archive reader to CorruptCheckpoint.
TEST(CheckpointFuzzRegression, ArchiveReaderErrorOtherThanC10IsCorruptCheckpoint) {
  TempDir dir("ckpt-fuzz");
  const std::string archive = read_file(kFixtures / "torchscript_lexer_error.pt");
  write_text(dir / "checkpoint.pt", with_checksum_trailer(archive));
  EXPECT_NE(corrupt_checkpoint_message(dir / "checkpoint.pt"), "");
  write_text(dir / "bare.pt", archive);  // no trailer at all
  EXPECT_NE(corrupt_checkpoint_message(dir / "bare.pt"), "");
}

// A 369-byte archive whose data.pkl puts its first value at memo index 0xFFFF0103
// (LONG_BINPUT): torch's unpickler grows its memo table to that index first, 64 GiB (the fuzz
// target died in ASan's operator new; outside ASan, std::bad_alloc, or a 64 GiB zero fill on a
// machine that has the memory). load_checkpoint checks the pickle before torch reads it.
TEST(CheckpointFuzzRegression, MemoIndexFarBeyondThePickleIsCorruptCheckpoint) {
  TempDir dir("ckpt-fuzz");
  write_text(dir / "checkpoint.pt", with_checksum_trailer(read_file(kFixtures / "memo_index_4g.pt")));
  const std::string message = corrupt_checkpoint_message(dir / "checkpoint.pt");
  EXPECT_NE(message.find("record data.pkl: memo index 4294902019 at byte 3 where 0 memo entries exist"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace tessera::run
