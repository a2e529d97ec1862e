// The verdict of `tessera compare`. The full command runs in tests/e2e/compare_test.cpp; the
// reports' sample references are tested in tests/data/sample_reference_test.cpp.
#include "tessera/eval/compare.h"

#include <gtest/gtest.h>

namespace tessera::eval {
namespace {

TEST(CompareVerdict, ShipsBWhenTestAndIntervalAgree) {
  const auto v = compare_verdict(0.012, 0.004, 0.020, 0.003, 0.95);
  EXPECT_EQ(v["ship"], "b");
  EXPECT_EQ(v["significant"], true);
  EXPECT_EQ(v["text"], "ship B: +1.2 points (95% CI +0.4 to +2.0), McNemar p = 0.003");
}

TEST(CompareVerdict, ShipsAWithTheIntervalTurnedAround) {
  const auto v = compare_verdict(-0.05, -0.08, -0.02, 0.00002, 0.95);
  EXPECT_EQ(v["ship"], "a");
  EXPECT_EQ(v["text"], "ship A: +5.0 points (95% CI +2.0 to +8.0), McNemar p = 2.0e-05");
}

TEST(CompareVerdict, EitherWhenEitherTestDoesNotReject) {
  const auto wide = compare_verdict(0.003, -0.005, 0.011, 0.41, 0.95);
  EXPECT_EQ(wide["ship"], "either");
  EXPECT_EQ(wide["significant"], false);
  EXPECT_EQ(wide["text"], "no significant difference: either (B - A +0.3 points, 95% CI -0.5 to +1.1, McNemar p = 0.410)");
  // McNemar alone, or the interval alone, is not enough.
  EXPECT_EQ(compare_verdict(0.01, 0.001, 0.02, 0.06, 0.95)["ship"], "either");
  EXPECT_EQ(compare_verdict(0.01, -0.001, 0.02, 0.01, 0.95)["ship"], "either");
  EXPECT_EQ(compare_verdict(0.0, 0.0, 0.0, 1.0, 0.95)["ship"], "either");
}

}  // namespace
}  // namespace tessera::eval
