// EpochTotals: device-side sums of loss and accuracy, and the deferred finiteness check.
#include "tessera/train/epoch_totals.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>

#include "tessera/core/error.h"

namespace tessera::train {
namespace {

TEST(EpochTotals, WeightsEachStepByItsBatchSize) {
  EpochTotals totals;
  EXPECT_EQ(totals.mean_loss(), 0.0);
  EXPECT_EQ(totals.accuracy(), 0.0);
  // Batch of 3, loss 1.0, 2 correct; batch of 1, loss 3.0, 1 correct.
  totals.add(0, torch::tensor(1.0f), torch::tensor({{0.9f, 0.1f}, {0.2f, 0.8f}, {0.6f, 0.4f}}), torch::tensor({0, 1, 1}));
  totals.add(1, torch::tensor(3.0f), torch::tensor({{0.1f, 0.9f}}), torch::tensor({1}));
  EXPECT_EQ(totals.seen(), 4);
  EXPECT_DOUBLE_EQ(totals.mean_loss(), (1.0 * 3 + 3.0 * 1) / 4);
  EXPECT_DOUBLE_EQ(totals.accuracy(), 3.0 / 4);
  EXPECT_NO_THROW(totals.check_finite(1));
}

TEST(EpochTotals, NamesTheFirstStepWithANonFiniteLoss) {
  EpochTotals totals;
  const auto outputs = torch::zeros({2, 2});
  const auto targets = torch::zeros({2}, torch::kInt64);
  totals.add(10, torch::tensor(0.5f), outputs, targets);
  totals.add(11, torch::tensor(std::numeric_limits<float>::quiet_NaN()), outputs, targets);
  totals.add(12, torch::tensor(std::numeric_limits<float>::infinity()), outputs, targets);
  try {
    totals.check_finite(4);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "training diverged at epoch 4 step 11 (loss is not finite); lower optim.lr or set "
                           "train.grad_clip");
  }
}

TEST(EpochTotals, ChecksOnlyWhatWasAddedSinceTheLastCheck) {
  EpochTotals totals;
  const auto outputs = torch::zeros({1, 2});
  const auto targets = torch::zeros({1}, torch::kInt64);
  totals.add(0, torch::tensor(0.5f), outputs, targets);
  totals.check_finite(1);
  totals.add(1, torch::tensor(0.25f), outputs, targets);
  EXPECT_NO_THROW(totals.check_finite(1));
}

}  // namespace
}  // namespace tessera::train
