// Series -> volume on real files: nibabel's two-slice MR series (Debian's python3-nibabel,
// 3 mm apart), copied under names that reverse the file order, plus dcmodify-made slices for a
// gap and a duplicate. Slice positions are checked against nibabel's own `slice_indicator`
// (an independent implementation of the same geometry) within 1e-4 mm.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/pydicom_files.h"
#include "tessera/core/error.h"
#include "tessera/core/remove_tree.h"
#include "tessera/io/dicom.h"
#include "tessera/io/dicom_series.h"

namespace fs = std::filesystem;
using namespace tessera::io;

namespace {

const fs::path kNibabel = "/usr/lib/python3/dist-packages/nibabel/nicom/tests/data";
constexpr double kMm = 1e-4;

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

class DicomSeriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_regular_file(kNibabel / "0.dcm") || !run("dcmodify --version")) {
      GTEST_SKIP() << "needs Debian's python3-nibabel test data and the dcmtk tools (dcmodify)";
    }
    dir_ = fs::temp_directory_path() / ("tessera_series_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    tessera::remove_tree(dir_);
    fs::create_directories(dir_);
    // "a" holds the upper slice and "b" the lower one: file order is the reverse of position order.
    fs::copy_file(kNibabel / "1.dcm", dir_ / "a.dcm");
    fs::copy_file(kNibabel / "0.dcm", dir_ / "b.dcm");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) tessera::remove_tree(dir_, ec);
  }
  // A copy of 0.dcm moved to z (ImagePositionPatient keeps x and y).
  void add_slice(const std::string& name, const std::string& z) {
    fs::copy_file(kNibabel / "0.dcm", dir_ / name);
    ASSERT_TRUE(run("dcmodify -nb -m '(0020,0032)=-805\\-825.019119\\" + z + "' '" + (dir_ / name).string() + "'"));
  }
  fs::path dir_;
};

// nibabel's slice_indicator for each file, in the given order.
std::vector<double> nibabel_positions(const std::vector<fs::path>& files) {
  const fs::path out = fs::temp_directory_path() / ("tessera_nibabel_" + std::to_string(::getpid()) + ".txt");
  std::string command = "/usr/bin/python3 -W ignore -c 'import sys\nfrom nibabel.nicom import dicomwrappers as w\n"
                        "print(*[w.wrapper_from_file(f).slice_indicator for f in sys.argv[1:]])'";
  for (const auto& f : files) command += " '" + f.string() + "'";
  std::vector<double> positions;
  if (std::system((command + " > '" + out.string() + "' 2>/dev/null").c_str()) != 0) return positions;
  std::ifstream in(out);
  for (double v; in >> v;) positions.push_back(v);
  fs::remove(out);
  return positions;
}

}  // namespace

TEST_F(DicomSeriesTest, TwoSliceSeriesSortsByPositionWithThreeMillimetreSpacing) {
  const DicomVolume volume = load_dicom_volume(dir_);
  EXPECT_EQ(volume.depth, 2);
  EXPECT_EQ(volume.rows, 256);
  EXPECT_EQ(volume.columns, 256);
  EXPECT_NEAR(volume.spacing[0], 3.0, 1e-3);  // 3 mm in z, projected on a normal tilted by 0.3 degrees
  EXPECT_DOUBLE_EQ(volume.spacing[1], 1.796875);
  EXPECT_DOUBLE_EQ(volume.spacing[2], 1.796875);
  EXPECT_TRUE(volume.order.warnings.empty());
  EXPECT_EQ(volume.order.order, (std::vector<std::size_t>{1, 0}));  // b.dcm (z = -75.1) first

  // The stacked planes are the files' own modality values, lower slice first.
  const std::size_t plane = 256 * 256;
  ASSERT_EQ(volume.values.size(), 2 * plane);
  const DicomImage lower = decode_dicom(kNibabel / "0.dcm"), upper = decode_dicom(kNibabel / "1.dcm");
  EXPECT_TRUE(std::equal(lower.values.begin(), lower.values.end(), volume.values.begin()));
  EXPECT_TRUE(std::equal(upper.values.begin(), upper.values.end(), volume.values.begin() + plane));

  const auto oracle = nibabel_positions({dir_ / "b.dcm", dir_ / "a.dcm"});
  if (oracle.size() == 2) {
    EXPECT_NEAR(volume.order.positions[0], oracle[0], kMm);
    EXPECT_NEAR(volume.order.positions[1], oracle[1], kMm);
  } else {
    ADD_FAILURE() << "nibabel (python3-nibabel) could not compute slice positions";
  }
}

TEST_F(DicomSeriesTest, GapIsReportedAndDuplicateLeftOut) {
  add_slice("c.dcm", "-69.097641");  // 3 mm above a.dcm
  add_slice("d.dcm", "-63.097641");  // 6 mm above c.dcm: a gap
  add_slice("e.dcm", "-75.097641");  // the position of b.dcm again: a duplicate
  const DicomVolume volume = load_dicom_volume(dir_);
  EXPECT_EQ(volume.depth, 4);  // e.dcm left out
  EXPECT_NEAR(volume.spacing[0], 3.0, 1e-3);
  EXPECT_EQ(volume.order.duplicates, (std::vector<std::size_t>{4}));
  ASSERT_EQ(volume.order.warnings.size(), 2u);
  EXPECT_NE(volume.order.warnings[0].find("duplicate slice position"), std::string::npos);
  EXPECT_NE(volume.order.warnings[0].find("slice #1 and slice #4"), std::string::npos);
  EXPECT_NE(volume.order.warnings[1].find("gap of 6 mm between slice #2 and slice #3"), std::string::npos);

  const auto oracle = nibabel_positions({dir_ / "b.dcm", dir_ / "a.dcm", dir_ / "c.dcm", dir_ / "d.dcm"});
  ASSERT_EQ(oracle.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(volume.order.positions[i == 0 ? 0 : i + 1], oracle[i], kMm) << i;
  // Warnings carry slice numbers and millimetres only: no file or folder names.
  for (const auto& warning : volume.order.warnings) EXPECT_EQ(warning.find(".dcm"), std::string::npos) << warning;
}

TEST_F(DicomSeriesTest, MismatchedSlicesAndEmptyFoldersAreClearErrors) {
  fs::copy_file(tessera::testing::kPydicomTestFiles / "CT_small.dcm", dir_ / "c.dcm");
  try {
    load_dicom_volume(dir_);
    FAIL() << "expected a DecodeError";
  } catch (const tessera::DecodeError& e) {
    EXPECT_STREQ(e.what(), "series slice #2 is 128x128, slice #0 is 256x256");
  }
  const fs::path empty = dir_ / "empty";
  fs::create_directories(empty);
  EXPECT_THROW(load_dicom_volume(empty), tessera::UserError);
  EXPECT_THROW(load_dicom_volume(dir_ / "missing"), tessera::UserError);
}
