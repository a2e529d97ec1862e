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
#include "tessera/io/dicom.h"
#include "tessera/ops/dicom_intensity.h"
#include "tessera/ops/preprocess_medical.h"

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
                      "delimitation_wrong_item", "enhanced_ct_1_frame", "enhanced_ct_1_frame_classic_twin"}}});
  BatchLoader loader(ds, options());
  loader.start_epoch(0);
  std::map<std::string, torch::Tensor> rows;
  while (auto batch = loader.next()) {
    EXPECT_TRUE(batch->failures.empty()) << batch->failures.front().reason;
    for (std::int64_t r = 0; r < batch->size(); ++r)
      rows[ds.samples[batch->indices[static_cast<std::size_t>(r)]].path.stem().string()] = batch->images[r].clone();
  }
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& [name, twin] : std::vector<std::pair<std::string, std::string>>{
           {"rle_ct_3_fragments", "rle_ct_native"},
           {"rle_ct_3_fragments_bot", "rle_ct_native"},
           {"j2k_ct_signed_lossless", "rle_ct_native"},
           {"mlut_signed_12_bit", "mlut_signed_12_bit_applied"},
           {"delimitation_wrong_item", "delimitation_correct"},
           {"enhanced_ct_1_frame", "enhanced_ct_1_frame_classic_twin"}}) {
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


// Issue 19, point 9: samples that name one frame of a multi-frame file (what infer makes of an
// enhanced CT/MR) decode that frame with its own per-frame rescale.
TEST_F(DicomRealWorldLoader, FrameSamplesTakeTheirFramesOwnRescale) {
  const fs::path file = dir_.path() / "cases" / "enhanced_mr_per_frame_slope.dcm";
  ClassificationDataset ds;
  ds.root = dir_.path();
  for (int f = 0; f < 3; ++f) ds.samples.push_back({file, -1, f});
  LoaderOptions o = options();
  o.preprocess.out_h = 16;
  o.preprocess.out_w = 24;  // the frame's own size: no resampling between reference and batch
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  const auto batch = loader.next();
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 3);
  const io::DicomStored all = io::decode_dicom_stored(file);
  const auto spec = medical_spec(loader.options());
  for (std::int64_t r = 0; r < 3; ++r) {
    const int frame = ds.samples[batch->indices[static_cast<std::size_t>(r)]].frame;
    const io::DicomStored one = io::select_frame(all, frame);
    EXPECT_DOUBLE_EQ(one.meta.rescale_slope, 0.25 * (frame + 1));  // dicom_cases.py: 0.25, 0.5, 0.75
    const auto intensity = ops::intensity_for(one.meta, one.words.data(), one.words.size(), o.window);
    const auto params = ops::random_crop(ops::geometry_of(spec), 16, 24, o.pad, o.hflip, sample_seed(o.seed, 0, 0));
    std::vector<float> expected(16 * 24);
    ops::preprocess_medical_reference(one.words.data(), 16, 24, spec, intensity, params, expected.data());
    const torch::Tensor row = batch->images[r].contiguous();
    EXPECT_EQ(std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + row.numel()), expected) << "frame " << frame;
  }
}

}  // namespace
}  // namespace tessera::data
