// The medical pipeline's CPU reference: hand-computed values for each stage (masking,
// sign extension, rescale, the three VOI functions at and around their edges, inversion,
// padding, channel copies) and, for whole images, a direct re-implementation in double.
#include "tessera/ops/preprocess_medical.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace tessera::ops {
namespace {

MedicalIntensity stored_as(int bits, bool is_signed, float slope = 1.0f, float intercept = 0.0f) {
  MedicalIntensity m;
  m.bits_stored = bits;
  m.is_signed = is_signed;
  m.slope = slope;
  m.intercept = intercept;
  return m;
}

MedicalIntensity window(VoiFunction function, float center, float width, bool invert = false) {
  MedicalIntensity m;
  m.function = function;
  m.window_center = center;
  m.window_width = width;
  m.invert = invert;
  return m;
}

TEST(ModalityValue, MasksTheBitsAboveBitsStored) {
  EXPECT_EQ(modality_value(0xF123, stored_as(12, false)), 0x123);  // the 0xF000 nibble is not pixel data
  EXPECT_EQ(modality_value(0x0FFF, stored_as(12, false)), 4095);
  EXPECT_EQ(modality_value(0xFFFF, stored_as(16, false)), 65535);
  EXPECT_EQ(modality_value(0x0003, stored_as(1, false)), 1);
  EXPECT_EQ(modality_value(0xFF00, stored_as(8, false)), 0);
}

TEST(ModalityValue, SignExtendsFromBitsStored) {
  EXPECT_EQ(modality_value(0x0FFF, stored_as(12, true)), -1);
  EXPECT_EQ(modality_value(0x0800, stored_as(12, true)), -2048);
  EXPECT_EQ(modality_value(0x07FF, stored_as(12, true)), 2047);
  EXPECT_EQ(modality_value(0xF800, stored_as(12, true)), -2048);  // garbage above bit 11 is ignored
  EXPECT_EQ(modality_value(0xA7FF, stored_as(12, true)), 2047);
  EXPECT_EQ(modality_value(0xFFFF, stored_as(16, true)), -1);
  EXPECT_EQ(modality_value(0x8000, stored_as(16, true)), -32768);
  EXPECT_EQ(modality_value(0x7FFF, stored_as(16, true)), 32767);
  EXPECT_EQ(modality_value(0x0001, stored_as(1, true)), -1);
  EXPECT_EQ(modality_value(0xFFFE, stored_as(1, true)), 0);
}

TEST(ModalityValue, AppliesSlopeThenIntercept) {
  EXPECT_EQ(modality_value(1024, stored_as(16, false, 1.0f, -1024.0f)), 0.0f);  // CT: 1024 stored is water
  EXPECT_EQ(modality_value(0, stored_as(16, false, 1.0f, -1024.0f)), -1024.0f);
  EXPECT_EQ(modality_value(0x0FFF, stored_as(12, true, 2.5f, -10.0f)), -12.5f);  // 2.5 * -1 - 10
  EXPECT_EQ(modality_value(3, stored_as(12, false, 0.5f, 0.25f)), 1.75f);
  EXPECT_THROW(modality_value(0, stored_as(0, false)), std::invalid_argument);
  EXPECT_THROW(modality_value(0, stored_as(17, false)), std::invalid_argument);
}

TEST(VoiValue, LinearUsesDicomsCentreMinusHalfAndWidthMinusOne) {
  // c = 40, w = 400: the ramp runs over (39.5 - 199.5, 39.5 + 199.5] = (-160, 239].
  const MedicalIntensity m = window(VoiFunction::linear, 40.0f, 400.0f);
  EXPECT_EQ(voi_value(-1000.0f, m), 0.0f);
  EXPECT_EQ(voi_value(-160.0f, m), 0.0f);  // x <= c - 0.5 - (w - 1) / 2: the lower edge itself is 0
  EXPECT_NEAR(voi_value(-159.5f, m), 0.5 / 399.0, 1e-7);
  EXPECT_EQ(voi_value(39.5f, m), 0.5f);  // the ramp's centre is c - 0.5, not c
  EXPECT_NEAR(voi_value(40.0f, m), 0.5 + 0.5 / 399.0, 1e-7);
  EXPECT_EQ(voi_value(239.0f, m), 1.0f);  // the upper edge is on the ramp, which reaches 1 there
  EXPECT_EQ(voi_value(239.5f, m), 1.0f);
  EXPECT_EQ(voi_value(1e9f, m), 1.0f);
}

TEST(VoiValue, LinearWidthOneIsAThresholdAtCentreMinusHalf) {
  const MedicalIntensity m = window(VoiFunction::linear, 100.0f, 1.0f);
  EXPECT_EQ(voi_value(99.0f, m), 0.0f);
  EXPECT_EQ(voi_value(99.5f, m), 0.0f);
  EXPECT_EQ(voi_value(std::nextafter(99.5f, 100.0f), m), 1.0f);
  EXPECT_EQ(voi_value(100.0f, m), 1.0f);
  EXPECT_THROW(voi_value(0.0f, window(VoiFunction::linear, 100.0f, 0.999f)), std::invalid_argument);
}

TEST(VoiValue, LinearExactUsesCentreAndWidthAsGiven) {
  const MedicalIntensity m = window(VoiFunction::linear_exact, 40.0f, 400.0f);  // ramp over (-160, 240]
  EXPECT_EQ(voi_value(-160.0f, m), 0.0f);
  EXPECT_NEAR(voi_value(-159.0f, m), 1.0 / 400.0, 1e-7);
  EXPECT_EQ(voi_value(40.0f, m), 0.5f);
  EXPECT_EQ(voi_value(140.0f, m), 0.75f);
  EXPECT_EQ(voi_value(240.0f, m), 1.0f);
  EXPECT_EQ(voi_value(241.0f, m), 1.0f);
  // Widths below 1 are fine here (LINEAR could not represent them).
  const MedicalIntensity narrow = window(VoiFunction::linear_exact, 0.0f, 0.5f);
  EXPECT_EQ(voi_value(-0.25f, narrow), 0.0f);
  EXPECT_EQ(voi_value(0.125f, narrow), 0.75f);
  EXPECT_THROW(voi_value(0.0f, window(VoiFunction::linear_exact, 0.0f, 0.0f)), std::invalid_argument);
}

TEST(VoiValue, SigmoidIsCentredAndNeverClipsHard) {
  const MedicalIntensity m = window(VoiFunction::sigmoid, 40.0f, 400.0f);
  EXPECT_EQ(voi_value(40.0f, m), 0.5f);
  EXPECT_NEAR(voi_value(140.0f, m), 1.0 / (1.0 + std::exp(-1.0)), 1e-6);  // 4 * 100 / 400 = 1
  EXPECT_NEAR(voi_value(-60.0f, m), 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_GT(voi_value(-500.0f, m), 0.0f);  // still above 0 well outside the window
  EXPECT_EQ(voi_value(1e6f, m), 1.0f);
  EXPECT_EQ(voi_value(-1e6f, m), 0.0f);  // exp overflows to inf: 1 / inf = 0, not NaN
  EXPECT_THROW(voi_value(0.0f, window(VoiFunction::sigmoid, 0.0f, -1.0f)), std::invalid_argument);
  EXPECT_THROW(voi_value(0.0f, window(VoiFunction::sigmoid, 0.0f, std::numeric_limits<float>::quiet_NaN())),
               std::invalid_argument);
}

TEST(VoiValue, InversionComesAfterWindowing) {
  EXPECT_EQ(voi_value(140.0f, window(VoiFunction::linear_exact, 40.0f, 400.0f, true)), 0.25f);
  EXPECT_EQ(voi_value(-1000.0f, window(VoiFunction::linear_exact, 40.0f, 400.0f, true)), 1.0f);
  EXPECT_EQ(voi_value(1000.0f, window(VoiFunction::linear, 40.0f, 400.0f, true)), 0.0f);
  MedicalIntensity bad_bits = window(VoiFunction::linear, 40.0f, 400.0f);
  bad_bits.bits_stored = 17;
  EXPECT_THROW(voi_value(0.0f, bad_bits), std::invalid_argument);
}

// ---- Whole images ---------------------------------------------------------------------------

std::vector<float> run_medical(const std::vector<std::uint16_t>& stored, int height, int width,
                               const MedicalPreprocessSpec& spec, const MedicalIntensity& m, const SampleParams& p) {
  std::vector<float> out(static_cast<std::size_t>(spec.out_channels) * spec.out_h * spec.out_w, -99.0f);
  preprocess_medical_reference(stored.data(), height, width, spec, m, p, out.data());
  return out;
}

TEST(PreprocessMedicalReference, IdentityGeometryWindowsEveryPixelAndCopiesThePlane) {
  // 12-bit signed CT-like words with garbage above bit 11; rescale -> window -> normalise.
  // As 12-bit signed: 0, 100, -1, 2047, -2048, 200.
  const std::vector<std::uint16_t> stored = {0xF000, 0x0064, 0x0FFF, 0x07FF, 0x0800, 0x00C8};
  MedicalIntensity m = stored_as(12, true, 1.0f, -24.0f);
  m.function = VoiFunction::linear_exact;
  m.window_center = 76.0f;  // ramp over (-124, 276]
  m.window_width = 400.0f;
  const MedicalPreprocessSpec spec{0, 0, 2, 3, 0.5f, 0.25f, 3};
  const std::vector<float> out = run_medical(stored, 2, 3, spec, m, {});
  const double rescaled[] = {-24, 76, -25, 2023, -2072, 176};
  for (int i = 0; i < 6; ++i) {
    const double y = std::clamp((rescaled[i] - 76.0) / 400.0 + 0.5, 0.0, 1.0);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(out[c * 6 + i], (y - 0.5) / 0.25, 1e-6) << "pixel " << i << " plane " << c;
  }
}

TEST(PreprocessMedicalReference, InterpolatesRescaledValuesBeforeWindowing) {
  // 1x2 -> 1x4: taps give 0, 250, 750, 1000. A threshold window at 500 must see those values;
  // windowing first and interpolating after would give 0, 0.25, 0.75, 1 instead.
  const std::vector<std::uint16_t> stored = {0, 1000};
  const MedicalIntensity m = window(VoiFunction::linear_exact, 500.0f, 1.0f);
  const MedicalPreprocessSpec spec{1, 4, 1, 4, 0.0f, 1.0f, 1};
  EXPECT_EQ(run_medical(stored, 1, 2, spec, m, {}), (std::vector<float>{0, 0, 1, 1}));
  const MedicalIntensity wide = window(VoiFunction::linear_exact, 500.0f, 1000.0f);
  EXPECT_EQ(run_medical(stored, 1, 2, spec, wide, {}), (std::vector<float>{0, 0.25f, 0.75f, 1}));
}

TEST(PreprocessMedicalReference, PaddingIsZeroBeforeNormalisationEvenWhenInverted) {
  const std::vector<std::uint16_t> stored = {0, 100, 200, 300};                        // 2x2
  const MedicalIntensity m = window(VoiFunction::linear_exact, 150.0f, 300.0f, true);  // y = 1 - x / 300
  const MedicalPreprocessSpec spec{0, 0, 3, 3, 0.25f, 0.5f, 1};
  const std::vector<float> out = run_medical(stored, 2, 2, spec, m, SampleParams{-1, 0, false});
  const float pad = (0.0f - 0.25f) / 0.5f;
  const std::vector<double> y = {pad, pad, pad, 1.0, 1 - 100 / 300.0, pad, 1 - 200 / 300.0, 0.0, pad};
  for (int i = 0; i < 9; ++i) {
    const double expected = y[i] == pad ? pad : (y[i] - 0.25) / 0.5;
    EXPECT_NEAR(out[i], expected, 1e-6) << i;
  }
  // Wholly outside: every value is the padding.
  for (float v : run_medical(stored, 2, 2, spec, m, SampleParams{5, -7, true})) EXPECT_EQ(v, pad);
}

TEST(PreprocessMedicalReference, FlipMirrorsTheCroppedWindow) {
  std::vector<std::uint16_t> stored(9 * 13);
  std::mt19937 rng(1);
  for (auto& v : stored) v = static_cast<std::uint16_t>(rng());
  const MedicalIntensity m = [] {
    MedicalIntensity i = stored_as(12, true, 1.0f, 0.0f);
    i.window_center = 0.0f;
    i.window_width = 4096.0f;
    return i;
  }();
  const MedicalPreprocessSpec spec{14, 20, 6, 9, 0.0f, 1.0f, 3};
  const std::vector<float> a = run_medical(stored, 9, 13, spec, m, SampleParams{2, -3, false});  // off the left edge
  const std::vector<float> b = run_medical(stored, 9, 13, spec, m, SampleParams{2, -3, true});
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 6; ++y) {
      for (int x = 0; x < 9; ++x) EXPECT_EQ(b[(c * 6 + y) * 9 + x], a[(c * 6 + y) * 9 + (8 - x)]);
    }
  }
}

