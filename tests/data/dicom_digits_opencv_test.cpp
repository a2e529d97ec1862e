// prepare dicom-digits on the synthetic sheet: the same split as the PNG digits, the promised mix
// of encodings, every file windowed back to its PNG pixel / 255, and the loader giving the network
// the same tensors for both datasets.
#include "tessera/data/dicom_digits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "support/digits_sheet.h"
#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/data/dataset.h"
#include "tessera/data/digits.h"
#include "tessera/data/loader.h"
#include "tessera/io/dicom.h"
#include "tessera/ops/dicom_intensity.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;
using tessera::testing::cell_pixel;
using tessera::testing::list_prepared;
using tessera::testing::TempDir;
using tessera::testing::write_sheet;

constexpr std::uint64_t kSeed = 7;

class DicomDigitsTest : public ::testing::Test {
 protected:
  // One PNG and one DICOM preparation of the synthetic sheet, shared by the tests of one process
  // (about 3 s; ctest runs each test in a process of its own).
  static void SetUpTestSuite() {
    if (!io::dicom_available()) return;
    dir_ = new TempDir("dicom-digits");
    const fs::path sheet = write_sheet(dir_->path());
    png_counts_ = prepare_digits(sheet, *dir_ / "png", kSeed);
    dicom_counts_ = prepare_dicom_digits(sheet, *dir_ / "dicom", kSeed);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!io::dicom_available()) GTEST_SKIP() << "this build has no DICOM support (TESSERA_WITH_DCMTK off)";
  }
  static fs::path png() { return *dir_ / "png"; }
  static fs::path dicom() { return *dir_ / "dicom"; }

  static inline TempDir* dir_ = nullptr;
  static inline PreparedCounts png_counts_, dicom_counts_;
};

TEST_F(DicomDigitsTest, SameSplitAsThePngDigits) {
  EXPECT_EQ(dicom_counts_.train, png_counts_.train);
  EXPECT_EQ(dicom_counts_.val, png_counts_.val);
  EXPECT_EQ(dicom_counts_.test, png_counts_.test);
  EXPECT_EQ(list_prepared(dicom()), list_prepared(png()));
  EXPECT_FALSE(fs::exists(*dir_ / "dicom.tmp"));
  EXPECT_TRUE(fs::exists(dicom() / "test" / "0"));
  const auto dataset = load_image_folder(dicom() / "train");
  EXPECT_EQ(dataset.samples.size(), 4000u);
  EXPECT_TRUE(is_dicom_dataset(dataset));
}

// Every file: its header is the encoding dicom_digit_encoding promised, and decoded, rescaled,
// windowed with its own window and inverted when MONOCHROME1 it is the sheet's cell / 255.
TEST_F(DicomDigitsTest, EveryFileWindowsBackToThePngPixels) {
  std::map<std::string, int> kinds;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dicom())) {
    if (entry.path().extension() != ".dcm" || entry.path().parent_path().parent_path().filename() == "series") continue;
    const int g = std::stoi(entry.path().stem().string());
    const DicomDigitEncoding e = dicom_digit_encoding(kSeed, g);
    const io::DicomImage image = io::decode_dicom(entry.path());
    const io::DicomMetadata& m = image.meta;
    const std::string kind = std::string(io::compression_name(e.compression)) + (e.monochrome1 ? " mono1" : " mono2") +
                             " slope " + std::to_string(e.slope) + " bits " + std::to_string(e.bits_stored);
    SCOPED_TRACE(entry.path().filename().string() + ": " + kind);
    ++kinds[kind];
    ++files;
    ASSERT_EQ(m.rows, 20);
    ASSERT_EQ(m.columns, 20);
    EXPECT_EQ(m.modality, "CT");
    EXPECT_TRUE(m.is_signed);
    EXPECT_EQ(m.bits_stored, e.bits_stored);
    EXPECT_EQ(m.rescale_slope, e.slope);
    EXPECT_EQ(m.rescale_intercept, kDicomDigitsIntercept);
    EXPECT_EQ(m.photometric, e.monochrome1 ? io::Photometric::monochrome1 : io::Photometric::monochrome2);
    EXPECT_EQ(m.window_center, kDicomDigitsWindowCenter);
    EXPECT_EQ(m.window_width, kDicomDigitsWindowWidth);
    ASSERT_TRUE(m.pixel_spacing);
    EXPECT_EQ(*m.pixel_spacing, (std::array<double, 2>{0.5, 0.5}));
    const ops::MedicalIntensity intensity = ops::intensity_of(m);
    float worst = 0.0f;
    for (int y = 0; y < 20; ++y)
      for (int x = 0; x < 20; ++x) {
        float v = ops::voi_value(image.values[y * 20 + x], intensity);
        worst = std::max(worst, std::fabs(v - cell_pixel(g, y, x) / 255.0f));
      }
    EXPECT_LE(worst, 1e-6f);
  }
  EXPECT_EQ(files, 5000);
  // Every combination the encoding can draw occurs, with the promised shares.
  EXPECT_EQ(kinds.size(), 4u * 2u * (2u * 2u + 1u)) << "compression x photometric x (slope 1 or 2 x bits 12/16, slope 0.5 x bits 16)";
  std::map<std::string, int> share;
  for (const auto& [kind, n] : kinds) {
    share[kind.substr(0, kind.find(' '))] += n;
    share[kind.find("mono1") != std::string::npos ? "mono1" : "mono2"] += n;
    share[kind.find("slope 1.0") != std::string::npos ? "slope 1" : "slope != 1"] += n;
  }
  for (const char* codec : {"rle", "jpeg_lossless", "jpeg_ls_lossless"}) {
    EXPECT_NEAR(share[codec], 500, 100) << codec;  // about 10% each
  }
  EXPECT_NEAR(share["mono1"], 1250, 150);       // about 25%
  EXPECT_NEAR(share["slope != 1"], 1250, 150);  // about 25%

  const std::string source = read_file(dicom() / "SOURCE.txt");
  EXPECT_NE(source.find("tessera prepare dicom-digits"), std::string::npos) << source;
  EXPECT_NE(source.find("<NNNN>.dcm"), std::string::npos) << source;
  EXPECT_NE(source.find("rle " + std::to_string(share["rle"])), std::string::npos) << source;
  EXPECT_NE(source.find("MONOCHROME1 " + std::to_string(share["mono1"])), std::string::npos) << source;
}

