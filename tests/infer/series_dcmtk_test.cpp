// Which folders of an inference input are series: nibabel's two-slice MR series (python3-nibabel,
// copied under names that reverse file order) is one, with a truncated file counted as unreadable;
// a folder of CT_small copies (one position) and a lone file are not.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "support/pydicom_files.h"
#include "tessera/core/remove_tree.h"
#include "tessera/infer/series.h"

namespace fs = std::filesystem;
using namespace tessera::infer;

namespace {
const fs::path kNibabel = "/usr/lib/python3/dist-packages/nibabel/nicom/tests/data";
const fs::path kPydicom = tessera::testing::kPydicomTestFiles;
}  // namespace

TEST(FindSeries, FoldersOfSlicesAtDistinctPositionsOnly) {
  if (!fs::exists(kNibabel / "0.dcm") || !fs::exists(kPydicom / "CT_small.dcm")) {
    GTEST_SKIP() << "needs Debian's python3-nibabel and python3-pydicom test files";
  }
  const fs::path dir = fs::temp_directory_path() / ("tessera_find_series_" + std::to_string(::getpid()));
  tessera::remove_tree(dir);
  fs::create_directories(dir / "mr");
  fs::create_directories(dir / "copies");
  fs::create_directories(dir / "lone");
  fs::copy_file(kNibabel / "1.dcm", dir / "mr" / "a.dcm");
  fs::copy_file(kNibabel / "0.dcm", dir / "mr" / "b.dcm");
  std::ofstream(dir / "mr" / "c.dcm", std::ios::binary) << "DICM? no: a truncated file";
  for (const char* name : {"1.dcm", "2.dcm", "3.dcm"}) fs::copy_file(kPydicom / "CT_small.dcm", dir / "copies" / name);
  fs::copy_file(kNibabel / "0.dcm", dir / "lone" / "x.dcm");

  tessera::data::ClassificationDataset dataset;
  for (const char* path : {"copies/1.dcm", "copies/2.dcm", "copies/3.dcm", "lone/x.dcm", "mr/a.dcm", "mr/b.dcm",
                           "mr/c.dcm"}) {
    dataset.samples.push_back({dir / path, -1});
  }
  const auto series = find_series(dataset, [](std::size_t i) { return "sample " + std::to_string(i); });
  tessera::remove_tree(dir);

  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].folder, dir / "mr");
  EXPECT_EQ(series[0].slices, (std::vector<std::size_t>{5, 4}));  // b.dcm (z -75.1) before a.dcm (z -72.1)
  EXPECT_EQ(series[0].unreadable, (std::vector<std::size_t>{6}));
  EXPECT_NEAR(series[0].spacing, 3.0, 1e-3);
  ASSERT_EQ(series[0].positions.size(), 2u);
  EXPECT_LT(series[0].positions[0], series[0].positions[1]);
  EXPECT_TRUE(series[0].warnings.empty());
}

// Issue 19, point 9: one enhanced multi-frame file (pydicom-data's eCT_Supplemental, 2 frames 10 mm
// apart in its per-frame functional groups) becomes one sample per frame and a series of its own.
TEST(FindSeries, AMultiFrameFileIsASeriesOfItsFramesInPlaneOrder) {
  const fs::path enhanced = TESSERA_SOURCE_DIR "/tests/fixtures/dicom/pydicom-data_eCT_Supplemental.dcm";
  const fs::path single = TESSERA_SOURCE_DIR "/tests/fixtures/dicom/dcm_qa_ts_1_native.dcm";
  tessera::data::ClassificationDataset dataset;
  dataset.samples.push_back({single, -1});
  dataset.samples.push_back({enhanced, -1});
  expand_multi_frame(dataset);
  ASSERT_EQ(dataset.samples.size(), 3u);
  EXPECT_EQ(dataset.samples[0].frame, -1);  // single-frame files stay whole
  EXPECT_EQ(dataset.samples[1].frame, 0);
  EXPECT_EQ(dataset.samples[2].frame, 1);
  EXPECT_EQ(dataset.samples[2].path, enhanced);

  const auto series = find_series(dataset, [](std::size_t i) { return "sample " + std::to_string(i); });
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].folder, enhanced);
  // Frame 0 at z -159, frame 1 at z -149; orientation (-1,0,0)/(0,1,0) has normal (0,0,-1), so
  // along it frame 1 (149) comes before frame 0 (159).
  EXPECT_EQ(series[0].slices, (std::vector<std::size_t>{2, 1}));
  EXPECT_NEAR(series[0].spacing, 10.0, 1e-6);
  EXPECT_TRUE(series[0].warnings.empty());
}

// The header reads run on several threads: 8 threads on this 2-core machine (more than cores) give
// exactly the single-threaded result, in input order.
TEST(FindSeries, ExpandingFramesOnManyThreadsKeepsInputOrder) {
  const fs::path enhanced = TESSERA_SOURCE_DIR "/tests/fixtures/dicom/pydicom-data_eCT_Supplemental.dcm";
  const fs::path single = TESSERA_SOURCE_DIR "/tests/fixtures/dicom/dcm_qa_ts_1_native.dcm";
  tessera::data::ClassificationDataset input;
  for (int i = 0; i < 300; ++i) input.samples.push_back({i % 3 == 0 ? enhanced : single, i % 2});
  auto serial = input, parallel = input;
  const auto t0 = std::chrono::steady_clock::now();
  expand_multi_frame(serial, 1);
  const auto t1 = std::chrono::steady_clock::now();
  expand_multi_frame(parallel, 8);
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("  300 headers: 1 thread %.1f ms, 8 threads %.1f ms\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  ASSERT_EQ(serial.samples.size(), 400u);  // 100 two-frame files, 200 single
  ASSERT_EQ(parallel.samples.size(), serial.samples.size());
  for (std::size_t i = 0; i < serial.samples.size(); ++i) {
    EXPECT_EQ(parallel.samples[i].path, serial.samples[i].path) << i;
    EXPECT_EQ(parallel.samples[i].label, serial.samples[i].label) << i;
    EXPECT_EQ(parallel.samples[i].frame, serial.samples[i].frame) << i;
  }
  EXPECT_EQ(serial.samples[0].frame, 0);
  EXPECT_EQ(serial.samples[1].frame, 1);
  EXPECT_EQ(serial.samples[2].frame, -1);
}