// The whole chain from the formulas, in double: taps from src = (dst + 0.5) * in / out - 0.5.
double reference_rescaled(std::uint16_t stored, const MedicalIntensity& m) {
  long value = stored % (1L << m.bits_stored);
  if (m.is_signed && value >= (1L << (m.bits_stored - 1))) value -= 1L << m.bits_stored;
  return static_cast<double>(m.slope) * value + m.intercept;
}

double reference_window(double x, const MedicalIntensity& m) {
  const double c = m.window_center, w = m.window_width;
  double y;
  switch (m.function) {
    case VoiFunction::linear:
      y = x <= c - 0.5 - (w - 1) / 2 ? 0.0 : x > c - 0.5 + (w - 1) / 2 ? 1.0 : (x - (c - 0.5)) / (w - 1) + 0.5;
      break;
    case VoiFunction::linear_exact: y = x <= c - w / 2 ? 0.0 : x > c + w / 2 ? 1.0 : (x - c) / w + 0.5; break;
    default: y = 1.0 / (1.0 + std::exp(-4.0 * (x - c) / w)); break;
  }
  return m.invert ? 1.0 - y : y;
}

std::vector<double> reference_medical(const std::vector<std::uint16_t>& stored, int height, int width,
                                      const MedicalPreprocessSpec& spec, const MedicalIntensity& m,
                                      const SampleParams& p) {
  const int rh = spec.resize_h > 0 ? spec.resize_h : height;
  const int rw = spec.resize_w > 0 ? spec.resize_w : width;
  auto locate = [](int dst, int in, int out, int& lower, int& upper, double& weight) {
    const double src = std::clamp((dst + 0.5) * in / out - 0.5, 0.0, static_cast<double>(in - 1));
    lower = static_cast<int>(std::floor(src));
    upper = std::min(lower + 1, in - 1);
    weight = src - lower;
  };
  auto at = [&](int y, int x) { return reference_rescaled(stored[static_cast<std::size_t>(y) * width + x], m); };
  std::vector<double> plane;
  for (int oy = 0; oy < spec.out_h; ++oy) {
    for (int ox = 0; ox < spec.out_w; ++ox) {
      const int y = p.crop_y + oy;
      const int x = p.crop_x + (p.flip ? spec.out_w - 1 - ox : ox);
      double value = 0.0;
      if (y >= 0 && y < rh && x >= 0 && x < rw) {
        int y0, y1, x0, x1;
        double wy, wx;
        locate(y, height, rh, y0, y1, wy);
        locate(x, width, rw, x0, x1, wx);
        const double top = (1 - wx) * at(y0, x0) + wx * at(y0, x1);
        const double bottom = (1 - wx) * at(y1, x0) + wx * at(y1, x1);
        value = reference_window((1 - wy) * top + wy * bottom, m);
      }
      plane.push_back((value - spec.mean) / spec.std);
    }
  }
  std::vector<double> out;
  for (int c = 0; c < spec.out_channels; ++c) out.insert(out.end(), plane.begin(), plane.end());
  return out;
}

