// Issue 19: DICOM as it comes from real scanners, against an oracle that decodes what Debian's
// pydicom 2.3 cannot: pydicom 3 with pylibjpeg and GDCM in the venv (tests/io/dicom_oracle.py).
// Cases are real files (tests/fixtures/dicom, see SOURCES.tsv) and files built by
// tests/io/dicom_cases.py for each class those files stand for. Values must agree within
// 1e-3 absolute (relative 1e-6 above 1000) after the modality transform; the lossless twins exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/pydicom_files.h"
#include "tessera/core/error.h"
#include "tessera/core/remove_tree.h"
#include "tessera/io/dicom.h"
#include "tessera/io/dicom_series.h"
#include "tessera/io/inspect.h"

namespace fs = std::filesystem;
using tessera::DecodeError;
using namespace tessera::io;

namespace {

const fs::path kFixtures = TESSERA_SOURCE_DIR "/tests/fixtures/dicom";
const std::string kScripts = TESSERA_SOURCE_DIR "/tests/io/";
const fs::path kPydicomFiles = tessera::testing::kPydicomTestFiles;
const char* const kPydicomJpeg2000[] = {"JPEG2000.dcm", "MR_small_jp2klossless.dcm", "693_J2KI.dcm",
                                        "GDCMJ2K_TextGBR.dcm", "J2K_pixelrep_mismatch.dcm", "SC_rgb_gdcm_KY.dcm"};

std::string quote(const std::string& s) { return "'" + s + "'"; }

int shell(const std::string& command) {
  const int rc = std::system(command.c_str());
  return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

struct Expected {
  std::string failure;     // empty when the oracle decoded the file
  std::vector<int> shape;  // frames rows columns channels
  std::vector<float> values;
  std::vector<std::vector<double>> frames;  // dicom_oracle.py's .frames.txt rows (NaN = absent)
};

class DicomRealWorld : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string python = TESSERA_PYTHON_EXE;
    dir_ = fs::temp_directory_path() / ("tessera_dicom_real_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    if (python.empty() || shell(quote(python) + " -c 'import pydicom, pylibjpeg, openjpeg, libjpeg, gdcm; "
                                                "assert int(pydicom.__version__[0]) >= 3' >/dev/null 2>&1") != 0) {
      skip_ = "needs pydicom 3, pylibjpeg(-openjpeg, -libjpeg) and python-gdcm in the venv (tools/deps/venv.txt)";
      return;
    }
    if (shell(quote(python) + " " + kScripts + "dicom_cases.py " + quote((dir_ / "cases").string())) != 0) {
      skip_ = "tests/io/dicom_cases.py failed";
      return;
    }
    std::ifstream list(dir_ / "cases" / "cases.txt");
    for (std::string line; std::getline(list, line);) {
      std::istringstream words(line);
      std::string name, kind;
      words >> name >> kind;
      std::string rest;
      std::getline(words, rest);
      if (kind == "error") cases_[name] = rest.substr(1);
      else if (kind == "twin") twins_[name] = rest.substr(1);
      else cases_[name] = "";
      files_[name] = dir_ / "cases" / (name + ".dcm");
    }
    for (const auto& entry : fs::directory_iterator(kFixtures))
      if (entry.path().extension() == ".dcm") files_[entry.path().stem().string()] = entry.path();
    // pydicom's own JPEG 2000 test files, from Debian's python3-pydicom, when it is there.
    for (const char* name : kPydicomJpeg2000)
      if (fs::exists(kPydicomFiles / name)) files_[std::string("pydicom-2.3_") + name] = kPydicomFiles / name;
    std::string command = quote(python) + " " + kScripts + "dicom_oracle.py " + quote((dir_ / "oracle").string());
    std::vector<std::string> order;
    for (const auto& [name, path] : files_) {
      command += " " + quote(path.string());
      order.push_back(name);
    }
    ASSERT_EQ(shell(command + " >/dev/null"), 0) << command;
    for (std::size_t i = 0; i < order.size(); ++i) expected_[order[i]] = read_expected(dir_ / "oracle", i);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    tessera::remove_tree(dir_, ec);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static Expected read_expected(const fs::path& dir, std::size_t i) {
    Expected e;
    std::ifstream txt(dir / (std::to_string(i) + ".txt"));
    std::string first;
    txt >> first;
    if (first.empty() || first == "error") {
      std::getline(txt, e.failure);
      if (e.failure.empty()) e.failure = "no result";
      return e;
    }
    e.shape.push_back(std::stoi(first));
    for (int k = 0, v; k < 3 && (txt >> v); ++k) e.shape.push_back(v);
    if (e.shape.size() == 3) e.shape.push_back(1);
    const fs::path f32 = dir / (std::to_string(i) + ".f32");
    e.values.resize(fs::file_size(f32) / sizeof(float));
    std::ifstream(f32, std::ios::binary).read(reinterpret_cast<char*>(e.values.data()), e.values.size() * sizeof(float));
    std::ifstream frames(dir / (std::to_string(i) + ".frames.txt"));
    for (std::string line; std::getline(frames, line);) {
      std::istringstream words(line);
      std::vector<double> row;
      for (std::string w; words >> w;) row.push_back(w == "nan" ? NAN : std::stod(w));
      e.frames.push_back(row);
    }
    return e;
  }

