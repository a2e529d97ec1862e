// Issue 19 through a dataset: the DICOM classes of tests/io/dicom_real_world_dcmtk_test.cpp (built
// by tests/io/dicom_cases.py) as class folders through BatchLoader. Each file must give exactly the
// batch row of its twin that needs none of the new paths (uncompressed, no LUT, well formed), and
// the kinds a 2-D grey dataset cannot take (float, palette colour, several frames) must be
// reported per sample with a clear reason, never crash the epoch.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "support/temp_dir.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;
using tessera::testing::TempDir;

class DicomRealWorldLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string python = TESSERA_PYTHON_EXE;
    const std::string make = "'" + python + "' " TESSERA_SOURCE_DIR "/tests/io/dicom_cases.py '" +
                             (dir_.path() / "cases").string() + "' >/dev/null 2>&1";
    const int rc = python.empty() ? -1 : std::system(make.c_str());
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
      GTEST_SKIP() << "needs pydicom 3 and pylibjpeg-openjpeg in the venv (tools/deps/venv.txt) for dicom_cases.py";
  }

  // Copies the named cases into root/<class>/ and returns the dataset.
  ClassificationDataset dataset(const std::map<std::string, std::vector<std::string>>& classes) {
    const fs::path root = dir_.path() / "set";
    for (const auto& [label, names] : classes) {
      fs::create_directories(root / label);
      for (const auto& name : names)
        fs::copy_file(dir_.path() / "cases" / (name + ".dcm"), root / label / (name + ".dcm"));
    }
    return load_dataset(root);
  }

  static LoaderOptions options() {
    LoaderOptions o;
    o.batch_size = 4;
    o.workers = 2;
    o.channels = 1;
    o.preprocess.out_h = o.preprocess.out_w = 32;
    o.preprocess.mean = {0.0f};
    o.preprocess.std = {1.0f};
    o.window = {ops::WindowChoice::Mode::fixed, 0.0f, 4096.0f};  // one window for all: rows compare
    return o;
  }

  TempDir dir_;
};

TEST_F(DicomRealWorldLoader, EachNewKindGivesItsTwinsRow) {
  const ClassificationDataset ds =
      dataset({{"a", {"rle_ct_native", "rle_ct_3_fragments", "rle_ct_3_fragments_bot", "j2k_ct_signed_lossless"}},
               {"b", {"mlut_signed_12_bit", "mlut_signed_12_bit_applied", "delimitation_correct",
                      "delimitation_wrong_item"}}});
  BatchLoader loader(ds, options());
  loader.start_epoch(0);
  std::map<std::string, torch::Tensor> rows;
  while (auto batch = loader.next()) {
    EXPECT_TRUE(batch->failures.empty()) << batch->failures.front().reason;
    for (std::int64_t r = 0; r < batch->size(); ++r)
      rows[ds.samples[batch->indices[static_cast<std::size_t>(r)]].path.stem().string()] = batch->images[r].clone();
  }
  ASSERT_EQ(rows.size(), 8u);
  for (const auto& [name, twin] : std::vector<std::pair<std::string, std::string>>{
           {"rle_ct_3_fragments", "rle_ct_native"},
           {"rle_ct_3_fragments_bot", "rle_ct_native"},
           {"j2k_ct_signed_lossless", "rle_ct_native"},
           {"mlut_signed_12_bit", "mlut_signed_12_bit_applied"},
           {"delimitation_wrong_item", "delimitation_correct"}}) {
    EXPECT_TRUE(torch::equal(rows.at(name), rows.at(twin))) << name << " vs " << twin;
  }
  EXPECT_GT(rows.at("rle_ct_native").max().item<float>(), rows.at("rle_ct_native").min().item<float>());  // not blank
}

TEST_F(DicomRealWorldLoader, KindsAGreyDatasetCannotTakeAreReportedPerSample) {
  const ClassificationDataset ds =
      dataset({{"a", {"rle_ct_native", "float_pixel_data"}}, {"b", {"palette_8_bit_entries", "enhanced_ct_shared_rescale"}}});
  BatchLoader loader(ds, options());
  loader.start_epoch(0);
  std::vector<std::string> reasons;
  std::int64_t delivered = 0;
  while (auto batch = loader.next()) {
    delivered += batch->size();
    for (const auto& failure : batch->failures) reasons.push_back(failure.reason);
  }
  EXPECT_EQ(delivered, 1);
  ASSERT_EQ(reasons.size(), 3u);
  for (const auto& reason : reasons) {
    const bool clear = reason.find("DICOM datasets take") != std::string::npos || reason.find("multi-frame") != std::string::npos;
    EXPECT_TRUE(clear) << reason;
    EXPECT_EQ(reason.find(dir_.path().string()), std::string::npos) << "no path in: " << reason;
  }
}

}  // namespace
}  // namespace tessera::data