TEST(PreprocessMedicalReference, MatchesDirectDoubleReferenceAcrossResizeCropFlipAndWindows) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> size(1, 30);
  const VoiFunction functions[] = {VoiFunction::linear, VoiFunction::linear_exact, VoiFunction::sigmoid};
  for (int i = 0; i < 120; ++i) {
    const int height = size(rng), width = size(rng);
    std::vector<std::uint16_t> stored(static_cast<std::size_t>(height) * width);
    for (auto& v : stored) v = static_cast<std::uint16_t>(rng());
    MedicalIntensity m =
        stored_as(i % 3 == 0 ? 16 : 12, i % 2 == 0, i % 4 == 0 ? 2.5f : 1.0f, i % 5 == 0 ? -1024.0f : 0.0f);
    m.function = functions[i % 3];
    // Windows wide enough that float interpolation noise (~1e-3 HU) stays far below 1e-4 of y.
    m.window_center = std::uniform_real_distribution<float>(-3000.0f, 3000.0f)(rng);
    m.window_width = std::uniform_real_distribution<float>(2000.0f, 20000.0f)(rng);
    m.invert = i % 7 == 0;
    MedicalPreprocessSpec spec;
    spec.resize_h = i % 5 == 0 ? 0 : size(rng);
    spec.resize_w = i % 5 == 0 ? 0 : size(rng);
    spec.out_h = size(rng);
    spec.out_w = size(rng);
    spec.mean = 0.3f;
    spec.std = 0.7f;
    spec.out_channels = i % 2 == 0 ? 3 : 1;
    std::uniform_int_distribution<int> offset(-10, 30);
    const SampleParams p{offset(rng), offset(rng), i % 3 == 1};
    const std::vector<float> got = run_medical(stored, height, width, spec, m, p);
    const std::vector<double> expected = reference_medical(stored, height, width, spec, m, p);
    ASSERT_EQ(got.size(), expected.size());
    double worst = 0;
    for (std::size_t j = 0; j < got.size(); ++j) worst = std::max(worst, std::abs(got[j] - expected[j]));
    EXPECT_LE(worst, 1e-4) << "case " << i;
  }
}

