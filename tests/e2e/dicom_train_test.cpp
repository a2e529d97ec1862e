// `tessera train`, `eval`, `infer` and `inspect` on a class folder of DICOM files (pydicom's CT_small and
// MR_small plus dcmodify twins, one unreadable file under a path that holds CT_small's patient
// name): training runs, and nothing written or logged carries CT_small's identifying values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/cli.h"
#include "support/pydicom_files.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

const fs::path kFiles = tessera::testing::kPydicomTestFiles;
const std::vector<std::string> kPhi = {"CompressedSamples", "1CT1", "JFK IMAGING CENTER", "ABCD1234", "20040119",
                                       "1.3.6.1.4.1.5962.1."};

std::string read_binary(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

TEST(DicomTrain, TrainEvalInferInspectOnDicomLeakNoPatientData) {
  // This executable does not link the io library: `tessera version` says whether DCMTK is built in.
  const CommandResult version = run_tessera({"version"});
  const auto at = version.out.find("DCMTK:");
  const bool dcmtk = at != std::string::npos &&
                     version.out.substr(at, version.out.find('\n', at) - at).find("not built") == std::string::npos;
  if (!dcmtk || !fs::exists(kFiles / "CT_small.dcm") || !run("dcmodify --version")) {
    GTEST_SKIP() << "needs DCMTK, the dcmtk tools and Debian's python3-pydicom files";
  }
  const fs::path dir = fresh_dir("dicom_train");
  const fs::path data = dir / "data";
  fs::create_directories(data / "ct");
  fs::create_directories(data / "mr");
  for (int i = 0; i < 6; ++i) {
    const fs::path ct = data / "ct" / (std::to_string(i) + ".dcm"), mr = data / "mr" / (std::to_string(i) + ".dcm");
    fs::copy_file(kFiles / "CT_small.dcm", ct);
    fs::copy_file(kFiles / "MR_small.dcm", mr);
    const std::string intercept = std::to_string(-1024 + 10 * i);
    ASSERT_TRUE(run("dcmodify -nb -m '(0028,1052)=" + intercept + "' '" + ct.string() + "'"));
    if (i % 2) ASSERT_TRUE(run("dcmodify -nb -m '(0028,0004)=MONOCHROME1' '" + mr.string() + "'"));
  }
  const fs::path leaky = data / "ct" / "CompressedSamples^CT1";
  fs::create_directories(leaky);
  const std::string ct = read_binary(kFiles / "CT_small.dcm");
  std::ofstream(leaky / "1CT1_20040119.dcm", std::ios::binary) << ct.substr(0, ct.size() - 9000);

  std::ofstream(dir / "dicom.yaml")
      << "runtime: {device: cpu, seed: 3, threads: 1, output_dir: " << (dir / "runs").string() << ", name: dicom}\n"
      << "data: {train: " << data.string() << ", val: " << data.string()
      << ", channels: 1, resize: 32, crop: 32, mean: [0.5], std: [0.25], window: soft_tissue, batch_size: 4, "
         "workers: 2}\n"
      << "model: {name: simple_cnn, width: 4}\n"
      << "train: {epochs: 2}\n";
  const CommandResult trained = run_tessera({"train", (dir / "dicom.yaml").string()});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const fs::path run_dir = dir / "runs" / "dicom";
  for (const char* file : {"config.yaml", "weights.safetensors", "checkpoint.pt", "metrics.jsonl", "train.log"}) {
    EXPECT_TRUE(fs::exists(run_dir / file)) << file;
  }
  EXPECT_NE(read_binary(run_dir / "config.yaml").find("window: soft_tissue"), std::string::npos);
  EXPECT_NE(read_binary(run_dir / "train.log").find("dicom sample #"), std::string::npos)
      << "the unreadable file is reported by reference";

  const CommandResult evaluated = run_tessera({"eval", run_dir.string(), "--data", data.string(), "--output",
                                               (dir / "eval").string()});
  // infer names DICOM files by opaque references, failures included; --show-paths opts out.
  const CommandResult inferred = run_tessera({"infer", run_dir.string(), "--input", data.string(), "--output",
                                              (dir / "eval" / "predictions.csv").string()});
  EXPECT_EQ(inferred.exit_code, 0) << inferred.err;
  const std::string predictions = read_binary(dir / "eval" / "predictions.csv");
  EXPECT_NE(predictions.find("dicom sample #"), std::string::npos) << predictions;
  EXPECT_EQ(predictions.find(data.string()), std::string::npos) << "no path in predictions.csv";
  const CommandResult with_paths = run_tessera({"infer", run_dir.string(), "--input", data.string(), "--output",
                                                (dir / "with_paths.csv").string(), "--show-paths"});
  EXPECT_EQ(with_paths.exit_code, 0) << with_paths.err;
  EXPECT_NE(read_binary(dir / "with_paths.csv").find((data / "mr" / "0.dcm").string()), std::string::npos);
  // A folder of series named after the patient: per-slice rows in position order plus one row per
  // series (max aggregate here), named by opaque references.
  const fs::path scans = dir / "scans" / "CompressedSamples^CT1";
  const fs::path nibabel = "/usr/lib/python3/dist-packages/nibabel/nicom/tests/data";
  const bool have_series = fs::exists(nibabel / "0.dcm");
  CommandResult series_run;
  if (have_series) {
    fs::create_directories(scans);
    fs::copy_file(nibabel / "1.dcm", scans / "1CT1_a.dcm");
    fs::copy_file(nibabel / "0.dcm", scans / "1CT1_b.dcm");
    series_run = run_tessera({"infer", run_dir.string(), "--input", (dir / "scans").string(), "--output",
                              (dir / "eval" / "scans.csv").string(), "--series-aggregate", "max"});
    EXPECT_EQ(series_run.exit_code, 0) << series_run.err;
    std::istringstream slices(read_binary(dir / "eval" / "scans.csv"));
    std::string header, first, second;
    std::getline(slices, header);
    std::getline(slices, first);
    std::getline(slices, second);
    EXPECT_EQ(header.rfind("path,series,slice,position_mm,label,confidence,top1,top1_prob,", 0), 0u) << header;
    EXPECT_NE(first.find(",dicom series #0 ("), std::string::npos) << first;
    EXPECT_NE(first.find("dicom sample #1 ("), std::string::npos) << "b.dcm, the lower slice, comes first: " << first;
    EXPECT_NE(second.find("dicom sample #0 ("), std::string::npos) << second;
    const std::string per_series = read_binary(dir / "eval" / "scans.series.csv");
    EXPECT_EQ(per_series.rfind("series,slices,unreadable,spacing_mm,aggregate,label,", 0), 0u) << per_series;
    EXPECT_NE(per_series.find("\ndicom series #0 ("), std::string::npos) << per_series;
    EXPECT_NE(per_series.find(",2,0,3.000,max,"), std::string::npos) << per_series;
  }
  // One enhanced multi-frame CT (the fixture of issue 19: 2 frames 10 mm apart) is inferred frame
  // by frame and is a series of its own.
  const fs::path enhanced = dir / "enhanced" / "Doe^Jane";
  fs::create_directories(enhanced);
  fs::copy_file(TESSERA_SOURCE_DIR "/tests/fixtures/dicom/pydicom-data_eCT_Supplemental.dcm", enhanced / "IM0001");
  const CommandResult frames_run = run_tessera({"infer", run_dir.string(), "--input", (dir / "enhanced").string(),
                                                "--output", (dir / "eval" / "enhanced.csv").string()});
  EXPECT_EQ(frames_run.exit_code, 0) << frames_run.err;
  const std::string frame_rows = read_binary(dir / "eval" / "enhanced.csv");
  EXPECT_NE(frame_rows.find("dicom sample #1 ("), std::string::npos) << frame_rows;
  EXPECT_NE(frame_rows.find(") frame 1,dicom series #0 ("), std::string::npos) << frame_rows;
  EXPECT_NE(frame_rows.find(") frame 0,dicom series #0 ("), std::string::npos) << frame_rows;
  EXPECT_EQ(frame_rows.find("Doe"), std::string::npos) << frame_rows;
  EXPECT_NE(read_binary(dir / "eval" / "enhanced.series.csv").find(",2,0,10.000,"), std::string::npos)
      << read_binary(dir / "eval" / "enhanced.series.csv");
  // inspect prints the allowlisted header only; a folder is described as a volume.
  const CommandResult inspected = run_tessera({"inspect", (kFiles / "CT_small.dcm").string()});
  EXPECT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_NE(inspected.out.find("DICOM: 128x128"), std::string::npos) << inspected.out;

  std::vector<std::pair<std::string, std::string>> outputs = {{"train stdout", trained.out},
                                                              {"train stderr", trained.err},
                                                              {"eval stdout", evaluated.out},
                                                              {"eval stderr", evaluated.err},
                                                              {"infer stdout", inferred.out},
                                                              {"infer stderr", inferred.err},
                                                              {"inspect stdout", inspected.out},
                                                              {"series infer stdout", series_run.out},
                                                              {"series infer stderr", series_run.err},
                                                              {"frames infer stderr", frames_run.err}};
  if (have_series) {
    const CommandResult volume = run_tessera({"inspect", scans.string()});
    EXPECT_EQ(volume.exit_code, 0) << volume.err;
    EXPECT_NE(volume.out.find("DICOM series: 2 slice file(s) -> volume 2 x 256 x 256"), std::string::npos) << volume.out;
    EXPECT_NE(volume.out.find("spacing: 3.000 (between slices) x 1.797 x 1.797 mm"), std::string::npos) << volume.out;
    outputs.emplace_back("inspect series stdout", volume.out);
  }
  for (const auto& folder : {run_dir, dir / "eval"}) {
    if (!fs::exists(folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file()) outputs.emplace_back(entry.path().string(), read_binary(entry.path()));
    }
  }
  for (const auto& [name, text] : outputs) {
    for (const auto& bad : kPhi) EXPECT_EQ(text.find(bad), std::string::npos) << bad << " in " << name;
  }
}

}  // namespace
}  // namespace tessera::e2e
