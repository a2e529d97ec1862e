// DICOM datasets through the loader: pydicom's own test files (Debian python3-pydicom) arranged as
// class folders, twins made with dcmodify. The float batch must equal ops::preprocess_medical_reference on
// io::decode_dicom_stored exactly, the packed batch through ops::preprocess_medical must equal the
// float batch exactly, every window mode must match pydicom (apply_modality_lut + apply_voi_lut,
// 1e-3 on [0, 1]), and an unreadable file must never put a path or CT_small's identifying values
// into a failure or a log line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "support/pydicom_files.h"
#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"
#include "tessera/io/dicom.h"
#include "tessera/io/inspect.h"
#include "tessera/ops/dicom_intensity.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

const fs::path kFiles = tessera::testing::kPydicomTestFiles;
const char* kPython = "/usr/bin/python3";
// CT_small.dcm's identifying values (notes/dicom.md).
const std::vector<std::string> kPhi = {"CompressedSamples", "1CT1", "JFK IMAGING CENTER", "ABCD1234", "20040119",
                                       "1.3.6.1.4.1.5962.1."};

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// pydicom's windowed [0, 1] values: apply_modality_lut, then apply_voi_lut mapped from its output
// range (mode "file": the file's window; "fixed C W": that window, LINEAR) or the min..max of the
// modality values (mode "minmax").
constexpr const char* kOracle = R"(import sys
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
out, mode, path = sys.argv[1:4]
ds = pydicom.dcmread(path)
arr = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
if mode == "minmax":
    y = (arr - arr.min()) / max(arr.max() - arr.min(), 1e-6)
else:
    if mode == "fixed":
        ds.WindowCenter = sys.argv[4]
        ds.WindowWidth = sys.argv[5]
        if "VOILUTFunction" in ds:
            del ds.VOILUTFunction
    if ds.PixelRepresentation == 0:
        lo, hi = 0, 2 ** ds.BitsStored - 1
    else:
        lo, hi = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1
    if "RescaleSlope" in ds and "RescaleIntercept" in ds:
        lo = lo * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        hi = hi * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    y = (apply_voi_lut(arr, ds).astype(np.float64) - lo) / (hi - lo)
y.astype("<f4").tofile(out)
)";

class DicomLoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    available_ = io::dicom_available() && fs::exists(kFiles / "CT_small.dcm") &&
                 run(std::string(kPython) + " -c 'import pydicom, numpy'") && run("dcmodify --version");
    if (!available_) return;
    dir_ = new TempDir("dicom-loader");
    // Two classes of four: CT_small, a twin with another intercept, a MONOCHROME1 twin and one with
    // a file window; MR_small (with its own window) and twins.
    const fs::path root = *dir_ / "set";
    fs::create_directories(root / "ct");
    fs::create_directories(root / "mr");
    auto twin = [](const fs::path& from, const fs::path& to, const std::string& modify) {
      fs::copy_file(from, to, fs::copy_options::overwrite_existing);
      if (!modify.empty()) ASSERT_TRUE(run("dcmodify -nb " + modify + " '" + to.string() + "'")) << modify;
    };
    twin(kFiles / "CT_small.dcm", root / "ct/a.dcm", "");
    twin(kFiles / "CT_small.dcm", root / "ct/b.dcm", "-m '(0028,1052)=-1000'");
    twin(kFiles / "CT_small.dcm", root / "ct/c.dcm", "-m '(0028,0004)=MONOCHROME1'");
    twin(kFiles / "CT_small.dcm", root / "ct/d.DICOM", "-i '(0028,1050)=40' -i '(0028,1051)=400'");
    twin(kFiles / "MR_small.dcm", root / "mr/a.dcm", "");
    twin(kFiles / "MR_small.dcm", root / "mr/b.dcm", "-i '(0028,1053)=0.5' -i '(0028,1052)=0'");
    twin(kFiles / "MR_small.dcm", root / "mr/c.dcm", "-e '(0028,1050)' -e '(0028,1051)'");
    twin(kFiles / "MR_small.dcm", root / "mr/d.dcm", "-m '(0028,0004)=MONOCHROME1'");
    write_text(*dir_ / "oracle.py", kOracle);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!available_) GTEST_SKIP() << "needs DCMTK, the dcmtk tools and Debian's python3-pydicom";
  }

  static fs::path root() { return *dir_ / "set"; }

  // Mixed sizes (128 and 64) resized to 48, cropped to 32 with padding and flips: the geometry
  // images get, through the same draw_params.
  static LoaderOptions options(bool packed, int channels = 1) {
    LoaderOptions o;
    o.batch_size = 3;
    o.workers = 2;
    o.channels = channels;
    o.shuffle = true;
    o.seed = 11;
    o.augment = true;
    o.pad = 4;
    o.hflip = 0.5;
    o.preprocess.resize_h = o.preprocess.resize_w = 48;
    o.preprocess.out_h = o.preprocess.out_w = 32;
    o.preprocess.mean = {0.25f};
    o.preprocess.std = {0.5f};
    o.packed = packed;
    return o;
  }

  static std::vector<Batch> epoch(BatchLoader& loader, std::int64_t e) {
    loader.start_epoch(e);
    std::vector<Batch> out;
    while (auto b = loader.next()) out.push_back(std::move(*b));
    return out;
  }

  // The loader's single-sample output with no geometry change and no normalisation: the windowed y.
  static std::vector<float> loader_y(const fs::path& file, const ops::WindowChoice& window) {
    ClassificationDataset ds;
    ds.classes = {"x"};
    ds.root = file.parent_path();
    ds.samples.push_back({file, 0});
    const auto meta = io::read_dicom_header(file);
    LoaderOptions o;
    o.batch_size = 1;
    o.workers = 0;
    o.channels = 1;
    o.preprocess.out_h = meta.rows;
    o.preprocess.out_w = meta.columns;
    o.preprocess.mean = {0.0f};
    o.preprocess.std = {1.0f};
    o.window = window;
    BatchLoader loader(ds, o);
    const auto batches = epoch(loader, 0);
    EXPECT_EQ(batches.size(), 1u);
    const torch::Tensor t = batches.at(0).images.contiguous();
    return {t.data_ptr<float>(), t.data_ptr<float>() + t.numel()};
  }

  static std::vector<float> oracle_y(const fs::path& file, const std::string& mode, const std::string& extra = "") {
    const fs::path out = *dir_ / "oracle.f32";
    fs::remove(out);
    const std::string command =
        std::string(kPython) + " " + (*dir_ / "oracle.py").string() + " " + out.string() + " " + mode + " '" + file.string() + "' " + extra;
    EXPECT_TRUE(run(command)) << command;
    const std::string bytes = read_all(out);
    std::vector<float> y(bytes.size() / sizeof(float));
    std::memcpy(y.data(), bytes.data(), y.size() * sizeof(float));
    return y;
  }

  static void expect_close(const std::vector<float>& ours, const std::vector<float>& theirs, const std::string& what) {
    ASSERT_EQ(ours.size(), theirs.size()) << what;
    ASSERT_FALSE(ours.empty()) << what;
    float worst = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::abs(ours[i] - theirs[i]));
    EXPECT_LE(worst, 1e-3f) << what;
  }

  static inline bool available_ = false;
  static inline TempDir* dir_ = nullptr;
};

