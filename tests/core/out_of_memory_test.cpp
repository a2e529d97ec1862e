// The message a user gets instead of torch's raw CUDA out-of-memory exception.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <c10/util/Exception.h>

#include "tessera/core/device.h"

namespace tessera {
namespace {

TEST(OutOfMemory, NamesTheBatchSizeASmallerOneAndTorchsFirstLine) {
  const c10::OutOfMemoryError raw({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)},
                                  "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of "
                                  "79.19 GiB of which 1.06 GiB is free.\nInclude details: ...");
  const UserError error = out_of_memory_error(raw, torch::Device(torch::kCUDA, 0), 512, "data.batch_size");
  const std::string what = error.what();
  EXPECT_NE(what.find("out of memory on cuda:0 with data.batch_size 512"), std::string::npos) << what;
  EXPECT_NE(what.find("--set data.batch_size=256"), std::string::npos) << what;
  EXPECT_NE(what.find("Tried to allocate 2.00 GiB"), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  // A batch of one cannot be halved further.
  EXPECT_NE(std::string(out_of_memory_error(raw, torch::kCPU, 1, "eval.batch_size").what()).find("eval.batch_size=1"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