  // The worst difference beyond the tolerance, in units of it: <= 1 passes.
  static double worst(const std::vector<float>& got, const std::vector<float>& want) {
    if (got.size() != want.size()) return INFINITY;
    double w = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double tolerance = std::max(1e-3, 1e-6 * std::fabs(want[i]));
      w = std::max(w, std::fabs(static_cast<double>(got[i]) - want[i]) / tolerance);
    }
    return w;
  }

  static void expect_matches_oracle(const std::string& name) {
    SCOPED_TRACE(name);
    const Expected& want = expected_.at(name);
    ASSERT_TRUE(want.failure.empty()) << "the oracle could not decode it:" << want.failure;
    DicomImage image;
    try {
      image = decode_dicom(files_.at(name));
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    const auto& m = image.meta;
    EXPECT_EQ(want.shape, (std::vector<int>{m.frames, m.rows, m.columns, image.channels}));
    EXPECT_LE(worst(image.values, want.values), 1.0);
  }

  static inline std::string skip_;
  static inline fs::path dir_;
  static inline std::map<std::string, std::string> cases_;  // name -> "" or the words its error holds
  static inline std::map<std::string, std::string> twins_;  // name -> the case it must equal (oracle wrong)
  static inline std::map<std::string, fs::path> files_;
  static inline std::map<std::string, Expected> expected_;
};

TEST_F(DicomRealWorld, EveryBuiltCaseMatchesTheOracleOrIsRefusedClearly) {
  ASSERT_GE(cases_.size(), 10u);
  for (const auto& [name, twin] : twins_) {  // dicom_cases.py says why the oracle is wrong on these
    SCOPED_TRACE(name);
    expect_matches_oracle(twin);
    EXPECT_EQ(decode_dicom(files_.at(name)).values, decode_dicom(files_.at(twin)).values);
  }
  for (const auto& [name, error] : cases_) {
    if (error.empty()) {
      expect_matches_oracle(name);
      continue;
    }
    SCOPED_TRACE(name);
    EXPECT_FALSE(expected_.at(name).failure.empty()) << "the oracle decoded a case meant to be refused";
    try {
      decode_dicom(files_.at(name));
      ADD_FAILURE() << "no error";
    } catch (const DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(error), std::string::npos) << e.what();
    }
  }
}

