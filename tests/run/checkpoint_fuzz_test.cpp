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

namespace tessera::run {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "checkpoint";

// A 572-byte TorchScript archive (data.pkl naming class __torch__.Module, whose source in
// code/__torch__.py holds a control byte) behind a valid checksum. torch's reader rejects it with
// std::runtime_error from its TorchScript lexer, not c10::Error: load_checkpoint let that escape
// (std::terminate in the fuzz target; exit code 2, "a bug", from the CLI) until it mapped every
// exception of the archive reader to CorruptCheckpoint.
TEST(CheckpointFuzzRegression, ArchiveReaderErrorOtherThanC10IsCorruptCheckpoint) {
  torch::manual_seed(0);
  models::ModelSpec spec;
  spec.name = "simple_cnn";
  spec.num_classes = 3;
  spec.in_channels = 1;
  spec.width = 4;
  auto model = models::create_model(spec);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-2));

  TempDir dir("ckpt-fuzz");
  const std::string archive = read_file(kFixtures / "torchscript_lexer_error.pt");
  write_text(dir / "checkpoint.pt", with_checksum_trailer(archive));
  EXPECT_THROW(load_checkpoint(dir / "checkpoint.pt", *model, optimizer), CorruptCheckpoint);
  write_text(dir / "bare.pt", archive);  // no trailer at all
  EXPECT_THROW(load_checkpoint(dir / "bare.pt", *model, optimizer), CorruptCheckpoint);
}

}  // namespace
}  // namespace tessera::run