TEST_F(DicomLoaderTest, ClassFoldersAndManifestsListDicomFiles) {
  const ClassificationDataset ds = load_dataset(root());
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"ct", "mr"}));
  ASSERT_EQ(ds.samples.size(), 8u);
  EXPECT_EQ(ds.samples[3].path.filename(), "d.DICOM");
  EXPECT_TRUE(is_dicom_dataset(ds));
  EXPECT_EQ(list_images(root()).size(), 8u);

  write_text(root().parent_path() / "m.csv", "path,label\nset/ct/a.dcm,ct\nset/mr/a.dcm,mr\n");
  const ClassificationDataset manifest = load_dataset(root().parent_path() / "m.csv");
  ASSERT_EQ(manifest.samples.size(), 2u);
  EXPECT_TRUE(is_dicom_dataset(manifest));

  // A missing DICOM file is named by its manifest line, not by its path (which may hold a name).
  write_text(root().parent_path() / "missing.csv", "path,label\nset/ct/CompressedSamples^CT1.dcm,ct\n");
  try {
    load_dataset(root().parent_path() / "missing.csv");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("missing.csv:2: DICOM file not found"), std::string::npos) << what;
    EXPECT_EQ(what.find("CompressedSamples"), std::string::npos) << what;
  }
}

// Scanner exports often have no extension (IM0001): found by their content, loaded like .dcm files,
// and still treated as DICOM where paths are withheld (issue 19, point 10).
TEST_F(DicomLoaderTest, FilesWithoutAnExtensionAreFoundByTheirContent) {
  TempDir t;
  fs::create_directories(t / "set/ct");
  fs::copy_file(root() / "ct/a.dcm", t / "set/ct/IM0001");
  fs::copy_file(root() / "ct/b.dcm", t / "set/ct/IM0002");
  write_text(t / "set/ct/README", "exported by the scanner\n");  // no extension, not DICOM: left out
  const ClassificationDataset ds = load_dataset(t / "set");
  ASSERT_EQ(ds.samples.size(), 2u);
  EXPECT_EQ(ds.samples[0].path.filename(), "IM0001");
  EXPECT_TRUE(is_dicom_dataset(ds));
  EXPECT_EQ(dicom_sample_reference(ds, 0).find("IM0001"), std::string::npos);
  BatchLoader loader(ds, options(false));
  loader.start_epoch(0);
  const auto batch = loader.next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->size(), 2);
  EXPECT_TRUE(loader.dicom());
  EXPECT_NE(io::describe_image_file(t / "set/ct/IM0001").find("DICOM: 128x128"), std::string::npos);
}