// Issue 19, point 1: every row after a fragment boundary came back wrong.
TEST_F(DicomRealWorld, RleFramesSplitOverFragmentsEqualTheUncompressedImage) {
  const DicomImage native = decode_dicom(files_.at("rle_ct_native"));
  for (const char* name : {"rle_ct_3_fragments", "rle_ct_3_fragments_bot"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(decode_dicom(files_.at(name)).values, native.values);
  }
  EXPECT_EQ(decode_dicom(files_.at("rle_3_frames_2_fragments_bot")).values,
            decode_dicom(files_.at("rle_3_frames_1_fragment")).values);
  EXPECT_EQ(decode_dicom(files_.at("rle_3_frames_extended_offset_table")).values,
            decode_dicom(files_.at("rle_3_frames_1_fragment")).values);
}

// Issue 19, point 3: a Modality LUT Sequence in place of the rescale, on both decode paths.
TEST_F(DicomRealWorld, ModalityLutSequenceMapsStoredValues) {
  for (const char* name : {"mlut_signed_12_bit", "mlut_8_bit_entries_clipped", "pydicom-data_mlut_18"}) {
    SCOPED_TRACE(name);
    expect_matches_oracle(name);
    const DicomMetadata header = read_dicom_header(files_.at(name));
    ASSERT_TRUE(header.modality_lut.has_value());
    // The 16-bit path hands the kernel the LUT's outputs as unsigned words, with no rescale.
    const DicomStored stored = decode_dicom_stored(files_.at(name));
    EXPECT_FALSE(stored.meta.modality_lut.has_value());
    EXPECT_FALSE(stored.meta.is_signed);
    EXPECT_EQ(stored.meta.bits_stored, header.modality_lut->bits);
    const auto& want = expected_.at(name).values;
    ASSERT_EQ(stored.words.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(stored.words[i], want[i]) << "pixel " << i;
  }
  const DicomMetadata signed_lut = read_dicom_header(files_.at("mlut_signed_12_bit"));
  EXPECT_EQ(signed_lut.modality_lut->first_mapped, -2048);
  EXPECT_EQ(signed_lut.modality_lut->entries.size(), 4096u);
}

// Issue 19, point 7: parametric maps store floats.
TEST_F(DicomRealWorld, FloatAndDoubleFloatPixelDataAreReadAsFloat) {
  for (const char* name : {"float_pixel_data", "double_float_pixel_data", "pydicom-data_parametric_map_float"}) {
    expect_matches_oracle(name);
    const DicomMetadata header = read_dicom_header(files_.at(name));
    EXPECT_TRUE(header.is_float) << name;
  }
  EXPECT_EQ(decode_dicom(files_.at("float_pixel_data")).values[1], -3.25f);
  EXPECT_EQ(decode_dicom(files_.at("double_float_pixel_data")).values[1], -3.25f);
  try {
    decode_dicom_stored(files_.at("float_pixel_data"));
    ADD_FAILURE() << "the 16-bit path took float data";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("integer"), std::string::npos) << e.what();
  }
}

// Issue 19, point 4: rescale, windows and positions of enhanced files live in functional groups.
TEST_F(DicomRealWorld, EnhancedMultiFrameTakesEachFramesFunctionalGroups) {
  for (const char* name : {"enhanced_ct_shared_rescale", "enhanced_mr_per_frame_slope", "pydicom-data_eCT_Supplemental"}) {
    SCOPED_TRACE(name);
    expect_matches_oracle(name);
    const DicomMetadata m = read_dicom_header(files_.at(name));
    const auto& rows = expected_.at(name).frames;
    ASSERT_EQ(m.frame_attributes.size(), rows.size());
    for (std::size_t f = 0; f < rows.size(); ++f) {
      const FrameAttributes& a = m.frame_attributes[f];
      const auto& r = rows[f];
      EXPECT_DOUBLE_EQ(a.rescale_slope, std::isnan(r[0]) ? 1.0 : r[0]) << "frame " << f;
      EXPECT_DOUBLE_EQ(a.rescale_intercept, std::isnan(r[1]) ? 0.0 : r[1]) << "frame " << f;
      EXPECT_EQ(a.has_window, !std::isnan(r[2])) << "frame " << f;
      if (a.has_window) {
        EXPECT_DOUBLE_EQ(a.window_center, r[2]);
        EXPECT_DOUBLE_EQ(a.window_width, r[3]);
      }
      ASSERT_EQ(a.image_position.has_value(), !std::isnan(r[4])) << "frame " << f;
      if (a.image_position) EXPECT_EQ(*a.image_position, (std::array<double, 3>{r[4], r[5], r[6]})) << "frame " << f;
    }
  }
  const DicomMetadata ct = read_dicom_header(files_.at("enhanced_ct_shared_rescale"));
  EXPECT_TRUE(ct.has_rescale);  // frame 0 stands for the image
  EXPECT_EQ(ct.rescale_intercept, -1024.0);
  ASSERT_TRUE(ct.pixel_spacing.has_value());
  EXPECT_EQ(*ct.pixel_spacing, (std::array<double, 2>{0.5, 0.75}));
  ASSERT_TRUE(ct.image_orientation.has_value());
  // The real enhanced CT came out 1024 too high before (issue 19).
  const DicomImage real = decode_dicom(files_.at("pydicom-data_eCT_Supplemental"));
  EXPECT_LT(*std::min_element(real.values.begin(), real.values.end()), -1000.0f);
}

}  // namespace