TEST(PreprocessMedicalReference, RejectsBadArguments) {
  const std::vector<std::uint16_t> stored(16, 0);
  std::vector<float> out(3 * 16);
  const MedicalPreprocessSpec good{0, 0, 4, 4, 0.0f, 1.0f, 1};
  const MedicalIntensity fine;
  EXPECT_NO_THROW(preprocess_medical_reference(stored.data(), 4, 4, good, fine, {}, out.data()));
  EXPECT_THROW(preprocess_medical_reference(nullptr, 4, 4, good, fine, {}, out.data()), std::invalid_argument);
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 4, 4, good, fine, {}, nullptr), std::invalid_argument);
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 0, 4, good, fine, {}, out.data()), std::invalid_argument);
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 4, -1, good, fine, {}, out.data()), std::invalid_argument);
  auto with = [&](auto change) {
    MedicalPreprocessSpec spec = good;
    change(spec);
    return spec;
  };
  EXPECT_THROW(
      preprocess_medical_reference(stored.data(), 4, 4, with([](auto& s) { s.out_h = 0; }), fine, {}, out.data()),
      std::invalid_argument);
  EXPECT_THROW(
      preprocess_medical_reference(stored.data(), 4, 4, with([](auto& s) { s.resize_w = -2; }), fine, {}, out.data()),
      std::invalid_argument);
  EXPECT_THROW(
      preprocess_medical_reference(stored.data(), 4, 4, with([](auto& s) { s.std = 0.0f; }), fine, {}, out.data()),
      std::invalid_argument);
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 4, 4, with([](auto& s) { s.out_channels = 2; }), fine, {},
                                            out.data()),
               std::invalid_argument);
  MedicalIntensity bits = fine;
  bits.bits_stored = 0;
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 4, 4, good, bits, {}, out.data()), std::invalid_argument);
  EXPECT_THROW(
      preprocess_medical_reference(stored.data(), 4, 4, good, window(VoiFunction::linear, 0.0f, 0.5f), {}, out.data()),
      std::invalid_argument);
  EXPECT_THROW(
      preprocess_medical_reference(stored.data(), 4, 4, good, window(VoiFunction::sigmoid, 0.0f, 0.0f), {}, out.data()),
      std::invalid_argument);
  MedicalIntensity unknown = fine;
  unknown.function = static_cast<VoiFunction>(7);
  EXPECT_THROW(preprocess_medical_reference(stored.data(), 4, 4, good, unknown, {}, out.data()), std::invalid_argument);
}

TEST(GeometryOf, CarriesTheSizesSoImageCropsApply) {
  const MedicalPreprocessSpec spec{256, 300, 224, 224, 0.5f, 0.25f, 3};
  const ImagePreprocessSpec g = geometry_of(spec);
  EXPECT_EQ(g.resize_h, 256);
  EXPECT_EQ(g.resize_w, 300);
  EXPECT_EQ(g.out_h, 224);
  EXPECT_EQ(g.out_w, 224);
  const SampleParams p = center_crop(g, 512, 512);
  EXPECT_EQ(p.crop_y, 16);
  EXPECT_EQ(p.crop_x, 38);
  EXPECT_NO_THROW(random_crop(g, 512, 512, 0, 0.5, 3));
}

}  // namespace
}  // namespace tessera::ops
