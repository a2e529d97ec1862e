// Fuzz target: checkpoint loading (tessera::run::load_checkpoint), what `tessera train --resume`
// does with checkpoint.pt.
//
// Feeds each input twice, into a fresh small model and optimizer (fuzz_models.h):
//   1. as the checkpoint file itself: the 32-byte trailer (length and CRC-64) is checked first;
//   2. as the archive, behind a valid trailer (run::with_checksum_trailer), so that the input gets past the
//      checksum and reaches torch's archive reader (zip, then the pickled tensors and their
//      records) and the model/optimizer restore behind it.
// Expected: TrainProgress, or tessera::run::CorruptCheckpoint / tessera::UserError (a
// different model, or torch's reader refusing the archive, rethrown as UserError).
// Checked for a checkpoint that loads: the model still runs forward and backward and the
// optimizer takes a step (a checkpoint that loads must be one training can go on from).
// LibTorch is the pip wheel's build, not instrumented: no coverage from inside its reader.
// Known in LibTorch: it allocates the sizes an archive states before reading them
// (torch::jit::Unpickler::readBytes a string's length, setInput a memo index's table, getRecord a
// record's zip size). load_checkpoint bounds those first (src/run/archive_bounds.h; this target
// once asked for 64 GiB through a LONG_BINPUT memo index); what is left, a record stating up to
// 1032x the file, is why tools/fuzz.sh runs this target in fork mode with -malloc_limit_mb=1024
// and -ignore_ooms=1, and with allocator_may_return_null=1 so that torch's allocator reports
// what cannot be had as it does outside ASan. Its zip reader leaks ~15 KB per malformed archive
// (fuzz/lsan_suppressions.txt).
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "fuzz_models.h"
#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/run/checkpoint.h"

namespace {

void load_and_train(const std::filesystem::path& path) {
  auto model = tessera::fuzz::make_model();
  auto optimizer = tessera::fuzz::make_optimizer(*model);
  try {
    (void)tessera::run::load_checkpoint(path, *model, *optimizer);
  } catch (const tessera::UserError&) {
    return;  // documented: CorruptCheckpoint, or UserError naming the problem
  }
  model->train();
  optimizer->zero_grad();
  const auto inputs = torch::ones({2, 1, 12, 12});
  const auto targets = torch::zeros({2}, torch::kInt64);
  torch::nn::functional::cross_entropy(model->forward(inputs), targets).backward();
  optimizer->step();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tessera::fuzz::ScratchFile file("checkpoint.pt");
  const std::string_view bytes = tessera::fuzz::as_text(data, size);
  load_and_train(file.write(bytes));
  load_and_train(file.write(tessera::run::with_checksum_trailer(std::string(bytes))));
  return 0;
}