namespace {

// Issue 19, point 5: JPEG 2000 and HTJ2K, which free DCMTK refuses.
TEST_F(DicomRealWorld, Jpeg2000AndHtj2kDecode) {
  for (const char* name : {"j2k_ct_signed_lossless", "j2k_3_frames_lossless", "j2k_rgb_lossless_labelled_rgb",
                           "j2k_rgb_lossless_rct", "j2k_rgb_lossy_ict", "j2k_mono_lossy",
                           "pydicom-data_HTJ2KLossless_08_RGB", "dcm_qa_ts_9_j2k"}) {
    expect_matches_oracle(name);
  }
  // Lossless means exactly the uncompressed image: the real MR and its native twin, the built CT.
  EXPECT_EQ(decode_dicom(files_.at("dcm_qa_ts_9_j2k")).values, decode_dicom(files_.at("dcm_qa_ts_1_native")).values);
  EXPECT_EQ(decode_dicom(files_.at("j2k_ct_signed_lossless")).values, decode_dicom(files_.at("rle_ct_native")).values);
  EXPECT_EQ(decode_dicom(files_.at("j2k_rgb_lossless_rct")).values,
            decode_dicom(files_.at("j2k_rgb_lossless_labelled_rgb")).values);
  // The same image with 1 and 4 OpenJPEG threads.
  const auto one = decode_dicom(files_.at("pydicom-data_HTJ2KLossless_08_RGB")).values;
  set_jpeg2000_threads(4);
  const auto four = decode_dicom(files_.at("pydicom-data_HTJ2KLossless_08_RGB")).values;
  set_jpeg2000_threads(1);
  EXPECT_EQ(one, four);
}


// The JPEG 2000 files of pydicom's test set (JP2 boxes, YBR_RCT, lossy, 13-bit signed).
TEST_F(DicomRealWorld, PydicomJpeg2000FilesMatchTheOracle) {
  if (!fs::is_directory(kPydicomFiles)) GTEST_SKIP() << "needs Debian's python3-pydicom test files";
  for (const char* name : kPydicomJpeg2000) expect_matches_oracle(std::string("pydicom-2.3_") + name);
  // The lossless MR equals its uncompressed original.
  EXPECT_EQ(decode_dicom(kPydicomFiles / "MR_small_jp2klossless.dcm").values, decode_dicom(kPydicomFiles / "MR_small.dcm").values);
}


// Issue 19, point 6: PALETTE COLOR expands to RGB through its LUTs (inspect failed on it before).
TEST_F(DicomRealWorld, PaletteColourExpandsThroughItsLuts) {
  for (const char* name : {"palette_8_bit_entries", "palette_16_bit_entries", "palette_big_endian_8_bit",
                           "palette_big_endian_16_bit", "palette_2_frames", "palette_16_bit_indices",
                           "pydicom-data_OT-PAL-8-face"}) {
    SCOPED_TRACE(name);
    if (!twins_.count(name)) expect_matches_oracle(name);  // twins: checked against their twin below
    const DicomMetadata m = read_dicom_header(files_.at(name));
    EXPECT_EQ(m.photometric, Photometric::palette_color);
    EXPECT_EQ(m.samples_per_pixel, 1);
    EXPECT_THROW(decode_dicom_stored(files_.at(name)), DecodeError);  // colour: not the 16-bit path
  }
  EXPECT_EQ(decode_dicom(files_.at("palette_big_endian_8_bit")).values, decode_dicom(files_.at("palette_8_bit_entries")).values);
  EXPECT_EQ(decode_dicom(files_.at("palette_big_endian_16_bit")).values, decode_dicom(files_.at("palette_16_bit_entries")).values);
}


// Issue 19, also: the attributes read below the top level (LUTs, functional groups) stay inside
// the allowlist. Every built case carries patient data (dicom_cases.py, PHI and FRAME_PHI), also
// inside its functional groups; inspect, metadata and errors must show none of it.
TEST_F(DicomRealWorld, NoPatientDataFromTheNewPathsInInspectOrErrors) {
  const std::vector<std::string> phi = {"Doe", "Jane", "Tessera19", "PHI-ID", "PHI Hospital", "19990219", "ACC-PHI"};
  for (const auto& [name, path] : files_) {
    if (name.rfind("pydicom", 0) == 0 || name.rfind("dcm_qa", 0) == 0) continue;  // real files: no planted data
    SCOPED_TRACE(name);
    std::string text;
    try {
      text = describe_dicom_header(read_dicom_header(path));
      decode_dicom(path);
    } catch (const std::exception& e) {
      text += e.what();
    }
    for (const auto& word : phi) EXPECT_EQ(text.find(word), std::string::npos) << word << " in: " << text;
  }
  // What inspect says about the new kinds.
  const auto said = [&](const std::string& name) { return describe_dicom_header(read_dicom_header(files_.at(name))); };
  EXPECT_NE(said("mlut_signed_12_bit").find("modality LUT: 4096 entries of 16 bits from stored value -2048"), std::string::npos);
  EXPECT_NE(said("enhanced_mr_per_frame_slope").find("rescale: per frame (functional groups)"), std::string::npos);
  EXPECT_NE(said("enhanced_ct_shared_rescale").find("intercept -1024 (functional groups)"), std::string::npos);
  EXPECT_NE(said("double_float_pixel_data").find("64-bit float"), std::string::npos);
  EXPECT_NE(said("palette_2_frames").find("PALETTE COLOR (expanded to RGB"), std::string::npos);
  EXPECT_NE(said("pydicom-data_HTJ2KLossless_08_RGB").find("HTJ2K (1.2.840.10008.1.2.4.201)"), std::string::npos);
}


// Issue 19, point 2: the JPEG stream's markers say its colour space, whatever the label says.
// The same stream must give the same RGB under either label.
TEST_F(DicomRealWorld, ColourJpegFollowsItsMarkersNotItsLabel) {
  for (const char* name : {"jpeg_jfif_labelled_rgb", "jpeg_jfif_labelled_ybr", "jpeg_adobe_rgb_labelled_ybr_422",
                           "jpeg_adobe_rgb_labelled_rgb"}) {
    expect_matches_oracle(name);
  }
  EXPECT_EQ(decode_dicom(files_.at("jpeg_jfif_labelled_rgb")).values, decode_dicom(files_.at("jpeg_jfif_labelled_ybr")).values);
  EXPECT_EQ(decode_dicom(files_.at("jpeg_adobe_rgb_labelled_ybr_422")).values,
            decode_dicom(files_.at("jpeg_adobe_rgb_labelled_rgb")).values);
  // And both are the lossless RGB original within JPEG's loss (quality 95, no subsampling):
  // false colour would be off by ~100.
  const auto jfif = decode_dicom(files_.at("jpeg_jfif_labelled_rgb")).values;
  const auto original = decode_dicom(files_.at("j2k_rgb_lossless_labelled_rgb")).values;
  ASSERT_EQ(jfif.size(), original.size());
  double error = 0;
  for (std::size_t i = 0; i < jfif.size(); ++i) error += std::fabs(jfif[i] - original[i]);
  EXPECT_LT(error / jfif.size(), 3.0);
}


// Issue 19, point 8: a wrong delimitation item is read leniently, with a warning saying so.
TEST_F(DicomRealWorld, WrongDelimitationItemIsReadLenientlyWithAWarning) {
  const DicomImage lenient = decode_dicom(files_.at("delimitation_wrong_item"));
  EXPECT_EQ(lenient.values, decode_dicom(files_.at("delimitation_correct")).values);
  ASSERT_EQ(lenient.meta.warnings.size(), 1u);
  EXPECT_NE(lenient.meta.warnings[0].find("read leniently"), std::string::npos);
  EXPECT_TRUE(decode_dicom(files_.at("delimitation_correct")).meta.warnings.empty());
  EXPECT_NE(describe_dicom_header(read_dicom_header(files_.at("delimitation_wrong_item"))).find("warning: read leniently"),
            std::string::npos);
}

// Issue 19, point 9: one enhanced multi-frame file is a whole volume, ordered by the per-frame
// plane positions of its functional groups.
TEST_F(DicomRealWorld, OneMultiFrameFileIsAVolumeInPlaneOrder) {
  const fs::path folder = dir_ / "enhanced_volume";
  fs::create_directories(folder);
  fs::copy_file(files_.at("enhanced_ct_shared_rescale"), folder / "IM0001", fs::copy_options::overwrite_existing);
  const DicomVolume volume = load_dicom_volume(folder);
  const DicomImage image = decode_dicom(files_.at("enhanced_ct_shared_rescale"));
  ASSERT_EQ(volume.depth, 3);
  EXPECT_TRUE(volume.order.has_geometry);
  // Frames sit at z = 30, 28, 26 mm along the normal (0, 0, 1): ascending order is frames 2, 1, 0.
  EXPECT_EQ(volume.order.order, (std::vector<std::size_t>{2, 1, 0}));
  EXPECT_DOUBLE_EQ(volume.spacing[0], 2.0);
  EXPECT_DOUBLE_EQ(volume.spacing[1], 0.5);
  EXPECT_DOUBLE_EQ(volume.spacing[2], 0.75);
  const std::size_t plane = 16 * 24;
  for (std::size_t k = 0; k < 3; ++k) {
    const std::size_t frame = 2 - k;
    EXPECT_TRUE(std::equal(volume.values.begin() + k * plane, volume.values.begin() + (k + 1) * plane,
                           image.values.begin() + frame * plane)) << "volume slice " << k;
  }
  EXPECT_LT(*std::min_element(volume.values.begin(), volume.values.end()), -900.0f);  // HU: rescaled
}

}  // namespace