TEST_F(DicomLoaderTest, AMixOfImagesAndDicomIsAClearError) {
  TempDir t;
  fs::create_directories(t / "a");
  fs::copy_file(kFiles / "CT_small.dcm", t / "a/x.dcm");
  write_text(t / "a/y.png", "not decoded: the mix is refused before");
  const ClassificationDataset ds = load_dataset(t.path());
  try {
    BatchLoader loader(ds, options(false));
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("mixes 1 image(s) and 1 DICOM file(s); a dataset must be all images or all DICOM"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(DicomLoaderTest, DicomNormalisationMustBeTheSameForEveryChannel) {
  auto o = options(false, 3);
  o.preprocess.mean = {0.485f, 0.456f, 0.406f};
  EXPECT_THROW(BatchLoader(load_dataset(root()), o), UserError);
}

// Float path: every row equals preprocess_medical_reference on decode_dicom_stored with the loader's crop.
TEST_F(DicomLoaderTest, FloatBatchEqualsTheMedicalReference) {
  const ClassificationDataset ds = load_dataset(root());
  for (const int channels : {1, 3}) {
    for (const auto mode : {ops::WindowChoice::Mode::file, ops::WindowChoice::Mode::minmax, ops::WindowChoice::Mode::fixed}) {
      auto o = options(false, channels);
      o.window = {mode, -600.0f, 1500.0f};
      BatchLoader loader(ds, o);
      const auto spec = medical_spec(loader.options());
      std::size_t rows = 0;
      for (std::int64_t e = 0; e < 2; ++e) {
        for (const auto& b : epoch(loader, e)) {
          EXPECT_TRUE(b.failures.empty());
          ASSERT_EQ(b.images.size(1), channels);
          for (std::int64_t r = 0; r < b.size(); ++r) {
            const std::size_t index = b.indices[static_cast<std::size_t>(r)];
            const io::DicomStored stored = io::decode_dicom_stored(ds.samples[index].path);
            const ops::MedicalIntensity intensity =
                ops::intensity_for(stored.meta, stored.words.data(), stored.words.size(), o.window);
            if (mode == ops::WindowChoice::Mode::file && stored.meta.has_window) {
              // The file's own window is intensity_of's, unchanged.
              EXPECT_EQ(intensity.window_width, ops::intensity_of(stored.meta).window_width);
            }
            const auto params = ops::random_crop(ops::geometry_of(spec), stored.meta.rows, stored.meta.columns, o.pad,
                                                 o.hflip, sample_seed(o.seed, e, index));
            std::vector<float> expected(static_cast<std::size_t>(channels * 32 * 32));
            ops::preprocess_medical_reference(stored.words.data(), stored.meta.rows, stored.meta.columns, spec,
                                              intensity, params, expected.data());
            const torch::Tensor row = b.images[r].contiguous();
            ASSERT_EQ(std::memcmp(row.data_ptr<float>(), expected.data(), expected.size() * sizeof(float)), 0)
                << "sample " << index << " epoch " << e;
            ++rows;
          }
          EXPECT_EQ(b.labels.size(0), b.size());
        }
      }
      EXPECT_EQ(rows, 16u);
    }
  }
}

// Packed path: the int16 words plus per-row intensities through preprocess_medical (CPU here, the
// CUDA kernel on a GPU) give the float batch exactly.
TEST_F(DicomLoaderTest, PackedBatchThroughPreprocessMedicalEqualsTheFloatBatch) {
  const ClassificationDataset ds = load_dataset(root());
  for (const int channels : {1, 3}) {
    BatchLoader floats(ds, options(false, channels));
    BatchLoader packed(ds, options(true, channels));
    for (std::int64_t e = 0; e < 2; ++e) {
      const auto a = epoch(floats, e), b = epoch(packed, e);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(b[i].packed.values.scalar_type(), torch::kInt16);
        EXPECT_FALSE(b[i].images.defined());
        ASSERT_EQ(b[i].intensities.size(), static_cast<std::size_t>(b[i].size()));
        EXPECT_EQ(a[i].indices, b[i].indices);
        const torch::Tensor out =
            ops::preprocess_medical(b[i].packed, medical_spec(packed.options()), b[i].intensities, b[i].params);
        EXPECT_TRUE(torch::equal(out, a[i].images)) << "batch " << i << " epoch " << e;
      }
    }
  }
}

// Each window mode against pydicom (1e-3 on [0, 1]).
TEST_F(DicomLoaderTest, WindowModesMatchPydicom) {
  using Mode = ops::WindowChoice::Mode;
  const fs::path ct = root() / "ct/a.dcm", mr = root() / "mr/a.dcm", ct_window = root() / "ct/d.DICOM";
  // The file's own window (MR_small: 600/1600; the CT twin: 40/400).
  expect_close(loader_y(mr, {Mode::file}), oracle_y(mr, "file"), "MR_small file window");
  expect_close(loader_y(ct_window, {Mode::file}), oracle_y(ct_window, "file"), "CT twin file window");
  // CT_small has no window: "file" falls back to min-max.
  EXPECT_FALSE(io::read_dicom_header(ct).has_window);
  expect_close(loader_y(ct, {Mode::file}), oracle_y(ct, "minmax"), "CT_small file -> minmax fallback");
  expect_close(loader_y(ct, {Mode::minmax}), oracle_y(ct, "minmax"), "CT_small minmax");
  expect_close(loader_y(mr, {Mode::minmax}), oracle_y(mr, "minmax"), "MR_small minmax");
  // The presets and an explicit window, as the task maps data.window (config::window_preset).
  const std::vector<std::pair<float, float>> windows = {{40, 80}, {40, 400}, {-600, 1500}, {400, 1800}, {100, 700}};
  for (const auto& [c, w] : windows) {
    const std::string args = std::to_string(static_cast<int>(c)) + " " + std::to_string(static_cast<int>(w));
    expect_close(loader_y(ct, {Mode::fixed, c, w}), oracle_y(ct, "fixed", args), "CT_small window " + args);
    expect_close(loader_y(mr, {Mode::fixed, c, w}), oracle_y(mr, "fixed", args), "MR_small window " + args);
  }
}

// Unreadable and unsupported files are skipped with a reason; neither the failure nor the log
// line holds a path component or any of CT_small's identifying values.
TEST_F(DicomLoaderTest, UnreadableFilesFailWithoutLeakingPatientData) {
  TempDir t;
  const fs::path leaky = t / "set/ct/CompressedSamples^CT1/1CT1_20040119";  // a path as some archives write them
  fs::create_directories(leaky);
  fs::create_directories(t / "set/mr");
  fs::copy_file(kFiles / "CT_small.dcm", leaky / "good.dcm");
  const std::string ct = read_all(kFiles / "CT_small.dcm");
  write_text(leaky / "cutqx7.dcm", ct.substr(0, ct.size() - 9000));   // header intact, pixels cut
  write_text(leaky / "junkqx9.dcm", "CompressedSamples^CT1 1CT1 20040119 is not a DICOM file");
  fs::copy_file(kFiles / "SC_rgb_dcmtk_+eb+cr.dcm", t / "set/mr/rgbqx3.dcm");  // colour: the 16-bit path refuses it
  fs::copy_file(kFiles / "MR_small.dcm", t / "set/mr/good.dcm");
  const ClassificationDataset ds = load_dataset(t / "set");
  ASSERT_EQ(ds.samples.size(), 5u);

  const fs::path log_file = t / "log.txt";
  log::init("warn");
  log::add_file(log_file);
  std::vector<Failure> failures;
  std::size_t rows = 0;
  {
    auto o = options(false);
    o.shuffle = false;
    BatchLoader loader(ds, o);
    for (const auto& b : epoch(loader, 0)) {
      rows += static_cast<std::size_t>(b.size());
      failures.insert(failures.end(), b.failures.begin(), b.failures.end());
    }
  }
  log::remove_file();
  EXPECT_EQ(rows, 2u);
  ASSERT_EQ(failures.size(), 3u);
  const std::string log_text = read_all(log_file);
  std::vector<std::string> forbidden = kPhi;
  for (const auto& part : t.path()) forbidden.push_back(part.string());
  for (const char* name : {"cutqx7", "junkqx9", "rgbqx3", ".dcm", "/set/", "tessera-"}) forbidden.push_back(name);
  forbidden.erase(std::remove_if(forbidden.begin(), forbidden.end(),
                                 [](const std::string& s) { return s.empty() || s == "/" || s == "tmp"; }),
                  forbidden.end());
  for (const auto& f : failures) {
    EXPECT_NE(f.path.string().find("dicom sample #" + std::to_string(f.index) + " ("), std::string::npos) << f.path;
    EXPECT_EQ(f.path.string().size(), std::string("dicom sample #" + std::to_string(f.index) + " (12345678)").size());
    EXPECT_FALSE(f.reason.empty());
    EXPECT_NE(log_text.find(f.path.string() + ": " + f.reason), std::string::npos) << log_text;
    for (const auto& bad : forbidden) {
      EXPECT_EQ(f.path.string().find(bad), std::string::npos) << bad << " in " << f.path;
      EXPECT_EQ(f.reason.find(bad), std::string::npos) << bad << " in " << f.reason;
      EXPECT_EQ(log_text.find(bad), std::string::npos) << bad << " in the log:\n" << log_text;
    }
  }
  // The colour file is refused for being colour.
  bool colour_named = false;
  for (const auto& f : failures) {
    if (ds.samples.at(f.index).path.filename() == "rgbqx3.dcm") colour_named = f.reason.find("monochrome") != std::string::npos;
  }
  EXPECT_TRUE(colour_named);
  std::cerr << log_text;
}

}  // namespace
}  // namespace tessera::data