// What training sees: the loader's tensors for the DICOM test split (window [-3.5, 2041] as in
// configs/dicom_digits.yaml) equal those of the PNG test split.
TEST_F(DicomDigitsTest, SeriesAreAxialStacksOfTestCellsOfTheirDigit) {
  std::ifstream labels(dicom() / "series" / "labels.csv");
  std::string line;
  std::getline(labels, line);
  ASSERT_EQ(line, "series,label");
  const auto test_cells = list_prepared(dicom())["test"];
  int series = 0;
  while (std::getline(labels, line)) {
    const std::string name = line.substr(0, line.find(','));
    const int digit = std::stoi(line.substr(line.find(',') + 1));
    SCOPED_TRACE(name);
    EXPECT_EQ(digit, series % 10);
    std::multiset<double> z;
    for (const auto& entry : fs::directory_iterator(dicom() / "series" / name)) {
      const io::DicomImage image = io::decode_dicom(entry.path());
      ASSERT_TRUE(image.meta.image_position && image.meta.image_orientation);
      EXPECT_EQ(*image.meta.image_orientation, (std::array<double, 6>{1, 0, 0, 0, 1, 0}));
      z.insert((*image.meta.image_position)[2]);
      // The slice is one of the digit's test cells, windowed back exactly.
      const ops::MedicalIntensity intensity = ops::intensity_of(image.meta);
      bool found = false;
      for (const int g : test_cells.at(digit)) {
        bool same = true;
        for (int i = 0; i < 400 && same; ++i) {
          same = std::fabs(ops::voi_value(image.values[i], intensity) - cell_pixel(g, i / 20, i % 20) / 255.0f) <= 1e-6f;
        }
        found = found || same;
      }
      EXPECT_TRUE(found) << entry.path().filename() << " is not a test cell of digit " << digit;
    }
    std::multiset<double> want;
    for (int k = 0; k < kDicomDigitSlices; ++k) {
      if (series == kDicomDigitGapSeries && k == kDicomDigitSlices / 2) continue;
      want.insert(kDicomDigitFirstZ + kDicomDigitSpacing * k);
      if (series == kDicomDigitDuplicateSeries && k == 2) want.insert(kDicomDigitFirstZ + kDicomDigitSpacing * k);
    }
    EXPECT_EQ(z, want);
    ++series;
  }
  EXPECT_EQ(series, kDicomDigitSeries);
}

TEST_F(DicomDigitsTest, TheLoaderSeesThePngTensors) {
  LoaderOptions o;
  o.batch_size = 100;
  o.workers = 2;
  o.preprocess.out_h = o.preprocess.out_w = 20;
  o.preprocess.mean = {0.5f};
  o.preprocess.std = {0.5f};
  BatchLoader png_loader(load_image_folder(png() / "test"), o);
  o.window.mode = ops::WindowChoice::Mode::fixed;
  o.window.center = static_cast<float>(kDicomDigitsWindowCenter);
  o.window.width = static_cast<float>(kDicomDigitsWindowWidth);
  BatchLoader dicom_loader(load_image_folder(dicom() / "test"), o);
  png_loader.start_epoch(0);
  dicom_loader.start_epoch(0);
  std::int64_t rows = 0;
  while (auto p = png_loader.next()) {
    auto d = dicom_loader.next();
    ASSERT_TRUE(d);
    EXPECT_TRUE(torch::equal(p->labels, d->labels));
    EXPECT_TRUE(d->failures.empty());
    EXPECT_LE((p->images - d->images).abs().max().item<float>(), 2e-6f);  // 1e-6 on [0, 1], / std 0.5
    rows += p->size();
  }
  EXPECT_FALSE(dicom_loader.next());
  EXPECT_EQ(rows, 500);
}

TEST(DicomDigitEncoding, IsAPureFunctionOfSeedAndIndex) {
  int differ = 0;
  for (int g = 0; g < 200; ++g) {
    const auto a = dicom_digit_encoding(kSeed, g), b = dicom_digit_encoding(kSeed, g), c = dicom_digit_encoding(kSeed + 1, g);
    EXPECT_EQ(a.compression, b.compression);
    EXPECT_EQ(a.slope, b.slope);
    EXPECT_EQ(a.bits_stored, b.bits_stored);
    EXPECT_EQ(a.monochrome1, b.monochrome1);
    differ += a.compression != c.compression || a.slope != c.slope || a.monochrome1 != c.monochrome1;
    if (a.slope == 0.5) EXPECT_EQ(a.bits_stored, 16) << "16 g up to 4080 needs more than 12 bits";
  }
  EXPECT_GT(differ, 100) << "another seed, other encodings";
}

TEST(PrepareDicomDigits, RejectsWhatPrepareDigitsRejects) {
  TempDir t("dicom-digits");
  EXPECT_THROW(prepare_dicom_digits(t / "missing.png", t / "out"), UserError);
  EXPECT_FALSE(fs::exists(t / "out"));
}

}  // namespace
}  // namespace tessera::data
